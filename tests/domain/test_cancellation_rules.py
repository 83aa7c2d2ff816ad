"""Buyer cancellation requests: "Requested cancellation: orders canceled by users need to be reviewed
by sellers in a timely manner"; unanswered for 48 hours, the platform approves
(sandbox/domain/orders.py buyer_cancels, buyer_cancel_auto_approved; cancellations.py)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from domain_builders import PAID, awaiting_shipment, kinds, new_order, only, shipped_order

from sandbox.domain import cancellations, orders
from sandbox.domain.cancellations import CancelStatus
from sandbox.domain.codes import Code
from sandbox.domain.events import DomainEvent, RuleViolation
from sandbox.domain.orders import CancellationInitiator, OrderStatus

ASKED = PAID + timedelta(hours=6)
DUE = ASKED + timedelta(hours=48)


def _requested():
    order = awaiting_shipment()
    outcome = orders.buyer_cancels(order, ASKED, "Found a better price elsewhere")
    return order, outcome


def test_a_buyer_cancellation_request_waits_48_hours_for_the_seller():
    order, outcome = _requested()

    event = only(outcome, "order.buyer_cancel_requested")
    assert event.data == {"reason": "Found a better price elsewhere"}
    assert [(d.rule, d.due, d.subject) for d in outcome.deadlines] == [
        ("buyer_cancel_auto_approved", ASKED + timedelta(hours=48), order.id)
    ]
    assert order.cancel_order_sla_time == DUE
    assert order.is_buyer_request_cancel
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_unanswered_the_platform_approves_the_request():
    order, _ = _requested()
    outcome = orders.buyer_cancel_auto_approved(order, DUE)

    assert only(outcome, "order.status_changed").data == {"from": "AWAITING_SHIPMENT", "to": "CANCELLED"}
    assert order.cancellation_initiator is CancellationInitiator.BUYER
    assert order.cancel_reason == "Found a better price elsewhere"
    assert order.cancel_time == DUE
    assert order.refund_time is None  # not a SYSTEM cancellation


def test_one_request_at_a_time():
    order, _ = _requested()

    with pytest.raises(RuleViolation):
        orders.buyer_cancels(order, ASKED + timedelta(hours=1))


def test_the_seller_rejecting_the_request_stops_the_auto_approval():
    order, _ = _requested()
    outcome = cancellations.seller_rejects(
        order, ASKED + timedelta(hours=3), "seller_reject_cancel_already_packed"
    )

    assert only(outcome, "order.buyer_cancel_rejected").data == {
        "reject_reason": "seller_reject_cancel_already_packed"
    }
    assert outcome.cancel == [("buyer_cancel_auto_approved", order.id)]
    assert not order.is_buyer_request_cancel
    assert order.cancel_order_sla_time is None
    assert kinds(orders.buyer_cancel_auto_approved(order, DUE)) == []
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_the_seller_approving_the_request_cancels_the_order_now():
    order, _ = _requested()
    at = ASKED + timedelta(hours=1)
    outcome = cancellations.seller_approves(order, at)

    assert order.status is OrderStatus.CANCELLED
    assert order.cancel_time == at
    assert ("buyer_cancel_auto_approved", order.id) in outcome.cancel


def test_an_order_shipped_meanwhile_is_not_auto_approved():
    order, _ = _requested()
    order.status = OrderStatus.AWAITING_COLLECTION

    assert kinds(orders.buyer_cancel_auto_approved(order, DUE)) == []
    assert order.status is OrderStatus.AWAITING_COLLECTION


def test_a_buyer_cannot_cancel_after_shipment():
    shipped = shipped_order()

    with pytest.raises(RuleViolation):
        orders.buyer_cancels(shipped.order, ASKED)


def test_a_seller_cancels_only_a_paid_order_not_yet_shipped():
    order = awaiting_shipment()
    outcome = cancellations.seller_cancels(order, ASKED, "Out of stock")
    assert order.cancellation_initiator is CancellationInitiator.SELLER
    assert only(outcome, "order.status_changed").data["to"] == "CANCELLED"

    shipped = shipped_order()
    with pytest.raises(RuleViolation) as refused:
        cancellations.seller_cancels(shipped.order, ASKED, "Out of stock")
    assert refused.value.code == Code.ORDER_NOT_CANCELLABLE


def test_the_cancellation_record_follows_the_request():
    order, requested = _requested()
    records: dict[str, cancellations.Cancellation] = {}
    open_by_order: dict[str, cancellations.Cancellation] = {}
    rng = random.Random(7)
    for event in requested.events:
        cancellations.follow(records, order, event, rng, open_by_order, {})
    (record,) = records.values()
    assert (record.status, record.response_due) == (CancelStatus.PENDING, DUE)

    for event in orders.buyer_cancel_auto_approved(order, DUE).events:
        cancellations.follow(records, order, event, rng, open_by_order, {})
    assert (record.status, record.update_time) == (CancelStatus.COMPLETE, DUE)
    assert open_by_order == {}


def test_an_order_cancelled_after_some_of_its_line_items_is_recorded_for_the_rest_only():
    order = new_order(items=3)
    first, *rest = (item.id for item in order.line_items)
    records: dict[str, cancellations.Cancellation] = {}
    lines_by_order: dict[str, set[str]] = {}
    rng = random.Random(7)
    lines_cancelled = DomainEvent(
        PAID, "order.lines_cancelled", order.id, {"line_item_ids": first, "amount": "6.87"}
    )
    cancellations.follow(records, order, lines_cancelled, rng, {}, lines_by_order)
    assert lines_by_order == {order.id: {first}}

    cancelled = DomainEvent(PAID, "order.status_changed", order.id, {"to": "CANCELLED"})
    cancellations.follow(records, order, cancelled, rng, {}, lines_by_order)
    assert sorted(r.line_item_ids or [] for r in records.values()) == sorted([[first], rest])
    # The index the world keeps is the one its records give when a snapshot is loaded.
    assert lines_by_order == cancellations.lines_cancelled_by_order(records)
