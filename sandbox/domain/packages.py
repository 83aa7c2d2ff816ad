"""Packages and their shipping labels: arranging shipment, label rejections, seller tracking numbers.

From the Seller Center: "TikTok Shop is required to verify the shipment information with the
carriers when generating the shipping labels. If the platform receives an error code from the
carriers, the shipping labels may be rejected", with the error types buyer address issue, products
oversized and carrier order error, each with a suggested next step; once resolved, the seller
re-creates the label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sandbox.domain import deadlines
from sandbox.domain.codes import Code
from sandbox.domain.events import DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import Order, OrderStatus, ShippingType


class PackageStatus(StrEnum):
    PROCESSING = "PROCESSING"  # awaiting shipment arrangement or collection
    FULFILLING = "FULFILLING"  # with the carrier
    COMPLETED = "COMPLETED"  # delivered
    CANCELLED = "CANCELLED"


class HandoverMethod(StrEnum):
    PICKUP = "PICKUP"
    DROP_OFF = "DROP_OFF"


class LabelStatus(StrEnum):
    NOT_CREATED = "NOT_CREATED"
    CREATED = "CREATED"
    REJECTED = "REJECTED"  # "Rejected Shipping Labels" in the Seller Center


class RejectionReason(StrEnum):
    BUYER_ADDRESS_ISSUE = "BUYER_ADDRESS_ISSUE"
    PRODUCTS_OVERSIZED = "PRODUCTS_OVERSIZED"
    CARRIER_ORDER_ERROR = "CARRIER_ORDER_ERROR"


# The platform's suggested next step for each rejection.
NEXT_STEP = {
    RejectionReason.BUYER_ADDRESS_ISSUE: "The buyer's address is incomplete (for example no postal code): "
    "ask the buyer to update it, then re-create the shipping label.",
    RejectionReason.PRODUCTS_OVERSIZED: "The package exceeds the delivery option's weight or size limit: "
    "split it into smaller packages or repack it, then re-create the shipping label.",
    RejectionReason.CARRIER_ORDER_ERROR: "The carrier could not create the shipment: wait a few minutes and "
    "re-create the shipping label, or contact TikTok Shop support if it keeps failing.",
}

# Limits of the platform's standard delivery option.
MAX_WEIGHT_GRAMS = 30_000
MAX_SIDE_CM = 120


@dataclass(slots=True)
class ScriptedRejection:
    """A label rejection a scenario armed (Rejected Shipping Labels on demand): the carrier
    refuses the package's labels for ``reason`` for the next ``remaining`` label requests, or
    before ``until``, or (neither) until the seller fixes it; after that the real rules decide."""

    reason: RejectionReason
    remaining: int | None = None  # label requests still to refuse
    until: datetime | None = None  # refused before this instant

    def refuses(self, at: datetime) -> bool:
        if self.remaining is not None and self.remaining < 1:
            return False
        return self.until is None or at < self.until


@dataclass(slots=True)
class Package:
    id: str
    order_id: str
    shop_id: str
    shipping_type: ShippingType
    create_time: datetime
    update_time: datetime
    weight_grams: int
    dimension_cm: tuple[int, int, int]
    status: PackageStatus = PackageStatus.PROCESSING
    handover_method: HandoverMethod | None = None
    pickup_slot: tuple[datetime, datetime] | None = None
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    tracking_number: str = ""
    label_status: LabelStatus = LabelStatus.NOT_CREATED
    rejection: RejectionReason | None = None
    # Armed by scenarios, in order: the carrier refuses labels for these reasons (for a number of
    # label requests, until an instant, or until the seller fixes them), then the real rules decide.
    forced_rejections: list[ScriptedRejection] = field(default_factory=list)
    # What fix_label_issue resolved: the scripted causes and the carrier's own order error. Never
    # consulted for the package's real causes (the buyer's address, its weight or size).
    fixed: set[RejectionReason] = field(default_factory=set)
    arranged_at: datetime | None = None  # shipment arranged (platform) or marked shipped (seller)
    collected_at: datetime | None = None
    delivered_at: datetime | None = None
    shipping_info_updates: int = 0
    proof_of_delivery: list[str] = field(default_factory=list)
    # Platform status updates held back while the carrier moves on (stuck tracking), by milestone
    # ("picked_up" or "delivered"), until an instant.
    status_holds: dict[str, datetime] = field(default_factory=dict)
    # The way back to the seller after failed deliveries (sandbox.domain.returns).
    return_status: Any = None
    failures_ahead: list[Any] = field(default_factory=list)  # planned before the carrier has it
    return_fails: bool = False
    missed_collections_ahead: int = 0
    delayed: bool = False  # past the delivery window, still on its way
    lost: bool = False
    return_started_at: datetime | None = None
    returned_at: datetime | None = None
    destroy_at: datetime | None = None
    # Every order the package holds when orders to one buyer were combined into it (the first is
    # ``order_id``); empty for the package of one order (sandbox.domain.combine).
    orders: list[Order] = field(default_factory=list)

    @property
    def arranged(self) -> bool:
        return self.arranged_at is not None

    def __setstate__(self, state: Any) -> None:
        """A package from a snapshot: pickled slot by slot; one saved before scripted rejections
        had counts holds bare reasons (each refusing until fixed), and one saved before combined
        packages has no orders."""
        slots = state[1] if isinstance(state, tuple) else state
        for name, value in slots.items():
            object.__setattr__(self, name, value)
        self.forced_rejections = [
            r if isinstance(r, ScriptedRejection) else ScriptedRejection(r) for r in self.forced_rejections
        ]
        if "orders" not in slots:
            self.orders = []


def label_problem(package: Package, order: Order, at: datetime) -> RejectionReason | None:
    """Why the carrier would refuse a label for this package at ``at``, if it would: a rejection a
    scenario armed comes first, then the package's own problems."""
    scripted = scripted_rejection(package, at)
    if scripted is not None:
        return scripted.reason
    return own_problem(package, order)


