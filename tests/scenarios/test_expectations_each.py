"""Expectations of the second edition, judged in virtual time: one verdict per occurrence of what
arms them (`each`), which calls count (`counting`), conditions on the call (`request`), anchors on
steps, and causality (a call neither meets nor breaks an expectation its own effect armed)."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import advance, load, report

SHIP = "/fulfillment/202309/packages/{}/ship"

# The carrier refuses the parcel's labels (Rejected Shipping Labels: "Products are oversized")
# until the seller fixes the cause, an hour and a half in.
REJECTED = """scenario: {name}
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {{status: AWAITING_SHIPMENT, shipping_type: TIKTOK}}
steps:
  - name: the carrier refuses the parcel's labels
    at: 0s
    do:
      - reject_label: {{order: parcel, reason: PRODUCTS_OVERSIZED}}
  - name: the seller fixes the cause
    at: 1h30m
    do:
      - fix_label_issue: {{order: parcel}}
expect:
{expect}
until: 1d
"""

EACH_REJECTION = """  - name: the client re-requests the label within an hour of each rejection
    after: {event: package.label_rejected, order: parcel}
    each: true
    counting: any
    client_calls: ship_package
    order: parcel
    within: 1h
"""


_open: list[Any] = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _open:
        _open.pop().__exit__(None, None, None)


def start(text: str) -> tuple[Any, SignedClient]:
    http = Sandbox().app.test_client()
    http.__enter__()
    _open.append(http)
    loaded = load(http, text)
    assert loaded.status_code == 201, loaded.text
    return http, SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())


def ship(http: Any, tts: SignedClient, name: str) -> tuple[str, int]:
    """Ship the parcel's package: its ID, and the envelope's code."""
    (package_id,) = report(http, name)["orders"]["parcel"]["package_ids"]
    answer = tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}).json()
    return package_id, int(answer["code"])


def verdicts(http: Any, name: str) -> list[tuple[str, int | None, str]]:
    return [(e["name"], e.get("occurrence"), e["status"]) for e in report(http, name)["expectations"]]


def test_each_rejection_is_judged_on_its_own_and_a_refused_retry_counts_when_asked():
    name = "each-rejection"
    only_successful = EACH_REJECTION.replace("    counting: any\n", "").replace(
        "the client re-requests", "a successful label request"
    )
    http, tts = start(REJECTED.format(name=name, expect=EACH_REJECTION + only_successful))
    advance(http, "5m")
    assert ship(http, tts, name)[1] != 0  # rejected: the first occurrence arms
    advance(http, "50m")
    assert ship(http, tts, name)[1] != 0  # rejected again: meets the first, arms the second
    advance(http, "50m")  # past the seller's fix
    assert ship(http, tts, name)[1] == 0

    rep = report(http, name)
    each, strict = "the client re-requests", "a successful label request"
    by = {
        (e["name"].split(" the label")[0].split(" within")[0], e["occurrence"]): e
        for e in rep["expectations"]
    }
    assert by[(each, 1)]["status"] == "passed" and by[(each, 2)]["status"] == "passed"
    assert by[(each, 1)]["armed_at"] == "2026-03-02T09:05:00Z"
    assert by[(each, 2)]["armed_at"] == "2026-03-02T09:55:00Z"
    assert "at 2026-03-02T09:55:00Z" in by[(each, 1)]["call"]  # the refused retry met it
    # Counting successful calls only: the refused retry at 09:55 did not meet the first one.
    assert by[(strict, 1)]["status"] == "failed"
    assert "occurrence 1, at 2026-03-02T09:05:00Z" in by[(strict, 1)]["reason"]
    assert by[(strict, 2)]["status"] == "passed"
    junit = http.get(f"/sandbox/scenarios/{name}/junit").text
    assert "occurrence 1, armed 2026-03-02T09:05:00Z" in junit
    assert "occurrence 2, armed 2026-03-02T09:55:00Z" in junit


def test_a_slow_client_fails_the_occurrence_it_missed_and_only_that_one():
    name = "slow-retry"
    http, tts = start(REJECTED.format(name=name, expect=EACH_REJECTION))
    advance(http, "5m")
    ship(http, tts, name)
    advance(http, "50m")
    ship(http, tts, name)  # in time for the first rejection
    advance(http, "1h15m")  # two hours and ten minutes in: too late for the second
    ship(http, tts, name)
    assert [v[1:] for v in verdicts(http, name)] == [(1, "passed"), (2, "failed")]
    (missed,) = [e for e in report(http, name)["expectations"] if e["status"] == "failed"]
    assert "within 1h of event package.label_rejected" in missed["reason"]
    assert "occurrence 2, at 2026-03-02T09:55:00Z" in missed["reason"]


def test_the_call_that_caused_the_rejection_neither_meets_nor_breaks_what_it_armed():
    name = "causality"
    never_again = """  - name: the client never ships the package it was refused again
    after: {event: package.label_rejected, order: parcel}
    client_never_calls: ship_package
    request:
      path.package_id: {event: package_id}
  - name: the client re-requests within an hour
    after: {event: package.label_rejected, order: parcel}
    counting: any
    client_calls: ship_package
    within: 1h
