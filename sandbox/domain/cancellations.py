"""Cancellation records as the returns-and-refunds API lists them, kept from the order events.

A buyer's request on an order awaiting shipment is pending until the seller approves or rejects it
(or the platform approves it when the response window closes); every other cancellation (buyer
inside the remorse window, seller, system) is complete at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sandbox.domain import rules
from sandbox.domain.codes import Code
from sandbox.domain.events import DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import (
    BEFORE_SHIPMENT,
    CancellationInitiator,
    LineItem,
    Order,
    OrderStatus,
    _cancel,
)


class CancelStatus(StrEnum):
    PENDING = "CANCELLATION_REQUEST_PENDING"
    SUCCESS = "CANCELLATION_REQUEST_SUCCESS"
    REJECTED = "CANCELLATION_REQUEST_CANCEL"
    COMPLETE = "CANCELLATION_REQUEST_COMPLETE"


CANCEL_TYPE = {
    CancellationInitiator.BUYER: "BUYER_CANCEL",
    CancellationInitiator.SELLER: "SELLER_CANCEL",
    CancellationInitiator.SYSTEM: "SYSTEM_CANCEL",
}


@dataclass
class Cancellation:
    id: str
    order_id: str
    status: CancelStatus
    initiator: CancellationInitiator
    reason: str
    create_time: datetime
    update_time: datetime
    response_due: datetime | None = None
    reject_reason: str = ""
    # A cancellation of some line items (a package of a split order that will not reach the
    # buyer), or of those left when earlier ones were cancelled: its line items and its refund.
    # None and "" for a cancellation of the whole order (plain defaults: older snapshots load).
    line_item_ids: list[str] | None = None
    refund_total: str = ""


def new_id(rng: random.Random, taken: dict[str, Cancellation]) -> str:
    while True:
        cancel_id = "4" + str(rng.randrange(10**17, 10**18))
        if cancel_id not in taken:
            return cancel_id


def lines_cancelled_by_order(records: dict[str, Cancellation]) -> dict[str, set[str]]:
    """Per order, the line items its line-level cancellations name (the index ``follow`` keeps)."""
    by_order: dict[str, set[str]] = {}
    for record in records.values():
        if record.line_item_ids is not None:
            by_order.setdefault(record.order_id, set()).update(record.line_item_ids)
    return by_order


def follow(
    records: dict[str, Cancellation],
    order: Order,
    event: DomainEvent,
    rng: random.Random,
    open_by_order: dict[str, Cancellation],
    lines_by_order: dict[str, set[str]],
) -> None:
    """Keep the records in step with what happened to the order. ``open_by_order`` holds each
    order's pending request and ``lines_by_order`` the line items cancelled on their own (see
    ``lines_cancelled_by_order``), so that following an event never scans every record."""
    if event.kind == "order.buyer_cancel_requested":
        cancel_id = new_id(rng, records)
        records[cancel_id] = open_by_order[order.id] = Cancellation(
            cancel_id,
            order.id,
            CancelStatus.PENDING,
            CancellationInitiator.BUYER,
            str(event.data.get("reason", "")),
            event.at,
            event.at,
            response_due=order.cancel_order_sla_time,
        )
    elif event.kind == "order.buyer_cancel_rejected" and order.id in open_by_order:
        open_request = open_by_order.pop(order.id)
        open_request.status, open_request.update_time = CancelStatus.REJECTED, event.at
        open_request.reject_reason = str(event.data.get("reject_reason", ""))
    elif event.kind == "order.lines_cancelled":
        cancel_id = new_id(rng, records)
        records[cancel_id] = Cancellation(
            cancel_id,
            order.id,
            CancelStatus.COMPLETE,
            CancellationInitiator(str(event.data.get("initiator", "SYSTEM"))),
            str(event.data.get("reason", "")),
            event.at,
            event.at,
            line_item_ids=[line for line in str(event.data["line_item_ids"]).split(",") if line],
            refund_total=str(event.data.get("amount", "")),
        )
        lines_by_order.setdefault(order.id, set()).update(records[cancel_id].line_item_ids or [])
    elif event.kind == "order.status_changed" and event.data.get("to") == OrderStatus.CANCELLED.value:
        if order.id in open_by_order:
            open_request = open_by_order.pop(order.id)
            open_request.status, open_request.update_time = CancelStatus.COMPLETE, event.at
            return
        cancel_id = new_id(rng, records)
        initiator = order.cancellation_initiator or CancellationInitiator.SYSTEM
        record = Cancellation(
            cancel_id, order.id, CancelStatus.COMPLETE, initiator, order.cancel_reason, event.at, event.at
        )
        earlier = lines_by_order.get(order.id)
        if earlier:  # what earlier line-level cancellations left
            record.line_item_ids = [item.id for item in order.line_items if item.id not in earlier]
            earlier.update(record.line_item_ids)
        records[cancel_id] = record


def pending(records: dict[str, Cancellation], cancel_id: str) -> Cancellation:
    record = records.get(cancel_id)
    if record is None:
        raise RuleViolation(
            f"cancellation {cancel_id} not found in this shop", code=Code.CANCELLATION_NOT_FOUND
        )
    if record.status is not CancelStatus.PENDING:
        raise RuleViolation(
            f"cancellation {cancel_id} is {record.status.value}: only a pending request can be "
            "approved or rejected",
            code=Code.CANCELLATION_NOT_PENDING,
        )
    return record


def seller_approves(order: Order, at: datetime) -> Outcome:
    """The seller accepts the buyer's request: the order is cancelled now."""
    return _cancel(order, at, CancellationInitiator.BUYER, order.cancel_reason)


