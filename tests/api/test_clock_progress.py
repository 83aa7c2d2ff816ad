"""A long clock advance says how far it has got: GET /sandbox/clock answers while the advance holds
the world, from the advance's own record, instead of waiting until it is done."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from sandbox import timed_rules
from sandbox.app import Sandbox
from sandbox.world.core import ADVANCE_PROGRESS_EVERY
from tests.helpers import FREEZE, START

HELD_AT = ADVANCE_PROGRESS_EVERY + 10  # the rule the advance is held at, past one progress update


def test_the_clock_answers_how_far_a_running_advance_has_got_and_forgets_it_once_done(monkeypatch):
    sandbox = Sandbox(seed=3, order_count=200, freeze_at=FREEZE)
    with sandbox.app.test_client() as http:
        assert http.get("/sandbox/clock").status_code == 200  # what is due at the start fires here
    entered, release = threading.Event(), threading.Event()
    fired: list[datetime] = []

    def held(rule: Any) -> Any:
        def fire(world: Any, subject: str, due: datetime) -> Any:
            fired.append(due)
            if len(fired) == HELD_AT:
                entered.set()
                release.wait()
            return rule(world, subject, due)

        return fire

    for name, rule in list(timed_rules.TIMED_RULES.items()):
        monkeypatch.setitem(timed_rules.TIMED_RULES, name, held(rule))
    answers: list[dict[str, Any]] = []

    def advance() -> None:
        with sandbox.app.test_client() as http:
            answers.append(http.post("/sandbox/clock/advance", json={"by": "30d"}).json())

    advancing = threading.Thread(target=advance)
    advancing.start()
    try:
        assert entered.wait(60), "the advance never reached its held rule"
        # Should the clock wait for the advance, this lets the advance go on, and the answer shows it.
        guard = threading.Timer(30, release.set)
        guard.start()
        with sandbox.app.test_client() as http:
            during = http.get("/sandbox/clock")
        guard.cancel()
    finally:
        release.set()
        advancing.join()
    assert during.status_code == 200
    clock = during.json()
    progress = clock["advancing"]
    assert progress["from"] == "2026-03-02T09:00:00Z" and progress["to"] == "2026-04-01T09:00:00Z"
    assert progress["fired"] == ADVANCE_PROGRESS_EVERY  # as of the last update before the hold
    reached = fired[ADVANCE_PROGRESS_EVERY - 1]
    assert progress["reached"] == clock["now"] == reached.isoformat().replace("+00:00", "Z")
    assert 0 < progress["percent"] < 100
    assert progress["percent"] == round(100 * (reached - START) / timedelta(days=30), 1)
    assert "next_deadlines" not in clock and clock["pending_deadlines"] > 0
    with sandbox.app.test_client() as http:
        after = http.get("/sandbox/clock").json()
    assert "advancing" not in after and after["now"] == "2026-04-01T09:00:00Z"
    assert answers[0]["fired"] == len(fired) > HELD_AT
