"""The Seller Center's Manage Orders page, which has no public API: status tabs, the to-do list,
the Failed Delivery tab and its filters, the search box, sorting, and export.

From the Seller Center articles:
- Tabs: "Processing" (cancellable within an hour of payment), "Pending shipping", "Shipped"
  ("orders with shipment information added"), "Completed", "Canceled", and "Failed Delivery" as
  the last tab, listing failed delivery orders under their return statuses.
- To-do list: "Shipping within 24 hours", "Automatic cancellation within 24 hours", "Stocking
  timeout", "Requested cancellation", "Return/refund requested".
- "Filter ... orders with 'Pending Shipping' and 'Pending Collection' status".
- Search "order ID, product ID, tracking number and SKU information ... batch search by separating
  them with a comma (,)".
- Export: "a maximum of 200,000 orders can be exported at once".
- Logistics tickets: "you will see its status under the Shipping Method column ... 'Ticket in
  process' or 'Ticket closed'", and "the Logistics Ticket Status filter".

Every function here reads one order's state (with its package and the carrier's shipment) at an
instant. ``counts`` is the counters' definition, a recount over every order; the world keeps the
same figures up to date from its events (sandbox.domain.order_counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sandbox.domain import deadlines
from sandbox.domain.carrier import Shipment
from sandbox.domain.events import RuleViolation
from sandbox.domain.fulfillment import is_untracked
from sandbox.domain.orders import Order, OrderStatus
from sandbox.domain.packages import Package
from sandbox.domain.returns import ReturnStatus
from sandbox.domain.tickets import Ticket

NO_TICKET = "NO_TICKET"  # the Logistics Ticket Status filter's choice for orders without a ticket

MAX_EXPORT_ORDERS = 200_000
MAX_SEARCH_TERMS = 100
SOON = timedelta(hours=24)  # "within 24 hours", both for shipping and for automatic cancellation


class Tab(StrEnum):
    UNPAID = "unpaid"
    PROCESSING = "processing"
    PENDING_SHIPPING = "pending_shipping"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELED = "canceled"
    FAILED_DELIVERY = "failed_delivery"


TAB_LABELS = {
    Tab.UNPAID: "Unpaid",
    Tab.PROCESSING: "Processing",
    Tab.PENDING_SHIPPING: "Pending shipping",
    Tab.SHIPPED: "Shipped",
    Tab.COMPLETED: "Completed",
    Tab.CANCELED: "Canceled",
    Tab.FAILED_DELIVERY: "Failed Delivery",
}

_STATUS_TAB = {
    OrderStatus.UNPAID: Tab.UNPAID,
    OrderStatus.ON_HOLD: Tab.PROCESSING,
    OrderStatus.AWAITING_SHIPMENT: Tab.PENDING_SHIPPING,
    OrderStatus.PARTIALLY_SHIPPING: Tab.PENDING_SHIPPING,
    OrderStatus.AWAITING_COLLECTION: Tab.SHIPPED,
    OrderStatus.IN_TRANSIT: Tab.SHIPPED,
    OrderStatus.DELIVERED: Tab.SHIPPED,
    OrderStatus.COMPLETED: Tab.COMPLETED,
    OrderStatus.CANCELLED: Tab.CANCELED,
}

RETURN_STATUS_LABELS = {
    ReturnStatus.RETURNING_TO_SELLER: "Returning to Seller",
    ReturnStatus.DELIVERED_BACK_TO_SELLER: "Delivered Back to Seller",
    ReturnStatus.SELLER_DELIVERY_FAILED: "Seller Delivery Failed",
    ReturnStatus.DESTROYED: "Destroyed",
}


class ToDo(StrEnum):
    SHIPPING_WITHIN_24_HOURS = "shipping_within_24_hours"
    AUTOMATIC_CANCELLATION_WITHIN_24_HOURS = "automatic_cancellation_within_24_hours"
    STOCKING_TIMEOUT = "stocking_timeout"
    REQUESTED_CANCELLATION = "requested_cancellation"
    RETURN_REFUND_REQUESTED = "return_refund_requested"


class Fulfillment(StrEnum):
    """The page's own filter: "Pending Shipping" and "Pending Collection"."""

    PENDING_SHIPPING = "pending_shipping"
    PENDING_COLLECTION = "pending_collection"