"""
    http, tts = start(REJECTED.format(name=name, expect=never_again))
    advance(http, "5m")
    package_id, code = ship(http, tts, name)
    assert code != 0
    rep = report(http, name)
    assert [e["status"] for e in rep["expectations"]] == ["pending", "pending"]  # its own call: neither

    advance(http, "10m")
    ship(http, tts, name)  # the careless client ships the very package again
    never, within = report(http, name)["expectations"]
    assert never["status"] == "failed"
    assert (
        never["reason"]
        == f"the client called POST {SHIP.format(package_id)} at 2026-03-02T09:15:00Z (code {code})"
    )
    assert within["status"] == "passed"


def test_a_call_about_another_package_does_not_break_a_condition_on_the_refused_one():
    name = "other-package"
    text = """scenario: other-package
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
  other: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
steps:
  - at: 0s
    do: [{reject_label: {order: parcel, reason: PRODUCTS_OVERSIZED}}]
expect:
  - name: the refused package is not shipped again as it was
    after: {event: package.label_rejected, order: parcel}
    client_never_calls: ship_package
    request:
      path.package_id: {event: package_id}
      body.handover_method: {in: [DROP_OFF, PICKUP]}
  - name: the other order is shipped by drop-off
    client_calls: ship_package
    request:
      path.package_id: {package: other}
      body.handover_method: DROP_OFF
    within: 1h
until: 2h
"""
    http, tts = start(text)
    ship(http, tts, name)  # refused: arms the first
    (other,) = report(http, name)["orders"]["other"]["package_ids"]
    assert tts.post(SHIP.format(other), {"handover_method": "DROP_OFF"}).json()["code"] == 0
    advance(http, "2h")
    assert [e["status"] for e in report(http, name)["expectations"]] == ["passed", "passed"]


def test_an_expectation_anchored_on_a_step_arms_each_time_the_step_runs():
    text = """scenario: anchored
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {status: AWAITING_SHIPMENT}
steps:
  - name: the buyer writes
    at: 1h
    repeat: {every: 2h, count: 2}
    do: [{update_buyer_address: {order: parcel, address_line2: Flat 2}}]
expect:
  - name: the client reads the order within 30 minutes of each message
    after: {step: the buyer writes}
    each: true
    client_calls: get_order_detail
    order: parcel
    within: 30m
until: 6h
"""
    http, tts = start(text)
    parcel = report(http, "anchored")["orders"]["parcel"]["order_id"]
    advance(http, "1h10m")
    tts.get("/order/202309/orders", params={"ids": [parcel]})
    advance(http, "5h")
    rows = report(http, "anchored")["expectations"]
    assert [(e["occurrence"], e["armed_at"], e["status"]) for e in rows] == [
        (1, "2026-03-02T10:00:00Z", "passed"),
        (2, "2026-03-02T12:00:00Z", "failed"),
    ]


def test_old_expectations_keep_their_meaning_and_after_start_is_the_default():
    text = """scenario: plain
setup:
  start: 2026-03-02T09:00:00Z
expect:
  - name: lists shops
    after: start
    client_calls: get_authorized_shops
    within: 1h
