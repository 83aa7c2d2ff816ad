"""How a loaded scenario behaves: timed and reactive steps, repeats, expectations, reset, determinism."""

from __future__ import annotations

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import ROOT, advance, expectation_statuses, load, order, report

HEAD = """scenario: {name}
setup:
  start: 2026-03-02T09:00:00Z
  background_orders: 3
orders:
  parcel:
    status: AWAITING_SHIPMENT
  spare:
    status: UNPAID
"""


_open_clients: list = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _open_clients:
        _open_clients.pop().__exit__(None, None, None)


def start(text: str):
    sandbox = Sandbox()
    http = sandbox.app.test_client()
    http.__enter__()
    _open_clients.append(http)
    assert load(http, text).status_code == 201
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    return sandbox, http, tts


def test_a_step_reacts_to_a_client_call_after_its_delay_and_only_as_often_as_asked():
    text = (
        HEAD.format(name="react")
        + """
steps:
  - name: the buyer regrets it once the seller has looked at the order
    when: {client_calls: get_order_detail, order: parcel}
    after: 30m
    do:
      - buyer_cancel: {order: parcel, reason: Changed my mind}
"""
    )
    _, http, tts = start(text)
    parcel = report(http, "react")["orders"]["parcel"]["order_id"]
    tts.post("/order/202309/orders/search", {}, params={"page_size": 10})  # does not mention the order
    advance(http, "1h")
    assert not order(tts, parcel)["is_buyer_request_cancel"]  # this call is the trigger
    advance(http, "29m")
    assert not order(tts, parcel)["is_buyer_request_cancel"]
    advance(http, "1m")
    assert order(tts, parcel)["is_buyer_request_cancel"]
    timeline = [e for e in report(http, "react")["timeline"] if "action" in e]
    assert [(e["at"], e["result"]) for e in timeline] == [("2026-03-02T10:30:00Z", "done")]


def test_a_reaction_to_a_domain_event():
    text = (
        HEAD.format(name="chain")
        + """
steps:
  - at: 1h
    do: [{pay: {order: spare}}]
  - name: cancel as soon as it is released to the seller
    when: {event: order.status_changed, order: spare, to: AWAITING_SHIPMENT}
    do: [{buyer_cancel: {order: spare}}]
"""
    )
    _, http, tts = start(text)
    spare = report(http, "chain")["orders"]["spare"]["order_id"]
    advance(http, "2h")
    detail = order(tts, spare)
    assert detail["status"] == "AWAITING_SHIPMENT" and detail["is_buyer_request_cancel"]
    actions = [(e["at"], e["action"]) for e in report(http, "chain")["timeline"] if "action" in e]
    assert actions == [("2026-03-02T10:00:00Z", "pay"), ("2026-03-02T11:00:00Z", "buyer_cancel")]


def test_repeat_runs_a_step_count_times_at_its_interval_and_records_refusals():
    text = (
        HEAD.format(name="again")
        + """
steps:
  - at: 1h
    repeat: {count: 3, every: 1d}
    do: [{buyer_cancel: {order: parcel}}]
"""
    )
    _, http, _ = start(text)
    advance(http, "4d")
    actions = [e for e in report(http, "again")["timeline"] if "action" in e]
    assert [(e["at"], e["repetition"], e["result"]) for e in actions] == [
        ("2026-03-02T10:00:00Z", 1, "done"),
        ("2026-03-03T10:00:00Z", 2, "skipped"),
        ("2026-03-04T10:00:00Z", 3, "skipped"),
    ]
    assert "already has a pending buyer cancellation" in actions[1]["detail"]


def test_never_expectation_fails_on_the_first_attempt():
    text = (
        HEAD.format(name="hands-off")
        + """
expect:
  - name: the client leaves the active-shops API alone
    client_never_calls: get_active_shops
until: 1d
"""
    )
    _, http, tts = start(text)
    advance(http, "2h")
    assert expectation_statuses(report(http, "hands-off")) == {
        "the client leaves the active-shops API alone": "pending"
    }
    tts.get("/seller/202309/shops", shop=False)
    rep = report(http, "hands-off")
    assert rep["expectations"][0]["status"] == "failed"
    assert "GET /seller/202309/shops at 2026-03-02T11:00:00Z" in rep["expectations"][0]["reason"]


def test_never_expectation_passes_when_the_scenario_ends_and_untriggered_ones_are_skipped():
    text = (
        HEAD.format(name="quiet")
        + """
expect:
  - name: no shop listing
    client_never_calls: get_active_shops
  - name: reacts to a cancellation that never comes
    after: {event: order.buyer_cancel_requested, order: parcel}
    client_calls: get_order_detail
    within: 1h
until: 2d
"""
    )
    _, http, _ = start(text)
    advance(http, "3d")
    rep = report(http, "quiet")
    assert rep["state"] == "ended"
    assert expectation_statuses(rep) == {
        "no shop listing": "passed",
        "reacts to a cancellation that never comes": "skipped",
    }


