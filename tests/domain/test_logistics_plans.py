"""What is planned for a parcel's journey, and what the seller does with one that failed to come back
(sandbox/domain/logistics.py).

Magic values (docs/reference/magic-values.md): text in the buyer's second address line (platform
shipping) or the start of a seller's tracking number sends the carrier down a path without any
scenario, to the Seller Center's stuck-tracking tags ("Unmoved tracking event", "Picked up but
logistics status not updated", "Delivered but logistics not updated") and its Failed Delivery tab
("Returning to Seller", "Delivered Back to Seller", "Seller Delivery Failed").

Scenarios plan failed delivery attempts ("a package that has not been successfully delivered after
three attempts"), missed collections ("if the carrier fails to ship your product twice, the item is
deemed lost") and failed returns; for a failed return package "should the seller require the
package, they can ... submit an online ticket within 7 days", and "a package rejected by the
seller - the platform will instruct the service provider to destroy the package".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import SHIPPED_AT, TOTAL, journey, kinds, only

from sandbox.domain import carrier, deadlines, fulfillment, logistics, rules
from sandbox.domain.carrier import AttemptFailure
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, Outcome, RuleViolation
from sandbox.domain.logistics import (
    FAILED_ATTEMPTS_MARK,
    NO_DELIVERY_UPDATE_MARK,
    NO_PICKUP_UPDATE_MARK,
    REFUSED_MARK,
    RETURN_FAILS_MARK,
    SELLER_NUMBER_MARKS,
    STALL_MARK,
)
from sandbox.domain.orders import CancellationInitiator, OrderStatus, ShippingType
from sandbox.domain.packages import HandoverMethod
from sandbox.domain.returns import ReturnStatus
from sandbox.durations import unix

ADDRESSEE = AttemptFailure.ADDRESSEE_NOT_AVAILABLE
PLANNED = SHIPPED_AT - timedelta(hours=2)  # a scenario's plan, before the package ships
# A dropped-off parcel is collected six hours after the shipment is arranged (a seller's carrier
# has it two hours after the number is uploaded); the carrier delivers, or first attempts to, 48
# hours after collection, then tries again once a day; the way back takes 72 hours.
COLLECTED = SHIPPED_AT + carrier.DROP_OFF_COLLECTED_AFTER
DELIVERED = FIRST_ATTEMPT = COLLECTED + timedelta(hours=48)
THIRD_ATTEMPT = FIRST_ATTEMPT + timedelta(days=2)
BACK = THIRD_ATTEMPT + deadlines.RETURN_JOURNEY


# ----- magic values ------------------------------------------------------------------------------
def _plan(j, collected):
    """What the magic value planned: the carrier's stall, its failed attempts and failed return,
    and the platform's held updates (counted from the collection)."""
    return {
        "stall": j.shipment.stall_after_pickup,
        "failures": j.shipment.failures_ahead,
        "return_fails": j.shipment.return_fails,
        "holds": {milestone: until - collected for milestone, until in j.package.status_holds.items()},
    }


NOTHING = {"stall": None, "failures": [], "return_fails": False, "holds": {}}
PLANS = {
    STALL_MARK: {**NOTHING, "stall": timedelta(days=5)},
    NO_PICKUP_UPDATE_MARK: {**NOTHING, "holds": {"picked_up": timedelta(days=3)}},
    NO_DELIVERY_UPDATE_MARK: {**NOTHING, "holds": {"delivered": timedelta(hours=48) + timedelta(days=3)}},
    FAILED_ATTEMPTS_MARK: {**NOTHING, "failures": [ADDRESSEE] * 3},
    REFUSED_MARK: {**NOTHING, "failures": [AttemptFailure.REFUSED] * 3},
    RETURN_FAILS_MARK: {**NOTHING, "failures": [ADDRESSEE] * 3, "return_fails": True},
}


def test_every_magic_value_has_a_seller_tracking_number_prefix():
    assert set(SELLER_NUMBER_MARKS.values()) == set(PLANS)


