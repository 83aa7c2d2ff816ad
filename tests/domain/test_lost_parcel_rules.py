"""Lost parcels: "if the intended recipient fails to acknowledge receipt after 12 days of order
creation, the package is deemed lost"; "if the carrier fails to ship your product twice, the item is
deemed lost" (sandbox/domain/fulfillment.py, carrier.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import PLACED, SHIPPED_AT, awaiting_shipment, kinds, new_package, only, shipped_order

from sandbox.domain import carrier, fulfillment
from sandbox.domain.events import Deadline
from sandbox.domain.orders import CancellationInitiator, OrderStatus

LOST_AT = PLACED + timedelta(days=12)
COLLECTION = SHIPPED_AT + carrier.DROP_OFF_COLLECTED_AFTER


def test_a_parcel_is_deemed_lost_12_days_after_order_creation():
    order = awaiting_shipment(paid=PLACED + timedelta(days=1))
    rules = fulfillment.shipping_deadline_rules(order)

    assert Deadline(LOST_AT, "parcel_deemed_lost", order.id) in rules


@pytest.mark.parametrize("status", [OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT])
def test_a_parcel_not_acknowledged_is_lost_and_the_order_cancelled_and_refunded(status):
    shipped = shipped_order()
    shipped.order.status = status
    outcome = fulfillment.parcel_deemed_lost(shipped.order, shipped.package, LOST_AT)

    assert kinds(outcome) == ["package.lost", "order.status_changed", "order.refunded"]
    assert outcome.events[0].data == {"package_id": shipped.package.id, "cause": "not_acknowledged"}
    assert shipped.package.lost
    assert shipped.order.status is OrderStatus.CANCELLED
    assert shipped.order.cancellation_initiator is CancellationInitiator.SYSTEM
    assert shipped.order.cancel_reason == "package_lost"
    assert shipped.order.refund_time == LOST_AT


@pytest.mark.parametrize("status", [OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED])
def test_a_delivered_or_cancelled_order_is_not_deemed_lost(status):
    shipped = shipped_order()
    shipped.order.status = status

    assert kinds(fulfillment.parcel_deemed_lost(shipped.order, shipped.package, LOST_AT)) == []
    assert not shipped.package.lost
    assert shipped.order.status is status


def test_an_order_never_shipped_is_not_deemed_lost():
    order = awaiting_shipment()
    package = new_package(order)

    assert kinds(fulfillment.parcel_deemed_lost(order, package, LOST_AT)) == []
    assert kinds(fulfillment.parcel_deemed_lost(order, None, LOST_AT)) == []
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_the_carrier_missing_a_collection_comes_back_the_next_day():
    shipped = shipped_order()
    shipped.shipment.missed_collections_ahead = 2
    _, outcome = carrier.progress(shipped.shipment, COLLECTION)

    assert only(outcome, "carrier.tracking_event").data["detail_code"] == carrier.COLLECTION_MISSED
    assert [(d.rule, d.due) for d in outcome.deadlines] == [
        ("carrier_progress", COLLECTION + timedelta(hours=24))
    ]
    assert not carrier.failed_to_ship_twice(shipped.shipment)
    assert shipped.shipment.collected_at is None


def test_the_carrier_failing_to_ship_twice_makes_the_item_lost():
    shipped = shipped_order()
    shipped.shipment.missed_collections_ahead = 2
    carrier.progress(shipped.shipment, COLLECTION)
    second = COLLECTION + timedelta(hours=24)
    _, missed = carrier.progress(shipped.shipment, second)

    assert missed.deadlines == []  # the carrier never had it: no journey
    assert carrier.failed_to_ship_twice(shipped.shipment)
    outcome = fulfillment.carrier_failed_to_ship_twice(shipped.order, shipped.package, second)
    assert only(outcome, "package.lost").data["cause"] == "failed_to_ship_twice"
    assert shipped.order.status is OrderStatus.CANCELLED
    assert shipped.order.cancel_reason == "package_lost"
    # Lost once: firing again changes nothing.
    assert kinds(fulfillment.carrier_failed_to_ship_twice(shipped.order, shipped.package, second)) == []


def test_a_platform_shipped_parcel_past_the_10_day_delivery_window_is_delayed():
    order = awaiting_shipment()
    rules = fulfillment.shipping_deadline_rules(order)
    assert Deadline(order.paid_time + timedelta(days=10), "delivery_window_passes", order.id) in rules

    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    outcome = fulfillment.delivery_window_passes(
        shipped.order, shipped.package, shipped.order.delivery_due_time
    )
    assert only(outcome, "package.delayed").data == {"package_id": shipped.package.id}
    assert shipped.package.delayed
