"""Failed deliveries: "a package that has not been successfully delivered after three attempts" goes
back to the seller (sandbox/domain/carrier.py, returns.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import SHIPPED_AT, drive, kinds, only, shipped_order

from sandbox.domain import carrier, fulfillment, returns
from sandbox.domain.carrier import AttemptFailure, TrackingStatus
from sandbox.domain.events import Outcome
from sandbox.domain.orders import OrderStatus
from sandbox.domain.returns import ReturnStatus

COLLECTED = SHIPPED_AT + carrier.DROP_OFF_COLLECTED_AFTER
# The first delivery attempt comes 48 hours after collection, at the end of the carrier's plan.
FIRST_ATTEMPT = COLLECTED + timedelta(hours=48)


def _collected(failures: list[AttemptFailure]):
    shipped = shipped_order()
    drive(shipped.shipment, COLLECTED, until=carrier.PICKED_UP)
    shipped.shipment.failures_ahead = list(failures)
    return shipped


def test_a_failed_delivery_attempt_is_tried_again_the_next_day():
    shipped = _collected([AttemptFailure.ADDRESSEE_NOT_AVAILABLE] * 3)
    _, at = drive(shipped.shipment, COLLECTED + timedelta(hours=10), until=carrier.OUT_FOR_DELIVERY)
    assert at == FIRST_ATTEMPT - timedelta(hours=4)
    _, outcome = carrier.progress(shipped.shipment, FIRST_ATTEMPT)

    event = only(outcome, "carrier.tracking_event")
    assert event.data["status"] == TrackingStatus.ATTEMPT_FAIL.value
    assert event.data["detail_code"] == "AttemptFail_001"
    # Out for delivery again the next morning: 20 hours later.
    assert [(d.rule, d.due) for d in outcome.deadlines] == [
        ("carrier_progress", FIRST_ATTEMPT + timedelta(hours=20))
    ]
    assert shipped.shipment.next_step == 3  # back to "Out for delivery" in the plan
    assert not shipped.shipment.returning
    assert [a.failure for a in shipped.shipment.attempts] == [AttemptFailure.ADDRESSEE_NOT_AVAILABLE]


@pytest.mark.parametrize(
    ("failure", "detail_code", "message"),
    [
        (AttemptFailure.ADDRESSEE_NOT_AVAILABLE, "AttemptFail_001", "addressee not available"),
        (AttemptFailure.BUSINESS_CLOSED, "AttemptFail_002", "business closed"),
        (AttemptFailure.ADDRESS_ISSUE, "AttemptFail_003", "address issue"),
        (AttemptFailure.REFUSED, "AttemptFail_004", "refused by the recipient"),
    ],
)
def test_each_failed_attempt_reason_has_its_carrier_detail_code(failure, detail_code, message):
    shipped = _collected([failure])
    shipped.shipment.next_step = 4  # the delivery step of the plan
    event, outcome = carrier.fail_attempt(shipped.shipment, FIRST_ATTEMPT)

    assert event.detail_code == detail_code
    assert message in event.message
    assert event.location == shipped.order.recipient_address.city
    assert only(outcome, "carrier.tracking_event").data["detail_code"] == detail_code


def test_two_failed_attempts_do_not_yet_send_the_package_back():
    shipped = _collected([AttemptFailure.ADDRESSEE_NOT_AVAILABLE] * 3)
    shipped.shipment.next_step = 4
    carrier.fail_attempt(shipped.shipment, FIRST_ATTEMPT)
    _, second = carrier.fail_attempt(shipped.shipment, FIRST_ATTEMPT + timedelta(hours=24))

    assert not shipped.shipment.returning
    assert [d.rule for d in second.deadlines] == ["carrier_progress"]
    assert carrier.RETURNING not in [e.data["detail_code"] for e in second.events]


def test_after_three_failed_attempts_the_package_returns_to_seller():
    shipped = _collected([AttemptFailure.ADDRESSEE_NOT_AVAILABLE] * 3)
    outcome, at = drive(shipped.shipment, COLLECTED + timedelta(hours=10))

    # Attempts at +48h, then 20 hours on to go out again and 4 more to reach the door, twice.
    third_attempt = FIRST_ATTEMPT + 2 * timedelta(hours=24)
    assert at == third_attempt
    assert [a.at for a in shipped.shipment.attempts] == [
        FIRST_ATTEMPT,
        FIRST_ATTEMPT + timedelta(hours=24),
        third_attempt,
    ]
    assert not any(a.delivered for a in shipped.shipment.attempts)
    assert shipped.shipment.returning
    assert not shipped.shipment.has(carrier.DELIVERED)
    back = shipped.shipment.events[-1]
    assert back.detail_code == carrier.RETURNING
    assert back.message == "Returning to sender after 3 failed delivery attempts"
    # The journey to the buyer is over; the way back takes 72 hours.
    assert shipped.shipment.next_step == len(carrier.STANDARD_PLAN)
    last = outcome.deadlines[-1]
    assert (last.rule, last.due, last.subject) == (
        "carrier_return_arrives",
        third_attempt + timedelta(hours=72),
        shipped.shipment.tracking_number,
    )
    assert carrier.progress(shipped.shipment, last.due) == (None, Outcome())


def test_the_returning_parcel_shows_returning_to_seller():
    shipped = _collected([])
    started = FIRST_ATTEMPT + timedelta(hours=48)
    outcome = returns.returning_to_seller(shipped.package, started)

    event = only(outcome, "package.return_status_changed")
    assert event.subject == shipped.order.id
    assert event.data == {"package_id": shipped.package.id, "return_status": "RETURNING_TO_SELLER"}
    assert shipped.package.return_status is ReturnStatus.RETURNING_TO_SELLER
    assert shipped.package.return_started_at == started
    # Going back again later (a claimed parcel) keeps the first start.
    returns.returning_to_seller(shipped.package, started + timedelta(days=5))
    assert shipped.package.return_started_at == started


def test_a_parcel_returning_to_seller_is_neither_delayed_nor_deemed_lost():
    shipped = _collected([])
    shipped.order.status = OrderStatus.IN_TRANSIT
    returns.returning_to_seller(shipped.package, FIRST_ATTEMPT)
    later = shipped.order.create_time + timedelta(days=12)

    assert kinds(fulfillment.delivery_window_passes(shipped.order, shipped.package, later)) == []
    assert kinds(fulfillment.parcel_deemed_lost(shipped.order, shipped.package, later)) == []
    assert not shipped.package.delayed
    assert not shipped.package.lost


def test_a_parcel_delivered_at_the_second_attempt_is_delivered():
    shipped = _collected([AttemptFailure.BUSINESS_CLOSED])
    _, at = drive(shipped.shipment, COLLECTED + timedelta(hours=10), until=carrier.DELIVERED)

    assert at == FIRST_ATTEMPT + timedelta(hours=24)
    assert [a.delivered for a in shipped.shipment.attempts] == [False, True]
    assert not shipped.shipment.returning
    assert shipped.shipment.events[-1].detail_code == carrier.DELIVERED
