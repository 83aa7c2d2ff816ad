"""What a world keeps as it goes: the rules on its queue, the events in its log, and its counters
written as plain numbers (an ``itertools.count`` pickles as a call, which a snapshot may not hold)."""

from __future__ import annotations

import re
from collections.abc import Iterator
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


def counter_value(counter: Iterator[int]) -> int:
    """The next number an ``itertools.count`` gives, without taking it."""
    match = re.fullmatch(r"count\((\d+)\)", repr(counter))
    if match is None:
        raise ValueError(f"not a counter: {counter!r}")
    return int(match.group(1))
