"""The shop's shipping templates and whether each can carry a product of some weight and size
(logistics 202510 ``seller_templates``): "get seller's available shipping template and return the
reason why the template is not available, this api is now only available for JP and UK market".

A shop has one template per delivery option: the platform's (Standard shipping, its default) and
the seller's own (Shipped by seller). The platform's carrier takes what its labels take (the limits
of ``packages.label_problem``: ``MAX_WEIGHT_GRAMS``, ``MAX_SIDE_CM``); a seller's own carrier is
the seller's business, so its template is always available.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sandbox import fakes
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import ShippingType
from sandbox.domain.packages import MAX_SIDE_CM, MAX_WEIGHT_GRAMS

# "this api is now only available for JP and UK market" (the sandbox has no JP shop).
TEMPLATE_AVAILABILITY_MARKETS = frozenset({"GB"})

# The reference's units: weight "1:gram 2:pound 3:ounce 4:kilogram"; dimension "1: centimeter
# 2:inch 3:foot 4:millimeter 5:meter".
GRAMS_PER_UNIT = {1: Decimal(1), 2: Decimal("453.59237"), 3: Decimal("28.349523125"), 4: Decimal(1000)}
CM_PER_UNIT = {1: Decimal(1), 2: Decimal("2.54"), 3: Decimal("30.48"), 4: Decimal("0.1"), 5: Decimal(100)}
# The reference's filter types: "1 for length filter 2 for width filter 3 for height filter
# 4 for weight filter".
LENGTH_FILTER, WIDTH_FILTER, HEIGHT_FILTER, WEIGHT_FILTER = "1", "2", "3", "4"
PLATFORM_TEMPLATE, SELLER_TEMPLATE = 1, 2  # template_party


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    is_default: bool
    party: int
    service_id: str  # the delivery option it ships by


@dataclass(frozen=True)
class Availability:
    template: Template
    unreachable: list[tuple[str, str]]  # (filter_type, reason); empty: available


def shop_templates() -> list[Template]:
    return [
        Template(
            fakes.DELIVERY_OPTIONS[ShippingType.TIKTOK],
            fakes.DELIVERY_OPTION_NAMES[ShippingType.TIKTOK],
            True,
            PLATFORM_TEMPLATE,
            fakes.DELIVERY_OPTIONS[ShippingType.TIKTOK],
        ),
        Template(
            fakes.DELIVERY_OPTIONS[ShippingType.SELLER],
            fakes.DELIVERY_OPTION_NAMES[ShippingType.SELLER],
            False,
            SELLER_TEMPLATE,
            fakes.DELIVERY_OPTIONS[ShippingType.SELLER],
        ),
    ]


def measure(value: str | None, unit: int | None, per_unit: dict[int, Decimal], what: str) -> Decimal | None:
    """A measure in grams or centimetres, or None when not given."""
    if value is None or value == "":
        return None
    if unit not in per_unit:
        raise RuleViolation(
            f"unknown {what} unit {unit}: one of {sorted(per_unit)}", code=Code.INVALID_REQUEST
        )
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RuleViolation(f"{what} '{value}' is not a number", code=Code.INVALID_REQUEST) from None
    if not amount.is_finite() or amount < 0:
        raise RuleViolation(f"{what} '{value}' is not a size", code=Code.INVALID_REQUEST)
    return amount * per_unit[unit]


def availability(
    weight_g: Decimal | None, length_cm: Decimal | None, width_cm: Decimal | None, height_cm: Decimal | None
) -> list[Availability]:
    """Each of the shop's templates, with why its service cannot carry such a product."""
    limits = [
        (LENGTH_FILTER, "length", length_cm, Decimal(MAX_SIDE_CM), "cm"),
        (WIDTH_FILTER, "width", width_cm, Decimal(MAX_SIDE_CM), "cm"),
        (HEIGHT_FILTER, "height", height_cm, Decimal(MAX_SIDE_CM), "cm"),
        (WEIGHT_FILTER, "weight", weight_g, Decimal(MAX_WEIGHT_GRAMS), "g"),
    ]
    found = []
    for template in shop_templates():
        unreachable = []
        if template.party == PLATFORM_TEMPLATE:
            unreachable = [
                (kind, f"{name} {value.normalize():f} {unit} is over the carrier's limit of {limit} {unit}")
                for kind, name, value, limit, unit in limits
                if value is not None and value > limit
            ]
        found.append(Availability(template, unreachable))
    return found
