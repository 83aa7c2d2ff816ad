"""Returns and refunds: "Return/refund requested: orders for which users request returns or refunds
need to be reviewed in a timely manner"; unanswered for 48 hours, the platform approves; the buyer may
ask until the completed order locks (sandbox/domain/aftersales.py)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from domain_builders import CURRENCY, SHIPPED_AT, TOTAL, awaiting_shipment, kinds, only, shipped_order

from sandbox.domain import aftersales, fulfillment
from sandbox.domain.aftersales import ReturnStatus, ReturnType
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import OrderStatus

DELIVERED = SHIPPED_AT + timedelta(days=3)
ASKED = DELIVERED + timedelta(days=2)
SECOND = timedelta(seconds=1)


def _delivered():
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    fulfillment.deliver(shipped.order, shipped.package, DELIVERED, DELIVERED)
    return shipped.order


def _requested(kind: ReturnType = ReturnType.REFUND):
    order = _delivered()
    records: dict[str, aftersales.ReturnRequest] = {}
    record, outcome = aftersales.buyer_requests(
        records, order, kind, "Damaged in transit", ASKED, random.Random(3)
    )
    return order, records, record, outcome


def test_a_return_or_refund_request_waits_48_hours_for_the_seller():
    order, records, record, outcome = _requested()

    assert record.status is ReturnStatus.PENDING
    assert record.response_due == ASKED + timedelta(hours=48)
    assert (record.refund_total, record.currency) == (TOTAL, CURRENCY)
    assert only(outcome, "return.status_changed").data == {
        "order_id": order.id,
        "return_id": record.id,
        "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
    }
    assert [(d.rule, d.due, d.subject) for d in outcome.deadlines] == [
        ("return_auto_approved", ASKED + timedelta(hours=48), record.id)
    ]
    assert aftersales.awaiting_seller(records) == {order.id: 1}


def test_unanswered_the_platform_approves_and_refunds_a_refund_only_request():
    _, _, record, _ = _requested(ReturnType.REFUND)
    outcome = aftersales.auto_approved(record, ASKED + timedelta(hours=48))

    assert record.status is ReturnStatus.COMPLETE
    assert record.refunded
    assert only(outcome, "order.refunded").data == {
        "amount": TOTAL,
        "currency": CURRENCY,
        "reason": "return_refund",
    }
    assert ("return_auto_approved", record.id) in outcome.cancel
    assert [r.role for r in record.records][-2:] == [aftersales.Role.SYSTEM, aftersales.Role.SYSTEM]


def test_an_approved_return_waits_for_the_buyer_to_ship_then_the_seller_accepts_it():
    _, records, record, _ = _requested(ReturnType.RETURN_AND_REFUND)
    aftersales.auto_approved(record, ASKED + timedelta(hours=48))
    assert record.status is ReturnStatus.AWAITING_BUYER_SHIP
    assert not record.refunded

    aftersales.buyer_ships(record, ASKED + timedelta(days=3), "RET123")
    assert record.status is ReturnStatus.BUYER_SHIPPED
    assert aftersales.awaiting_seller(records) == {record.order_id: 1}
    outcome = aftersales.seller_approves(record, ASKED + timedelta(days=5))
    assert record.status is ReturnStatus.COMPLETE
    assert "order.refunded" in kinds(outcome)


def test_the_auto_approval_does_nothing_once_the_seller_answered():
    _, _, record, _ = _requested()
    outcome = aftersales.seller_rejects(
        record, ASKED + timedelta(hours=5), "seller_reject_request_no_evidence"
    )

    assert record.status is ReturnStatus.REJECTED
    assert outcome.cancel == [("return_auto_approved", record.id)]
    assert kinds(aftersales.auto_approved(record, ASKED + timedelta(hours=48))) == []


def test_the_seller_rejects_only_with_a_reason_that_fits_the_status():
    _, _, record, _ = _requested()

    with pytest.raises(RuleViolation) as refused:
        aftersales.seller_rejects(record, ASKED, "seller_reject_receive_wrong_item")
    assert refused.value.code == Code.INVALID_REJECT_REASON
    assert record.status is ReturnStatus.PENDING


@pytest.mark.parametrize(
    ("kind", "fits", "misfits"),
    [
        (ReturnType.REFUND, "REJECT_REFUND", "REJECT_RETURN"),
        (ReturnType.RETURN_AND_REFUND, "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE"),
    ],
)
def test_a_decision_rejects_only_the_request_it_names(kind, fits, misfits):
    _, _, record, _ = _requested(kind)
    reason = aftersales.reject_reasons(record)[0].name
    for decision in (misfits, "REJECT_REPLACEMENT"):
        with pytest.raises(RuleViolation) as refused:
            aftersales.seller_rejects(record, ASKED, reason, decision=decision)
        assert refused.value.code == Code.RETURN_STATUS_NOT_ALLOWED and fits in refused.value.message
    with pytest.raises(RuleViolation) as partial:
        aftersales.seller_rejects(record, ASKED, reason, decision="OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG")
    # A partial refund for the package received back: nothing has been received yet.
    assert partial.value.code == Code.RETURN_STATUS_NOT_ALLOWED and "shipped back" in partial.value.message
    assert record.status is ReturnStatus.PENDING

    aftersales.seller_rejects(record, ASKED, reason, decision=fits)
    assert record.status is ReturnStatus.REJECTED


def test_a_shipped_return_is_refused_with_the_received_package_decision():
    _, _, record, _ = _requested(ReturnType.RETURN_AND_REFUND)
    aftersales.seller_approves(record, ASKED)
    aftersales.buyer_ships(record, ASKED + timedelta(days=1), "RET-1")
    reason = aftersales.reject_reasons(record)[0].name
    with pytest.raises(RuleViolation) as refused:
        aftersales.seller_rejects(record, ASKED + timedelta(days=2), reason, decision="REJECT_RETURN")
    assert "REJECT_RECEIVED_PACKAGE" in refused.value.message

    aftersales.seller_rejects(record, ASKED + timedelta(days=2), reason, decision="REJECT_RECEIVED_PACKAGE")
    assert record.status is ReturnStatus.RECEIPT_REJECTED


def test_a_partial_refund_for_the_package_received_back_keeps_the_item_with_the_seller():
    _, _, record, _ = _requested(ReturnType.RETURN_AND_REFUND)
    aftersales.seller_approves(record, ASKED)
    aftersales.buyer_ships(record, ASKED + timedelta(days=1), "RET-1")
    reason = aftersales.reject_reasons(record)[0].name
    offer = aftersales.PartialRefundOffer(CURRENCY, "2.00")
    decision = "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"
    at = ASKED + timedelta(days=2)

    aftersales.seller_rejects(record, at, reason, decision=decision, partial_refund=offer)
    assert record.status is ReturnStatus.AWAITING_BUYER_RESPONSE
    aftersales.buyer_rejects_partial_refund(record, at)
    assert record.status is ReturnStatus.BUYER_SHIPPED  # the received package, the seller's again
    assert record.response_due is None and record.buyer_rejected_partial_refund

    aftersales.seller_rejects(record, at, reason, decision=decision, partial_refund=offer)
    refunded = aftersales.buyer_accepts_partial_refund(record, at)
    assert record.refund_total == "2.00" and not record.buyer_keeps_item
    assert kinds(refunded) == ["return.status_changed", "order.refunded"]
    assert refunded.events[-1].data["amount"] == "2.00"


def test_returns_open_once_the_order_is_delivered_and_close_when_it_locks():
    order = _delivered()
    window_ends = DELIVERED + timedelta(days=7) + timedelta(days=14)

    assert aftersales.eligibility({}, order, window_ends - SECOND).eligible
    too_late = aftersales.eligibility({}, order, window_ends)
    assert not too_late.eligible
    assert "more than 21 days ago" in too_late.reason
    assert not aftersales.eligibility({}, awaiting_shipment(), ASKED).eligible


def test_one_request_in_progress_per_order_and_none_after_a_refund():
    order, records, record, _ = _requested()

    with pytest.raises(RuleViolation) as in_progress:
        aftersales.buyer_requests(records, order, ReturnType.REFUND, "Again", ASKED, random.Random(4))
    assert in_progress.value.code == Code.ORDER_NOT_ELIGIBLE
    aftersales.seller_approves(record, ASKED + timedelta(hours=1))
    assert not aftersales.eligibility(records, order, ASKED + timedelta(hours=2)).eligible


def test_the_buyer_withdraws_the_request_only_before_shipping_the_item_back():
    _, _, record, _ = _requested(ReturnType.RETURN_AND_REFUND)
    aftersales.seller_approves(record, ASKED + timedelta(hours=1))
    aftersales.buyer_ships(record, ASKED + timedelta(days=1), "RET123")

    with pytest.raises(RuleViolation) as refused:
        aftersales.buyer_cancels(record, ASKED + timedelta(days=2))
    assert refused.value.code == Code.RETURN_STATUS_NOT_ALLOWED

    _, _, pending, _ = _requested()
    outcome = aftersales.buyer_cancels(pending, ASKED + timedelta(hours=1))
    assert pending.status is ReturnStatus.CANCELLED
    assert outcome.cancel == [("return_auto_approved", pending.id)]
