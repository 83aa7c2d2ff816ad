"""Buyers' return and refund requests on delivered orders ("Return/refund requested" on the to-do list).

A request waits for the seller, who approves or rejects it within the response window; unanswered,
the platform approves it. A refund-only request is refunded once approved. A return waits for the
buyer to send the item back; once it is shipped the seller either accepts the package (and the
buyer is refunded) or refuses it. The buyer may withdraw the request until the item is shipped.
Instead of approving, the seller may offer a partial refund, the buyer keeping the item: the request
waits for the buyer, who accepts it (and is refunded that amount) or rejects it (and the request
goes back to the seller).

The sandbox refunds at once: an approved refund goes straight to RETURN_OR_REFUND_REQUEST_COMPLETE.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sandbox.domain import deadlines, order_details, refunds, rules
from sandbox.domain.cancellations import Cancellation, CancelStatus
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import BEFORE_SHIPMENT, Order, OrderStatus


class ReturnType(StrEnum):
    RETURN_AND_REFUND = "RETURN_AND_REFUND"
    REFUND = "REFUND"  # refund only: the buyer keeps the item


class ReturnStatus(StrEnum):
    PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
    REJECTED = "REFUND_OR_RETURN_REQUEST_REJECT"
    AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP"
    BUYER_SHIPPED = "BUYER_SHIPPED_ITEM"
    RECEIPT_REJECTED = "REJECT_RECEIVE_PACKAGE"
    SUCCESS = "RETURN_OR_REFUND_REQUEST_SUCCESS"
    CANCELLED = "RETURN_OR_REFUND_REQUEST_CANCEL"
    COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"
    # "Seller offer another return type to the buyer, and waiting buyer response": a partial refund
    AWAITING_BUYER_RESPONSE = "AWAITING_BUYER_RESPONSE"


# A request still in progress: the order can take no second one meanwhile.
OPEN = frozenset(
    {
        ReturnStatus.PENDING,
        ReturnStatus.AWAITING_BUYER_SHIP,
        ReturnStatus.BUYER_SHIPPED,
        ReturnStatus.AWAITING_BUYER_RESPONSE,
    }
)
# Waiting for the seller to review ("Return/refund requested" on the to-do list): the request, or
# the item the buyer sent back.
AWAITING_SELLER = frozenset({ReturnStatus.PENDING, ReturnStatus.BUYER_SHIPPED})


def awaiting_seller(records: dict[str, ReturnRequest]) -> dict[str, int]:
    """Per order, its return/refund requests the seller must review."""
    counts: dict[str, int] = {}
    for record in records.values():
        if record.status in AWAITING_SELLER:
            counts[record.order_id] = counts.get(record.order_id, 0) + 1
    return counts


class Role(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"
    SYSTEM = "SYSTEM"


@dataclass(frozen=True)
class RejectReason:
    name: str
    text: str


# What a seller may give as the reason for refusing, by the status the request is in.
REJECT_REASONS: dict[ReturnStatus, tuple[RejectReason, ...]] = {
    ReturnStatus.PENDING: (
        RejectReason("seller_reject_request_item_as_described", "The item matches its description"),
        RejectReason("seller_reject_request_damaged_by_buyer", "The item was damaged after delivery"),
        RejectReason("seller_reject_request_no_evidence", "The buyer gave no evidence of the problem"),
        RejectReason("seller_reject_request_not_returnable", "The product cannot be returned"),
    ),
    ReturnStatus.BUYER_SHIPPED: (
        RejectReason("seller_reject_receive_not_arrived", "The return package has not arrived"),
        RejectReason("seller_reject_receive_wrong_item", "The returned item is not the one sold"),
        RejectReason("seller_reject_receive_used_or_damaged", "The returned item is used or damaged"),
    ),
}
# Reasons for refusing a buyer's cancellation request, listed by the same endpoint.
CANCEL_REJECT_REASONS: tuple[RejectReason, ...] = (
    RejectReason("seller_reject_cancel_already_packed", "The order is already packed"),
    RejectReason("seller_reject_cancel_already_shipped", "The order is already shipped"),
    RejectReason("seller_reject_cancel_buyer_agreed", "The buyer agreed to keep the order"),
)


@dataclass(frozen=True)
class ReturnRecord:
    """One line of a request's timeline, as the return records endpoint lists it."""

    at: datetime
    event: str
    description: str
    role: Role


@dataclass
class ReturnRequest:
    id: str
    order_id: str
    type: ReturnType
    status: ReturnStatus
    reason: str
    create_time: datetime
    update_time: datetime
    line_item_ids: list[str]
    currency: str
    refund_total: str
    response_due: datetime | None = None
    return_tracking_number: str = ""
    reject_reason: str = ""
    reject_comment: str = ""
    refunded: bool = False
    records: list[ReturnRecord] = field(default_factory=list)
    buyer_keeps_item: bool = False  # refunded without a return (a plain default: older snapshots load)
    # The seller's last partial refund offer ("" when none was made) and whether the buyer rejected
    # it (plain defaults, so older snapshots load).
    partial_refund_amount: str = ""
    buyer_rejected_partial_refund: bool = False
    # The offer was made for a package the seller received back (202606's decision), not instead of
    # the return: the item stays with the seller, and a rejected offer leaves the package to decide.
    partial_refund_after_receipt: bool = False
    # A request the buyer edited is closed and replaced by a new one: each names the other.
    pre_return_id: str = ""
    next_return_id: str = ""
    # Who opened it (a seller creates one on the buyer's behalf), and whether its refund includes
    # the order's shipping fee (a request of the last line items to refund does; plain defaults).
    role: Role = Role.BUYER
    includes_shipping: bool = True
    # The return label a seller gave the buyer (202405 shipping_documents): its carrier, and
    # whether it is a printed label or a QR code ("" when the platform's label is used).
    return_provider_id: str = ""
    return_document_type: str = ""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str = ""  # why not, when not


def new_id(rng: random.Random, taken: dict[str, ReturnRequest]) -> str:
    while True:
        return_id = "4" + str(rng.randrange(10**17, 10**18))
        if return_id not in taken:
            return return_id


