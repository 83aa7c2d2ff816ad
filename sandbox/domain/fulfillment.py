"""The order and its package follow the shipment: collected -> IN_TRANSIT, delivered -> DELIVERED,
then COMPLETED, then locked. Stuck tracking shows as the order's logistics issue tags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sandbox.domain import deadlines, rules, split
from sandbox.domain.carrier import DELIVERED, PICKED_UP, Shipment
from sandbox.domain.events import Deadline, DomainEvent, Outcome
from sandbox.domain.orders import Order, OrderStatus, ShippingType, system_cancels
from sandbox.domain.packages import Package, PackageStatus
from sandbox.domain.returns import ReturnStatus

# The Seller Center's logistics issue tags (each opens a ticket in the matching category).
UNMOVED_TRACKING = "Unmoved tracking event"
PICKED_UP_NOT_UPDATED = "Picked up but logistics status not updated"
DELIVERED_NOT_UPDATED = "Delivered but logistics not updated"

PICKED_UP_HOLD = "picked_up"
DELIVERED_HOLD = "delivered"


def status_changed(order: Order, to: OrderStatus, at: datetime) -> DomainEvent:
    before = order.status
    order.status = to
    order.update_time = at
    return DomainEvent(at, "order.status_changed", order.id, {"from": before.value, "to": to.value})


def follow_shipment(
    order: Order, package: Package, shipment: Shipment, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """Bring the package, and the order with it, in line with what the carrier has reported,
    unless the platform's update is being held back (then try again when the hold ends).
    ``siblings``: the order's other packages, when it was split."""
    outcome = Outcome()
    if order.status is OrderStatus.CANCELLED or package.status is PackageStatus.CANCELLED:
        return outcome
    picked_up = next((e for e in shipment.events if e.detail_code == PICKED_UP), None)
    if picked_up and package.arranged and package.collected_at is None:
        hold = package.status_holds.get(PICKED_UP_HOLD)
        if hold is not None and at < hold:
            return Outcome(deadlines=[Deadline(hold, rules.PLATFORM_FOLLOWS_SHIPMENT, package.id)])
        package.collected_at = picked_up.at
        order.collection_time = order.collection_time or picked_up.at
        package.status = PackageStatus.FULFILLING
        package.update_time = at
        outcome.extend(split.order_follows_packages(order, [package, *siblings], at))
    delivered = next((e for e in shipment.events if e.detail_code == DELIVERED), None)
    if delivered and package.collected_at is not None and package.delivered_at is None:
        hold = package.status_holds.get(DELIVERED_HOLD)
        if hold is not None and at < hold:
            outcome.deadlines.append(Deadline(hold, rules.PLATFORM_FOLLOWS_SHIPMENT, package.id))
            return outcome
        outcome.extend(deliver(order, package, delivered.at, at, siblings))
    return outcome


