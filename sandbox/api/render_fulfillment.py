"""Fulfillment and logistics objects in the Open API's field names (package detail and search,
tracking, warehouses, delivery options, shipping services)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sandbox.domain import packages
from sandbox.domain.carrier import TrackingEvent, action_code
from sandbox.domain.orders import ADDRESS_HIDDEN, Address, Order
from sandbox.domain.packages import HandoverMethod, Package
from sandbox.fakes import Warehouse

_ADDRESS_FIELDS = (
    "full_address",
    "phone_number",
    "name",
    "postal_code",
    "address_detail",
    "region_code",
    "address_line1",
    "address_line2",
    "address_line3",
    "address_line4",
)


def _unix(instant: datetime | None) -> int | None:
    return int(instant.timestamp()) if instant is not None else None


def _address(a: Address, hidden: bool = False) -> dict[str, Any]:
    """An address as packages show it (recipient and sender); hidden, only its region is shown."""
    if hidden:
        return {name: a.region_code if name == "region_code" else "" for name in _ADDRESS_FIELDS}
    return {
        "full_address": a.full_address,
        "phone_number": a.phone_number,
        "name": a.name,
        "postal_code": a.postal_code,
        "address_detail": a.address_line2,
        "region_code": a.region_code,
        "address_line1": a.address_line1,
        "address_line2": a.address_line2,
        "address_line3": "",
        "address_line4": "",
    }


def _items(package: Package, order: Order) -> list[Any]:
    """The line items the package holds, of every order combined into it."""
    held = package.orders or [order]
    return [item for o in held for item in o.line_items if item.package_id == package.id]


def _orders(package: Package, order: Order) -> list[dict[str, Any]]:
    """The package's orders (several when combined), each with its SKUs, one entry per SKU with
    the number of units."""
    return [_order_skus(package, o) for o in package.orders or [order]]


def _order_skus(package: Package, order: Order) -> dict[str, Any]:
    items = [item for item in order.line_items if item.package_id == package.id]
    units = Counter(item.sku_id for item in items)
    first = {item.sku_id: item for item in reversed(items)}
    return {
        "id": order.id,
        "skus": [
            {
                "id": sku_id,
                "name": first[sku_id].sku_name,
                "image_url": first[sku_id].sku_image,
                "quantity": count,
            }
            for sku_id, count in units.items()
        ],
    }


def _carrier(package: Package) -> dict[str, Any]:
    if not package.tracking_number:
        return {}
    return {
        "tracking_number": package.tracking_number,
        "shipping_provider_id": package.shipping_provider_id,
        "shipping_provider_name": package.shipping_provider_name,
    }


def package_detail(package: Package, order: Order, warehouse: Warehouse) -> dict[str, Any]:
    """GET /fulfillment/202309/packages/{package_id}: the buyer's address is the order's, the
    sender's the warehouse's the order ships from."""
    items = _items(package, order)
    out: dict[str, Any] = {
        "package_id": package.id,
        "orders": _orders(package, order),
        "package_status": packages.shown_status(package),
        "package_sub_status": packages.sub_status(package),
        "split_and_combine_tag": "DEFAULT",
        "has_multi_skus": len({item.sku_id for item in items}) > 1,
        "note_tag": "BUYER_NOTED" if order.buyer_message else "BUYER_UNNOTED",
        "shipping_type": package.shipping_type.value,
        "delivery_option_id": order.delivery_option_id,
        "delivery_option_name": order.delivery_option_name,
        **_carrier(package),
        "create_time": _unix(package.create_time),
        "update_time": _unix(package.update_time),
        "order_line_item_ids": [item.id for item in items],
        "recipient_address": _address(order.recipient_address, order.status in ADDRESS_HIDDEN),
        "sender_address": _address(warehouse.address),
        "weight": {"value": str(package.weight_grams), "unit": "GRAM"},
        "dimension": {
            "length": str(package.dimension_cm[0]),
            "width": str(package.dimension_cm[1]),
            "height": str(package.dimension_cm[2]),
            "unit": "CM",
        },
        # The sandbox sells no shipping insurance: every package shows it as not bought.
        "insurance": {
            "is_purchased": False,
            "coverage_amount": "0.00",
            "is_claim_eligible": False,
            "claim_status": "NOT_STARTED",
        },
        "warehouse_id": order.warehouse_id,
    }
    reason = packages.ship_exception_reason(package)
    if reason:
        out["ship_exception_reason"] = reason
    if package.handover_method is not None:
        out["handover_method"] = package.handover_method.value
    if package.handover_method is HandoverMethod.PICKUP and package.pickup_slot is not None:
        out["pickup_slot"] = {
            "start_time": _unix(package.pickup_slot[0]),
            "end_time": _unix(package.pickup_slot[1]),
        }
    return out


def package_summary(package: Package, order: Order) -> dict[str, Any]:
    """One package of POST /fulfillment/202309/packages/search."""
    return {
        "id": package.id,
        "orders": _orders(package, order),
        "create_time": _unix(package.create_time),
        "update_time": _unix(package.update_time),
        "status": packages.shown_status(package),
        **_carrier(package),
        "order_line_item_ids": [item.id for item in _items(package, order)],
    }


def tracking(events: list[TrackingEvent]) -> dict[str, Any]:
    """GET /fulfillment/202309/orders/{order_id}/tracking: newest first, times in milliseconds."""
    return {
        "tracking": [
            {
                "description": f"{e.message}, {e.location}",
                "update_time_millis": int(e.at.timestamp() * 1000),
                "action_code": action_code(e),
            }
            for e in reversed(events)
        ]
    }


def warehouse(w: Warehouse) -> dict[str, Any]:
    """One warehouse of GET /logistics/202309/warehouses."""
    a = w.address
    return {
        "id": w.id,
        "entity_id": w.entity_id,
        "name": w.name,
        "effect_status": "ENABLED",
        "type": "SALES_WAREHOUSE",
        "sub_type": "DOMESTIC_WAREHOUSE",
        "is_default": True,
        "address": {
            "region": w.region_name,
            "state": a.state,
            "city": a.city,
            "contact_person": a.name,
            "postal_code": a.postal_code,
            "full_address": a.full_address,
            "region_code": a.region_code,
            "phone_number": a.phone_number,
            "address_line1": a.address_line1,
            "address_line2": a.address_line2,
            "geolocation": {"latitude": w.latitude, "longitude": w.longitude},
        },
    }


def delivery_option(option_id: str, name: str, kind: str, description: str) -> dict[str, Any]:
    """One delivery option of a warehouse, with the limits of the platform's standard option."""
    return {
        "id": option_id,
        "name": name,
        "type": kind,
        "description": description,
        "dimension_limit": {
            "max_height": packages.MAX_SIDE_CM,
            "max_length": packages.MAX_SIDE_CM,
            "max_width": packages.MAX_SIDE_CM,
            "unit": "CM",
        },
        "weight_limit": {"max_weight": packages.MAX_WEIGHT_GRAMS, "min_weight": 1, "unit": "GRAM"},
        "platform": ["TIKTOK_SHOP"],
    }