def eligibility(
    records: dict[str, ReturnRequest], order: Order, at: datetime, lines: Sequence[str] | None = None
) -> Eligibility:
    """Whether a return or refund of these line items (every one not cancelled, by default) may be
    asked for now, and why not: a line item in a request in progress, or refunded, cannot."""
    if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) or order.delivery_time is None:
        return Eligibility(
            False, f"order {order.id} is {order.status.value}: returns and refunds open once it is delivered"
        )
    if order.locked or at >= order.delivery_time + deadlines.AFTERSALE_WINDOW:
        days = deadlines.AFTERSALE_WINDOW.days
        return Eligibility(False, f"order {order.id} was delivered more than {days} days ago")
    asked = set(unrefunded_lines(records, order) if lines is None else lines)
    if not asked:
        return Eligibility(False, f"every line item of order {order.id} was already cancelled or refunded")
    cancelled = [item.id for item in order.line_items if item.cancel_reason and item.id in asked]
    if cancelled:
        return Eligibility(False, f"line item {cancelled[0]} of order {order.id} was cancelled and refunded")
    for record in records.values():
        if record.order_id != order.id or not asked & set(record.line_item_ids):
            continue
        if record.status in OPEN:
            return Eligibility(
                False, f"order {order.id} already has return {record.id} in progress ({record.status.value})"
            )
        if record.status is ReturnStatus.COMPLETE:
            return Eligibility(False, f"order {order.id} was already refunded by return {record.id}")
    return Eligibility(True)


def of_order(records: dict[str, ReturnRequest], order_id: str) -> ReturnRequest:
    """The order's request in progress (what a buyer's action refers to)."""
    for record in records.values():
        if record.order_id == order_id and record.status in OPEN:
            return record
    raise RuleViolation(
        f"order {order_id} has no return or refund request in progress", code=Code.RETURN_NOT_FOUND
    )


def find(records: dict[str, ReturnRequest], return_id: str) -> ReturnRequest:
    record = records.get(return_id)
    if record is None:
        raise RuleViolation(f"return {return_id} not found in this shop", code=Code.RETURN_NOT_FOUND)
    return record


def _move(record: ReturnRequest, to: ReturnStatus, at: datetime, note: ReturnRecord) -> DomainEvent:
    record.status = to
    record.update_time = at
    record.records.append(note)
    return DomainEvent(
        at,
        "return.status_changed",
        record.order_id,
        {"order_id": record.order_id, "return_id": record.id, "return_status": to.value},
    )


def _refund(record: ReturnRequest, at: datetime, role: Role) -> Outcome:
    record.refunded = True
    record.response_due = None
    note = ReturnRecord(
        at, "REFUND_COMPLETED", f"Refund of {record.refund_total} {record.currency} issued", role
    )
    return Outcome(
        events=[
            _move(record, ReturnStatus.COMPLETE, at, note),
            DomainEvent(
                at,
                "order.refunded",
                record.order_id,
                {"amount": record.refund_total, "currency": record.currency, "reason": "return_refund"},
            ),
        ]
    )


def _not_allowed(record: ReturnRequest, doing: str, allowed: str) -> RuleViolation:
    return RuleViolation(
        f"return {record.id} is {record.status.value}: {doing} only {allowed}",
        code=Code.RETURN_STATUS_NOT_ALLOWED,
    )


def buyer_requests(
    records: dict[str, ReturnRequest],
    order: Order,
    kind: ReturnType,
    reason: str,
    at: datetime,
    rng: random.Random,
) -> tuple[ReturnRequest, Outcome]:
    """The buyer asks for a return or a refund of the whole order; the seller must answer in time."""
    allowed = eligibility(records, order, at)
    if not allowed.eligible:
        raise RuleViolation(allowed.reason, code=Code.ORDER_NOT_ELIGIBLE)
    lines = unrefunded_lines(records, order)
    whole = len(lines) == len(order.line_items)
    refund = order.payment.total_amount if whole else lines_refund(records, order, lines)[0].total
    record = ReturnRequest(
        new_id(rng, records),
        order.id,
        kind,
        ReturnStatus.PENDING,
        reason,
        at,
        at,
        lines,
        order.payment.currency,
        refund,
        response_due=at + deadlines.RETURN_RESPONSE_WINDOW,
        includes_shipping=whole or completes_order(records, order, lines),
    )
    what = "a return and refund" if kind is ReturnType.RETURN_AND_REFUND else "a refund"
    note = ReturnRecord(at, "BUYER_REQUESTED", f"The buyer requested {what}: {reason}", Role.BUYER)
    records[record.id] = record
    event = _move(record, ReturnStatus.PENDING, at, note)
    assert record.response_due is not None
    return record, Outcome(
        events=[event], deadlines=[Deadline(record.response_due, rules.RETURN_AUTO_APPROVED, record.id)]
    )


def _approve(record: ReturnRequest, at: datetime, role: Role) -> Outcome:
    cancel = [(rules.RETURN_AUTO_APPROVED, record.id)]
    who = "The platform" if role is Role.SYSTEM else "The seller"
    if record.status is ReturnStatus.PENDING:
        if record.type is ReturnType.REFUND:
            note = ReturnRecord(at, "REQUEST_APPROVED", f"{who} approved the refund", role)
            record.records.append(note)
            outcome = _refund(record, at, role)
        else:
            record.response_due = None
            note = ReturnRecord(
                at, "REQUEST_APPROVED", f"{who} approved the return: the buyer ships the item back", role
            )
            outcome = Outcome(events=[_move(record, ReturnStatus.AWAITING_BUYER_SHIP, at, note)])
        outcome.cancel += cancel
        return outcome
    if record.status is ReturnStatus.BUYER_SHIPPED:
        note = ReturnRecord(at, "PACKAGE_RECEIVED", f"{who} received the returned package", role)
        record.records.append(note)
        return _refund(record, at, role)
    raise _not_allowed(record, "a seller can approve", "a pending request or a shipped return")


def seller_approves(record: ReturnRequest, at: datetime) -> Outcome:
    """Approve a pending request, or accept the returned package (which refunds the buyer)."""
    return _approve(record, at, Role.SELLER)


def auto_approved(record: ReturnRequest, at: datetime) -> Outcome:
    """The seller did not answer in time: the platform approves the request."""
    if record.status is not ReturnStatus.PENDING:
        return Outcome()
    return _approve(record, at, Role.SYSTEM)


