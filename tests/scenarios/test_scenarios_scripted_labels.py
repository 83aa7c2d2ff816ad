"""Scripted label rejections that step aside (Rejected Shipping Labels on demand): `reject_label`
for the next N label requests (`count`) or until a time (`until`), checked when the scenario loads."""

from __future__ import annotations

import pytest

from sandbox.app import Sandbox
from sandbox.scenarios.loader import ScenarioError

HEAD = """scenario: scripted
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
steps:
  - at: 1h
    do:
      - reject_label: {order: parcel, reason: CARRIER_ORDER_ERROR, """


def _load(args: str):
    return Sandbox(order_count=0).load_scenario(HEAD + args + "}\n")


COUNT = "steps[0].do[0].reject_label.count"
UNTIL = "steps[0].do[0].reject_label.until"


@pytest.mark.parametrize(
    ("args", "at", "path", "words"),
    [
        ("count: 0", "0", COUNT, "less than the minimum of 1"),
        ("count: -2", "-2", COUNT, "less than the minimum of 1"),
        ("count: two", "two", COUNT, "found a string"),
        ("count: 2.5", "2.5", COUNT, "found a number"),
        ("count: 2, until: 3h", "until", UNTIL, "cannot go together"),
        ("until: 3h, count: 2", "until", UNTIL, "cannot go together"),
        ("until: soon", "soon", UNTIL, "neither a duration nor an instant"),
        ('until: "90"', '"90"', UNTIL, "has no unit"),
        ("until: 90", "90", UNTIL, "found a number"),
        ("until: 3x", "3x", UNTIL, "neither a duration nor an instant"),
        ("until: 0s", "0s", UNTIL, "refuses no label request"),
        ("until: 2026-03-02T12:00:00", "2026", UNTIL, "timezone"),
    ],
)
def test_a_bad_count_or_until_is_refused_at_load_with_line_and_column(args, at, path, words):
    with pytest.raises(ScenarioError) as refused:
        _load(args)

    error = refused.value
    line = HEAD.splitlines()[-1] + args
    assert (error.line, error.column, error.path) == (9, line.index(at, len(HEAD.splitlines()[-1])) + 1, path)
    assert words in error.message, error
    assert error.expected
    assert str(error).startswith(f"<scenario>:9:{error.column}: ")


@pytest.mark.parametrize(
    "args",
    ["count: 1", "count: 25", "until: 90m", "until: 3d12h", "until: 2026-03-02T12:00:00Z", "package: 1"],
)
def test_a_count_an_until_or_neither_loads(args):
    run = _load(args)

    [call] = run.scenario.steps[0].actions
    assert call.action == "reject_label"


def test_an_until_before_the_step_refuses_nothing_and_the_step_is_skipped():
    sandbox = Sandbox(order_count=0)
    run = sandbox.load_scenario(HEAD + "until: 2026-03-02T09:30:00Z}\n")
    with sandbox.app.test_client() as http:
        http.post("/sandbox/clock/advance", json={"by": "2h"})
        [entry] = [
            e for e in http.get(f"/sandbox/scenarios/{run.scenario.name}").json()["timeline"] if "step" in e
        ]

    assert entry["result"] == "skipped" and "refuse nothing" in entry["detail"]
