"""The fake carrier: shipments with tracking numbers, a plan of tracking events, pickups.

Tracking speaks a vocabulary like AfterShip's: a status tag and a detail code per event, with a
message, a location and a time. A shipment moves along its plan one timed rule at a time; a stall
holds it where it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sandbox.domain import rules
from sandbox.domain.events import Deadline, DomainEvent, Outcome


class TrackingStatus(StrEnum):
    INFO_RECEIVED = "InfoReceived"
    IN_TRANSIT = "InTransit"
    OUT_FOR_DELIVERY = "OutForDelivery"
    ATTEMPT_FAIL = "AttemptFail"
    DELIVERED = "Delivered"
    AVAILABLE_FOR_PICKUP = "AvailableForPickup"
    EXCEPTION = "Exception"


@dataclass(frozen=True)
class PlannedEvent:
    after: timedelta  # after the collection (pickup or drop-off)
    status: TrackingStatus
    detail_code: str
    message: str
    location: str  # "origin", "hub" or "destination": filled with the shipment's cities


# The carrier's ordinary journey, counted from collection.
STANDARD_PLAN: tuple[PlannedEvent, ...] = (
    PlannedEvent(
        timedelta(0), TrackingStatus.IN_TRANSIT, "InTransit_001", "Picked up by the carrier", "origin"
    ),
    PlannedEvent(
        timedelta(hours=10),
        TrackingStatus.IN_TRANSIT,
        "InTransit_002",
        "Departed the origin facility",
        "origin",
    ),
    PlannedEvent(
        timedelta(hours=30),
        TrackingStatus.IN_TRANSIT,
        "InTransit_003",
        "Arrived at the destination facility",
        "hub",
    ),
    PlannedEvent(
        timedelta(hours=44),
        TrackingStatus.OUT_FOR_DELIVERY,
        "OutForDelivery_001",
        "Out for delivery",
        "destination",
    ),
    PlannedEvent(
        timedelta(hours=48),
        TrackingStatus.DELIVERED,
        "Delivered_001",
        "Delivered to the recipient",
        "destination",
    ),
)
PICKED_UP = "InTransit_001"
OUT_FOR_DELIVERY = "OutForDelivery_001"
DELIVERED = "Delivered_001"
RETURNING = "Exception_011"
RETURNED = "Exception_012"
RETURN_FAILED = "Exception_013"
RETURN_NOTE = "Exception_014"  # the seller asked for the parcel, or it was destroyed
COLLECTION_MISSED = "Exception_001"  # the carrier came (or was due) and did not take the parcel


class AttemptFailure(StrEnum):
    """Why a delivery attempt failed, with the carrier's detail code."""

    ADDRESSEE_NOT_AVAILABLE = "ADDRESSEE_NOT_AVAILABLE"
    BUSINESS_CLOSED = "BUSINESS_CLOSED"
    ADDRESS_ISSUE = "ADDRESS_ISSUE"
    REFUSED = "REFUSED"


ATTEMPT_DETAIL = {
    AttemptFailure.ADDRESSEE_NOT_AVAILABLE: (
        "AttemptFail_001",
        "Delivery attempted: addressee not available",
    ),
    AttemptFailure.BUSINESS_CLOSED: ("AttemptFail_002", "Delivery attempted: business closed"),
    AttemptFailure.ADDRESS_ISSUE: ("AttemptFail_003", "Delivery attempted: address issue"),
    AttemptFailure.REFUSED: ("AttemptFail_004", "Delivery attempted: refused by the recipient"),
}


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    delivered: bool
    failure: AttemptFailure | None = None


# When a parcel dropped off or waiting for pickup is collected, after its handover was arranged.
DROP_OFF_COLLECTED_AFTER = timedelta(hours=6)
PICKUP_COLLECTED_AFTER_SLOT_START = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    at: datetime
    status: TrackingStatus
    detail_code: str
    message: str
    location: str


@dataclass(slots=True)
class Shipment:
    tracking_number: str
    provider_id: str
    provider_name: str
    origin_city: str
    destination_city: str
    weight_grams: int
    created_at: datetime
    order_id: str = ""
    package_id: str = ""
    events: list[TrackingEvent] = field(default_factory=list)
    collected_at: datetime | None = None
    next_step: int = 0  # index in the plan of the next event
    stalled_until: datetime | None = None
    pickup_window: tuple[datetime, datetime] | None = None
    collection_due: datetime | None = None  # when the carrier will collect, once arranged
    stall_after_pickup: timedelta | None = None  # magic value: goes quiet once collected
    # Failed deliveries: the reasons of the attempts still to fail, in order (scenarios, magic values).
    failures_ahead: list[AttemptFailure] = field(default_factory=list)
    return_fails: bool = False  # the way back to the seller fails too
    missed_collections_ahead: int = 0  # collections still to fail (scenarios)
    missed_collections: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    returning: bool = False

    @property
    def status(self) -> TrackingStatus:
        return self.events[-1].status if self.events else TrackingStatus.INFO_RECEIVED

    @property
    def last_detail_code(self) -> str:
        return self.events[-1].detail_code if self.events else "InfoReceived_001"

    def has(self, detail_code: str) -> bool:
        return any(e.detail_code == detail_code for e in self.events)

    def where(self, location: str) -> str:
        return {"origin": self.origin_city, "destination": self.destination_city}.get(
            location, f"{self.destination_city} sorting hub"
        )


