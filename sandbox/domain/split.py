"""An order in several packages: splitting it, and the order following what its packages do.

From the Seller Center ("Splitting Order into Multiple Packages"): a seller splits an order that
awaits shipment into several packages, each with its own label, tracking number and carrier
journey; a label rejected as "Products are oversized" is cured by splitting the order into smaller
packages. The docs' `confirmOrderSplit`: "Case 2: item-level split, applicable for orders in EU,
JP, MX (global sellers), UK, US ... Package 1: 1 unit of SKU A, Package 2: 1 unit of SKU A,
Package 3: 1 unit of SKU B" (a line item is one unit, so a group is a set of line items).

The order's status follows its packages (the docs' `PARTIALLY_SHIPPING`: some packages shipped,
others still to ship); a package that comes back to the seller, is lost or destroyed cancels its
own line items, and the order is cancelled only when every package has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sandbox.domain import deadlines, refunds, rules
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import LineItem, Order, OrderStatus, system_cancels
from sandbox.domain.packages import Package, PackageStatus

# A package's size grows with what it holds: 15 cm and 5 more a unit, 10 cm high.
BASE_SIDE_CM = 15
SIDE_CM_PER_UNIT = 5
HEIGHT_CM = 10
# Orders that may be split: those whose packages have not left the seller.
SPLITTABLE_STATUSES = frozenset({OrderStatus.AWAITING_SHIPMENT})
# The reasons `GET .../orders/split_attributes` gives when an order cannot be split.
CANNOT_SPLIT_STATUS = "ORDER_STATUS_NOT_SUPPORTED"
CANNOT_SPLIT_ONE_ITEM = "ONLY_ONE_ITEM"
CANNOT_SPLIT_SHIPPED = "PACKAGE_ALREADY_SHIPPED"


def measures(items: Sequence[LineItem]) -> tuple[int, tuple[int, int, int]]:
    """The weight (grams) and size (cm) of a package holding these line items."""
    weight = sum(item.weight_grams for item in items)
    side = BASE_SIDE_CM + SIDE_CM_PER_UNIT * len(items)
    return weight, (side, max(10, side - 5), HEIGHT_CM)


def lines_of(order: Order, package: Package) -> list[LineItem]:
    """The order's line items the package holds."""
    return [item for item in order.line_items if item.package_id == package.id]


def live(packages: Sequence[Package]) -> list[Package]:
    """The packages still going to the buyer (not cancelled: returned, lost or destroyed)."""
    return [p for p in packages if p.status is not PackageStatus.CANCELLED]


def package_of_lines(package_id: str, order: Order, items: Sequence[LineItem], at: datetime) -> Package:
    """A new package of the order holding these line items, weighed and sized by them."""
    weight, size = measures(items)
    for item in items:
        item.package_id = package_id
    return Package(
        id=package_id,
        order_id=order.id,
        shop_id=order.shop_id,
        shipping_type=order.shipping_type,
        create_time=at,
        update_time=at,
        weight_grams=weight,
        dimension_cm=size,
    )


# ----- splitting ---------------------------------------------------------------------------------
def cannot_split_reason(order: Order, packages: Sequence[Package]) -> str:
    """Why the order cannot be split now, or "" when it can (its split attributes)."""
    if order.status not in SPLITTABLE_STATUSES:
        return CANNOT_SPLIT_STATUS
    if any(p.arranged for p in packages):
        return CANNOT_SPLIT_SHIPPED
    if len(order.line_items) < 2:
        return CANNOT_SPLIT_ONE_ITEM
    return ""


def named_groups(
    by_line_item: Sequence[tuple[str, list[str]]], by_order_line: Sequence[tuple[str, list[str]]]
) -> list[tuple[str, list[str]]]:
    """The groups a split request names, in either of its two spellings (one of the two), each
    with an ID of its own."""
    if bool(by_line_item) == bool(by_order_line):
        raise RuleViolation("send splittable_groups or splittable_groups_v2 (one of the two)")
    groups = list(by_line_item or by_order_line)
    if len({group_id for group_id, _ in groups}) < len(groups):
        raise RuleViolation("each splittable group needs an id of its own")
    return groups