@pytest.mark.parametrize("mark", list(PLANS))
def test_a_magic_value_in_the_buyer_address_plans_the_carrier_path(mark):
    j = journey(address_line2=f"Apt 4 {mark}")
    outcome = j.ship()

    assert _plan(j, COLLECTED) == PLANS[mark]
    assert j.package.failures_ahead == []  # handed over to the carrier
    # Nothing to tell yet: the path shows as the carrier moves.
    assert kinds(outcome) == [
        "package.label_created",
        "carrier.tracking_event",
        "package.shipped",
        "order.status_changed",
    ]


@pytest.mark.parametrize(("prefix", "mark"), list(SELLER_NUMBER_MARKS.items()))
def test_a_seller_tracking_number_starting_with_a_magic_prefix_plans_the_same_path(prefix, mark):
    j = journey(shipping_type=ShippingType.SELLER)
    j.ship(seller_number=f"{prefix}0001")

    assert _plan(j, SHIPPED_AT + logistics.SELLER_CARRIER_COLLECTS_AFTER) == PLANS[mark]


def test_a_magic_prefix_is_read_whatever_its_case():
    j = journey(shipping_type=ShippingType.SELLER)
    j.ship(seller_number="sbxRefused-0001")

    assert j.shipment.failures_ahead == [AttemptFailure.REFUSED] * 3


@pytest.mark.parametrize("number", ["1Z999AA10123456784", "1ZSBXSTALL0001", "SBX-STALL-0001"])
def test_an_ordinary_seller_tracking_number_plans_nothing(number):
    j = journey(shipping_type=ShippingType.SELLER)
    j.ship(seller_number=number)

    assert _plan(j, SHIPPED_AT + logistics.SELLER_CARRIER_COLLECTS_AFTER) == NOTHING


def test_the_buyer_address_marks_only_platform_shipping():
    j = journey(address_line2=f"{STALL_MARK} {REFUSED_MARK}", shipping_type=ShippingType.SELLER)
    j.ship(seller_number="1Z999AA10123456784")

    assert _plan(j, SHIPPED_AT + logistics.SELLER_CARRIER_COLLECTS_AFTER) == NOTHING


def test_refused_wins_over_failed_attempts_and_the_way_back_can_fail_too():
    j = journey(address_line2=f"{FAILED_ATTEMPTS_MARK} {REFUSED_MARK} {RETURN_FAILS_MARK}")
    j.ship()

    assert j.shipment.failures_ahead == [AttemptFailure.REFUSED] * 3
    assert j.shipment.return_fails


def test_held_updates_count_from_a_pickup_two_hours_into_its_slot():
    j = journey(address_line2=NO_PICKUP_UPDATE_MARK)
    slot = j.logistics.handover_time_slots(j.package, SHIPPED_AT)[0]
    j.logistics.ship(j.package, SHIPPED_AT, handover=HandoverMethod.PICKUP, slot=slot)

    assert j.package.status_holds == {"picked_up": slot[0] + timedelta(hours=2) + timedelta(days=3)}


# ----- the paths, as the carrier moves -----------------------------------------------------------
def test_stall_stops_the_tracking_for_5_days_after_pickup_unmoved_after_2():
    j = journey(address_line2=STALL_MARK)
    j.ship()
    picked_up = j.queue.run(COLLECTED)

    stalled = only(picked_up, "carrier.tracking_stalled")
    assert stalled.subject == j.package.tracking_number
    assert stalled.data == {"until": unix(COLLECTED + timedelta(days=5)), "order_id": j.order.id}
    assert j.order.status is OrderStatus.IN_TRANSIT  # the platform saw the pickup
    quiet = COLLECTED + timedelta(days=2)
    j.queue.run(quiet + timedelta(minutes=1))
    assert j.shipment.last_detail_code == carrier.PICKED_UP
    assert j.logistics.tags(j.order, quiet) == []
    assert j.logistics.tags(j.order, quiet + timedelta(minutes=1)) == [fulfillment.UNMOVED_TRACKING]
    moved = j.queue.run(COLLECTED + timedelta(days=5))
    assert only(moved, "carrier.tracking_event").data["detail_code"] == "InTransit_002"
    assert j.logistics.tags(j.order, COLLECTED + timedelta(days=5)) == []


