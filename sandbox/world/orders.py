"""The orders, and what their buyers do: pay, cancel, ask for a return, send it back."""

from __future__ import annotations

from sandbox import fakes
from sandbox.domain import aftersales, orders
from sandbox.domain.orders import Order
from sandbox.domain.search import Ordered
from sandbox.world.core import WorldCore


class OrderOperations(WorldCore):
    def orders_by_creation(self) -> Ordered:
        """Every order sorted by (create_time, ID), kept until an order is added: orders are never
        removed here and their create_time never changes."""
        cached = self._by_creation
        if cached is None or cached[0] is not self.orders or len(cached[1].records) != len(self.orders):
            ranked = sorted(((o.create_time, o.id), o) for o in self.orders.values())
            index = Ordered("create_time", [k for k, _ in ranked], [o for _, o in ranked])
            self._by_creation = cached = (self.orders, index)
        return cached[1]

    def pay_order(self, order_id: str) -> Order:
        with self.session():
            order = self.order(order_id)
            self.apply(orders.pay(order, self.clock.now()))
            return order

    def buyer_cancels(self, order_id: str, reason: str | None = None) -> Order:
        with self.session():
            order = self.order(order_id)
            at = self.clock.now()
            outcome = orders.buyer_cancels(order, at, reason) if reason else orders.buyer_cancels(order, at)
            self.apply(outcome)
            return order

    # ----- returns and refunds -------------------------------------------------------------------
    def buyer_requests_return(
        self, order_id: str, kind: aftersales.ReturnType, reason: str
    ) -> aftersales.ReturnRequest:
        with self.session():
            record, outcome = aftersales.buyer_requests(
                self.returns, self.order(order_id), kind, reason, self.clock.now(), self.rng
            )
            self.apply(outcome)
            return record

    def buyer_edits_return(
        self, order_id: str, kind: aftersales.ReturnType, reason: str
    ) -> aftersales.ReturnRequest:
        with self.session():
            order = self.order(order_id)
            record = aftersales.of_order(self.returns, order.id)
            replacement, outcome = aftersales.buyer_edits(
                self.returns, record, order, kind, reason, self.clock.now(), self.rng
            )
            self.apply(outcome)
            return replacement

    def buyer_ships_return(self, order_id: str) -> aftersales.ReturnRequest:
        with self.session():
            record = aftersales.of_order(self.returns, self.order(order_id).id)
            self.apply(aftersales.buyer_ships(record, self.clock.now(), self.return_tracking_number()))
            return record

    def buyer_cancels_return(self, order_id: str) -> aftersales.ReturnRequest:
        with self.session():
            record = aftersales.of_order(self.returns, self.order(order_id).id)
            self.apply(aftersales.buyer_cancels(record, self.clock.now()))
            return record

    def return_tracking_number(self) -> str:
        return fakes.digits(self.rng, 22, "9405")