def scripted_rejection(package: Package, at: datetime) -> ScriptedRejection | None:
    """The scripted rejection the carrier refuses the package's next label for at ``at``."""
    return next((r for r in package.forced_rejections if r.refuses(at)), None)


def own_problem(package: Package, order: Order) -> RejectionReason | None:
    """The package's real causes, whatever a scenario scripted: an incomplete buyer address and a
    package over the delivery option's limits hold until the order or the package changes; the
    carrier's own order error (the ``[carrier-error]`` mark) until the seller fixes it."""
    address = order.recipient_address
    if not address.postal_code.strip() or not address.address_line1.strip():
        return RejectionReason.BUYER_ADDRESS_ISSUE
    if oversized(package):
        return RejectionReason.PRODUCTS_OVERSIZED
    if (
        "[carrier-error]" in address.address_line2
        and RejectionReason.CARRIER_ORDER_ERROR not in package.fixed
    ):
        return RejectionReason.CARRIER_ORDER_ERROR
    return None


def oversized(package: Package) -> bool:
    """Products are oversized: over the delivery option's weight or any side's limit."""
    return package.weight_grams > MAX_WEIGHT_GRAMS or max(package.dimension_cm) > MAX_SIDE_CM


# An order ships while it awaits shipment, and a split order while some of its packages still do.
SHIPPABLE_STATUSES = frozenset({OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING})


def check_shippable(package: Package, order: Order) -> None:
    if order.status is OrderStatus.CANCELLED:
        raise RuleViolation(
            f"order {order.id} is cancelled and cannot be shipped", code=Code.ORDER_NOT_SHIPPABLE
        )
    if order.locked:
        raise RuleViolation(f"order {order.id} is completed and locked", code=Code.ORDER_LOCKED)
    if package.arranged:
        raise RuleViolation(
            f"package {package.id} has already been shipped", code=Code.PACKAGE_ALREADY_SHIPPED
        )
    if order.status not in SHIPPABLE_STATUSES:
        raise RuleViolation(
            f"order {order.id} is {order.status.value}: only an order awaiting shipment can be shipped",
            code=Code.ORDER_NOT_SHIPPABLE,
        )


