"""Injected faults: added latency, error answers with a real platform code, throttling, and the
platform's real rate limit of 50 requests per second per API.

A fault belongs to one tenant and is scoped by path pattern (a glob), operation, method, a count
(the next N matching requests) and/or a window of virtual time. It is decided in the gateway,
before the handler runs: a request answered by a fault changes nothing in the world. Random
latency is drawn from the fault's own seeded generator, never from the world's, so injecting a
fault does not change the world's data and runs stay reproducible.
"""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sandbox.domain.codes import FAULT_CODES, Code
from sandbox.durations import InvalidDuration, InvalidInstant, iso, parse_duration, parse_instant

PLATFORM_QPS = 50  # per API, per app and shop
MAX_LATENCY_MS = 60_000
MAX_COUNT = 1_000_000

# The platform's error codes a fault may answer with, and the message it answers by default.
ERROR_CODES: dict[int, str] = {int(c): c.message for c in FAULT_CODES}


class FaultKind(StrEnum):
    LATENCY = "latency"
    ERROR = "error"
    THROTTLE = "throttle"
    RATE_LIMIT = "rate_limit"


class InvalidFault(ValueError):
    pass


class RateLimiter:
    """At most ``qps`` requests per key in any second of wall time (a sliding window).

    Wall time, not virtual time: the platform counts real requests. The clock is the caller's, so
    that a test can hold it still and make the 51st request of one second fail on any machine.
    """

    def __init__(self, qps: int = PLATFORM_QPS):
        self.qps = qps
        self._seen: dict[Any, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: Any, now: float) -> bool:
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - 1.0:
                seen.popleft()
            if len(seen) >= self.qps:
                return False
            seen.append(now)
            return True


@dataclass
class Fault:
    id: str
    kind: FaultKind
    created_at: datetime
    path: str | None = None
    operation: str | None = None
    method: str | None = None
    count: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    latency_ms: int | None = None
    min_ms: int | None = None
    max_ms: int | None = None
    code: int | None = None
    message: str | None = None
    qps: int = PLATFORM_QPS
    seed: int = 0
    applied: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)
    limiter: RateLimiter | None = field(default=None, repr=False)

    def expired(self, now: datetime) -> bool:
        spent = self.count is not None and self.applied >= self.count
        return spent or (self.ends_at is not None and now >= self.ends_at)

    def active(self, now: datetime) -> bool:
        return not self.expired(now) and (self.starts_at is None or now >= self.starts_at)

    def covers(self, request: FaultedRequest) -> bool:
        if self.operation is not None and request.operation != self.operation:
            return False
        if self.method is not None and request.method.upper() != self.method:
            return False
        return self.path is None or fnmatch.fnmatchcase(request.path, self.path)

    def delay_ms(self) -> int:
        if self.latency_ms is not None:
            return self.latency_ms
        assert self.min_ms is not None and self.max_ms is not None
        return self.rng.randint(self.min_ms, self.max_ms)

    def describe(self, now: datetime) -> dict[str, Any]:
        state = "expired" if self.expired(now) else "active" if self.active(now) else "scheduled"
        shown: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "state": state,
            "path": self.path,
            "operation": self.operation,
            "method": self.method,
            "count": self.count,
            "remaining": None if self.count is None else max(0, self.count - self.applied),
            "applied": self.applied,
            "from": iso(self.starts_at) if self.starts_at else None,
            "until": iso(self.ends_at) if self.ends_at else None,
            "created_at": iso(self.created_at),
        }
        if self.kind is FaultKind.LATENCY:
            if self.latency_ms is not None:
                shown["latency_ms"] = self.latency_ms
            else:
                shown.update(min_ms=self.min_ms, max_ms=self.max_ms, seed=self.seed)
        elif self.kind is FaultKind.ERROR:
            shown.update(code=self.code, message=self.message)
        elif self.kind is FaultKind.RATE_LIMIT:
            shown["qps"] = self.qps
        return shown


@dataclass(frozen=True)
class FaultedRequest:
    operation: str
    method: str
    path: str


