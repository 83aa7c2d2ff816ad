"""Searches as the Open API offers them (orders, packages): filters, sorting, cursor pagination."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sandbox.domain.cancellations import CANCEL_TYPE_202602
from sandbox.domain.events import RuleViolation
from sandbox.domain.packages import shown_status

SORT_FIELDS = ("create_time", "update_time")


def _at(seconds: int) -> datetime | None:
    """The instant, or None past the last one a datetime holds (year 9999)."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _time_bounds(field: str, ge: int | None, lt: int | None) -> list[Callable[[Any], bool]]:
    """Whole-second bounds as instants: ``int(t) >= ge`` is ``t >= ge`` for any t, so comparing the
    instants themselves says the same, without converting every record's time. A bound past the
    year 9999 lets nothing through (``ge``) or everything (``lt``)."""
    checks: list[Callable[[Any], bool]] = []
    if ge is not None:
        low = _at(ge)
        checks.append((lambda r: getattr(r, field) >= low) if low is not None else (lambda r: False))
    if lt is not None:
        high = _at(lt)
        if high is not None:
            checks.append(lambda r: getattr(r, field) < high)
    return checks


class _Compiled:
    """A filter's checks, only for the criteria given: an empty filter costs nothing per record."""

    _checks: list[Callable[[Any], bool]]

    def accepts_all(self) -> bool:
        return not self._checks

    def matches(self, item: Any) -> bool:
        # A loop rather than all(...): no generator per record, on the hot path of every search.
        for check in self._checks:  # noqa: SIM110
            if not check(item):
                return False
        return True


@dataclass(frozen=True)
class _Timed(_Compiled):
    """A filter with the searches' create and update time bounds (whole seconds, ``ge`` inclusive,
    ``lt`` exclusive); its own checks come after these."""

    create_time_ge: int | None = None
    create_time_lt: int | None = None
    update_time_ge: int | None = None
    update_time_lt: int | None = None

    def _time_checks(self) -> list[Callable[[Any], bool]]:
        checks = _time_bounds("create_time", self.create_time_ge, self.create_time_lt)
        return checks + _time_bounds("update_time", self.update_time_ge, self.update_time_lt)


@dataclass(frozen=True)
class OrderFilter(_Timed):
    order_status: str | None = None
    shipping_type: str | None = None
    buyer_user_id: str | None = None
    is_buyer_request_cancel: bool | None = None
    warehouse_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checks = self._time_checks()
        if self.order_status:
            status = self.order_status
            checks.append(lambda o: o.status.value == status)
        if self.shipping_type:
            shipping = self.shipping_type
            checks.append(lambda o: o.shipping_type.value == shipping)
        if self.buyer_user_id:
            buyer = self.buyer_user_id
            checks.append(lambda o: o.user_id == buyer)
        if self.is_buyer_request_cancel is not None:
            asked = self.is_buyer_request_cancel
            checks.append(lambda o: o.is_buyer_request_cancel == asked)
        if self.warehouse_ids:
            warehouses = set(self.warehouse_ids)
            checks.append(lambda o: o.warehouse_id in warehouses)
        object.__setattr__(self, "_checks", checks)


@dataclass(frozen=True)
class PackageFilter(_Timed):
    package_status: str | None = None

    def __post_init__(self) -> None:
        checks = self._time_checks()
        if self.package_status:
            status = self.package_status
            checks.append(lambda p: shown_status(p) == status)
        object.__setattr__(self, "_checks", checks)


def _one_of(attribute: Callable[[Any], str], allowed: Iterable[str]) -> list[Callable[[Any], bool]]:
    chosen = set(allowed)
    return [lambda r: attribute(r) in chosen] if chosen else []


@dataclass(frozen=True)
class CancellationFilter(_Timed):
    order_ids: tuple[str, ...] = ()
    cancel_status: tuple[str, ...] = ()
    # 202602's filters besides
    cancel_ids: tuple[str, ...] = ()
    cancel_types: tuple[str, ...] = ()  # BUYER_CANCEL, or CANCEL (by the seller or the system)

    def __post_init__(self) -> None:
        checks = self._time_checks()
        checks += _one_of(lambda r: r.order_id, self.order_ids)
        checks += _one_of(lambda r: r.status.value, self.cancel_status)
        checks += _one_of(lambda r: r.id, self.cancel_ids)
        checks += _one_of(lambda r: CANCEL_TYPE_202602[r.initiator], self.cancel_types)
        object.__setattr__(self, "_checks", checks)


