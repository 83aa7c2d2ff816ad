"""Conditions on a client's call, as expectations and triggers state them: a field of the call
(``path.package_id``, ``query.page_size``, ``body.weight.value``, ``body.line_items[].id``)
compared with a literal or with what a scenario ref stands for when the call is judged.

A field reached through a list (``[]``) may have several values: a positive condition (equals,
in, lt, lte, gt, gte) holds when one of them meets it, a negative one (not, not_in) when none is
the value. A field the call does not have meets only ``exists: false`` and the negative ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sandbox.scenarios.model import Condition, Ref

if TYPE_CHECKING:
    from sandbox.journal import JournalEntry

# What a ref stands for: (kind, order name) -> the IDs it means now.
Resolver = Callable[[str, str], list[str]]

OPERATORS = ("equals", "not", "in", "not_in", "lt", "lte", "gt", "gte", "exists")
REF_KINDS = ("order", "package", "tracking_number", "event")
SOURCES = ("path", "query", "body")
_ORDERING = {
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def hold(
    conditions: Iterable[Condition],
    entry: JournalEntry,
    resolve: Resolver,
    armed_by: Mapping[str, Any] | None,
) -> bool:
    """Whether the call meets every condition."""
    body: list[Any] = []  # parsed once, when a condition looks at the body
    for condition in conditions:
        values = _values(condition.field, entry, body)
        if not _holds(condition, values, resolve, armed_by):
            return False
    return True


def _values(field: str, entry: JournalEntry, body: list[Any]) -> list[Any]:
    source, _, rest = field.partition(".")
    if source == "path":
        return [entry.path_params[rest]] if rest in entry.path_params else []
    if source == "query":
        return [entry.query[rest]] if rest in entry.query else []
    if not body:
        try:
            body.append(json.loads(entry.body) if entry.body else None)
        except ValueError:
            body.append(None)
    found = [body[0]]
    for part in rest.split("."):
        name, listed = (part[:-2], True) if part.endswith("[]") else (part, False)
        found = [v[name] for v in found if isinstance(v, dict) and name in v]
        if listed:
            found = [item for v in found if isinstance(v, list) for item in v]
    return found


def _expected(value: Any, resolve: Resolver, armed_by: Mapping[str, Any] | None) -> list[Any]:
    """The values a literal or a ref stands for (a ref may mean several IDs, or none)."""
    if isinstance(value, Ref):
        if value.kind == "event":
            return [armed_by[value.name]] if armed_by and value.name in armed_by else []
        return list(resolve(value.kind, value.name))
    return [value]


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return str(actual).lower() == str(expected).lower()
    number_a, number_b = _number(actual), _number(expected)
    if number_a is not None and number_b is not None:
        return number_a == number_b
    return str(actual) == str(expected)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _holds(
    condition: Condition, values: list[Any], resolve: Resolver, armed_by: Mapping[str, Any] | None
) -> bool:
    op = condition.op
    if op == "exists":
        return bool(values) == bool(condition.value)
    if op in _ORDERING:
        bound = _number(condition.value)
        numbers = [n for n in map(_number, values) if n is not None]
        return bound is not None and any(_ORDERING[op](n, bound) for n in numbers)
    choices = condition.value if op in ("in", "not_in") else (condition.value,)
    expected = [e for choice in choices for e in _expected(choice, resolve, armed_by)]
    matched = any(_same(v, e) for v in values for e in expected)
    return not matched if op in ("not", "not_in") else matched
