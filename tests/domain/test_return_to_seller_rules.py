"""Return to seller, as the Failed Delivery tab shows it: "Delivered Back to Seller: the package has
been returned to the seller, and the order will be automatically cancelled and refunded"; "Seller
Delivery Failed: the carrier couldn't deliver the package to the seller" (sandbox/domain/carrier.py
return_arrives, sandbox/domain/returns.py)."""

from __future__ import annotations

from datetime import timedelta

from domain_builders import CURRENCY, SHIPPED_AT, TOTAL, kinds, only, shipped_order

from sandbox.domain import carrier, returns
from sandbox.domain.carrier import Attempt, AttemptFailure, TrackingStatus
from sandbox.domain.orders import CancellationInitiator, OrderStatus
from sandbox.domain.returns import ReturnStatus
from sandbox.durations import unix

BACK = SHIPPED_AT + timedelta(days=8)


def _returning(*, return_fails: bool = False, failures: list[AttemptFailure] | None = None):
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    shipped.shipment.returning = True
    shipped.shipment.return_fails = return_fails
    shipped.shipment.attempts = [
        Attempt(BACK - timedelta(days=3), delivered=False, failure=f)
        for f in failures or [AttemptFailure.ADDRESSEE_NOT_AVAILABLE] * 3
    ]
    returns.returning_to_seller(shipped.package, BACK - timedelta(days=3))
    return shipped


def test_the_carrier_delivers_the_package_back_to_the_seller():
    shipped = _returning()
    event, outcome = carrier.return_arrives(shipped.shipment, BACK)

    assert event.detail_code == carrier.RETURNED
    assert event.message == "Delivered back to the sender"
    assert event.location == shipped.shipment.origin_city
    assert not shipped.shipment.returning
    assert only(outcome, "carrier.tracking_event").data["detail_code"] == "Exception_012"


def test_delivered_back_to_seller_cancels_and_refunds_the_order_at_once():
    shipped = _returning()
    reason = returns.cancel_reason(shipped.shipment)
    outcome = returns.delivered_back_to_seller(shipped.order, shipped.package, reason, BACK)

    assert kinds(outcome) == ["package.return_status_changed", "order.status_changed", "order.refunded"]
    assert outcome.events[0].data == {
        "package_id": shipped.package.id,
        "return_status": "DELIVERED_BACK_TO_SELLER",
    }
    assert outcome.events[1].data == {"from": "IN_TRANSIT", "to": "CANCELLED"}
    assert outcome.events[2].data == {
        "amount": TOTAL,
        "currency": CURRENCY,
        "reason": "returned_to_shipper_other",
    }
    assert {e.at for e in outcome.events} == {BACK}
    assert shipped.package.return_status is ReturnStatus.DELIVERED_BACK_TO_SELLER
    assert shipped.package.returned_at == BACK  # the Seller Center's "Time Returned"
    assert shipped.order.status is OrderStatus.CANCELLED
    assert shipped.order.cancellation_initiator is CancellationInitiator.SYSTEM
    assert shipped.order.cancel_time == shipped.order.refund_time == BACK
    assert shipped.order.cancel_reason == "returned_to_shipper_other"
    assert ("buyer_cancel_auto_approved", shipped.order.id) in outcome.cancel


def test_a_parcel_refused_by_the_buyer_is_cancelled_as_refused():
    refused = _returning(failures=[AttemptFailure.ADDRESSEE_NOT_AVAILABLE, AttemptFailure.REFUSED])
    other = _returning(failures=[AttemptFailure.BUSINESS_CLOSED, AttemptFailure.ADDRESS_ISSUE])

    assert returns.cancel_reason(refused.shipment) == "returned_to_shipper_refused"
    assert returns.cancel_reason(other.shipment) == "returned_to_shipper_other"


def test_seller_delivery_failed_when_the_carrier_cannot_hand_the_parcel_back():
    shipped = _returning(return_fails=True)
    event, outcome = carrier.return_arrives(shipped.shipment, BACK)

    assert event.status is TrackingStatus.EXCEPTION
    assert event.detail_code == carrier.RETURN_FAILED
    assert event.message == "Could not be delivered back to the sender"
    assert shipped.shipment.returning  # still out there
    assert not shipped.shipment.return_fails  # a second try, once the seller asks, succeeds
    assert kinds(outcome) == ["carrier.tracking_event"]


def test_seller_delivery_failed_notifies_the_seller_the_package_is_to_be_destroyed():
    shipped = _returning(return_fails=True)
    outcome = returns.seller_delivery_failed(shipped.package, BACK)

    assert kinds(outcome) == ["package.return_status_changed", "package.destruction_notice"]
    assert outcome.events[0].data["return_status"] == "SELLER_DELIVERY_FAILED"
    destroy_at = BACK + timedelta(days=7)
    assert outcome.events[1].data == {"package_id": shipped.package.id, "destroy_at": unix(destroy_at)}
    assert shipped.package.return_status is ReturnStatus.SELLER_DELIVERY_FAILED
    assert shipped.package.destroy_at == destroy_at
    # The order is not cancelled yet: the seller may still ask for the parcel.
    assert shipped.order.status is OrderStatus.IN_TRANSIT
    assert shipped.order.refund_time is None


def test_a_claimed_parcel_comes_back_on_the_second_try():
    shipped = _returning(return_fails=True)
    carrier.return_arrives(shipped.shipment, BACK)
    returns.seller_delivery_failed(shipped.package, BACK)
    claimed = BACK + timedelta(days=2)
    returns.seller_claims_parcel(shipped.package, claimed)
    event, _ = carrier.return_arrives(shipped.shipment, claimed + timedelta(hours=72))

    assert event.detail_code == carrier.RETURNED
    outcome = returns.delivered_back_to_seller(
        shipped.order, shipped.package, returns.cancel_reason(shipped.shipment), claimed + timedelta(hours=72)
    )
    assert shipped.package.return_status is ReturnStatus.DELIVERED_BACK_TO_SELLER
    assert only(outcome, "order.refunded").data["reason"] == "returned_to_shipper_other"
