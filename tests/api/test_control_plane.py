"""Virtual time, tenants and reset over the control plane."""

from __future__ import annotations

import pytest

from sandbox.client import SignedClient
from tests.helpers import START, error_code, ok

SEARCH = "/order/202309/orders/search"


def statuses(tts):
    data = ok(tts.post(SEARCH, {}, params={"page_size": 100}))
    return {o["id"]: o["status"] for o in data["orders"]}


def test_clock_starts_frozen_at_the_requested_instant(http):
    clock = http.get("/sandbox/clock").json()
    assert clock["now"] == "2026-03-02T09:00:00Z" and clock["frozen"] is True
    assert clock["started_at"] == clock["now"]


def test_advancing_two_hours_releases_on_hold_orders_to_awaiting_shipment(tts, http):
    before = statuses(tts)
    on_hold = [i for i, s in before.items() if s == "ON_HOLD"]
    assert on_hold
    clock = http.post("/sandbox/clock/advance", json={"by": "2h"}).json()
    assert clock["now"] == "2026-03-02T11:00:00Z"
    assert clock["fired"] >= len(on_hold)
    after = statuses(tts)
    assert all(after[i] == "AWAITING_SHIPMENT" for i in on_hold)
    events = http.get("/sandbox/events", params={"kind": "order.status_changed"}).json()["events"]
    released = [e for e in events if e["data"] == {"from": "ON_HOLD", "to": "AWAITING_SHIPMENT"}]
    assert sorted(e["subject"] for e in released) == sorted(on_hold)
    assert [e["at"] for e in released] == sorted(e["at"] for e in released)  # fired in time order


def test_each_release_fires_at_its_own_deadline(tts, http):
    deadlines = http.get("/sandbox/deadlines").json()["deadlines"]
    remorse = [d for d in deadlines if d["rule"] == "remorse_window_ends"]
    first = remorse[0]
    http.post("/sandbox/clock/advance", json={"to": first["due"]})
    after = statuses(tts)
    assert after[first["subject"]] == "AWAITING_SHIPMENT"
    later = [d["subject"] for d in remorse[1:] if d["due"] > first["due"]]
    assert later and all(after[s] == "ON_HOLD" for s in later)


def test_paying_an_unpaid_order_holds_it_for_one_hour(tts, http):
    unpaid = next(i for i, s in statuses(tts).items() if s == "UNPAID")
    paid = http.post(f"/sandbox/orders/{unpaid}/pay").json()
    assert paid["status"] == "ON_HOLD"
    http.post("/sandbox/clock/advance", json={"by": "59m"})
    assert statuses(tts)[unpaid] == "ON_HOLD"
    http.post("/sandbox/clock/advance", json={"by": "1m"})
    assert statuses(tts)[unpaid] == "AWAITING_SHIPMENT"
    detail = ok(tts.get("/order/202309/orders", params={"ids": [unpaid]}))["orders"][0]
    assert detail["shipping_due_time"] == detail["paid_time"] + 3 * 86400


def test_buyer_cancel_while_on_hold_is_immediate(tts, http):
    held = next(i for i, s in statuses(tts).items() if s == "ON_HOLD")
    result = http.post(f"/sandbox/orders/{held}/buyer-cancel", json={"reason": "Ordered by mistake"})
    assert result.json()["status"] == "CANCELLED"
    http.post("/sandbox/clock/advance", json={"by": "2h"})  # the remorse deadline must not revive it
    order = ok(tts.get("/order/202309/orders", params={"ids": [held]}))["orders"][0]
    assert order["status"] == "CANCELLED"
    assert order["cancellation_initiator"] == "BUYER"
    assert order["cancel_reason"] == "Ordered by mistake"


