"""What a refund gives back, broken down as the returns-and-refunds API shows it: for the whole
request and per line item, the parts adding up to the total and the line items adding up to the
request.

The sandbox refunds whole orders: a request's total is the order's ``payment.total_amount``, of
which the shipping fee and the tax are the order's own, and the subtotal the rest. Each line item
takes its share of the subtotal, the shipping fee and the tax in proportion to its sale price; the
last line takes what rounding leaves, so the lines add up to the cent. A partial refund (a seller's
offer the buyer accepted) takes each part in proportion; a virtual bundle's line is shared among
its parts by their share of its price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sandbox.domain.order_details import split
from sandbox.domain.orders import LineItem, Payment

_CENT = Decimal("0.01")
ZERO = "0.00"


@dataclass(frozen=True)
class RefundAmount:
    currency: str
    total: str
    subtotal: str
    shipping_fee: str
    tax: str
    # Neither is charged on the sandbox's orders: the retail delivery fee is Colorado's, on
    # deliveries there once the platform's sales in the state pass its threshold, and the buyer
    # service fee is not charged in the US and UK markets.
    retail_delivery_fee: str = ZERO
    buyer_service_fee: str = ZERO


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


def _parts(total: Decimal, payment: Payment) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, shipping fee, tax) of a refund of ``total``: the order's shipping fee and tax,
    the subtotal what remains."""
    shipping, tax = Decimal(payment.shipping_fee), Decimal(payment.tax)
    return total - shipping - tax, shipping, tax


def _amount(currency: str, subtotal: Decimal, shipping: Decimal, tax: Decimal) -> RefundAmount:
    return RefundAmount(
        currency,
        _money(subtotal + shipping + tax),
        _money(subtotal),
        _money(shipping),
        _money(tax),
    )


def nothing(currency: str) -> RefundAmount:
    """An order never paid gives nothing back."""
    return RefundAmount(currency, ZERO, ZERO, ZERO, ZERO)


def whole_order(
    payment: Payment, items: Sequence[LineItem], total: str | None = None
) -> tuple[RefundAmount, dict[str, RefundAmount]]:
    """The refund of ``total`` (the order's total by default) and each line item's share of it."""
    refunded = Decimal(total if total is not None else payment.total_amount)
    subtotal, shipping, tax = _parts(refunded, payment)
    overall = _amount(payment.currency, subtotal, shipping, tax)
    weights = [Decimal(item.sale_price) for item in items]
    whole = sum(weights, Decimal(0))
    shares: dict[str, RefundAmount] = {}
    left = [subtotal, shipping, tax]
    for index, item in enumerate(items):
        if index == len(items) - 1:
            part = left
        else:
            ratio = weights[index] / whole if whole else Decimal(0)
            part = [(value * ratio).quantize(_CENT) for value in (subtotal, shipping, tax)]
        shares[item.id] = _amount(payment.currency, *part)
        left = [a - b for a, b in zip(left, part, strict=True)]
    return overall, shares


def shares_of(amount: RefundAmount, weights: Sequence[Decimal]) -> list[RefundAmount]:
    """``amount`` shared in proportion to ``weights`` (a virtual bundle's parts, by their share of
    its price): each part of the breakdown split to the cent, so the shares add up to it part by part
    and in total."""
    columns = [
        split(Decimal(value), list(weights))
        for value in (amount.subtotal, amount.shipping_fee, amount.tax, amount.retail_delivery_fee)
    ]
    services = split(Decimal(amount.buyer_service_fee), list(weights))
    found = []
    for index in range(len(weights)):
        subtotal, shipping, tax, delivery = (column[index] for column in columns)
        service = services[index]
        found.append(
            RefundAmount(
                amount.currency,
                _money(subtotal + shipping + tax + delivery + service),
                _money(subtotal),
                _money(shipping),
                _money(tax),
                _money(delivery),
                _money(service),
            )
        )
    return found


def partial(
    payment: Payment, items: Sequence[LineItem], amount: str
) -> tuple[RefundAmount, dict[str, RefundAmount]]:
    """A partial refund of ``amount`` (a seller's offer the buyer accepted) and each line item's
    share of it: the amount takes the subtotal, the shipping fee and the tax of the whole refund in
    proportion, so its breakdown and its lines add up to it."""
    whole, _ = whole_order(payment, items)
    parts = [Decimal(whole.subtotal), Decimal(whole.shipping_fee), Decimal(whole.tax)]
    subtotal, shipping, tax = split(Decimal(amount), parts)
    overall = _amount(payment.currency, subtotal, shipping, tax)
    weights = [Decimal(item.sale_price) for item in items]
    lines = shares_of(overall, weights)
    return overall, {item.id: line for item, line in zip(items, lines, strict=True)}
