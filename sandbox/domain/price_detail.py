"""An order's price breakdown (order 202407 price_detail): the order's own figures, and each line
item's share of them, worked out from its line items, its payment and its tax.

Every figure agrees with the order detail's ``payment``: the list prices add up to
``original_total_product_price``, the deductions are its seller and platform discounts, the tax its
tax, the payment its ``total_amount``. A line item takes its list and sale price, its share of the
tax (the order detail's ``item_tax``) and its share of the shipping fee in proportion to its sale
price, so the lines add up to the order to the cent. The sandbox's checkout offers no vouchers,
gifts or cash on delivery: those figures are zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandbox.domain.order_details import item_taxes, money, split, tax_rate
from sandbox.domain.orders import Order

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Prices:
    """One breakdown, of the whole order or of one line item (money as ``Decimal``)."""

    sku_list_price: Decimal
    subtotal_deduction_seller: Decimal
    subtotal_deduction_platform: Decimal
    shipping_list_price: Decimal
    shipping_fee_deduction_seller: Decimal
    shipping_fee_deduction_platform: Decimal
    tax_amount: Decimal

    @property
    def sku_sale_price(self) -> Decimal:
        return self.sku_list_price - self.subtotal_deduction_seller - self.subtotal_deduction_platform

    @property
    def shipping_sale_price(self) -> Decimal:
        return (
            self.shipping_list_price
            - self.shipping_fee_deduction_seller
            - self.shipping_fee_deduction_platform
        )

    @property
    def total(self) -> Decimal:
        """The original price: list price of the products plus the original shipping fee."""
        return self.sku_list_price + self.shipping_list_price

    @property
    def payment(self) -> Decimal:
        return self.sku_sale_price + self.shipping_sale_price + self.tax_amount

    def fields(self, currency: str, rate: str) -> dict[str, str]:
        """The breakdown in the API's field names (money as strings with two decimals)."""
        figures = {
            "total": self.total,
            "payment": self.payment,
            "sku_list_price": self.sku_list_price,
            "sku_sale_price": self.sku_sale_price,
            "subtotal": self.sku_sale_price + self.tax_amount,  # the products' price with their tax
            "subtotal_deduction_seller": self.subtotal_deduction_seller,
            "subtotal_deduction_platform": self.subtotal_deduction_platform,
            "subtotal_tax_amount": self.tax_amount,  # the sandbox taxes products, not shipping
            "voucher_deduction_platform": ZERO,
            "voucher_deduction_seller": ZERO,
            "shipping_list_price": self.shipping_list_price,
            "shipping_sale_price": self.shipping_sale_price,
            "shipping_fee_deduction_seller": self.shipping_fee_deduction_seller,
            "shipping_fee_deduction_platform": self.shipping_fee_deduction_platform,
            "shipping_fee_deduction_platform_voucher": ZERO,
            "tax_amount": self.tax_amount,
            "net_price_amount": self.payment - self.tax_amount,
            "sku_gift_original_price": ZERO,
            "sku_gift_net_price": ZERO,
        }
        out = {"currency": currency}
        out.update({name: money(value) for name, value in figures.items()})
        out["tax_rate"] = rate
        return out


def of_order(order: Order) -> tuple[Prices, list[tuple[str, Prices]]]:
    """The order's breakdown and each line item's (by line item ID), adding up to it."""
    p = order.payment
    whole = Prices(
        sku_list_price=Decimal(p.original_total_product_price),
        subtotal_deduction_seller=Decimal(p.seller_discount),
        subtotal_deduction_platform=Decimal(p.platform_discount),
        shipping_list_price=Decimal(p.original_shipping_fee),
        shipping_fee_deduction_seller=Decimal(p.original_shipping_fee) - Decimal(p.shipping_fee),
        shipping_fee_deduction_platform=ZERO,
        tax_amount=Decimal(p.tax),
    )
    items = order.line_items
    sales = [Decimal(item.sale_price) for item in items]
    columns = [
        split(whole.subtotal_deduction_seller, sales),
        split(whole.subtotal_deduction_platform, sales),
        split(whole.shipping_list_price, sales),
        split(whole.shipping_fee_deduction_seller, sales),
    ]
    taxes = item_taxes(order)
    lines = []
    for index, item in enumerate(items):
        seller, platform, shipping, shipping_seller = (column[index] for column in columns)
        lines.append(
            (
                item.id,
                Prices(
                    sku_list_price=Decimal(item.original_price),
                    subtotal_deduction_seller=seller,
                    subtotal_deduction_platform=platform,
                    shipping_list_price=shipping,
                    shipping_fee_deduction_seller=shipping_seller,
                    shipping_fee_deduction_platform=ZERO,
                    tax_amount=taxes[index],
                ),
            )
        )
    return whole, lines


def rate_of(order: Order) -> str:
    return tax_rate(order)
