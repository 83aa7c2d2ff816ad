"""Logistics tickets: a seller raises one about an order's logistics issue, the logistics provider
answers, and the answer changes the parcel's story.

From the Seller Center articles:
- "If your orders are tagged with logistics issue tags, you can raise a request and contact the
  logistics service": click the tag, "Contact Logistics Service", give the order ID, explain the
  issue and "upload any relevant evidence before submitting the ticket".
- The categories, under Complaints & Dispute (Logistic related): Pick up Issues > Picked up but
  logistics status not updated; Delivery process inquiry > Unmoved tracking event; Logistic Issue >
  Delivered but logistics not updated. "Be sure to include evidence so we can verify and update to
  the correct status."
- A failed return package: "should the seller require the package, they can ... submit an online
  ticket within 7 days" (the sandbox files it under Logistic Issue; the article names no category).
- The status shows as "Ticket in process" or "Ticket closed".

The rules here decide whether a ticket may be raised and what the provider's answer does; the world
finds the order, package and shipment and applies the ``Outcome``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sandbox.domain import carrier, deadlines, fulfillment, returns, rules
from sandbox.domain.carrier import Shipment
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import Order
from sandbox.domain.packages import Package
from sandbox.domain.returns import ReturnStatus
from sandbox.domain.uploads import Upload

MAX_TICKETS_PER_ORDER = 5
MAX_DESCRIPTION = 2000
ROOT = "Complaints & Dispute (Logistic related)"
SELLER_SUPPORT_HINT = (
    "If the status is still not updated within 2 business days, contact seller support for further "
    "assistance."
)


class Category(StrEnum):
    PICKED_UP_NOT_UPDATED = "PICKED_UP_NOT_UPDATED"
    UNMOVED_TRACKING_EVENT = "UNMOVED_TRACKING_EVENT"
    DELIVERED_NOT_UPDATED = "DELIVERED_NOT_UPDATED"
    FAILED_RETURN_PACKAGE = "FAILED_RETURN_PACKAGE"


@dataclass(frozen=True)
class CategoryInfo:
    path: tuple[str, ...]  # from the root of the ticket tree to the leaf
    tag: str | None  # the logistics issue tag that opens a ticket in this category
    evidence_needed: bool  # the provider verifies the seller's evidence before updating


CATEGORIES: dict[Category, CategoryInfo] = {
    Category.PICKED_UP_NOT_UPDATED: CategoryInfo(
        (ROOT, "Pick up Issues", "Picked up but logistics status not updated"),
        fulfillment.PICKED_UP_NOT_UPDATED,
        evidence_needed=True,
    ),
    Category.UNMOVED_TRACKING_EVENT: CategoryInfo(
        (ROOT, "Delivery process inquiry", "Unmoved tracking event"),
        fulfillment.UNMOVED_TRACKING,
        evidence_needed=False,
    ),
    Category.DELIVERED_NOT_UPDATED: CategoryInfo(
        (ROOT, "Logistic Issue", "Delivered but logistics not updated"),
        fulfillment.DELIVERED_NOT_UPDATED,
        evidence_needed=True,
    ),
    Category.FAILED_RETURN_PACKAGE: CategoryInfo(
        (ROOT, "Logistic Issue", "Failed return package: ask for it back"),
        None,
        evidence_needed=False,
    ),
}
TAG_CATEGORY = {info.tag: category for category, info in CATEGORIES.items() if info.tag}


class TicketStatus(StrEnum):
    IN_PROCESS = "TICKET_IN_PROCESS"
    CLOSED = "TICKET_CLOSED"


STATUS_LABELS = {TicketStatus.IN_PROCESS: "Ticket in process", TicketStatus.CLOSED: "Ticket closed"}


class Resolution(StrEnum):
    RESOLVED = "RESOLVED"  # the provider acted: the tracking or status is updated, the parcel returns
    REJECTED = "REJECTED"  # the provider declined (or could not verify): nothing changes


class TicketRefused(RuleViolation):
    """A ticket that cannot be raised; ``reason`` says which rule refused it."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ScriptedAnswer:
    """A scenario's choice of the provider's answer for an order's ticket (rules apply otherwise)."""

    resolution: Resolution | None = None
    after: timedelta | None = None  # after the ticket is raised (default: 2 business days)
    note: str | None = None


@dataclass
class Ticket:
    id: str
    order_id: str
    package_id: str
    category: Category
    description: str
    evidence: list[Upload]
    created_at: datetime
    respond_by: datetime
    tag: str | None = None  # the logistics issue tag it was raised from
    status: TicketStatus = TicketStatus.IN_PROCESS
    resolution: Resolution | None = None
    resolution_note: str = ""
    closed_at: datetime | None = None
    scripted: ScriptedAnswer | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def business_days_after(at: datetime, days: int) -> datetime:
    """``days`` working days (Monday to Friday) after ``at``, at the same time of day."""
    when = at
    while days > 0:
        when += timedelta(days=1)
        if when.weekday() < 5:
            days -= 1
    return when