def deliver(
    order: Order, package: Package, delivered_at: datetime, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """The package is delivered; the order is once every package still going to the buyer is."""
    package.delivered_at = delivered_at
    package.status = PackageStatus.COMPLETED
    package.update_time = at
    return split.order_follows_packages(order, [package, *siblings], at)


def order_completes(order: Order, at: datetime) -> Outcome:
    if order.status is not OrderStatus.DELIVERED:
        return Outcome()
    return Outcome(
        events=[status_changed(order, OrderStatus.COMPLETED, at)],
        deadlines=[Deadline(at + deadlines.COMPLETED_ORDER_LOCK, rules.COMPLETED_ORDER_LOCKS, order.id)],
    )


def completed_order_locks(order: Order, at: datetime) -> Outcome:
    if order.status is not OrderStatus.COMPLETED or order.locked:
        return Outcome()
    order.locked = True
    return Outcome(events=[DomainEvent(at, "order.locked", order.id)])


def unmoved_after(package: Package) -> timedelta:
    """How long a parcel may go without a tracking event before it counts as unmoved: two days; on
    its way back to the seller, the return journey itself (no event comes between "Returning to
    sender" and its arrival), so a normal trip back is never tagged."""
    if package.return_status is ReturnStatus.RETURNING_TO_SELLER:
        return max(deadlines.UNMOVED_TRACKING_AFTER, deadlines.RETURN_JOURNEY)
    return deadlines.UNMOVED_TRACKING_AFTER


def logistics_issue_tags(
    order: Order, package: Package | None, shipment: Shipment | None, now: datetime
) -> list[str]:
    """The order's logistics issue tags, as the Seller Center derives them from the tracking."""
    if package is None or shipment is None or order.status is OrderStatus.CANCELLED:
        return []
    tags = []
    last_move = shipment.events[-1].at if shipment.events else package.arranged_at
    delivered = shipment.has(DELIVERED)
    quiet = last_move is not None and now - last_move > unmoved_after(package)
    uncollected = (
        order.status is OrderStatus.AWAITING_COLLECTION
        and package.arranged_at is not None
        and now - package.arranged_at > deadlines.STATUS_UPDATE_WINDOW
    )
    if not delivered and (quiet or uncollected):
        tags.append(UNMOVED_TRACKING)
    picked_up = next((e for e in shipment.events if e.detail_code == PICKED_UP), None)
    if (
        picked_up
        and order.status is OrderStatus.AWAITING_COLLECTION
        and now - picked_up.at > deadlines.PICKED_UP_NOT_UPDATED_AFTER
    ):
        tags.append(PICKED_UP_NOT_UPDATED)
    if delivered and order.status in (OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT):
        tags.append(DELIVERED_NOT_UPDATED)
    return tags


def seller_shipped_update_overdue(order: Order, tracking_number: str, at: datetime) -> Outcome:
    """48 hours after the seller's carrier collected the parcel, the order is still not marked shipped."""
    if order.status is not OrderStatus.AWAITING_SHIPMENT:
        return Outcome()
    return Outcome(
        events=[
            DomainEvent(at, "order.shipped_update_overdue", order.id, {"tracking_number": tracking_number})
        ]
    )


def untracked_deadlines(order: Order) -> list[Deadline]:
    """The untracked-order rule's reminders and cancellation, counted from the order's placement."""
    cancel_at = order.create_time + deadlines.UNTRACKED_AUTO_CANCEL
    reminders = [
        Deadline(cancel_at - timedelta(days=n), rules.UNTRACKED_REMINDER, order.id)
        for n in range(deadlines.UNTRACKED_REMINDER_DAYS, 0, -1)
    ]
    return [*reminders, Deadline(cancel_at, rules.UNTRACKED_AUTO_CANCEL, order.id)]


def is_untracked(order: Order, shipment: Shipment | None) -> bool:
    """Placed and paid, but no tracking movement yet: not shipped, or not scanned by the carrier."""
    if order.status not in (OrderStatus.AWAITING_SHIPMENT, OrderStatus.AWAITING_COLLECTION):
        return False
    return shipment is None or not shipment.has(PICKED_UP)


def untracked_reminder(order: Order, shipment: Shipment | None, at: datetime) -> Outcome:
    if not is_untracked(order, shipment):
        return Outcome()
    cancel_at = order.create_time + deadlines.UNTRACKED_AUTO_CANCEL
    return Outcome(
        events=[
            DomainEvent(at, "order.untracked_reminder", order.id, {"cancel_at": int(cancel_at.timestamp())})
        ]
    )


def untracked_auto_cancel(order: Order, shipment: Shipment | None, at: datetime) -> Outcome:
    if not is_untracked(order, shipment):
        return Outcome()
    return system_cancels(order, at, "system_cancel_order_untracked")


# ----- shipping deadlines, delays and losses -----------------------------------------------------
def shipping_deadline_rules(order: Order) -> list[Deadline]:
    """The timed rules an order awaiting shipment runs from payment on."""
    timed: list[Deadline] = []
    if order.shipping_due_time is not None:
        timed += [
            Deadline(
                order.shipping_due_time - deadlines.SHIP_WITHIN_24_HOURS, rules.SHIP_WITHIN_24_HOURS, order.id
            ),
            Deadline(order.shipping_due_time, rules.STOCKING_TIMEOUT, order.id),
        ]
    if order.delivery_due_time is not None and order.shipping_type is ShippingType.TIKTOK:
        timed.append(Deadline(order.delivery_due_time, rules.DELIVERY_WINDOW_PASSES, order.id))
    timed.append(
        Deadline(order.create_time + deadlines.LOST_IF_NOT_ACKNOWLEDGED, rules.PARCEL_DEEMED_LOST, order.id)
    )
    return timed


def ship_within_24_hours(order: Order, at: datetime) -> Outcome:
    """A day before the shipping deadline, an unshipped order is on the "Shipping within 24 hours" list."""
    if order.status is not OrderStatus.AWAITING_SHIPMENT:
        return Outcome()
    return Outcome(
        events=[
            DomainEvent(
                at,
                "order.ship_within_24_hours",
                order.id,
                {
                    "shipping_due_time": int(order.shipping_due_time.timestamp())
                    if order.shipping_due_time
                    else 0
                },
            )
        ]
    )


def stocking_timeout(order: Order, at: datetime) -> Outcome:
    """The shipping deadline passed with the order unshipped: late shipment ("Stocking timeout")."""
    if order.status is not OrderStatus.AWAITING_SHIPMENT:
        return Outcome()
    order.late_shipment = True
    return Outcome(events=[DomainEvent(at, "order.stocking_timeout", order.id)])


def _on_its_way(order: Order, package: Package | None) -> bool:
    """Shipped, and neither delivered nor cancelled yet (a split order's other packages aside)."""
    return (
        order.status in (OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT)
        and package is not None
        and package.arranged
        and package.delivered_at is None
        and package.status is not PackageStatus.CANCELLED
    )


def delivery_window_passes(
    order: Order, package: Package | None, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """A platform-shipped parcel still on its way when the delivery window closes is Delayed."""
    if package is None or not _on_its_way(order, package):
        return Outcome()
    if package.return_status is not None:
        return Outcome()  # on its way back: failed delivery, not a delay
    package.delayed = True
    return Outcome(events=[DomainEvent(at, "package.delayed", order.id, {"package_id": package.id})])


def parcel_deemed_lost(
    order: Order, package: Package | None, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """Shipped, not acknowledged by the recipient 12 days after the order was placed: deemed lost;
    the order is cancelled and the buyer refunded (a split order: that package's line items)."""
    if package is None or not _on_its_way(order, package):
        return Outcome()
    if package.return_status is not None:
        return Outcome()  # on its way back to the seller: the return rules decide
    return _lost(order, package, at, "not_acknowledged", siblings)


def carrier_failed_to_ship_twice(
    order: Order, package: Package, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """The carrier missed the parcel's collection twice: the item is deemed lost, the order is
    cancelled and the buyer refunded (a split order: that package's line items)."""
    if package.lost or not _on_its_way(order, package) or package.collected_at is not None:
        return Outcome()
    return _lost(order, package, at, "failed_to_ship_twice", siblings)


def _lost(
    order: Order, package: Package, at: datetime, cause: str, siblings: Sequence[Package] = ()
) -> Outcome:
    package.lost = True
    outcome = Outcome(
        events=[DomainEvent(at, "package.lost", order.id, {"package_id": package.id, "cause": cause})]
    )
    return outcome.extend(split.package_cancelled(order, package, [package, *siblings], "package_lost", at))
