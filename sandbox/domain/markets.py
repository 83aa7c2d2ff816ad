"""Operations the platform serves in some markets only, and the records they keep.

A shop is in one of the sandbox's markets (``sandbox/fakes.py`` ``MARKETS``: US, GB, DE, FR, ES,
MX, BR; a tenant's shop takes its region). Each operation's market rule is one constant below, quoting
the reference (the ``tiktok-shop-api`` package's docs of the operation); where the reference names
no market, the operation is served in every market of the sandbox. In a shop of another market the
operation answers ``NOT_IN_MARKET``, as seller-pushed tracking does (``seller_feed.py``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from sandbox import fakes
from sandbox.domain import order_details
from sandbox.domain.carrier import Shipment
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.first_mile import Bundle
from sandbox.domain.invoices import Invoices
from sandbox.domain.orders import (
    BEFORE_SHIPMENT,
    LineItem,
    Order,
    OrderStatus,
    ShippingType,
    find_for_fulfillment,
)
from sandbox.domain.packages import HandoverMethod, Package
from sandbox.domain.redemption import Redemption

# Every market a sandbox shop can be in: the rule of the operations whose docs name no market.
SANDBOX_MARKETS = frozenset(fakes.REGIONS)

# Check TikTok Shipping and Collection by TikTok Coverage: "Available only in the **US Market**."
TIKTOK_COVERAGE_MARKETS = frozenset({"US"})
# Check Shipping Template Existence: "Checks whether the authenticated shop has a shipping template
# for the specified business warehouse." (no market named)
TEMPLATE_EXISTENCE_MARKETS = SANDBOX_MARKETS
# Get Order Customs Requirements, Submit Customs Clearance Information: "query whether an order
# requires extra customs clearance information" (no market named).
CUSTOMS_MARKETS = SANDBOX_MARKETS
# Get POD Customization Details, Search POD Customization Details: "Retrieves the POD customization
# details for specified order lines in a TikTok Shop order." (no market named)
POD_MARKETS = SANDBOX_MARKETS
# Update The Blind Box Opening Results names no market; the order lines it fills (order detail's
# is_unboxing_item, unboxing_sku_code, unboxing_case_list) say: "Note: This is currently only
# available in the US market."
BLIND_BOX_MARKETS = frozenset({"US"})


def check_market(region: str, markets: Collection[str], operation: str) -> None:
    """Refuse an operation the shop's market does not have."""
    if region not in markets:
        raise RuleViolation(
            f"{operation} is served in {', '.join(sorted(markets))} only; this shop is in {region}",
            code=Code.NOT_IN_MARKET,
        )


# ----- shipping templates --------------------------------------------------------------------------
def template_exists(warehouse_ids: Collection[str], biz_warehouse_id: str) -> bool:
    """A shop has one shipping template per warehouse of its own (the one its delivery options
    come from); any other warehouse has none."""
    return biz_warehouse_id in warehouse_ids


# ----- TikTok Shipping coverage ----------------------------------------------------------------------
def tiktok_coverage(
    shipments: Mapping[str, Shipment], packages: Mapping[str, Package], tracking_number: str
) -> tuple[bool, bool]:
    """Whether a tracking number is covered by TikTok Shipping (a parcel of the shop whose label the
    platform bought) and by Collection by TikTok (such a parcel the platform's carrier collects:
    handed over by pickup). A number the platform did not issue is covered by neither."""
    shipment = shipments.get(tracking_number)
    package = packages.get(shipment.package_id) if shipment is not None else None
    if package is None or package.shipping_type is not ShippingType.TIKTOK:
        return False, False
    return True, package.handover_method is HandoverMethod.PICKUP


# ----- the records these operations keep -----------------------------------------------------------
@dataclass(frozen=True)
class CustomsDetail:
    """One SKU of what an order line really holds, with its share of the line's declared price."""

    sku_id: str
    product_id: str
    qty: int
    price_percent: int


@dataclass(frozen=True)
class BlindBoxResult:
    """One product a blind box revealed when the seller opened it (in a LIVE room)."""

    product_id: str
    sku_id: str
    seller_sku: str
    open_time: int  # Unix milliseconds, as the seller gave it
    product_type: str  # NORMAL or GIFT