class RejectDecision(StrEnum):
    """What a seller rejects (the 202606 reject takes it), each fitting one kind of request."""

    REJECT_REFUND = "REJECT_REFUND"  # a pending refund-only request
    REJECT_RETURN = "REJECT_RETURN"  # a pending return-and-refund request
    REJECT_RECEIVED_PACKAGE = "REJECT_RECEIVED_PACKAGE"  # a return the buyer has shipped back
    REJECT_REPLACEMENT = "REJECT_REPLACEMENT"  # a replacement request: the sandbox has none
    OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG = "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"


def _decision_for(record: ReturnRequest) -> RejectDecision:
    """The decision that rejects the request in its status (one of REJECT_REASONS' statuses)."""
    if record.status is ReturnStatus.BUYER_SHIPPED:
        return RejectDecision.REJECT_RECEIVED_PACKAGE
    if record.type is ReturnType.REFUND:
        return RejectDecision.REJECT_REFUND
    return RejectDecision.REJECT_RETURN


def _check_decision(record: ReturnRequest, decision: str) -> None:
    fitting = _decision_for(record)
    if decision != fitting:
        raise RuleViolation(
            f"decision {decision} does not fit return {record.id} (a {record.type.value} request, "
            f"{record.status.value}): send {fitting.value}",
            code=Code.RETURN_STATUS_NOT_ALLOWED,
        )


def reject_reasons(record: ReturnRequest) -> tuple[RejectReason, ...]:
    return REJECT_REASONS.get(record.status, ())


def seller_rejects(
    record: ReturnRequest,
    at: datetime,
    reason: str,
    comment: str = "",
    decision: str | None = None,
    partial_refund: PartialRefundOffer | None = None,
) -> Outcome:
    """Refuse a pending request, or refuse the returned package. A ``decision`` (202606) must be
    the one that fits the request: REJECT_REFUND, REJECT_RETURN or REJECT_RECEIVED_PACKAGE; or
    OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG, which offers part of the refund for a package the
    seller received back (``partial_refund``), for the buyer to accept or reject."""
    if decision == RejectDecision.OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG:
        if record.status is not ReturnStatus.BUYER_SHIPPED:
            raise _not_allowed(record, f"{decision} applies", "to a return the buyer has shipped back")
        return offer_partial_refund(record, at, partial_refund, after_receipt=True)
    if record.status not in REJECT_REASONS:
        raise _not_allowed(record, "a seller can reject", "a pending request or a shipped return")
    if decision is not None:
        _check_decision(record, decision)
    names = [r.name for r in REJECT_REASONS[record.status]]
    if reason not in names:
        raise RuleViolation(
            f"reject_reason '{reason}' does not apply to a {record.status.value} return; "
            f"use one of {', '.join(names)} (GET reject_reasons lists them)",
            code=Code.INVALID_REJECT_REASON,
        )
    text = next(r.text for r in REJECT_REASONS[record.status] if r.name == reason)
    record.reject_reason, record.reject_comment, record.response_due = reason, comment, None
    if record.status is ReturnStatus.PENDING:
        note = ReturnRecord(at, "REQUEST_REJECTED", f"The seller rejected the request: {text}", Role.SELLER)
        to = ReturnStatus.REJECTED
    else:
        note = ReturnRecord(
            at, "PACKAGE_REJECTED", f"The seller refused the returned package: {text}", Role.SELLER
        )
        to = ReturnStatus.RECEIPT_REJECTED
    return Outcome(events=[_move(record, to, at, note)], cancel=[(rules.RETURN_AUTO_APPROVED, record.id)])


def buyer_ships(record: ReturnRequest, at: datetime, tracking_number: str) -> Outcome:
    """The buyer sends the item back with a return tracking number."""
    if record.status is not ReturnStatus.AWAITING_BUYER_SHIP:
        raise _not_allowed(record, "a buyer can ship", "an approved return awaiting shipment")
    # A seller's label (202405 shipping_documents) names the parcel: the buyer ships on it.
    tracking_number = record.return_tracking_number or tracking_number
    record.return_tracking_number = tracking_number
    note = ReturnRecord(
        at, "BUYER_SHIPPED_ITEM", f"The buyer shipped the item back (tracking {tracking_number})", Role.BUYER
    )
    return Outcome(events=[_move(record, ReturnStatus.BUYER_SHIPPED, at, note)])


class ReturnDocument(StrEnum):
    """The return shipping document a seller hands the buyer with its own label."""

    SHIPPING_LABEL = "SHIPPING_LABEL"
    QR_CODE = "QR_CODE"


def seller_provides_return_shipping(
    records: Sequence[ReturnRequest],
    tracking_number: str,
    provider_id: str,
    carriers: Sequence[tuple[str, str]],
    document: ReturnDocument | None,
    at: datetime,
) -> Outcome:
    """The seller gives the buyers of approved returns awaiting shipment its own return label: the
    tracking number and carrier (one of the shop's), with the printed label or QR code if sent.
    The returns still wait for the buyer to ship, who ships on that tracking number. Every return
    must take it, or none is changed."""
    if not tracking_number.strip():
        raise RuleViolation("tracking_number is required", code=Code.INVALID_REQUEST)
    if provider_id not in {carrier_id for carrier_id, _ in carriers}:
        known = ", ".join(f"{i} ({n})" for i, n in carriers)
        raise RuleViolation(
            f"return_provider_id {provider_id} is not a provider of this shop: {known}",
            code=Code.RETURN_PROVIDER_NOT_FOUND,
        )
    for record in records:
        if record.status is not ReturnStatus.AWAITING_BUYER_SHIP or not ships_back(record):
            raise _not_allowed(
                record, "return shipping information can be given", "an approved return awaiting shipment"
            )
    for record in records:
        record.return_tracking_number = tracking_number
        record.return_provider_id = provider_id
        record.return_document_type = document.value if document else ""
        record.update_time = at
    return Outcome()