def test_calls_before_the_trigger_do_not_count():
    text = (
        HEAD.format(name="order-of-things")
        + """
steps:
  - at: 2h
    do: [{buyer_cancel: {order: parcel}}]
expect:
  - name: looks after the request
    after: {event: order.buyer_cancel_requested, order: parcel}
    client_calls: get_order_detail
    order: parcel
    within: 1h
"""
    )
    _, http, tts = start(text)
    parcel = report(http, "order-of-things")["orders"]["parcel"]["order_id"]
    order(tts, parcel)  # too early
    advance(http, "3h")
    assert expectation_statuses(report(http, "order-of-things")) == {"looks after the request": "failed"}


def test_a_failed_call_does_not_meet_an_expectation():
    text = (
        HEAD.format(name="strict")
        + """
expect:
  - name: lists shops
    client_calls: get_authorized_shops
    within: 1h
"""
    )
    _, http, tts = start(text)
    tts.get("/authorization/202309/shops", shop=True)  # refused: a cipher on a seller API
    assert expectation_statuses(report(http, "strict")) == {"lists shops": "pending"}
    tts.get("/authorization/202309/shops", shop=False)
    assert expectation_statuses(report(http, "strict")) == {"lists shops": "passed"}


def test_reset_replays_the_scenario_from_its_start():
    _, http, tts = start(HEAD.format(name="replay") + "steps:\n  - at: 1h\n    do: [{pay: {order: spare}}]\n")
    first = report(http, "replay")
    advance(http, "5h")
    assert report(http, "replay")["timeline"]
    http.post("/sandbox/reset")
    again = report(http, "replay")
    assert again == first
    assert order(tts, again["orders"]["spare"]["order_id"])["status"] == "UNPAID"


def test_unloading_goes_back_to_the_plain_world():
    _, http, _ = start(HEAD.format(name="gone"))
    assert http.delete("/sandbox/scenarios").json() == {"scenarios": []}
    assert http.get("/sandbox/scenarios").json() == {"scenarios": []}
    assert http.get("/sandbox/scenarios/gone").status_code == 404


def test_a_scenario_without_setup_joins_the_running_world():
    _, http, tts = start(HEAD.format(name="base"))
    advance(http, "1d")
    joined = load(
        http,
        "scenario: extra\norders:\n  late: {status: ON_HOLD, age: 5m}\nsteps:\n  - at: 30m\n    do: [{buyer_cancel: {order: late}}]\n",
    )
    assert joined.status_code == 201, joined.text
    assert joined.json()["started_at"] == "2026-03-03T09:00:00Z"
    assert {s["name"] for s in http.get("/sandbox/scenarios").json()["scenarios"]} == {"base", "extra"}
    advance(http, "1h")
    assert order(tts, joined.json()["orders"]["late"]["order_id"])["status"] == "CANCELLED"


def test_scenarios_load_per_tenant():
    _, http, _ = start(HEAD.format(name="mine"))
    other = http.post("/sandbox/tenants", json={"name": "other"}).json()["app_key"]
    assert load(http, HEAD.format(name="theirs"), tenant=other).status_code == 201
    assert [s["name"] for s in http.get("/sandbox/scenarios").json()["scenarios"]] == ["mine"]
    theirs = http.get("/sandbox/scenarios", headers={"X-Sandbox-Tenant": other}).json()["scenarios"]
    assert [s["name"] for s in theirs] == ["theirs"]


def run_buyer_cancellation_with_a_client() -> tuple[dict, list[bytes]]:

    text = (ROOT / "scenarios/buyer-cancellation.yaml").read_text()
    _, http, tts = start(text)
    answers = []
    for step in ("30m", "2h", "1d", "2d"):
        advance(http, step)
        answers.append(tts.post("/order/202309/orders/search", {}, params={"page_size": 50}).content)
        rep = report(http, "buyer-cancellation")
        ids = [o["order_id"] for o in rep["orders"].values()]
        answers.append(tts.get("/order/202309/orders", params={"ids": ids}).content)
    return report(http, "buyer-cancellation"), answers


def test_same_scenario_same_calls_same_timeline_ids_and_bytes():
    first_report, first_answers = run_buyer_cancellation_with_a_client()
    second_report, second_answers = run_buyer_cancellation_with_a_client()
    assert first_report == second_report
    assert first_answers == second_answers
    assert first_report["timeline"] and first_report["summary"]["passed"] == 4
