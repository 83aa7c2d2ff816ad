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


# ----- refunds of some line items -----------------------------------------------------------------
def of_lines(
    payment: Payment, items: Sequence[LineItem], chosen: Sequence[str], with_shipping: bool
) -> tuple[RefundAmount, dict[str, RefundAmount]]:
    """The refund of some of the order's line items (a cancellation or return of part of it) and
    each one's share: a line item gives back its share of the order's subtotal and of its tax, in
    proportion to its sale price (the shares of every line item add up to the order's, to the
    cent). The shipping fee is refunded with the request that leaves nothing of the order to
    deliver (``with_shipping``), shared among its line items by their sale prices."""
    weights = [Decimal(item.sale_price) for item in items]
    shipping, tax = Decimal(payment.shipping_fee), Decimal(payment.tax)
    subtotal = Decimal(payment.total_amount) - shipping - tax
    subtotals, taxes = split(subtotal, weights), split(tax, weights)
    picked = [index for index, item in enumerate(items) if item.id in set(chosen)]
    shipped = split(shipping if with_shipping else Decimal(0), [weights[i] for i in picked])
    shares = {
        items[index].id: _amount(payment.currency, subtotals[index], fee, taxes[index])
        for index, fee in zip(picked, shipped, strict=True)
    }
    overall = _amount(
        payment.currency,
        sum((subtotals[i] for i in picked), Decimal(0)),
        sum(shipped, Decimal(0)),
        sum((taxes[i] for i in picked), Decimal(0)),
    )
    return overall, shares


def scaled(
    overall: RefundAmount, shares: dict[str, RefundAmount], amount: str
) -> tuple[RefundAmount, dict[str, RefundAmount]]:
    """A refund of ``amount`` instead of ``overall`` (a seller's lower refund of some line items):
    each part of the breakdown in proportion, and each line item by its share of ``overall``."""
    parts = [Decimal(overall.subtotal), Decimal(overall.shipping_fee), Decimal(overall.tax)]
    subtotal, shipping, tax = split(Decimal(amount), parts)
    less = _amount(overall.currency, subtotal, shipping, tax)
    lines = shares_of(less, [Decimal(share.total) for share in shares.values()])
    return less, dict(zip(shares, lines, strict=True))


def total_of(amounts: Sequence[RefundAmount], currency: str) -> RefundAmount:
    """Several refunds added up, part by part."""
    sums = [
        sum((Decimal(getattr(a, name)) for a in amounts), Decimal(0))
        for name in ("subtotal", "shipping_fee", "tax")
    ]
    return _amount(currency, *sums)