@dataclass
class MarketRecords:
    """What the market operations keep in a world (pickled with it)."""

    # order ID -> order line ID -> the customs clearance details submitted for the line
    customs: dict[str, dict[str, tuple[CustomsDetail, ...]]] = field(default_factory=dict)
    # first-mile bundle ID -> the bundle, and order ID -> the bundle it went into
    bundles: dict[str, Bundle] = field(default_factory=dict)
    bundled: dict[str, str] = field(default_factory=dict)
    # order ID -> order line ID -> what opening the line's blind box revealed
    blind_boxes: dict[str, dict[str, tuple[BlindBoxResult, ...]]] = field(default_factory=dict)
    # order line ID -> the redemption information submitted for the line, newest first
    redemptions: dict[str, tuple[Redemption, ...]] = field(default_factory=dict)
    # package ID -> the fiscal invoice (Brazil's NF-e) uploaded for the package
    invoices: Invoices = field(default_factory=Invoices)

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        for name in ("blind_boxes", "bundles", "bundled", "redemptions"):  # worlds pickled before these
            self.__dict__.setdefault(name, {})
        self.__dict__.setdefault("invoices", Invoices())


# ----- customs clearance ---------------------------------------------------------------------------
# The reference's enums: CustomsBusinessType {FS = 1, POP = 2}, ShipmentType {CROSS_BORDER = 1,
# LOCAL = 2}. A sandbox shop is a local seller shipping from its own warehouse in its market.
BIZ_TYPE_POP = 2
SHIPMENT_LOCAL = 2


def needs_clearance(order: Order, item: LineItem) -> bool:
    """Whether customs must be told what a line really holds ("discrepancies between declared
    information and physical goods"): a line bought from a listing made for a LIVE session
    (declared loosely, TEMPORARY_LISTING) or a virtual bundle (declared as one SKU, shipped as its
    parts)."""
    return order_details.traits(order).temporary_listing or bool(order_details.bundle_parts(item))


@dataclass(frozen=True)
class CustomsRequirement:
    order: Order
    lines: list[tuple[LineItem, bool, tuple[CustomsDetail, ...]]]  # line, needs clearance, submitted

    @property
    def need_fill(self) -> bool:
        return any(needed for _, needed, _ in self.lines)

    @property
    def already_filled(self) -> bool:
        return self.need_fill and all(submitted for _, needed, submitted in self.lines if needed)

    @property
    def temporary_listing(self) -> bool:
        return order_details.traits(self.order).temporary_listing


def customs_requirement(records: MarketRecords, order: Order) -> CustomsRequirement:
    submitted = records.customs.get(order.id, {})
    return CustomsRequirement(
        order, [(item, needs_clearance(order, item), submitted.get(item.id, ())) for item in order.line_items]
    )


@dataclass(frozen=True)
class CustomsEntry:
    """One entry of a submission: an order line (or every line of a SKU) and what it holds."""

    order_line_id: str
    sku_id: str
    details: list[tuple[str, int, int]]  # (sku_id, qty, price_percent)


