"""The request journal: what clients called, filtered, bounded, cleared, and verified with near misses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.app import Sandbox
from sandbox.inprocess import InProcessSandbox
from sandbox.journal import CountExpectation, Journal, JournalEntry, RequestPattern
from tests.helpers import START, data, first_order, ok

SEARCH = "/order/202309/orders/search"
DETAIL = "/order/202309/orders"
SHIP = "/fulfillment/202309/packages/{}/ship"


def package_of(tts, order_id):
    return data(tts.get(DETAIL, params={"ids": [order_id]}))["orders"][0]["packages"][0]["id"]


def ship_one(tts):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package_id = package_of(tts, order_id)
    assert data(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"})) == {}
    return order_id, package_id


def journal(http, **params):
    response = http.get("/sandbox/journal", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def verify(http, **pattern):
    response = http.post("/sandbox/journal/verify", json=pattern)
    assert response.status_code == 200, response.text
    return response.json()


def test_every_client_call_is_journaled_with_operation_tenant_times_and_answer(tts, http):
    ok(tts.post(SEARCH, {}, params={"page_size": 5}))
    http.get("/carrier/v1/tracking/NOPE")
    http.get("/sandbox/clock")  # the control plane is not journaled
    entries = journal(http)["entries"]
    assert [(e["surface"], e["operation"]) for e in entries] == [
        ("tiktok", "search_orders"),
        ("carrier", "get_tracking"),
    ]
    search = entries[0]
    assert search["tenant"] == "sandbox_app_key"
    assert search["at"] == "2026-03-02T09:00:00Z" and search["wall"].endswith("Z")
    assert search["status"] == 200 and search["code"] == 0 and search["signature_ok"] is True
    assert "sign" not in search["query"] and search["faults"] == []


def test_journal_filters_by_operation_method_path_status_code_signature_and_time(tts, http):
    order_id, package_id = ship_one(tts)
    tts.app_secret = "wrong"
    tts.get(DETAIL, params={"ids": [order_id]})  # refused: bad signature
    http.post("/sandbox/clock/advance", json={"by": "1h"})
    tts.app_secret = http.get("/sandbox/tenants/default").json()["app_secret"]
    tts.get(DETAIL, params={"ids": ["576460000000000000"]})

    def ops(**params):
        return [e["operation"] for e in journal(http, **params)["entries"]]

    assert ops(operation="ship_package") == ["ship_package"]
    assert ops(method="POST") == ["search_orders", "ship_package"]
    assert ops(path="/packages/") == ["ship_package"]  # a substring
    assert ops(path="/fulfillment/*/packages/*/ship") == ["ship_package"]  # a glob over the whole path
    assert ops(path="/fulfillment/*") == ["ship_package"]
    assert ops(signature_ok="false") == ["get_order_detail"]
    assert ops(code=106001) == ["get_order_detail"]
    assert ops(mentions=package_id) == ["ship_package"]
    assert ops(mentions=order_id) == ["get_order_detail", "get_order_detail"]
    assert ops(since="2026-03-02T10:00:00Z") == ["get_order_detail"]
    assert ops(until="2026-03-02T10:00:00Z")[-1] == "get_order_detail"
    assert ops(status=200, surface="tiktok", limit=2) == ops()[-2:]


def test_mentions_finds_the_order_in_the_path_query_or_body(tts, http):
    order_id, package_id = ship_one(tts)
    mentioning = journal(http, mentions=package_id)["entries"]
    assert [e["operation"] for e in mentioning] == ["ship_package"]
    assert [e["operation"] for e in journal(http, mentions=order_id)["entries"]] == ["get_order_detail"]


def test_a_repeated_query_key_is_journaled_with_every_value(tts, http):
    first, second = (first_order(tts, order_status=s)["id"] for s in ("AWAITING_SHIPMENT", "IN_TRANSIT"))
    ok(tts.get("/order/202309/orders", params=[("ids", first), ("ids", second)]))
    [entry] = journal(http, operation="get_order_detail")["entries"]
    assert entry["query"]["ids"] == f"{first},{second}"


def test_clearing_the_journal_forgets_entries_and_the_dropped_count():
    sandbox = Sandbox(freeze_at=START, journal_cap=3)
    with sandbox.app.test_client() as http:
        from sandbox.client import SignedClient

        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        for _ in range(5):
            ok(tts.post(SEARCH, {}, params={"page_size": 1}))
        state = journal(http)
        assert (state["total"], state["dropped"], state["cap"]) == (3, 2, 3)
        assert [e["seq"] for e in state["entries"]] == [3, 4, 5]  # the oldest were dropped
        cleared = http.delete("/sandbox/journal").json()
        assert cleared == {"cleared": 3, "total": 0, "dropped": 0, "cap": 3}
        assert journal(http)["entries"] == []
        ok(tts.post(SEARCH, {}, params={"page_size": 1}))
        assert [e["seq"] for e in journal(http)["entries"]] == [6]


def test_journal_is_per_tenant(tts, http):
    other = http.post("/sandbox/tenants", json={"order_count": 3}).json()
    ok(tts.post(SEARCH, {}, params={"page_size": 1}))
    assert journal(http)["total"] == 1
    assert http.get("/sandbox/journal", headers={"X-Sandbox-Tenant": other["app_key"]}).json()["total"] == 0
    assert http.get("/sandbox/journal", headers={"X-Sandbox-Tenant": "nobody"}).status_code == 404


def test_a_bad_instant_or_cap_is_refused(http):
    assert http.get("/sandbox/journal", params={"since": "yesterday"}).status_code == 400
    with pytest.raises(ValueError):
        Sandbox(journal_cap=0)


# ----- verification ------------------------------------------------------------------------------
def test_verification_counts_the_ship_call_for_the_package(tts, http):
    _, package_id = ship_one(tts)
    assert verify(http, operation="ship_package", mentions=package_id, exactly=1) == {
        "matched": True,
        "count": 1,
        "expected": {"exactly": 1},
    }
    assert verify(http, method="POST", path="/fulfillment/*/packages/*/ship")["matched"] is True
    assert verify(http, operation="ship_package", at_most=0)["matched"] is False
    assert verify(http, operation="ship_package", at_least=1, at_most=2)["expected"] == {
        "at_least": 1,
        "at_most": 2,
    }
    assert verify(http, body_contains="DROP_OFF")["count"] == 1
    assert verify(http, operation="search_orders", query={"page_size": "100"})["count"] == 1


def test_a_missed_verification_answers_the_nearest_misses_with_what_differed(tts, http):
    order_id, package_id = ship_one(tts)
    tts.get(DETAIL, params={"ids": [order_id]})
    answer = verify(http, operation="ship_package", mentions="1111111111111111111", exactly=1)
    assert answer["matched"] is False and answer["count"] == 0
    nearest = answer["near_misses"][0]
    assert nearest["request"]["operation"] == "ship_package"  # same operation, another package
    assert nearest["differences"] == [
        {"criterion": "mentions", "expected": "1111111111111111111", "actual": None}
    ]
    assert [m["distance"] for m in answer["near_misses"]] == sorted(
        m["distance"] for m in answer["near_misses"]
    )

    wrong_method = verify(http, method="GET", path=SHIP.format(package_id))
    assert wrong_method["near_misses"][0]["differences"] == [
        {"criterion": "method", "expected": "GET", "actual": "POST"}
    ]


def test_verification_refuses_contradictory_counts(http):
    response = http.post("/sandbox/journal/verify", json={"operation": "x", "exactly": 1, "at_least": 2})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_count"
    response = http.post("/sandbox/journal/verify", json={"operation": "x", "at_least": 3, "at_most": 2})
    assert response.status_code == 400
    assert http.post("/sandbox/journal/verify", json={"exactly": -1}).status_code == 400


def test_in_process_users_verify_in_python():
    with InProcessSandbox(freeze_at=START, order_count=5) as tts:
        client = tts.client()
        client.post(SEARCH, {}, params={"page_size": 5})
        assert tts.verify("search_orders", exactly=1)["matched"] is True
        tts.assert_called("search_orders", method="POST")
        with pytest.raises(AssertionError, match="nearest misses"):
            tts.assert_called("search_orders", method="GET")
        assert [e["operation"] for e in tts.journal(operation="search_orders")] == ["search_orders"]


# ----- the journal itself ------------------------------------------------------------------------
def _entry(seq: int, at: datetime) -> JournalEntry:
    return JournalEntry(seq, at, at, "search_orders", "POST", "/order/202309/orders/search", {}, "{}", 200, 0)


def test_the_cap_drops_the_oldest_and_counts_them():
    journal = Journal(cap=2)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    for seq in range(1, 6):
        journal.append(_entry(seq, at + timedelta(seconds=seq)))
    assert [e.seq for e in journal.entries] == [4, 5] and journal.dropped == 3
    assert journal.select(RequestPattern(since=at + timedelta(seconds=5))) == [journal.entries[-1]]
    assert journal.verify(RequestPattern(operation="search_orders"), CountExpectation(exactly=2)).matched


def test_serve_takes_a_journal_cap_and_the_rate_limit():
    from sandbox.cli import build_parser

    args = build_parser().parse_args(["serve", "--journal-cap", "500", "--rate-limit"])
    assert args.journal_cap == 500 and args.rate_limit is True
    assert build_parser().parse_args(["serve"]).journal_cap == 10_000
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--journal-cap", "0"])
