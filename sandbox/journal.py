"""The request journal: what the client under test asked, when (in virtual time), and the answer.

Scenario triggers ("when the client asks for ...") and expectations ("the client re-requests the
label within 24 h") are judged against it. Bounded: the oldest entries are dropped and counted.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_CAP = 10_000
BODY_CAP = 64 * 1024


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: datetime  # the world's virtual time when the request arrived
    wall: datetime
    operation: str  # the operation's name without version, e.g. "get_order_detail"
    method: str
    path: str
    query: Mapping[str, str]
    body: str
    status: int
    code: int | None  # the envelope's code, when the answer was an envelope
    signature_ok: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status < 400 and self.code in (0, None)

    def mentions(self, values: Iterable[str]) -> bool:
        """Whether any of ``values`` (an order ID, package ID, tracking number) is in the request."""
        haystacks = [self.path, self.body, *self.query.values()]
        return any(v and any(v in h for h in haystacks) for v in values)


class Journal:
    def __init__(self, cap: int = DEFAULT_CAP):
        self.entries: deque[JournalEntry] = deque(maxlen=cap)
        self.dropped = 0
        self._seq = itertools.count(1)

    def next_seq(self) -> int:
        return next(self._seq)

    def append(self, entry: JournalEntry) -> None:
        if len(self.entries) == self.entries.maxlen:
            self.dropped += 1
        self.entries.append(entry)
