"""What a world keeps as it goes: the rules on its queue and the events in its log (its counters
are written as plain numbers: ``sandbox.counters``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sandbox.domain.events import DomainEvent

EVENT_LOG_CAP = 100_000


@dataclass(order=True, slots=True)
class _Queued:
    """A timed rule on the queue: ordered by its instant, then by when it was queued."""

    due: datetime
    seq: int
    rule: str = field(compare=False)
    subject: str = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class RecordedEvent:
    seq: int
    event: DomainEvent
