"""What the seller can do to an order now: the forms its page offers, decided by the same rules the
API answers by (the page's routes in sandbox/web/actions.py carry them out)."""

from __future__ import annotations

from typing import Any

from sandbox.domain import aftersales, cancellations, packages
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import ShippingType
from sandbox.domain.packages import LabelStatus, Package
from sandbox.world import World


def _printable(world: World, package: Package) -> bool:
    """Whether the platform has the package's label to print now (the rule the API answers by)."""
    try:
        world.logistics.check_document_available(package)
    except RuleViolation:
        return False
    return True


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
    }
    if package is not None:
        platform = package.shipping_type is ShippingType.TIKTOK
        offered["package"] = {
            "id": package.id,
            "platform": platform,
            "shippable": not package.arranged and order.status in packages.SHIPPABLE_STATUSES,
            "rejected": package.label_status is LabelStatus.REJECTED,
            "printable": _printable(world, package),
        }
        try:
            offered["slots"] = [
                (f"{int(s.timestamp())}-{int(e.timestamp())}", s, e)
                for s, e in world.handover_time_slots(package.id)
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
