"""References between the shop's orders and the seller's own systems (OMS, ERP, WMS)."""

from __future__ import annotations

from sandbox.domain import external_orders
from sandbox.domain.external_orders import ExternalOrder, Refused
from sandbox.world.core import WorldCore


class ExternalOrderOperations(WorldCore):
    def add_external_orders(self, requested: list[tuple[str, ExternalOrder]]) -> list[Refused]:
        with self.session():
            return external_orders.attach(self.external_orders, self.orders, requested)

    def external_orders_of(self, order_id: str, platform: str | None = None) -> list[ExternalOrder]:
        with self.session():
            return self.external_orders.of_order(self.order(order_id).id, platform)

    def orders_by_external_order(self, platform: str, external_id: str) -> list[tuple[str, ExternalOrder]]:
        with self.session():
            return self.external_orders.search(platform, external_id)
