"""The remorse window: "Processing: orders that can be flexibly canceled one hour after the buyers'
payment. Order status will be updated to 'Pending Shipping' after one hour" (sandbox/domain/orders.py
pay, remorse_window_ends, buyer_cancels)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import PAID, kinds, new_order, only

from sandbox.domain import orders
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import CancellationInitiator, OrderStatus

RELEASED = PAID + timedelta(hours=1)


def test_a_paid_order_is_processing_for_one_hour():
    order = new_order()
    outcome = orders.pay(order, PAID)

    assert only(outcome, "order.status_changed").data == {"from": "UNPAID", "to": "ON_HOLD"}
    assert [(d.rule, d.due, d.subject) for d in outcome.deadlines] == [
        ("remorse_window_ends", PAID + timedelta(hours=1), order.id)
    ]
    assert order.status is OrderStatus.ON_HOLD
    assert order.paid_time == PAID


def test_after_one_hour_the_order_is_pending_shipping():
    order = new_order()
    orders.pay(order, PAID)
    outcome = orders.remorse_window_ends(order, RELEASED)

    event = only(outcome, "order.status_changed")
    assert (event.at, event.data) == (RELEASED, {"from": "ON_HOLD", "to": "AWAITING_SHIPMENT"})
    assert order.status is OrderStatus.AWAITING_SHIPMENT
    assert order.update_time == RELEASED


def test_within_the_hour_the_buyer_cancels_at_once():
    order = new_order()
    orders.pay(order, PAID)
    at = PAID + timedelta(minutes=59)
    outcome = orders.buyer_cancels(order, at, "Ordered by mistake")

    assert only(outcome, "order.status_changed").data == {"from": "ON_HOLD", "to": "CANCELLED"}
    assert ("remorse_window_ends", order.id) in outcome.cancel
    assert outcome.deadlines == []
    assert order.cancellation_initiator is CancellationInitiator.BUYER
    assert order.cancel_reason == "Ordered by mistake"
    assert not order.is_buyer_request_cancel
    # The window's end finds nothing to release.
    assert kinds(orders.remorse_window_ends(order, RELEASED)) == []
    assert order.status is OrderStatus.CANCELLED


def test_after_the_hour_a_buyer_cancellation_is_a_request_for_the_seller():
    order = new_order()
    orders.pay(order, PAID)
    orders.remorse_window_ends(order, RELEASED)
    outcome = orders.buyer_cancels(order, RELEASED + timedelta(minutes=1))

    assert kinds(outcome) == ["order.buyer_cancel_requested"]
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_an_unpaid_order_is_cancelled_at_once_and_paid_only_once():
    order = new_order()
    orders.pay(order, PAID)
    with pytest.raises(RuleViolation):
        orders.pay(order, PAID + timedelta(minutes=1))

    unpaid = new_order()
    outcome = orders.buyer_cancels(unpaid, PAID)
    assert only(outcome, "order.status_changed").data == {"from": "UNPAID", "to": "CANCELLED"}


def test_payment_sets_the_shipping_deadlines():
    order = new_order()
    orders.pay(order, PAID)

    # A 3-day handling time, 2 more days for the carrier to collect, delivery within 10 days.
    assert order.shipping_due_time == order.rts_sla_time == PAID + timedelta(days=3)
    assert order.collection_due_time == PAID + timedelta(days=5)
    assert order.delivery_due_time == PAID + timedelta(days=10)
