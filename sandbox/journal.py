"""The request journal: what the client under test asked, when (in virtual time), and the answer.

Scenario triggers ("when the client asks for ...") and expectations ("the client re-requests the
label within 24 h") are judged against it, and so are verifications ("was the package shipped
exactly once?"), which answer with the nearest misses when they fail, as WireMock does. Bounded:
the oldest entries are dropped and counted.
"""

from __future__ import annotations

import difflib
import fnmatch
import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sandbox.counters import counter_value

DEFAULT_CAP = 10_000
MAX_CAP = 10_000_000
BODY_CAP = 64 * 1024
NEAR_MISSES = 3
_GLOB = set("*?[")
_NO_FAULTS: tuple[Mapping[str, Any], ...] = ()
_NOTHING: Mapping[str, str] = MappingProxyType({})  # shared: a million entries need no million dicts

# The client request being handled, in the context that handles it (its worker thread gets a copy):
# what a domain event applied meanwhile was caused by, so that a scenario never counts a call for
# or against an expectation the very same call armed. None outside a request, and while timed
# rules fire (the clock, not the call, caused those).
CAUSING_REQUEST: ContextVar[object | None] = ContextVar("causing_request", default=None)


@dataclass(frozen=True, slots=True)
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
    surface: str = "tiktok"  # tiktok, carrier or seller-center
    tenant: str = ""  # the tenant's app_key
    faults: tuple[Mapping[str, Any], ...] = _NO_FAULTS  # the injected faults that shaped the answer
    extra: Mapping[str, str] = field(default_factory=lambda: _NOTHING)
    # The path's parameters by name (package_id...), for scenarios' conditions on a call.
    path_params: Mapping[str, str] = field(default_factory=lambda: _NOTHING)

    def __post_init__(self) -> None:
        if not self.extra and self.extra is not _NOTHING:
            object.__setattr__(self, "extra", _NOTHING)
        if not self.path_params and self.path_params is not _NOTHING:
            object.__setattr__(self, "path_params", _NOTHING)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled by its fields, with plain dicts for the read-only mappings (see sandbox.persistence).
        values = [getattr(self, f.name) for f in fields(self)]
        values = [dict(v) if isinstance(v, MappingProxyType) else v for v in values]
        return (JournalEntry, tuple(values))

    @property
    def succeeded(self) -> bool:
        return self.status < 400 and self.code in (0, None)

    def mentions(self, values: Iterable[str]) -> bool:
        """Whether any of ``values`` (an order ID, package ID, tracking number) is in the request."""
        haystacks = [self.path, self.body, *self.query.values()]
        return any(v and any(v in h for h in haystacks) for v in values)


def path_matches(pattern: str, path: str) -> bool:
    """A glob (``/fulfillment/*/packages/*/ship``) matches the whole path; plain text is a substring."""
    if _GLOB & set(pattern):
        return fnmatch.fnmatchcase(path, pattern)
    return pattern in path


@dataclass(frozen=True)
class RequestPattern:
    """Which journaled requests to pick: every criterion given must hold."""

    operation: str | None = None
    method: str | None = None
    path: str | None = None  # a substring, or a glob matching the whole path
    surface: str | None = None
    status: int | None = None
    code: int | None = None
    signature_ok: bool | None = None
    faulted: bool | None = None
    mentions: str | None = None  # an order ID, package ID or tracking number
    body_contains: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)  # each parameter contains the value
    since: datetime | None = None  # virtual time, inclusive
    until: datetime | None = None  # virtual time, exclusive

    def differences(self, entry: JournalEntry) -> list[Difference]:
        """What keeps ``entry`` from matching, each with its weight (0 to 1) in the distance."""
        found: list[Difference] = []

        def differ(name: str, expected: Any, actual: Any, weight: float) -> None:
            found.append(Difference(name, expected, actual, weight))

        if self.operation is not None and entry.operation != self.operation:
            differ("operation", self.operation, entry.operation, 1.0)
        if self.method is not None and entry.method.upper() != self.method.upper():
            differ("method", self.method.upper(), entry.method, 0.5)
        if self.path is not None and not path_matches(self.path, entry.path):
            similarity = difflib.SequenceMatcher(None, self.path, entry.path).ratio()
            differ("path", self.path, entry.path, 0.4 + 0.6 * (1 - similarity))
        if self.surface is not None and entry.surface != self.surface:
            differ("surface", self.surface, entry.surface, 1.0)
        if self.mentions is not None and not entry.mentions([self.mentions]):
            differ("mentions", self.mentions, None, 0.5)
        if self.body_contains is not None and self.body_contains not in entry.body:
            differ("body_contains", self.body_contains, entry.body[:200], 0.4)
        for name, value in self.query.items():
            if value not in entry.query.get(name, "\0"):
                differ(f"query.{name}", value, entry.query.get(name), 0.4)
        if self.status is not None and entry.status != self.status:
            differ("status", self.status, entry.status, 0.3)
        if self.code is not None and entry.code != self.code:
            differ("code", self.code, entry.code, 0.3)
        if self.signature_ok is not None and entry.signature_ok != self.signature_ok:
            differ("signature_ok", self.signature_ok, entry.signature_ok, 0.3)
        if self.faulted is not None and bool(entry.faults) != self.faulted:
            differ("faulted", self.faulted, bool(entry.faults), 0.3)
        if self.since is not None and entry.at < self.since:
            differ("since", self.since, entry.at, 0.2)
        if self.until is not None and entry.at >= self.until:
            differ("until", self.until, entry.at, 0.2)
        return found

    def matches(self, entry: JournalEntry) -> bool:
        return not self.differences(entry)


