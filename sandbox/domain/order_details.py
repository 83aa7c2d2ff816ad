"""What an order shows beyond its state: the details the platform works out from the order, its
buyer, its products and its market (item taxes, the parts of a virtual bundle, the buyer's TikTok
profile, the payment method, the order type, a LIVE session...).

Each detail is derived from data the order already holds, with generators seeded from the order's
own IDs (``random.Random(f"{order.id}:...")``), never from the world's generator: the same order
always shows the same details, and seeded shops stay exactly as they were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from sandbox.domain import deadlines
from sandbox.domain.orders import ADDRESS_HIDDEN, CancellationInitiator, LineItem, Order, OrderStatus

CENT = Decimal("0.01")
ZERO = "0.00"

# The markets whose orders carry sales tax line by line (the reference: "SALES_TAX (US market
# sales tax)"), the retail delivery fee and buyer-paid item insurance.
SALES_TAX_MARKETS = frozenset({"US"})

# "Pending Shipping" begins when the remorse window ends: a pre-order's handling starts then.
HANDLING_DAYS = deadlines.HANDLING_TIME.days
# The fast delivery program's promise: "the order should arrive in a promised time period".
FAST_DELIVERY_WITHIN = 3  # days from payment

# Products a seller lists as virtual bundles: the bundle SKU is sold, its parts are fulfilled
# (each part's share of the bundle's price).
BUNDLE_PARTS: dict[str, tuple[tuple[str, Decimal], ...]] = {
    "Pour-Over Coffee Set": (("Dripper", Decimal("0.6")), ("Glass Carafe", Decimal("0.4"))),
    "Hair Clip Set": (("Claw Clip", Decimal("0.5")), ("Snap Clips", Decimal("0.5"))),
}
# Products a buyer may have printed on demand (a name or a picture).
PRINT_ON_DEMAND = ("Tote Bag", "Notebook")

# How the buyer paid: (display name, method code, card type or "").
PAYMENT_METHODS = (
    ("Visa", "CARD_VISA", "Credit"),
    ("Visa", "CARD_VISA", "Debit"),
    ("Mastercard", "CARD_MASTERCARD", "Credit"),
    ("Mastercard", "CARD_MASTERCARD", "Debit"),
    ("American Express", "CARD_AMEX", "Credit"),
    ("PayPal", "PAYPAL", ""),
    ("Apple Pay", "APPLE_PAY", ""),
    ("Google Pay", "GOOGLE_PAY", ""),
)
DROP_OFF_LOCATIONS = ("", "", "Front door", "Back door", "Side door", "Mailroom", "Reception")
SELLER_NOTES = ("", "", "", "", "Gift wrap requested", "Check colour before packing", "VIP buyer")
_NICK_WORDS = (
    ("sunny", "cozy", "lucky", "happy", "urban", "wild", "quiet", "golden", "misty", "bold"),
    ("fox", "maple", "wave", "otter", "pine", "comet", "finch", "river", "tulip", "koala"),
)


def _rng(*parts: str) -> random.Random:
    return random.Random(":".join(parts))


def _digits(rng: random.Random, count: int, lead: str) -> str:
    rest = count - len(lead)
    return lead + str(rng.randrange(10 ** (rest - 1), 10**rest))


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` shared in proportion to ``weights``, in cents, adding up to it exactly (the cents
    rounding leaves over go to the largest remainders, the first of equal ones)."""
    return list(_split(total, tuple(weights)))


