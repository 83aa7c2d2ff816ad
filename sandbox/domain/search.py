"""Searches as the Open API offers them (orders, packages): filters, sorting, cursor pagination."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import Order

SORT_FIELDS = ("create_time", "update_time")


@dataclass(frozen=True)
class OrderFilter:
    order_status: str | None = None
    create_time_ge: int | None = None
    create_time_lt: int | None = None
    update_time_ge: int | None = None
    update_time_lt: int | None = None
    shipping_type: str | None = None
    buyer_user_id: str | None = None
    is_buyer_request_cancel: bool | None = None
    warehouse_ids: tuple[str, ...] = ()

    def matches(self, order: Order) -> bool:
        if self.order_status and order.status.value != self.order_status:
            return False
        created = int(order.create_time.timestamp())
        updated = int(order.update_time.timestamp())
        if self.create_time_ge is not None and created < self.create_time_ge:
            return False
        if self.create_time_lt is not None and created >= self.create_time_lt:
            return False
        if self.update_time_ge is not None and updated < self.update_time_ge:
            return False
        if self.update_time_lt is not None and updated >= self.update_time_lt:
            return False
        if self.shipping_type and order.shipping_type.value != self.shipping_type:
            return False
        if self.buyer_user_id and order.user_id != self.buyer_user_id:
            return False
        if (
            self.is_buyer_request_cancel is not None
            and order.is_buyer_request_cancel != self.is_buyer_request_cancel
        ):
            return False
        return not self.warehouse_ids or order.warehouse_id in self.warehouse_ids


@dataclass(frozen=True)
class PackageFilter:
    package_status: str | None = None
    create_time_ge: int | None = None
    create_time_lt: int | None = None
    update_time_ge: int | None = None
    update_time_lt: int | None = None

    def matches(self, package: Any) -> bool:
        if self.package_status and package.status.value != self.package_status:
            return False
        created = int(package.create_time.timestamp())
        updated = int(package.update_time.timestamp())
        return not (
            (self.create_time_ge is not None and created < self.create_time_ge)
            or (self.create_time_lt is not None and created >= self.create_time_lt)
            or (self.update_time_ge is not None and updated < self.update_time_ge)
            or (self.update_time_lt is not None and updated >= self.update_time_lt)
        )


class Filter(Protocol):
    def matches(self, item: Any) -> bool: ...


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_page_token: str
    total_count: int


def _sort_key(item: Any, sort_field: str) -> tuple[int, str]:
    instant: datetime = getattr(item, sort_field)
    return (int(instant.timestamp()), str(item.id))


def _encode_cursor(key: tuple[int, str], sort_field: str, descending: bool) -> str:
    raw = json.dumps([key[0], key[1], sort_field, descending], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(token: str, sort_field: str, descending: bool) -> tuple[int, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        stamp, order_id, field, desc = value
        if not isinstance(stamp, int) or not isinstance(order_id, str):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise RuleViolation(f"page_token '{token}' is not a token this API returned") from exc
    if field != sort_field or desc != descending:
        raise RuleViolation(
            "page_token belongs to a search with another sort_field or sort_order; "
            "repeat the sort parameters of the first page"
        )
    return (stamp, order_id)


def search(
    items: Iterable[Any],
    where: Filter,
    *,
    page_size: int,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
) -> Page:
    descending = sort_order.upper() != "ASC"
    matched = sorted(
        (o for o in items if where.matches(o)),
        key=lambda o: _sort_key(o, sort_field),
        reverse=descending,
    )
    start = 0
    if page_token:
        after = _decode_cursor(page_token, sort_field, descending)
        # The first order strictly past the cursor in sort order: stable even if orders change.
        start = len(matched)
        for index, order in enumerate(matched):
            key = _sort_key(order, sort_field)
            if (key < after) if descending else (key > after):
                start = index
                break
    chunk = matched[start : start + page_size]
    more = start + page_size < len(matched)
    token = _encode_cursor(_sort_key(chunk[-1], sort_field), sort_field, descending) if more else ""
    return Page(items=chunk, next_page_token=token, total_count=len(matched))