def check_split(order: Order, packages: Sequence[Package], groups: Sequence[Sequence[str]]) -> None:
    """A split names every line item of the order exactly once, in at least two groups, none empty."""
    reason = cannot_split_reason(order, packages)
    if reason == CANNOT_SPLIT_STATUS:
        raise RuleViolation(
            f"order {order.id} is {order.status.value}: only an order awaiting shipment can be split",
            code=Code.ORDER_NOT_SPLITTABLE,
        )
    if reason == CANNOT_SPLIT_SHIPPED:
        raise RuleViolation(
            f"order {order.id} has a package already shipped: it can no longer be split",
            code=Code.PACKAGE_ALREADY_SHIPPED,
        )
    if reason:
        raise RuleViolation(
            f"order {order.id} has one line item: nothing to split", code=Code.ORDER_NOT_SPLITTABLE
        )
    check_groups(order, packages, groups)


def check_groups(order: Order, old: Sequence[Package], groups: Sequence[Sequence[str]]) -> None:
    """The groups hold every line item of the packages they replace exactly once: at least two
    groups, none empty, no line item of another order or of another package."""
    shipped = [p.id for p in old if p.arranged]
    if shipped:
        raise RuleViolation(
            f"package {shipped[0]} has already been shipped: a shipped package cannot be split",
            code=Code.PACKAGE_ALREADY_SHIPPED,
        )
    if len(groups) < 2 or any(not group for group in groups):
        raise RuleViolation("a split needs at least two splittable_groups, each with line items")
    known = {item.id for item in order.line_items}
    named = [line for group in groups for line in group]
    foreign = sorted({line for line in named if line not in known})
    if foreign:
        raise RuleViolation(
            f"line items not in order {order.id}: {', '.join(foreign)}", code=Code.LINE_ITEM_NOT_IN_ORDER
        )
    twice = sorted({line for line in named if named.count(line) > 1})
    if twice:
        raise RuleViolation(f"line items named in more than one group: {', '.join(twice)}")
    held = [item.id for p in old for item in lines_of(order, p)]
    elsewhere = sorted(set(named) - set(held))
    if elsewhere:
        raise RuleViolation(
            f"line items already in another package: {', '.join(elsewhere)}",
            code=Code.PACKAGE_ALREADY_SHIPPED,
        )
    missing = [line for line in held if line not in named]
    if missing:
        raise RuleViolation(f"every line item must be in a group; missing: {', '.join(missing)}")


def split(
    order: Order,
    old: Sequence[Package],
    groups: Sequence[Sequence[str]],
    new_ids: Sequence[str],
    at: datetime,
) -> tuple[list[Package], Outcome]:
    """The packages ``old`` (none shipped) become one per group, each weighed and sized by its own
    line items (so a split cures an oversized label); a scenario's plans stay with the first."""
    check_groups(order, old, groups)
    by_id = {item.id: item for item in order.line_items}
    made = []
    for package_id, group in zip(new_ids, groups, strict=True):
        made.append(package_of_lines(package_id, order, [by_id[line] for line in group], at))
    if old:
        first, previous = made[0], old[0]
        first.forced_rejections = [replace(r) for r in previous.forced_rejections]
        first.fixed = set(previous.fixed)
        first.failures_ahead = list(previous.failures_ahead)
        first.return_fails = previous.return_fails
        first.missed_collections_ahead = previous.missed_collections_ahead
        first.status_holds = dict(previous.status_holds)
    replaced = {p.id for p in old}
    kept = [p for p in order.package_ids if p not in replaced]
    at_index = next((i for i, p in enumerate(order.package_ids) if p in replaced), len(kept))
    order.package_ids = kept[:at_index] + [p.id for p in made] + kept[at_index:]
    order.update_time = at
    data = {"from": ",".join(p.id for p in old), "to": ",".join(p.id for p in made)}
    return made, Outcome(events=[DomainEvent(at, "order.split", order.id, data)])


# ----- the order follows its packages ------------------------------------------------------------
def status_of_packages(packages: Sequence[Package]) -> OrderStatus:
    """The order status its packages add up to: to ship, partly shipped, awaiting collection, in
    transit, delivered, or cancelled when none is still going to the buyer."""
    going = live(packages)
    if not going:
        return OrderStatus.CANCELLED
    if all(p.delivered_at is not None for p in going):
        return OrderStatus.DELIVERED
    shipped = [p for p in going if p.arranged]
    if not shipped:
        return OrderStatus.AWAITING_SHIPMENT
    if len(shipped) < len(going):
        return OrderStatus.PARTIALLY_SHIPPING
    if any(p.collected_at is not None for p in going):
        return OrderStatus.IN_TRANSIT
    return OrderStatus.AWAITING_COLLECTION


