"""Shipping a package, as the Seller Center has it: with platform shipping the seller must "create a
shipping label and mark the order as shipped", handing it over by Pick Up or Drop Off; with seller
shipping the seller must "upload a valid tracking number" and may correct it once, within 72 hours;
"TikTok Shop is required to verify the shipment information with the carriers when generating the
shipping labels", which "may be rejected" (sandbox/domain/logistics.py: ship, create_label,
update_shipping_info, handover_time_slots, check_pickup, schedule_pickup)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from domain_builders import (
    ORDER_ID,
    OTHER_PROVIDER,
    PAID,
    PROVIDER,
    WAREHOUSE,
    CarrierQueue,
    address,
    awaiting_shipment,
    deadline,
    kinds,
    logistics_of,
    only,
)

from sandbox import fakes
from sandbox.domain import carrier, deadlines, packages, rules
from sandbox.domain.carrier import Shipment
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, Outcome, RuleViolation
from sandbox.domain.logistics import seller_delivers
from sandbox.domain.orders import OrderStatus, ShippingType
from sandbox.domain.packages import HandoverMethod, LabelStatus, RejectionReason

OTHER_ORDER_ID = "576000000000000002"
AT = PAID + timedelta(hours=3)  # pending shipping since PAID + 1 hour
SELLER_NUMBER = "1Z999AA10123456784"
CORRECTED_NUMBER = "1Z999AA10123456785"


def _pending(*, shipping_type=ShippingType.TIKTOK, order_id=ORDER_ID, **address_changes):
    return awaiting_shipment(
        order_id=order_id, shipping_type=shipping_type, recipient=address(**address_changes)
    )


def _opened(*, shipping_type=ShippingType.TIKTOK, **address_changes):
    order = _pending(shipping_type=shipping_type, **address_changes)
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PAID + deadlines.REMORSE_WINDOW)
    return logistics, order, package


def _two_seller_packages():
    """Two seller-shipped orders of the shop pending shipping, their packages opened."""
    first, second = (
        _pending(shipping_type=ShippingType.SELLER, order_id=i) for i in (ORDER_ID, OTHER_ORDER_ID)
    )
    logistics = logistics_of(first, second)
    return logistics, logistics.open_package(first, AT)[0], logistics.open_package(second, AT)[0]


def _seller_ship(logistics, package, number):
    return logistics.ship(
        package, AT, handover=None, slot=None, tracking_number=number, provider_id=PROVIDER[0]
    )


def _seller_shipped(number=SELLER_NUMBER):
    logistics, order, package = _opened(shipping_type=ShippingType.SELLER)
    _seller_ship(logistics, package, number)
    return logistics, order, package


# ----- platform shipping: arrange shipment --------------------------------------------------------
def test_arranging_shipment_creates_the_label_and_the_carrier_collects_a_drop_off_six_hours_later():
    logistics, order, package = _opened()
    outcome = logistics.ship(package, AT, handover=None, slot=None)

    number = package.tracking_number
    assert number.startswith("TTS") and len(number) == 18
    assert kinds(outcome) == [
        "package.label_created",
        "carrier.tracking_event",
        "package.shipped",
        "order.status_changed",
    ]
    assert outcome.events[1].subject == number
    assert outcome.events[1].data == {
        "status": "InfoReceived",
        "detail_code": "InfoReceived_001",
        "order_id": order.id,
        "package_id": package.id,
    }
    assert outcome.events[3].data == {"from": "AWAITING_SHIPMENT", "to": "AWAITING_COLLECTION"}
    assert outcome.deadlines == [Deadline(AT + timedelta(hours=6), rules.CARRIER_PROGRESS, number)]
    assert order.status is OrderStatus.AWAITING_COLLECTION
    assert package.label_status is LabelStatus.CREATED
    assert package.handover_method is HandoverMethod.DROP_OFF
    assert package.pickup_slot is None
    # The platform's carrier is the shop's first one; it collects at the shop's warehouse.
    assert (package.shipping_provider_id, package.shipping_provider_name) == PROVIDER
    shipment = logistics.shipments[number]
    assert (shipment.order_id, shipment.package_id) == (order.id, package.id)
    assert (shipment.origin_city, shipment.destination_city) == (WAREHOUSE, "Springfield")
    assert shipment.weight_grams == package.weight_grams
    assert shipment.collection_due == AT + carrier.DROP_OFF_COLLECTED_AFTER
    assert shipment.pickup_window is None
    assert logistics.tracking_of(order) == shipment.events


def test_pickup_slots_are_offered_three_days_ahead_morning_and_afternoon():
    logistics, _, package = _opened()
    slots = logistics.handover_time_slots(package, datetime(2026, 3, 2, 22, 30, tzinfo=AT.tzinfo))

    day = datetime(2026, 3, 3, tzinfo=AT.tzinfo)
    assert slots == [
        (day + timedelta(days=d, hours=start), day + timedelta(days=d, hours=end))
        for d in range(3)
        for start, end in ((9, 12), (13, 18))
    ]


def test_a_pickup_is_collected_two_hours_into_its_slot():
    logistics, _, package = _opened()
    slot = logistics.handover_time_slots(package, AT)[3]
    outcome = logistics.ship(package, AT, handover=HandoverMethod.PICKUP, slot=slot)

    shipment = logistics.shipments[package.tracking_number]
    assert (package.handover_method, package.pickup_slot) == (HandoverMethod.PICKUP, slot)
    assert shipment.pickup_window == slot
    assert outcome.deadlines == [
        Deadline(slot[0] + timedelta(hours=2), rules.CARRIER_PROGRESS, package.tracking_number)
    ]


def test_a_drop_off_takes_no_pickup_slot():
    logistics, _, package = _opened()
    slot = logistics.handover_time_slots(package, AT)[0]
    outcome = logistics.ship(package, AT, handover=HandoverMethod.DROP_OFF, slot=slot)

    assert package.pickup_slot is None
    assert logistics.shipments[package.tracking_number].pickup_window is None
    assert deadline(outcome, rules.CARRIER_PROGRESS).due == AT + carrier.DROP_OFF_COLLECTED_AFTER


@pytest.mark.parametrize(
    "slot", [None, (AT - timedelta(hours=2), AT + timedelta(hours=1))], ids=["none", "not offered"]
)
def test_a_pickup_needs_one_of_the_package_handover_time_slots(slot):
    logistics, order, package = _opened()

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT, handover=HandoverMethod.PICKUP, slot=slot)
    assert refused.value.code == Code.INVALID_PICKUP_SLOT
    assert refused.value.recorded is None
    first = logistics.handover_time_slots(package, AT)[0]
    assert f"{int(first[0].timestamp())}-{int(first[1].timestamp())}" in refused.value.message
    # Nothing changed: no label, no shipment, the order still pending shipping.
    assert logistics.shipments == {}
    assert package.label_status is LabelStatus.NOT_CREATED
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_platform_shipping_takes_no_seller_tracking_number():
    logistics, _, package = _opened()

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT, handover=None, slot=None, tracking_number=SELLER_NUMBER)
    assert refused.value.code == Code.WRONG_SHIPPING_TYPE
    assert logistics.shipments == {}


def test_a_package_is_shipped_once():
    logistics, _, package = _opened()
    logistics.ship(package, AT, handover=None, slot=None)

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT + timedelta(hours=1), handover=None, slot=None)
    assert refused.value.code == Code.PACKAGE_ALREADY_SHIPPED
    assert len(logistics.shipments) == 1


def test_a_cancelled_order_cannot_be_shipped():
    logistics, order, package = _opened()
    order.status = OrderStatus.CANCELLED

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT, handover=None, slot=None)
    assert refused.value.code == Code.ORDER_NOT_SHIPPABLE


# ----- Rejected Shipping Labels -------------------------------------------------------------------
def test_a_rejected_shipping_label_fails_the_call_and_is_recorded_all_the_same():
    logistics, order, package = _opened(postal_code="")

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT, handover=None, slot=None)
    assert refused.value.code == Code.LABEL_REJECTED
    assert "BUYER_ADDRESS_ISSUE" in refused.value.message
    assert "ask the buyer to update it" in refused.value.message
    recorded = refused.value.recorded
    assert recorded is not None
    event = only(recorded, "package.label_rejected")
    assert (event.at, event.subject) == (AT, order.id)
    assert event.data == {"package_id": package.id, "reason": "BUYER_ADDRESS_ISSUE"}
    assert package.label_status is LabelStatus.REJECTED
    assert package.rejection is RejectionReason.BUYER_ADDRESS_ISSUE
    # The carrier made no shipment and the order is still to ship.
    assert logistics.shipments == {}
    assert not package.arranged
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_a_carrier_order_error_clears_once_fixed_and_the_label_is_re_created():
    logistics, order, package = _opened(address_line2="[carrier-error]")
    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT, handover=None, slot=None)
    assert refused.value.recorded is not None
    assert only(refused.value.recorded, "package.label_rejected").data["reason"] == "CARRIER_ORDER_ERROR"

    packages.fix_label_issue(package, order, AT + timedelta(minutes=5))
    again = AT + timedelta(minutes=10)
    outcome = logistics.ship(package, again, handover=None, slot=None)

    assert only(outcome, "package.label_created").at == again
    assert package.label_status is LabelStatus.CREATED
    assert package.rejection is None
    assert order.status is OrderStatus.AWAITING_COLLECTION


def test_a_label_bought_first_is_the_one_the_package_ships_with():
    logistics, _, package = _opened()
    service = f"{PROVIDER[0]}-GROUND"
    bought = logistics.create_label(package, service, 800, (30, 20, 10), AT)
    number = package.tracking_number
    shipped = logistics.ship(package, AT + timedelta(hours=1), handover=None, slot=None)

    assert kinds(bought) == ["package.label_created", "carrier.tracking_event"]
    assert (package.weight_grams, package.dimension_cm) == (800, (30, 20, 10))
    assert logistics.shipments[number].weight_grams == 800
    # Shipping it makes no second label: the one bought earlier carries on.
    assert kinds(shipped) == ["package.shipped", "order.status_changed"]
    assert package.tracking_number == number
    assert list(logistics.shipments) == [number]


def test_a_label_without_a_service_or_a_size_takes_the_default_one_and_the_packages_own():
    logistics, _, package = _opened()
    weight, size = package.weight_grams, package.dimension_cm
    logistics.create_label(package, "", None, None, AT)

    default = logistics.shipping_services(weight)[0]
    assert (package.weight_grams, package.dimension_cm) == (weight, size)
    assert package.shipping_provider_id == default.provider.id
    assert logistics.shipping_service("", weight) == default


@pytest.mark.parametrize(
    ("ship_type", "order_id", "lines", "orders", "words"),
    [
        ("1", "", (), (), "order_id is required"),
        ("2", "576000000000000001", (), (), "order_line_item is required"),
        ("3", "", (), ("576000000000000001",), "at least two orders"),
        ("4", "576000000000000001", (), (), "not one of 1, 2, 3"),
    ],
)
def test_a_package_is_created_for_one_order_some_of_its_line_items_or_several_orders(
    ship_type, order_id, lines, orders, words
):
    with pytest.raises(RuleViolation) as refused:
        packages.check_package_request(ship_type, order_id, lines, orders)
    assert refused.value.code == Code.INVALID_REQUEST and words in refused.value.message
    packages.check_package_request("1", "576000000000000001", (), ())
    packages.check_package_request("2", "576000000000000001", ("577000000000000001",), ())
    packages.check_package_request("3", "", (), ("576000000000000001", "576000000000000002"))


def test_the_label_service_sets_the_carrier():
    logistics, _, package = _opened()
    logistics.create_label(package, f"{OTHER_PROVIDER[0]}-EXPRESS", 800, (30, 20, 10), AT)

    assert (package.shipping_provider_id, package.shipping_provider_name) == OTHER_PROVIDER
    assert logistics.shipments[package.tracking_number].provider_name == "UPS"


def test_products_are_oversized_for_the_seller_weight_and_the_rejection_is_recorded():
    logistics, _, package = _opened()

    with pytest.raises(RuleViolation) as refused:
        logistics.create_label(package, f"{PROVIDER[0]}-GROUND", 31_000, (30, 20, 10), AT)
    assert refused.value.code == Code.LABEL_REJECTED
    assert refused.value.recorded is not None
    assert only(refused.value.recorded, "package.label_rejected").data["reason"] == "PRODUCTS_OVERSIZED"
    assert package.label_status is LabelStatus.REJECTED
    assert logistics.shipments == {}


def test_a_label_is_bought_once_only_for_platform_shipping_and_from_an_offered_service():
    logistics, _, package = _opened()
    with pytest.raises(RuleViolation) as unknown:
        logistics.create_label(package, "NO-SUCH-SERVICE", 800, (30, 20, 10), AT)
    logistics.create_label(package, f"{PROVIDER[0]}-GROUND", 800, (30, 20, 10), AT)
    with pytest.raises(RuleViolation) as twice:
        logistics.create_label(package, f"{PROVIDER[0]}-GROUND", 800, (30, 20, 10), AT)
    seller_logistics, _, seller_package = _opened(shipping_type=ShippingType.SELLER)
    with pytest.raises(RuleViolation) as seller:
        seller_logistics.create_label(seller_package, f"{PROVIDER[0]}-GROUND", 800, (30, 20, 10), AT)

    assert unknown.value.code == Code.INVALID_REQUEST
    assert twice.value.code == Code.PACKAGE_ALREADY_SHIPPED
    assert seller.value.code == Code.WRONG_SHIPPING_TYPE


# ----- seller shipping: upload a tracking number ----------------------------------------------------
def test_marking_shipped_with_the_seller_tracking_number_has_the_seller_carrier_collect_it():
    logistics, order, package = _opened(shipping_type=ShippingType.SELLER)
    outcome = logistics.ship(
        package, AT, handover=None, slot=None, tracking_number=SELLER_NUMBER, provider_id=OTHER_PROVIDER[0]
    )

    assert kinds(outcome) == ["carrier.tracking_event", "package.shipped", "order.status_changed"]
    assert outcome.events[1].data == {
        "package_id": package.id,
        "tracking_number": SELLER_NUMBER,
        "shipping_type": "SELLER",
    }
    # In the seller's carrier's hands two hours after the upload.
    assert outcome.deadlines == [Deadline(AT + timedelta(hours=2), rules.CARRIER_PROGRESS, SELLER_NUMBER)]
    assert package.tracking_number == order.tracking_number == SELLER_NUMBER
    assert (package.shipping_provider_id, package.shipping_provider_name) == OTHER_PROVIDER
    assert package.handover_method is HandoverMethod.DROP_OFF
    assert package.label_status is LabelStatus.NOT_CREATED  # the seller's own label
    assert order.status is OrderStatus.AWAITING_COLLECTION
    assert logistics.shipments[SELLER_NUMBER].provider_name == "UPS"


@pytest.mark.parametrize(
    ("number", "provider"),
    [("", PROVIDER[0]), (SELLER_NUMBER, ""), ("", "")],
    ids=["number", "carrier", "both"],
)
def test_seller_shipping_needs_a_tracking_number_and_its_carrier(number, provider):
    logistics, order, package = _opened(shipping_type=ShippingType.SELLER)

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT, handover=None, slot=None, tracking_number=number, provider_id=provider)
    assert refused.value.code == Code.WRONG_SHIPPING_TYPE
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_seller_shipping_names_one_of_the_shop_carriers():
    logistics, _, package = _opened(shipping_type=ShippingType.SELLER)

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(package, AT, handover=None, slot=None, tracking_number=SELLER_NUMBER, provider_id="42")
    assert refused.value.code == Code.INVALID_REQUEST
    assert logistics.shipments == {}


def test_a_tracking_number_of_another_package_is_refused():
    logistics, first, second = _two_seller_packages()
    _seller_ship(logistics, first, SELLER_NUMBER)

    with pytest.raises(RuleViolation) as refused:
        _seller_ship(logistics, second, SELLER_NUMBER)
    assert refused.value.code == Code.INVALID_REQUEST
    assert "belongs to another package" in refused.value.message
    assert not second.arranged
    assert logistics.shipments[SELLER_NUMBER].package_id == first.id


def test_a_label_bought_from_the_carrier_ships_the_order_and_is_dropped_off():
    logistics, order, package = _opened(shipping_type=ShippingType.SELLER)
    shipment, bought = logistics.create_carrier_shipment(
        logistics.provider(PROVIDER[0]), 700, "Springfield", AT
    )
    outcome = logistics.ship(
        package,
        AT,
        handover=None,
        slot=None,
        tracking_number=shipment.tracking_number,
        provider_id=PROVIDER[0],
    )

    assert shipment.tracking_number.startswith("CAR")
    assert kinds(bought) == ["carrier.tracking_event"]
    assert kinds(outcome) == ["package.shipped", "order.status_changed"]  # no second "info received"
    assert (shipment.order_id, shipment.package_id) == (order.id, package.id)
    assert outcome.deadlines == [
        Deadline(AT + timedelta(hours=2), rules.CARRIER_PROGRESS, shipment.tracking_number)
    ]


def test_a_carrier_label_with_its_pickup_booked_keeps_that_pickup():
    logistics, _, package = _opened(shipping_type=ShippingType.SELLER)
    shipment, _ = logistics.create_carrier_shipment(logistics.provider(PROVIDER[0]), 700, "Springfield", AT)
    window = (AT + timedelta(days=1), AT + timedelta(days=1, hours=3))
    logistics.schedule_pickup(shipment, window, AT)
    outcome = logistics.ship(
        package,
        AT,
        handover=None,
        slot=None,
        tracking_number=shipment.tracking_number,
        provider_id=PROVIDER[0],
    )

    assert outcome.deadlines == []
    assert shipment.collection_due == window[0] + carrier.PICKUP_COLLECTED_AFTER_SLOT_START


def test_a_carrier_label_is_marked_shipped_with_its_own_carrier():
    logistics, order, package = _opened(shipping_type=ShippingType.SELLER)
    shipment, _ = logistics.create_carrier_shipment(logistics.provider(PROVIDER[0]), 700, "Springfield", AT)

    with pytest.raises(RuleViolation) as refused:
        logistics.ship(
            package,
            AT,
            handover=None,
            slot=None,
            tracking_number=shipment.tracking_number,
            provider_id=OTHER_PROVIDER[0],
        )
    assert refused.value.code == Code.WRONG_SHIPPING_TYPE
    assert f"shipping_provider_id must be {PROVIDER[0]}" in refused.value.message
    assert order.status is OrderStatus.AWAITING_SHIPMENT


PICKUP_WINDOW = (AT + timedelta(hours=1), AT + timedelta(hours=4))
PICKED_UP = PICKUP_WINDOW[0] + carrier.PICKUP_COLLECTED_AFTER_SLOT_START


def _collected_before_marked_shipped():
    """The seller bought a label from the carrier for the order and booked a pickup; the carrier
    has collected the parcel, and the order is not marked shipped yet."""
    logistics, order, package = _opened(shipping_type=ShippingType.SELLER)
    shipment, _ = logistics.create_carrier_shipment(
        logistics.provider(PROVIDER[0]), 700, "Springfield", AT, order_id=order.id
    )
    queue = CarrierQueue(logistics)
    queue.add(logistics.schedule_pickup(shipment, PICKUP_WINDOW, AT))
    picked_up = queue.run(PICKED_UP)
    assert only(picked_up, "carrier.tracking_event").data["detail_code"] == carrier.PICKED_UP
    return logistics, order, package, shipment, queue


def test_the_seller_must_update_the_order_to_shipped_within_48_hours_of_the_collection():
    logistics, order, _, shipment, queue = _collected_before_marked_shipped()

    due = queue.next_due(rules.SELLER_SHIPPED_UPDATE_DUE)
    assert due == PICKED_UP + timedelta(hours=48)
    overdue = logistics.seller_shipped_update_due(shipment.tracking_number, due)
    assert only(overdue, "order.shipped_update_overdue").data == {"tracking_number": shipment.tracking_number}
    assert order.status is OrderStatus.AWAITING_SHIPMENT


def test_marking_shipped_after_the_carrier_collected_the_parcel_catches_up_with_its_tracking():
    logistics, order, package, shipment, _ = _collected_before_marked_shipped()
    marked = PICKED_UP + timedelta(hours=5)
    outcome = logistics.ship(
        package,
        marked,
        handover=None,
        slot=None,
        tracking_number=shipment.tracking_number,
        provider_id=PROVIDER[0],
    )

    assert [e.data["to"] for e in outcome.events if e.kind == "order.status_changed"] == [
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
    ]
    assert order.status is OrderStatus.IN_TRANSIT
    assert package.collected_at == order.collection_time == PICKED_UP
    # Marked in time: the 48-hour reminder finds nothing to say.
    due = PICKED_UP + timedelta(hours=48)
    assert logistics.seller_shipped_update_due(shipment.tracking_number, due).events == []


# ----- correcting the shipping information ----------------------------------------------------------
def test_a_corrected_tracking_number_carries_the_shipment_and_its_queued_steps_along():
    logistics, order, package = _seller_shipped()
    shipment = logistics.shipments[SELLER_NUMBER]
    history = list(shipment.events)
    outcome = logistics.update_shipping_info(
        package, CORRECTED_NUMBER, OTHER_PROVIDER[0], AT + timedelta(hours=1)
    )

    event = only(outcome, "package.shipping_info_updated")
    assert event.data == {"package_id": package.id, "from": SELLER_NUMBER, "to": CORRECTED_NUMBER}
    assert outcome.moved == [
        (rules.CARRIER_PROGRESS, SELLER_NUMBER, CORRECTED_NUMBER),
        (rules.SELLER_SHIPPED_UPDATE_DUE, SELLER_NUMBER, CORRECTED_NUMBER),
    ]
    assert outcome.deadlines == []  # the queued steps keep their instants
    assert list(logistics.shipments) == [CORRECTED_NUMBER]
    assert logistics.shipments[CORRECTED_NUMBER] is shipment
    assert (shipment.tracking_number, shipment.provider_id, shipment.provider_name) == (
        CORRECTED_NUMBER,
        *OTHER_PROVIDER,
    )
    assert shipment.events == history
    assert package.tracking_number == order.tracking_number == CORRECTED_NUMBER
    assert {item.tracking_number for item in order.line_items} == {CORRECTED_NUMBER}


def test_the_queued_collection_follows_the_corrected_number():
    logistics, _, package = _opened(shipping_type=ShippingType.SELLER)
    queue = CarrierQueue(logistics)
    queue.add(
        logistics.ship(
            package, AT, handover=None, slot=None, tracking_number=SELLER_NUMBER, provider_id=PROVIDER[0]
        )
    )
    queue.add(logistics.update_shipping_info(package, CORRECTED_NUMBER, PROVIDER[0], AT + timedelta(hours=1)))
    happened = queue.run(AT + timedelta(hours=2))

    picked_up = only(happened, "carrier.tracking_event")
    assert (picked_up.subject, picked_up.data["detail_code"]) == (CORRECTED_NUMBER, carrier.PICKED_UP)


def test_shipping_information_can_be_updated_only_once():
    logistics, _, package = _seller_shipped()
    logistics.update_shipping_info(package, CORRECTED_NUMBER, PROVIDER[0], AT + timedelta(hours=1))

    with pytest.raises(RuleViolation) as refused:
        logistics.update_shipping_info(package, "1Z999AA10123456786", PROVIDER[0], AT + timedelta(hours=2))
    assert refused.value.code == Code.SHIPPING_INFO_NOT_UPDATABLE
    assert package.tracking_number == CORRECTED_NUMBER


def test_shipping_information_can_be_updated_only_within_72_hours_of_shipping():
    logistics, _, package = _seller_shipped()
    with pytest.raises(RuleViolation) as late:
        logistics.update_shipping_info(
            package, CORRECTED_NUMBER, PROVIDER[0], AT + timedelta(hours=72, seconds=1)
        )
    outcome = logistics.update_shipping_info(package, CORRECTED_NUMBER, PROVIDER[0], AT + timedelta(hours=72))

    assert late.value.code == Code.SHIPPING_INFO_NOT_UPDATABLE
    assert "72 hours" in late.value.message
    assert only(outcome, "package.shipping_info_updated").data["to"] == CORRECTED_NUMBER


def test_only_seller_shipped_packages_take_new_tracking_information():
    logistics, _, package = _opened()
    logistics.ship(package, AT, handover=None, slot=None)

    with pytest.raises(RuleViolation) as refused:
        logistics.update_shipping_info(package, CORRECTED_NUMBER, PROVIDER[0], AT + timedelta(hours=1))
    assert refused.value.code == Code.WRONG_SHIPPING_TYPE


def test_a_package_not_yet_shipped_has_no_shipping_information_to_correct():
    logistics, _, package = _opened(shipping_type=ShippingType.SELLER)

    with pytest.raises(RuleViolation) as refused:
        logistics.update_shipping_info(package, CORRECTED_NUMBER, PROVIDER[0], AT)
    assert refused.value.code == Code.SHIPPING_INFO_NOT_UPDATABLE


def test_a_locked_order_takes_no_shipping_information():
    logistics, order, package = _seller_shipped()
    order.status, order.locked = OrderStatus.COMPLETED, True

    with pytest.raises(RuleViolation) as refused:
        logistics.update_shipping_info(package, CORRECTED_NUMBER, PROVIDER[0], AT + timedelta(hours=1))
    assert refused.value.code == Code.ORDER_LOCKED


def test_the_corrected_number_of_another_package_is_refused():
    logistics, first, second = _two_seller_packages()
    _seller_ship(logistics, first, SELLER_NUMBER)
    _seller_ship(logistics, second, CORRECTED_NUMBER)

    with pytest.raises(RuleViolation) as refused:
        logistics.update_shipping_info(second, SELLER_NUMBER, PROVIDER[0], AT + timedelta(hours=1))
    assert refused.value.code == Code.SHIPPING_INFO_NOT_UPDATABLE
    assert second.tracking_number == CORRECTED_NUMBER
    assert second.shipping_info_updates == 0


def test_a_label_bought_from_the_carrier_takes_over_from_the_corrected_number():
    logistics, order, package = _seller_shipped()
    old = logistics.shipments[SELLER_NUMBER]
    label, _ = logistics.create_carrier_shipment(
        logistics.provider(PROVIDER[0]), 700, "Springfield", AT, order_id=order.id
    )
    at = AT + timedelta(hours=1)
    outcome = logistics.update_shipping_info(package, label.tracking_number, PROVIDER[0], at)

    # The old number's queued steps end; the label's carrier collects the parcel two hours on.
    assert outcome.moved == [
        (rules.CARRIER_PROGRESS, SELLER_NUMBER, None),
        (rules.SELLER_SHIPPED_UPDATE_DUE, SELLER_NUMBER, None),
    ]
    assert outcome.deadlines == [
        Deadline(at + timedelta(hours=2), rules.CARRIER_PROGRESS, label.tracking_number)
    ]
    assert (label.order_id, label.package_id) == (order.id, package.id)
    assert package.tracking_number == label.tracking_number
    # The old shipment stays on record, going nowhere.
    assert logistics.shipments[SELLER_NUMBER] is old
    assert old.package_id == ""
    assert old.next_step == len(carrier.STANDARD_PLAN)
    assert logistics.carrier_progress(SELLER_NUMBER, at + timedelta(hours=5)).events == []


def test_a_carrier_label_takes_over_only_with_its_own_carrier():
    logistics, order, package = _seller_shipped()
    label, _ = logistics.create_carrier_shipment(
        logistics.provider(PROVIDER[0]), 700, "Springfield", AT, order_id=order.id
    )

    with pytest.raises(RuleViolation) as refused:
        logistics.update_shipping_info(
            package, label.tracking_number, OTHER_PROVIDER[0], AT + timedelta(hours=1)
        )
    assert refused.value.code == Code.WRONG_SHIPPING_TYPE
    assert package.tracking_number == SELLER_NUMBER
    assert package.shipping_info_updates == 0


# ----- booking a pickup for a carrier label -----------------------------------------------------------
def _label(logistics=None):
    logistics = logistics or logistics_of(_pending(shipping_type=ShippingType.SELLER))
    shipment, _ = logistics.create_carrier_shipment(logistics.provider(PROVIDER[0]), 700, "", AT)
    return logistics, shipment


def test_a_pickup_is_booked_for_a_window_ahead_and_collected_two_hours_into_it():
    logistics, shipment = _label()
    window = (AT + timedelta(hours=20), AT + timedelta(hours=23))

    assert logistics.check_pickup(shipment, window, AT) is None
    outcome = logistics.schedule_pickup(shipment, window, AT)
    assert outcome.deadlines == [
        Deadline(window[0] + timedelta(hours=2), rules.CARRIER_PROGRESS, shipment.tracking_number)
    ]
    assert shipment.pickup_window == window
    assert shipment.destination_city == "Destination"  # none given


def test_a_pickup_window_may_start_right_away():
    logistics, shipment = _label()

    assert logistics.check_pickup(shipment, (AT, AT + timedelta(hours=1)), AT) is None


@pytest.mark.parametrize(
    "window",
    [
        (AT - timedelta(minutes=1), AT + timedelta(hours=3)),  # starts in the past
        (AT + timedelta(hours=3), AT + timedelta(hours=3)),  # ends as it starts
        (AT + timedelta(hours=3), AT + timedelta(hours=1)),  # ends before it starts
    ],
    ids=["past", "empty", "backwards"],
)
def test_a_pickup_window_must_start_ahead_and_end_after_it_starts(window):
    logistics, shipment = _label()

    with pytest.raises(RuleViolation) as refused:
        logistics.check_pickup(shipment, window, AT)
    assert refused.value.code == Code.INVALID_REQUEST
    assert shipment.pickup_window is None and shipment.collection_due is None


def test_a_pickup_is_booked_once_and_never_after_the_collection():
    logistics, booked = _label()
    _, collected = _label(logistics)
    window = (AT + timedelta(hours=20), AT + timedelta(hours=23))
    logistics.schedule_pickup(booked, window, AT)
    collected.collected_at = AT

    for shipment in (booked, collected):
        with pytest.raises(RuleViolation) as refused:
            logistics.check_pickup(shipment, window, AT)
        assert refused.value.code == Code.INVALID_REQUEST
        assert "already has a pickup or was collected" in refused.value.message


# ----- shipping documents -------------------------------------------------------------------------
def test_the_shipping_document_is_available_once_shipment_is_arranged_until_collection():
    logistics, _, package = _opened()
    with pytest.raises(RuleViolation) as before:
        logistics.check_document_available(package)
    logistics.ship(package, AT, handover=None, slot=None)
    logistics.check_document_available(package)
    logistics.carrier_progress(package.tracking_number, AT + carrier.DROP_OFF_COLLECTED_AFTER)
    with pytest.raises(RuleViolation) as after:
        logistics.check_document_available(package)

    assert before.value.code == Code.DOCUMENT_NOT_AVAILABLE
    assert "arrange shipment first" in before.value.message
    assert after.value.code == Code.DOCUMENT_NOT_AVAILABLE
    assert "no longer available" in after.value.message


def test_no_shipping_document_for_seller_shipping_or_a_rejected_label():
    seller_logistics, _, seller_package = _seller_shipped()
    logistics, _, package = _opened(postal_code="")
    with pytest.raises(RuleViolation):
        logistics.ship(package, AT, handover=None, slot=None)

    with pytest.raises(RuleViolation) as seller:
        seller_logistics.check_document_available(seller_package)
    with pytest.raises(RuleViolation) as rejected:
        logistics.check_document_available(package)
    assert seller.value.code == Code.WRONG_SHIPPING_TYPE
    assert rejected.value.code == Code.LABEL_REJECTED
    assert "BUYER_ADDRESS_ISSUE" in rejected.value.message


# ----- numbers given out ----------------------------------------------------------------------------
def test_a_platform_tracking_number_is_never_given_out_twice():
    logistics, _, package = _opened()
    probe = random.Random()
    probe.setstate(logistics.rng.getstate())
    taken = fakes.digits(probe, 18, "TTS")  # the number the shop's generator draws next
    logistics.shipments[taken] = Shipment(taken, *PROVIDER, WAREHOUSE, "Springfield", 500, AT)
    logistics.ship(package, AT, handover=None, slot=None)

    assert package.tracking_number.startswith("TTS")
    assert package.tracking_number != taken
    assert logistics.shipments[taken].package_id == ""  # the shipment holding it is left alone


# ----- sellers who deliver themselves --------------------------------------------------------------
def test_a_seller_who_delivers_reports_the_delivery_with_proof():
    logistics, order, package = _seller_shipped()
    delivered = AT + timedelta(days=1)
    outcome = seller_delivers(
        logistics, package, "DELIVERY_SUCCESS", "https://example.invalid/pod.jpg", "", delivered
    )

    assert kinds(outcome) == ["carrier.tracking_event", "order.status_changed", "order.status_changed"]
    assert outcome.events[0].data["detail_code"] == carrier.DELIVERED
    assert [e.data["to"] for e in outcome.events[1:]] == ["IN_TRANSIT", "DELIVERED"]
    assert outcome.deadlines == [
        Deadline(delivered + deadlines.COMPLETION_AFTER_DELIVERY, rules.ORDER_COMPLETES, order.id)
    ]
    assert package.proof_of_delivery == ["https://example.invalid/pod.jpg"]
    assert order.collection_time == order.delivery_time == delivered
    shipment = logistics.shipments[SELLER_NUMBER]
    assert shipment.events[-1].message == "Delivered by the seller (proof of delivery)"
    assert shipment.next_step == len(carrier.STANDARD_PLAN)  # the carrier has nothing more to do


def test_a_seller_who_delivers_reports_a_failed_delivery_with_its_reason():
    logistics, order, package = _seller_shipped()
    outcome = seller_delivers(logistics, package, "DELIVERY_FAILED", "", "Recipient moved", AT)

    assert only(outcome, "package.delivery_failed").data == {
        "package_id": package.id,
        "reason": "Recipient moved",
    }
    assert order.status is OrderStatus.AWAITING_COLLECTION


def test_proof_of_delivery_is_added_to_a_delivered_package():
    logistics, order, package = _seller_shipped()
    with pytest.raises(RuleViolation) as too_early:
        seller_delivers(logistics, package, "UPDATE_POD", "https://example.invalid/late.jpg", "", AT)
    seller_delivers(logistics, package, "DELIVERY_SUCCESS", "https://example.invalid/pod.jpg", "", AT)
    assert (
        seller_delivers(logistics, package, "UPDATE_POD", "https://example.invalid/late.jpg", "", AT)
        == Outcome()
    )

    assert too_early.value.code == Code.NOT_DELIVERABLE
    assert package.proof_of_delivery == [
        "https://example.invalid/pod.jpg",
        "https://example.invalid/late.jpg",
    ]
    assert order.status is OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("delivery_type", "file_url", "reason"),
    [
        ("DELIVERY_SUCCESS", "", ""),  # no proof of delivery
        ("DELIVERY_FAILED", "", ""),  # no reason
    ],
    ids=["success without proof", "failure without reason"],
)
def test_a_delivery_report_needs_its_proof_or_its_reason(delivery_type, file_url, reason):
    logistics, order, package = _seller_shipped()

    with pytest.raises(RuleViolation) as refused:
        seller_delivers(logistics, package, delivery_type, file_url, reason, AT)
    assert refused.value.code == Code.NOT_DELIVERABLE
    assert order.status is OrderStatus.AWAITING_COLLECTION


def test_only_a_shipped_seller_shipped_package_is_reported_delivered():
    platform_logistics, _, platform_package = _opened()
    platform_logistics.ship(platform_package, AT, handover=None, slot=None)
    logistics, order, package = _opened(shipping_type=ShippingType.SELLER)
    proof = "https://example.invalid/pod.jpg"

    with pytest.raises(RuleViolation) as platform:
        seller_delivers(platform_logistics, platform_package, "DELIVERY_SUCCESS", proof, "", AT)
    with pytest.raises(RuleViolation) as unshipped:
        seller_delivers(logistics, package, "DELIVERY_SUCCESS", proof, "", AT)
    order.status, order.locked = OrderStatus.COMPLETED, True
    with pytest.raises(RuleViolation) as locked:
        seller_delivers(logistics, package, "UPDATE_POD", proof, "", AT)

    assert platform.value.code == Code.WRONG_SHIPPING_TYPE
    assert unshipped.value.code == Code.NOT_DELIVERABLE
    assert locked.value.code == Code.ORDER_LOCKED