def open_shipment(shipment: Shipment, at: datetime) -> Outcome:
    """The carrier received the shipment's information (a label was made or a number uploaded)."""
    event = TrackingEvent(
        at,
        TrackingStatus.INFO_RECEIVED,
        "InfoReceived_001",
        "Shipment information received",
        shipment.origin_city,
    )
    shipment.events.append(event)
    return Outcome(events=[recorded(shipment, event)])


def schedule_collection(shipment: Shipment, at: datetime) -> Outcome:
    """The carrier will collect the parcel at ``at`` (a pickup, or a drop-off being scanned)."""
    shipment.collection_due = at
    return Outcome(deadlines=[Deadline(at, rules.CARRIER_PROGRESS, shipment.tracking_number)])


def progress(shipment: Shipment, at: datetime) -> tuple[TrackingEvent | None, Outcome]:
    """The next event of the shipment's plan happens now, unless the shipment is stalled."""
    if shipment.next_step >= len(STANDARD_PLAN):
        return None, Outcome()
    if shipment.stalled_until is not None and at < shipment.stalled_until:
        # Unmoved: nothing happens until the stall ends; then the journey resumes from here.
        return None, Outcome(
            deadlines=[Deadline(shipment.stalled_until, rules.CARRIER_PROGRESS, shipment.tracking_number)]
        )
    planned = STANDARD_PLAN[shipment.next_step]
    if planned.detail_code == DELIVERED and shipment.failures_ahead:
        return fail_attempt(shipment, at)
    if planned.detail_code == PICKED_UP and shipment.missed_collections_ahead:
        return miss_collection(shipment, at)
    if shipment.collected_at is None:
        shipment.collected_at = at
    event = TrackingEvent(
        at, planned.status, planned.detail_code, planned.message, shipment.where(planned.location)
    )
    shipment.events.append(event)
    shipment.next_step += 1
    if planned.detail_code == DELIVERED:
        shipment.attempts.append(Attempt(at, delivered=True))
    outcome = Outcome(events=[recorded(shipment, event)])
    if planned.detail_code == PICKED_UP and shipment.stall_after_pickup is not None:
        outcome.extend(stall(shipment, at, shipment.stall_after_pickup))
    if shipment.next_step < len(STANDARD_PLAN):
        gap = STANDARD_PLAN[shipment.next_step].after - planned.after
        outcome.deadlines.append(Deadline(at + gap, rules.CARRIER_PROGRESS, shipment.tracking_number))
    return event, outcome


def stall(shipment: Shipment, at: datetime, duration: timedelta) -> Outcome:
    """The shipment stops moving for ``duration`` (an unmoved tracking event)."""
    shipment.stalled_until = at + duration
    return Outcome(
        events=[
            DomainEvent(
                at,
                "carrier.tracking_stalled",
                shipment.tracking_number,
                {"until": int(shipment.stalled_until.timestamp()), "order_id": shipment.order_id},
            )
        ]
    )


def resume(shipment: Shipment, at: datetime) -> Outcome:
    """The provider follows up on an unmoved parcel: a stall ends now, an overdue collection happens
    now. Nothing changes for a shipment that is moving (or has nowhere left to go)."""
    stalled = shipment.stalled_until is not None and shipment.stalled_until > at
    uncollected = (
        shipment.collected_at is None and shipment.collection_due is not None and shipment.collection_due > at
    )
    if shipment.next_step >= len(STANDARD_PLAN) or not (stalled or uncollected):
        return Outcome()
    shipment.stalled_until = None
    if uncollected:
        shipment.collection_due = at
    return Outcome(
        cancel=[(rules.CARRIER_PROGRESS, shipment.tracking_number)],
        deadlines=[Deadline(at, rules.CARRIER_PROGRESS, shipment.tracking_number)],
    )


def recorded(shipment: Shipment, event: TrackingEvent) -> DomainEvent:
    return DomainEvent(
        event.at,
        "carrier.tracking_event",
        shipment.tracking_number,
        {
            "status": event.status.value,
            "detail_code": event.detail_code,
            "order_id": shipment.order_id,
            "package_id": shipment.package_id,
        },
    )


