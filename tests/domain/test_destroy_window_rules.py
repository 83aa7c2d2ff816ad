"""Return Failed Package: "should the seller require the package, they can either contact the
logistics service provider directly, or submit an online ticket within 7 days. If the seller takes no
action ... the logistics service provider will destroy the package after 7 days"; "a package rejected
by the seller - the platform will instruct the service provider to destroy the package"
(sandbox/domain/returns.py, tickets.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import SHIPPED_AT, deadline, kinds, new_ticket, only, shipped_order

from sandbox.domain import returns, tickets
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import CancellationInitiator, OrderStatus
from sandbox.domain.returns import ReturnStatus
from sandbox.domain.tickets import Category, Resolution, TicketRefused

FAILED = SHIPPED_AT + timedelta(days=8)  # the carrier could not hand the parcel back


def _failed_return():
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    shipped.shipment.returning = True
    returns.returning_to_seller(shipped.package, FAILED - timedelta(hours=72))
    outcome = returns.seller_delivery_failed(shipped.package, FAILED)
    return shipped, outcome


def test_a_failed_return_package_is_destroyed_after_7_days():
    shipped, outcome = _failed_return()

    due = deadline(outcome, "failed_return_destroyed")
    assert due.due == FAILED + timedelta(days=7)
    assert due.subject == shipped.package.id


def test_destroyed_unless_claimed_cancels_and_refunds_the_order():
    shipped, _ = _failed_return()
    at = FAILED + timedelta(days=7)
    outcome = returns.failed_return_destroyed(shipped.order, shipped.package, at)

    assert kinds(outcome) == ["package.return_status_changed", "order.status_changed", "order.refunded"]
    assert outcome.events[0].data["return_status"] == "DESTROYED"
    assert shipped.package.return_status is ReturnStatus.DESTROYED
    assert shipped.package.destroy_at == at  # the date it was destroyed stays
    assert shipped.order.status is OrderStatus.CANCELLED
    assert shipped.order.cancellation_initiator is CancellationInitiator.SYSTEM
    assert shipped.order.cancel_reason == "package_scrap"
    assert only(outcome, "order.refunded").data["reason"] == "package_scrap"
    assert ("failed_return_destroyed", shipped.package.id) in outcome.cancel


def test_claiming_the_parcel_within_7_days_cancels_its_destruction():
    shipped, _ = _failed_return()
    claimed = FAILED + timedelta(days=6, hours=23)
    outcome = returns.seller_claims_parcel(shipped.package, claimed)

    assert outcome.cancel == [("failed_return_destroyed", shipped.package.id)]
    back = deadline(outcome, "carrier_return_arrives")
    assert (back.due, back.subject) == (claimed + timedelta(hours=72), shipped.package.tracking_number)
    assert only(outcome, "package.return_status_changed").data["return_status"] == "RETURNING_TO_SELLER"
    assert shipped.package.destroy_at is None
    # Should the destruction still fire (it was cancelled), it finds nothing to destroy.
    late = returns.failed_return_destroyed(shipped.order, shipped.package, FAILED + timedelta(days=7))
    assert kinds(late) == []
    assert shipped.package.return_status is ReturnStatus.RETURNING_TO_SELLER
    assert shipped.order.status is OrderStatus.IN_TRANSIT


@pytest.mark.parametrize("status", [None, ReturnStatus.RETURNING_TO_SELLER, ReturnStatus.DESTROYED])
def test_only_a_failed_return_package_can_be_claimed(status):
    shipped = shipped_order()
    shipped.package.return_status = status

    with pytest.raises(RuleViolation) as refused:
        returns.seller_claims_parcel(shipped.package, FAILED)
    assert refused.value.code == Code.RETURN_NOT_ALLOWED


@pytest.mark.parametrize("status", [ReturnStatus.RETURNING_TO_SELLER, ReturnStatus.SELLER_DELIVERY_FAILED])
def test_a_package_rejected_by_the_seller_is_destroyed(status):
    shipped = shipped_order()
    shipped.order.status = OrderStatus.IN_TRANSIT
    shipped.package.return_status = status
    outcome = returns.seller_rejects_parcel(shipped.order, shipped.package, FAILED)

    assert shipped.package.return_status is ReturnStatus.DESTROYED
    assert shipped.order.cancel_reason == "package_scrap"
    assert "order.refunded" in kinds(outcome)


def test_a_package_delivered_back_cannot_be_rejected():
    shipped = shipped_order()
    shipped.package.return_status = ReturnStatus.DELIVERED_BACK_TO_SELLER

    with pytest.raises(RuleViolation) as refused:
        returns.seller_rejects_parcel(shipped.order, shipped.package, FAILED)
    assert refused.value.code == Code.RETURN_NOT_ALLOWED


def test_destroying_the_parcel_of_a_cancelled_order_does_not_cancel_it_again():
    shipped, _ = _failed_return()
    shipped.order.status = OrderStatus.CANCELLED
    outcome = returns.failed_return_destroyed(shipped.order, shipped.package, FAILED + timedelta(days=7))

    assert kinds(outcome) == ["package.return_status_changed"]


def test_a_failed_return_ticket_within_7_days_keeps_the_parcel_while_the_provider_looks():
    shipped, _ = _failed_return()
    at = FAILED + timedelta(days=1)
    tickets.check_can_raise(Category.FAILED_RETURN_PACKAGE, shipped.order, shipped.package, [], [], 0, at)
    ticket = new_ticket(Category.FAILED_RETURN_PACKAGE, at)
    outcome = tickets.raise_ticket(ticket, at)

    assert ("failed_return_destroyed", shipped.package.id) in outcome.cancel


def test_the_provider_answering_a_failed_return_ticket_brings_the_parcel_back():
    shipped, _ = _failed_return()
    ticket = new_ticket(Category.FAILED_RETURN_PACKAGE, FAILED + timedelta(days=1))
    answered = ticket.respond_by
    outcome = tickets.answer(ticket, shipped.order, shipped.package, shipped.shipment, [], answered)

    assert shipped.package.return_status is ReturnStatus.RETURNING_TO_SELLER
    assert deadline(outcome, "carrier_return_arrives").due == answered + timedelta(hours=72)
    assert ticket.resolution is Resolution.RESOLVED


def test_a_declined_failed_return_ticket_resumes_the_7_day_destruction():
    shipped, _ = _failed_return()
    ticket = new_ticket(Category.FAILED_RETURN_PACKAGE, FAILED + timedelta(days=1))
    answered = ticket.respond_by
    outcome = tickets.answer(
        ticket, shipped.order, shipped.package, shipped.shipment, [], answered, Resolution.REJECTED
    )

    # Still due when the 7 days end (the answer came before), or at once if they have passed.
    assert deadline(outcome, "failed_return_destroyed").due == FAILED + timedelta(days=7)
    shipped2, _ = _failed_return()
    late_ticket = new_ticket(Category.FAILED_RETURN_PACKAGE, FAILED + timedelta(days=6))
    late = FAILED + timedelta(days=8)
    outcome = tickets.answer(
        late_ticket, shipped2.order, shipped2.package, shipped2.shipment, [], late, Resolution.REJECTED
    )
    assert deadline(outcome, "failed_return_destroyed").due == late


def test_a_destroyed_parcel_is_too_late_for_a_ticket():
    shipped, _ = _failed_return()
    returns.failed_return_destroyed(shipped.order, shipped.package, FAILED + timedelta(days=7))

    with pytest.raises(TicketRefused) as refused:
        tickets.check_can_raise(
            Category.FAILED_RETURN_PACKAGE,
            shipped.order,
            shipped.package,
            [],
            [],
            0,
            FAILED + timedelta(days=8),
        )
    assert refused.value.reason == "too_late"
    assert "within 7 days" in refused.value.message
