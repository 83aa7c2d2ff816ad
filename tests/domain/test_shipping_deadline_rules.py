"""Shipping deadlines: "Shipping within 24 hours: sellers need to ship the order within 24 hours,
otherwise it will be considered as a delayed shipping"; "Stocking timeout"; a seller may change a
package's tracking information once, within 72 hours of shipping it (sandbox/domain/fulfillment.py
shipping_deadline_rules; packages.py update_shipping_info)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import PAID, PROVIDER, awaiting_shipment, kinds, new_package, only, ship, shipped_order

from sandbox.domain import fulfillment, packages
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, RuleViolation
from sandbox.domain.orders import ShippingType
from sandbox.durations import unix

SHIPPING_DUE = PAID + timedelta(days=3)
SECOND = timedelta(seconds=1)


def test_shipping_within_24_hours_then_stocking_timeout_at_the_deadline():
    order = awaiting_shipment()
    rules = fulfillment.shipping_deadline_rules(order)

    assert Deadline(SHIPPING_DUE - timedelta(hours=24), "ship_within_24_hours", order.id) in rules
    assert Deadline(SHIPPING_DUE, "stocking_timeout", order.id) in rules


def test_an_unshipped_order_is_on_the_shipping_within_24_hours_list():
    order = awaiting_shipment()
    outcome = fulfillment.ship_within_24_hours(order, SHIPPING_DUE - timedelta(hours=24))

    assert only(outcome, "order.ship_within_24_hours").data == {"shipping_due_time": unix(SHIPPING_DUE)}
    shipped = shipped_order()
    assert kinds(fulfillment.ship_within_24_hours(shipped.order, SHIPPING_DUE - timedelta(hours=24))) == []


def test_stocking_timeout_marks_the_order_a_late_shipment():
    order = awaiting_shipment()
    outcome = fulfillment.stocking_timeout(order, SHIPPING_DUE)

    assert kinds(outcome) == ["order.stocking_timeout"]
    assert order.late_shipment
    shipped = shipped_order()
    assert kinds(fulfillment.stocking_timeout(shipped.order, SHIPPING_DUE)) == []
    assert not shipped.order.late_shipment


def test_seller_shipped_orders_have_no_platform_delivery_window():
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)

    assert "delivery_window_passes" not in [d.rule for d in fulfillment.shipping_deadline_rules(order)]


def _seller_shipped():
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)
    package = new_package(order)
    ship(order, package, PAID + timedelta(days=1))
    return order, package


def test_tracking_information_can_be_updated_once_within_72_hours():
    order, package = _seller_shipped()
    at = package.arranged_at + timedelta(hours=72)
    outcome = packages.update_shipping_info(package, order, "1Z000000000000002", PROVIDER, at)

    assert only(outcome, "package.shipping_info_updated").data == {
        "package_id": package.id,
        "from": "TTS000000000000001",
        "to": "1Z000000000000002",
    }
    assert order.tracking_number == package.tracking_number == "1Z000000000000002"
    with pytest.raises(RuleViolation) as twice:
        packages.update_shipping_info(package, order, "1Z000000000000003", PROVIDER, at)
    assert twice.value.code == Code.SHIPPING_INFO_NOT_UPDATABLE


def test_tracking_information_cannot_be_updated_after_72_hours():
    order, package = _seller_shipped()

    with pytest.raises(RuleViolation) as late:
        packages.update_shipping_info(
            package, order, "1Z000000000000002", PROVIDER, package.arranged_at + timedelta(hours=72) + SECOND
        )
    assert late.value.code == Code.SHIPPING_INFO_NOT_UPDATABLE
    assert package.shipping_info_updates == 0


def test_platform_shipped_packages_take_no_new_tracking_information():
    shipped = shipped_order()

    with pytest.raises(RuleViolation) as refused:
        packages.update_shipping_info(
            shipped.package, shipped.order, "1Z0", PROVIDER, shipped.package.arranged_at
        )
    assert refused.value.code == Code.WRONG_SHIPPING_TYPE