def seller_rejects(order: Order, at: datetime, reject_reason: str) -> Outcome:
    """The seller refuses the buyer's request: the order goes on to be shipped."""
    order.is_buyer_request_cancel = False
    order.cancel_reason = ""
    order.cancel_order_sla_time = None
    order.update_time = at
    return Outcome(
        events=[DomainEvent(at, "order.buyer_cancel_rejected", order.id, {"reject_reason": reject_reason})],
        cancel=[(rules.BUYER_CANCEL_AUTO_APPROVED, order.id)],
    )


def seller_cancels(order: Order, at: datetime, reason: str) -> Outcome:
    """The seller cancels an order that has not shipped (out of stock, a pricing error, ...)."""
    if order.status not in BEFORE_SHIPMENT - {OrderStatus.UNPAID}:
        raise RuleViolation(
            f"order {order.id} is {order.status.value}: a seller can cancel only a paid order "
            "that has not shipped",
            code=Code.ORDER_NOT_CANCELLABLE,
        )
    return _cancel(order, at, CancellationInitiator.SELLER, reason)


# ----- what the 202602 answers say about a cancellation -------------------------------------------
# 202602 has two cancel types: the buyer's request, and every other cancellation.
CANCEL_TYPE_202602 = {
    CancellationInitiator.BUYER: "BUYER_CANCEL",
    CancellationInitiator.SELLER: "CANCEL",
    CancellationInitiator.SYSTEM: "CANCEL",
}
SELLER_RESPOND_BUYER_CANCEL = "SELLER_RESPOND_BUYER_CANCEL"
# The text the platform shows for its own cancel reasons (the reasons of buyers and sellers are
# their own words, shown as they are).
REASON_TEXT = {
    "returned_to_shipper_refused": "The buyer refused the package; it was returned to the seller",
    "returned_to_shipper_other": "The package could not be delivered and was returned to the seller",
    "package_lost": "The package was lost in transit",
    "package_damaged": "The package was damaged in transit",
    "package_scrap": "The package could not be returned to the seller and was destroyed",
    "system_cancel_order_untracked": "The package was not tracked by the carrier in time",
    "system_cancel_order_unpaid": "The order was not paid in time",
    "system_cancel_order_reason_shipping_timeout": "The order was not shipped in time",
    "system_cancel_order_exceed_edt_not_arrive": "The package did not arrive by the estimated delivery date",
}


def reason_text(reason: str) -> str:
    return REASON_TEXT.get(reason, reason)


def should_replenish_stock(order: Order) -> bool:
    """Whether the cancelled items go back to stock at once: only when nothing had shipped (a
    shipped parcel is restocked when it comes back, if it does)."""
    return not order.tracking_number


def cancels_whole_order(order: Order, line_item_ids: list[str]) -> None:
    """The line items a seller names must be the order's, and all of them: the sandbox cancels
    whole orders (the platform cancels single out-of-stock line items in the US and UK)."""
    known = {item.id for item in order.line_items}
    unknown = [i for i in line_item_ids if i not in known]
    if unknown:
        raise RuleViolation(
            f"order {order.id} has no line item {', '.join(unknown)}", code=Code.ORDER_NOT_CANCELLABLE
        )
    if line_item_ids and set(line_item_ids) != known:
        raise RuleViolation(
            f"the sandbox cancels whole orders: name every line item of order {order.id} or none",
            code=Code.ORDER_NOT_CANCELLABLE,
        )


def lines_of_skus(order: Order, skus: list[tuple[str, int]]) -> list[str]:
    """The line items ``quantity`` units of each SKU stand for (one line item is one unit)."""
    chosen: list[str] = []
    for sku_id, quantity in skus:
        lines = [item.id for item in order.line_items if item.sku_id == sku_id]
        if quantity > len(lines):
            raise RuleViolation(
                f"order {order.id} has {len(lines)} unit(s) of SKU {sku_id}, not {quantity}",
                code=Code.ORDER_NOT_CANCELLABLE,
            )
        chosen += lines[:quantity]
    return chosen


def lines_of(record: Cancellation, order: Order) -> list[LineItem]:
    """The line items the cancellation covers: those it names, or the whole order's."""
    if record.line_item_ids is None:
        return list(order.line_items)
    return [item for item in order.line_items if item.id in record.line_item_ids]


def includes_shipping(record: Cancellation) -> bool:
    """Whether the cancellation refunds the order's shipping fee: one of the whole order, or of
    the line items earlier cancellations left; not one of a package's line items (which carries
    the amount it refunded)."""
    return record.line_item_ids is None or not record.refund_total
