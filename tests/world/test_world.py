"""The world's operations called directly, without HTTP: each applies what the domain answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox.domain import rules
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import OrderStatus, ShippingType
from sandbox.domain.packages import HandoverMethod, LabelStatus, RejectionReason
from sandbox.world import World
from tests.helpers import seeded_world


def new_world(orders: int = 40) -> World:
    return seeded_world(orders)


def awaiting(world: World, shipping_type: ShippingType) -> str:
    return next(
        o.id
        for o in world.orders_by_creation().records
        if o.status is OrderStatus.AWAITING_SHIPMENT and o.shipping_type is shipping_type
    )


def test_shipping_a_package_moves_the_order_to_awaiting_collection():
    world = new_world()
    order = world.orders[awaiting(world, ShippingType.TIKTOK)]
    package = world.ship_package(order.package_ids[0], handover=HandoverMethod.DROP_OFF)
    assert order.status is OrderStatus.AWAITING_COLLECTION
    assert package.label_status is LabelStatus.CREATED
    kinds = [r.event.kind for r in world.events][-4:]
    assert kinds == [
        "package.label_created",
        "carrier.tracking_event",
        "package.shipped",
        "order.status_changed",
    ]
    assert any(
        d.rule == rules.CARRIER_PROGRESS and d.subject == package.tracking_number
        for d in world.pending_deadlines()
    )


def test_a_rejected_label_is_recorded_although_the_call_fails():
    world = new_world()
    order = world.orders[awaiting(world, ShippingType.TIKTOK)]
    package = world.logistics.packages[order.package_ids[0]]
    package.weight_grams = 45_000  # over the standard delivery option's 30 kg
    with pytest.raises(RuleViolation) as refused:
        world.ship_package(package.id, handover=HandoverMethod.DROP_OFF)
    assert refused.value.code == Code.LABEL_REJECTED
    assert package.label_status is LabelStatus.REJECTED
    assert package.rejection is RejectionReason.PRODUCTS_OVERSIZED
    assert world.events[-1].event.kind == "package.label_rejected"
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_a_corrected_tracking_number_takes_the_carriers_next_steps_along():
    world = new_world()
    order = world.orders[awaiting(world, ShippingType.SELLER)]
    provider = world.logistics.providers()[0].id
    world.mark_package_shipped(order.id, [], "FIRST-1", provider)
    before = [(d.due, d.rule) for d in world.pending_deadlines() if d.subject == "FIRST-1"]
    assert before
    world.update_package_shipping_info(order.package_ids[0], "SECOND-2", provider)
    assert not [d for d in world.pending_deadlines() if d.subject == "FIRST-1"]
    after = [(d.due, d.rule) for d in world.pending_deadlines() if d.subject == "SECOND-2"]
    assert after == before


def test_an_unknown_order_is_refused_with_the_operations_own_code():
    world = new_world()
    with pytest.raises(RuleViolation) as fulfillment:
        world.mark_package_shipped("576000000000000000", [], "X-1", world.logistics.providers()[0].id)
    assert fulfillment.value.code == Code.ORDER_NOT_IN_SHOP
    with pytest.raises(RuleViolation) as orders:
        world.pay_order("576000000000000000")
    assert orders.value.code == Code.ORDER_NOT_FOUND


def test_a_batch_answers_each_refusal_and_ships_the_rest():
    from sandbox.world import ShipRequest

    world = new_world()
    shippable = [
        o.package_ids[0]
        for o in world.orders_by_creation().records
        if o.status is OrderStatus.AWAITING_SHIPMENT and o.shipping_type is ShippingType.TIKTOK
    ][:2]
    refused = world.batch_ship_packages([ShipRequest(shippable[0]), ShipRequest("1154000000000000000")])
    assert [(package_id, exc.code) for package_id, exc in refused] == [
        ("1154000000000000000", Code.PACKAGE_NOT_FOUND)
    ]
    assert world.logistics.packages[shippable[0]].arranged


def test_advancing_fires_the_untracked_auto_cancel_on_its_day():
    world = new_world()
    order = world.orders[awaiting(world, ShippingType.SELLER)]
    due = next(
        d.due
        for d in world.pending_deadlines()
        if d.rule == rules.UNTRACKED_AUTO_CANCEL and d.subject == order.id
    )
    world.advance_to(due - timedelta(seconds=1))
    assert order.status is OrderStatus.AWAITING_SHIPMENT
    world.advance_to(due)
    assert order.status is OrderStatus.CANCELLED


def test_an_orders_combinable_group_is_the_one_the_shop_wide_search_lists():
    world = new_world(orders=400)
    groups = {
        o.id: (package.id, [m.id for m in members])
        for package, members in world.combinable_packages()
        for o in members
    }
    assert groups  # some buyers have several orders awaiting shipment
    for order in world.orders.values():
        found = world.logistics.combinable_with(order)
        assert (None if found is None else (found[0].id, [m.id for m in found[1]])) == groups.get(order.id)
