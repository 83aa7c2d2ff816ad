"""Control plane: the request journal, and verification of what the client called."""

from __future__ import annotations

from typing import Any

from sandbox.durations import iso
from sandbox.http.context import current, json_object
from sandbox.http.envelope import ControlError, instant_param
from sandbox.journal import CountExpectation, Difference, JournalEntry, RequestPattern
from sandbox.world import World

PATTERN_FIELDS = (
    "operation",
    "method",
    "path",
    "surface",
    "status",
    "code",
    "signature_ok",
    "faulted",
    "mentions",
    "body_contains",
    "query",
    "since",
    "until",
)


def _world() -> World:
    tenant = current().tenant
    assert tenant is not None
    return tenant.world


def pattern_of(fields: dict[str, Any]) -> RequestPattern:
    given = {k: v for k, v in fields.items() if k in PATTERN_FIELDS and v is not None}
    given["since"] = instant_param(given.get("since"), "since")
    given["until"] = instant_param(given.get("until"), "until")
    given["query"] = dict(given.get("query") or {})
    return RequestPattern(**given)


def render_entry(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": iso(entry.at),
        "wall": iso(entry.wall),
        "surface": entry.surface,
        "tenant": entry.tenant,
        "operation": entry.operation,
        "method": entry.method,
        "path": entry.path,
        "query": dict(entry.query),
        "body": entry.body,
        "status": entry.status,
        "code": entry.code,
        "signature_ok": entry.signature_ok,
        "faults": [dict(f) for f in entry.faults],
    }


def _shown(value: Any) -> Any:
    return iso(value) if hasattr(value, "astimezone") else value


def _difference(d: Difference) -> dict[str, Any]:
    return {"criterion": d.criterion, "expected": _shown(d.expected), "actual": _shown(d.actual)}


def list_journal(limit: int = 1000, **filters: Any) -> dict[str, Any]:
    with _world().session() as world:
        journal = world.journal
        entries = journal.select(pattern_of(filters), limit)
        return {
            "entries": [render_entry(e) for e in entries],
            "count": len(entries),
            "total": len(journal.entries),
            "dropped": journal.dropped,
            "cap": journal.cap,
        }


def clear_journal(**_: Any) -> dict[str, Any]:
    with _world().session() as world:
        cleared = world.journal.clear()
        return {"cleared": cleared, "total": 0, "dropped": 0, "cap": world.journal.cap}


def verify_journal(body: dict[str, Any], **_: Any) -> dict[str, Any]:
    request = json_object(body)
    try:
        expected = CountExpectation(request.get("exactly"), request.get("at_least"), request.get("at_most"))
    except ValueError as exc:
        raise ControlError(400, "invalid_count", str(exc)) from exc
    pattern = pattern_of(request)
    with _world().session() as world:
        result = world.journal.verify(pattern, expected)
        answer: dict[str, Any] = {
            "matched": result.matched,
            "count": result.count,
            "expected": result.expected,
        }
        if not result.matched:
            answer["near_misses"] = [
                {
                    "distance": miss.distance,
                    "differences": [_difference(d) for d in miss.differences],
                    "request": render_entry(miss.entry),
                }
                for miss in result.near_misses
            ]
        return answer