def test_no_status_update_misses_the_pickup_for_3_days():
    j = journey(address_line2=NO_PICKUP_UPDATE_MARK)
    j.ship()
    j.queue.run(COLLECTED + timedelta(hours=25))

    assert j.shipment.has(carrier.PICKED_UP)
    assert j.order.status is OrderStatus.AWAITING_COLLECTION
    assert j.logistics.tags(j.order, COLLECTED + timedelta(hours=24)) == []
    assert j.logistics.tags(j.order, COLLECTED + timedelta(hours=25)) == [fulfillment.PICKED_UP_NOT_UPDATED]
    caught_up = j.queue.run(COLLECTED + timedelta(days=3))
    # By then the carrier has delivered too: the platform catches up with both at once.
    changes = [e for e in caught_up.events if e.kind == "order.status_changed"]
    assert [(e.at, e.data["to"]) for e in changes] == [
        (COLLECTED + timedelta(days=3), "IN_TRANSIT"),
        (COLLECTED + timedelta(days=3), "DELIVERED"),
    ]
    assert j.order.collection_time == COLLECTED
    assert j.order.delivery_time == DELIVERED


def test_delivered_not_updated_misses_the_delivery_for_3_days():
    j = journey(address_line2=NO_DELIVERY_UPDATE_MARK)
    j.ship()
    j.queue.run(DELIVERED + timedelta(hours=1))

    assert j.shipment.has(carrier.DELIVERED)
    assert j.order.status is OrderStatus.IN_TRANSIT
    assert j.logistics.tags(j.order, DELIVERED + timedelta(hours=1)) == [fulfillment.DELIVERED_NOT_UPDATED]
    caught_up = j.queue.run(DELIVERED + timedelta(days=3))
    assert only(caught_up, "order.status_changed").data == {"from": "IN_TRANSIT", "to": "DELIVERED"}
    assert only(caught_up, "order.status_changed").at == DELIVERED + timedelta(days=3)
    assert j.order.delivery_time == DELIVERED
    assert j.logistics.tags(j.order, DELIVERED + timedelta(days=3)) == []


def test_three_failed_attempts_go_back_to_the_seller_cancelled_and_refunded():
    j = journey(address_line2=FAILED_ATTEMPTS_MARK)
    j.ship()
    returning = j.queue.run(THIRD_ATTEMPT)

    assert [(a.at, a.failure) for a in j.shipment.attempts] == [
        (FIRST_ATTEMPT, ADDRESSEE),
        (FIRST_ATTEMPT + timedelta(days=1), ADDRESSEE),
        (THIRD_ATTEMPT, ADDRESSEE),
    ]
    assert only(returning, "package.return_status_changed").data["return_status"] == "RETURNING_TO_SELLER"
    assert j.package.return_started_at == THIRD_ATTEMPT
    back = j.queue.run(BACK)
    assert kinds(back) == [
        "carrier.tracking_event",
        "package.return_status_changed",
        "order.status_changed",
        "order.refunded",
    ]
    assert back.events[0].data["detail_code"] == carrier.RETURNED
    assert all(e.at == BACK for e in back.events)  # delivered back: cancelled and refunded at once
    assert j.package.return_status is ReturnStatus.DELIVERED_BACK_TO_SELLER
    assert j.package.returned_at == BACK
    assert j.order.cancellation_initiator is CancellationInitiator.SYSTEM
    assert j.order.cancel_reason == "returned_to_shipper_other"
    assert only(back, "order.refunded").data["amount"] == TOTAL


def test_refused_three_times_goes_back_to_the_seller_as_refused():
    j = journey(address_line2=REFUSED_MARK)
    j.ship()
    j.queue.run(BACK)

    assert [e.detail_code for e in j.shipment.events if e.status is carrier.TrackingStatus.ATTEMPT_FAIL] == [
        "AttemptFail_004"
    ] * 3
    assert j.order.status is OrderStatus.CANCELLED
    assert j.order.cancel_reason == "returned_to_shipper_refused"


