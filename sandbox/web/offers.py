"""What the seller can do to an order now: the forms its page offers, decided by the same rules the
API answers by (the page's routes in sandbox/web/actions.py carry them out)."""

from __future__ import annotations

from typing import Any

from sandbox.domain import aftersales, cancellations, combine, packages, split
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import Order, ShippingType
from sandbox.domain.packages import LabelStatus, Package
from sandbox.world import World


def _printable(world: World, package: Package) -> bool:
    """Whether the platform has the package's label to print now (the rule the API answers by)."""
    try:
        world.logistics.check_document_available(package)
    except RuleViolation:
        return False
    return True


def _to_ship(world: World, order: Order, shown: Package) -> Package:
    """The package the shipping form ships: the one the page shows, or once it has gone, the
    order's next package still to ship (a split order ships each of its packages)."""
    if not shown.arranged:
        return shown
    waiting = [p for p in world.logistics.packages_of(order) if not p.arranged]
    return waiting[0] if waiting else shown


def _split(world: World, order: Order) -> dict[str, Any] | None:
    """The split form, when the order can be split now (its split attributes): each line item
    with the package it goes in, one a package unless the seller chooses otherwise."""
    if split.cannot_split_reason(order, world.logistics.packages_of(order)):
        return None
    return {"line_items": list(order.line_items), "packages": list(range(1, len(order.line_items) + 1))}


def _combine(world: World, order: Order) -> dict[str, Any] | None:
    """The combine form, when the order is in one of the groups the API lists as combinable: the
    package to combine into and the orders that would join it."""
    group = world.logistics.combinable_with(order)
    if group is None:
        return None
    package, members = group
    held = {o.id for o in world.logistics.orders_in(package)}
    return {"package": package, "joining": [o for o in members if o.id not in held], "held": sorted(held)}


def _uncombine(world: World, package: Package | None) -> dict[str, Any] | None:
    """The uncombine form, when the order's package holds several orders and has not shipped."""
    if package is None:
        return None
    held = world.logistics.orders_in(package)
    try:
        combine.check_uncombine(package, held, [])
    except RuleViolation:
        return None
    return {"package": package, "orders": held}


def order_actions(world: World, order_id: str) -> dict[str, Any]:
    """What the seller can do to the order now: the forms the order's page offers."""
    order = world.orders[order_id]
    package = world.logistics.package_in_view(order)
    offered: dict[str, Any] = {
        "package": None,
        "slots": [],
        "providers": [],
        "cancellations": [],
        "returns": [],
        "split": _split(world, order),
        "combine": _combine(world, order),
        "uncombine": _uncombine(world, package),
    }
    if package is not None:
        platform = package.shipping_type is ShippingType.TIKTOK
        target = _to_ship(world, order, package)
        offered["package"] = {
            "id": package.id,
            "ship_id": target.id,
            "platform": platform,
            "shippable": not target.arranged and order.status in packages.SHIPPABLE_STATUSES,
            "rejected": target.label_status is LabelStatus.REJECTED,
            "printable": _printable(world, package),
        }
        try:
            offered["slots"] = [
                (f"{int(s.timestamp())}-{int(e.timestamp())}", s, e)
                for s, e in world.handover_time_slots(target.id)
            ]
        except RuleViolation:
            offered["slots"] = []  # not shippable now: the form says why when it is sent
        offered["providers"] = [(p.id, p.name) for p in world.logistics.providers()]
    for record in world.cancellations.values():
        if record.order_id == order.id and record.status is cancellations.CancelStatus.PENDING:
            reasons = aftersales.reasons_for(world.returns, world.cancellations, record.id)
            offered["cancellations"].append({"record": record, "reasons": reasons})
    for ret in world.returns.values():
        if ret.order_id == order.id and ret.status in aftersales.REJECT_REASONS:
            offered["returns"].append({"record": ret, "reasons": aftersales.reject_reasons(ret)})
    return offered