def buyer_edits(
    records: dict[str, ReturnRequest],
    record: ReturnRequest,
    order: Order,
    kind: ReturnType,
    reason: str,
    at: datetime,
    rng: random.Random,
) -> tuple[ReturnRequest, Outcome]:
    """The buyer edits a request the seller has not answered yet (its type or reason): the request
    is closed and a new one opened in its place, each naming the other (``pre_return_id``,
    ``next_return_id``); the seller's response window starts again."""
    if record.status is not ReturnStatus.PENDING:
        raise _not_allowed(record, "a buyer can edit", "a request the seller has not answered")
    others = {k: v for k, v in records.items() if k != record.id}
    allowed = eligibility(others, order, at)
    if not allowed.eligible:
        raise RuleViolation(allowed.reason, code=Code.ORDER_NOT_ELIGIBLE)
    record.response_due = None
    note = ReturnRecord(
        at, "BUYER_EDITED", "The buyer edited the request: it is replaced by a new one", Role.BUYER
    )
    closed = _move(record, ReturnStatus.CANCELLED, at, note)
    replacement, opened = buyer_requests(records, order, kind, reason, at, rng)
    replacement.pre_return_id, record.next_return_id = record.id, replacement.id
    return replacement, Outcome(
        events=[closed, *opened.events],
        deadlines=opened.deadlines,
        cancel=[(rules.RETURN_AUTO_APPROVED, record.id)],
    )


def buyer_cancels(record: ReturnRequest, at: datetime) -> Outcome:
    """The buyer withdraws the request before sending anything back."""
    if record.status not in (
        ReturnStatus.PENDING,
        ReturnStatus.AWAITING_BUYER_SHIP,
        ReturnStatus.AWAITING_BUYER_RESPONSE,
    ):
        raise _not_allowed(record, "a buyer can withdraw", "a request not yet shipped back")
    record.response_due = None
    note = ReturnRecord(at, "BUYER_CANCELLED", "The buyer cancelled the request", Role.BUYER)
    return Outcome(
        events=[_move(record, ReturnStatus.CANCELLED, at, note)],
        cancel=[(rules.RETURN_AUTO_APPROVED, record.id)],
    )


def reasons_for(
    returns: Mapping[str, ReturnRequest], cancellations: Mapping[str, Cancellation], record_id: str
) -> list[RejectReason]:
    """The reasons a seller may give to reject a return or cancellation (every one without an ID)."""
    if not record_id:
        return [r for stage in REJECT_REASONS.values() for r in stage]
    if record_id in returns:
        return list(reject_reasons(returns[record_id]))
    if record_id in cancellations:
        pending = cancellations[record_id].status is CancelStatus.PENDING
        return list(CANCEL_REJECT_REASONS) if pending else []
    raise RuleViolation(f"no return or cancellation {record_id} in this shop", code=Code.RETURN_NOT_FOUND)


# ----- what the 202602 answers say about a request ------------------------------------------------
# The reasons a buyer picks from when asking for a return or refund (the platform's reason list for
# the US and UK markets, shortened). A reason not listed is named after its text.
BUYER_RETURN_REASONS: tuple[str, ...] = (
    "Item not as described",
    "Arrived damaged",
    "Wrong item sent",
    "Missing parts or accessories",
    "Defective or does not work",
    "Wrong size",
    "No longer needed",
)
# Reasons that put the fault on the seller: the buyer shows evidence, and the seller pays the
# return label. Matched on the reason's words.
_SELLER_FAULT_WORDS = ("not as described", "damaged", "broken", "wrong item", "missing", "defective")
# What a prepaid return label costs, by currency (the platform's own label, bought at its rate).
RETURN_LABEL_FEE = {"USD": "6.99", "GBP": "3.49"}


def reason_name(text: str) -> str:
    """A reason's machine-readable name: its text in lower case, words joined by underscores."""
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return "_".join(["return_reason", *words]) if words else "return_reason_other"


def seller_at_fault(reason: str) -> bool:
    """Whether the buyer's reason blames the item or the seller (as opposed to a change of mind)."""
    lowered = reason.lower()
    return any(word in lowered for word in _SELLER_FAULT_WORDS)


class SellerAction(StrEnum):
    RESPOND_REFUND = "SELLER_RESPOND_REFUND"
    RESPOND_RETURN = "SELLER_RESPOND_RETURN"
    RESPOND_RECEIVE_PACKAGE = "SELLER_RESPOND_RECEIVE_PACKAGE"


def seller_next_action(record: ReturnRequest) -> tuple[SellerAction, datetime | None] | None:
    """What the seller must do next about the request, and by when (None when nothing)."""
    if record.status is ReturnStatus.PENDING:
        kind = (
            SellerAction.RESPOND_REFUND if record.type is ReturnType.REFUND else SellerAction.RESPOND_RETURN
        )
        return kind, record.response_due
    if record.status is ReturnStatus.BUYER_SHIPPED:
        return SellerAction.RESPOND_RECEIVE_PACKAGE, None  # no deadline runs on the received package
    return None


def ships_back(record: ReturnRequest) -> bool:
    """Whether the item travels back: a return the seller approved (refund-only requests keep it)."""
    return (
        record.type is ReturnType.RETURN_AND_REFUND
        and not record.buyer_keeps_item
        and any(r.event == "REQUEST_APPROVED" for r in record.records)
    )


class RequestType(StrEnum):
    """What an after-sales request asks for (the aftersale eligibility endpoint's request types)."""

    CANCEL = "CANCEL"
    REFUND = "REFUND"
    RETURN_AND_REFUND = "RETURN_AND_REFUND"


@dataclass(frozen=True)
class RequestEligibility:
    eligible: bool
    reason: str = ""  # why not, when not
    code: int = 0  # the code a request would be refused with, when not
    reason_names: tuple[str, ...] = ()  # the reasons a request may give, when eligible


# The reasons a seller may give when cancelling an order itself ("out of stock" allows cancelling
# single line items on the platform; the sandbox cancels the whole order).
SELLER_CANCEL_REASONS: tuple[str, ...] = (
    "seller_cancel_reason_out_of_stock",
    "seller_cancel_reason_wrong_price",
    "seller_cancel_reason_buyer_request",
    "seller_cancel_reason_address_undeliverable",
)
BUYER_CANCEL_REASONS: tuple[str, ...] = (
    "buyer_cancel_reason_no_longer_needed",
    "buyer_cancel_reason_change_address",
    "buyer_cancel_reason_better_price",
    "buyer_cancel_reason_ordered_by_mistake",
)


