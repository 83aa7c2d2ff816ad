"""The Manage Orders page's tab counts and to-do counters, kept up to date instead of recounted.

Each order is reduced to what its counters depend on (an ``Entry``): its tabs and the to-dos that
do not depend on the time, and the instants that do (when it must ship by, when the platform will
cancel it). Tab counts and the standing to-dos are sums kept as entries change; the to-dos "within
24 hours" and "Stocking timeout" are counted at the instant asked with a binary search over those
instants, kept sorted. So reading the counters costs the same at any world size, and updating them
costs one entry per order that changed.

What changed is told by the world's events: every event names the order it is about (its subject,
or its ``order_id``), and an order named is read again at the next reading. ``counts`` (a full
recount in sandbox.domain.manage_orders) stays the definition: the kept counts always equal it.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from sandbox.domain.events import DomainEvent
from sandbox.domain.manage_orders import SOON, Row, Tab, ToDo
from sandbox.domain.orders import Order, OrderStatus
from sandbox.domain.returns import ReturnStatus


@dataclass(frozen=True, slots=True)
class Entry:
    """One order as its counters see it."""

    tabs: tuple[Tab, ...]
    standing: tuple[ToDo, ...]  # the to-dos that hold whatever the time
    ship_by: datetime | None  # awaiting shipment: its shipping due time
    cancel_at: tuple[datetime, ...]  # when the platform would cancel it automatically
    return_status: ReturnStatus | None = None  # of its parcel sent back (Failed Delivery)

    def todos(self, now: datetime) -> set[ToDo]:
        """The order's to-dos at ``now``, as ``Row.todos`` finds them."""
        found = set(self.standing)
        soon = now + SOON
        if self.ship_by is not None:
            if now < self.ship_by <= soon:
                found.add(ToDo.SHIPPING_WITHIN_24_HOURS)
            elif self.ship_by <= now:
                found.add(ToDo.STOCKING_TIMEOUT)
        if any(now < at <= soon for at in self.cancel_at):
            found.add(ToDo.AUTOMATIC_CANCELLATION_WITHIN_24_HOURS)
        return found

    def shows(
        self,
        tab: Tab | None,
        todo: ToDo | None,
        now: datetime,
        returns: frozenset[ReturnStatus] = frozenset(),
    ) -> bool:
        """Whether the order is listed under the tab, the to-do and the return statuses chosen
        (None, or none: any)."""
        if tab is not None and tab not in self.tabs:
            return False
        if returns and self.return_status not in returns:
            return False
        return todo is None or todo in self.todos(now)


def entry(row: Row) -> Entry:
    order = row.order
    due = order.shipping_due_time
    return Entry(
        tabs=tuple(row.tabs()),
        standing=tuple(row.standing_todos()),
        ship_by=due if order.status is OrderStatus.AWAITING_SHIPMENT else None,
        cancel_at=_distinct(row.automatic_cancellation_candidates()),
        return_status=row.return_status,
    )


def _distinct(instants: list[datetime]) -> tuple[datetime, ...]:
    if len(instants) < 2:
        return tuple(instants)
    return tuple(sorted(set(instants)))


def _insert(instants: list[datetime], at: datetime) -> None:
    bisect.insort(instants, at)


def _remove(instants: list[datetime], at: datetime) -> None:
    # Equal instants are interchangeable: any one of them goes.
    del instants[bisect.bisect_left(instants, at)]


def _within(instants: list[datetime], after: datetime, until: datetime) -> int:
    """How many instants fall in (after, until]."""
    return bisect.bisect_right(instants, until) - bisect.bisect_right(instants, after)