def check_handover(package: Package, order: Order) -> None:
    """A hand-over to the platform's carrier (pickup or drop-off, at a slot) is for a package the
    platform ships that is still to ship: a seller-shipped package, one already shipped, or one of
    an order that cannot ship has no hand-over time slots."""
    if package.shipping_type is not ShippingType.TIKTOK:
        raise RuleViolation(
            f"package {package.id} is shipped by the seller: the platform's carrier collects nothing",
            code=Code.WRONG_SHIPPING_TYPE,
        )
    check_shippable(package, order)


def check_one_logistics_type(batch: Iterable[Package]) -> None:
    """A batch shipment carries one logistics type: platform-shipped or seller-shipped, never both."""
    if len({p.shipping_type for p in batch}) > 1:
        raise RuleViolation(
            "only one logistics type per batch: do not mix platform-shipped and seller-shipped packages",
            code=Code.MIXED_LOGISTICS_TYPES,
        )


def reject_label(package: Package, reason: RejectionReason, at: datetime) -> Outcome:
    package.label_status = LabelStatus.REJECTED
    package.rejection = reason
    package.update_time = at
    return Outcome(
        events=[
            DomainEvent(
                at,
                "package.label_rejected",
                package.order_id,
                {"package_id": package.id, "reason": reason.value},
            )
        ]
    )


def arm_label_rejection(
    package: Package,
    reason: RejectionReason,
    at: datetime,
    *,
    count: int | None = None,
    until: datetime | None = None,
) -> Outcome:
    """The carrier will refuse the package's labels for ``reason``: for the next ``count`` label
    requests, or before ``until``, or (neither) until the seller fixes it; then the real rules
    decide again."""
    if package.arranged:
        raise RuleViolation(
            f"order {package.order_id} is already shipped: its label cannot be rejected any more"
        )
    if count is not None and until is not None:
        raise RuleViolation(
            "a label rejection lasts for a count of label requests or until an instant, not both"
        )
    if count is not None and count < 1:
        raise RuleViolation(f"a label rejection for {count} label requests refuses none")
    if until is not None and until <= at:
        raise RuleViolation("a label rejection until an instant at or before the step would refuse nothing")
    package.forced_rejections.append(ScriptedRejection(reason, count, until))
    data: dict[str, Any] = {"package_id": package.id, "reason": reason.value}
    if count is not None:
        data["count"] = count
    if until is not None:
        data["until"] = until.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Outcome(events=[DomainEvent(at, "package.label_rejection_armed", package.order_id, data)])


def fix_label_issue(package: Package, order: Order, at: datetime) -> Outcome:
    """The seller resolves the scripted cause of the package's label rejection: the rejection a
    scenario armed that the carrier refuses for now (every one armed for that reason), or else the
    carrier's own order error. A real cause is never waived: a buyer address without postal code
    holds until the address is updated, an oversized package until it is split or repacked."""
    scripted = scripted_rejection(package, at)
    if scripted is not None:
        fixed = scripted.reason
        package.forced_rejections = [r for r in package.forced_rejections if r.reason is not fixed]
    elif own_problem(package, order) is RejectionReason.CARRIER_ORDER_ERROR:
        fixed = RejectionReason.CARRIER_ORDER_ERROR
    else:
        real = own_problem(package, order)
        if real is not None:
            raise RuleViolation(
                f"the label of order {package.order_id} is refused for a real cause, {real.value}, "
                f"which fixing does not waive: {NEXT_STEP[real]}"
            )
        if package.rejection is not None:
            raise RuleViolation(
                f"the cause of order {package.order_id}'s label rejection is already gone: "
                "the next label request gets the label"
            )
        raise RuleViolation(f"order {package.order_id} has no rejected label to fix")
    package.fixed.add(fixed)
    data = {"package_id": package.id, "reason": fixed.value}
    return Outcome(events=[DomainEvent(at, "package.label_issue_fixed", package.order_id, data)])


