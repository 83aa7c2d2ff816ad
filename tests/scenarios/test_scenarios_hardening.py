"""Hostile, odd or edge-case scenarios found by review: refused quickly and precisely, or played as
documented; never a 500, never a half-changed world."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import START, advance, load, report


@pytest.fixture
def http():
    sandbox = Sandbox(freeze_at=START)
    with sandbox.app.test_client() as client:
        yield client


def snapshot(http):
    return (
        http.get("/sandbox/clock").json(),
        http.get("/sandbox/deadlines").json(),
        http.get("/sandbox/events").json(),
        http.get("/sandbox/scenarios").json(),
        len(http.get("/sandbox/tenants").json()["tenants"]),
    )


BOMB = "scenario: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8)
)

BROKEN = [
    ("alias-bomb", BOMB, "expands to more than"),
    ("deep-flow-nesting", "scenario: x\nsteps: " + "[" * 900 + "]" * 900 + "\n", "nests more than"),
    (
        "deep-block-nesting",
        "scenario: x\nsetup:\n"
        + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(40))
        + "  " * 41
        + "v: 1\n",
        "nests more than",
    ),
    ("float-background-orders", "scenario: x\nsetup: {background_orders: 3.0}\n", "found a number"),
    (
        "float-quantity",
        "scenario: x\norders:\n  a: {status: UNPAID, line_items: [{quantity: 2.0}]}\n",
        "found a number",
    ),
    (
        "float-repeat-count",
        "scenario: x\norders: {a: {status: UNPAID}}\nsteps:\n  - {at: 1h, repeat: {count: 2.0, every: 1h}, do: [{pay: {order: a}}]}\n",
        "found a number",
    ),
    (
        "repeat-beyond-time",
        "scenario: x\nsetup: {start: 2026-03-02T09:00:00Z}\norders: {a: {status: UNPAID}}\nsteps:\n  - {at: 1h, repeat: {count: 1000, every: 36500d}, do: [{pay: {order: a}}]}\n",
        "100 years",
    ),
    ("integer-order-name", "scenario: x\norders:\n  1: {status: UNPAID}\n", "is not text"),
    ("null-order-name", "scenario: x\norders:\n  ~: {status: UNPAID}\n", "is not text"),
    ("boolean-order-name", "scenario: x\norders:\n  yes: {status: UNPAID}\n", "is not text"),
    (
        "too-many-runs",
        "scenario: x\norders: {a: {status: UNPAID}}\nsteps:\n"
        + "  - {at: 1h, repeat: {count: 1000, every: 1s}, do: [{pay: {order: a}}]}\n" * 21,
        "runs",
    ),
    (
        "digits-only-at",
        "scenario: x\norders: {a: {status: UNPAID}}\nsteps:\n  - {at: '90', do: [{pay: {order: a}}]}\n",
        "has no unit",
    ),
    (
        "far-future-at",
        "scenario: x\norders: {a: {status: UNPAID}}\nsteps:\n  - {at: 9999-12-31T00:00:00Z, do: [{pay: {order: a}}]}\n",
        "outside the sandbox's range",
    ),
    ("huge-duration", "scenario: x\nuntil: 99999999999999999999w\n", "longer than"),
    ("ancient-order", "scenario: x\norders: {a: {status: UNPAID, age: 36500d}}\n", "at most 365 days"),
    (
        "times-on-timed-step",
        "scenario: x\norders: {a: {status: UNPAID}}\nsteps:\n  - {at: 1h, times: 2, do: [{pay: {order: a}}]}\n",
        "`times` counts triggers",
    ),
    ("too-many-background-orders", "scenario: x\nsetup: {background_orders: 200000}\n", "maximum"),
    # Found by the fuzzing gate: YAML's reader refuses control characters before parsing starts.
    ("control-character", "\x8b\u00dc\u00aa", "special characters are not allowed"),
    # YAML is loaded safely: no tag builds a Python object.
    ("python-object-tag", "scenario: x\nsetup: !!python/object/apply:os.system [echo hi]\n", "python/object"),
]


@pytest.mark.parametrize(("text", "words"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_hostile_or_odd_scenario_is_refused_and_changes_nothing(http, text, words):
    load(http, "scenario: base\norders: {a: {status: UNPAID}}\n")
    before = snapshot(http)
    response = load(http, text, source="odd.yaml")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_scenario" and words in error["message"], error
    assert {"file", "line", "column", "path", "problem", "expected"} <= set(error)
    assert snapshot(http) == before


def test_conflicts_name_the_place_in_the_file(http):
    text = "scenario: twice\norders: {a: {status: UNPAID}}\n"
    assert load(http, text).status_code == 201
    again = load(http, text, source="twice.yaml")
    assert again.status_code == 409
    error = again.json()["error"]
    assert (error["file"], error["line"], error["column"], error["path"]) == ("twice.yaml", 1, 11, "scenario")
    late = load(
        http,
        "scenario: late\norders: {a: {status: UNPAID}}\nsteps:\n  - {at: 2026-03-01T00:00:00Z, do: [{pay: {order: a}}]}\n",
        source="late.yaml",
    )
    assert late.status_code == 409
    assert (late.json()["error"]["line"], late.json()["error"]["path"]) == (4, "steps[0].at")


def test_reset_replays_a_later_scenario_at_its_own_instant(http):
    advance(http, "30m")
    text = "scenario: later\norders: {a: {status: UNPAID}}\nexpect:\n  - {name: lists shops, client_calls: get_authorized_shops, within: 2h}\n"
    assert load(http, text).status_code == 201
    first = report(http, "later")
    http.post("/sandbox/reset")
    waiting = report(http, "later")
    assert waiting["state"] == "waiting" and waiting["orders"] == {}
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    tts.get("/authorization/202309/shops", shop=False)  # 09:00: before the scenario starts
    assert report(http, "later")["expectations"][0]["status"] == "pending"
    advance(http, "30m")
    again = report(http, "later")
    assert again["state"] == "running" and again["orders"] == first["orders"]
    assert again["expectations"][0]["armed_at"] == "2026-03-02T09:30:00Z"


def test_until_ends_the_scenario_for_good(http):
    text = """scenario: short