# Statuses the packages move an order between; the others are the order's own.
_SHIPPING_STATUSES = frozenset(
    {
        OrderStatus.AWAITING_SHIPMENT,
        OrderStatus.PARTIALLY_SHIPPING,
        OrderStatus.AWAITING_COLLECTION,
        OrderStatus.IN_TRANSIT,
    }
)


def order_follows_packages(order: Order, packages: Sequence[Package], at: datetime) -> Outcome:
    """Bring the order's status in line with its packages; once every package still going to the
    buyer is delivered the order is DELIVERED and its completion is on the clock. The other orders
    of a combined package follow it too (it is their only package)."""
    outcome = _follow(order, packages, at)
    for package in packages:
        for other in package.orders:
            if other is not order:
                outcome.extend(_follow(other, [package], at))
    return outcome


def _follow(order: Order, packages: Sequence[Package], at: datetime) -> Outcome:
    if order.status not in _SHIPPING_STATUSES:
        return Outcome()
    to = status_of_packages(packages)
    if to is order.status or to is OrderStatus.CANCELLED:
        return Outcome()
    before = order.status
    order.status, order.update_time = to, at
    outcome = Outcome(
        events=[DomainEvent(at, "order.status_changed", order.id, {"from": before.value, "to": to.value})]
    )
    if to is OrderStatus.DELIVERED:
        order.delivery_time = max(p.delivered_at for p in live(packages) if p.delivered_at is not None)
        outcome.deadlines.append(
            Deadline(at + deadlines.COMPLETION_AFTER_DELIVERY, rules.ORDER_COMPLETES, order.id)
        )
    return outcome


def lines_refund(order: Order, items: Sequence[LineItem]) -> Decimal:
    """What cancelling these line items alone gives back: each one's share of the order's
    subtotal and tax (the shipping fee goes with the last of the order, `refunds.of_lines`)."""
    overall, _ = refunds.of_lines(order.payment, order.line_items, [item.id for item in items], False)
    return Decimal(overall.total)


def package_cancelled(
    order: Order, package: Package, packages: Sequence[Package], reason: str, at: datetime
) -> Outcome:
    """A package of a split order that will never reach the buyer (returned to the seller, lost,
    destroyed): its own line items are cancelled by the system and refunded; the order goes on with
    its other packages, and is cancelled only when none is left going to the buyer. Of a combined
    package, every order it holds is cancelled (it was each one's only package)."""
    package.status, package.update_time = PackageStatus.CANCELLED, at
    outcome = Outcome()
    for other in package.orders:  # a combined package's other orders had only this package
        if other is not order and other.status is not OrderStatus.CANCELLED:
            outcome.extend(system_cancels(other, at, reason))
    return outcome.extend(_lines_cancelled(order, package, packages, reason, at))


def _lines_cancelled(
    order: Order, package: Package, packages: Sequence[Package], reason: str, at: datetime
) -> Outcome:
    others = live([p for p in packages if p.id != package.id])
    if not others:
        refunded_before = lines_refund(order, [i for i in order.line_items if i.cancel_reason])
        if not refunded_before:
            return system_cancels(order, at, reason)
        rest = Decimal(order.payment.total_amount) - refunded_before
        return system_cancels(order, at, reason, f"{rest:.2f}")
    items = lines_of(order, package)
    for item in items:
        item.cancel_reason = reason
    amount = f"{lines_refund(order, items):.2f}"
    currency = order.payment.currency
    data = {
        "package_id": package.id,
        "line_item_ids": ",".join(item.id for item in items),
        "reason": reason,
        "initiator": "SYSTEM",
        "amount": amount,
        "currency": currency,
    }
    order.update_time = at
    outcome = Outcome(
        events=[
            DomainEvent(at, "order.lines_cancelled", order.id, data),
            DomainEvent(
                at, "order.refunded", order.id, {"amount": amount, "currency": currency, "reason": reason}
            ),
        ]
    )
    return outcome.extend(_follow(order, packages, at))
