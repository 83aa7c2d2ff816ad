"""Orders and the order status rules that need no fulfillment: payment, the one-hour remorse
window, buyer cancellation before shipment, and the shipping deadline fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sandbox.domain import deadlines, rules
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation


class OrderStatus(StrEnum):
    UNPAID = "UNPAID"
    ON_HOLD = "ON_HOLD"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING"
    AWAITING_COLLECTION = "AWAITING_COLLECTION"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


# Statuses in which the parcel has not left the seller: a buyer may still cancel.
BEFORE_SHIPMENT = frozenset({OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT})
# Statuses with the recipient address hidden from the seller.
ADDRESS_HIDDEN = frozenset({OrderStatus.UNPAID, OrderStatus.ON_HOLD})


class ShippingType(StrEnum):
    TIKTOK = "TIKTOK"  # platform shipping: the platform buys the label from its carrier
    SELLER = "SELLER"  # seller shipping: the seller uploads a tracking number


class CancellationInitiator(StrEnum):
    SELLER = "SELLER"
    BUYER = "BUYER"
    SYSTEM = "SYSTEM"


@dataclass(slots=True)
class LineItem:
    """One unit of one SKU: the platform has no quantity field, two units are two line items."""

    id: str
    sku_id: str
    product_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    original_price: str
    sale_price: str
    currency: str
    sku_image: str
    package_id: str = ""
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    cancel_reason: str = ""
    weight_grams: int = 500  # not shown by the API; makes up the package's weight


@dataclass
class Address:
    name: str
    first_name: str
    last_name: str
    phone_number: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    region_code: str

    @property
    def full_address(self) -> str:
        parts = [self.address_line1, self.address_line2, self.city, self.state, self.postal_code]
        return ", ".join(p for p in parts if p) + f", {self.region_code}"


@dataclass(slots=True)
class Payment:
    currency: str
    sub_total: str
    shipping_fee: str
    seller_discount: str
    platform_discount: str
    tax: str
    total_amount: str
    original_total_product_price: str
    original_shipping_fee: str


@dataclass(slots=True)
class Order:
    id: str
    shop_id: str
    status: OrderStatus
    create_time: datetime
    update_time: datetime
    user_id: str
    buyer_email: str
    buyer_message: str
    shipping_type: ShippingType
    delivery_option_id: str
    delivery_option_name: str
    warehouse_id: str
    recipient_address: Address
    payment: Payment
    line_items: list[LineItem]
    paid_time: datetime | None = None
    rts_sla_time: datetime | None = None
    shipping_due_time: datetime | None = None
    collection_due_time: datetime | None = None
    delivery_due_time: datetime | None = None
    cancel_order_sla_time: datetime | None = None
    rts_time: datetime | None = None
    collection_time: datetime | None = None
    delivery_time: datetime | None = None
    cancel_time: datetime | None = None
    cancel_reason: str = ""
    cancellation_initiator: CancellationInitiator | None = None
    is_buyer_request_cancel: bool = False
    shipping_provider: str = ""
    shipping_provider_id: str = ""
    tracking_number: str = ""
    package_ids: list[str] = field(default_factory=list)
    locked: bool = False  # completed orders take no further operations after 14 days
    late_shipment: bool = False  # shipped after its shipping deadline ("Stocking timeout")
    refund_time: datetime | None = None  # the platform refunded the buyer (a SYSTEM cancellation)

    @property
    def delivery_type(self) -> str:
        return "HOME_DELIVERY"

    @property
    def fulfillment_type(self) -> str:
        return "FULFILLMENT_BY_SELLER"


def _status_changed(order: Order, to: OrderStatus, at: datetime) -> DomainEvent:
    before = order.status
    order.status = to
    order.update_time = at
    return DomainEvent(at, "order.status_changed", order.id, {"from": before.value, "to": to.value})


def set_shipping_deadlines(order: Order, paid_at: datetime) -> None:
    """The shipping deadline fields, all counted from payment."""
    order.shipping_due_time = paid_at + deadlines.HANDLING_TIME
    order.rts_sla_time = order.shipping_due_time
    order.collection_due_time = order.shipping_due_time + deadlines.COLLECTION_WINDOW
    order.delivery_due_time = paid_at + deadlines.DELIVERY_WINDOW


def pay(order: Order, at: datetime) -> Outcome:
    """The buyer pays: the order is ON_HOLD for the remorse window, then awaits shipment."""
    if order.status is not OrderStatus.UNPAID:
        raise RuleViolation(f"order {order.id} is {order.status.value}, only an UNPAID order can be paid")
    order.paid_time = at
    set_shipping_deadlines(order, at)
    return Outcome(
        events=[_status_changed(order, OrderStatus.ON_HOLD, at)],
        deadlines=[Deadline(at + deadlines.REMORSE_WINDOW, rules.REMORSE_WINDOW_ENDS, order.id)],
        cancel=[(rules.UNPAID_AUTO_CANCEL, order.id)],
    )


# The platform's reason for cancelling an order never paid (its own reasons are named like
# system_cancel_order_untracked).
UNPAID_CANCEL_REASON = "system_cancel_order_unpaid"


def unpaid_deadline(order: Order) -> Deadline:
    """When the platform cancels an order placed and never paid: 15 days after its placement, as
    it cancels every order with no tracking by then (``deadlines.UNPAID_AUTO_CANCEL``)."""
    return Deadline(order.create_time + deadlines.UNPAID_AUTO_CANCEL, rules.UNPAID_AUTO_CANCEL, order.id)


def unpaid_auto_cancel(order: Order, at: datetime) -> Outcome:
    """Orders "placed but ... not marked with a Tracking Status Update will be automatically
    canceled by the TikTok system after 15 days of order placement": one still unpaid then is
    cancelled by the platform, with no refund (nothing was paid). A paid one is the untracked
    rule's."""
    if order.status is not OrderStatus.UNPAID:
        return Outcome()
    return _cancel(order, at, CancellationInitiator.SYSTEM, UNPAID_CANCEL_REASON)