def category_for(category: str | None, tag: str | None) -> Category:
    """The category chosen, or the one the clicked logistics issue tag opens."""
    from_tag = None
    if tag:
        from_tag = TAG_CATEGORY.get(tag)
        if from_tag is None:
            known = ", ".join(f"'{t}'" for t in TAG_CATEGORY)
            raise TicketRefused("unknown_tag", f"'{tag}' is not a logistics issue tag: {known}")
    if category:
        try:
            chosen = Category(category)
        except ValueError:
            known = ", ".join(c.value for c in Category)
            raise TicketRefused("unknown_category", f"category {category} is not one of {known}") from None
        if from_tag not in (None, chosen):
            raise TicketRefused(
                "category_mismatch", f"the tag '{tag}' opens a {from_tag} ticket, not {chosen.value}"
            )
        return chosen
    if from_tag is not None:
        return from_tag
    raise TicketRefused(
        "category_required",
        "give the ticket's category, or the logistics issue tag it is raised from (logistics_issue_tag)",
    )


def check_can_raise(
    category: Category,
    order: Order,
    package: Package | None,
    tags: list[str],
    open_tickets: list[Ticket],
    count: int,
    at: datetime,
) -> None:
    """A ticket needs the order's matching logistics issue, now; one at a time per order."""
    if package is None:
        raise TicketRefused(
            "no_matching_logistics_issue", f"order {order.id} has not been shipped: it has no logistics issue"
        )
    if open_tickets:
        raise TicketRefused(
            "ticket_in_process",
            f"order {order.id} already has ticket {open_tickets[0].id} in process: wait for the "
            "logistics provider's answer",
        )
    if count >= MAX_TICKETS_PER_ORDER:
        raise TicketRefused(
            "too_many_tickets",
            f"order {order.id} already has {count} tickets (at most {MAX_TICKETS_PER_ORDER})",
        )
    if category is Category.FAILED_RETURN_PACKAGE:
        _check_failed_return(order, package, at)
        return
    tag = CATEGORIES[category].tag
    if tag not in tags:
        shown = ", ".join(f"'{t}'" for t in tags) or "none"
        raise TicketRefused(
            "no_matching_logistics_issue",
            f"order {order.id} has no '{tag}' logistics issue tag (its tags now: {shown}); "
            f"a {category.value} ticket is raised from that tag",
        )


def _check_failed_return(order: Order, package: Package, at: datetime) -> None:
    status = package.return_status
    if status is ReturnStatus.DESTROYED:
        raise TicketRefused(
            "too_late",
            f"too late: the parcel of order {order.id} was destroyed at "
            f"{package.update_time.isoformat().replace('+00:00', 'Z')}. A seller who wants a failed "
            f"return package back must ask within {deadlines.DESTROY_WINDOW.days} days of the "
            "destruction notice",
        )
    if status is not ReturnStatus.SELLER_DELIVERY_FAILED:
        state = status.value if status else "not on its way back"
        raise TicketRefused(
            "no_matching_logistics_issue",
            f"the parcel of order {order.id} is not a failed return package awaiting destruction "
            f"(return status: {state})",
        )


def raise_ticket(ticket: Ticket, at: datetime) -> Outcome:
    """The ticket is in process; the provider answers when it is due. A parcel awaiting destruction
    is kept while the provider looks into it: asking within the 7 days is what counts."""
    outcome = Outcome(
        events=[
            DomainEvent(
                at,
                "ticket.raised",
                ticket.order_id,
                {
                    "ticket_id": ticket.id,
                    "category": ticket.category.value,
                    "respond_by": _stamp(ticket.respond_by),
                },
            )
        ],
        deadlines=[Deadline(ticket.respond_by, rules.TICKET_RESPONDS, ticket.id)],
    )
    if ticket.category is Category.FAILED_RETURN_PACKAGE:
        outcome.cancel.append((rules.FAILED_RETURN_DESTROYED, ticket.package_id))
    return outcome


def respond_by(created: datetime, scripted: ScriptedAnswer | None) -> datetime:
    if scripted is not None and scripted.after is not None:
        return created + scripted.after
    return business_days_after(created, deadlines.TICKET_RESPONSE_BUSINESS_DAYS)


def reschedule(ticket: Ticket, scripted: ScriptedAnswer, at: datetime) -> Outcome:
    """A scenario scripts the answer of a ticket already in process."""
    ticket.scripted = scripted
    ticket.respond_by = max(at, respond_by(ticket.created_at, scripted))
    return Outcome(
        cancel=[(rules.TICKET_RESPONDS, ticket.id)],
        deadlines=[Deadline(ticket.respond_by, rules.TICKET_RESPONDS, ticket.id)],
    )


