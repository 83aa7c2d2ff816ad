"""Broken scenarios: each gives a precise error (file, line, column, path, what was expected) and
leaves the world exactly as it was."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sandbox.app import Sandbox
from sandbox.scenarios.schema import build_schema
from tests.helpers import START, load

GOOD_HEAD = """scenario: broken
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel:
    status: AWAITING_SHIPMENT
"""

CASES = [
    # (id, yaml, line, column, path, words in the message)
    ("bad-yaml", "scenario: x\nsteps: [\n", 3, 1, "", "YAML syntax error"),
    ("tab-indent", "scenario: x\norders:\n\tparcel: {}\n", 3, 1, "", "YAML syntax error"),
    ("not-a-mapping", "- just\n- a list\n", 1, 1, "", "the document is a list"),
    ("empty", "", 1, 1, "", "empty"),
    ("missing-name", "description: nameless\n", 1, 1, "", "'scenario' is missing"),
    ("bad-name", "scenario: Has Spaces\n", 1, 11, "scenario", "does not have the right form"),
    ("unknown-top-key", "scenario: x\nstep: []\n", 2, 1, "step", "unknown key 'step'"),
    ("description-not-text", "scenario: x\ndescription: [a, b]\n", 2, 14, "description", "found a list"),
    ("duplicate-key", "scenario: x\nscenario: y\n", 2, 1, "scenario", "appears twice"),
    (
        "unknown-action",
        GOOD_HEAD + "steps:\n  - at: 1h\n    do:\n      - explode: {order: parcel}\n",
        10,
        9,
        "steps[0].do[0].explode",
        "unknown action 'explode'",
    ),
    (
        "unknown-order-in-action",
        GOOD_HEAD + "steps:\n  - at: 1h\n    do:\n      - pay: {order: ghost}\n",
        10,
        22,
        "steps[0].do[0].pay.order",
        "no order named 'ghost'",
    ),
    (
        "negative-duration",
        GOOD_HEAD + "steps:\n  - at: -2h\n    do: [{pay: {order: parcel}}]\n",
        8,
        9,
        "steps[0].at",
        "neither a duration nor an instant",
    ),
    ("bad-duration-unit", GOOD_HEAD + "until: 3x\n", 7, 8, "until", "is not a duration"),
    (
        "wrong-type",
        GOOD_HEAD + "steps:\n  - at: 1h\n    times: three\n    do: [{pay: {order: parcel}}]\n",
        9,
        12,
        "steps[0].times",
        "found a string",
    ),
    (
        "at-and-when",
        GOOD_HEAD + "steps:\n  - at: 1h\n    when: {event: order.status_changed}\n"
        "    do: [{pay: {order: parcel}}]\n",
        8,
        5,
        "steps[0]",
        "a step needs a time or a trigger",
    ),
    (
        "neither-at-nor-when",
        GOOD_HEAD + "steps:\n  - do: [{pay: {order: parcel}}]\n",
        8,
        5,
        "steps[0]",
        "a step needs a time or a trigger",
    ),
    (
        "unknown-event",
        GOOD_HEAD + "steps:\n  - when: {event: order.exploded}\n    do: [{pay: {order: parcel}}]\n",
        8,
        19,
        "steps[0].when.event",
        "'order.exploded' is not allowed",
    ),
    (
        "event-field",
        GOOD_HEAD + "steps:\n  - when: {event: order.status_changed, colour: red}\n"
        "    do: [{pay: {order: parcel}}]\n",
        8,
        41,
        "steps[0].when.colour",
        "has no field 'colour'",
    ),
    (
        "unknown-operation",
        GOOD_HEAD + "expect:\n  - name: x\n    client_calls: teleport_parcel\n    within: 1h\n",
        9,
        19,
        "expect[0].client_calls",
        "unknown operation 'teleport_parcel'",
    ),
    (
        "calls-and-never",
        GOOD_HEAD + "expect:\n  - name: x\n    client_calls: get_order_detail\n"
        "    client_never_calls: get_order_detail\n    within: 1h\n",
        8,
        5,
        "expect[0]",
        "exactly one",
    ),
    (
        "within-missing",
        GOOD_HEAD + "expect:\n  - name: x\n    client_calls: get_order_detail\n",
        8,
        5,
        "expect[0]",
        "exactly one",
    ),
    (
        "unknown-order-in-expectation",
        GOOD_HEAD + "expect:\n  - name: x\n    client_never_calls: get_order_detail\n    order: ghost\n",
        10,
        12,
        "expect[0].order",
        "no order named 'ghost'",
    ),
    (
        "on-hold-too-old",
        "scenario: x\norders:\n  late:\n    status: ON_HOLD\n    age: 2h\n",
        5,
        10,
        "orders.late.age",
        "left its one-hour remorse window",
    ),
    (
        "start-without-timezone",
        "scenario: x\nsetup:\n  start: 2026-03-02T09:00:00\n",
        3,
        10,
        "setup.start",
        "no timezone",
    ),
    (
        "step-before-start",
        GOOD_HEAD + "steps:\n  - at: 2026-03-01T09:00:00Z\n    do: [{pay: {order: parcel}}]\n",
        8,
        9,
        "steps[0].at",
        "before the scenario starts",
    ),
    (
        "undeclarable-status",
        "scenario: x\norders:\n  gone:\n    status: IN_TRANSIT\n",
        4,
        13,
        "orders.gone.status",
        "'IN_TRANSIT' is not allowed",
    ),
    (
        "bad-price",
        "scenario: x\norders:\n  p:\n    status: UNPAID\n    line_items: [{price: 12.5}]\n",
        5,
        26,
        "orders.p.line_items[0].price",
        "found a number",
    ),
    (
        "after-on-timed-step",
        GOOD_HEAD + "steps:\n  - at: 1h\n    after: 30m\n    do: [{pay: {order: parcel}}]\n",
        9,
        5,
        "steps[0].after",
        "`after` delays a `when` step",
    ),
    (
        "unknown-action-argument",
        GOOD_HEAD + "steps:\n  - at: 1h\n    do: [{pay: {order: parcel, tip: 5}}]\n",
        9,
        32,
        "steps[0].do[0].pay.tip",
        "unknown key 'tip'",
    ),
    (
        "bad-order-name",
        "scenario: x\norders:\n  Big Box: {status: UNPAID}\n",
        3,
        3,
        "orders.Big Box",
        "is not a valid name",
    ),
]


@pytest.fixture
def sandbox():
    return Sandbox(freeze_at=START)


@pytest.mark.parametrize(
    ("text", "line", "column", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_scenario_is_refused_precisely_and_changes_nothing(sandbox, text, line, column, path, words):
    with sandbox.app.test_client() as http:
        http.post("/sandbox/clock/advance", json={"by": "1h"})
        before = (
            http.get("/sandbox/clock").json(),
            http.get("/sandbox/deadlines").json(),
            http.get("/sandbox/events").json(),
            len(sandbox.tenants.default.world.orders),
        )
        response = load(http, text, source="broken.yaml")
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["type"] == "invalid_scenario"
        assert error["file"] == "broken.yaml"
        assert (error["line"], error["column"], error["path"]) == (line, column, path), error
        assert words in error["problem"], error
        assert error["expected"]
        assert error["message"].startswith(f"broken.yaml:{line}:{column}: ")
        after = (
            http.get("/sandbox/clock").json(),
            http.get("/sandbox/deadlines").json(),
            http.get("/sandbox/events").json(),
            len(sandbox.tenants.default.world.orders),
        )
        assert after == before
        assert http.get("/sandbox/scenarios").json() == {"scenarios": []}


def test_every_part_of_the_format_has_a_broken_case_refused_there():
    """Each top-level part of a scenario (and the document itself) is where some case above is
    refused: a part of the format with no broken case would show here."""
    refused_at = {path.split(".")[0].split("[")[0] for _, _, _, _, path, _ in CASES}
    parts = {"", *build_schema()["properties"]}
    assert parts <= refused_at, sorted(parts - refused_at)


def test_same_name_twice_is_a_conflict_that_changes_nothing(sandbox):
    text = "scenario: twice\norders:\n  a: {status: UNPAID}\n"
    with sandbox.app.test_client() as http:
        assert load(http, text).status_code == 201
        orders = len(sandbox.tenants.default.world.orders)
        response = load(http, text)
        assert response.status_code == 409 and response.json()["error"]["type"] == "scenario_conflict"
        assert len(sandbox.tenants.default.world.orders) == orders


def test_empty_body_is_refused(sandbox):
    with sandbox.app.test_client() as http:
        response = http.post("/sandbox/scenarios", content=b"", headers={"content-type": "application/yaml"})
        assert response.status_code == 400


def test_cli_validate_reports_file_line_and_column(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("scenario: fine\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(next(c[1] for c in CASES if c[0] == "unknown-order-in-action"))
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "scenario", "validate", str(good), str(bad)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"{good}: ok" in result.stdout
    assert f"{bad}:10:22: at steps[0].do[0].pay.order: no order named 'ghost'" in result.stdout
