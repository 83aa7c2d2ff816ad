"""The orders, and what their buyers do: pay, cancel, ask for a return, send it back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sandbox import fakes
from sandbox.domain import aftersales, orders
from sandbox.domain.manage_orders import Row, Tab, ToDo
from sandbox.domain.orders import Order
from sandbox.domain.returns import ReturnStatus
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

    # ----- the Seller Center's rows and counters ---------------------------------------------------
    def order_rows(self, chosen: Iterable[Order] | None = None, *, tickets: bool = True) -> list[Row]:
        """The Manage Orders rows of the chosen orders (every order by default), under the lock."""
        with self.lock:
            logistics = self.logistics
            to_review = aftersales.awaiting_seller(self.returns)
            newest = self.desk.latest() if tickets else {}
            rows = []
            for order in self.orders.values() if chosen is None else chosen:
                package = logistics.package_in_view(order)
                number = package.tracking_number if package is not None else ""
                shipment = logistics.shipments.get(number) if number else None
                rows.append(Row(order, package, shipment, to_review.get(order.id, 0), newest.get(order.id)))
            return rows

    def order_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """The tab counts and the to-do counters now, from what is kept of them: only the orders
        the events named since the last reading are read again (and those sharing a package with
        them), so a reading costs the same at any world size."""
        with self.lock:
            kept = self._order_counts
            stale = kept.stale(self.orders)
            if stale is None:
                kept.rebuild(self.orders, self.order_rows(tickets=False))
            elif stale:
                chosen: dict[str, Order] = {}
                for order_id in stale:
                    order = self.orders[order_id]
                    chosen[order.id] = order
                    for package in self.logistics.packages_of(order):
                        for other in self.logistics.orders_in(package):
                            chosen.setdefault(other.id, other)
                kept.update(self.order_rows(chosen.values(), tickets=False))
            return kept.counts(self.clock.now())

    def listed_orders(
        self,
        tab: Tab | None,
        todo: ToDo | None,
        descending: bool,
        returns: frozenset[ReturnStatus] = frozenset(),
    ) -> tuple[int, Iterator[Order]]:
        """How many orders the Manage Orders page lists under a tab, a to-do and return statuses
        (None, or none: any), and
        those orders by creation time, walked lazily from the newest (or the oldest): a page reads
        only the orders up to its own. Iterate under the lock."""
        with self.lock:
            self.order_counts()  # every order's entry up to date
            kept, now = self._order_counts, self.clock.now()
            records = self.orders_by_creation().records
            if tab is Tab.FAILED_DELIVERY or returns:
                # Only orders whose parcel went back are listed there: those few, not every order.
                records = sorted((self.orders[i] for i in kept.returned), key=lambda o: (o.create_time, o.id))
            walked: Iterator[Order] = reversed(records) if descending else iter(records)
            if tab is None and todo is None and not returns:
                return len(records), walked
            entries = kept.entries
            listed = (order for order in walked if entries[order.id].shows(tab, todo, now, returns))
            return kept.total(tab, todo, now, returns), listed

    def return_status_counts(self) -> dict[str, int]:
        """The Failed Delivery tab's count of each return status, from what is kept."""
        with self.lock:
            self.order_counts()
            return self._order_counts.return_status_counts()

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