def request_eligibility(
    records: dict[str, ReturnRequest], order: Order, at: datetime, by_seller: bool, kind: RequestType
) -> RequestEligibility:
    """Whether the buyer (or the seller, with ``by_seller``) may open a request of ``kind`` on the
    order now: the reasons it may give, or why not and the code a request would be refused with."""
    if kind is RequestType.CANCEL:
        if by_seller:
            if order.status not in BEFORE_SHIPMENT - {OrderStatus.UNPAID}:
                return RequestEligibility(
                    False,
                    f"order {order.id} is {order.status.value}: a seller can cancel only a paid order "
                    "that has not shipped",
                    Code.ORDER_NOT_CANCELLABLE,
                )
            return RequestEligibility(True, reason_names=SELLER_CANCEL_REASONS)
        if order.status not in BEFORE_SHIPMENT:
            return RequestEligibility(
                False,
                f"order {order.id} is {order.status.value}: a buyer can cancel only before shipment",
                Code.ORDER_NOT_CANCELLABLE,
            )
        if order.is_buyer_request_cancel:
            return RequestEligibility(
                False,
                f"order {order.id} already has a pending buyer cancellation request",
                Code.ORDER_NOT_CANCELLABLE,
            )
        return RequestEligibility(True, reason_names=BUYER_CANCEL_REASONS)
    # The buyer asks for a return or refund; the seller may create one on the buyer's behalf
    # (202602 returns), with the same reasons.
    verdict = eligibility(records, order, at)
    if not verdict.eligible:
        return RequestEligibility(False, verdict.reason, Code.ORDER_NOT_ELIGIBLE)
    return RequestEligibility(True, reason_names=return_reason_names(kind))


class Decision(StrEnum):
    """What the seller decides on a return (the approve endpoint's ``decision``)."""

    APPROVE_REFUND = "APPROVE_REFUND"
    APPROVE_RETURN = "APPROVE_RETURN"
    APPROVE_RECEIVED_PACKAGE = "APPROVE_RECEIVED_PACKAGE"
    APPROVE_REPLACEMENT = "APPROVE_REPLACEMENT"
    ISSUE_REPLACEMENT_REFUND = "ISSUE_REPLACEMENT_REFUND"
    OFFER_PARTIAL_REFUND = "OFFER_PARTIAL_REFUND"
    DIRECT_REFUND = "DIRECT_REFUND"


def _returnless_refund(record: ReturnRequest, at: datetime) -> Outcome:
    record.buyer_keeps_item = True
    note = ReturnRecord(
        at, "REQUEST_APPROVED", "The seller refunded without a return: the buyer keeps the item", Role.SELLER
    )
    record.records.append(note)
    outcome = _refund(record, at, Role.SELLER)
    outcome.cancel += [(rules.RETURN_AUTO_APPROVED, record.id)]
    return outcome


@dataclass(frozen=True)
class PartialRefundOffer:
    """The approve body's ``partial_refund``, as sent (checked by ``offer_partial_refund``)."""

    currency: str = ""
    amount: str = ""


def _offered_amount(record: ReturnRequest, offer: PartialRefundOffer | None) -> Decimal:
    """The amount of a partial refund offer: a positive amount in the request's currency, no more
    than the request asks for."""

    def refused(why: str) -> RuleViolation:
        return RuleViolation(f"return {record.id}: {why}", code=Code.INVALID_PARTIAL_REFUND)

    if offer is None or not offer.amount:
        raise refused("OFFER_PARTIAL_REFUND needs partial_refund with its amount and currency")
    if offer.currency != record.currency:
        raise refused(f"partial_refund.currency must be the request's currency, {record.currency}")
    try:
        amount = Decimal(offer.amount)
    except InvalidOperation:
        raise refused(f"partial_refund.amount '{offer.amount}' is not an amount") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise refused(f"partial_refund.amount '{offer.amount}' is not an amount in cents")
    if amount <= 0:
        raise refused("partial_refund.amount must be greater than 0")
    amount = amount.quantize(Decimal("0.01"))
    if amount > Decimal(record.refund_total):
        raise refused(
            f"partial_refund.amount {offer.amount} is above the request's refund of "
            f"{record.refund_total} {record.currency}"
        )
    return amount


def offer_partial_refund(
    record: ReturnRequest, at: datetime, offer: PartialRefundOffer | None, after_receipt: bool = False
) -> Outcome:
    """The seller offers part of the refund: instead of the return (the buyer keeping the item), or
    for the package the seller received back (``after_receipt``). The request waits for the
    buyer's answer (no deadline of the seller's runs meanwhile)."""
    if not after_receipt and record.status is not ReturnStatus.PENDING:
        raise _not_allowed(record, "OFFER_PARTIAL_REFUND applies", "to a pending request")
    amount = _offered_amount(record, offer)
    record.partial_refund_amount = f"{amount:.2f}"
    record.buyer_rejected_partial_refund = False
    record.partial_refund_after_receipt = after_receipt
    record.response_due = None
    keeping = "for the package received back" if after_receipt else "the buyer keeps the item"
    note = ReturnRecord(
        at,
        "PARTIAL_REFUND_OFFERED",
        f"The seller offered a partial refund of {record.partial_refund_amount} {record.currency}: {keeping}",
        Role.SELLER,
    )
    return Outcome(
        events=[_move(record, ReturnStatus.AWAITING_BUYER_RESPONSE, at, note)],
        cancel=[(rules.RETURN_AUTO_APPROVED, record.id)],
    )


def _awaiting_buyer(record: ReturnRequest, doing: str) -> None:
    if record.status is not ReturnStatus.AWAITING_BUYER_RESPONSE:
        raise _not_allowed(record, f"a buyer can {doing}", "a partial refund the seller offered")


def buyer_accepts_partial_refund(record: ReturnRequest, at: datetime) -> Outcome:
    """The buyer takes the seller's offer: refunded that amount, keeping the item."""
    _awaiting_buyer(record, "accept")
    record.refund_total = record.partial_refund_amount
    record.buyer_keeps_item = not record.partial_refund_after_receipt  # else the seller has it back
    note = ReturnRecord(
        at,
        "BUYER_ACCEPTED_PARTIAL_REFUND",
        f"The buyer accepted the partial refund of {record.partial_refund_amount} {record.currency}",
        Role.BUYER,
    )
    record.records.append(note)
    return _refund(record, at, Role.BUYER)


