"""Injected faults: latency, error codes, throttling and rate limits, scoped and expiring."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from sandbox.faults import RateLimiter
from sandbox.http import gate
from tests.helpers import START, data, first_order, ok

SEARCH = "/order/202309/orders/search"
DETAIL = "/order/202309/orders"
SHIP = "/fulfillment/202309/packages/{}/ship"


def inject(http, tenant=None, **definition):
    headers = {"X-Sandbox-Tenant": tenant} if tenant else {}
    response = http.post("/sandbox/faults", json=definition, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def search(tts):
    return tts.post(SEARCH, {}, params={"page_size": 1})


def faults(http):
    return http.get("/sandbox/faults").json()["faults"]


def test_an_error_fault_answers_the_platform_envelope_with_its_code_and_changes_nothing(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package_id = data(tts.get(DETAIL, params={"ids": [order_id]}))["orders"][0]["packages"][0]["id"]
    fault = inject(http, kind="error", code=36009003, path="/fulfillment/*/packages/*/ship", count=1)
    assert fault["state"] == "active" and fault["remaining"] == 1

    failed = tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"})
    assert failed.status_code == 200
    body = failed.json()
    assert body["code"] == 36009003 and body["message"] == "Internal error" and body["request_id"]
    # Nothing happened: the order still awaits shipment and no event was recorded.
    assert data(tts.get(DETAIL, params={"ids": [order_id]}))["orders"][0]["status"] == "AWAITING_SHIPMENT"
    assert (
        http.get("/sandbox/events", params={"subject": order_id, "kind": "package.shipped"}).json()["events"]
        == []
    )
    entry = http.get("/sandbox/journal", params={"faulted": "true"}).json()["entries"]
    assert [(e["operation"], e["code"], e["faults"]) for e in entry] == [
        ("ship_package", 36009003, [{"id": fault["id"], "kind": "error", "code": 36009003}])
    ]

    # The count is spent: the next call goes through, and the fault is gone.
    assert data(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"})) == {}
    assert faults(http) == []


def test_the_http_status_of_an_error_follows_the_servers_setting():
    sandbox = Sandbox(freeze_at=START, mirror_http_status=True, order_count=3)
    with sandbox.app.test_client() as http:
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        inject(http, kind="error", code=25007006, operation="search_orders")
        answer = search(tts)
        assert answer.status_code == 404 and answer.json()["code"] == 25007006


def test_throttling_answers_429_with_36009002(tts, http):
    inject(http, kind="throttle", operation="search_orders", count=2)
    for _ in range(2):
        answer = search(tts)
        assert answer.status_code == 429 and answer.json()["code"] == 36009002
    ok(search(tts))


def test_a_count_limited_fault_stops_after_n_requests(tts, http):
    fault = inject(http, kind="error", code=36009004, operation="search_orders", count=3)
    codes = [search(tts).json()["code"] for _ in range(5)]
    assert codes == [36009004, 36009004, 36009004, 0, 0]
    assert all(f["id"] != fault["id"] for f in faults(http))


def test_a_window_fault_stops_at_the_end_of_its_window(tts, http):
    inject(http, kind="throttle", operation="search_orders", **{"for": "10m"})
    assert search(tts).status_code == 429
    http.post("/sandbox/clock/advance", json={"by": "9m"})
    assert search(tts).status_code == 429
    assert faults(http)[0]["until"] == "2026-03-02T09:10:00Z"
    http.post("/sandbox/clock/advance", json={"by": "1m"})
    ok(search(tts))
    assert faults(http) == []


def test_a_fault_can_start_later_in_virtual_time(tts, http):
    fault = inject(
        http,
        kind="error",
        code=36009003,
        operation="search_orders",
        until="2026-03-02T11:00:00Z",
        **{"from": "2026-03-02T10:00:00Z"},
    )
    assert fault["state"] == "scheduled"
    ok(search(tts))
    http.post("/sandbox/clock/advance", json={"by": "1h"})
    assert search(tts).json()["code"] == 36009003
    http.post("/sandbox/clock/advance", json={"by": "1h"})
    ok(search(tts))


def test_faults_are_scoped_by_operation_path_and_method(tts, http):
    inject(http, kind="error", code=36009003, operation="get_order_detail")
    inject(http, kind="error", code=36009003, path="/logistics/*", method="GET")
    ok(search(tts))
    assert tts.get(DETAIL, params={"ids": ["1"]}).json()["code"] == 36009003
    assert tts.get("/logistics/202309/warehouses").json()["code"] == 36009003
    http.delete("/sandbox/faults")
    ok(tts.get("/logistics/202309/warehouses"))


def test_faults_belong_to_their_tenant(tts, http):
    other = http.post("/sandbox/tenants", json={"order_count": 2}).json()
    other_client = SignedClient.for_tenant(http, other)
    inject(http, tenant=other["app_key"], kind="throttle")
    assert search(other_client).status_code == 429
    ok(search(tts))
    assert faults(http) == []
    listed = http.get("/sandbox/faults", headers={"X-Sandbox-Tenant": other["app_key"]}).json()["faults"]
    assert [f["kind"] for f in listed] == ["throttle"]


def test_deleting_one_fault_or_all(http):
    first = inject(http, kind="throttle", operation="a")
    inject(http, kind="throttle", operation="b")
    assert http.delete(f"/sandbox/faults/{first['id']}").json() == {"deleted": first["id"]}
    assert [f["operation"] for f in faults(http)] == ["b"]
    assert http.delete(f"/sandbox/faults/{first['id']}").status_code == 404
    assert http.delete("/sandbox/faults").json() == {"deleted": 1}
    assert faults(http) == []


@pytest.mark.parametrize(
    "definition",
    [
        {"kind": "explode"},
        {"kind": "error", "code": 12345},
        {"kind": "error"},
        {"kind": "throttle", "count": -1},
        {"kind": "throttle", "count": 0},
        {"kind": "latency"},
        {"kind": "latency", "latency_ms": 10, "min_ms": 1, "max_ms": 5},
        {"kind": "latency", "min_ms": 50, "max_ms": 10},
        {"kind": "latency", "latency_ms": 10**9},
        {"kind": "throttle", "for": "0s"},
        {"kind": "throttle", "for": "soon"},
        {"kind": "throttle", "until": "2020-01-01T00:00:00Z"},
        {"kind": "throttle", "for": "1h", "until": "2026-03-03T00:00:00Z"},
        {"kind": "throttle", "code": 36009003},
        {"kind": "rate_limit", "count": 5},
        {"kind": "throttle", "path": "no-slash"},
    ],
)
def test_an_invalid_fault_is_refused_and_creates_nothing(http, definition):
    response = http.post("/sandbox/faults", json=definition)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] in ("invalid_fault", "invalid_request")
    assert faults(http) == []
    assert inject(http, kind="throttle")["id"] == "fault-1"  # no ID was used up


def test_fixed_latency_delays_the_answer(tts, http, monkeypatch):
    waits: list[tuple[float, bool]] = []
    answered = threading.Event()

    async def pause(seconds: float) -> None:
        waits.append((seconds, answered.is_set()))  # before the answer, or after it?

    monkeypatch.setattr(gate, "pause", pause)
    inject(http, kind="latency", latency_ms=150, operation="search_orders", count=1)
    ok(search(tts))
    answered.set()
    assert waits == [(0.15, False)]  # the answer waited 150 ms first
    ok(search(tts))
    assert len(waits) == 1  # count: 1
    entry = http.get("/sandbox/journal").json()["entries"][-2]
    assert entry["faults"] == [{"id": "fault-1", "kind": "latency", "latency_ms": 150}]


def test_random_latency_is_drawn_from_a_seeded_generator(http):
    def delays():
        sandbox = Sandbox(freeze_at=START, order_count=2)
        with sandbox.app.test_client() as client:
            tts = SignedClient.for_tenant(client, client.get("/sandbox/tenants/default").json())
            inject(client, kind="latency", min_ms=0, max_ms=20, seed=7)
            for _ in range(4):
                ok(search(tts))
            return [e["faults"][0]["latency_ms"] for e in client.get("/sandbox/journal").json()["entries"]]

    first = delays()
    assert first == delays()
    assert all(0 <= d <= 20 for d in first) and len(set(first)) > 1


def test_latency_does_not_hold_the_world(tts, http, monkeypatch):
    """While a slow request waits out its latency, the control plane still answers."""
    waiting, release = threading.Event(), threading.Event()

    async def pause(seconds: float) -> None:
        waiting.set()
        await asyncio.to_thread(release.wait, 30)  # held until the test lets it go

    monkeypatch.setattr(gate, "pause", pause)
    inject(http, kind="latency", latency_ms=400, operation="search_orders", count=1)
    answers: list[int] = []
    worker = threading.Thread(target=lambda: answers.append(search(tts).status_code))
    worker.start()
    assert waiting.wait(30)
    assert http.get("/sandbox/clock").status_code == 200
    assert http.post("/sandbox/clock/advance", json={"by": "1m"}).status_code == 200
    assert answers == []  # the slow request is still waiting: the world was not held by it
    release.set()
    worker.join(30)
    assert answers == [200]


def test_carrier_calls_can_be_faulted_too(http):
    inject(http, kind="error", code=36009003, path="/carrier/*", count=1)
    answer = http.get("/carrier/v1/tracking/NOPE")
    assert answer.status_code == 500
    assert answer.json()["error"] == {
        "type": "injected_fault",
        "message": "Internal error",
        "code": 36009003,
        "fault": "fault-1",
    }
    assert http.get("/carrier/v1/tracking/NOPE").status_code == 404


# ----- the real rate limit -----------------------------------------------------------------------
def test_rate_limit_fault_refuses_the_51st_request_of_one_second(tts, http, sandbox):
    now = [1000.0]
    sandbox.wall_clock = lambda: now[0]
    inject(http, kind="rate_limit", operation="search_orders")
    codes = [search(tts).json()["code"] for _ in range(51)]
    assert codes[:50] == [0] * 50
    assert codes[50] == 36009002
    assert tts.get(DETAIL, params={"ids": ["1"]}).json()["code"] != 36009002  # another API
    now[0] += 1.0
    ok(search(tts))


def test_the_server_can_enforce_the_rate_limit_for_every_tenant():
    sandbox = Sandbox(freeze_at=START, order_count=2, rate_limit=True)
    now = [50.0]
    sandbox.wall_clock = lambda: now[0]
    with sandbox.app.test_client() as http:
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        other = SignedClient.for_tenant(http, http.post("/sandbox/tenants", json={"order_count": 1}).json())
        for _ in range(50):
            ok(search(tts))
        refused = search(tts)
        assert refused.status_code == 429 and refused.json()["code"] == 36009002
        ok(search(other))  # per tenant
        now[0] += 0.5
        assert search(tts).status_code == 429
        now[0] += 0.6
        ok(search(tts))


def test_the_limiter_slides_over_one_second():
    limiter = RateLimiter(qps=2)
    assert limiter.allow("op", 0.0) and limiter.allow("op", 0.5)
    assert not limiter.allow("op", 0.9)
    assert limiter.allow("other", 0.9)
    assert limiter.allow("op", 1.0)  # the first has left the window
    assert not limiter.allow("op", 1.4)


# ----- scenarios ---------------------------------------------------------------------------------
def test_a_scenario_injects_a_fault_when_its_step_fires(tts, http, sandbox):
    sandbox.load_scenario(
        """scenario: throttled-searches
steps:
  - at: 1h
    do:
      - inject_fault: {kind: throttle, operation: search_orders, for: 30m}
until: 1d
"""
    )
    ok(search(tts))
    http.post("/sandbox/clock/advance", json={"by": "1h"})
    assert search(tts).status_code == 429
    http.post("/sandbox/clock/advance", json={"by": "30m"})
    ok(search(tts))


def test_a_scenario_with_an_invalid_fault_does_not_load(sandbox):
    from sandbox.scenarios import ScenarioError

    with pytest.raises(ScenarioError):
        sandbox.load_scenario(
            """scenario: bad-fault
steps:
  - at: 1h
    do:
      - inject_fault: {kind: error, code: 1}
"""
        )