def hold_status_update(
    package: Package, milestone: str, until: datetime, held_for: str, at: datetime
) -> Outcome:
    """The carrier moves on, but the platform does not update the order at ``milestone`` until
    ``until`` (the Seller Center's "picked up / delivered but logistics not updated")."""
    package.status_holds[milestone] = until
    data = {"package_id": package.id, "milestone": milestone, "for": held_for}
    return Outcome(events=[DomainEvent(at, "package.status_update_held", package.order_id, data)])


def label_refused(package: Package, reason: RejectionReason, at: datetime) -> RuleViolation:
    """The carrier refuses the label: the call fails with the platform's next step, and the
    rejection is recorded all the same (the Seller Center's Rejected Shipping Labels). A label
    request refused by a scripted rejection counted in requests is one fewer to refuse."""
    scripted = scripted_rejection(package, at)
    if scripted is not None and scripted.reason is reason and scripted.remaining is not None:
        scripted.remaining -= 1
        if scripted.remaining < 1:
            package.forced_rejections = [r for r in package.forced_rejections if r is not scripted]
    return RuleViolation(
        f"Shipping label rejected: {reason.value}. {NEXT_STEP[reason]}",
        code=Code.LABEL_REJECTED,
        recorded=reject_label(package, reason, at),
    )


def label_created(package: Package, tracking_number: str, provider: tuple[str, str], at: datetime) -> Outcome:
    package.label_status = LabelStatus.CREATED
    package.rejection = None
    package.tracking_number = tracking_number
    package.shipping_provider_id, package.shipping_provider_name = provider
    package.update_time = at
    return Outcome(
        events=[
            DomainEvent(
                at,
                "package.label_created",
                package.order_id,
                {"package_id": package.id, "tracking_number": tracking_number},
            )
        ]
    )


def arrange(
    package: Package,
    order: Order,
    at: datetime,
    handover: HandoverMethod,
    slot: tuple[datetime, datetime] | None,
) -> Outcome:
    """Shipment arranged: the package awaits collection by the carrier (the order follows its
    packages: ``split.order_follows_packages``); every order combined into it ships with it."""
    package.arranged_at = at
    package.handover_method = handover
    package.pickup_slot = slot
    package.update_time = at
    return Outcome(events=[_order_ships(package, o, at) for o in package.orders or [order]])


def _order_ships(package: Package, order: Order, at: datetime) -> DomainEvent:
    order.rts_time = at
    order.tracking_number = package.tracking_number
    order.shipping_provider = package.shipping_provider_name
    order.shipping_provider_id = package.shipping_provider_id
    for item in order.line_items:
        if item.package_id in ("", package.id):
            item.package_id, item.tracking_number = package.id, package.tracking_number
            item.shipping_provider_id = package.shipping_provider_id
            item.shipping_provider_name = package.shipping_provider_name
    order.update_time = at
    return DomainEvent(
        at,
        "package.shipped",
        order.id,
        {
            "package_id": package.id,
            "tracking_number": package.tracking_number,
            "shipping_type": package.shipping_type.value,
        },
    )


def update_shipping_info(
    package: Package, order: Order, tracking_number: str, provider: tuple[str, str], at: datetime
) -> Outcome:
    """A seller corrects a shipped package's tracking information: once, within 72 hours."""
    if package.shipping_type is not ShippingType.SELLER:
        raise RuleViolation(
            "only seller-shipped packages take new tracking information", code=Code.WRONG_SHIPPING_TYPE
        )
    if not package.arranged or package.arranged_at is None:
        raise RuleViolation(
            f"package {package.id} has not been shipped yet", code=Code.SHIPPING_INFO_NOT_UPDATABLE
        )
    if package.shipping_info_updates >= 1:
        raise RuleViolation(
            "shipping information can be updated only once", code=Code.SHIPPING_INFO_NOT_UPDATABLE
        )
    if at > package.arranged_at + deadlines.SHIPPING_INFO_UPDATE_WINDOW:
        raise RuleViolation(
            "shipping information can be updated only within 72 hours of shipping",
            code=Code.SHIPPING_INFO_NOT_UPDATABLE,
        )
    package.shipping_info_updates += 1
    old = package.tracking_number
    package.tracking_number = tracking_number
    package.shipping_provider_id, package.shipping_provider_name = provider
    package.update_time = at
    order.tracking_number, order.shipping_provider_id, order.shipping_provider = (
        tracking_number,
        provider[0],
        provider[1],
    )
    for item in order.line_items:
        if item.package_id not in ("", package.id):
            continue  # another package of a split order keeps its own tracking
        item.tracking_number, item.shipping_provider_id, item.shipping_provider_name = (
            tracking_number,
            provider[0],
            provider[1],
        )
    order.update_time = at
    return Outcome(
        events=[
            DomainEvent(
                at,
                "package.shipping_info_updated",
                order.id,
                {"package_id": package.id, "from": old, "to": tracking_number},
            )
        ]
    )