def buyer_rejects_partial_refund(record: ReturnRequest, at: datetime) -> Outcome:
    """The buyer turns the offer down: the request is the seller's to decide again, in a new
    response window (unanswered, the platform approves it as asked)."""
    _awaiting_buyer(record, "reject")
    record.buyer_rejected_partial_refund = True
    note = ReturnRecord(
        at,
        "BUYER_REJECTED_PARTIAL_REFUND",
        f"The buyer rejected the partial refund of {record.partial_refund_amount} {record.currency}",
        Role.BUYER,
    )
    if record.partial_refund_after_receipt:  # the received package is the seller's to decide again
        return Outcome(events=[_move(record, ReturnStatus.BUYER_SHIPPED, at, note)])
    record.response_due = at + deadlines.RETURN_RESPONSE_WINDOW
    return Outcome(
        events=[_move(record, ReturnStatus.PENDING, at, note)],
        deadlines=[Deadline(record.response_due, rules.RETURN_AUTO_APPROVED, record.id)],
    )


def seller_decides(
    record: ReturnRequest,
    at: datetime,
    decision: Decision | None,
    buyer_keep_item: bool = False,
    partial_refund: PartialRefundOffer | None = None,
) -> Outcome:
    """The seller's decision, checked against the request: approving the refund of a refund-only
    request, the return of a return (or refunding it at once, the buyer keeping the item), the
    package sent back. Without a decision, the one the request's status calls for."""
    pending = record.status is ReturnStatus.PENDING
    is_return = record.type is ReturnType.RETURN_AND_REFUND
    if decision is None:
        return seller_approves(record, at)
    if decision is Decision.APPROVE_REFUND:
        if not (pending and not is_return):
            raise _not_allowed(record, "APPROVE_REFUND applies", "to a pending refund-only request")
        return seller_approves(record, at)
    if decision is Decision.APPROVE_RETURN:
        if not (pending and is_return):
            raise _not_allowed(record, "APPROVE_RETURN applies", "to a pending return request")
        return _returnless_refund(record, at) if buyer_keep_item else seller_approves(record, at)
    if decision is Decision.APPROVE_RECEIVED_PACKAGE:
        if record.status is not ReturnStatus.BUYER_SHIPPED:
            raise _not_allowed(record, "APPROVE_RECEIVED_PACKAGE applies", "to a return shipped back")
        return seller_approves(record, at)
    if decision is Decision.DIRECT_REFUND:
        if not (is_return and record.status in (ReturnStatus.PENDING, ReturnStatus.AWAITING_BUYER_SHIP)):
            raise _not_allowed(record, "DIRECT_REFUND applies", "to a return not yet shipped back")
        return _returnless_refund(record, at)
    if decision is Decision.OFFER_PARTIAL_REFUND:
        return offer_partial_refund(record, at, partial_refund)
    raise _not_allowed(
        record, f"{decision.value} applies", "to replacement requests, which buyers here do not open"
    )


# ----- requests of some line items ----------------------------------------------------------------
# A request may name some of the order's line items (`order_line_item_ids`, `order_line_list` or
# `skus`; all of them when it names none). Each line item is refunded once: by a cancellation (a
# package of a split order that came back, say) or by a completed return; it can be in one request
# in progress at a time. A request refunds each line item's share of the order (its sale price's
# share of the subtotal and of the tax); the order's shipping fee comes with the request that
# leaves nothing of it to deliver (`refunds.of_lines`).
REFUNDED_STATUSES = frozenset({ReturnStatus.COMPLETE})


def live_lines(order: Order) -> list[str]:
    """The order's line items not cancelled (those a request names when it names none)."""
    return [item.id for item in order.line_items if not item.cancel_reason]


def unrefunded_lines(records: Mapping[str, ReturnRequest], order: Order) -> list[str]:
    """The order's line items neither cancelled nor refunded (those a request names by default)."""
    done = refunded_lines(records, order)
    return [item.id for item in order.line_items if item.id not in done]


def refunded_lines(records: Mapping[str, ReturnRequest], order: Order) -> set[str]:
    """The order's line items already given back: cancelled, or refunded by a completed return."""
    done = {item.id for item in order.line_items if item.cancel_reason}
    for record in records.values():
        if record.order_id == order.id and record.status in REFUNDED_STATUSES and record.refunded:
            done.update(record.line_item_ids)
    return done


def completes_order(records: Mapping[str, ReturnRequest], order: Order, lines: Sequence[str]) -> bool:
    """Whether refunding ``lines`` leaves nothing of the order unrefunded (the shipping fee then
    comes with them)."""
    return refunded_lines(records, order) | set(lines) >= {item.id for item in order.line_items}


def lines_refund(
    records: Mapping[str, ReturnRequest], order: Order, lines: Sequence[str]
) -> tuple[refunds.RefundAmount, dict[str, refunds.RefundAmount]]:
    """What refunding ``lines`` now gives back, and each line item's share."""
    if order.paid_time is None:
        nothing = refunds.nothing(order.payment.currency)
        return nothing, {line: nothing for line in lines}
    return refunds.of_lines(order.payment, order.line_items, lines, completes_order(records, order, lines))


# What a request names: line item IDs, order lines (line item, bundle part) and SKUs (ID, quantity).
NamedLines = tuple[Sequence[str], Sequence[tuple[str, str]], Sequence[tuple[str, int]]]


