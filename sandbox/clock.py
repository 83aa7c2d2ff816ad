"""Virtual time for one world: running (wall time plus an offset) or frozen at an instant.

The wall clock is read through ``datetime.now(timezone.utc)`` at call time, never cached, so a test
that freezes time in-process with freezegun or time-machine moves the sandbox with it.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from sandbox.durations import LATEST

# The wall instant a request is handled at, when one is pinned: with a data directory each logged
# request is handled at the one instant its log row records, and replayed at that instant again
# (see sandbox.persistence), so that a running clock gives the replay the same virtual times.
PINNED_WALL: ContextVar[datetime | None] = ContextVar("pinned_wall", default=None)


class ClockError(ValueError):
    """A clock change that would move time backwards."""


def wall_now() -> datetime:
    return PINNED_WALL.get() or datetime.now(UTC)


class VirtualClock:
    def __init__(self, *, frozen_at: datetime | None = None, start: datetime | None = None):
        self._frozen_at = frozen_at
        self._offset = timedelta(0)
        if frozen_at is None and start is not None:
            self._offset = start - wall_now()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        return wall_now() + self._offset

    def freeze(self, at: datetime | None = None) -> None:
        current = self.now()
        if at is not None and at < current:
            raise ClockError(
                f"cannot freeze at {at.isoformat()}: virtual time is already {current.isoformat()}"
                " and only moves forward"
            )
        self._frozen_at = at or current

    def set_forward(self, instant: datetime) -> None:
        """Move to ``instant`` (not earlier than now), keeping the frozen/running state."""
        if instant > LATEST:
            raise ClockError(
                f"cannot move to {instant.isoformat()}: virtual time ends at {LATEST.isoformat()}"
            )
        current = self.now()
        if instant < current:
            raise ClockError(
                f"cannot move to {instant.isoformat()}: virtual time is already "
                f"{current.isoformat()} and only moves forward"
            )
        if self._frozen_at is not None:
            self._frozen_at = instant
        else:
            self._offset += instant - current

    def resume(self) -> None:
        if self._frozen_at is not None:
            self._offset = self._frozen_at - wall_now()
            self._frozen_at = None