def test_return_fails_is_seller_delivery_failed_then_destroyed_after_7_days():
    j = journey(address_line2=RETURN_FAILS_MARK)
    j.ship()
    failed = j.queue.run(BACK)

    destroy_at = BACK + timedelta(days=7)
    assert j.shipment.last_detail_code == carrier.RETURN_FAILED
    assert j.package.return_status is ReturnStatus.SELLER_DELIVERY_FAILED
    assert only(failed, "package.destruction_notice").data == {
        "package_id": j.package.id,
        "destroy_at": unix(destroy_at),
    }
    assert j.order.status is OrderStatus.IN_TRANSIT  # not cancelled while the seller may claim it
    destroyed = j.queue.run(destroy_at)
    assert kinds(destroyed) == [
        "package.return_status_changed",
        "order.status_changed",
        "order.refunded",
        "carrier.tracking_event",
    ]
    assert destroyed.events[0].data["return_status"] == "DESTROYED"
    assert j.order.cancel_reason == "package_scrap"
    assert j.shipment.events[-1].message == "Destroyed by the carrier"
    assert j.shipment.events[-1].detail_code == carrier.RETURN_NOTE


def test_a_seller_number_for_three_failed_attempts_goes_back_to_the_seller_too():
    j = journey(shipping_type=ShippingType.SELLER)
    j.ship(seller_number="SBX3FAIL0001")
    collected = SHIPPED_AT + logistics.SELLER_CARRIER_COLLECTS_AFTER
    j.queue.run(collected + timedelta(hours=48 + 48 + 72))

    assert [a.delivered for a in j.shipment.attempts] == [False] * 3
    assert j.package.return_status is ReturnStatus.DELIVERED_BACK_TO_SELLER
    assert j.order.cancel_reason == "returned_to_shipper_other"


# ----- failed delivery attempts ----------------------------------------------------------------
def test_failed_attempts_planned_before_shipping_wait_on_the_package_for_the_carrier():
    j = journey()
    outcome = j.logistics.plan_failed_attempts(j.package, AttemptFailure.BUSINESS_CLOSED, 2, PLANNED)

    event = only(outcome, "package.failed_attempts_planned")
    assert (event.at, event.subject) == (PLANNED, j.order.id)
    assert event.data == {"package_id": j.package.id, "count": 2, "reason": "BUSINESS_CLOSED"}
    assert outcome.deadlines == []
    assert j.package.failures_ahead == [AttemptFailure.BUSINESS_CLOSED] * 2
    j.ship()
    assert j.package.failures_ahead == []
    assert j.shipment.failures_ahead == [AttemptFailure.BUSINESS_CLOSED] * 2


def test_failed_attempts_planned_for_a_bought_label_wait_until_the_package_ships():
    j = journey()
    j.logistics.create_label(j.package, f"{j.logistics.providers()[0].id}-GROUND", 800, (30, 20, 10), PLANNED)
    j.logistics.plan_failed_attempts(j.package, AttemptFailure.ADDRESS_ISSUE, 1, PLANNED)

    assert j.shipment.failures_ahead == []
    assert j.package.failures_ahead == [AttemptFailure.ADDRESS_ISSUE]
    j.ship()
    assert j.shipment.failures_ahead == [AttemptFailure.ADDRESS_ISSUE]


def test_failed_attempts_planned_for_a_shipped_parcel_go_to_the_carrier_at_once():
    j = journey()
    j.ship()
    j.logistics.plan_failed_attempts(j.package, AttemptFailure.ADDRESSEE_NOT_AVAILABLE, 1, SHIPPED_AT)

    assert j.package.failures_ahead == []
    assert j.shipment.failures_ahead == [AttemptFailure.ADDRESSEE_NOT_AVAILABLE]


