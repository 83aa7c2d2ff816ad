"""Orders never paid: "TikTok orders that have been placed but have not been marked with a Tracking
Status Update will be automatically canceled by the TikTok system after 15 days of order placement.
If the customer paid beforehand, their payment will be refunded at once": an order the buyer never
paid is cancelled too, and nothing is refunded (sandbox/domain/orders.py)."""

from __future__ import annotations

from datetime import timedelta

from domain_builders import PLACED, kinds, new_order

from sandbox.domain import deadlines, orders, rules
from sandbox.domain.events import Deadline
from sandbox.domain.orders import CancellationInitiator, OrderStatus

CANCEL_AT = PLACED + timedelta(days=15)


def test_an_order_placed_and_not_paid_is_canceled_15_days_after_placement():
    order = new_order()

    assert deadlines.UNPAID_AUTO_CANCEL == deadlines.UNTRACKED_AUTO_CANCEL == timedelta(days=15)
    assert orders.unpaid_deadline(order) == Deadline(CANCEL_AT, rules.UNPAID_AUTO_CANCEL, order.id)


def test_the_tiktok_system_cancels_it_and_refunds_nothing_as_nothing_was_paid():
    order = new_order()
    outcome = orders.unpaid_auto_cancel(order, CANCEL_AT)

    assert kinds(outcome) == ["order.status_changed"]  # no order.refunded
    assert outcome.events[0].data == {"from": "UNPAID", "to": "CANCELLED"}
    assert order.status is OrderStatus.CANCELLED
    assert order.cancellation_initiator is CancellationInitiator.SYSTEM
    assert order.cancel_reason == orders.UNPAID_CANCEL_REASON == "system_cancel_order_unpaid"
    assert order.cancel_time == CANCEL_AT
    assert order.refund_time is None
    assert [item.cancel_reason for item in order.line_items] == ["system_cancel_order_unpaid"]


def test_an_order_paid_in_the_meantime_is_left_to_the_untracked_rule():
    order = new_order()
    paid = orders.pay(order, PLACED + timedelta(days=2))

    assert (rules.UNPAID_AUTO_CANCEL, order.id) in paid.cancel
    assert orders.unpaid_auto_cancel(order, CANCEL_AT).empty
    assert order.status is OrderStatus.ON_HOLD


def test_an_order_the_buyer_cancelled_before_paying_is_not_cancelled_again():
    order = new_order()
    cancelled = orders.buyer_cancels(order, PLACED + timedelta(hours=1))

    assert (rules.UNPAID_AUTO_CANCEL, order.id) in cancelled.cancel
    assert orders.unpaid_auto_cancel(order, CANCEL_AT).empty
    assert order.cancellation_initiator is CancellationInitiator.BUYER
