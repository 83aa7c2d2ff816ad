"""Operations served in some markets only (``sandbox/domain/markets.py`` holds each one's market
rule): TikTok Shipping coverage of a tracking number, the shop's shipping templates, customs
clearance information, print-on-demand customisations, blind boxes' opening results."""

from __future__ import annotations

from decimal import Decimal

from sandbox import fakes
from sandbox.domain import first_mile, markets, redemption, shipping_templates
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import find_for_fulfillment
from sandbox.world.core import WorldCore


class MarketOperations(WorldCore):
    def _in_market(self, rule: frozenset[str], operation: str) -> None:
        markets.check_market(self.profile.shop.region, rule, operation)

    def tiktok_coverage(self, tracking_number: str) -> tuple[bool, bool]:
        """Whether a tracking number is covered by TikTok Shipping and by Collection by TikTok."""
        with self.session():
            self._in_market(markets.TIKTOK_COVERAGE_MARKETS, "TikTok Shipping coverage")
            return markets.tiktok_coverage(self.logistics.shipments, self.logistics.packages, tracking_number)

    def shipping_template_exists(self, biz_warehouse_id: str) -> bool:
        with self.session():
            self._in_market(markets.TEMPLATE_EXISTENCE_MARKETS, "shipping template existence")
            return markets.template_exists({self.profile.shop.warehouse_id}, biz_warehouse_id)

    def customs_requirements(self, order_ids: list[str]) -> list[markets.CustomsRequirement]:
        """What customs needs to know of each order, and what the seller has told it."""
        with self.session():
            self._in_market(markets.CUSTOMS_MARKETS, "customs clearance information")
            found = [find_for_fulfillment(self.orders, order_id) for order_id in order_ids]
            return [markets.customs_requirement(self.market_records, order) for order in found]

    def submit_customs(self, submission: list[tuple[str, list[markets.CustomsEntry]]]) -> None:
        """The seller's customs clearance details for order lines: all kept, or none."""
        with self.session():
            self._in_market(markets.CUSTOMS_MARKETS, "customs clearance information")
            catalogue = [(sku.sku_id, sku.product_id) for sku in self.stock.skus]
            markets.submit_customs(self.market_records, self.orders, submission, catalogue)

    def pod_details(
        self, order_id: str, queries: list[markets.PodQuery], *, order_api: bool = False
    ) -> list[tuple[str, str]]:
        """The buyer's print-on-demand customisation of each order line asked for, as JSON text
        (an unknown order answers the order API's code when asked through it)."""
        with self.session():
            self._in_market(markets.POD_MARKETS, "print-on-demand customisation details")
            order = self.order(order_id) if order_api else find_for_fulfillment(self.orders, order_id)
            return markets.pod_details(order, queries)

    def create_first_mile_bundle(
        self, request: first_mile.BundleRequest
    ) -> tuple[first_mile.Bundle | None, list[tuple[str, RuleViolation]]]:
        """Bundle the orders ready to go to the TikTok Shop warehouse together; answers the bundle
        (None when no order could go) and the refused orders with why."""
        with self.session():
            self._in_market(first_mile.FIRST_MILE_BUNDLE_MARKETS, "first-mile bundles")
            carriers = {provider_id for provider_id, _ in self.stock.market.carriers}
            first_mile.check_handover(request, carriers)
            named = [self.orders[i] for i in dict.fromkeys(request.order_ids) if i in self.orders]
            packages = {order.id: self.logistics.packages_of(order) for order in named}
            records = self.market_records
            return first_mile.create_bundle(
                records.bundles,
                records.bundled,
                self.orders,
                packages,
                request,
                lambda: fakes.digits(self.rng, 19, "7"),
                self.clock.now(),
            )

    def shipping_template_availability(
        self, weight_g: Decimal | None, sides_cm: tuple[Decimal | None, Decimal | None, Decimal | None]
    ) -> list[shipping_templates.Availability]:
        """The shop's shipping templates, each with why it cannot carry a product so heavy or big."""
        with self.session():
            self._in_market(
                shipping_templates.TEMPLATE_AVAILABILITY_MARKETS, "shipping template availability"
            )
            return shipping_templates.availability(weight_g, *sides_cm)

    def open_blind_boxes(self, order_id: str, entries: list[markets.BlindBoxEntry]) -> None:
        """What opening the blind boxes of an order's lines revealed: all kept, or none."""
        with self.session():
            self._in_market(markets.BLIND_BOX_MARKETS, "blind box opening results")
            order = self.order(order_id)
            catalogue = {sku.sku_id: (sku.product_id, sku.seller_sku) for sku in self.stock.skus}
            markets.open_blind_boxes(self.market_records, order, entries, catalogue)

    def blind_box_results(self, order_id: str) -> dict[str, tuple[markets.BlindBoxResult, ...]]:
        """Order line ID -> what its blind box revealed, for the lines opened so far."""
        with self.session():
            return dict(self.market_records.blind_boxes.get(order_id, {}))

    def submit_redemption(
        self, order_id: str, entries: list[redemption.RedeemEntry]
    ) -> list[tuple[str, int]]:
        """The seller's redemption information for lines of an order; each line's status code."""
        with self.session():
            self._in_market(redemption.REDEMPTION_MARKETS, "redemption information")
            return redemption.submit(
                self.market_records.redemptions, self.orders, order_id, entries, self.clock.now()
            )
