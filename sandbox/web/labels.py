"""The Seller Center's words for the API's values, in one place: the page shows the word and keeps
the API value on hover (``title=``), so a tester reads the page as a seller does and still finds
the value their client sees.

A value with no word here is shown as it is (a buyer's own cancel reason is their text).
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from sandbox.domain.aftersales import ReturnStatus as AftersalesStatus
from sandbox.domain.aftersales import ReturnType
from sandbox.domain.cancellations import CancelStatus
from sandbox.domain.carrier import AttemptFailure
from sandbox.domain.manage_orders import RETURN_STATUS_LABELS, TAB_LABELS, ToDo
from sandbox.domain.orders import CancellationInitiator, OrderStatus, ShippingType
from sandbox.domain.packages import HandoverMethod, LabelStatus, PackageStatus, RejectionReason

ORDER_STATUS: dict[str, str] = {
    OrderStatus.UNPAID: "Unpaid",
    OrderStatus.ON_HOLD: "On hold",
    OrderStatus.AWAITING_SHIPMENT: "Awaiting shipment",
    OrderStatus.PARTIALLY_SHIPPING: "Partially shipped",
    OrderStatus.AWAITING_COLLECTION: "Awaiting collection",
    OrderStatus.IN_TRANSIT: "In transit",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.COMPLETED: "Completed",
    OrderStatus.CANCELLED: "Cancelled",
}

# The platform's own cancel reasons, as the order list words them.
CANCEL_REASON = {
    "returned_to_shipper_refused": "Returned to sender: refused",
    "returned_to_shipper_other": "Returned to sender: not delivered",
    "package_lost": "Package lost",
    "package_damaged": "Package damaged",
    "package_scrap": "Package destroyed",
    "system_cancel_order_untracked": "Not tracked in time",
    "system_cancel_order_unpaid": "Not paid in time",
    "system_cancel_order_reason_shipping_timeout": "Not shipped in time",
    "system_cancel_order_exceed_edt_not_arrive": "Not delivered by the estimated date",
    "seller_cancel_reason_out_of_stock": "Out of stock",
    "seller_cancel_reason_wrong_price": "Wrong price",
    "seller_cancel_reason_buyer_request": "Buyer's request",
    "seller_cancel_reason_address_undeliverable": "Address undeliverable",
    "buyer_cancel_reason_no_longer_needed": "No longer needed",
    "buyer_cancel_reason_change_address": "Wants to change the address",
    "buyer_cancel_reason_better_price": "Found a better price",
    "buyer_cancel_reason_ordered_by_mistake": "Ordered by mistake",
}

INITIATOR: dict[str, str] = {
    CancellationInitiator.BUYER: "Buyer",
    CancellationInitiator.SELLER: "Seller",
    CancellationInitiator.SYSTEM: "Platform",
}

SHIPPING_TYPE: dict[str, str] = {
    ShippingType.TIKTOK: "Shipped by platform",
    ShippingType.SELLER: "Shipped by seller",
}

HANDOVER: dict[str, str] = {HandoverMethod.PICKUP: "Pickup", HandoverMethod.DROP_OFF: "Drop-off"}

PACKAGE_STATUS: dict[str, str] = {
    PackageStatus.PROCESSING: "Processing",
    PackageStatus.FULFILLING: "With the carrier",
    PackageStatus.COMPLETED: "Delivered",
    PackageStatus.CANCELLED: "Cancelled",
}

LABEL_STATUS: dict[str, str] = {
    LabelStatus.NOT_CREATED: "No label yet",
    LabelStatus.CREATED: "Label created",
    LabelStatus.REJECTED: "Rejected Shipping Label",
}

REJECTION: dict[str, str] = {
    RejectionReason.BUYER_ADDRESS_ISSUE: "Buyer address issue",
    RejectionReason.PRODUCTS_OVERSIZED: "Products oversized",
    RejectionReason.CARRIER_ORDER_ERROR: "Carrier order error",
}

ATTEMPT_FAILURE: dict[str, str] = {
    AttemptFailure.ADDRESSEE_NOT_AVAILABLE: "Addressee not available",
    AttemptFailure.BUSINESS_CLOSED: "Business closed",
    AttemptFailure.ADDRESS_ISSUE: "Address issue",
    AttemptFailure.REFUSED: "Refused by the buyer",
}

RETURN_STATUS = {status.value: label for status, label in RETURN_STATUS_LABELS.items()}

TAB = {tab.value: label for tab, label in TAB_LABELS.items()}

CANCELLATION_STATUS: dict[str, str] = {
    CancelStatus.PENDING: "Cancellation requested",
    CancelStatus.SUCCESS: "Cancellation approved",
    CancelStatus.REJECTED: "Cancellation rejected",
    CancelStatus.COMPLETE: "Cancelled",
}

AFTERSALES_STATUS: dict[str, str] = {
    AftersalesStatus.PENDING: "Awaiting your response",
    AftersalesStatus.REJECTED: "Rejected",
    AftersalesStatus.AWAITING_BUYER_SHIP: "Awaiting the buyer's shipment",
    AftersalesStatus.BUYER_SHIPPED: "Buyer shipped the item",
    AftersalesStatus.RECEIPT_REJECTED: "Returned package refused",
    AftersalesStatus.SUCCESS: "Approved",
    AftersalesStatus.CANCELLED: "Withdrawn by the buyer",
    AftersalesStatus.COMPLETE: "Refunded",
    AftersalesStatus.AWAITING_BUYER_RESPONSE: "Partial refund offered",
}

RETURN_TYPE: dict[str, str] = {
    ReturnType.RETURN_AND_REFUND: "Return and refund",
    ReturnType.REFUND: "Refund only",
}

TODO = {
    ToDo.SHIPPING_WITHIN_24_HOURS: "Shipping within 24 hours",
    ToDo.AUTOMATIC_CANCELLATION_WITHIN_24_HOURS: "Automatic cancellation within 24 hours",
    ToDo.STOCKING_TIMEOUT: "Stocking timeout",
    ToDo.REQUESTED_CANCELLATION: "Requested cancellation",
    ToDo.RETURN_REFUND_REQUESTED: "Return/refund requested",
}

# What each magic tracking number prefix makes the sandbox's carrier do with a seller-shipped parcel
# (the prefixes are sandbox.domain.logistics.SELLER_NUMBER_MARKS; a test keeps the two in step).
MAGIC_TRACKING = {
    "SBXSTALL": "tracking stops for 5 days after pickup",
    "SBXNOPICKUPUPDATE": "the pickup is not reported for 3 days",
    "SBXNODELIVERYUPDATE": "the delivery is not reported for 3 days",
    "SBX3FAIL": "three failed delivery attempts, back to the seller",
    "SBXREFUSED": "the buyer refuses the parcel three times, back to the seller",
    "SBXRETURNFAIL": "three failed attempts, and the way back fails too",
}

# Every table by the name templates use: {{ value|word('order_status') }}.
WORDS: dict[str, Mapping[str, str]] = {
    "order_status": ORDER_STATUS,
    "cancel_reason": CANCEL_REASON,
    "initiator": INITIATOR,
    "shipping_type": SHIPPING_TYPE,
    "handover": HANDOVER,
    "package_status": PACKAGE_STATUS,
    "label_status": LABEL_STATUS,
    "rejection": REJECTION,
    "attempt_failure": ATTEMPT_FAILURE,
    "return_status": RETURN_STATUS,
    "tab": TAB,
    "cancellation_status": CANCELLATION_STATUS,
    "aftersales_status": AFTERSALES_STATUS,
    "return_type": RETURN_TYPE,
}


def text(value: str | None, table: str) -> str:
    """The seller's word for ``value`` (the value itself when it has none)."""
    if value is None:
        return ""
    return WORDS[table].get(value, value)


