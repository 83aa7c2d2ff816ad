"""Deterministic shop data from a seed: buyers, addresses, products and a spread of orders.

Every random choice draws from the world's own ``random.Random`` (names and places from pools
Faker fills once, with a fixed seed), so the same seed always yields the same shop, byte for byte.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, TypeVar

import orjson

from sandbox import cache_files
from sandbox.domain.events import Deadline
from sandbox.domain.orders import (
    Address,
    CancellationInitiator,
    LineItem,
    Order,
    OrderStatus,
    Payment,
    ShippingType,
    pay,
    unpaid_deadline,
)

if TYPE_CHECKING:
    from faker import Faker


@dataclass(frozen=True)
class Market:
    region: str
    locale: str
    currency: str
    tax_rate: Decimal
    carriers: tuple[tuple[str, str], ...]  # (shipping_provider_id, name)


MARKETS = {
    "US": Market(
        "US",
        "en_US",
        "USD",
        Decimal("0.08"),
        (
            ("6617675021119438849", "USPS"),
            ("6617675021119438850", "UPS"),
            ("6617675021119438851", "FedEx"),
        ),
    ),
    "GB": Market(
        "GB",
        "en_GB",
        "GBP",
        Decimal("0.00"),
        (("6617675021119438861", "Royal Mail"), ("6617675021119438862", "Evri")),
    ),
    "DE": Market(
        "DE",
        "de_DE",
        "EUR",
        Decimal("0.00"),
        (("6617675021119438871", "DHL"), ("6617675021119438872", "Hermes")),
    ),
    "FR": Market(
        "FR",
        "fr_FR",
        "EUR",
        Decimal("0.00"),
        (("6617675021119438881", "Colissimo"), ("6617675021119438882", "Chronopost")),
    ),
    "ES": Market(
        "ES",
        "es_ES",
        "EUR",
        Decimal("0.00"),
        (("6617675021119438891", "Correos"), ("6617675021119438892", "SEUR")),
    ),
    "MX": Market(
        "MX",
        "es_MX",
        "MXN",
        Decimal("0.00"),
        (("6617675021119438901", "Estafeta"), ("6617675021119438902", "DHL")),
    ),
    # Brazilian prices include their taxes (ICMS and the rest are in the shelf price, and the
    # nota fiscal states them): no tax is added on top, as in the European markets.
    "BR": Market(
        "BR",
        "pt_BR",
        "BRL",
        Decimal("0.00"),
        (("6617675021119438911", "Correios"), ("6617675021119438912", "Jadlog")),
    ),
}
REGIONS = tuple(MARKETS)

DELIVERY_OPTIONS = {
    ShippingType.TIKTOK: "7091146663229654785",
    ShippingType.SELLER: "7091146663229654786",
}
DELIVERY_OPTION_NAMES = {ShippingType.TIKTOK: "Standard shipping", ShippingType.SELLER: "Shipped by seller"}
SHIPPED = frozenset(
    {
        OrderStatus.AWAITING_COLLECTION,
        OrderStatus.IN_TRANSIT,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    }
)

# How a seeded shop's orders are spread over statuses (weights).
STATUS_SPREAD: tuple[tuple[OrderStatus, int], ...] = (
    (OrderStatus.UNPAID, 2),
    (OrderStatus.ON_HOLD, 3),
    (OrderStatus.AWAITING_SHIPMENT, 12),
    (OrderStatus.AWAITING_COLLECTION, 5),
    (OrderStatus.IN_TRANSIT, 6),
    (OrderStatus.DELIVERED, 4),
    (OrderStatus.COMPLETED, 6),
    (OrderStatus.CANCELLED, 2),
)

_ADJECTIVES = (
    "Classic",
    "Organic",
    "Wireless",
    "Ceramic",
    "Bamboo",
    "Vintage",
    "Compact",
    "Insulated",
    "Handmade",
    "Portable",
    "Silk",
    "Linen",
    "Recycled",
    "Magnetic",
)
_PRODUCTS = (
    ("Pour-Over Coffee Set", ("Black", "White")),
    ("Yoga Mat", ("Teal", "Sand", "Grey")),
    ("Phone Stand", ("Silver", "Space Grey")),
    ("Water Bottle", ("500ml", "750ml", "1L")),
    ("Desk Lamp", ("Warm", "Cool")),
    ("Tote Bag", ("Natural", "Navy")),
    ("Earbuds", ("Black", "White")),
    ("Scented Candle", ("Cedar", "Lavender", "Citrus")),
    ("Hair Clip Set", ("Pastel", "Tortoise")),
    ("Throw Blanket", ("Oat", "Olive")),
    ("Notebook", ("A5 Dotted", "A5 Lined")),
    ("Sunglasses", ("Amber", "Smoke")),
)
# The business category each catalogue product is sold under: what a partner authorizes an app for,
# category by category (Get Authorized Category Assets). Keyed by the product's noun.
PRODUCT_CATEGORIES: dict[str, tuple[int, str]] = {
    "Pour-Over Coffee Set": (600024, "Kitchenware"),
    "Yoga Mat": (601739, "Sports & Outdoor"),
    "Phone Stand": (601450, "Phones & Electronics"),
    "Water Bottle": (600024, "Kitchenware"),
    "Desk Lamp": (600001, "Home Supplies"),
    "Tote Bag": (824328, "Luggage & Bags"),
    "Earbuds": (601450, "Phones & Electronics"),
    "Scented Candle": (600001, "Home Supplies"),
    "Hair Clip Set": (605196, "Fashion Accessories"),
    "Throw Blanket": (600942, "Textiles & Soft Furnishings"),
    "Notebook": (801928, "Books, Magazines & Audio"),
    "Sunglasses": (605196, "Fashion Accessories"),
}


_BUYER_MESSAGES = ("", "", "", "Please leave at the door", "Gift, no invoice please")
_CANCEL_REASONS = (
    "No longer needed",
    "Need to change shipping address",
    "Found a better price elsewhere",
    "Ordered by mistake",
)

_faker_lock = threading.Lock()


@cache
def _faker(locale: str) -> Faker:
    from faker import Faker  # only to fill pools not found in the cache (see _places)

    return Faker(locale)


@dataclass(frozen=True)
class Sku:
    product_id: str
    product_name: str
    sku_id: str
    sku_name: str
    seller_sku: str
    price: Decimal
    image: str

    @cached_property
    def weight_grams(self) -> int:
        # Magic value: a seller SKU starting OVERSIZE weighs more than any delivery option takes.
        if self.seller_sku.upper().startswith("OVERSIZE"):
            return 45_000
        # Magic value: a seller SKU starting HEAVY weighs 20 kg: two in one package are over the
        # limit, one each is not (what splitting an order cures).
        if self.seller_sku.upper().startswith("HEAVY"):
            return 20_000
        return 150 + int(self.price * 100) % 2300

    @cached_property
    def price_text(self) -> str:
        """The price as the API writes money (every line item of the SKU shows it)."""
        return _money(self.price)


def category_of(sku: Sku) -> tuple[int, str] | None:
    """The business category of a catalogue SKU (its product name ends with the product's noun)."""
    return next((c for noun, c in PRODUCT_CATEGORIES.items() if sku.product_name.endswith(noun)), None)


@dataclass(frozen=True)
class Buyer:
    user_id: str
    email: str
    address: Address


def digits(rng: random.Random, count: int, lead: str = "") -> str:
    """A numeric ID string of ``count`` digits, beginning with ``lead`` (at most 18 drawn digits).

    One 64-bit draw reduced to the span: IDs need not be perfectly uniform, and this is several
    times cheaper than ``randrange`` over a huge range, which seeding 200,000 orders calls a
    million times."""
    rest = count - len(lead)
    low = 10 ** (rest - 1)
    return lead + str(low + rng.getrandbits(64) % (9 * low))


T = TypeVar("T")


def _pick(rng: random.Random, options: Sequence[T]) -> T:
    """``rng.choice`` from a single ``random()`` draw: without ``choice``'s rejection loop, several
    times cheaper, and made-up data need not be perfectly uniform. Seeding calls it millions of
    times."""
    return options[int(rng.random() * len(options))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randrange(low, high)`` the same way."""
    return low + int(rng.random() * (high - low))


def _catalogue(rng: random.Random, market: Market) -> list[Sku]:
    skus: list[Sku] = []
    for noun, variants in rng.sample(_PRODUCTS, 8):
        product_name = f"{rng.choice(_ADJECTIVES)} {noun}"
        product_id = digits(rng, 19, "1729")
        base = Decimal(rng.randrange(599, 8999)) / 100
        for index, variant in enumerate(variants):
            price = (base + Decimal(index * 200) / 100).quantize(Decimal("0.01"))
            code = "".join(w[0] for w in product_name.split()).upper()
            skus.append(
                Sku(
                    product_id,
                    product_name,
                    digits(rng, 19, "1729"),
                    variant,
                    f"{code}-{variant.upper().replace(' ', '')}-{rng.randrange(100, 999)}",
                    price,
                    f"https://p16-oec-sandbox.local/img/{product_id}~tplv-o3syd03w52-origin.jpeg",
                )
            )
    return skus


# Each market's names and places, drawn from Faker once per process (with a fixed seed, so the
# same in every process) and then picked from with each world's own generator: a new world costs
# a few dozen choices instead of a few hundred Faker calls (Faker's weighted draws made up most
# of the cost of creating a tenant). The pools are kept in the cache folder (sandbox.cache_files),
# named by what they are drawn from (Faker's install, the market, the pool's size), so that a start
# neither imports Faker nor draws them again: a tenth of a second of each start.
POOL_SIZE = 64
POOLS_FORMAT = "1"


@dataclass(frozen=True)
class _Places:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    secondary: tuple[str, ...]
    cities: tuple[str, ...]
    states: tuple[str, ...]
    postcodes: tuple[str, ...]


@cache
def _places(market: Market) -> _Places:
    made_by = cache_files.key(POOLS_FORMAT, cache_files.installed("faker"), repr(market), str(POOL_SIZE))
    name = f"pools/{market.region}-{made_by}.json"
    stored = cache_files.read(name)
    if stored is not None:
        return _Places(**{field: tuple(values) for field, values in orjson.loads(stored).items()})
    places = _drawn(market)
    cache_files.write(name, orjson.dumps(vars(places)))
    return places


def _drawn(market: Market) -> _Places:
    with _faker_lock:
        fake = _faker(market.locale)
        fake.seed_instance(POOL_SIZE)

        def draw(make: Callable[[], str]) -> tuple[str, ...]:
            return tuple(make() for _ in range(POOL_SIZE))

        state = (
            fake.state_abbr
            if market.region == "US"
            else getattr(fake, "county", getattr(fake, "state", fake.city))
        )
        return _Places(
            first_names=draw(fake.first_name),
            last_names=draw(fake.last_name),
            streets=draw(fake.street_address),
            secondary=draw(fake.secondary_address) if market.region == "US" else ("",),
            cities=draw(fake.city),
            states=draw(state),
            postcodes=draw(fake.postcode),
        )


def _buyers(rng: random.Random, market: Market, count: int) -> list[Buyer]:
    places = _places(market)
    choice = rng.choice
    buyers = []
    for _ in range(count):
        first, last = choice(places.first_names), choice(places.last_names)
        address = Address(
            name=f"{first} {last}",
            first_name=first,
            last_name=last,
            phone_number=f"({rng.randrange(200, 999)})***-**{rng.randrange(10, 99)}",
            address_line1=choice(places.streets),
            address_line2=choice(places.secondary) if rng.random() < 0.3 else "",
            city=choice(places.cities),
            state=choice(places.states),
            postal_code=choice(places.postcodes),
            region_code=market.region,
        )
        email = f"{digits(rng, 12, 'v')}@scs2.tiktok.com"  # TikTok masks buyer e-mails like this
        buyers.append(Buyer(digits(rng, 19, "7494"), email, address))
    return buyers


def new_buyer(rng: random.Random, market: Market) -> Buyer:
    """One more buyer of the market (a scenario's buyer account beyond the shop's own buyers)."""
    return _buyers(rng, market, 1)[0]


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _timeline(rng: random.Random, status: OrderStatus, start: datetime) -> tuple[datetime, datetime | None]:
    """When a seeded order was created and paid, consistent with its status at ``start``."""
    minutes = {
        OrderStatus.UNPAID: (1, 50),
        OrderStatus.ON_HOLD: (2, 55),
        OrderStatus.AWAITING_SHIPMENT: (65, 3 * 1440),
        OrderStatus.AWAITING_COLLECTION: (1440, 3 * 1440),
        OrderStatus.IN_TRANSIT: (2 * 1440, 6 * 1440),
        OrderStatus.DELIVERED: (4 * 1440, 9 * 1440),
        OrderStatus.COMPLETED: (10 * 1440, 30 * 1440),
        OrderStatus.CANCELLED: (1440, 20 * 1440),
    }[status]
    paid = start - timedelta(minutes=_between(rng, *minutes), seconds=_between(rng, 0, 60))
    created = paid - timedelta(seconds=_between(rng, 20, 600))
    if status is OrderStatus.UNPAID:
        return paid, None
    return created, paid


@dataclass(frozen=True)
class Stock:
    """What a shop sells and who buys from it: drawn once per world from its seed."""

    market: Market
    skus: list[Sku]
    buyers: list[Buyer]


def shop_stock(rng: random.Random, region: str, buyer_count: int) -> Stock:
    market = MARKETS[region]
    return Stock(market, _catalogue(rng, market), _buyers(rng, market, max(1, buyer_count)))


def new_order_id(rng: random.Random, taken: Iterable[str] | set[str]) -> str:
    used = taken if isinstance(taken, set | dict) else set(taken)
    order_id = digits(rng, 18, "576")
    while order_id in used:
        order_id = digits(rng, 18, "576")
    return order_id


@lru_cache(maxsize=4096)
def _amounts(prices: tuple[Decimal, ...], tax_rate: Decimal) -> tuple[str, str, str, str]:
    """An order's sub-total, shipping fee, tax and total as money strings. A shop sells a few
    dozen SKUs, so the same baskets recur: each is worked out once (Decimal arithmetic was a
    good part of seeding)."""
    sub_total = sum(prices, Decimal(0))
    shipping_fee = Decimal("0.00") if sub_total >= 35 else Decimal("4.99")
    tax = (sub_total * tax_rate).quantize(Decimal("0.01"))
    return _money(sub_total), _money(shipping_fee), _money(tax), _money(sub_total + shipping_fee + tax)


def new_order(
    rng: random.Random,
    stock: Stock,
    *,
    order_id: str,
    shop_id: str,
    warehouse_id: str,
    status: OrderStatus,
    created: datetime,
    paid: datetime | None,
    units: list[Sku],
    buyer: Buyer,
    shipping_type: ShippingType,
) -> tuple[Order, list[Deadline]]:
    """An order at ``status`` with consistent times; its deadlines still running, if any.

    Statuses past the shipment get a package, a tracking number and their milestones.
    """
    market = stock.market
    items = [
        LineItem(
            id=digits(rng, 17, "577"),
            sku_id=sku.sku_id,
            product_id=sku.product_id,
            product_name=sku.product_name,
            sku_name=sku.sku_name,
            seller_sku=sku.seller_sku,
            original_price=sku.price_text,
            sale_price=sku.price_text,
            currency=market.currency,
            sku_image=sku.image,
            weight_grams=sku.weight_grams,
        )
        for sku in units
    ]
    sub_total, shipping_fee, tax, total = _amounts(tuple(sku.price for sku in units), market.tax_rate)
    carrier_id, carrier = _pick(rng, market.carriers)
    order = Order(
        id=order_id,
        shop_id=shop_id,
        status=OrderStatus.UNPAID,
        create_time=created,
        update_time=created,
        user_id=buyer.user_id,
        buyer_email=buyer.email,
        buyer_message=_pick(rng, _BUYER_MESSAGES),
        shipping_type=shipping_type,
        delivery_option_id=DELIVERY_OPTIONS[shipping_type],
        delivery_option_name=DELIVERY_OPTION_NAMES[shipping_type],
        warehouse_id=warehouse_id,
        recipient_address=buyer.address,
        payment=Payment(
            currency=market.currency,
            sub_total=sub_total,
            shipping_fee=shipping_fee,
            seller_discount="0.00",
            platform_discount="0.00",
            tax=tax,
            total_amount=total,
            original_total_product_price=sub_total,
            original_shipping_fee=shipping_fee,
        ),
        line_items=items,
    )
    pending: list[Deadline] = []
    if status is OrderStatus.UNPAID:
        pending.append(unpaid_deadline(order))
    if paid is not None:
        # Replay the payment rule so that made-up orders carry the same deadlines as live ones.
        paid_outcome = pay(order, paid)
        order.status = status
        if status is OrderStatus.ON_HOLD:
            pending += paid_outcome.deadlines
    if status in SHIPPED:
        assert paid is not None
        package_id = digits(rng, 18, "1154")
        tracking = digits(rng, 22, "9400")
        order.package_ids = [package_id]
        order.tracking_number = tracking
        order.shipping_provider, order.shipping_provider_id = carrier, carrier_id
        rts = paid + timedelta(hours=_between(rng, 2, 30))
        order.rts_time = order.update_time = rts
        if status is not OrderStatus.AWAITING_COLLECTION:
            collected = rts + timedelta(hours=_between(rng, 2, 20))
            order.collection_time = order.update_time = collected
            if status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
                delivered = collected + timedelta(days=_between(rng, 2, 4))
                order.delivery_time = order.update_time = delivered
        for item in items:
            item.package_id, item.tracking_number = package_id, tracking
            item.shipping_provider_id, item.shipping_provider_name = carrier_id, carrier
    if status is OrderStatus.CANCELLED:
        order.cancel_time = (paid or created) + timedelta(minutes=_between(rng, 5, 50))
        order.update_time = order.cancel_time
        order.cancel_reason = _pick(rng, _CANCEL_REASONS)
        order.cancellation_initiator = CancellationInitiator.BUYER
        for item in items:
            item.cancel_reason = order.cancel_reason
    return order, pending


_UNITS = (1, 1, 1, 2, 2, 3)  # line items per order
_BUYER_MESSAGES = ("", "", "", "Please leave at the door", "Gift, no invoice please")


def random_units(rng: random.Random, stock: Stock) -> list[Sku]:
    return [_pick(rng, stock.skus) for _ in range(_pick(rng, _UNITS))]


def random_shipping_type(rng: random.Random) -> ShippingType:
    return ShippingType.TIKTOK if rng.random() < 0.6 else ShippingType.SELLER


SEED_PROGRESS_EVERY = 5_000  # orders drawn between two reports of how far seeding has got


def seed_orders(
    rng: random.Random,
    stock: Stock,
    *,
    shop_id: str,
    warehouse_id: str,
    start: datetime,
    count: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Order], list[Deadline]]:
    """A shop's order book at ``start``, and the timed rules already running for it; ``progress``
    is told the orders drawn so far, every few thousand."""
    statuses = [s for s, _ in STATUS_SPREAD]
    cumulative = list(itertools.accumulate(w for _, w in STATUS_SPREAD))
    orders: list[Order] = []
    pending: list[Deadline] = []
    used: set[str] = set()
    for drawn in range(count):
        if progress is not None and drawn and drawn % SEED_PROGRESS_EVERY == 0:
            progress(drawn)
        status = rng.choices(statuses, cum_weights=cumulative)[0]
        created, paid = _timeline(rng, status, start)
        order_id = new_order_id(rng, used)
        used.add(order_id)
        order, running = new_order(
            rng,
            stock,
            order_id=order_id,
            shop_id=shop_id,
            warehouse_id=warehouse_id,
            status=status,
            created=created,
            paid=paid,
            units=random_units(rng, stock),
            buyer=_pick(rng, stock.buyers),
            shipping_type=random_shipping_type(rng),
        )
        orders.append(order)
        pending += running
    orders.sort(key=lambda o: (o.create_time, o.id))
    return orders, pending


# ----- the shop's warehouse ------------------------------------------------------------------------
REGION_NAMES = {
    "US": "United States",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "MX": "Mexico",
    "BR": "Brazil",
}


@dataclass(frozen=True)
class Warehouse:
    """The shop's one sales warehouse: where its parcels leave from (the sender of its packages)."""

    id: str
    entity_id: str
    name: str
    region_name: str
    address: Address  # ``name`` is the contact person
    latitude: str
    longitude: str


@lru_cache(maxsize=256)
def warehouse(warehouse_id: str, shop_name: str, region: str) -> Warehouse:
    """The warehouse, drawn from its own generator seeded with its ID (never the world's): the same
    warehouse for every world of one shop, and no draw taken from the world's sequence. Its city is
    a real place of the market, with that place's coordinates."""
    from faker.providers.geo import Provider as Geo

    market = MARKETS[region]
    places = _places(market)
    rng = random.Random(f"warehouse:{warehouse_id}")
    cities = [c for c in Geo.land_coords if c[3] == region] or list(Geo.land_coords[:1])
    latitude, longitude, city = _pick(rng, cities)[:3]
    first, last = _pick(rng, places.first_names), _pick(rng, places.last_names)
    if region == "US":
        phone = f"({_between(rng, 201, 990)}){_between(rng, 201, 990)}-{_between(rng, 1000, 9999)}"
    else:
        phone = "0" + digits(rng, 10)
    street = _pick(rng, places.streets)
    unit = f"Unit {_between(rng, 1, 40)}"
    if "\n" in street:  # "Flat 27F\nHill Islands": the flat goes on the second line
        unit, _, street = street.partition("\n")
    address = Address(
        name=f"{first} {last}",
        first_name=first,
        last_name=last,
        phone_number=phone,
        address_line1=street,
        address_line2=unit,
        city=city,
        state=_pick(rng, places.states),
        postal_code=_pick(rng, places.postcodes),
        region_code=region,
    )
    return Warehouse(
        id=warehouse_id,
        entity_id=digits(rng, 19, "7069"),
        name=f"{shop_name} warehouse",
        region_name=REGION_NAMES.get(region, region),
        address=address,
        latitude=latitude,
        longitude=longitude,
    )