# ----- how the platform describes a package (package detail and search) ----------------------
# "TO_FULFILL: Waiting for the merchant or warehouse to ship the package. PROCESSING: Package has
# been arranged by seller. Waiting for carrier to collect the parcel."
TO_FULFILL = "TO_FULFILL"


def shown_status(package: Package) -> str:
    """The package status the API shows: a package not yet arranged is still to fulfil."""
    if package.status is PackageStatus.PROCESSING and not package.arranged:
        return TO_FULFILL
    return package.status.value


def ship_exception_reason(package: Package) -> str:
    """Why the package could not be delivered (the docs' values, their spelling), or "" when it
    met no exception."""
    if package.return_status is not None:
        return "PACKAGE_SCRAP" if package.return_status.value == "DESTROYED" else "RETURNED_TO_SHIPPER"
    if package.lost:
        return "PACKAGE_LOST"
    return ""


def sub_status(package: Package) -> str:
    """The package's sub-status: STOCKING until it is arranged, RTS with its label (or its
    seller's tracking number) until the carrier collects, TTS with the carrier, DELIVERED, and
    SHIP_EXCEPTION for a parcel lost or sent back to the seller."""
    if ship_exception_reason(package):
        return "SHIP_EXCEPTION"
    if package.status is PackageStatus.CANCELLED:
        return "CANCELLED"
    if package.status is PackageStatus.COMPLETED:
        return "DELIVERED"
    if package.status is PackageStatus.FULFILLING:
        return "TTS"
    return "RTS" if package.arranged else "STOCKING"


def line_items_named(order: Order, line_item_ids: Iterable[str]) -> list[str]:
    """The order's line items a request names (all of them when it names none); an ID that is not
    one of the order's is refused."""
    ids = list(dict.fromkeys(line_item_ids))
    known = [item.id for item in order.line_items]
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise RuleViolation(f"line items not in order {order.id}: {', '.join(unknown)}")
    return ids or known


class ShipType(StrEnum):
    """How the 202512 create package puts line items in packages."""

    ONE_ORDER = "1"  # all of one order's line items in one package
    SPLIT = "2"  # some of an order's line items, in several packages
    COMBINED = "3"  # several orders in one package


def check_package_request(
    ship_type: str, order_id: str, line_item_ids: Sequence[str], order_ids: Sequence[str]
) -> None:
    """What the 202512 create package needs by ship_type: the order (1), the order and the line
    items to put in the package (2), or at least two orders to combine into one package (3)."""
    if ship_type not in tuple(ShipType):
        raise RuleViolation(f"ship_type '{ship_type}' is not one of 1, 2, 3")
    if ship_type in (ShipType.ONE_ORDER, ShipType.SPLIT) and not order_id:
        raise RuleViolation(f"order_id is required with ship_type {ship_type}")
    if ship_type == ShipType.SPLIT and not line_item_ids:
        raise RuleViolation("order_line_item is required with ship_type 2: the line items of the package")
    if ship_type == ShipType.COMBINED and len(set(order_ids)) < 2:
        raise RuleViolation("order_list_ids needs at least two orders with ship_type 3")
