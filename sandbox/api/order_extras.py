"""Order operations beyond search and detail: the order's price breakdown (202407)."""

from __future__ import annotations

from typing import Any

from sandbox.domain import price_detail
from sandbox.http.context import current
from sandbox.http.envelope import success

# The sandbox's checkout runs no seller-funded promotion: no activity to list.
_NO_PROMOTIONS: dict[str, list[Any]] = {
    "seller_funded_product_promotions": [],
    "seller_funded_shipping_promotions": [],
}


def get_price_detail(order_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        order = world.order(order_id)
        whole, lines = price_detail.of_order(order)
        currency, rate = order.payment.currency, price_detail.rate_of(order)
        out: dict[str, Any] = whole.fields(currency, rate)
        out.update(cod_fee="0.00", cod_fee_net_amount="0.00")
        out["line_items"] = [
            {
                "id": item_id,
                **prices.fields(currency, rate),
                "cod_fee": "0.00",
                "cod_fee_amount": "0.00",
                **_NO_PROMOTIONS,
            }
            for item_id, prices in lines
        ]
        return success(world.next_request_id(), out)
