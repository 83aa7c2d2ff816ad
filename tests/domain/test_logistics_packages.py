"""A shop's packages, as the Seller Center opens and finds them: every order "Pending shipping" has
a package with its shipping deadline; "when using seller shipping mode, you must upload a valid
tracking number and mark the order as shipped"; a platform label is created for a package
(sandbox/domain/logistics.py: open_package, package_to_mark_shipped, package_to_update,
package_to_label, package_for, shipment_for, seed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import (
    CARRIERS,
    PAID,
    PLACED,
    PROVIDER,
    WAREHOUSE,
    awaiting_shipment,
    deadline,
    kinds,
    line_item,
    logistics_of,
    new_order,
    only,
)

from sandbox.domain import carrier, deadlines, fulfillment, rules
from sandbox.domain.carrier import STANDARD_PLAN, TrackingStatus
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, Outcome, RuleViolation
from sandbox.domain.logistics import Provider
from sandbox.domain.orders import OrderStatus, ShippingType
from sandbox.domain.packages import HandoverMethod, LabelStatus, PackageStatus
from sandbox.durations import unix

# Released to the seller one hour after payment ("Pending shipping").
PENDING = PAID + deadlines.REMORSE_WINDOW
SHIP_BY = PAID + deadlines.HANDLING_TIME


# ----- opening a package -------------------------------------------------------------------------
def test_every_order_pending_shipping_gets_a_package_with_its_shipping_deadlines():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    package, outcome = logistics.open_package(order, PENDING)

    assert logistics.packages == {package.id: package}
    assert order.package_ids == [package.id]
    assert {item.package_id for item in order.line_items} == {package.id}
    assert (package.order_id, package.shop_id) == (order.id, order.shop_id)
    assert package.shipping_type is ShippingType.TIKTOK
    assert package.create_time == package.update_time == PENDING
    assert package.status is PackageStatus.PROCESSING
    assert not package.arranged
    assert outcome.events == []
    cancel_at = PLACED + deadlines.UNTRACKED_AUTO_CANCEL
    assert outcome.deadlines == [
        # The untracked-order rule: a daily reminder over the last 3 days, then the cancellation.
        Deadline(cancel_at - timedelta(days=3), rules.UNTRACKED_REMINDER, order.id),
        Deadline(cancel_at - timedelta(days=2), rules.UNTRACKED_REMINDER, order.id),
        Deadline(cancel_at - timedelta(days=1), rules.UNTRACKED_REMINDER, order.id),
        Deadline(cancel_at, rules.UNTRACKED_AUTO_CANCEL, order.id),
        # "Shipping within 24 hours", then "Stocking timeout" at the shipping deadline.
        Deadline(SHIP_BY - timedelta(hours=24), rules.SHIP_WITHIN_24_HOURS, order.id),
        Deadline(SHIP_BY, rules.STOCKING_TIMEOUT, order.id),
        # A platform-shipped parcel is Delayed past its delivery window.
        Deadline(PAID + deadlines.DELIVERY_WINDOW, rules.DELIVERY_WINDOW_PASSES, order.id),
        Deadline(PLACED + deadlines.LOST_IF_NOT_ACKNOWLEDGED, rules.PARCEL_DEEMED_LOST, order.id),
    ]


def test_a_package_id_is_an_18_digit_number_drawn_from_the_world_generator():
    first, again = awaiting_shipment(), awaiting_shipment()
    package, _ = logistics_of(first, seed=11).open_package(first, PENDING)
    same, _ = logistics_of(again, seed=11).open_package(again, PENDING)

    assert package.id.startswith("1154")
    assert len(package.id) == 18 and package.id.isdigit()
    assert same.id == package.id  # the same seed draws the same numbers


def test_an_order_that_already_names_its_package_keeps_that_id():
    order = awaiting_shipment()
    order.package_ids = ["115400000000000042"]
    package, _ = logistics_of(order).open_package(order, PENDING)

    assert package.id == "115400000000000042"


def test_a_package_weighs_what_its_line_items_weigh_and_grows_with_them():
    order = awaiting_shipment()
    order.line_items = [line_item(1, weight_grams=300), line_item(2, weight_grams=1200)]
    package, _ = logistics_of(order).open_package(order, PENDING)

    assert package.weight_grams == 1500
    assert package.dimension_cm == (25, 20, 10)  # 15 cm plus 5 a line item, 5 cm less deep


def test_a_seller_shipped_order_is_not_delayed_by_the_platform_delivery_window():
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)
    package, outcome = logistics_of(order).open_package(order, PENDING)

    assert package.shipping_type is ShippingType.SELLER
    assert rules.DELIVERY_WINDOW_PASSES not in [d.rule for d in outcome.deadlines]
    assert deadline(outcome, rules.STOCKING_TIMEOUT).due == SHIP_BY


def test_opening_the_package_again_answers_the_same_package_and_plans_nothing_more():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)
    again, outcome = logistics.open_package(order, PENDING + timedelta(hours=5))

    assert again is package
    assert (outcome.events, outcome.deadlines) == ([], [])
    assert len(logistics.packages) == 1
    assert package.create_time == PENDING


def test_a_package_opened_for_an_order_past_pending_shipping_runs_no_shipping_deadline():
    order = awaiting_shipment()
    order.status = OrderStatus.IN_TRANSIT
    package, outcome = logistics_of(order).open_package(order, PENDING)

    assert order.package_ids == [package.id]
    assert outcome.deadlines == []


def test_a_package_of_the_shop_is_found_by_its_id_and_an_unknown_one_does_not_belong_to_it():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)

    assert logistics.package(package.id) is package
    with pytest.raises(RuleViolation) as refused:
        logistics.package("115400000000000999")
    assert refused.value.code == Code.PACKAGE_NOT_FOUND
    assert "115400000000000999" in refused.value.message


def test_the_shop_ships_with_its_market_carriers_and_no_other():
    logistics = logistics_of(awaiting_shipment())

    assert logistics.providers() == [Provider(*c) for c in CARRIERS]
    assert logistics.provider(PROVIDER[0]) == Provider(*PROVIDER)
    with pytest.raises(RuleViolation) as refused:
        logistics.provider("6617675021119438999")
    assert refused.value.code == Code.INVALID_REQUEST
    assert "6617675021119438849 (USPS), 6617675021119438850 (UPS)" in refused.value.message


# ----- the order rules that look at the package -------------------------------------------------
def test_an_untracked_order_is_reminded_then_cancelled_until_the_carrier_scans_its_parcel():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)
    cancel_at = PLACED + deadlines.UNTRACKED_AUTO_CANCEL
    reminded = logistics.untracked_reminder(order.id, cancel_at - timedelta(days=1))

    assert only(reminded, "order.untracked_reminder").data == {"cancel_at": unix(cancel_at)}
    logistics.ship(package, PENDING, handover=None, slot=None)
    # Shipped, but not scanned by the carrier yet: still untracked.
    assert kinds(logistics.untracked_reminder(order.id, cancel_at - timedelta(days=1))) == [
        "order.untracked_reminder"
    ]
    logistics.carrier_progress(package.tracking_number, PENDING + carrier.DROP_OFF_COLLECTED_AFTER)
    assert logistics.untracked_reminder(order.id, cancel_at - timedelta(days=1)).events == []
    assert logistics.untracked_auto_cancel(order.id, cancel_at).events == []
    assert order.status is OrderStatus.IN_TRANSIT


def test_an_untracked_order_is_automatically_canceled_15_days_after_placement():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    logistics.open_package(order, PENDING)
    outcome = logistics.untracked_auto_cancel(order.id, PLACED + deadlines.UNTRACKED_AUTO_CANCEL)

    assert kinds(outcome) == ["order.status_changed", "order.refunded"]
    assert order.cancel_reason == "system_cancel_order_untracked"


def test_an_order_rule_is_given_the_order_and_its_package():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)
    logistics.ship(package, PENDING, handover=None, slot=None)
    outcome = logistics.on_order_package(
        fulfillment.delivery_window_passes, order.id, PAID + deadlines.DELIVERY_WINDOW
    )

    assert only(outcome, "package.delayed").data == {"package_id": package.id}
    assert package.delayed


@pytest.mark.parametrize(
    "rule",
    [
        lambda lg, at: lg.untracked_reminder("576000000000000999", at),
        lambda lg, at: lg.untracked_auto_cancel("576000000000000999", at),
        lambda lg, at: lg.on_order_package(fulfillment.parcel_deemed_lost, "576000000000000999", at),
        lambda lg, at: lg.carrier_progress("TTS000000000000999", at),
        lambda lg, at: lg.platform_follows_shipment("115400000000000999", at),
        lambda lg, at: lg.seller_shipped_update_due("TTS000000000000999", at),
        lambda lg, at: lg.return_arrives("TTS000000000000999", at),
        lambda lg, at: lg.failed_return_destroyed("115400000000000999", at),
    ],
    ids=[
        "untracked reminder",
        "untracked auto-cancel",
        "order rule",
        "carrier progress",
        "platform follows",
        "seller shipped update",
        "return arrives",
        "failed return destroyed",
    ],
)
def test_a_timed_rule_for_an_order_or_parcel_the_shop_does_not_have_does_nothing(rule):
    logistics = logistics_of(awaiting_shipment())

    assert rule(logistics, PENDING) == Outcome()
    assert logistics.packages == {} and logistics.shipments == {}


# ----- Add Shipment Information (seller shipping) -------------------------------------------------
def test_mark_as_shipped_opens_the_package_of_a_seller_shipped_order_pending_shipping():
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)
    logistics = logistics_of(order)
    package, outcome = logistics.package_to_mark_shipped(order, [], PENDING)

    assert logistics.package_of(order) is package
    assert package.create_time == PENDING
    assert deadline(outcome, rules.STOCKING_TIMEOUT).due == SHIP_BY
    # The package is opened, not shipped: ``ship`` does that.
    assert not package.arranged
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_mark_as_shipped_finds_the_package_already_opened():
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)
    every_item = [item.id for item in order.line_items]
    found, outcome = logistics.package_to_mark_shipped(order, every_item, PENDING + timedelta(hours=1))

    assert found is package
    assert (outcome.events, outcome.deadlines) == ([], [])


def test_a_platform_shipped_order_is_not_marked_shipped_by_the_seller():
    order = awaiting_shipment()
    logistics = logistics_of(order)

    with pytest.raises(RuleViolation) as refused:
        logistics.package_to_mark_shipped(order, [], PENDING)
    assert refused.value.code == Code.WRONG_SHIPPING_TYPE
    assert logistics.packages == {}


def test_mark_as_shipped_refuses_a_line_item_of_another_order():
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)

    with pytest.raises(RuleViolation) as refused:
        logistics_of(order).package_to_mark_shipped(order, ["577000000000000099"], PENDING)
    assert refused.value.code == Code.LINE_ITEM_NOT_IN_ORDER
    assert "577000000000000099" in refused.value.message


def test_marking_some_line_items_shipped_splits_them_into_a_package_of_their_own():
    order = new_order(shipping_type=ShippingType.SELLER, items=3)
    order.status = OrderStatus.AWAITING_SHIPMENT
    logistics = logistics_of(order)
    first, second, third = (item.id for item in order.line_items)

    package, _ = logistics.package_to_mark_shipped(order, [second], PENDING)
    rest = next(p for p in logistics.packages_of(order) if p.id != package.id)
    assert [i.id for i in order.line_items if i.package_id == package.id] == [second]
    assert [i.id for i in order.line_items if i.package_id == rest.id] == [first, third]
    assert package.weight_grams == order.line_items[1].weight_grams

    # The package's own line items, or none named: the package itself; lines of two packages: refused.
    assert logistics.package_to_mark_shipped(order, [first, third], PENDING)[0] is rest
    with pytest.raises(RuleViolation) as across:
        logistics.package_to_mark_shipped(order, [first, second], PENDING)
    assert across.value.code == Code.ORDER_NOT_SPLITTABLE
    assert len(logistics.packages_of(order)) == 2


@pytest.mark.parametrize(
    ("status", "locked", "code"),
    [
        (OrderStatus.CANCELLED, False, Code.ORDER_NOT_SHIPPABLE),
        (OrderStatus.COMPLETED, True, Code.ORDER_LOCKED),
        (OrderStatus.UNPAID, False, Code.ORDER_NOT_SHIPPABLE),
        (OrderStatus.ON_HOLD, False, Code.ORDER_NOT_SHIPPABLE),  # "Processing", within the hour
    ],
)
def test_only_an_order_pending_shipping_is_marked_shipped(status, locked, code):
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)
    order.status, order.locked = status, locked
    logistics = logistics_of(order)

    with pytest.raises(RuleViolation) as refused:
        logistics.package_to_mark_shipped(order, [], PENDING)
    assert refused.value.code == code
    assert logistics.packages == {}
    assert order.package_ids == []


# ----- updating shipping information, creating labels ----------------------------------------------
def test_an_order_level_update_corrects_the_order_package():
    order = awaiting_shipment(shipping_type=ShippingType.SELLER)
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)

    assert logistics.package_to_update(order) is package


def test_an_order_with_no_package_has_no_shipping_information_to_update():
    order = new_order(shipping_type=ShippingType.SELLER)

    with pytest.raises(RuleViolation) as refused:
        logistics_of(order).package_to_update(order)
    assert refused.value.code == Code.SHIPPING_INFO_NOT_UPDATABLE


def test_the_shipping_label_is_created_for_the_order_package():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)

    assert logistics.package_to_label(order) is package


def test_an_unpaid_order_has_no_package_to_label():
    order = new_order()

    with pytest.raises(RuleViolation) as refused:
        logistics_of(order).package_to_label(order)
    assert refused.value.code == Code.ORDER_NOT_SHIPPABLE
    assert "UNPAID" in refused.value.message


def test_a_scenario_finds_the_order_package_then_its_shipment_once_shipped():
    order = awaiting_shipment()
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PENDING)

    assert logistics.package_for(order) is package
    with pytest.raises(RuleViolation) as not_yet:
        logistics.shipment_for(order)
    assert not_yet.value.code == Code.INVALID_REQUEST
    assert "ship it first" in not_yet.value.message
    logistics.ship(package, PENDING, handover=None, slot=None)
    assert logistics.shipment_for(order) is logistics.shipments[package.tracking_number]


def test_a_scenario_action_on_an_order_with_no_package_yet_is_refused():
    order = new_order()

    with pytest.raises(RuleViolation) as refused:
        logistics_of(order).package_for(order)
    assert refused.value.code == Code.INVALID_REQUEST
    assert "has no package yet (it is UNPAID)" in refused.value.message


# ----- seeded orders -------------------------------------------------------------------------------
START = PAID + timedelta(days=4)  # the world's start, after the seeded orders' history
RTS = PAID + timedelta(days=1)  # the seeded order was shipped ("ready to ship") then
COLLECTED = RTS + timedelta(hours=4)
SEEDED_TRACKING = "TTS000000000000077"


def _seeded(status, *, shipping_type=ShippingType.TIKTOK, collected=None, delivered=None):
    """An order generated already past payment, the way the world seeds them."""
    order = awaiting_shipment(shipping_type=shipping_type)
    order.status = status
    if status not in (OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT):
        order.rts_time = RTS
        order.tracking_number = SEEDED_TRACKING
        order.shipping_provider_id, order.shipping_provider = PROVIDER
    order.collection_time, order.delivery_time = collected, delivered
    return order


@pytest.mark.parametrize("status", [OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.CANCELLED])
def test_a_seeded_order_not_yet_paid_released_or_still_standing_has_no_package(status):
    order = _seeded(status)
    logistics = logistics_of(order)
    opened, journey = logistics.seed(order, START)

    assert (opened.deadlines, journey.deadlines, opened.events) == ([], [], [])
    assert logistics.packages == {} and logistics.shipments == {}


def test_a_seeded_order_pending_shipping_opens_its_package_at_payment():
    order = _seeded(OrderStatus.AWAITING_SHIPMENT)
    logistics = logistics_of(order)
    opened, journey = logistics.seed(order, START)

    package = logistics.package_of(order)
    assert package is not None and package.create_time == PAID
    assert deadline(opened, rules.STOCKING_TIMEOUT).due == SHIP_BY
    assert journey.deadlines == []
    assert logistics.shipments == {}


def test_a_seeded_order_awaiting_collection_is_collected_after_the_world_starts():
    order = _seeded(OrderStatus.AWAITING_COLLECTION)
    logistics = logistics_of(order)
    opened, journey = logistics.seed(order, START)

    package = logistics.package_of(order)
    shipment = logistics.shipments[SEEDED_TRACKING]
    assert opened.deadlines == []  # not pending shipping any more
    assert package is not None and package.tracking_number == SEEDED_TRACKING
    assert (package.arranged_at, package.handover_method) == (RTS, HandoverMethod.DROP_OFF)
    assert package.label_status is LabelStatus.CREATED
    assert (package.shipping_provider_id, package.shipping_provider_name) == PROVIDER
    assert (shipment.order_id, shipment.package_id) == (order.id, package.id)
    assert (shipment.origin_city, shipment.destination_city) == (WAREHOUSE, "Springfield")
    assert [(e.at, e.detail_code) for e in shipment.events] == [(RTS, "InfoReceived_001")]
    # Dropped off before the start, not yet scanned: the carrier collects it at the start.
    assert journey.deadlines == [Deadline(START, rules.CARRIER_PROGRESS, SEEDED_TRACKING)]
    assert shipment.collection_due == START


def test_a_seeded_order_shipped_just_before_the_start_is_collected_six_hours_after_drop_off():
    order = _seeded(OrderStatus.AWAITING_COLLECTION)
    start = RTS + timedelta(hours=1)
    _, journey = logistics_of(order).seed(order, start)

    assert journey.deadlines == [
        Deadline(RTS + carrier.DROP_OFF_COLLECTED_AFTER, rules.CARRIER_PROGRESS, SEEDED_TRACKING)
    ]


def test_a_seeded_seller_shipped_order_has_no_platform_label():
    order = _seeded(OrderStatus.AWAITING_COLLECTION, shipping_type=ShippingType.SELLER)
    logistics = logistics_of(order)
    logistics.seed(order, START)

    package = logistics.package_of(order)
    assert package is not None and package.label_status is LabelStatus.NOT_CREATED
    assert package.tracking_number == SEEDED_TRACKING


def test_a_seeded_order_in_transit_replays_its_tracking_up_to_the_start():
    start = COLLECTED + timedelta(hours=20)
    order = _seeded(OrderStatus.IN_TRANSIT, collected=COLLECTED)
    logistics = logistics_of(order)
    _, journey = logistics.seed(order, start)

    package = logistics.package_of(order)
    shipment = logistics.shipments[SEEDED_TRACKING]
    assert package is not None and package.status is PackageStatus.FULFILLING
    assert package.collected_at == shipment.collected_at == COLLECTED
    # Picked up, departed 10 hours later; the arrival at the destination (30 hours) lies ahead.
    assert [(e.at, e.detail_code) for e in shipment.events] == [
        (RTS, "InfoReceived_001"),
        (COLLECTED, "InTransit_001"),
        (COLLECTED + timedelta(hours=10), "InTransit_002"),
    ]
    assert [e.location for e in shipment.events[1:]] == [WAREHOUSE, WAREHOUSE]
    assert shipment.next_step == 2
    assert journey.deadlines == [
        Deadline(COLLECTED + timedelta(hours=30), rules.CARRIER_PROGRESS, SEEDED_TRACKING)
    ]


def test_a_seeded_parcel_overdue_for_delivery_moves_on_at_the_start():
    start = COLLECTED + timedelta(days=5)
    order = _seeded(OrderStatus.IN_TRANSIT, collected=COLLECTED)
    logistics = logistics_of(order)
    _, journey = logistics.seed(order, start)

    shipment = logistics.shipments[SEEDED_TRACKING]
    assert shipment.last_detail_code == "OutForDelivery_001"
    assert not shipment.has(carrier.DELIVERED)  # delivery is the carrier's to report, live
    assert journey.deadlines == [Deadline(start, rules.CARRIER_PROGRESS, SEEDED_TRACKING)]


def test_a_seeded_delivered_order_completes_seven_days_after_delivery():
    delivered = COLLECTED + timedelta(hours=40)  # earlier than the carrier's plan
    order = _seeded(OrderStatus.DELIVERED, collected=COLLECTED, delivered=delivered)
    logistics = logistics_of(order)
    _, journey = logistics.seed(order, START)

    package = logistics.package_of(order)
    shipment = logistics.shipments[SEEDED_TRACKING]
    assert package is not None and package.status is PackageStatus.COMPLETED
    assert package.delivered_at == delivered
    assert [e.detail_code for e in shipment.events] == [
        "InfoReceived_001",
        *(p.detail_code for p in STANDARD_PLAN),
    ]
    # No step after the delivery: the plan's later steps are pulled back to it.
    assert max(e.at for e in shipment.events) == shipment.events[-1].at == delivered
    assert shipment.events[-1].status is TrackingStatus.DELIVERED
    assert shipment.next_step == len(STANDARD_PLAN)
    assert journey.deadlines == [
        Deadline(delivered + deadlines.COMPLETION_AFTER_DELIVERY, rules.ORDER_COMPLETES, order.id)
    ]


def test_a_seeded_completed_order_locks_14_days_after_completing():
    delivered = COLLECTED + timedelta(hours=48)
    order = _seeded(OrderStatus.COMPLETED, collected=COLLECTED, delivered=delivered)
    _, journey = logistics_of(order).seed(order, START)

    locks = delivered + deadlines.COMPLETION_AFTER_DELIVERY + deadlines.COMPLETED_ORDER_LOCK
    assert journey.deadlines == [Deadline(locks, rules.COMPLETED_ORDER_LOCKS, order.id)]


def test_a_seeded_order_delivered_long_before_the_start_completes_at_the_start():
    delivered = COLLECTED + timedelta(hours=48)
    start = delivered + timedelta(days=30)
    order = _seeded(OrderStatus.DELIVERED, collected=COLLECTED, delivered=delivered)
    _, journey = logistics_of(order).seed(order, start)

    assert journey.deadlines == [Deadline(start, rules.ORDER_COMPLETES, order.id)]