@dataclass
class Decision:
    """What the faults make of one request: a delay first, then perhaps an error answer."""

    delay_ms: int = 0
    code: int | None = None
    message: str = ""
    markers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fails(self) -> bool:
        return self.code is not None


FIELDS = {
    "kind",
    "path",
    "operation",
    "method",
    "count",
    "from",
    "until",
    "for",
    "latency_ms",
    "min_ms",
    "max_ms",
    "seed",
    "code",
    "message",
    "qps",
}


def _count(value: Any, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidFault(f"{name} must be an integer from {low} to {high:,}, not {value!r}")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidFault(f"{name} must be a non-empty string, not {value!r}")
    return value


def parse_fault(definition: Mapping[str, Any], *, fault_id: str, now: datetime, seed: int) -> Fault:
    """A fault from its JSON or scenario definition, or ``InvalidFault`` saying what to fix."""
    unknown = sorted(set(definition) - FIELDS)
    if unknown:
        raise InvalidFault(
            f"unknown field(s) {', '.join(unknown)}; a fault takes {', '.join(sorted(FIELDS))}"
        )
    raw_kind = definition.get("kind")
    try:
        kind = FaultKind(str(raw_kind))
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise InvalidFault(f"kind must be one of {kinds}, not {raw_kind!r}") from None
    fault = Fault(fault_id, kind, now)
    if "path" in definition:
        fault.path = _text(definition["path"], "path")
        if not fault.path.startswith(("/", "*")):
            raise InvalidFault(f"path is a glob over the request path and starts with / or *: {fault.path!r}")
    if "operation" in definition:
        fault.operation = _text(definition["operation"], "operation")
    if "method" in definition:
        fault.method = _text(definition["method"], "method").upper()
    if "count" in definition:
        if kind is FaultKind.RATE_LIMIT:
            raise InvalidFault("a rate limit lasts for a window (from/until/for), not a count")
        fault.count = _count(definition["count"], "count", 1, MAX_COUNT)
    _window(fault, definition, now)
    _kind_fields(fault, definition, seed)
    return fault


def _window(fault: Fault, definition: Mapping[str, Any], now: datetime) -> None:
    try:
        if "from" in definition:
            fault.starts_at = parse_instant(definition["from"])
        if "until" in definition:
            fault.ends_at = parse_instant(definition["until"])
    except InvalidInstant as exc:
        raise InvalidFault(f"from/until: {exc}") from exc
    if "for" in definition:
        if "until" in definition:
            raise InvalidFault("give either until (an instant) or for (a duration), not both")
        try:
            length = parse_duration(definition["for"])
        except (InvalidDuration, TypeError) as exc:
            raise InvalidFault(f"for: {exc}") from exc
        if length <= timedelta(0):
            raise InvalidFault("for must be a positive duration such as 30s, 10m or 2h")
        fault.ends_at = (fault.starts_at or now) + length
    if fault.ends_at is not None and fault.ends_at <= (fault.starts_at or now):
        start = "from" if fault.starts_at else "the tenant's current virtual time"
        raise InvalidFault(f"until ({iso(fault.ends_at)}) must be later than {start}")


def _kind_fields(fault: Fault, definition: Mapping[str, Any], seed: int) -> None:
    allowed = {
        FaultKind.LATENCY: {"latency_ms", "min_ms", "max_ms", "seed"},
        FaultKind.ERROR: {"code", "message"},
        FaultKind.THROTTLE: {"message"},
        FaultKind.RATE_LIMIT: {"qps"},
    }[fault.kind]
    specific = {"latency_ms", "min_ms", "max_ms", "seed", "code", "message", "qps"}
    stray = sorted((specific - allowed) & set(definition))
    if stray:
        raise InvalidFault(f"a {fault.kind.value} fault takes no {', '.join(stray)}")
    if fault.kind is FaultKind.LATENCY:
        fixed = "latency_ms" in definition
        ranged = "min_ms" in definition or "max_ms" in definition
        if fixed == ranged:
            raise InvalidFault("a latency fault takes either latency_ms, or min_ms and max_ms")
        if fixed:
            fault.latency_ms = _count(definition["latency_ms"], "latency_ms", 0, MAX_LATENCY_MS)
        else:
            if "min_ms" not in definition or "max_ms" not in definition:
                raise InvalidFault("a random latency takes both min_ms and max_ms")
            fault.min_ms = _count(definition["min_ms"], "min_ms", 0, MAX_LATENCY_MS)
            fault.max_ms = _count(definition["max_ms"], "max_ms", 0, MAX_LATENCY_MS)
            if fault.min_ms > fault.max_ms:
                raise InvalidFault(f"min_ms ({fault.min_ms}) is more than max_ms ({fault.max_ms})")
            fault.seed = _count(definition.get("seed", seed), "seed", 0, 2**63)
            fault.rng = random.Random(f"fault:{fault.seed}:{fault.id}")
    elif fault.kind is FaultKind.ERROR:
        code = definition.get("code")
        if code not in ERROR_CODES or isinstance(code, bool):
            known = ", ".join(str(c) for c in sorted(ERROR_CODES))
            raise InvalidFault(f"code must be one of the platform's error codes ({known}), not {code!r}")
        fault.code = code
        fault.message = _text(definition.get("message", ERROR_CODES[code]), "message")
    elif fault.kind is FaultKind.THROTTLE:
        fault.code = int(Code.TOO_MANY_REQUESTS)
        fault.message = _text(definition.get("message", ERROR_CODES[fault.code]), "message")
    else:
        fault.qps = _count(definition.get("qps", PLATFORM_QPS), "qps", 1, 100_000)
        fault.code = int(Code.TOO_MANY_REQUESTS)
        fault.message = f"Too many requests: more than {fault.qps} per second on this API"
        fault.limiter = RateLimiter(fault.qps)


class FaultBook:
    """One tenant's faults, in the order they were injected."""

    def __init__(self, seed: int):
        self.seed = seed
        self.faults: list[Fault] = []
        self._injected = 0

    def inject(self, definition: Mapping[str, Any], now: datetime) -> Fault:
        """Add a fault, or raise ``InvalidFault`` and add nothing (its ID is not used up either)."""
        fault = parse_fault(definition, fault_id=f"fault-{self._injected + 1}", now=now, seed=self.seed)
        self._injected += 1
        self.faults.append(fault)
        return fault

    def live(self, now: datetime) -> list[Fault]:
        """Active and scheduled faults; expired ones are forgotten."""
        self.faults = [f for f in self.faults if not f.expired(now)]
        return list(self.faults)

    def remove(self, fault_id: str) -> bool:
        kept = [f for f in self.faults if f.id != fault_id]
        removed = len(kept) != len(self.faults)
        self.faults = kept
        return removed

    def clear(self) -> int:
        cleared = len(self.faults)
        self.faults = []
        return cleared

    def decide(self, request: FaultedRequest, now: datetime, wall: float) -> Decision:
        """Apply the live faults that cover the request: the first latency fault delays it, the
        first failing fault answers it (a rate limit only once its limit is reached)."""
        decision = Decision()
        delayed = False
        for fault in self.live(now):
            if not fault.active(now) or not fault.covers(request):
                continue
            if fault.kind is FaultKind.LATENCY:
                if delayed:
                    continue
                delayed = True
                decision.delay_ms = fault.delay_ms()
                decision.markers.append(
                    {"id": fault.id, "kind": fault.kind.value, "latency_ms": decision.delay_ms}
                )
            elif not decision.fails:
                if fault.limiter is not None and fault.limiter.allow(request.operation, wall):
                    continue
                decision.code, decision.message = fault.code, fault.message or ""
                decision.markers.append({"id": fault.id, "kind": fault.kind.value, "code": fault.code})
            else:
                continue
            fault.applied += 1
        return decision


def monotonic() -> float:
    """The default wall clock of rate limits (seconds, only ever compared with itself)."""
    return time.monotonic()


WallClock = Callable[[], float]