class OrderCounts:
    """The counters of one world's orders, kept from its events."""

    def __init__(self) -> None:
        self.indexed: Mapping[str, Order] | None = None  # the orders counted (a reset replaces them)
        self.entries: dict[str, Entry] = {}
        self.dirty: set[str] = set()
        self.tabs: Counter[Tab] = Counter()
        self.standing: Counter[ToDo] = Counter()
        self.returns: Counter[ReturnStatus] = Counter()
        self.returned: set[str] = set()  # the orders whose parcel went back (few, even in a big world)
        self.ship_by: list[datetime] = []  # sorted
        self.cancel_at: list[datetime] = []  # sorted, every order's instants together
        self.twice: dict[str, tuple[datetime, ...]] = {}  # orders with more than one such instant

    # ----- what changed --------------------------------------------------------------------------
    def touched(self, event: DomainEvent) -> None:
        """An event happened: the order it is about is read again at the next reading."""
        if self.indexed is None:
            return
        self.dirty.add(event.subject)
        about = event.data.get("order_id") if event.data else None
        if isinstance(about, str):
            self.dirty.add(about)

    def stale(self, orders: Mapping[str, Order]) -> set[str] | None:
        """The IDs of the orders to read again, or None when every order must be (at the first
        reading, or once the orders were replaced). New orders count as changed."""
        if self.indexed is not orders:
            return None
        wanted = {i for i in self.dirty if i in orders}
        if len(orders) != len(self.entries):
            wanted.update(i for i in orders if i not in self.entries)
        return wanted

    # ----- keeping the entries ---------------------------------------------------------------------
    def rebuild(self, orders: Mapping[str, Order], rows: Iterable[Row]) -> None:
        """Count every order anew (sorting the instants once, not inserting them one by one)."""
        self.__init__()  # type: ignore[misc]
        self.indexed = orders
        entries = self.entries
        for row in rows:
            entries[row.order.id] = entry(row)
        # Counted in one pass each (Counter's own loop), not order by order: 200,000 orders.
        self.tabs = Counter(chain.from_iterable(found.tabs for found in entries.values()))
        self.standing = Counter(chain.from_iterable(found.standing for found in entries.values()))
        for order_id, found in entries.items():
            if found.return_status is not None:
                self.returns[found.return_status] += 1
                self.returned.add(order_id)
            if found.ship_by is not None:
                self.ship_by.append(found.ship_by)
            self.cancel_at.extend(found.cancel_at)
            if len(found.cancel_at) > 1:
                self.twice[order_id] = found.cancel_at
        self.ship_by.sort()
        self.cancel_at.sort()

    def update(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self._put(row.order.id, entry(row))
        self.dirty.clear()

    def _put(self, order_id: str, new: Entry) -> None:
        old = self.entries.get(order_id)
        if old == new:
            return
        if old is not None:
            self._count(order_id, old, -1)
        self.entries[order_id] = new
        self._count(order_id, new, 1)

    def _count(self, order_id: str, found: Entry, sign: int) -> None:
        for tab in found.tabs:
            self.tabs[tab] += sign
        for todo in found.standing:
            self.standing[todo] += sign
        if found.return_status is not None:
            self.returns[found.return_status] += sign
            if sign > 0:
                self.returned.add(order_id)
            else:
                self.returned.discard(order_id)
        change = _insert if sign > 0 else _remove
        if found.ship_by is not None:
            change(self.ship_by, found.ship_by)
        for at in found.cancel_at:
            change(self.cancel_at, at)
        if len(found.cancel_at) > 1:
            if sign > 0:
                self.twice[order_id] = found.cancel_at
            else:
                self.twice.pop(order_id, None)

    # ----- reading -------------------------------------------------------------------------------
    def total(
        self,
        tab: Tab | None,
        todo: ToDo | None,
        now: datetime,
        returns: frozenset[ReturnStatus] = frozenset(),
    ) -> int:
        """How many orders the tab, the to-do and the return statuses chosen list."""
        if returns:
            if todo is None and tab in (None, Tab.FAILED_DELIVERY):  # a parcel sent back is listed there
                return sum(self.returns[status] for status in returns)
        elif tab is None and todo is None:
            return len(self.entries)
        elif todo is None:
            return self.tabs[tab] if tab is not None else 0
        elif tab is None:
            return self.counts(now)[1][todo.value]
        return sum(1 for found in self.entries.values() if found.shows(tab, todo, now, returns))

    def return_status_counts(self) -> dict[str, int]:
        """How many orders' parcels stand at each return status (the Failed Delivery tab's counts)."""
        return {status.value: self.returns[status] for status in ReturnStatus}

    def counts(self, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
        """The tab counts and the to-do counters at ``now``, as ``manage_orders.counts`` gives them."""
        soon = now + SOON
        tabs = {tab.value: self.tabs[tab] for tab in Tab}
        todos = {todo.value: self.standing[todo] for todo in ToDo}
        todos[ToDo.SHIPPING_WITHIN_24_HOURS.value] = _within(self.ship_by, now, soon)
        todos[ToDo.STOCKING_TIMEOUT.value] = bisect.bisect_right(self.ship_by, now)
        # An order counts once however many of its instants fall within the next 24 hours.
        cancelling = _within(self.cancel_at, now, soon)
        for instants in self.twice.values():
            cancelling -= max(0, sum(1 for at in instants if now < at <= soon) - 1)
        todos[ToDo.AUTOMATIC_CANCELLATION_WITHIN_24_HOURS.value] = cancelling
        return tabs, todos