def test_buyer_cancel_request_is_approved_when_the_seller_does_not_answer(tts, http):
    waiting = next(i for i, s in statuses(tts).items() if s == "AWAITING_SHIPMENT")
    requested = http.post(f"/sandbox/orders/{waiting}/buyer-cancel").json()
    assert requested["status"] == "AWAITING_SHIPMENT" and requested["is_buyer_request_cancel"]
    pending = ok(tts.post(SEARCH, {"is_buyer_request_cancel": True}, params={"page_size": 50}))["orders"]
    assert [o["id"] for o in pending] == [waiting]
    http.post("/sandbox/clock/advance", json={"by": "47h"})
    assert statuses(tts)[waiting] == "AWAITING_SHIPMENT"
    http.post("/sandbox/clock/advance", json={"by": "1h"})
    assert statuses(tts)[waiting] == "CANCELLED"


def test_buyer_cannot_cancel_a_shipped_order(tts, http):
    shipped = next(i for i, s in statuses(tts).items() if s == "IN_TRANSIT")
    response = http.post(f"/sandbox/orders/{shipped}/buyer-cancel")
    assert response.status_code == 409
    assert response.json()["error"]["type"] == "illegal_transition"
    assert statuses(tts)[shipped] == "IN_TRANSIT"


def test_freeze_advance_resume(http):
    http.post("/sandbox/clock/resume")
    assert http.get("/sandbox/clock").json()["frozen"] is False
    frozen = http.post("/sandbox/clock/freeze", json={"at": "2026-03-05T00:00:00Z"}).json()
    assert frozen == {**frozen, "frozen": True, "now": "2026-03-05T00:00:00Z"}
    assert http.post("/sandbox/clock/advance", json={"to": "2026-03-06T12:00:00Z"}).json()["now"] == (
        "2026-03-06T12:00:00Z"
    )


@pytest.mark.parametrize(
    ("path", "body", "status", "kind"),
    [
        ("/sandbox/clock/advance", {"by": "2x"}, 400, "invalid_duration"),
        ("/sandbox/clock/advance", {"by": "-2h"}, 400, "invalid_duration"),
        ("/sandbox/clock/advance", {}, 400, "invalid_advance"),
        (
            "/sandbox/clock/advance",
            {"by": "2h", "to": "2026-04-01T00:00:00Z"},
            400,
            "invalid_advance",
        ),
        ("/sandbox/clock/advance", {"to": "yesterday"}, 400, "invalid_instant"),
        ("/sandbox/clock/advance", {"to": "2026-03-01T00:00:00"}, 400, "invalid_instant"),
        ("/sandbox/clock/advance", {"to": "2020-01-01T00:00:00Z"}, 409, "clock_backwards"),
        ("/sandbox/clock/advance", {"by": 5}, 400, "invalid_request"),
        ("/sandbox/clock/advance", {"by": "2h", "extra": 1}, 400, "invalid_request"),
        ("/sandbox/clock/freeze", {"at": "2020-01-01T00:00:00Z"}, 409, "clock_backwards"),
        ("/sandbox/orders/1/pay", None, 404, "unknown_order"),
        ("/sandbox/tenants", {"region": "XX"}, 400, "invalid_request"),
        ("/sandbox/tenants", {"order_count": -1}, 400, "invalid_request"),
        ("/sandbox/no-such-thing", {}, 404, "unknown_path"),
    ],
)
def test_bad_control_input_is_a_clear_error_that_changes_nothing(http, path, body, status, kind):
    http.post("/sandbox/clock/resume")
    http.post("/sandbox/clock/freeze", json={"at": "2026-03-03T00:00:00Z"})
    before = http.get("/sandbox/clock").json()
    response = http.post(path, json=body) if body is not None else http.post(path)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == kind and error["message"]
    assert http.get("/sandbox/clock").json() == before
    assert len(http.get("/sandbox/tenants").json()["tenants"]) == 1