@dataclass(frozen=True)
class ReturnFilter(_Timed):
    order_ids: tuple[str, ...] = ()
    return_ids: tuple[str, ...] = ()
    return_status: tuple[str, ...] = ()
    return_types: tuple[str, ...] = ()
    # 202602's filters besides: the sandbox's requests go to no arbitration, so naming a status
    # matches none; the seller's proposal is a partial refund offered on the request
    arbitration_status: tuple[str, ...] = ()
    seller_proposed_return_type: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checks = self._time_checks()
        checks += _one_of(lambda r: "", self.arbitration_status)
        checks += _one_of(
            lambda r: "PARTIAL_REFUND" if r.partial_refund_amount else "", self.seller_proposed_return_type
        )
        checks += _one_of(lambda r: r.order_id, self.order_ids)
        checks += _one_of(lambda r: r.id, self.return_ids)
        checks += _one_of(lambda r: r.status.value, self.return_status)
        checks += _one_of(lambda r: r.type.value, self.return_types)
        object.__setattr__(self, "_checks", checks)


class Filter(Protocol):
    def matches(self, item: Any) -> bool: ...


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_page_token: str
    total_count: int


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _encode_cursor(key: tuple[datetime, str], sort_field: str, descending: bool) -> str:
    micros = (key[0] - _EPOCH) // _MICROSECOND
    raw = json.dumps([micros, key[1], sort_field, descending], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(token: str, sort_field: str, descending: bool) -> tuple[datetime, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        micros, item_id, field, desc = value
        if not isinstance(micros, int) or isinstance(micros, bool) or not isinstance(item_id, str):
            raise ValueError
        instant = _EPOCH + micros * _MICROSECOND
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError) as exc:
        raise RuleViolation(f"page_token '{token}' is not a token this API returned") from exc
    if field != sort_field or desc != descending:
        raise RuleViolation(
            "page_token belongs to a search with another sort_field or sort_order; "
            "repeat the sort parameters of the first page"
        )
    return (instant, item_id)


@dataclass(frozen=True)
class Ordered:
    """Records already sorted by (field, ID), with those keys: an index a search can walk instead of
    sorting everything (the create_time of an order never changes, so its order never does)."""

    field: str
    keys: list[tuple[datetime, str]]
    records: list[Any]


def _walk(
    index: Ordered, where: Filter, page_size: int, after: tuple[datetime, str] | None, desc: bool
) -> Page:
    keys, records = index.keys, index.records
    if desc:
        start = bisect.bisect_left(keys, after) - 1 if after else len(keys) - 1
        positions: Iterable[int] = range(start, -1, -1)
    else:
        positions = range(bisect.bisect_right(keys, after) if after else 0, len(keys))
    chunk: list[int] = []
    more = False
    for position in positions:
        if where.matches(records[position]):
            if len(chunk) == page_size:
                more = True
                break
            chunk.append(position)
    accepts_all = getattr(where, "accepts_all", None)
    total = len(records) if accepts_all and accepts_all() else sum(1 for r in records if where.matches(r))
    token = _encode_cursor(keys[chunk[-1]], index.field, desc) if more and chunk else ""
    return Page(items=[records[i] for i in chunk], next_page_token=token, total_count=total)


def search(
    items: Iterable[Any],
    where: Filter,
    *,
    page_size: int,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    ordered: Ordered | None = None,
) -> Page:
    """One page of the matching items, sorted by ``sort_field`` then ID; the cursor names the last
    item's key, so the next page starts right after it even if items changed in between. With an
    ``ordered`` index on the sort field, only the page's records are visited in order."""
    descending = sort_order.upper() != "ASC"
    if ordered is not None and ordered.field == sort_field:
        after = _decode_cursor(page_token, sort_field, descending) if page_token else None
        return _walk(ordered, where, page_size, after, descending)
    # IDs are unique, so tuples never compare as far as the items themselves.
    keyed = sorted(
        [(getattr(item, sort_field), str(item.id), item) for item in items if where.matches(item)],
        reverse=descending,
    )
    start = 0
    if page_token:
        after = _decode_cursor(page_token, sort_field, descending)
        keys = [(k[0], k[1]) for k in keyed]
        # The first item strictly past the cursor in sort order: stable even if items changed.
        if descending:
            start = len(keys) - bisect.bisect_left(keys[::-1], after)
        else:
            start = bisect.bisect_right(keys, after)
    chunk = keyed[start : start + page_size]
    more = start + page_size < len(keyed)
    token = _encode_cursor((chunk[-1][0], chunk[-1][1]), sort_field, descending) if more else ""
    return Page(items=[k[2] for k in chunk], next_page_token=token, total_count=len(keyed))
