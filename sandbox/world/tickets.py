"""Logistics tickets: the seller raises one about an order's parcel, the logistics provider (the
rules, or a scenario's script) answers it, and the parcel follows the answer."""

from __future__ import annotations

from datetime import datetime

from sandbox import fakes
from sandbox.domain import tickets
from sandbox.domain.events import Outcome
from sandbox.domain.uploads import MAX_EVIDENCE_FILES, EvidenceRefused, evidence_type
from sandbox.world.core import WorldCore


class TicketOperations(WorldCore):
    def raise_ticket(
        self,
        order_id: str,
        category: str | None,
        tag: str | None,
        description: str,
        evidence: list[tuple[bytes, str]],
    ) -> tickets.Ticket:
        """A seller's ticket about an order's logistics issue, all checked before anything is kept."""
        with self.session():
            ticket, outcome = self.new_ticket(
                order_id, category, tag, description, evidence, self.clock.now()
            )
            self.apply(outcome)
            return ticket

    def new_ticket(
        self,
        order_id: str,
        category: str | None,
        tag: str | None,
        description: str,
        evidence: list[tuple[bytes, str]],
        at: datetime,
    ) -> tuple[tickets.Ticket, Outcome]:
        order = self.order(order_id)
        chosen = tickets.category_for(category, tag)
        if len(evidence) > MAX_EVIDENCE_FILES:
            raise EvidenceRefused(
                "too_many_files",
                f"{len(evidence)} evidence files: a ticket takes at most {MAX_EVIDENCE_FILES}",
            )
        for data, name in evidence:
            evidence_type(data, name)
        package = self.logistics.package_of(order)
        tickets.check_can_raise(
            chosen,
            order,
            package,
            self.logistics.tags(order, at),
            self.desk.open_of(order.id),
            len(self.desk.of_order(order.id)),
            at,
        )
        assert package is not None
        scripted = self.desk.scripted.pop(order.id, None)
        ticket = tickets.Ticket(
            id=fakes.digits(self.rng, 16, "7"),
            order_id=order.id,
            package_id=package.id,
            category=chosen,
            description=description,
            evidence=[self.uploads.evidence(data, name, at) for data, name in evidence],
            created_at=at,
            respond_by=tickets.respond_by(at, scripted),
            tag=tag or tickets.CATEGORIES[chosen].tag,
            scripted=scripted,
        )
        while ticket.id in self.desk.tickets:
            ticket.id = fakes.digits(self.rng, 16, "7")
        self.desk.tickets[ticket.id] = ticket
        return ticket, tickets.raise_ticket(ticket, at)

    def ticket(self, ticket_id: str) -> tickets.Ticket:
        found = self.desk.tickets.get(ticket_id)
        if found is None:
            raise tickets.TicketRefused("unknown_ticket", f"ticket {ticket_id} not found in this tenant")
        return found

    def answer_ticket(
        self,
        ticket: tickets.Ticket,
        at: datetime,
        resolution: tickets.Resolution | None = None,
        note: str | None = None,
    ) -> Outcome:
        """The logistics provider answers: the rules (or a scenario's script) decide, the parcel follows."""
        order = self.orders[ticket.order_id]
        package = self.logistics.packages[ticket.package_id]
        shipment = self.logistics.shipments.get(package.tracking_number) if package.tracking_number else None
        outcome = tickets.answer(
            ticket,
            order,
            package,
            shipment,
            self.logistics.tags(order, at),
            at,
            resolution,
            note,
            self.logistics.siblings(package),
        )
        if ticket.category is tickets.Category.FAILED_RETURN_PACKAGE and any(
            e.kind == "package.return_status_changed" for e in outcome.events
        ):
            outcome.extend(
                self.logistics.carrier_note(
                    package, "The seller asked for the parcel (ticket): returning again", at
                )
            )
        return outcome

    def script_ticket(self, order_id: str, scripted: tickets.ScriptedAnswer, at: datetime) -> Outcome:
        """A scenario's answer for the order's ticket in process, or for its next one."""
        order = self.order(order_id)
        open_now = self.desk.open_of(order.id)
        if open_now:
            return tickets.reschedule(open_now[0], scripted, at)
        self.desk.scripted[order.id] = scripted
        return Outcome()