def word(value: str | None, table: str) -> Markup:
    """The word, with the API value on hover."""
    if value is None or value == "":
        return Markup("—")
    return Markup('<span class="word" title="{}">{}</span>').format(value, text(value, table))


# What an event changed, in the seller's words, for the rows a clock move changed. Events without a
# word here (reminders the page shows elsewhere, authorization events) mark nothing.
CHANGES = {
    "order.buyer_cancel_requested": "Buyer requested cancellation",
    "order.buyer_cancel_rejected": "Cancellation request rejected",
    "order.recipient_address_updated": "Buyer address updated",
    "order.locked": "Locked",
    "order.refunded": "Refunded",
    "order.stocking_timeout": "Stocking timeout",
    "package.shipped": "Shipped",
    "package.label_created": "Shipping label created",
    "package.label_rejected": "Shipping label rejected",
    "package.label_issue_fixed": "Label issue fixed",
    "package.delivery_failed": "Delivery attempt failed",
    "package.destruction_notice": "Destroy date set",
    "package.delayed": "Delayed",
    "package.lost": "Lost",
    "carrier.tracking_event": "Tracking updated",
    "ticket.raised": "Ticket raised",
    "ticket.closed": "Ticket closed",
}


def change(kind: str, data: Mapping[str, object]) -> str | None:
    """What one event changed on its order, in words (None: nothing the rows show)."""
    if kind == "order.status_changed":
        return "Status: " + text(str(data.get("to")), "order_status")
    if kind == "package.return_status_changed":
        return text(str(data.get("return_status")), "return_status")
    if kind == "carrier.tracking_event" and str(data.get("detail_code", "")).startswith("AttemptFail"):
        return "Delivery attempt failed"
    if kind == "return.status_changed":
        return "Return: " + text(str(data.get("return_status")), "aftersales_status")
    return CHANGES.get(kind)