@dataclass(frozen=True)
class Difference:
    criterion: str
    expected: Any
    actual: Any
    weight: float


@dataclass(frozen=True)
class CountExpectation:
    """How many matching requests a verification wants (at least one by default)."""

    exactly: int | None = None
    at_least: int | None = None
    at_most: int | None = None

    def __post_init__(self) -> None:
        given = [v for v in (self.exactly, self.at_least, self.at_most) if v is not None]
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in given):
            raise ValueError("exactly, at_least and at_most are counts: integers from 0")
        if self.exactly is not None and (self.at_least is not None or self.at_most is not None):
            raise ValueError("give either exactly, or at_least and/or at_most, not both")
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise ValueError(f"at_least ({self.at_least}) is more than at_most ({self.at_most})")

    def holds(self, count: int) -> bool:
        if self.exactly is not None:
            return count == self.exactly
        if self.at_most is not None and count > self.at_most:
            return False
        at_least = self.at_least if self.at_least is not None else (0 if self.at_most is not None else 1)
        return count >= at_least

    def describe(self) -> dict[str, int]:
        if self.exactly is not None:
            return {"exactly": self.exactly}
        if self.at_least is None and self.at_most is None:
            return {"at_least": 1}
        return {k: v for k, v in (("at_least", self.at_least), ("at_most", self.at_most)) if v is not None}


@dataclass(frozen=True)
class NearMiss:
    entry: JournalEntry
    distance: float
    differences: list[Difference]


@dataclass(frozen=True)
class Verification:
    matched: bool
    count: int
    expected: dict[str, int]
    near_misses: list[NearMiss]


class Journal:
    def __init__(self, cap: int = DEFAULT_CAP):
        if not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= MAX_CAP:
            raise ValueError(f"the journal's cap must be an integer from 1 to {MAX_CAP:,}")
        self.cap = cap
        self.entries: deque[JournalEntry] = deque(maxlen=cap)
        self.dropped = 0
        self._seq = itertools.count(1)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_seq": counter_value(self._seq)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _seq=itertools.count(state["_seq"]))

    def next_seq(self) -> int:
        return next(self._seq)

    def append(self, entry: JournalEntry) -> None:
        if len(self.entries) == self.cap:
            self.dropped += 1
        self.entries.append(entry)

    def clear(self) -> int:
        """Forget every entry and the dropped count; sequence numbers go on."""
        cleared = len(self.entries)
        self.entries.clear()
        self.dropped = 0
        return cleared

    def select(self, pattern: RequestPattern, limit: int | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first; with ``limit``, the most recent ``limit`` of them."""
        picked = [e for e in self.entries if pattern.matches(e)]
        return picked[-limit:] if limit is not None else picked

    def verify(
        self, pattern: RequestPattern, expected: CountExpectation, near_misses: int = NEAR_MISSES
    ) -> Verification:
        count = 0
        misses: list[NearMiss] = []
        total_weight = _total_weight(pattern)
        for entry in self.entries:
            differences = pattern.differences(entry)
            if not differences:
                count += 1
            elif total_weight:
                distance = min(1.0, sum(d.weight for d in differences) / total_weight)
                misses.append(NearMiss(entry, round(distance, 3), differences))
        matched = expected.holds(count)
        nearest: list[NearMiss] = []
        if not matched:
            # Closest first; among equals, the most recent.
            nearest = sorted(misses, key=lambda m: (m.distance, -m.entry.seq))[:near_misses]
        return Verification(matched, count, expected.describe(), nearest)


def _total_weight(pattern: RequestPattern) -> float:
    """The distance's denominator: what a request differing in every criterion given would weigh."""
    weights = {
        "operation": 1.0,
        "method": 0.5,
        "path": 1.0,
        "surface": 1.0,
        "mentions": 0.5,
        "body_contains": 0.4,
        "status": 0.3,
        "code": 0.3,
        "signature_ok": 0.3,
        "faulted": 0.3,
        "since": 0.2,
        "until": 0.2,
    }
    total = sum(w for name, w in weights.items() if getattr(pattern, name) is not None)
    return total + 0.4 * len(pattern.query)