def test_a_parcel_that_fails_one_attempt_is_delivered_the_next_day():
    j = journey()
    j.ship()
    j.logistics.plan_failed_attempts(j.package, AttemptFailure.BUSINESS_CLOSED, 1, SHIPPED_AT)
    j.queue.run(FIRST_ATTEMPT + timedelta(days=1))

    assert [(a.at, a.delivered, a.failure) for a in j.shipment.attempts] == [
        (FIRST_ATTEMPT, False, AttemptFailure.BUSINESS_CLOSED),
        (FIRST_ATTEMPT + timedelta(days=1), True, None),
    ]
    assert j.order.status is OrderStatus.DELIVERED
    assert j.order.delivery_time == FIRST_ATTEMPT + timedelta(days=1)


def test_a_delivered_parcel_is_past_its_delivery_attempts():
    j = journey()
    j.ship()
    j.queue.run(FIRST_ATTEMPT)

    with pytest.raises(RuleViolation) as refused:
        j.logistics.plan_failed_attempts(j.package, AttemptFailure.REFUSED, 1, FIRST_ATTEMPT)
    assert refused.value.code == Code.INVALID_REQUEST
    assert "past its delivery attempts" in refused.value.message
    assert j.shipment.failures_ahead == []


def test_a_parcel_returning_to_seller_is_past_its_delivery_attempts():
    j = journey(address_line2=FAILED_ATTEMPTS_MARK)
    j.ship()
    j.queue.run(THIRD_ATTEMPT)
    assert j.shipment.returning

    with pytest.raises(RuleViolation) as refused:
        j.logistics.plan_failed_attempts(j.package, AttemptFailure.REFUSED, 1, THIRD_ATTEMPT)
    assert refused.value.code == Code.INVALID_REQUEST


@pytest.mark.xfail(
    strict=True,
    reason="plan_failed_attempts refuses only a delivered or still-returning parcel: once the parcel "
    "is delivered back to the seller (shipment.returning is False again) a plan is accepted, with its "
    "package.failed_attempts_planned event, for attempts that will never happen",
)
def test_a_parcel_delivered_back_to_seller_is_past_its_delivery_attempts():
    j = journey(address_line2=FAILED_ATTEMPTS_MARK)
    j.ship()
    j.queue.run(BACK)
    assert j.package.return_status is ReturnStatus.DELIVERED_BACK_TO_SELLER
    assert j.order.status is OrderStatus.CANCELLED

    with pytest.raises(RuleViolation):
        j.logistics.plan_failed_attempts(j.package, AttemptFailure.REFUSED, 1, BACK + timedelta(hours=1))


# ----- missed collections ----------------------------------------------------------------------
def test_missed_collections_planned_before_shipping_wait_on_the_package_for_the_carrier():
    j = journey()
    outcome = j.logistics.plan_missed_collections(j.package, 1, PLANNED)

    event = only(outcome, "package.failed_collections_planned")
    assert (event.at, event.subject) == (PLANNED, j.order.id)
    assert event.data == {"package_id": j.package.id, "count": 1}
    assert j.package.missed_collections_ahead == 1
    j.ship()
    assert j.package.missed_collections_ahead == 0
    assert j.shipment.missed_collections_ahead == 1


def test_a_missed_collection_is_tried_again_the_next_day():
    j = journey()
    j.ship()
    j.logistics.plan_missed_collections(j.package, 1, SHIPPED_AT)
    missed = j.queue.run(COLLECTED)

    assert only(missed, "carrier.tracking_event").data["detail_code"] == carrier.COLLECTION_MISSED
    assert j.order.status is OrderStatus.AWAITING_COLLECTION
    j.queue.run(COLLECTED + timedelta(hours=24))
    assert j.shipment.collected_at == COLLECTED + timedelta(hours=24)
    assert j.order.status is OrderStatus.IN_TRANSIT


def test_the_carrier_failing_to_ship_twice_makes_the_item_lost():
    j = journey()
    j.logistics.plan_missed_collections(j.package, 2, PLANNED)
    j.ship()
    lost = j.queue.run(COLLECTED + timedelta(hours=24))

    assert only(lost, "package.lost").data == {"package_id": j.package.id, "cause": "failed_to_ship_twice"}
    assert j.order.status is OrderStatus.CANCELLED
    assert j.order.cancel_reason == "package_lost"
    assert j.shipment.collected_at is None