orders: {a: {status: UNPAID}}
steps:
  - {at: 2d, do: [{pay: {order: a}}]}
expect:
  - {name: searches, client_calls: search_orders, within: 2h}
until: 1h
"""
    assert load(http, text).status_code == 201
    advance(http, "3d")
    rep = report(http, "short")
    assert rep["state"] == "ended" and rep["pending"] == []
    assert rep["expectations"][0]["status"] == "skipped"
    assert "ended before" in rep["expectations"][0]["reason"]
    assert not [e for e in rep["timeline"] if "action" in e]  # the step after the end never ran
    assert report(http, "short")["orders"]["a"]["status"] == "UNPAID"


def test_zero_durations_mean_zero(http):
    text = (
        "scenario: zero\nexpect:\n  - {name: instant, client_calls: search_orders, within: 0s}\nuntil: 0s\n"
    )
    assert load(http, text).status_code == 201
    rep = report(http, "zero")
    assert rep["ends_at"] == rep["started_at"] and rep["state"] == "ended"


def test_junit_stays_valid_xml_whatever_the_names(http):
    text = 'scenario: odd-names\nexpect:\n  - {name: "bell \\a and nul \\0", client_calls: search_orders, within: 1h}\n'
    assert load(http, text).status_code == 201, load(http, text).text
    advance(http, "2h")
    suite = ElementTree.fromstring(http.get("/sandbox/scenarios/odd-names/junit").content)
    assert suite.find("testcase").get("name").startswith("bell")


def test_unloading_a_setup_scenario_goes_back_to_the_plain_seeded_world(http):
    plain = http.post("/sandbox/reset").json()
    assert load(http, "scenario: fresh\nsetup: {seed: 3, background_orders: 2}\n").status_code == 201
    http.delete("/sandbox/scenarios")
    assert http.get("/sandbox/clock").json()["now"] == plain["now"]
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    total = tts.post("/order/202309/orders/search", {}, params={"page_size": 1}).json()["data"]["total_count"]
    assert total == 40


def test_pending_lists_steps_waiting_for_their_trigger(http):
    text = "scenario: waits\norders: {a: {status: AWAITING_SHIPMENT}}\nsteps:\n  - {name: react, when: {client_calls: get_order_detail, order: a}, times: 2, do: [{buyer_cancel: {order: a}}]}\n"
    assert load(http, text).status_code == 201
    (waiting,) = report(http, "waits")["pending"]
    assert waiting["step"] == "react" and waiting["due"] is None and waiting["reactions_left"] == 2
    assert "client calls get_order_detail" in waiting["waiting_for"]


def test_a_python_path_without_yaml_suffix_is_read_as_a_file(tmp_path):
    path = tmp_path / "scenario.txt"
    path.write_text("scenario: from-a-file\n")
    assert Sandbox(order_count=0).load_scenario(str(path)).scenario.name == "from-a-file"