"""
    http, tts = start(text)
    tts.get("/authorization/202309/shops", shop=False)
    (row,) = report(http, "plain")["expectations"]
    assert row["status"] == "passed" and row["armed_at"] == "2026-03-02T09:00:00Z"
    assert "occurrence" not in row and row["counting"] == "successful"


@pytest.mark.parametrize(
    ("expect", "problem"),
    [
        (
            "  - name: x\n    each: true\n    client_calls: get_order_detail\n    within: 1h\n",
            "`each` judges",
        ),
        (
            "  - name: x\n    after: {step: nobody}\n    client_calls: get_order_detail\n    within: 1h\n",
            "no step named 'nobody'",
        ),
        (
            "  - name: x\n    after: {event: package.label_rejected}\n    client_never_calls: ship_package\n"
            "    request: {path.package_id: {event: weight}}\n",
            "no arming event field 'weight'",
        ),
        (
            "  - name: x\n    client_never_calls: ship_package\n    request: {path.package_id: {event: package_id}}\n",
            "no arming event field 'package_id'",
        ),
        (
            "  - name: x\n    client_never_calls: ship_package\n    request: {path.package.id: '1'}\n",
            "a path parameter has no fields",
        ),
        (
            "  - name: x\n    client_never_calls: ship_package\n    request: {body.weight: {lt: heavy}}\n",
            "",
        ),
        (
            "  - name: x\n    client_never_calls: ship_package\n    request: {body.x: {package: nobody}}\n",
            "no order named 'nobody'",
        ),
        (
            "  - name: x\n    after: {event: package.label_rejected, request: {body.x: 1}}\n"
            "    client_never_calls: ship_package\n",
            "`request` states conditions on a client's call",
        ),
    ],
)
def test_bad_expectations_are_refused_at_their_line(expect: str, problem: str):
    text = "scenario: bad\norders:\n  parcel: {status: AWAITING_SHIPMENT}\nexpect:\n" + expect
    http = Sandbox().app.test_client()
    with http:
        refused = load(http, text)
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert problem in error["message"]
        assert error["line"] >= 5


def test_every_problem_of_a_file_is_told_in_order_with_its_place():
    text = """scenario: many
orders:
  parcel: {status: AWAITING_SHIPMENT}
steps:
  - at: 1h
    do: [{buyer_cancel: {order: nobody}}]
expect:
  - name: one
    after: {step: no such step}
    client_calls: get_order_detail
    within: 1h
  - name: two
    client_calls: no_such_operation
    within: 1h
"""
    http = Sandbox().app.test_client()
    with http:
        refused = load(http, text)
    assert refused.status_code == 400
    error = refused.json()["error"]
    places = [(p["line"], p["problem"]) for p in error["problems"]]
    assert places == [
        (6, "no order named 'nobody'"),
        (9, "no step named 'no such step'"),
        (13, "unknown operation 'no_such_operation'"),
    ]
    assert (error["line"], error["problem"]) == places[0]  # the first, as before


def test_every_problem_the_schema_finds_is_told_too():
    text = """scenario: shapes
orders:
  parcel: {status: SOMEWHERE}
steps:
  - at: 1h
    colour: blue
    do: [{buyer_cancel: {order: parcel}}]
until: soon
"""
    http = Sandbox().app.test_client()
    with http:
        error = load(http, text).json()["error"]
    assert [p["line"] for p in error["problems"]] == [3, 6, 8]
    assert "'SOMEWHERE' is not allowed" in error["problems"][0]["problem"]
    assert error["problems"][1]["problem"] == "unknown key 'colour'"
    assert "'soon' is not a duration" in error["problems"][2]["problem"]


def test_an_unknown_operation_is_answered_with_the_names_it_is_close_to():
    text = "scenario: typo\nexpect:\n  - name: x\n    client_calls: ship_packages\n    within: 1h\n"
    http = Sandbox().app.test_client()
    with http:
        error = load(http, text).json()["error"]
    assert error["problem"] == "unknown operation 'ship_packages'"
    assert error["expected"].startswith("an Open API operation name, such as ship_package")