def test_a_parcel_already_collected_has_no_collection_left_to_miss():
    j = journey()
    j.ship()
    j.queue.run(COLLECTED)

    with pytest.raises(RuleViolation) as refused:
        j.logistics.plan_missed_collections(j.package, 1, COLLECTED)
    assert refused.value.code == Code.INVALID_REQUEST
    assert "already been collected" in refused.value.message
    assert j.shipment.missed_collections_ahead == 0


@pytest.mark.xfail(
    strict=True,
    reason="plan_missed_collections refuses only a parcel already collected: once the carrier has "
    "failed to ship it twice (lost, the order cancelled) a plan is accepted, with its "
    "package.failed_collections_planned event, for collections that will never happen",
)
def test_a_parcel_lost_after_two_missed_collections_has_no_collection_left_to_miss():
    j = journey()
    j.logistics.plan_missed_collections(j.package, 2, PLANNED)
    j.ship()
    j.queue.run(COLLECTED + timedelta(hours=24))
    assert j.package.lost

    with pytest.raises(RuleViolation):
        j.logistics.plan_missed_collections(j.package, 1, COLLECTED + timedelta(days=2))


# ----- a failed return, claimed or rejected by the seller -------------------------------------------
def test_a_failed_return_planned_for_a_shipped_parcel_goes_to_the_carrier():
    j = journey()
    j.ship()
    assert j.logistics.plan_failed_return(j.package).events == []

    assert j.package.return_fails
    assert j.shipment.return_fails


def _seller_delivery_failed():
    j = journey(address_line2=RETURN_FAILS_MARK)
    j.ship()
    j.queue.run(BACK)
    assert j.package.return_status is ReturnStatus.SELLER_DELIVERY_FAILED
    return j


def test_the_seller_claims_a_failed_return_package_within_7_days_and_it_comes_back():
    j = _seller_delivery_failed()
    claimed = BACK + timedelta(days=2)
    outcome = j.queue.add(j.logistics.seller_claims_parcel(j.package, claimed))

    assert kinds(outcome) == ["package.return_status_changed", "carrier.tracking_event"]
    assert outcome.events[0].data["return_status"] == "RETURNING_TO_SELLER"
    assert outcome.events[1].data["detail_code"] == carrier.RETURN_NOTE
    assert j.shipment.events[-1].message == "The seller asked for the parcel: returning again"
    # The destruction is called off; the parcel is on its way back again.
    assert outcome.cancel == [(rules.FAILED_RETURN_DESTROYED, j.package.id)]
    assert outcome.deadlines == [
        Deadline(claimed + deadlines.RETURN_JOURNEY, rules.CARRIER_RETURN_ARRIVES, j.package.tracking_number)
    ]
    assert j.package.destroy_at is None
    back = j.queue.run(BACK + timedelta(days=30))
    assert j.shipment.last_detail_code == carrier.RETURNED
    assert j.package.return_status is ReturnStatus.DELIVERED_BACK_TO_SELLER
    assert j.package.returned_at == claimed + deadlines.RETURN_JOURNEY
    assert j.order.cancel_reason == "returned_to_shipper_other"
    assert "package.destruction_notice" not in kinds(back)


def test_a_claimed_parcel_is_not_destroyed_when_the_7_days_end():
    j = _seller_delivery_failed()
    destroy_at = j.package.destroy_at
    j.logistics.seller_claims_parcel(j.package, BACK + timedelta(days=2))
    tracking = list(j.shipment.events)

    assert destroy_at == BACK + deadlines.DESTROY_WINDOW
    # Had the destruction still fired, it would find the parcel on its way back: nothing happens.
    assert j.logistics.failed_return_destroyed(j.package.id, destroy_at) == Outcome()
    assert j.package.return_status is ReturnStatus.RETURNING_TO_SELLER
    assert j.shipment.events == tracking