def fail_attempt(shipment: Shipment, at: datetime) -> tuple[TrackingEvent, Outcome]:
    """A delivery attempt fails. The carrier tries again the next day; after the third failed attempt
    the parcel goes back to the seller."""
    from sandbox.domain.deadlines import MAX_DELIVERY_ATTEMPTS, NEXT_ATTEMPT_AFTER, RETURN_JOURNEY

    failure = shipment.failures_ahead.pop(0)
    code, message = ATTEMPT_DETAIL[failure]
    event = TrackingEvent(at, TrackingStatus.ATTEMPT_FAIL, code, message, shipment.destination_city)
    shipment.events.append(event)
    shipment.attempts.append(Attempt(at, delivered=False, failure=failure))
    outcome = Outcome(events=[recorded(shipment, event)])
    failed = sum(1 for a in shipment.attempts if not a.delivered)
    if failed < MAX_DELIVERY_ATTEMPTS:
        shipment.next_step = next(i for i, p in enumerate(STANDARD_PLAN) if p.detail_code == OUT_FOR_DELIVERY)
        outcome.deadlines.append(
            Deadline(at + NEXT_ATTEMPT_AFTER, rules.CARRIER_PROGRESS, shipment.tracking_number)
        )
        return event, outcome
    shipment.returning = True
    shipment.next_step = len(STANDARD_PLAN)  # the journey to the buyer is over
    back = TrackingEvent(
        at,
        TrackingStatus.EXCEPTION,
        RETURNING,
        f"Returning to sender after {failed} failed delivery attempts",
        shipment.destination_city,
    )
    shipment.events.append(back)
    outcome.events.append(recorded(shipment, back))
    outcome.deadlines.append(
        Deadline(at + RETURN_JOURNEY, rules.CARRIER_RETURN_ARRIVES, shipment.tracking_number)
    )
    return event, outcome


def miss_collection(shipment: Shipment, at: datetime) -> tuple[TrackingEvent, Outcome]:
    """The carrier fails to collect the parcel. It comes back the next day; the second miss makes
    the parcel lost ("if the carrier fails to ship your product twice, the item is deemed lost")."""
    from sandbox.domain.deadlines import FAILED_COLLECTIONS_LOST, NEXT_COLLECTION_AFTER

    shipment.missed_collections_ahead -= 1
    shipment.missed_collections += 1
    event = TrackingEvent(
        at,
        TrackingStatus.EXCEPTION,
        COLLECTION_MISSED,
        f"The carrier failed to collect the parcel (attempt {shipment.missed_collections})",
        shipment.origin_city,
    )
    shipment.events.append(event)
    outcome = Outcome(events=[recorded(shipment, event)])
    if shipment.missed_collections < FAILED_COLLECTIONS_LOST:
        shipment.collection_due = at + NEXT_COLLECTION_AFTER
        outcome.deadlines.append(
            Deadline(shipment.collection_due, rules.CARRIER_PROGRESS, shipment.tracking_number)
        )
    else:
        shipment.collection_due = None
        shipment.next_step = len(STANDARD_PLAN)  # the carrier never had it: no journey
    return event, outcome


def failed_to_ship_twice(shipment: Shipment) -> bool:
    from sandbox.domain.deadlines import FAILED_COLLECTIONS_LOST

    return shipment.missed_collections >= FAILED_COLLECTIONS_LOST


def return_arrives(shipment: Shipment, at: datetime) -> tuple[TrackingEvent, Outcome]:
    """The end of the way back: handed to the seller, or not (the carrier could not deliver it)."""
    if shipment.return_fails:
        shipment.return_fails = False  # a second try (after the seller asks for it) succeeds
        event = TrackingEvent(
            at,
            TrackingStatus.EXCEPTION,
            RETURN_FAILED,
            "Could not be delivered back to the sender",
            shipment.origin_city,
        )
    else:
        shipment.returning = False
        event = TrackingEvent(
            at, TrackingStatus.EXCEPTION, RETURNED, "Delivered back to the sender", shipment.origin_city
        )
    shipment.events.append(event)
    return event, Outcome(events=[recorded(shipment, event)])


# The tracking answer's ``action_code``, "code that identifies the tracking event type": one number
# per carrier detail code, the status's group times 100 plus the detail's sequence
# (``InTransit_002`` is 202, ``AttemptFail_001`` is 401), so that one kind of event always has one code.
_ACTION_GROUPS = {
    TrackingStatus.INFO_RECEIVED: 1,
    TrackingStatus.IN_TRANSIT: 2,
    TrackingStatus.OUT_FOR_DELIVERY: 3,
    TrackingStatus.ATTEMPT_FAIL: 4,
    TrackingStatus.DELIVERED: 5,
    TrackingStatus.AVAILABLE_FOR_PICKUP: 6,
    TrackingStatus.EXCEPTION: 7,
}


def action_code(event: TrackingEvent) -> int:
    """The event's action code (see ``_ACTION_GROUPS``)."""
    _, _, sequence = event.detail_code.rpartition("_")
    return _ACTION_GROUPS[event.status] * 100 + (int(sequence) if sequence.isdigit() else 0)
