"""Untracked orders: "TikTok orders that have been placed but have not been marked with a Tracking
Status Update will be automatically canceled by the TikTok system after 15 days of order placement";
"you will get a daily reminder"; on the to-do list, "Automatic cancellation within 24 hours"
(sandbox/domain/fulfillment.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import CURRENCY, PLACED, TOTAL, awaiting_shipment, event_at, kinds, only, shipped_order

from sandbox.domain import carrier, fulfillment
from sandbox.domain.events import Deadline
from sandbox.domain.orders import CancellationInitiator, OrderStatus
from sandbox.durations import unix

# Paid a day after placement: the rule counts from placement, not from payment.
PAID = PLACED + timedelta(days=1)
CANCEL_AT = PLACED + timedelta(days=15)


def test_an_untracked_order_is_automatically_canceled_15_days_after_placement():
    order = awaiting_shipment(paid=PAID)
    rules = fulfillment.untracked_deadlines(order)

    assert rules[-1] == Deadline(CANCEL_AT, "untracked_auto_cancel", order.id)


def test_the_seller_gets_a_daily_reminder_over_the_last_3_days():
    order = awaiting_shipment(paid=PAID)
    reminders = fulfillment.untracked_deadlines(order)[:-1]

    assert reminders == [
        Deadline(PLACED + timedelta(days=12), "untracked_reminder", order.id),
        Deadline(PLACED + timedelta(days=13), "untracked_reminder", order.id),
        Deadline(PLACED + timedelta(days=14), "untracked_reminder", order.id),
    ]


def test_the_last_reminder_is_automatic_cancellation_within_24_hours():
    order = awaiting_shipment(paid=PAID)
    last_reminder = fulfillment.untracked_deadlines(order)[-2]
    outcome = fulfillment.untracked_reminder(order, None, last_reminder.due)

    event = only(outcome, "order.untracked_reminder")
    assert event.data == {"cancel_at": unix(CANCEL_AT)}
    assert CANCEL_AT - event.at == timedelta(hours=24)


def test_untracked_auto_cancel_cancels_and_refunds_the_order():
    order = awaiting_shipment(paid=PAID)
    outcome = fulfillment.untracked_auto_cancel(order, None, CANCEL_AT)

    assert kinds(outcome) == ["order.status_changed", "order.refunded"]
    assert outcome.events[0].data == {"from": "AWAITING_SHIPMENT", "to": "CANCELLED"}
    assert outcome.events[1].data == {
        "amount": TOTAL,
        "currency": CURRENCY,
        "reason": "system_cancel_order_untracked",
    }
    assert order.status is OrderStatus.CANCELLED
    assert order.cancellation_initiator is CancellationInitiator.SYSTEM
    assert order.cancel_reason == "system_cancel_order_untracked"
    assert order.cancel_time == order.refund_time == CANCEL_AT
    assert {item.cancel_reason for item in order.line_items} == {"system_cancel_order_untracked"}


def test_shipped_but_never_scanned_by_the_carrier_is_still_untracked():
    shipped = shipped_order()
    assert shipped.shipment.events[-1].detail_code == "InfoReceived_001"

    assert fulfillment.is_untracked(shipped.order, shipped.shipment)
    outcome = fulfillment.untracked_auto_cancel(shipped.order, shipped.shipment, CANCEL_AT)
    assert shipped.order.status is OrderStatus.CANCELLED
    assert only(outcome, "order.refunded").data["reason"] == "system_cancel_order_untracked"


def test_a_parcel_picked_up_by_the_carrier_is_tracked_and_not_canceled():
    shipped = shipped_order()
    event_at(shipped.shipment, carrier.PICKED_UP, shipped.shipment.created_at + timedelta(hours=6))

    assert not fulfillment.is_untracked(shipped.order, shipped.shipment)
    assert kinds(fulfillment.untracked_reminder(shipped.order, shipped.shipment, CANCEL_AT)) == []
    assert kinds(fulfillment.untracked_auto_cancel(shipped.order, shipped.shipment, CANCEL_AT)) == []
    assert shipped.order.status is OrderStatus.AWAITING_COLLECTION


@pytest.mark.parametrize(
    "status",
    [OrderStatus.ON_HOLD, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.CANCELLED],
)
def test_only_orders_awaiting_shipment_or_collection_count_as_untracked(status):
    order = awaiting_shipment(paid=PAID)
    order.status = status

    assert not fulfillment.is_untracked(order, None)
    assert kinds(fulfillment.untracked_auto_cancel(order, None, CANCEL_AT)) == []
    assert order.status is status
