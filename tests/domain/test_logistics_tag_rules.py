"""The logistics issue tags: "if it's been more than 24 hours since your order was picked up and the
status has not been updated to 'Shipped', you can create a ticket under ... Picked up but logistics
status not updated"; "Unmoved tracking event"; "Delivered but logistics not updated"
(sandbox/domain/fulfillment.py logistics_issue_tags, follow_shipment; carrier.py stall, resume)."""

from __future__ import annotations

from datetime import timedelta

from domain_builders import SHIPPED_AT, awaiting_shipment, event_at, kinds, only, shipped_order

from sandbox.domain import carrier, fulfillment
from sandbox.domain.carrier import TrackingEvent, TrackingStatus
from sandbox.domain.events import Outcome
from sandbox.domain.fulfillment import DELIVERED_NOT_UPDATED, PICKED_UP_NOT_UPDATED, UNMOVED_TRACKING
from sandbox.domain.orders import OrderStatus
from sandbox.domain.packages import PackageStatus
from sandbox.durations import unix

PICKED_UP = SHIPPED_AT + timedelta(hours=6)
SECOND = timedelta(seconds=1)


def _tags(shipped, at):
    return fulfillment.logistics_issue_tags(shipped.order, shipped.package, shipped.shipment, at)


def _picked_up_not_followed():
    """The carrier picked the parcel up, the platform's status update is held for 3 days."""
    shipped = shipped_order()
    shipped.package.status_holds[fulfillment.PICKED_UP_HOLD] = PICKED_UP + timedelta(days=3)
    event_at(shipped.shipment, carrier.PICKED_UP, PICKED_UP)
    return shipped


def test_the_tags_read_as_in_the_seller_center():
    assert PICKED_UP_NOT_UPDATED == "Picked up but logistics status not updated"
    assert UNMOVED_TRACKING == "Unmoved tracking event"
    assert DELIVERED_NOT_UPDATED == "Delivered but logistics not updated"


def test_the_platform_holds_the_pickup_update_until_the_hold_ends():
    shipped = _picked_up_not_followed()
    outcome = fulfillment.follow_shipment(shipped.order, shipped.package, shipped.shipment, PICKED_UP)

    assert kinds(outcome) == []
    assert [(d.rule, d.due, d.subject) for d in outcome.deadlines] == [
        ("platform_follows_shipment", PICKED_UP + timedelta(days=3), shipped.package.id)
    ]
    assert shipped.order.status is OrderStatus.AWAITING_COLLECTION


def test_picked_up_but_not_updated_shows_after_more_than_24_hours():
    shipped = _picked_up_not_followed()

    assert _tags(shipped, PICKED_UP + timedelta(hours=23)) == []
    assert _tags(shipped, PICKED_UP + timedelta(hours=24)) == []
    assert _tags(shipped, PICKED_UP + timedelta(hours=24) + SECOND) == [PICKED_UP_NOT_UPDATED]


def test_once_the_platform_follows_the_pickup_the_order_is_in_transit_and_the_tag_goes():
    shipped = _picked_up_not_followed()
    followed = PICKED_UP + timedelta(days=3)
    outcome = fulfillment.follow_shipment(shipped.order, shipped.package, shipped.shipment, followed)

    assert only(outcome, "order.status_changed").data == {"from": "AWAITING_COLLECTION", "to": "IN_TRANSIT"}
    assert shipped.order.collection_time == shipped.package.collected_at == PICKED_UP  # the carrier's time
    assert shipped.package.status is PackageStatus.FULFILLING
    assert PICKED_UP_NOT_UPDATED not in _tags(shipped, followed)


def test_unmoved_tracking_event_after_2_days_without_movement():
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    last = PICKED_UP + timedelta(hours=10)
    event_at(shipped.shipment, carrier.PICKED_UP, PICKED_UP)
    event_at(shipped.shipment, "InTransit_002", last)

    assert _tags(shipped, last + timedelta(days=2)) == []
    assert _tags(shipped, last + timedelta(days=2) + SECOND) == [UNMOVED_TRACKING]


def test_unmoved_tracking_event_for_a_parcel_still_uncollected_120_hours_after_shipping():
    shipped = shipped_order()
    # The carrier keeps reporting (a missed collection an hour ago), but never takes the parcel.
    shipped.shipment.events.append(
        TrackingEvent(
            SHIPPED_AT + timedelta(hours=119),
            TrackingStatus.EXCEPTION,
            carrier.COLLECTION_MISSED,
            "The carrier failed to collect the parcel (attempt 1)",
            shipped.shipment.origin_city,
        )
    )

    assert _tags(shipped, SHIPPED_AT + timedelta(hours=120)) == []
    assert _tags(shipped, SHIPPED_AT + timedelta(hours=120) + SECOND) == [UNMOVED_TRACKING]


def test_delivered_but_logistics_not_updated():
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    event_at(shipped.shipment, carrier.PICKED_UP, PICKED_UP)
    event_at(shipped.shipment, carrier.DELIVERED, PICKED_UP + timedelta(hours=48))

    # Delivered parcels are never "unmoved", however long the platform lags.
    later = PICKED_UP + timedelta(days=9)
    assert _tags(shipped, later) == [DELIVERED_NOT_UPDATED]


def test_a_cancelled_or_unshipped_order_has_no_logistics_issue_tags():
    shipped = _picked_up_not_followed()
    later = PICKED_UP + timedelta(days=9)
    order = awaiting_shipment()

    assert fulfillment.logistics_issue_tags(order, None, None, later) == []
    shipped.order.status = OrderStatus.CANCELLED
    assert _tags(shipped, later) == []


def test_a_stalled_shipment_moves_again_when_the_stall_ends():
    shipped = shipped_order()
    event_at(shipped.shipment, carrier.PICKED_UP, PICKED_UP)
    stalled = carrier.stall(shipped.shipment, PICKED_UP, timedelta(days=5))
    until = PICKED_UP + timedelta(days=5)

    assert only(stalled, "carrier.tracking_stalled").data == {
        "until": unix(until),
        "order_id": shipped.order.id,
    }
    event, outcome = carrier.progress(shipped.shipment, PICKED_UP + timedelta(hours=10))
    assert event is None
    assert [(d.rule, d.due) for d in outcome.deadlines] == [("carrier_progress", until)]


def test_the_provider_following_up_an_unmoved_parcel_moves_it_now():
    shipped = shipped_order()
    event_at(shipped.shipment, carrier.PICKED_UP, PICKED_UP)
    carrier.stall(shipped.shipment, PICKED_UP, timedelta(days=5))
    now = PICKED_UP + timedelta(days=3)
    outcome = carrier.resume(shipped.shipment, now)

    assert outcome.cancel == [("carrier_progress", shipped.shipment.tracking_number)]
    assert [(d.rule, d.due) for d in outcome.deadlines] == [("carrier_progress", now)]
    assert shipped.shipment.stalled_until is None
    # A moving shipment has nothing to follow up.
    assert carrier.resume(shipped.shipment, now) == Outcome()


def test_seller_shipped_update_overdue_while_the_order_is_not_marked_shipped():
    order = awaiting_shipment()
    at = SHIPPED_AT + timedelta(hours=50)

    outcome = fulfillment.seller_shipped_update_overdue(order, "1Z999", at)
    assert only(outcome, "order.shipped_update_overdue").data == {"tracking_number": "1Z999"}
    shipped = shipped_order()
    assert kinds(fulfillment.seller_shipped_update_overdue(shipped.order, "1Z999", at)) == []
