"""Several orders in one package: which orders can be combined, combining them, and taking orders
out again.

From the Seller Center ("Combining Orders into a Single Package"): orders one buyer placed that
await shipment from the same warehouse can go out as one package, with one label, one tracking
number and one carrier journey. The docs' `searchCombinablePackages` lists the "orders eligible for
combined shipping", each group under the package ID to confirm the combination with
(`combinePackage`); `uncombinePackages` removes "one or more orders from an already combined
package", each of which gets a package of its own again.

A combined package is one ``Package``: ``order_id`` is its first order, ``orders`` every order it
holds; every one of them follows the package (``split.order_follows_packages``) and is cancelled
when it never reaches the buyer (``split.package_cancelled``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sandbox.domain import split
from sandbox.domain.codes import Code
from sandbox.domain.events import DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import Order, OrderStatus, ShippingType
from sandbox.domain.packages import Package

# Orders that may go into a combined package: those whose package has not left the seller.
COMBINABLE_STATUSES = frozenset({OrderStatus.AWAITING_SHIPMENT})


def orders_in(package: Package, order: Order) -> list[Order]:
    """Every order the package holds (``order`` is the package's own order)."""
    return list(package.orders) or [order]


def combine_key(order: Order) -> tuple[str, str, str, ShippingType, str]:
    """What orders must share to go out as one package: the shop, the buyer, the warehouse, the
    shipping type and the delivery option."""
    return (order.shop_id, order.user_id, order.warehouse_id, order.shipping_type, order.delivery_option_id)


def cannot_combine_reason(order: Order, packages: Sequence[Package]) -> str:
    """Why this order cannot go into a combined package now, or "" when it can."""
    if order.status not in COMBINABLE_STATUSES:
        return f"order {order.id} is {order.status.value}: only orders awaiting shipment can be combined"
    if len(packages) != 1:
        return f"order {order.id} is split into {len(packages)} packages: a split order cannot be combined"
    if packages[0].arranged:
        return f"order {order.id} is already shipped"
    return ""


def combinable_groups(candidates: Iterable[tuple[Order, Package]]) -> list[tuple[Package, list[Order]]]:
    """The groups of orders that could go out as one package, each under the package of its
    earliest order (the ID to combine them into), in the order of those orders' creation."""
    groups: dict[tuple[str, str, str, ShippingType, str], list[tuple[Order, Package]]] = {}
    for order, package in sorted(candidates, key=lambda pair: (pair[0].create_time, pair[0].id)):
        groups.setdefault(combine_key(order), []).append((order, package))
    found = []
    for members in groups.values():
        if len({package.id for _, package in members}) > 1:  # not all in one package already
            found.append((members[0][1], [o for o, _ in members]))
    return found


def check_combine(
    package: Package, held: Sequence[Order], joining: Sequence[tuple[Order, Sequence[Package]]]
) -> None:
    """The orders ``joining`` may go into ``package`` (which holds ``held``): none shipped, split
    or cancelled, all to the same buyer from the same warehouse by the same delivery option."""
    if package.arranged:
        raise RuleViolation(
            f"package {package.id} has already been shipped: nothing can be combined into it",
            code=Code.PACKAGE_ALREADY_SHIPPED,
        )
    if not joining:
        raise RuleViolation(
            f"no other order to combine into package {package.id}: name orders of the same buyer",
            code=Code.NOT_COMBINABLE,
        )
    lead = held[0]
    for order, packages in joining:
        reason = cannot_combine_reason(order, packages)
        if reason:
            raise RuleViolation(reason, code=Code.NOT_COMBINABLE)
        if order.user_id != lead.user_id:
            raise RuleViolation(
                f"order {order.id} is of another buyer than package {package.id}'s orders",
                code=Code.NOT_COMBINABLE,
            )
        if order.warehouse_id != lead.warehouse_id:
            raise RuleViolation(
                f"order {order.id} ships from warehouse {order.warehouse_id}, package {package.id} "
                f"from {lead.warehouse_id}",
                code=Code.NOT_COMBINABLE,
            )
        if combine_key(order) != combine_key(lead):
            raise RuleViolation(
                f"order {order.id} has another shipping type or delivery option than package {package.id}",
                code=Code.NOT_COMBINABLE,
            )


def _weigh(package: Package, orders: Sequence[Order]) -> None:
    items = [item for order in orders for item in split.lines_of(order, package)]
    package.weight_grams, package.dimension_cm = split.measures(items)


def combine(
    package: Package,
    held: Sequence[Order],
    joining: Sequence[tuple[Order, Sequence[Package]]],
    at: datetime,
) -> Outcome:
    """The orders ``joining`` leave their own packages for ``package``: one label, one parcel for
    all, weighed and sized by every line item it now holds. Answers the events; the caller drops
    the packages left empty."""
    check_combine(package, held, joining)
    orders = list(held)
    events = []
    for order, old in joining:
        for item in order.line_items:
            item.package_id = package.id
        order.package_ids = [package.id]
        order.update_time = at
        orders.append(order)
        data = {"package_id": package.id, "from": ",".join(p.id for p in old)}
        events.append(DomainEvent(at, "package.combined", order.id, data))
    package.orders = orders
    package.order_id = orders[0].id
    package.update_time = at
    _weigh(package, orders)
    return Outcome(events=events)


def check_uncombine(package: Package, held: Sequence[Order], order_ids: Sequence[str]) -> None:
    """Orders can be taken out of a combined package, not yet shipped, that holds them."""
    if len(held) < 2:
        raise RuleViolation(
            f"package {package.id} holds one order: it is not combined", code=Code.NOT_COMBINABLE
        )
    if package.arranged:
        raise RuleViolation(
            f"package {package.id} has already been shipped: its orders can no longer be taken out",
            code=Code.PACKAGE_ALREADY_SHIPPED,
        )
    ids = {o.id for o in held}
    foreign = sorted({i for i in order_ids if i not in ids})
    if foreign:
        raise RuleViolation(
            f"orders not in package {package.id}: {', '.join(foreign)}", code=Code.NOT_COMBINABLE
        )


def leaving(held: Sequence[Order], order_ids: Sequence[str]) -> list[Order]:
    """The orders an uncombine takes out: those named, or every one but the first when none is
    (or when all are: the first keeps the package)."""
    named = [o for o in held if o.id in order_ids]
    if not named or len(named) == len(held):
        return list(held[1:])
    return named


def uncombine(
    package: Package, held: Sequence[Order], order_ids: Sequence[str], new_ids: Sequence[str], at: datetime
) -> tuple[list[Package], Outcome]:
    """Each order taken out (``leaving``) gets a package of its own, weighed by its own line items;
    the package keeps the rest. Answers the packages made, one per order taken out."""
    check_uncombine(package, held, order_ids)
    out = leaving(held, order_ids)
    staying = [o for o in held if o not in out]
    made, events = [], []
    for order, package_id in zip(out, new_ids, strict=True):
        own = split.package_of_lines(package_id, order, order.line_items, at)
        order.package_ids = [own.id]
        order.update_time = at
        made.append(own)
        events.append(
            DomainEvent(at, "package.uncombined", order.id, {"package_id": own.id, "from": package.id})
        )
    package.orders = staying if len(staying) > 1 else []
    package.order_id = staying[0].id
    package.update_time = at
    _weigh(package, staying)
    return made, Outcome(events=events)