def _products(order: Order, catalogue: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The SKUs a line of the order may hold, with their product IDs: the shop's catalogue, the
    order's own SKUs and the parts of its virtual bundles."""
    known = dict(catalogue)
    for item in order.line_items:
        known[item.sku_id] = item.product_id
        for part in order_details.bundle_parts(item):
            known[part.sku_id] = part.product_id
    return known


def check_customs(
    order: Order, entries: list[CustomsEntry], catalogue: Iterable[tuple[str, str]]
) -> dict[str, tuple[CustomsDetail, ...]]:
    """The details a submission gives each line of the order, checked; nothing is kept here."""
    if order.status is OrderStatus.CANCELLED:
        raise RuleViolation(f"order {order.id} is cancelled", code=Code.ORDER_NOT_SHIPPABLE)
    if order.status not in BEFORE_SHIPMENT:
        raise RuleViolation(
            f"order {order.id} is already shipped: customs information goes in before shipment",
            code=Code.PACKAGE_ALREADY_SHIPPED,
        )
    if not any(needs_clearance(order, item) for item in order.line_items):
        raise RuleViolation(
            f"order {order.id} needs no customs clearance information", code=Code.CUSTOMS_NOT_REQUIRED
        )
    products = _products(order, catalogue)
    by_id = {item.id: item for item in order.line_items}
    given: dict[str, tuple[CustomsDetail, ...]] = {}
    named: set[str] = set()
    for entry in entries:
        if not entry.order_line_id and not entry.sku_id:
            raise RuleViolation(f"order {order.id}: an entry names neither order_line_id nor sku_id")
        if entry.order_line_id:
            if entry.order_line_id in named:
                raise RuleViolation(f"order {order.id}: order line {entry.order_line_id} is named twice")
            named.add(entry.order_line_id)
            item = by_id.get(entry.order_line_id)
            if item is None:
                raise RuleViolation(
                    f"order line {entry.order_line_id} is not in order {order.id}",
                    code=Code.LINE_ITEM_NOT_IN_ORDER,
                )
            if entry.sku_id and entry.sku_id != item.sku_id:
                raise RuleViolation(f"order line {item.id} is SKU {item.sku_id}, not {entry.sku_id}")
            lines = [item]
        else:
            lines = [item for item in order.line_items if item.sku_id == entry.sku_id]
            if not lines:
                raise RuleViolation(
                    f"no line of order {order.id} is SKU {entry.sku_id}", code=Code.LINE_ITEM_NOT_IN_ORDER
                )
        for item in lines:
            if not needs_clearance(order, item):
                raise RuleViolation(
                    f"order line {item.id} needs no customs clearance information",
                    code=Code.CUSTOMS_NOT_REQUIRED,
                )
        given_details = _details(entry.details, products, lines[0].id)
        for item in lines:
            given[item.id] = given_details
    return given


def _details(
    details: list[tuple[str, int, int]], products: Mapping[str, str], line_id: str
) -> tuple[CustomsDetail, ...]:
    if not details:
        raise RuleViolation(f"order line {line_id}: item_detail is empty")
    if sum(percent for _, _, percent in details) != 100:
        raise RuleViolation(
            f"order line {line_id}: the price_percent values add up to "
            f"{sum(percent for _, _, percent in details)}, not 100",
            code=Code.CUSTOMS_SHARES_NOT_WHOLE,
        )
    merged: dict[str, tuple[int, int]] = {}
    for sku_id, qty, percent in details:
        if sku_id not in products:
            raise RuleViolation(
                f"order line {line_id}: SKU {sku_id} is not one of the shop's", code=Code.SKU_NOT_IN_SHOP
            )
        had_qty, had_percent = merged.get(sku_id, (0, 0))
        merged[sku_id] = (had_qty + qty, had_percent + percent)
    return tuple(CustomsDetail(sku, products[sku], qty, percent) for sku, (qty, percent) in merged.items())


def submit_customs(
    records: MarketRecords,
    orders: Mapping[str, Order],
    submission: list[tuple[str, list[CustomsEntry]]],
    catalogue: list[tuple[str, str]],
) -> None:
    """Keep a submission's details, every order checked first: all of it is kept, or none. A line
    submitted again takes the newest details."""
    checked = []
    for order_id, entries in submission:
        order = find_for_fulfillment(orders, order_id)
        checked.append((order.id, check_customs(order, entries, catalogue)))
    for order_id, given in checked:
        records.customs.setdefault(order_id, {}).update(given)


# ----- blind boxes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlindBoxEntry:
    """An order line and the products opening its blind box revealed: (product ID, SKU ID, open
    time, product type)."""

    order_line_id: str
    revealed: list[tuple[str, str, int, str]]


def open_blind_boxes(
    records: MarketRecords,
    order: Order,
    entries: list[BlindBoxEntry],
    catalogue: Mapping[str, tuple[str, str]],
) -> None:
    """Keep what each line's blind box revealed, every entry checked first: all kept, or none. A
    line told again takes the newest result. ``catalogue`` is SKU ID -> (product ID, seller SKU)."""
    if not entries:
        raise RuleViolation(f"order {order.id}: no blind box results given")
    by_id = {item.id: item for item in order.line_items}
    given: dict[str, tuple[BlindBoxResult, ...]] = {}
    for entry in entries:
        if entry.order_line_id not in by_id:
            raise RuleViolation(
                f"order line {entry.order_line_id} is not in order {order.id}",
                code=Code.LINE_ITEM_NOT_IN_ORDER,
            )
        if entry.order_line_id in given:
            raise RuleViolation(f"order {order.id}: order line {entry.order_line_id} is named twice")
        if not entry.revealed:
            raise RuleViolation(f"order line {entry.order_line_id}: no unboxed product given")
        results = []
        for product_id, sku_id, open_time, product_type in entry.revealed:
            known = catalogue.get(sku_id)
            if known is None:
                raise RuleViolation(
                    f"order line {entry.order_line_id}: SKU {sku_id} is not one of the shop's",
                    code=Code.SKU_NOT_IN_SHOP,
                )
            if known[0] != product_id:
                raise RuleViolation(
                    f"order line {entry.order_line_id}: SKU {sku_id} is product {known[0]}, not {product_id}",
                    code=Code.SKU_NOT_IN_SHOP,
                )
            results.append(BlindBoxResult(product_id, sku_id, known[1], open_time, product_type))
        given[entry.order_line_id] = tuple(results)
    records.blind_boxes.setdefault(order.id, {}).update(given)


# ----- print on demand -----------------------------------------------------------------------------
# What buyers have printed on the products they personalise (``order_details.PRINT_ON_DEMAND``):
# a line of text, or a picture of their own.
POD_TEXTS = ("Happy Birthday", "Best Mom Ever", "Team Bride", "Est. 2026", "Stay Wild", "Good Vibes")
POD_FONTS = ("Playfair Display", "Montserrat", "Pacifico", "Roboto Slab")
POD_COLOURS = ("#1B1B1B", "#FFFFFF", "#C0392B", "#1F618D", "#B7950B")


@dataclass(frozen=True)
class PodQuery:
    order_line_id: str
    product_id: str
    sku_id: str
    pod_order_data_id: str


def pod_customisation(order: Order, item: LineItem, pod_info_id: str) -> dict[str, object]:
    """The buyer's customisation of a unit, the same each time it is asked for: the template's
    surface, and the text or picture put in its custom area."""
    rng = random.Random(f"{item.id}:pod-design")
    if rng.random() < 0.5:
        name = order.recipient_address.first_name or order.recipient_address.name
        area: dict[str, object] = {
            "type": "TEXT",
            "text": f"{rng.choice(POD_TEXTS)}, {name}"
            if name and rng.random() < 0.5
            else rng.choice(POD_TEXTS),
            "font": rng.choice(POD_FONTS),
            "color": rng.choice(POD_COLOURS),
            "font_size": rng.choice((24, 32, 48)),
        }
    else:
        area = {
            "type": "IMAGE",
            "image_url": f"https://p16-oec-sandbox.local/pod/{pod_info_id}~tplv-o3syd03w52-origin.png",
            "width": 1200,
            "height": 1200,
        }
    return {
        "pod_info_id": pod_info_id,
        "product_id": item.product_id,
        "sku_id": item.sku_id,
        "surfaces": [{"name": "Front", "custom_areas": [{"id": f"{pod_info_id}-1", **area}]}],
    }


def pod_details(order: Order, queries: list[PodQuery]) -> list[tuple[str, str]]:
    """Each line asked for with its customisation as JSON text: every line checked against the
    order first (its product, its SKU, its customisation's ID)."""
    by_id = {item.id: item for item in order.line_items}
    found = []
    for query in queries:
        item = by_id.get(query.order_line_id)
        if item is None:
            raise RuleViolation(
                f"order line {query.order_line_id} is not in order {order.id}",
                code=Code.LINE_ITEM_NOT_IN_ORDER,
            )
        if (query.product_id, query.sku_id) != (item.product_id, item.sku_id):
            raise RuleViolation(
                f"order line {item.id} is product {item.product_id} SKU {item.sku_id}, "
                f"not product {query.product_id} SKU {query.sku_id}"
            )
        pod_info_id = order_details.pod_info_id(item)
        if not pod_info_id:
            raise RuleViolation(
                f"order line {item.id} is not customised by the buyer", code=Code.POD_NOT_FOUND
            )
        if query.pod_order_data_id != pod_info_id:
            raise RuleViolation(
                f"order line {item.id}'s customisation is {pod_info_id}, not {query.pod_order_data_id}",
                code=Code.POD_NOT_FOUND,
            )
        text = json.dumps(pod_customisation(order, item, pod_info_id), separators=(",", ":"), sort_keys=True)
        found.append((item.id, text))
    return found