@dataclass(frozen=True)
class Row:
    """One order as the page sees it at an instant."""

    order: Order
    package: Package | None
    shipment: Shipment | None
    open_return_requests: int = 0  # buyers' return/refund requests awaiting the seller
    ticket: Ticket | None = None  # the order's newest logistics ticket

    @property
    def return_status(self) -> ReturnStatus | None:
        return self.package.return_status if self.package is not None else None

    @property
    def tracking_number(self) -> str:
        return self.package.tracking_number if self.package is not None else ""

    def tabs(self) -> list[Tab]:
        """The status tab, and Failed Delivery for a parcel that went back to the seller. A parcel
        on its way back leaves Shipped; one delivered back shows under Canceled too."""
        tabs = [_STATUS_TAB[self.order.status]]
        if self.return_status is not None:
            if tabs[0] is Tab.SHIPPED:
                tabs = []
            tabs.append(Tab.FAILED_DELIVERY)
        return tabs

    def time_returned(self) -> datetime | None:
        return self.package.returned_at if self.package is not None else None

    def todos(self, now: datetime) -> list[ToDo]:
        found = []
        order = self.order
        due = order.shipping_due_time
        if order.status is OrderStatus.AWAITING_SHIPMENT and due is not None:
            if now < due <= now + SOON:
                found.append(ToDo.SHIPPING_WITHIN_24_HOURS)
            elif due <= now:
                found.append(ToDo.STOCKING_TIMEOUT)
        if self.automatic_cancellation_at(now) is not None:
            found.append(ToDo.AUTOMATIC_CANCELLATION_WITHIN_24_HOURS)
        found.extend(self.standing_todos())
        return found

    def standing_todos(self) -> list[ToDo]:
        """The to-dos that hold whatever the time: a buyer's cancellation request, a return/refund
        request awaiting the seller."""
        found = []
        if self.order.is_buyer_request_cancel and self.order.status is not OrderStatus.CANCELLED:
            found.append(ToDo.REQUESTED_CANCELLATION)
        if self.open_return_requests:
            found.append(ToDo.RETURN_REFUND_REQUESTED)
        return found

    def automatic_cancellation_candidates(self) -> list[datetime]:
        """When the platform would cancel the order: an untracked order 15 days after it was
        placed, a buyer's request the seller leaves unanswered at its deadline."""
        order = self.order
        candidates = []
        if is_untracked(order, self.shipment):
            candidates.append(order.create_time + deadlines.UNTRACKED_AUTO_CANCEL)
        if order.is_buyer_request_cancel and order.cancel_order_sla_time is not None:
            candidates.append(order.cancel_order_sla_time)
        return candidates

    def automatic_cancellation_at(self, now: datetime) -> datetime | None:
        """When the platform will cancel the order within the next 24 hours, if it will."""
        soon = [at for at in self.automatic_cancellation_candidates() if now < at <= now + SOON]
        return min(soon) if soon else None

    def search_keys(self) -> set[str]:
        """What the search box matches: order ID, product IDs, SKU IDs, seller SKUs, tracking number."""
        keys = {self.order.id}
        for item in self.order.line_items:
            keys.update(k for k in (item.product_id, item.sku_id, item.seller_sku, item.tracking_number) if k)
        if self.tracking_number:
            keys.add(self.tracking_number)
        return keys


def search_terms(text: str) -> set[str]:
    """The search box: one term, or several separated by commas."""
    terms = {t.strip() for t in text.split(",") if t.strip()}
    if len(terms) > MAX_SEARCH_TERMS:
        raise RuleViolation(
            f"search takes at most {MAX_SEARCH_TERMS} comma-separated terms, not {len(terms)}"
        )
    return terms


@dataclass
class OrderListFilter:
    tab: Tab | None = None
    search: set[str] = field(default_factory=set)
    fulfillment: Fulfillment | None = None
    return_statuses: set[ReturnStatus] = field(default_factory=set)
    returned_from: datetime | None = None  # the Failed Delivery tab's "Time Returned" range
    returned_to: datetime | None = None
    todo: ToDo | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    ticket_status: str | None = None  # a TicketStatus value, or NO_TICKET

    def matches(self, row: Row, now: datetime) -> bool:
        if not self.order_matches(row):
            return False
        if self.ticket_status is not None:
            status = row.ticket.status.value if row.ticket is not None else NO_TICKET
            if status != self.ticket_status:
                return False
        if self.return_statuses and row.return_status not in self.return_statuses:
            return False
        if self.returned_from is not None or self.returned_to is not None:
            returned = row.time_returned()
            if returned is None:
                return False
            if self.returned_from is not None and returned < self.returned_from:
                return False
            if self.returned_to is not None and returned >= self.returned_to:
                return False
        return self.todo is None or self.todo in row.todos(now)

    def order_matches(self, row: Row) -> bool:
        order = row.order
        if self.tab is not None and self.tab not in row.tabs():
            return False
        if self.search and not (self.search & row.search_keys()):
            return False
        if (
            self.fulfillment is Fulfillment.PENDING_SHIPPING
            and order.status is not OrderStatus.AWAITING_SHIPMENT
        ):
            return False
        if (
            self.fulfillment is Fulfillment.PENDING_COLLECTION
            and order.status is not OrderStatus.AWAITING_COLLECTION
        ):
            return False
        if self.created_from is not None and order.create_time < self.created_from:
            return False
        return self.created_to is None or order.create_time < self.created_to


SORT_KEYS: dict[str, Any] = {
    "create_time": lambda row: row.order.create_time,
    "update_time": lambda row: row.order.update_time,
    "shipping_due_time": lambda row: row.order.shipping_due_time,
    "time_returned": lambda row: row.time_returned(),
}


def sorted_rows(rows: Iterable[Row], sort_by: str, descending: bool) -> list[Row]:
    """Sorted by the chosen time (orders without one last), ties broken by order ID, so pages
    never shuffle."""
    key = SORT_KEYS[sort_by]

    def stamp(row: Row) -> tuple[bool, float, str]:
        value: datetime | None = key(row)
        missing = value is None
        return (missing != descending, value.timestamp() if value else 0.0, row.order.id)

    return sorted(rows, key=stamp, reverse=descending)


def counts(rows: Iterable[Row], now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """The tab counts and the to-do counters, in one pass."""
    tabs = {tab.value: 0 for tab in Tab}
    todos = {todo.value: 0 for todo in ToDo}
    for row in rows:
        for tab in row.tabs():
            tabs[tab.value] += 1
        for todo in row.todos(now):
            todos[todo.value] += 1
    return tabs, todos


def check_export_size(matched: int) -> None:
    if matched > MAX_EXPORT_ORDERS:
        raise RuleViolation(
            f"{matched} orders match: at most {MAX_EXPORT_ORDERS} can be exported at once; "
            "filter by status or time first"
        )
