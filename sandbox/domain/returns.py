"""Parcels going back to the seller after failed deliveries, as the Seller Center's Failed Delivery
tab shows them.

- Returning to Seller: the parcel is on its way back.
- Delivered Back to Seller: "the package has been returned to the seller, and the order will be
  automatically cancelled and refunded" (a SYSTEM cancellation with the matching reason).
- Seller Delivery Failed: "the carrier couldn't deliver the package to the seller" (a red alert).
  The seller is notified that it will be destroyed; unless the seller asks for it within 7 days,
  it is destroyed. A package rejected by the seller is destroyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sandbox.domain import deadlines, rules, split
from sandbox.domain.carrier import AttemptFailure, Shipment
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import Order, OrderStatus
from sandbox.domain.packages import Package, PackageStatus


class ReturnStatus(StrEnum):
    RETURNING_TO_SELLER = "RETURNING_TO_SELLER"
    DELIVERED_BACK_TO_SELLER = "DELIVERED_BACK_TO_SELLER"
    SELLER_DELIVERY_FAILED = "SELLER_DELIVERY_FAILED"
    DESTROYED = "DESTROYED"


def _return_status(package: Package, status: ReturnStatus, at: datetime) -> DomainEvent:
    package.return_status = status
    package.update_time = at
    return DomainEvent(
        at,
        "package.return_status_changed",
        package.order_id,
        {"package_id": package.id, "return_status": status.value},
    )


def returning_to_seller(package: Package, at: datetime) -> Outcome:
    package.return_started_at = package.return_started_at or at
    return Outcome(events=[_return_status(package, ReturnStatus.RETURNING_TO_SELLER, at)])


def cancel_reason(shipment: Shipment) -> str:
    """The SYSTEM cancel reason for a parcel that came back: refused, or anything else."""
    refused = any(a.failure is AttemptFailure.REFUSED for a in shipment.attempts)
    return "returned_to_shipper_refused" if refused else "returned_to_shipper_other"


def delivered_back_to_seller(
    order: Order, package: Package, reason: str, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """Back with the seller: the order is cancelled and the buyer refunded, at the same instant
    (a split order: that package's line items; the order goes on with its other packages)."""
    package.returned_at = at  # the Seller Center's "Time Returned"
    outcome = Outcome(events=[_return_status(package, ReturnStatus.DELIVERED_BACK_TO_SELLER, at)])
    return outcome.extend(split.package_cancelled(order, package, [package, *siblings], reason, at))


def seller_delivery_failed(package: Package, at: datetime) -> Outcome:
    """The carrier could not hand the parcel back: the seller is told it will be destroyed."""
    package.destroy_at = at + deadlines.DESTROY_WINDOW
    return Outcome(
        events=[
            _return_status(package, ReturnStatus.SELLER_DELIVERY_FAILED, at),
            DomainEvent(
                at,
                "package.destruction_notice",
                package.order_id,
                {"package_id": package.id, "destroy_at": int(package.destroy_at.timestamp())},
            ),
        ],
        deadlines=[Deadline(package.destroy_at, rules.FAILED_RETURN_DESTROYED, package.id)],
    )


def failed_return_destroyed(
    order: Order, package: Package, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """Seven days passed and the seller did not ask for the parcel: it is destroyed."""
    if package.return_status is not ReturnStatus.SELLER_DELIVERY_FAILED:
        return Outcome()
    return destroy(order, package, at, siblings)


def destroy(order: Order, package: Package, at: datetime, siblings: Sequence[Package] = ()) -> Outcome:
    package.destroy_at = at  # from now on, when it was destroyed
    outcome = Outcome(
        events=[_return_status(package, ReturnStatus.DESTROYED, at)],
        cancel=[(rules.FAILED_RETURN_DESTROYED, package.id)],
    )
    if order.status is not OrderStatus.CANCELLED and package.status is not PackageStatus.CANCELLED:
        outcome.extend(split.package_cancelled(order, package, [package, *siblings], "package_scrap", at))
    return outcome


def seller_claims_parcel(package: Package, at: datetime) -> Outcome:
    """The seller asks for the parcel within the 7 days: the carrier brings it back again."""
    if package.return_status is not ReturnStatus.SELLER_DELIVERY_FAILED:
        raise RuleViolation(
            "only a parcel the carrier failed to deliver back can be claimed", code=Code.RETURN_NOT_ALLOWED
        )
    package.destroy_at = None
    outcome = Outcome(
        cancel=[(rules.FAILED_RETURN_DESTROYED, package.id)],
        deadlines=[
            Deadline(at + deadlines.RETURN_JOURNEY, rules.CARRIER_RETURN_ARRIVES, package.tracking_number)
        ],
    )
    outcome.events.append(_return_status(package, ReturnStatus.RETURNING_TO_SELLER, at))
    return outcome


def seller_rejects_parcel(
    order: Order, package: Package, at: datetime, siblings: Sequence[Package] = ()
) -> Outcome:
    """ "A package rejected by the seller": the platform has it destroyed."""
    if package.return_status not in (ReturnStatus.RETURNING_TO_SELLER, ReturnStatus.SELLER_DELIVERY_FAILED):
        raise RuleViolation(
            "only a parcel on its way back, or one that failed to come back, can be rejected",
            code=Code.RETURN_NOT_ALLOWED,
        )
    return destroy(order, package, at, siblings)