def named_lines(
    order: Order,
    line_item_ids: Sequence[str] = (),
    order_lines: Sequence[tuple[str, str]] = (),
    skus: Sequence[tuple[str, int]] = (),
) -> list[str] | None:
    """The line items a request names (None when it names none): by ID, by order line (a
    bundle's part names its whole line: the sandbox returns whole bundles) or by SKU and quantity
    (one line item a unit, those not cancelled first). Not both IDs and order lines; each must be
    the order's."""
    if line_item_ids and order_lines:
        raise RuleViolation("send order_line_item_ids or order_line_list, not both")
    named = list(line_item_ids) + [line for line, _ in order_lines]
    known = {item.id: item for item in order.line_items}
    foreign = sorted({line for line in named if line not in known})
    if foreign:
        raise RuleViolation(
            f"line items not in order {order.id}: {', '.join(foreign)}", code=Code.LINE_ITEM_NOT_IN_ORDER
        )
    for line, sub in order_lines:
        parts = range(len(order_details.bundle_parts(known[line])))
        if sub and sub not in {order_details.sub_item_id(known[line], n) for n in parts}:
            raise RuleViolation(
                f"sub_order_line_item_id {sub} is not a part of line item {line}",
                code=Code.LINE_ITEM_NOT_IN_ORDER,
            )
    for sku_id, quantity in skus:
        units = sorted(
            (item for item in order.line_items if item.sku_id == sku_id), key=lambda i: bool(i.cancel_reason)
        )
        if quantity > len(units):
            raise RuleViolation(
                f"order {order.id} has {len(units)} unit(s) of SKU {sku_id}, not {quantity}",
                code=Code.LINE_ITEM_NOT_IN_ORDER,
            )
        named += [item.id for item in units[:quantity]]
    if not named:
        return None
    return list(dict.fromkeys(line for line in (item.id for item in order.line_items) if line in named))


def check_refundable(records: Mapping[str, ReturnRequest], order: Order, lines: Sequence[str]) -> None:
    """No line item refunded twice, nor in two requests at once."""
    done = refunded_lines(records, order)
    again = [line for line in lines if line in done]
    if again:
        raise RuleViolation(
            f"line item {again[0]} of order {order.id} was already cancelled or refunded",
            code=Code.LINE_ITEM_ALREADY_REFUNDED,
        )
    for record in records.values():
        if record.order_id == order.id and record.status in OPEN and set(lines) & set(record.line_item_ids):
            raise RuleViolation(
                f"order {order.id} already has return {record.id} in progress for these line items "
                f"({record.status.value})",
                code=Code.ORDER_NOT_ELIGIBLE,
            )


def return_reason_names(kind: ReturnType | RequestType) -> tuple[str, ...]:
    """The reason names a return or refund request may give (a refund without return is for
    what cannot be sent back)."""
    if kind == RequestType.REFUND:
        return tuple(reason_name(t) for t in BUYER_RETURN_REASONS if seller_at_fault(t))
    return tuple(reason_name(text) for text in BUYER_RETURN_REASONS)


def reason_of_name(name: str, kind: ReturnType | RequestType) -> str:
    """The reason text of a reason name the request may give (INVALID_AFTERSALES_REASON otherwise)."""
    names = return_reason_names(kind)
    if name not in names:
        raise RuleViolation(
            f"reason '{name}' does not apply to a {kind.value} request; use one of {', '.join(names)} "
            "(GET aftersale_eligibility lists them)",
            code=Code.INVALID_AFTERSALES_REASON,
        )
    return next(text for text in BUYER_RETURN_REASONS if reason_name(text) == name)


def check_window(order: Order, at: datetime) -> None:
    """A return or refund opens once the order is delivered, for the after-sales window."""
    if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) or order.delivery_time is None:
        raise RuleViolation(
            f"order {order.id} is {order.status.value}: returns and refunds open once it is delivered",
            code=Code.ORDER_NOT_ELIGIBLE,
        )
    if order.locked or at >= order.delivery_time + deadlines.AFTERSALE_WINDOW:
        days = deadlines.AFTERSALE_WINDOW.days
        raise RuleViolation(
            f"order {order.id} was delivered more than {days} days ago", code=Code.ORDER_NOT_ELIGIBLE
        )


def _requested_total(order: Order, computed: refunds.RefundAmount, refund_total: str, currency: str) -> str:
    """The refund a seller sets (``refund_total``), no more than the line items' refundable amount."""
    if not refund_total:
        return computed.total

    def refused(why: str) -> RuleViolation:
        return RuleViolation(f"order {order.id}: {why}", code=Code.INVALID_PARTIAL_REFUND)

    if currency != order.payment.currency:
        raise refused(f"currency must be the order's, {order.payment.currency}, with refund_total")
    try:
        amount = Decimal(refund_total)
    except InvalidOperation:
        raise refused(f"refund_total '{refund_total}' is not an amount") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or amount < 0:
        raise refused(f"refund_total '{refund_total}' is not an amount in cents")
    if amount > Decimal(computed.total):
        raise refused(
            f"refund_total {refund_total} is above the refundable {computed.total} {computed.currency} "
            "of these line items"
        )
    return f"{amount:.2f}"


def seller_creates(
    records: dict[str, ReturnRequest],
    order: Order,
    kind: ReturnType,
    reason: str,
    lines: Sequence[str] | None,
    at: datetime,
    rng: random.Random,
    refund_total: str = "",
    currency: str = "",
) -> tuple[ReturnRequest, Outcome]:
    """The seller opens a request on the buyer's behalf, for some line items (every one not yet
    refunded when it names none), already approved: a refund is issued at once, a return waits
    for the buyer to send the items back. ``refund_total`` may lower the refund, never raise it."""
    check_window(order, at)
    text = reason_of_name(reason, kind)
    chosen = list(lines) if lines is not None else unrefunded_lines(records, order)
    if not chosen:
        raise RuleViolation(
            f"every line item of order {order.id} was already refunded", code=Code.LINE_ITEM_ALREADY_REFUNDED
        )
    check_refundable(records, order, chosen)
    computed, _ = lines_refund(records, order, chosen)
    total = _requested_total(order, computed, refund_total, currency)
    record = ReturnRequest(
        new_id(rng, records),
        order.id,
        kind,
        ReturnStatus.PENDING,
        text,
        at,
        at,
        chosen,
        order.payment.currency,
        total,
        role=Role.SELLER,
        includes_shipping=completes_order(records, order, chosen),
    )
    records[record.id] = record
    what = "a return and refund" if kind is ReturnType.RETURN_AND_REFUND else "a refund"
    opened = _move(
        record,
        ReturnStatus.PENDING,
        at,
        ReturnRecord(at, "SELLER_CREATED", f"The seller created {what} for the buyer: {text}", Role.SELLER),
    )
    if kind is ReturnType.REFUND:
        record.records.append(
            ReturnRecord(at, "REQUEST_APPROVED", "The seller refunded the buyer", Role.SELLER)
        )
        return record, Outcome(events=[opened]).extend(_refund(record, at, Role.SELLER))
    note = ReturnRecord(
        at, "REQUEST_APPROVED", "The seller approved the return: the buyer ships the item back", Role.SELLER
    )
    return record, Outcome(events=[opened, _move(record, ReturnStatus.AWAITING_BUYER_SHIP, at, note)])


