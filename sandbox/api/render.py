"""Domain objects in the Open API's field names and formats (Unix seconds, money strings)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sandbox.domain.carrier import action_code
from sandbox.domain.orders import ADDRESS_HIDDEN, Order, OrderStatus, Payment, package_status

_TIMES = (
    "paid_time",
    "rts_sla_time",
    "rts_time",
    "shipping_due_time",
    "collection_due_time",
    "collection_time",
    "delivery_due_time",
    "delivery_time",
    "cancel_order_sla_time",
    "cancel_time",
)


PAYMENT_FIELDS = tuple(f.name for f in fields(Payment))


def _unix(instant: datetime | None) -> int | None:
    return int(instant.timestamp()) if instant is not None else None


def order_202309(order: Order) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": order.id,
        "status": order.status.value,
        "create_time": _unix(order.create_time),
        "update_time": _unix(order.update_time),
    }
    for name in _TIMES:
        value = _unix(getattr(order, name))
        if value is not None:
            out[name] = value
    out.update(
        {
            "is_on_hold_order": order.status is OrderStatus.ON_HOLD,
            "is_buyer_request_cancel": order.is_buyer_request_cancel,
            "user_id": order.user_id,
            "buyer_email": order.buyer_email,
            "buyer_message": order.buyer_message,
            "shipping_type": order.shipping_type.value,
            "fulfillment_type": order.fulfillment_type,
            "delivery_type": order.delivery_type,
            "delivery_option_id": order.delivery_option_id,
            "delivery_option_name": order.delivery_option_name,
            "warehouse_id": order.warehouse_id,
            "payment": {name: getattr(order.payment, name) for name in PAYMENT_FIELDS},
            "recipient_address": _address(order),
            "line_items": [_line_item(order, item) for item in order.line_items],
        }
    )
    if order.cancel_reason:
        out["cancel_reason"] = order.cancel_reason
    if order.cancellation_initiator is not None:
        out["cancellation_initiator"] = order.cancellation_initiator.value
    if order.tracking_number:
        out["tracking_number"] = order.tracking_number
        out["shipping_provider"] = order.shipping_provider
        out["shipping_provider_id"] = order.shipping_provider_id
    if order.package_ids:
        out["packages"] = [{"id": package_id} for package_id in order.package_ids]
    return out


# 202507 answers the 202309 shape; fields added after 202309 are not modelled yet.
order_202507 = order_202309


def _address(order: Order) -> dict[str, Any]:
    a = order.recipient_address
    if order.status in ADDRESS_HIDDEN:
        # The platform hides the buyer's address until the remorse window is over.
        return {
            "region_code": a.region_code,
            "name": "",
            "phone_number": "",
            "full_address": "",
            "address_line1": "",
            "address_line2": "",
            "address_line3": "",
            "address_line4": "",
            "postal_code": "",
            "district_info": [],
        }
    return {
        "name": a.name,
        "first_name": a.first_name,
        "last_name": a.last_name,
        "phone_number": a.phone_number,
        "full_address": a.full_address,
        "address_detail": a.address_line2,
        "address_line1": a.address_line1,
        "address_line2": a.address_line2,
        "address_line3": "",
        "address_line4": "",
        "postal_code": a.postal_code,
        "region_code": a.region_code,
        "district_info": [
            {"address_level_name": "country", "address_name": a.region_code, "address_level": "L0"},
            {"address_level_name": "state", "address_name": a.state, "address_level": "L1"},
            {"address_level_name": "city", "address_name": a.city, "address_level": "L3"},
        ],
    }


def _line_item(order: Order, item: Any) -> dict[str, Any]:
    out = {
        "id": item.id,
        "sku_id": item.sku_id,
        "product_id": item.product_id,
        "product_name": item.product_name,
        "sku_name": item.sku_name,
        "sku_image": item.sku_image,
        "seller_sku": item.seller_sku,
        "original_price": item.original_price,
        "sale_price": item.sale_price,
        "currency": item.currency,
        "display_status": order.status.value,
        "package_status": package_status(order),
        "is_gift": False,
    }
    if item.package_id:
        out["package_id"] = item.package_id
        out["tracking_number"] = item.tracking_number
        out["shipping_provider_id"] = item.shipping_provider_id
        out["shipping_provider_name"] = item.shipping_provider_name
    if item.cancel_reason:
        out["cancel_reason"] = item.cancel_reason
    return out


def package_202309(package: Any, order: Order) -> dict[str, Any]:
    out: dict[str, Any] = {
        "package_id": package.id,
        "package_status": package.status.value,
        "orders": [
            {
                "id": order.id,
                "skus": [
                    {"id": item.sku_id, "name": item.sku_name, "image_url": item.sku_image, "quantity": 1}
                    for item in order.line_items
                ],
            }
        ],
        "shipping_type": package.shipping_type.value,
        "weight": {"value": str(package.weight_grams), "unit": "GRAM"},
        "dimension": {
            "length": str(package.dimension_cm[0]),
            "width": str(package.dimension_cm[1]),
            "height": str(package.dimension_cm[2]),
            "unit": "CM",
        },
        "create_time": _unix(package.create_time),
        "update_time": _unix(package.update_time),
    }
    if package.tracking_number:
        out["tracking_number"] = package.tracking_number
        out["shipping_provider_id"] = package.shipping_provider_id
        out["shipping_provider_name"] = package.shipping_provider_name
    if package.handover_method is not None:
        out["handover_method"] = package.handover_method.value
    if package.pickup_slot is not None:
        out["pickup_slot"] = {
            "start_time": _unix(package.pickup_slot[0]),
            "end_time": _unix(package.pickup_slot[1]),
        }
    return out


def package_summary(package: Any) -> dict[str, Any]:
    out = {
        "id": package.id,
        "status": package.status.value,
        "orders": [{"id": package.order_id}],
        "create_time": _unix(package.create_time),
        "update_time": _unix(package.update_time),
    }
    if package.tracking_number:
        out.update(
            tracking_number=package.tracking_number,
            shipping_provider_id=package.shipping_provider_id,
            shipping_provider_name=package.shipping_provider_name,
        )
    return out


def tracking(events: list[Any]) -> dict[str, Any]:
    """The order tracking answer: newest first, times in milliseconds."""
    return {
        "tracking": [
            {"description": f"{e.message}, {e.location}", "update_time_millis": int(e.at.timestamp() * 1000)}
            for e in reversed(events)
        ]
    }


def marked_shipped_202610(order: Order, package: Any) -> dict[str, Any]:
    """The 202610 mark-as-shipped answer: the package and the line items it holds (an order
    ships in one package, with all of them)."""
    return {
        "order_id": order.id,
        "package_id": package.id,
        "order_line_item_ids": [item.id for item in order.line_items],
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
