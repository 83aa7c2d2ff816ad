"""Durations, the virtual clock, and the world's queue of timed rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.clock import ClockError, VirtualClock
from sandbox.domain.events import Deadline, DomainEvent, Outcome
from sandbox.durations import InvalidDuration, InvalidInstant, parse_duration, parse_instant
from sandbox.tenants import TenantRegistry
from tests.helpers import START


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("3d12h", timedelta(days=3, hours=12)),
        ("1w", timedelta(weeks=1)),
        ("45s", timedelta(seconds=45)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "2x", "-1h", "h", "2h3d", "1.5h", "2 hours"])
def test_bad_durations_are_refused(text):
    with pytest.raises(InvalidDuration):
        parse_duration(text)


def test_instants_need_a_timezone():
    assert parse_instant("2026-03-02T09:00:00Z") == START
    assert parse_instant(int(START.timestamp())) == START
    with pytest.raises(InvalidInstant):
        parse_instant("2026-03-02T09:00:00")


def test_frozen_clock_only_moves_forward():
    clock = VirtualClock(frozen_at=START)
    clock.set_forward(START + timedelta(hours=1))
    assert clock.now() == START + timedelta(hours=1)
    with pytest.raises(ClockError):
        clock.set_forward(START)
    with pytest.raises(ClockError):
        clock.freeze(START)


def test_running_clock_follows_freezegun():
    from freezegun import freeze_time

    with freeze_time("2026-05-01T00:00:00Z") as frozen:
        clock = VirtualClock(start=datetime(2026, 1, 1, tzinfo=UTC))
        assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
        frozen.tick(timedelta(hours=3))
        assert clock.now() == datetime(2026, 1, 1, 3, tzinfo=UTC)


def test_resume_continues_from_the_frozen_instant():
    from freezegun import freeze_time

    with freeze_time("2026-05-01T00:00:00Z") as frozen:
        clock = VirtualClock(frozen_at=START)
        clock.resume()
        frozen.tick(timedelta(minutes=5))
        assert clock.now() == START + timedelta(minutes=5)


def test_world_fires_due_rules_in_time_order_with_their_own_instants():
    world = TenantRegistry(start=START, frozen=True, order_count=0).default.world
    fired: list[tuple[str, datetime]] = []
    from sandbox import timed_rules

    def record(_world, subject, at):
        fired.append((subject, at))
        return Outcome(events=[DomainEvent(at, "test.fired", subject)])

    timed_rules.TIMED_RULES["test_rule"] = record
    try:
        world.apply(
            Outcome(
                deadlines=[
                    Deadline(START + timedelta(hours=3), "test_rule", "c"),
                    Deadline(START + timedelta(hours=1), "test_rule", "a"),
                    Deadline(START + timedelta(hours=2), "test_rule", "b"),
                    Deadline(START + timedelta(days=2), "test_rule", "late"),
                ]
            )
        )
        world.apply(Outcome(cancel=[("test_rule", "b")]))
        world.advance_to(START + timedelta(days=1))
    finally:
        del timed_rules.TIMED_RULES["test_rule"]
    assert fired == [("a", START + timedelta(hours=1)), ("c", START + timedelta(hours=3))]
    assert world.now() == START + timedelta(days=1)
    assert [d.subject for d in world.pending_deadlines() if d.rule == "test_rule"] == ["late"]