def calculate(
    records: Mapping[str, ReturnRequest],
    order: Order,
    kind: RequestType,
    reason: str,
    lines: Sequence[str] | None,
    at: datetime,
) -> tuple[refunds.RefundAmount, dict[str, refunds.RefundAmount]]:
    """What a cancellation, refund or return of these line items (every one not yet refunded
    when none is named) would give back now: the request must be possible (a cancellation before
    shipment, a return or refund once delivered, within the window) and its reason one it may
    give. The sandbox's policy is the same for every request type: nothing is deducted for the
    return's shipping, which the seller or the platform pays."""
    if kind is RequestType.CANCEL:
        if order.status not in BEFORE_SHIPMENT:
            raise RuleViolation(
                f"order {order.id} is {order.status.value}: only an order not yet shipped can be cancelled",
                code=Code.ORDER_NOT_CANCELLABLE,
            )
        if reason not in SELLER_CANCEL_REASONS + BUYER_CANCEL_REASONS:
            raise RuleViolation(
                f"reason '{reason}' is not a cancel reason; use one of "
                f"{', '.join(SELLER_CANCEL_REASONS + BUYER_CANCEL_REASONS)}",
                code=Code.INVALID_AFTERSALES_REASON,
            )
    else:
        check_window(order, at)
        reason_of_name(reason, kind)
    chosen = list(lines) if lines is not None else unrefunded_lines(records, order)
    if not chosen:
        raise RuleViolation(
            f"every line item of order {order.id} was already refunded", code=Code.LINE_ITEM_ALREADY_REFUNDED
        )
    check_refundable(records, order, chosen)
    return lines_refund(records, order, chosen)


# ----- the decisions a request allows (202601 decision_eligibility) -------------------------------
SELLER_DECISIONS: tuple[str, ...] = (
    "APPROVE_REQUEST_CANCEL",
    "APPROVE_REFUND",
    "APPROVE_RETURN",
    "APPROVE_RECEIVED_PACKAGE",
    "APPROVE_REPLACEMENT",
    "ISSUE_REPLACEMENT_REFUND",
    "DIRECT_REFUND",
    "REJECT_REQUEST_CANCEL",
    "REJECT_REFUND",
    "REJECT_RETURN",
    "REJECT_RECEIVED_PACKAGE",
    "REJECT_REPLACEMENT",
    "ISSUE_EXCHANGE_REFUND",
)
# 202606 also weighs the partial refund offers.
REVIEW_DECISIONS: tuple[str, ...] = (
    *SELLER_DECISIONS,
    "OFFER_PARTIAL_REFUND",
    "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
)


@dataclass(frozen=True)
class DecisionVerdict:
    decision: str
    eligible: bool
    code: int = 0  # why not, when not
    reason: str = ""
    reject_reasons: tuple[RejectReason, ...] = ()


def _return_decision(record: ReturnRequest, decision: str) -> str:
    """Why the seller cannot take ``decision`` on the return now ("" when it can): the same
    rules `seller_decides` and `seller_rejects` apply."""
    pending, shipped = record.status is ReturnStatus.PENDING, record.status is ReturnStatus.BUYER_SHIPPED
    is_return = record.type is ReturnType.RETURN_AND_REFUND
    fits = {
        "APPROVE_REFUND": (pending and not is_return, "a pending refund-only request"),
        "REJECT_REFUND": (pending and not is_return, "a pending refund-only request"),
        "APPROVE_RETURN": (pending and is_return, "a pending return request"),
        "REJECT_RETURN": (pending and is_return, "a pending return request"),
        "APPROVE_RECEIVED_PACKAGE": (shipped, "a return shipped back"),
        "REJECT_RECEIVED_PACKAGE": (shipped, "a return shipped back"),
        "DIRECT_REFUND": (
            is_return and record.status in (ReturnStatus.PENDING, ReturnStatus.AWAITING_BUYER_SHIP),
            "a return not yet shipped back",
        ),
        "OFFER_PARTIAL_REFUND": (pending, "a pending request"),
        "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG": (shipped, "a return shipped back"),
    }
    if decision not in fits:
        return (
            f"{decision} applies to replacement, exchange or cancellation requests; {record.id} is a return"
        )
    ok, applies_to = fits[decision]
    return (
        "" if ok else f"return {record.id} is {record.status.value}: {decision} applies only to {applies_to}"
    )


def decision_verdicts(
    returns: Mapping[str, ReturnRequest],
    cancellations: Mapping[str, Cancellation],
    record_id: str,
    decisions: Sequence[str],
) -> list[DecisionVerdict]:
    """Per decision, whether the seller may take it on the return or cancellation now, why not,
    and the reasons an eligible rejection may give."""
    found: list[DecisionVerdict] = []
    if record_id in returns:
        record = returns[record_id]
        for decision in decisions:
            why = _return_decision(record, decision)
            if why:
                found.append(DecisionVerdict(decision, False, Code.RETURN_STATUS_NOT_ALLOWED, why))
            else:
                reasons = reject_reasons(record) if decision.startswith("REJECT_") else ()
                found.append(DecisionVerdict(decision, True, reject_reasons=reasons))
        return found
    if record_id in cancellations:
        cancel = cancellations[record_id]
        for decision in decisions:
            if decision not in ("APPROVE_REQUEST_CANCEL", "REJECT_REQUEST_CANCEL"):
                why = f"{decision} applies to returns and refunds; {record_id} is a cancellation"
                found.append(DecisionVerdict(decision, False, Code.CANCELLATION_NOT_PENDING, why))
            elif cancel.status is not CancelStatus.PENDING:
                why = f"cancellation {record_id} is {cancel.status.value}: only a pending one can be answered"
                found.append(DecisionVerdict(decision, False, Code.CANCELLATION_NOT_PENDING, why))
            else:
                reasons = CANCEL_REJECT_REASONS if decision == "REJECT_REQUEST_CANCEL" else ()
                found.append(DecisionVerdict(decision, True, reject_reasons=reasons))
        return found
    raise RuleViolation(f"no return or cancellation {record_id} in this shop", code=Code.RETURN_NOT_FOUND)
