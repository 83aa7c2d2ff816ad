"""What the domain answers after a rule runs: what happened, and what must happen later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.domain.codes import Code


class RuleViolation(Exception):
    """A request the platform's rules do not allow in the current state.

    Nothing is changed, except what the refusal itself records (``recorded``, applied by the world
    even though the call fails: a rejected shipping label shows as rejected)."""

    def __init__(self, message: str, *, code: int = Code.INVALID_REQUEST, recorded: Outcome | None = None):
        super().__init__(message)
        self.message = message
        self.code = int(code)
        self.recorded = recorded


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened in a world: the spine for webhooks, journal, page and scenarios."""

    at: datetime
    kind: str
    subject: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A timed platform rule to fire later, on the world's queue.

    ``rule`` is one of the names in ``sandbox.domain.rules``; ``sandbox.timed_rules`` fires it.
    """

    due: datetime
    rule: str
    subject: str


@dataclass
class Outcome:
    events: list[DomainEvent] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    cancel: list[tuple[str, str]] = field(default_factory=list)  # (rule, subject)
    # (rule, subject, new subject or None): the queued rules of a subject follow it to a new one
    # (a tracking number corrected), at the same instants, or end.
    moved: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to apply: most reactions to an event answer this."""
        return not (self.events or self.deadlines or self.cancel or self.moved)

    def extend(self, other: Outcome) -> Outcome:
        self.events += other.events
        self.deadlines += other.deadlines
        self.cancel += other.cancel
        self.moved += other.moved
        return self


# Every kind of domain event, with the data fields it carries. The subject is the order ID for
# order, package, return and ticket events, the tracking number for carrier events, and the
# seller's open_id for authorization events. Scenarios may react to any of them and filter on
# their data fields.
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "order.status_changed": ("from", "to"),
    "order.buyer_cancel_requested": ("reason",),
    "order.buyer_cancel_rejected": ("reject_reason",),
    "order.recipient_address_updated": ("fields",),
    "order.locked": (),
    "order.shipped_update_overdue": ("tracking_number",),
    "order.split": ("from", "to"),
    "order.lines_cancelled": ("package_id", "line_item_ids", "reason", "initiator", "amount", "currency"),
    "package.combined": ("package_id", "from"),
    "package.uncombined": ("package_id", "from"),
    "package.label_rejection_armed": ("package_id", "reason", "count", "until"),
    "package.label_rejected": ("package_id", "reason"),
    "package.label_issue_fixed": ("package_id", "reason"),
    "package.label_created": ("package_id", "tracking_number"),
    "package.shipped": ("package_id", "tracking_number", "shipping_type"),
    "package.shipping_info_updated": ("package_id", "from", "to"),
    "package.status_update_held": ("package_id", "milestone", "for"),
    "package.delivery_failed": ("package_id", "reason"),
    "package.return_status_changed": ("package_id", "return_status"),
    "package.destruction_notice": ("package_id", "destroy_at"),
    "package.failed_attempts_planned": ("package_id", "count", "reason"),
    "order.refunded": ("amount", "currency", "reason"),
    "return.status_changed": ("order_id", "return_id", "return_status"),
    "order.untracked_reminder": ("cancel_at",),
    "order.ship_within_24_hours": ("shipping_due_time",),
    "order.stocking_timeout": (),
    "package.delayed": ("package_id",),
    "package.lost": ("package_id", "cause"),
    "package.failed_collections_planned": ("package_id", "count"),
    "carrier.tracking_event": ("status", "detail_code", "order_id", "package_id"),
    "carrier.tracking_stalled": ("until", "order_id"),
    "ticket.raised": ("ticket_id", "category", "respond_by"),
    "ticket.closed": ("ticket_id", "category", "resolution"),
    "authorization.token_issued": ("access_token_expires_at",),
    "authorization.token_refreshed": ("access_token_expires_at",),
    "authorization.access_token_expired": (),
    "authorization.refresh_token_expired": (),
    "authorization.seller_deauthorized": (),
    "authorization.expiration_upcoming": ("expires_at",),
}