def remorse_window_ends(order: Order, at: datetime) -> Outcome:
    """One hour after payment the order is released to the seller (\"Pending Shipping\")."""
    if order.status is not OrderStatus.ON_HOLD:
        return Outcome()  # cancelled during the window: nothing to release
    return Outcome(events=[_status_changed(order, OrderStatus.AWAITING_SHIPMENT, at)])


def _cancel(order: Order, at: datetime, initiator: CancellationInitiator, reason: str) -> Outcome:
    order.cancel_time = at
    order.cancel_reason = reason
    order.cancellation_initiator = initiator
    order.is_buyer_request_cancel = False
    for item in order.line_items:
        item.cancel_reason = reason
    event = _status_changed(order, OrderStatus.CANCELLED, at)
    return Outcome(
        events=[event],
        cancel=[
            (rules.REMORSE_WINDOW_ENDS, order.id),
            (rules.BUYER_CANCEL_AUTO_APPROVED, order.id),
            (rules.UNPAID_AUTO_CANCEL, order.id),
        ],
    )


def system_cancels(order: Order, at: datetime, reason: str, amount: str | None = None) -> Outcome:
    """The platform cancels an order (a failed delivery, a lost parcel) and refunds the buyer: the
    whole payment, or ``amount`` when some line items were refunded before (a split order)."""
    outcome = _cancel(order, at, CancellationInitiator.SYSTEM, reason)
    order.refund_time = at
    refunded = order.payment.total_amount if amount is None else amount
    outcome.events.append(
        DomainEvent(
            at,
            "order.refunded",
            order.id,
            {"amount": refunded, "currency": order.payment.currency, "reason": reason},
        )
    )
    return outcome


def buyer_cancels(order: Order, at: datetime, reason: str = "No longer needed") -> Outcome:
    """A buyer cancels before shipment.

    Before payment and within the remorse window the cancellation is immediate; once the order
    awaits shipment it becomes a request the seller must answer within the response window, or the
    platform approves it.
    """
    if order.status not in BEFORE_SHIPMENT:
        raise RuleViolation(
            f"order {order.id} is {order.status.value}: a buyer can cancel only before shipment"
        )
    if order.status in (OrderStatus.UNPAID, OrderStatus.ON_HOLD):
        return _cancel(order, at, CancellationInitiator.BUYER, reason)
    if order.is_buyer_request_cancel:
        raise RuleViolation(f"order {order.id} already has a pending buyer cancellation request")
    order.is_buyer_request_cancel = True
    order.cancel_reason = reason
    order.cancel_order_sla_time = at + deadlines.BUYER_CANCEL_RESPONSE_WINDOW
    order.update_time = at
    return Outcome(
        events=[DomainEvent(at, "order.buyer_cancel_requested", order.id, {"reason": reason})],
        deadlines=[Deadline(order.cancel_order_sla_time, rules.BUYER_CANCEL_AUTO_APPROVED, order.id)],
    )


def buyer_cancel_auto_approved(order: Order, at: datetime) -> Outcome:
    """The seller did not answer the buyer's request in time: the platform cancels the order."""
    if not order.is_buyer_request_cancel or order.status not in BEFORE_SHIPMENT:
        return Outcome()
    return _cancel(order, at, CancellationInitiator.BUYER, order.cancel_reason)


_PACKAGE_STATUS = {
    OrderStatus.AWAITING_COLLECTION: "PROCESSING",
    OrderStatus.IN_TRANSIT: "FULFILLING",
    OrderStatus.DELIVERED: "COMPLETED",
    OrderStatus.COMPLETED: "COMPLETED",
    OrderStatus.CANCELLED: "CANCELLED",
}


def package_status(order: Order) -> str:
    """The package status a line item shows, derived from the order's status."""
    return _PACKAGE_STATUS.get(order.status, "TO_FULFILL")


def update_recipient_address(order: Order, changes: dict[str, str], at: datetime) -> Outcome:
    """The buyer corrects the shipping address: only before shipment."""
    if order.status not in BEFORE_SHIPMENT:
        raise RuleViolation(
            f"order {order.id} is {order.status.value}: the address can change only before shipment"
        )
    order.recipient_address = replace(order.recipient_address, **changes)
    order.update_time = at
    fields = ",".join(sorted(changes))
    return Outcome(events=[DomainEvent(at, "order.recipient_address_updated", order.id, {"fields": fields})])


def find(orders: Mapping[str, Order], order_id: str) -> Order:
    """An order of the shop, by ID (the orders and returns operations' code when it is not)."""
    found = orders.get(order_id)
    if found is None:
        raise RuleViolation(f"order {order_id} not found in this shop", code=Code.ORDER_NOT_FOUND)
    return found


def find_for_fulfillment(orders: Mapping[str, Order], order_id: str) -> Order:
    """An order of the shop named by a fulfillment operation (which answers its own code)."""
    found = orders.get(order_id)
    if found is None:
        raise RuleViolation(f"order {order_id} not found in this shop", code=Code.ORDER_NOT_IN_SHOP)
    return found


def on_hold_order(order: Order) -> bool:
    """Whether the order has been or will be ON_HOLD: every paid order spends the remorse window
    there; only an order cancelled before payment never does."""
    return order.paid_time is not None or order.status is not OrderStatus.CANCELLED