@pytest.mark.parametrize("when", ["in transit", "returning"])
def test_only_a_parcel_the_carrier_failed_to_deliver_back_can_be_claimed(when):
    j = journey(address_line2=FAILED_ATTEMPTS_MARK)
    j.ship()
    j.queue.run(COLLECTED if when == "in transit" else THIRD_ATTEMPT)
    tracking = list(j.shipment.events)

    with pytest.raises(RuleViolation) as refused:
        j.logistics.seller_claims_parcel(j.package, THIRD_ATTEMPT)
    assert refused.value.code == Code.RETURN_NOT_ALLOWED
    assert j.shipment.events == tracking  # no carrier note


def test_a_package_rejected_by_the_seller_on_its_way_back_is_destroyed():
    j = journey(address_line2=FAILED_ATTEMPTS_MARK)
    j.ship()
    j.queue.run(THIRD_ATTEMPT)
    rejected = THIRD_ATTEMPT + timedelta(hours=5)
    outcome = j.logistics.seller_rejects_parcel(j.package, rejected)

    assert kinds(outcome) == [
        "package.return_status_changed",
        "order.status_changed",
        "order.refunded",
        "carrier.tracking_event",
    ]
    assert outcome.events[0].data["return_status"] == "DESTROYED"
    assert (rules.FAILED_RETURN_DESTROYED, j.package.id) in outcome.cancel
    assert j.order.status is OrderStatus.CANCELLED
    assert j.order.cancel_reason == "package_scrap"
    assert (j.shipment.events[-1].at, j.shipment.events[-1].message) == (
        rejected,
        "Rejected by the seller: destroyed",
    )


def test_a_package_rejected_on_its_way_back_never_arrives_back_at_the_seller():
    j = journey(address_line2=FAILED_ATTEMPTS_MARK)
    j.ship()
    j.queue.run(THIRD_ATTEMPT)
    rejected = j.queue.add(j.logistics.seller_rejects_parcel(j.package, THIRD_ATTEMPT + timedelta(hours=5)))
    later = j.queue.run(BACK + timedelta(days=30))

    # Destroyed, the order cancelled and refunded once: the carrier's return is called off.
    assert kinds(later) == []
    assert j.package.return_status is ReturnStatus.DESTROYED
    assert j.order.cancel_reason == "package_scrap"
    assert j.order.refund_time == THIRD_ATTEMPT + timedelta(hours=5)
    assert (rules.CARRIER_RETURN_ARRIVES, j.package.tracking_number) in rejected.cancel


def test_a_failed_return_package_the_seller_rejects_is_destroyed_before_the_7_days():
    j = _seller_delivery_failed()
    rejected = BACK + timedelta(days=1)
    j.queue.add(j.logistics.seller_rejects_parcel(j.package, rejected))

    assert j.package.return_status is ReturnStatus.DESTROYED
    assert j.package.destroy_at == rejected  # destroyed at once, on that date
    assert j.order.cancel_reason == "package_scrap"
    # The 7-day destruction was called off: nothing more happens when it would have come.
    assert kinds(j.queue.run(BACK + timedelta(days=8))) == []


def test_a_parcel_not_on_its_way_back_cannot_be_rejected():
    j = journey()
    j.ship()
    j.queue.run(COLLECTED)

    with pytest.raises(RuleViolation) as refused:
        j.logistics.seller_rejects_parcel(j.package, COLLECTED)
    assert refused.value.code == Code.RETURN_NOT_ALLOWED
    assert j.order.status is OrderStatus.IN_TRANSIT


def test_the_failed_delivery_view_shows_the_return_and_the_attempts():
    j = _seller_delivery_failed()
    view = j.logistics.seller_delivery_failed_view(j.package)

    assert view["return_status"] == "SELLER_DELIVERY_FAILED"
    assert view["return_started_at"] == THIRD_ATTEMPT
    assert view["returned_at"] is None
    assert view["destroy_at"] == BACK + deadlines.DESTROY_WINDOW
    assert [a.at for a in view["attempts"]] == [FIRST_ATTEMPT + timedelta(days=d) for d in range(3)]
