"""Logistics tickets: "if the status is still not updated within 2 business days, you can contact our
seller support"; the sandbox's provider answers within 2 business days (Monday to Friday). "Be sure to
include evidence so we can verify and update to the correct status"; the status shows as "Ticket in
process" or "Ticket closed" (sandbox/domain/tickets.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from domain_builders import EVIDENCE, SHIPPED_AT, event_at, kinds, new_ticket, only, shipped_order

from sandbox.domain import carrier, fulfillment, tickets
from sandbox.domain.events import Outcome
from sandbox.domain.orders import OrderStatus
from sandbox.domain.tickets import Category, Resolution, ScriptedAnswer, TicketRefused, TicketStatus
from sandbox.durations import unix

MONDAY = datetime(2026, 3, 9, 10, 30, tzinfo=UTC)
PICKED_UP = SHIPPED_AT + timedelta(hours=6)


@pytest.mark.parametrize(
    ("raised", "answered"),
    [
        (MONDAY, MONDAY + timedelta(days=2)),  # Wednesday
        (MONDAY + timedelta(days=2), MONDAY + timedelta(days=4)),  # Wednesday -> Friday
        (MONDAY + timedelta(days=3), MONDAY + timedelta(days=7)),  # Thursday -> Monday
        (MONDAY + timedelta(days=4), MONDAY + timedelta(days=8)),  # Friday -> Tuesday
        (MONDAY + timedelta(days=5), MONDAY + timedelta(days=8)),  # Saturday -> Tuesday
        (MONDAY + timedelta(days=6), MONDAY + timedelta(days=8)),  # Sunday -> Tuesday
    ],
)
def test_the_logistics_provider_answers_within_2_business_days(raised, answered):
    assert tickets.respond_by(raised, None) == answered


def test_a_scenario_can_script_when_the_provider_answers():
    assert tickets.respond_by(MONDAY, ScriptedAnswer(after=timedelta(hours=3))) == MONDAY + timedelta(hours=3)
    assert tickets.respond_by(MONDAY, ScriptedAnswer(resolution=Resolution.REJECTED)) == MONDAY + timedelta(
        days=2
    )


def test_raising_a_ticket_puts_it_in_process_until_the_answer_is_due():
    ticket = new_ticket(Category.PICKED_UP_NOT_UPDATED, MONDAY)
    outcome = tickets.raise_ticket(ticket, MONDAY)

    event = only(outcome, "ticket.raised")
    assert event.data == {
        "ticket_id": ticket.id,
        "category": "PICKED_UP_NOT_UPDATED",
        "respond_by": unix(MONDAY + timedelta(days=2)),
    }
    assert [(d.rule, d.due, d.subject) for d in outcome.deadlines] == [
        ("ticket_responds", MONDAY + timedelta(days=2), ticket.id)
    ]
    assert ticket.status is TicketStatus.IN_PROCESS
    assert ticket.status_label == "Ticket in process"
    assert outcome.cancel == []


def test_the_ticket_categories_sit_under_complaints_and_dispute():
    info = tickets.CATEGORIES[Category.PICKED_UP_NOT_UPDATED]
    assert info.path == (
        "Complaints & Dispute (Logistic related)",
        "Pick up Issues",
        "Picked up but logistics status not updated",
    )
    assert tickets.CATEGORIES[Category.UNMOVED_TRACKING_EVENT].path[1:] == (
        "Delivery process inquiry",
        "Unmoved tracking event",
    )
    assert tickets.category_for(None, fulfillment.DELIVERED_NOT_UPDATED) is Category.DELIVERED_NOT_UPDATED


@pytest.mark.parametrize(
    ("category", "tag", "reason"),
    [
        (None, None, "category_required"),
        ("LOST_IN_SPACE", None, "unknown_category"),
        (None, "Parcel is sad", "unknown_tag"),
        ("DELIVERED_NOT_UPDATED", fulfillment.PICKED_UP_NOT_UPDATED, "category_mismatch"),
    ],
)
def test_a_ticket_needs_a_category_or_the_tag_it_is_raised_from(category, tag, reason):
    with pytest.raises(TicketRefused) as refused:
        tickets.category_for(category, tag)
    assert refused.value.reason == reason


def test_a_ticket_needs_the_order_matching_logistics_issue_tag_now():
    shipped = shipped_order()
    tags_now: list[str] = []

    with pytest.raises(TicketRefused) as refused:
        tickets.check_can_raise(
            Category.PICKED_UP_NOT_UPDATED, shipped.order, shipped.package, tags_now, [], 0, MONDAY
        )
    assert refused.value.reason == "no_matching_logistics_issue"
    tickets.check_can_raise(
        Category.PICKED_UP_NOT_UPDATED,
        shipped.order,
        shipped.package,
        [fulfillment.PICKED_UP_NOT_UPDATED],
        [],
        0,
        MONDAY,
    )


def test_one_ticket_in_process_per_order_and_at_most_5():
    shipped = shipped_order()
    tag = [fulfillment.UNMOVED_TRACKING]
    open_ticket = new_ticket(Category.UNMOVED_TRACKING_EVENT, MONDAY)

    with pytest.raises(TicketRefused) as in_process:
        tickets.check_can_raise(
            Category.UNMOVED_TRACKING_EVENT, shipped.order, shipped.package, tag, [open_ticket], 1, MONDAY
        )
    with pytest.raises(TicketRefused) as too_many:
        tickets.check_can_raise(
            Category.UNMOVED_TRACKING_EVENT, shipped.order, shipped.package, tag, [], 5, MONDAY
        )
    with pytest.raises(TicketRefused) as unshipped:
        tickets.check_can_raise(Category.UNMOVED_TRACKING_EVENT, shipped.order, None, tag, [], 0, MONDAY)

    assert in_process.value.reason == "ticket_in_process"
    assert too_many.value.reason == "too_many_tickets"
    assert unshipped.value.reason == "no_matching_logistics_issue"
    tickets.check_can_raise(
        Category.UNMOVED_TRACKING_EVENT, shipped.order, shipped.package, tag, [], 4, MONDAY
    )


def _picked_up_held():
    shipped = shipped_order()
    shipped.package.status_holds[fulfillment.PICKED_UP_HOLD] = PICKED_UP + timedelta(days=3)
    event_at(shipped.shipment, carrier.PICKED_UP, PICKED_UP)
    return shipped


def test_with_evidence_the_provider_updates_the_status_to_shipped():
    shipped = _picked_up_held()
    raised = PICKED_UP + timedelta(hours=25)
    ticket = new_ticket(Category.PICKED_UP_NOT_UPDATED, raised, evidence=EVIDENCE)
    outcome = tickets.answer(ticket, shipped.order, shipped.package, shipped.shipment, [], ticket.respond_by)

    assert kinds(outcome) == ["order.status_changed", "ticket.closed"]
    assert shipped.order.status is OrderStatus.IN_TRANSIT
    assert fulfillment.PICKED_UP_HOLD not in shipped.package.status_holds
    assert only(outcome, "ticket.closed").data["resolution"] == "RESOLVED"
    assert ticket.status is TicketStatus.CLOSED
    assert ticket.status_label == "Ticket closed"
    assert ticket.closed_at == ticket.respond_by
    assert ("ticket_responds", ticket.id) in outcome.cancel


def test_without_evidence_the_provider_cannot_verify_and_declines():
    shipped = _picked_up_held()
    ticket = new_ticket(Category.PICKED_UP_NOT_UPDATED, PICKED_UP + timedelta(hours=25))
    outcome = tickets.answer(ticket, shipped.order, shipped.package, shipped.shipment, [], ticket.respond_by)

    assert kinds(outcome) == ["ticket.closed"]
    assert ticket.resolution is Resolution.REJECTED
    assert "no evidence was attached" in ticket.resolution_note
    assert shipped.order.status is OrderStatus.AWAITING_COLLECTION


def test_a_declined_ticket_points_to_seller_support_after_2_business_days():
    shipped = _picked_up_held()
    ticket = new_ticket(Category.UNMOVED_TRACKING_EVENT, MONDAY)
    tickets.answer(ticket, shipped.order, shipped.package, shipped.shipment, [], MONDAY, Resolution.REJECTED)

    assert "within 2 business days, contact seller support" in ticket.resolution_note


def test_an_unmoved_tracking_ticket_needs_no_evidence_and_gets_the_parcel_moving():
    shipped = shipped_order()
    event_at(shipped.shipment, carrier.PICKED_UP, PICKED_UP)
    carrier.stall(shipped.shipment, PICKED_UP, timedelta(days=10))
    ticket = new_ticket(Category.UNMOVED_TRACKING_EVENT, PICKED_UP + timedelta(days=2, hours=1))
    assert ticket.respond_by < shipped.shipment.stalled_until
    outcome = tickets.answer(ticket, shipped.order, shipped.package, shipped.shipment, [], ticket.respond_by)

    assert [(d.rule, d.due) for d in outcome.deadlines] == [("carrier_progress", ticket.respond_by)]
    assert ticket.resolution is Resolution.RESOLVED
    assert shipped.shipment.stalled_until is None


def test_a_closed_ticket_is_not_answered_again():
    shipped = _picked_up_held()
    ticket = new_ticket(Category.UNMOVED_TRACKING_EVENT, MONDAY)
    tickets.close(ticket, Resolution.RESOLVED, "done", MONDAY)

    assert tickets.answer(ticket, shipped.order, shipped.package, shipped.shipment, [], MONDAY) == Outcome()


def test_scripting_the_answer_of_a_ticket_in_process_moves_its_due_time():
    ticket = new_ticket(Category.UNMOVED_TRACKING_EVENT, MONDAY)
    outcome = tickets.reschedule(
        ticket, ScriptedAnswer(after=timedelta(hours=1)), MONDAY + timedelta(hours=4)
    )

    # Already past the scripted time: the answer comes now.
    assert ticket.respond_by == MONDAY + timedelta(hours=4)
    assert outcome.cancel == [("ticket_responds", ticket.id)]
    assert [(d.rule, d.due) for d in outcome.deadlines] == [("ticket_responds", MONDAY + timedelta(hours=4))]
