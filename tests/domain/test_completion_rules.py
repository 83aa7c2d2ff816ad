"""Completed orders: "orders that were successfully delivered. No further operations can be performed
on them beyond 14 days" (sandbox/domain/fulfillment.py deliver, order_completes,
completed_order_locks; packages.check_shippable; aftersales.eligibility)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import SHIPPED_AT, event_at, kinds, only, shipped_order

from sandbox.domain import aftersales, carrier, fulfillment, packages
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import OrderStatus
from sandbox.domain.packages import PackageStatus

COLLECTED = SHIPPED_AT + carrier.DROP_OFF_COLLECTED_AFTER
DELIVERED = COLLECTED + timedelta(hours=48)
COMPLETED = DELIVERED + timedelta(days=7)


def _delivered():
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    fulfillment.deliver(shipped.order, shipped.package, DELIVERED, DELIVERED)
    return shipped


def test_the_platform_follows_the_carrier_delivery():
    shipped = shipped_order()
    event_at(shipped.shipment, carrier.PICKED_UP, COLLECTED)
    event_at(shipped.shipment, carrier.DELIVERED, DELIVERED)
    outcome = fulfillment.follow_shipment(shipped.order, shipped.package, shipped.shipment, DELIVERED)

    assert [e.data["to"] for e in outcome.events] == ["IN_TRANSIT", "DELIVERED"]
    assert shipped.order.delivery_time == shipped.package.delivered_at == DELIVERED
    assert shipped.package.status is PackageStatus.COMPLETED
    assert [(d.rule, d.due) for d in outcome.deadlines] == [("order_completes", COMPLETED)]


def test_a_delivered_order_completes_7_days_after_delivery():
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    outcome = fulfillment.deliver(shipped.order, shipped.package, DELIVERED, DELIVERED)

    assert only(outcome, "order.status_changed").data == {"from": "IN_TRANSIT", "to": "DELIVERED"}
    assert [(d.rule, d.due, d.subject) for d in outcome.deadlines] == [
        ("order_completes", DELIVERED + timedelta(days=7), shipped.order.id)
    ]


def test_a_completed_order_locks_14_days_after_completion():
    shipped = _delivered()
    outcome = fulfillment.order_completes(shipped.order, COMPLETED)

    assert only(outcome, "order.status_changed").data == {"from": "DELIVERED", "to": "COMPLETED"}
    assert [(d.rule, d.due, d.subject) for d in outcome.deadlines] == [
        ("completed_order_locks", COMPLETED + timedelta(days=14), shipped.order.id)
    ]
    assert not shipped.order.locked


def test_no_further_operations_on_a_completed_order_beyond_14_days():
    shipped = _delivered()
    fulfillment.order_completes(shipped.order, COMPLETED)
    locks = COMPLETED + timedelta(days=14)
    outcome = fulfillment.completed_order_locks(shipped.order, locks)

    assert kinds(outcome) == ["order.locked"]
    assert only(outcome, "order.locked").at == locks
    assert shipped.order.locked
    assert kinds(fulfillment.completed_order_locks(shipped.order, locks + timedelta(days=1))) == []
    with pytest.raises(RuleViolation) as refused:
        packages.check_shippable(shipped.package, shipped.order)
    assert refused.value.code == Code.ORDER_LOCKED
    assert not aftersales.eligibility({}, shipped.order, locks).eligible


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.IN_TRANSIT])
def test_only_a_delivered_order_completes_and_only_a_completed_one_locks(status):
    shipped = _delivered()
    shipped.order.status = status

    assert kinds(fulfillment.order_completes(shipped.order, COMPLETED)) == []
    assert kinds(fulfillment.completed_order_locks(shipped.order, COMPLETED + timedelta(days=14))) == []
    assert shipped.order.status is status
    assert not shipped.order.locked


def test_the_platform_holds_the_delivered_update_until_the_hold_ends():
    shipped = shipped_order()
    event_at(shipped.shipment, carrier.PICKED_UP, COLLECTED)
    fulfillment.follow_shipment(shipped.order, shipped.package, shipped.shipment, COLLECTED)
    event_at(shipped.shipment, carrier.DELIVERED, DELIVERED)
    hold = DELIVERED + timedelta(days=3)
    shipped.package.status_holds[fulfillment.DELIVERED_HOLD] = hold

    held = fulfillment.follow_shipment(shipped.order, shipped.package, shipped.shipment, DELIVERED)
    assert kinds(held) == []
    assert [(d.rule, d.due) for d in held.deadlines] == [("platform_follows_shipment", hold)]
    followed = fulfillment.follow_shipment(shipped.order, shipped.package, shipped.shipment, hold)
    assert shipped.order.status is OrderStatus.DELIVERED
    assert shipped.order.delivery_time == DELIVERED  # the carrier's time, not the update's
    # Completion counts from when the platform shows it delivered.
    assert [(d.rule, d.due) for d in followed.deadlines] == [("order_completes", hold + timedelta(days=7))]
