"""Logistics operations of the Open API: warehouses, delivery options, shipping providers."""

from __future__ import annotations

from typing import Any

from sandbox.domain import packages
from sandbox.domain.codes import Code
from sandbox.domain.orders import ShippingType
from sandbox.fakes import DELIVERY_OPTIONS
from sandbox.http.context import current
from sandbox.http.envelope import ApiError, success

_OPTIONS = {
    DELIVERY_OPTIONS[ShippingType.TIKTOK]: ("Standard shipping", "STANDARD"),
    DELIVERY_OPTIONS[ShippingType.SELLER]: ("Shipped by seller", "SEND_BY_SELLER"),
}


def get_warehouses(**_: Any) -> dict[str, Any]:
    ctx = current()
    with ctx.world.session() as world:
        shop = world.profile.shop
        return success(
            world.next_request_id(),
            {
                "warehouses": [
                    {
                        "id": shop.warehouse_id,
                        "name": f"{shop.name} warehouse",
                        "effect_status": "ENABLED",
                        "type": "SALES_WAREHOUSE",
                        "sub_type": "DOMESTIC_WAREHOUSE",
                        "is_default": True,
                        "address": {
                            "region_code": shop.region,
                            "city": f"{shop.name} city",
                            "postal_code": "00001",
                        },
                    }
                ]
            },
        )


def get_delivery_options(warehouse_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        if warehouse_id != world.profile.shop.warehouse_id:
            raise ApiError(
                Code.INVALID_REQUEST, f"Invalid request: warehouse {warehouse_id} is not this shop's"
            )
        options = [
            {
                "id": option_id,
                "name": name,
                "type": kind,
                "weight_limit": {"max_weight": packages.MAX_WEIGHT_GRAMS, "min_weight": 1, "unit": "GRAM"},
                "dimension_limit": {
                    "length": packages.MAX_SIDE_CM,
                    "width": packages.MAX_SIDE_CM,
                    "height": packages.MAX_SIDE_CM,
                    "unit": "CM",
                },
            }
            for option_id, (name, kind) in _OPTIONS.items()
        ]
        return success(world.next_request_id(), {"delivery_options": options})


def get_shipping_providers(delivery_option_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        if delivery_option_id not in _OPTIONS:
            raise ApiError(
                Code.INVALID_REQUEST, f"Invalid request: unknown delivery option {delivery_option_id}"
            )
        providers = world.logistics.providers()
        return success(
            world.next_request_id(), {"shipping_providers": [{"id": p.id, "name": p.name} for p in providers]}
        )
