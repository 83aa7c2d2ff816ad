"""Order operations beyond search and detail: the order's price breakdown (202407)."""

from __future__ import annotations

from typing import Any

from sandbox.domain import price_detail
from sandbox.domain.external_orders import ExternalOrder
from sandbox.http.context import current, json_object
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


# ----- references in the seller's own systems (202406) ------------------------------------------
def _reference(ref: ExternalOrder) -> dict[str, Any]:
    return {
        "id": ref.id,
        "platform": ref.platform,
        "line_items": [{"id": own, "origin_id": origin} for own, origin in ref.line_items],
    }


def add_external_orders(body: Any, **_: Any) -> dict[str, Any]:
    requested = [
        (
            entry["id"],
            ExternalOrder(
                entry["external_order"]["id"],
                entry["external_order"]["platform"],
                tuple(
                    (line["id"], line["origin_id"]) for line in entry["external_order"].get("line_items", [])
                ),
            ),
        )
        for entry in json_object(body)["orders"]
    ]
    with current().world.session() as world:
        refused = world.add_external_orders(requested)
        errors = [
            {
                "code": str(int(r.code)),
                "message": r.message,
                "detail": {
                    "order_id": r.order_id,
                    "external_order": {"id": r.reference.id, "platform": r.reference.platform},
                },
            }
            for r in refused
        ]
        return success(world.next_request_id(), {"errors": errors} if errors else {})


def get_external_orders(order_id: str, platform: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        found = world.external_orders_of(order_id, platform)
        return success(world.next_request_id(), {"external_orders": [_reference(ref) for ref in found]})


def search_external_orders(platform: str, external_order_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        found = world.orders_by_external_order(platform, external_order_id)
        orders = [{"id": order_id, "external_order": _reference(ref)} for order_id, ref in found]
        return success(world.next_request_id(), {"orders": orders} if orders else {})