def test_malformed_control_json_is_a_400(http):
    response = http.post(
        "/sandbox/clock/advance", content=b"{by: 2h", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request"


def test_unknown_tenant_header_is_a_404(http):
    response = http.get("/sandbox/clock", headers={"X-Sandbox-Tenant": "nobody"})
    assert response.status_code == 404 and response.json()["error"]["type"] == "unknown_tenant"


def test_two_tenants_see_different_worlds_and_clocks(tts, http):
    other = http.post("/sandbox/tenants", json={"name": "ci-job-2", "seed": 7, "order_count": 5}).json()
    assert other["app_key"] != tts.app_key and other["shop"]["cipher"] != tts.shop_cipher
    as_other = {"X-Sandbox-Tenant": other["app_key"]}
    http.post("/sandbox/clock/advance", json={"by": "5d"}, headers=as_other)
    assert http.get("/sandbox/clock").json()["now"] == "2026-03-02T09:00:00Z"
    assert http.get("/sandbox/clock", headers=as_other).json()["now"] == "2026-03-07T09:00:00Z"
    theirs = SignedClient.for_tenant(http, other)
    their_ids = set(statuses(theirs))
    assert len(their_ids) == 5 and not their_ids & set(statuses(tts))
    # Credentials do not cross tenants: our token with their app key is refused.
    crossed = SignedClient(
        http,
        app_key=other["app_key"],
        app_secret=other["app_secret"],
        access_token=tts.access_token,
        shop_cipher=other["shop"]["cipher"],
    )
    assert error_code(crossed.post(SEARCH, params={"page_size": 5})) == 36009004
    # And their orders are unknown in our shop.
    mine = tts.get("/order/202309/orders", params={"ids": [sorted(their_ids)[0]]})
    assert error_code(mine) == 25007006


def test_reset_restores_the_seeded_start(tts, http):
    start = ok(tts.post(SEARCH, {}, params={"page_size": 100}))
    unpaid = [i for i, s in statuses(tts).items() if s == "UNPAID"]
    for order_id in unpaid:
        assert http.post(f"/sandbox/orders/{order_id}/pay").status_code == 200
    http.post("/sandbox/clock/advance", json={"by": "9d"})
    assert error_code(tts.get("/authorization/202309/shops", shop=False)) == 105002
    clock = http.post("/sandbox/reset").json()
    assert clock["now"] == "2026-03-02T09:00:00Z"
    again = ok(tts.post(SEARCH, {}, params={"page_size": 100}))
    assert again["orders"] == start["orders"]
    ok(tts.get("/authorization/202309/shops", shop=False))


def test_default_tenant_credentials_are_documented_values(http):
    creds = http.get("/sandbox/tenants/default").json()
    assert creds["app_key"] == "sandbox_app_key"
    assert creds["app_secret"] == "sandbox_app_secret"
    assert creds["access_token"] == "TTP_sandbox_access_token"
    assert creds["shop"]["cipher"] == "ROW_sandbox_shop_cipher"
    assert http.get(f"/sandbox/tenants/{creds['app_key']}").json() == creds
    assert http.get("/sandbox/tenants/nobody").status_code == 404


def test_health(http):
    assert http.get("/sandbox/health").json()["status"] == "ok"


def test_swagger_ui_is_served_for_both_specs(http):
    assert http.get("/ui/").status_code == 200
    assert http.get("/sandbox/ui/").status_code == 200
    assert http.get("/openapi.json").json()["info"]["title"].startswith("TikTok Shop")
    assert "control plane" in http.get("/sandbox/openapi.json").json()["info"]["title"]


def test_tenant_created_with_start_instant(http):
    created = http.post("/sandbox/tenants", json={"start": "2025-12-24T08:00:00Z", "frozen": True})
    assert created.status_code == 201
    headers = {"X-Sandbox-Tenant": created.json()["app_key"]}
    assert http.get("/sandbox/clock", headers=headers).json()["now"] == "2025-12-24T08:00:00Z"
    assert START.isoformat()  # the default tenant's start is untouched
    assert http.get("/sandbox/clock").json()["now"] == "2026-03-02T09:00:00Z"


def test_a_limit_gives_the_first_deadlines_in_firing_order(http):
    every = http.get("/sandbox/deadlines").json()["deadlines"]
    assert len(every) > 5
    first = http.get("/sandbox/deadlines", params={"limit": 5}).json()["deadlines"]
    assert first == every[:5]
    assert http.get("/sandbox/deadlines", params={"limit": 0}).status_code == 400
