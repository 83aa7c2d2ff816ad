"""Tracking pushed by the seller, for parcels the seller delivers itself (`trackingStatusUpdate`,
POST /fulfillment/202609/order/sof/track/update).

The docs: "This API is currently exclusive to the following markets: US, BR. This API is suitable
for merchants to deliver and carry orders by themselves, without shipping orders through
third-party service providers ... Merchants are allowed to use this API to return such orders and
update the order track." The Seller Center's "Shipped by Seller" path says the same: the seller
updates the delivery status. So once a seller pushes its first event for a parcel, the parcel's
events come from the seller's feed, not from the fake carrier: the carrier's own journey stops,
and stuck tracking on that path is the seller's feed going quiet ("Unmoved tracking event" two
days after the last event pushed).

Each event carries an action code of the sandbox's tracking vocabulary (the one the tracking
answers give: the status group times 100 plus the detail's sequence), see ``FEED_EVENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sandbox.domain import carrier, rules
from sandbox.domain.carrier import (
    ATTEMPT_DETAIL,
    STANDARD_PLAN,
    Attempt,
    AttemptFailure,
    Shipment,
    TrackingEvent,
    TrackingStatus,
)
from sandbox.domain.codes import Code
from sandbox.domain.events import Outcome, RuleViolation
from sandbox.domain.orders import Order, ShippingType

# "This API is currently exclusive to the following markets: US, BR."
SELLER_FEED_MARKETS = frozenset({"US", "BR"})


@dataclass(frozen=True)
class FeedEvent:
    status: TrackingStatus
    detail_code: str
    message: str  # when the seller sends no description
    failure: AttemptFailure | None = None


def _planned(detail_code: str) -> FeedEvent:
    event = next(p for p in STANDARD_PLAN if p.detail_code == detail_code)
    return FeedEvent(event.status, event.detail_code, event.message)


def _failed(failure: AttemptFailure) -> FeedEvent:
    code, message = ATTEMPT_DETAIL[failure]
    return FeedEvent(TrackingStatus.ATTEMPT_FAIL, code, message, failure)


# The action codes a seller may push, by code: the same events the fake carrier reports.
FEED_EVENTS: dict[int, FeedEvent] = {
    carrier.action_code(TrackingEvent(datetime.min, e.status, e.detail_code, "", "")): e
    for e in (
        *(_planned(p.detail_code) for p in STANDARD_PLAN),
        *(_failed(f) for f in AttemptFailure),
        FeedEvent(TrackingStatus.EXCEPTION, carrier.RETURNING, "Returning to the sender"),
        FeedEvent(TrackingStatus.EXCEPTION, carrier.RETURNED, "Delivered back to the sender"),
    )
}


@dataclass(frozen=True)
class PushedEvent:
    action_code: int
    occur_time: datetime
    description: str
    tracking_no: str
    failed_reason: str
    city: str


def check_feed_applies(order: Order, shipped: bool, region: str, country: str) -> None:
    """Only in the markets the docs name (the request's ``country`` is the shop's), only for a
    seller-shipped order with a package marked shipped."""
    if region not in SELLER_FEED_MARKETS:
        raise RuleViolation(
            f"seller-pushed tracking is served in {', '.join(sorted(SELLER_FEED_MARKETS))} only; "
            f"this shop is in {region}",
            code=Code.NOT_IN_MARKET,
        )
    if country and country != region:
        raise RuleViolation(f"country {country} is not the shop's ({region})")
    if order.shipping_type is not ShippingType.SELLER:
        raise RuleViolation(
            f"order {order.id} uses platform shipping: its carrier reports the tracking",
            code=Code.WRONG_SHIPPING_TYPE,
        )
    if not shipped:
        raise RuleViolation(
            f"order {order.id} is not marked shipped yet: mark it shipped with its tracking number first",
            code=Code.ORDER_NOT_SHIPPABLE,
        )


def refusal(shipment: Shipment, pushed: PushedEvent, at: datetime) -> RuleViolation | None:
    """Why one pushed event is refused (each event of a request is answered on its own)."""
    if pushed.tracking_no and pushed.tracking_no != shipment.tracking_number:
        return RuleViolation(
            f"tracking_no {pushed.tracking_no} is not the order's ({shipment.tracking_number})",
            code=Code.SHIPPING_INFO_NOT_UPDATABLE,
        )
    if pushed.action_code not in FEED_EVENTS:
        known = ", ".join(str(c) for c in sorted(FEED_EVENTS))
        return RuleViolation(f"action_code {pushed.action_code} is not one of {known}")
    if pushed.occur_time > at:
        return RuleViolation("occur_time is in the future")
    if shipment.events and pushed.occur_time < shipment.events[-1].at:
        return RuleViolation(
            "occur_time is before the parcel's last event: push events in the order they happened"
        )
    if shipment.has(carrier.DELIVERED) or shipment.has(carrier.RETURNED):
        return RuleViolation("the parcel's journey has ended (delivered, or back with the seller)")
    return None


def push(shipment: Shipment, pushed: PushedEvent) -> Outcome:
    """The seller's event joins the parcel's tracking; the carrier's own journey stops for good."""
    feed = FEED_EVENTS[pushed.action_code]
    at = pushed.occur_time
    message = pushed.description or feed.message
    event = TrackingEvent(
        at, feed.status, feed.detail_code, message, pushed.city or shipment.destination_city
    )
    shipment.events.append(event)
    shipment.next_step = len(STANDARD_PLAN)  # the seller's feed, not the carrier, tells the rest
    shipment.stalled_until = None
    if feed.detail_code == carrier.PICKED_UP or shipment.collected_at is None:
        shipment.collected_at = shipment.collected_at or at
    if feed.failure is not None:
        shipment.attempts.append(Attempt(at, delivered=False, failure=feed.failure))
    if feed.detail_code == carrier.DELIVERED:
        shipment.attempts.append(Attempt(at, delivered=True))
    if feed.detail_code == carrier.RETURNING:
        shipment.returning = True
    return Outcome(
        events=[carrier.recorded(shipment, event)],
        cancel=[(rules.CARRIER_PROGRESS, shipment.tracking_number)],
    )
