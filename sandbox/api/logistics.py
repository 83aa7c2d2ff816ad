"""Logistics operations of the Open API: warehouses, delivery options, shipping providers."""

from __future__ import annotations

from typing import Any

from sandbox import fakes
from sandbox.api import render_fulfillment
from sandbox.domain.codes import Code
from sandbox.domain.orders import ShippingType
from sandbox.fakes import DELIVERY_OPTIONS
from sandbox.http.context import current
from sandbox.http.envelope import ApiError, success

_OPTIONS = {
    DELIVERY_OPTIONS[ShippingType.TIKTOK]: (
        "Standard shipping",
        "STANDARD",
        "The platform buys the label from its carrier; pickup or drop-off.",
    ),
    DELIVERY_OPTIONS[ShippingType.SELLER]: (
        "Shipped by seller",
        "SEND_BY_SELLER",
        "The seller ships with its own carrier and uploads the tracking number.",
    ),
}


def get_warehouses(**_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        shop = world.profile.shop
        warehouse = fakes.warehouse(shop.warehouse_id, shop.name, shop.region)
        return success(world.next_request_id(), {"warehouses": [render_fulfillment.warehouse(warehouse)]})


def get_delivery_options(warehouse_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        if warehouse_id != world.profile.shop.warehouse_id:
            raise ApiError(
                Code.INVALID_REQUEST, f"Invalid request: warehouse {warehouse_id} is not this shop's"
            )
        options = [
            render_fulfillment.delivery_option(option_id, name, kind, description)
            for option_id, (name, kind, description) in _OPTIONS.items()
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
