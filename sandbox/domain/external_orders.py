"""References between the shop's orders and the seller's own systems (order 202406
external_orders): an order keeps one reference per OMS platform, which a new one for the same
platform replaces ("To edit the attached information, call the API with the same OMS")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sandbox.domain.codes import Code
from sandbox.domain.orders import Order


@dataclass(frozen=True)
class ExternalOrder:
    id: str  # the order's ID in the OMS
    platform: str
    line_items: tuple[tuple[str, str], ...] = ()  # (the OMS's line item ID, the shop's line item ID)


@dataclass(frozen=True)
class Refused:
    order_id: str
    reference: ExternalOrder
    code: Code
    message: str


@dataclass
class ExternalOrders:
    """Every order's references, by order ID and then by platform (in the order they came)."""

    by_order: dict[str, dict[str, ExternalOrder]] = field(default_factory=dict)

    def of_order(self, order_id: str, platform: str | None = None) -> list[ExternalOrder]:
        found = self.by_order.get(order_id, {})
        return [ref for name, ref in found.items() if platform is None or name == platform]

    def search(self, platform: str, external_id: str) -> list[tuple[str, ExternalOrder]]:
        return [
            (order_id, refs[platform])
            for order_id, refs in self.by_order.items()
            if platform in refs and refs[platform].id == external_id
        ]


def _problem(orders: Mapping[str, Order], order_id: str, reference: ExternalOrder) -> tuple[Code, str] | None:
    order = orders.get(order_id)
    if order is None:
        return Code.ORDER_NOT_FOUND, f"order {order_id} not found in this shop"
    own = {item.id for item in order.line_items}
    named = [origin for _, origin in reference.line_items]
    strangers = [origin for origin in named if origin not in own]
    if strangers:
        return Code.EXTERNAL_LINE_ITEM_NOT_IN_ORDER, (
            f"line item {', '.join(strangers)} is not one of order {order_id}'s"
        )
    if len(set(named)) != len(named):
        return Code.EXTERNAL_ORDER_REPEATED, f"a line item of order {order_id} is named twice"
    return None


def attach(
    book: ExternalOrders, orders: Mapping[str, Order], requested: list[tuple[str, ExternalOrder]]
) -> list[Refused]:
    """Keep each order's reference, or refuse it (the others are kept all the same, as the
    platform does: "references for orders not listed here are saved"). An order named twice for
    one platform in the same request is refused the second time."""
    refused: list[Refused] = []
    seen: set[tuple[str, str]] = set()
    for order_id, reference in requested:
        key = (order_id, reference.platform)
        problem = _problem(orders, order_id, reference)
        if problem is None and key in seen:
            problem = (
                Code.EXTERNAL_ORDER_REPEATED,
                f"order {order_id} is named twice for {reference.platform}",
            )
        seen.add(key)
        if problem is not None:
            refused.append(Refused(order_id, reference, *problem))
            continue
        book.by_order.setdefault(order_id, {})[reference.platform] = reference
    return refused
