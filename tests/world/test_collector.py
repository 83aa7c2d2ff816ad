"""The cyclic collector around long operations: what a world is built or advanced with is never
walked by a collection in the middle of some later request."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from datetime import timedelta

from sandbox.app import Sandbox
from sandbox.domain.events import Deadline, Outcome
from sandbox.timed_rules import TIMED_RULES
from sandbox.world.core import PAUSE_COLLECTOR_AFTER
from tests.helpers import ROOT, START


def run(code: str) -> str:
    """In a process of its own: freezing objects is for the whole process."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_in_a_server_that_froze_its_worlds_what_an_advance_made_is_frozen_too_not_left_young():
    printed = run(
        """
        import gc
        from sandbox.world.building import collector_paused, keep_frozen
        gc.collect()
        keep_frozen()  # as the server does once its worlds are built
        before = gc.get_freeze_count()
        with collector_paused():
            made = [[n] for n in range(50_000)]  # what an advance records
        print(gc.get_freeze_count() - before >= 50_000, gc.get_count()[0] < 1_000, gc.isenabled())
        """
    )
    assert printed == "True True True"


def test_elsewhere_what_was_built_goes_to_the_oldest_generation_and_nothing_stays_frozen():
    printed = run(
        """
        import gc
        from sandbox.world.building import collector_paused
        gc.collect()
        with collector_paused():
            made = [[n] for n in range(50_000)]
        print(gc.get_freeze_count(), gc.get_count()[0] < 1_000, len(gc.get_objects(2)) >= 50_000)
        """
    )
    assert printed == "0 True True"


def test_a_backlog_of_due_rules_is_fired_with_the_collector_paused_after_the_first_few(monkeypatch):
    world = Sandbox(order_count=5, freeze_at=START).tenants.default.world
    collecting: list[bool] = []

    def noted(whole: object, subject: str, due: object) -> Outcome:
        collecting.append(gc.isenabled())
        return Outcome()

    monkeypatch.setitem(TIMED_RULES, "noted", noted)
    due = START + timedelta(minutes=1)
    world.apply(
        Outcome(deadlines=[Deadline(due, "noted", str(n)) for n in range(PAUSE_COLLECTOR_AFTER + 100)])
    )
    world.clock.set_forward(due + timedelta(minutes=1))  # the rules are due, none has fired yet
    with world.session():  # the next request finds them all due
        pass
    paused_from = collecting.index(False)  # the world's own rules due by then fired first
    assert 0 < paused_from <= PAUSE_COLLECTOR_AFTER and not any(collecting[paused_from:])
    assert gc.isenabled()