def answer(
    ticket: Ticket,
    order: Order,
    package: Package,
    shipment: Shipment | None,
    tags: list[str],
    at: datetime,
    resolution: Resolution | None = None,
    note: str | None = None,
    siblings: Sequence[Package] = (),
) -> Outcome:
    """The logistics provider's answer, by the rules unless scripted, and what it does
    (``siblings``: the order's other packages, when it was split)."""
    if ticket.status is TicketStatus.CLOSED:
        return Outcome()
    scripted = ticket.scripted or ScriptedAnswer()
    resolution = resolution or scripted.resolution
    note = note or scripted.note
    info = CATEGORIES[ticket.category]
    if resolution is None and info.evidence_needed and not ticket.evidence:
        resolution = Resolution.REJECTED
        note = note or (
            "The logistics provider could not verify the issue: no evidence was attached. Raise a new "
            "ticket with evidence (the buyer's confirmation, a proof of delivery)."
        )
    if resolution is Resolution.REJECTED:
        outcome = Outcome()
        if ticket.category is Category.FAILED_RETURN_PACKAGE:
            outcome.extend(_destruction_resumes(package, at))
        fallback = f"The logistics provider declined the ticket. {SELLER_SUPPORT_HINT}"
        return outcome.extend(close(ticket, Resolution.REJECTED, note or fallback, at))
    effect, done = _effect(ticket.category, order, package, shipment, tags, at, siblings)
    return effect.extend(close(ticket, Resolution.RESOLVED, note or done, at))


def _effect(
    category: Category,
    order: Order,
    package: Package,
    shipment: Shipment | None,
    tags: list[str],
    at: datetime,
    siblings: Sequence[Package] = (),
) -> tuple[Outcome, str]:
    if category is Category.FAILED_RETURN_PACKAGE:
        if package.return_status is not ReturnStatus.SELLER_DELIVERY_FAILED:
            return Outcome(), "The parcel is no longer awaiting destruction: nothing to do."
        return (
            returns.seller_claims_parcel(package, at),
            "The logistics provider will not destroy the parcel: it is on its way back to you.",
        )
    if shipment is None:
        return Outcome(), "The parcel has no carrier shipment to update."
    if category is Category.UNMOVED_TRACKING_EVENT:
        outcome = carrier.resume(shipment, at)
        if outcome.deadlines:
            return outcome, "The logistics provider followed up: the tracking is moving again."
        return outcome, "The tracking is moving again."
    hold = (
        fulfillment.PICKED_UP_HOLD
        if category is Category.PICKED_UP_NOT_UPDATED
        else fulfillment.DELIVERED_HOLD
    )
    package.status_holds.pop(hold, None)
    outcome = fulfillment.follow_shipment(order, package, shipment, at, siblings)
    status = order.status.value
    return outcome, f"Verified with your evidence: the logistics status is updated ({status})."


def _destruction_resumes(package: Package, at: datetime) -> Outcome:
    if package.return_status is not ReturnStatus.SELLER_DELIVERY_FAILED or package.destroy_at is None:
        return Outcome()
    return Outcome(
        deadlines=[Deadline(max(at, package.destroy_at), rules.FAILED_RETURN_DESTROYED, package.id)]
    )


def close(ticket: Ticket, resolution: Resolution, note: str, at: datetime) -> Outcome:
    ticket.status, ticket.resolution, ticket.resolution_note, ticket.closed_at = (
        TicketStatus.CLOSED,
        resolution,
        note,
        at,
    )
    return Outcome(
        events=[
            DomainEvent(
                at,
                "ticket.closed",
                ticket.order_id,
                {"ticket_id": ticket.id, "category": ticket.category.value, "resolution": resolution.value},
            )
        ],
        cancel=[(rules.TICKET_RESPONDS, ticket.id)],
    )


def _stamp(at: datetime) -> int:
    return int(at.timestamp())


@dataclass
class Desk:
    """A world's tickets, and the answers scenarios scripted for orders' next tickets."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    scripted: dict[str, ScriptedAnswer] = field(default_factory=dict)  # order ID -> answer

    def of_order(self, order_id: str) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.order_id == order_id]

    def open_of(self, order_id: str) -> list[Ticket]:
        return [t for t in self.of_order(order_id) if t.status is TicketStatus.IN_PROCESS]

    def latest(self) -> dict[str, Ticket]:
        """Each order's newest ticket: the one the order row shows."""
        found: dict[str, Ticket] = {}
        for ticket in self.tickets.values():
            found[ticket.order_id] = ticket  # insertion order is creation order
        return found


def in_process(desk: Desk, order_id: str) -> Ticket:
    """The order's ticket the logistics provider is working on."""
    open_now = desk.open_of(order_id)
    if not open_now:
        raise RuleViolation(f"order {order_id} has no ticket in process")
    return open_now[0]