def shipping_services(
    order: Order,
    line_item_ids: list[str],
    weight: dict[str, Any],
    dimension: dict[str, Any],
    services: list[Any],
    currency: str,
) -> dict[str, Any]:
    """POST /fulfillment/202309/orders/{order_id}/shipping_services/query: the package as asked
    for, and each service's price, which is its shipping fee (the sandbox adds no ERP surcharge
    and no signature service)."""
    return {
        "order_id": order.id,
        "order_line_id": line_item_ids,
        "weight": {"value": weight["value"], "unit": weight.get("unit", "GRAM")},
        "dimension": {k: dimension[k] for k in ("length", "width", "height", "unit")},
        "shipping_services": [
            {
                "id": s.id,
                "name": s.name,
                "price": s.price,
                "currency": currency,
                "earliest_delivery_days": s.delivery_days[0],
                "latest_delivery_days": s.delivery_days[1],
                "is_default": i == 0,
                "shipping_provider_name": s.provider.name,
                "shipping_provider_id": s.provider.id,
                "shipping_fee": s.price,
                "shipping_app_service_fee": "0.00",
                "signature_fee": "0.00",
            }
            for i, s in enumerate(services)
        ],
    }


# ----- the newer versions' own answers ---------------------------------------------------------
def marked_shipped_202610(order: Order, package: Any) -> dict[str, Any]:
    """The 202610 mark-as-shipped answer: the package and the line items it holds."""
    return {
        "order_id": order.id,
        "package_id": package.id,
        "order_line_item_ids": [item.id for item in _items(package, order)],
    }


def created_package_202512(package: Any, service: Any, currency: str) -> dict[str, Any]:
    """The 202512 create-package answer: the package, its weight and size as the sandbox keeps
    them (grams, centimetres), and the shipping service its label was bought with."""
    length, width, height = package.dimension_cm
    return {
        "package_id": package.id,
        "create_time": _unix(package.create_time),
        "weight": {"value": str(package.weight_grams), "unit": "GRAM"},
        "dimension": {"length": str(length), "width": str(width), "height": str(height), "unit": "CM"},
        "shipping_service_info": {
            "id": service.id,
            "name": service.name,
            "price": service.price,
            "currency": currency,
            "earliest_delivery_days": service.delivery_days[0],
            "latest_delivery_days": service.delivery_days[1],
            "shipping_provider_id": service.provider.id,
            "shipping_provider_name": service.provider.name,
        },
    }


def logistics_tracking_202604(order_id: str, parcel: Any | None) -> dict[str, Any]:
    """The 202604 logistics tracking answer: the order's parcels (one, once it is with a carrier),
    each with its carrier, tracking number and events, newest first, as the 202309 tracking."""
    if parcel is None:
        return {"order_id": order_id, "logistics_details": []}
    return {
        "order_id": order_id,
        "logistics_details": [
            {
                "newest_tracking_no": parcel.tracking_number,
                "carrier_name": parcel.provider_name,
                "track_list": [
                    {
                        "description": f"{e.message}, {e.location}",
                        "tracking_no": parcel.tracking_number,
                        "update_time_millis": int(e.at.timestamp() * 1000),
                        "action_code": action_code(e),
                        "action_code_name": e.detail_code,  # the carrier's name for the event
                    }
                    for e in reversed(parcel.events)
                ],
            }
        ],
    }