@lru_cache(maxsize=4096)
def _split(total: Decimal, weights: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    # Kept: the shares depend on the amounts alone (not on how they are spelt: 1.5 and 1.50 share
    # alike), and every rendering of an order asks for them again, each line item and part.
    whole = sum(weights, Decimal(0))
    if not weights:
        return ()
    if whole == 0:
        weights, whole = (Decimal(1),) * len(weights), Decimal(len(weights))
    cents = int((total / CENT).to_integral_value())
    exact = [Decimal(cents) * w / whole for w in weights]
    shares = [int(e) for e in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: cents - sum(shares)]:
        shares[i] += 1
    return tuple(Decimal(s) * CENT for s in shares)


@dataclass(frozen=True)
class BuyerProfile:
    nickname: str
    avatar: str


# The values below are drawn from generators seeded by IDs, so each is the same every time it is
# asked for: they are kept (a search page renders dozens of orders, each asking several times).
_KEPT = 65536


@lru_cache(maxsize=_KEPT)
def buyer_profile(user_id: str) -> BuyerProfile:
    """The buyer's TikTok nickname and avatar: the same on every order of the buyer."""
    rng = _rng(user_id, "profile")
    first, second = (rng.choice(words) for words in _NICK_WORDS)
    nickname = f"{first}_{second}{rng.randrange(10, 99)}"
    avatar = f"https://p16-oec-sandbox.local/avatar/{user_id}~tplv-tiktokx-cropcenter:100:100.jpeg"
    return BuyerProfile(nickname, avatar)


@dataclass(frozen=True)
class PaymentMethod:
    name: str
    code: str
    card_type: str


@dataclass(frozen=True)
class Traits:
    """What kind of order it is: drawn once per order from its ID."""

    order_type: str  # NORMAL, PRE_ORDER or MADE_TO_ORDER
    room_id: str  # the LIVE session it was bought in, or ""
    auto_combine_group_id: str
    temporary_listing: bool  # bought from a listing made for the LIVE session
    payment: PaymentMethod
    drop_off_location: str
    seller_note: str


def traits(order: Order) -> Traits:
    return _traits(order.id, order.paid_time is not None)


@lru_cache(maxsize=_KEPT)
def _traits(order_id: str, paid: bool) -> Traits:
    rng = _rng(order_id, "traits")
    live = rng.random() < 0.3
    room_id = _digits(rng, 19, "73") if live else ""
    group = _digits(rng, 19, "69") if live else ""
    temporary = live and rng.random() < 0.5
    kind = rng.random()
    order_type = "NORMAL"
    if kind < 0.08 and paid:
        order_type = "PRE_ORDER"
    elif kind < 0.16:
        order_type = "MADE_TO_ORDER"
    name, code, card = PAYMENT_METHODS[rng.randrange(len(PAYMENT_METHODS))]
    drop_off = DROP_OFF_LOCATIONS[rng.randrange(len(DROP_OFF_LOCATIONS))]
    note = SELLER_NOTES[rng.randrange(len(SELLER_NOTES))]
    return Traits(order_type, room_id, group, temporary, PaymentMethod(name, code, card), drop_off, note)


def release_date(order: Order) -> datetime | None:
    """A pre-order's handling starts when it is released: when its remorse window ends."""
    if order.paid_time is None:
        return None
    return order.paid_time + deadlines.REMORSE_WINDOW


def request_cancel_time(order: Order) -> datetime | None:
    """When the buyer asked to cancel: a pending request is answered within the response window;
    a buyer's cancellation without a pending request took effect when asked."""
    if order.is_buyer_request_cancel and order.cancel_order_sla_time is not None:
        return order.cancel_order_sla_time - deadlines.BUYER_CANCEL_RESPONSE_WINDOW
    if order.status is OrderStatus.CANCELLED and order.cancellation_initiator is CancellationInitiator.BUYER:
        return order.cancel_time
    return None


def fast_delivery_program(order: Order) -> str:
    """The US fast delivery badge: an order delivered within three days of payment."""
    if order.recipient_address.region_code != "US" or order.paid_time is None:
        return ""
    if order.delivery_time is None:
        return ""
    if (order.delivery_time - order.paid_time).total_seconds() <= FAST_DELIVERY_WITHIN * 86400:
        return "3_DAY_DELIVERY"
    return ""


def item_taxes(order: Order) -> list[Decimal]:
    """Each line item's share of the order's tax, adding up to it."""
    return split(Decimal(order.payment.tax), [Decimal(item.sale_price) for item in order.line_items])


def tax_rate(order: Order) -> str:
    """The sales tax rate the order was charged (its tax over its sub-total)."""
    sub_total = Decimal(order.payment.sub_total)
    if sub_total == 0:
        return "0"
    return str((Decimal(order.payment.tax) / sub_total).quantize(CENT))


def sales_tax_market(order: Order) -> bool:
    return order.recipient_address.region_code in SALES_TAX_MARKETS


@dataclass(frozen=True)
class BundlePart:
    sku_id: str
    product_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    share: Decimal


def bundle_parts(item: LineItem) -> list[BundlePart]:
    """The parts of a virtual bundle SKU (none for an ordinary SKU), the same for every unit."""
    return list(_bundle_parts(item.product_name, item.sku_id, item.sku_name, item.seller_sku))


@lru_cache(maxsize=_KEPT)
def _bundle_parts(product_name: str, sku_id: str, sku_name: str, seller_sku: str) -> tuple[BundlePart, ...]:
    for noun, parts in BUNDLE_PARTS.items():
        if product_name.endswith(noun):
            found = []
            for index, (part, share) in enumerate(parts):
                rng = _rng(sku_id, "part", str(index))
                code = "".join(w[0] for w in part.split()).upper()
                found.append(
                    BundlePart(
                        sku_id=_digits(rng, 19, "1729"),
                        product_id=_digits(rng, 19, "1729"),
                        product_name=f"{product_name} {part}",
                        sku_name=sku_name,
                        seller_sku=f"{seller_sku}-{code}",
                        share=share,
                    )
                )
            return tuple(found)
    return ()


def sub_item_id(item: LineItem, index: int) -> str:
    """A bundle part's own line item ID (one per unit of each part)."""
    return _sub_item_id(item.id, index)


@lru_cache(maxsize=_KEPT)
def _sub_item_id(item_id: str, index: int) -> str:
    return _digits(_rng(item_id, "sub", str(index)), len(item_id), item_id[:3])


def pod_info_id(item: LineItem) -> str:
    """The print-on-demand customisation of a unit, for the products buyers personalise (about
    half of them)."""
    if not item.product_name.endswith(PRINT_ON_DEMAND):
        return ""
    return _pod_info_id(item.id)


@lru_cache(maxsize=_KEPT)
def _pod_info_id(item_id: str) -> str:
    rng = _rng(item_id, "pod")
    return _digits(rng, 19, "7301") if rng.random() < 0.5 else ""


def address_visible(order: Order) -> bool:
    return order.status not in ADDRESS_HIDDEN


def split_or_combine(order: Order) -> str:
    return "SPLIT" if len(order.package_ids) > 1 else ""
