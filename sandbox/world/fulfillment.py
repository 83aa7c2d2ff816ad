"""Fulfillment: the seller ships packages (one by one, in a batch, or marked shipped with their own
tracking), corrects the shipping information, buys labels, and reports its own deliveries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sandbox.domain import orders, packages, seller_feed, split
from sandbox.domain.events import Outcome, RuleViolation
from sandbox.domain.logistics import ShippingService, seller_delivers
from sandbox.domain.orders import Order
from sandbox.domain.packages import HandoverMethod, Package
from sandbox.domain.uploads import proof_of_delivery
from sandbox.world.core import WorldCore


@dataclass(frozen=True)
class ShipRequest:
    package_id: str
    handover: HandoverMethod | None = None
    slot: tuple[datetime, datetime] | None = None
    tracking_number: str = ""
    provider_id: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    package_id: str
    delivery_type: str
    file_url: str = ""
    file_type: str = ""
    fail_reason: str = ""
    upload_id: str | None = None  # the upload a file_url of this tenant points to


class FulfillmentOperations(WorldCore):
    def _attempt(self, outcome: Callable[[], Outcome]) -> None:
        """Apply what an operation answers; if the rules refuse it, apply what the refusal
        itself records (a rejected label stays rejected) and refuse."""
        try:
            answered = outcome()
        except RuleViolation as refused:
            if refused.recorded is not None:
                self.apply(refused.recorded)
            raise
        self.apply(answered)

    def order_in_shop(self, order_id: str) -> Order:
        """An order named by a fulfillment operation (which answers the fulfillment code)."""
        return orders.find_for_fulfillment(self.orders, order_id)

    def handover_time_slots(self, package_id: str) -> list[tuple[datetime, datetime]]:
        """The slots the platform's carrier can collect the package in, once it may hand it over."""
        with self.session():
            package = self.logistics.package(package_id)
            packages.check_handover(package, self.orders[package.order_id])
            return self.logistics.handover_time_slots(package, self.clock.now())

    def ship_package(
        self,
        package_id: str,
        *,
        handover: HandoverMethod | None = None,
        slot: tuple[datetime, datetime] | None = None,
        tracking_number: str = "",
        provider_id: str = "",
    ) -> Package:
        with self.session():
            package = self.logistics.package(package_id)
            self._attempt(
                lambda: self.logistics.ship(
                    package,
                    self.clock.now(),
                    handover=handover,
                    slot=slot,
                    tracking_number=tracking_number,
                    provider_id=provider_id,
                )
            )
            return package

    def batch_ship_packages(self, requests: list[ShipRequest]) -> list[tuple[str, RuleViolation]]:
        """Ship several packages of one logistics type; answers the refusals, by package ID."""
        with self.session():
            found = [self.logistics.packages.get(r.package_id) for r in requests]
            packages.check_one_logistics_type(p for p in found if p is not None)
            refused = []
            for request in requests:
                try:
                    self.ship_package(
                        request.package_id,
                        handover=request.handover,
                        slot=request.slot,
                        tracking_number=request.tracking_number,
                        provider_id=request.provider_id,
                    )
                except RuleViolation as exc:
                    refused.append((request.package_id, exc))
            return refused

    def mark_package_shipped(
        self, order_id: str, line_item_ids: list[str], tracking_number: str, provider_id: str
    ) -> tuple[Order, Package]:
        with self.session():
            order = self.order_in_shop(order_id)
            at = self.clock.now()
            package, opened = self.logistics.package_to_mark_shipped(order, line_item_ids, at)
            self.apply(opened)
            self._attempt(
                lambda: self.logistics.ship(
                    package,
                    at,
                    handover=None,
                    slot=None,
                    tracking_number=tracking_number,
                    provider_id=provider_id,
                )
            )
            return order, package

    def split_attributes(self, order_ids: list[str]) -> list[tuple[Order, str]]:
        """Whether each order can be split now: answers each order with why not ("" when it can)."""
        with self.session():
            found = [self.order_in_shop(order_id) for order_id in order_ids]
            return [(o, split.cannot_split_reason(o, self.logistics.packages_of(o))) for o in found]

    def split_order(self, order_id: str, groups: list[tuple[str, list[str]]]) -> list[tuple[str, Package]]:
        """Split an order awaiting shipment into one package per group; answers each group's ID
        with its new package."""
        with self.session():
            order = self.order_in_shop(order_id)
            made, outcome = self.logistics.split_order(
                order, [lines for _, lines in groups], self.clock.now()
            )
            self.apply(outcome)
            return [(group_id, package) for (group_id, _), package in zip(groups, made, strict=True)]

    def combinable_packages(self) -> list[tuple[Package, list[Order]]]:
        """The shop's orders that could go out as one package, under the package to combine them into."""
        with self.session():
            return self.logistics.combinable()

    def combine_packages(
        self, requests: list[tuple[str, list[str]]]
    ) -> tuple[list[tuple[Package, list[Order]]], list[tuple[str, RuleViolation]]]:
        """Combine orders into each package named, each request on its own: answers the combined
        packages with their orders, and the refusals by package ID (a refused one changes nothing)."""
        with self.session():
            combined, refused = [], []
            for package_id, order_ids in requests:
                try:
                    package, outcome = self.logistics.combine(package_id, order_ids, self.clock.now())
                except RuleViolation as exc:
                    refused.append((package_id, exc))
                    continue
                self.apply(outcome)
                combined.append((package, self.logistics.orders_in(package)))
            return combined, refused

    def uncombine_package(self, package_id: str, order_ids: list[str]) -> list[tuple[Package, list[Order]]]:
        """Take orders out of a combined package; answers the packages it leaves, with their orders."""
        with self.session():
            made, outcome = self.logistics.uncombine(package_id, order_ids, self.clock.now())
            self.apply(outcome)
            return [(p, self.logistics.orders_in(p)) for p in made]

    def push_seller_tracking(
        self, order_id: str, country: str, events: list[seller_feed.PushedEvent]
    ) -> list[tuple[RuleViolation | None, str]]:
        """The seller's own tracking events for an order it delivers itself; answers each event's
        refusal (None: taken) and the tracking number of the parcel it is for."""
        with self.session():
            order = self.order_in_shop(order_id)
            market = (self.profile.shop.region, country)
            answers, outcome = self.logistics.seller_pushes_tracking(order, events, market, self.clock.now())
            self.apply(outcome)
            return answers

    def update_package_shipping_info(self, package_id: str, tracking_number: str, provider_id: str) -> None:
        with self.session():
            package = self.logistics.package(package_id)
            self.apply(
                self.logistics.update_shipping_info(package, tracking_number, provider_id, self.clock.now())
            )

    def update_order_shipping_info(self, order_id: str, tracking_number: str, provider_id: str) -> None:
        with self.session():
            package = self.logistics.package_to_update(self.order_in_shop(order_id))
            self.apply(
                self.logistics.update_shipping_info(package, tracking_number, provider_id, self.clock.now())
            )

    def create_package_label(
        self,
        order_id: str,
        service_id: str = "",
        weight_grams: int | None = None,
        dimension_cm: tuple[int, int, int] | None = None,
        *,
        ship_type: str = packages.ShipType.ONE_ORDER,
        line_item_ids: tuple[str, ...] = (),
        order_ids: tuple[str, ...] = (),
    ) -> tuple[Order, Package, ShippingService]:
        """The US flow: buy the platform label first, with the seller's weight and size (None: the
        package's own) and the service named (or the default one); answers the service used. The
        package is the order's (ship_type 1), some of its line items split off (2) or several
        orders combined (3)."""
        with self.session():
            packages.check_package_request(ship_type, order_id, line_item_ids, order_ids)
            combined = [self.order_in_shop(i) for i in dict.fromkeys(order_ids)]
            order = combined[0] if ship_type == packages.ShipType.COMBINED else self.order_in_shop(order_id)
            at = self.clock.now()
            package, moved = self.logistics.package_to_label_202512(
                ship_type, order, list(line_item_ids), combined, service_id, weight_grams, at
            )
            self.apply(moved)
            self._attempt(
                lambda: self.logistics.create_label(package, service_id, weight_grams, dimension_cm, at)
            )
            return order, package, self.logistics.shipping_service(service_id, package.weight_grams)

    def deliver_packages(self, reports: list[DeliveryReport]) -> list[tuple[str, RuleViolation]]:
        """Sellers who deliver themselves report each package's outcome; answers the refusals."""
        with self.session():
            refused = []
            for report in reports:
                try:
                    package = self.logistics.package(report.package_id)
                    if report.file_url:
                        proof_of_delivery(self.uploads, report.upload_id, report.file_type)
                    self.apply(
                        seller_delivers(
                            self.logistics,
                            package,
                            report.delivery_type,
                            report.file_url,
                            report.fail_reason,
                            self.clock.now(),
                        )
                    )
                except RuleViolation as exc:
                    refused.append((report.package_id, exc))
            return refused
