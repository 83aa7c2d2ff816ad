"""Orders in the Open API's field names and formats: search and order detail (202309, 202507).

Money is a string, times are Unix seconds. Every figure agrees with the others: the line items'
sale prices add up to the sub-total, their taxes to the tax, the parts of a virtual bundle to the
bundle's price; a line item names the order's own package; the address is hidden until the
remorse window is over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sandbox.domain import invoices
from sandbox.domain import order_details as details
from sandbox.domain.markets import BlindBoxResult
from sandbox.domain.orders import LineItem, Order, OrderStatus, package_status
from sandbox.domain.packages import Package, shown_status

# An order rendered without the shop's packages: its line items show the order's own package status.
NO_PACKAGES: Mapping[str, Package] = MappingProxyType({})

ZERO = details.ZERO

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
_PAYMENT = (
    "currency",
    "sub_total",
    "shipping_fee",
    "seller_discount",
    "platform_discount",
    "tax",
    "total_amount",
    "original_total_product_price",
    "original_shipping_fee",
)


def _unix(instant: datetime | None) -> int | None:
    return int(instant.timestamp()) if instant is not None else None


def order_202309(order: Order, packages: Mapping[str, Package] = NO_PACKAGES) -> dict[str, Any]:
    """An order as the 202309 detail and search show it (``packages``: the shop's, for the
    status of each line item's own package when the order was split)."""
    traits = details.traits(order)
    profile = details.buyer_profile(order.user_id)
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
    if order.collection_due_time is not None:
        out["tts_sla_time"] = _unix(order.collection_due_time)
    if order.delivery_due_time is not None:
        out["delivery_sla_time"] = _unix(order.delivery_due_time)
        out["delivery_option_required_delivery_time"] = _unix(order.delivery_due_time)
    requested = details.request_cancel_time(order)
    if requested is not None:
        out["request_cancel_time"] = _unix(requested)
    out.update(
        {
            "is_on_hold_order": order.status is OrderStatus.ON_HOLD,
            "is_buyer_request_cancel": order.is_buyer_request_cancel,
            "user_id": order.user_id,
            "buyer_email": order.buyer_email,
            "buyer_message": order.buyer_message,
            "buyer_nickname": profile.nickname,
            "buyer_avatar": profile.avatar,
            "seller_note": traits.seller_note,
            "shipping_type": order.shipping_type.value,
            "fulfillment_type": order.fulfillment_type,
            "delivery_type": order.delivery_type,
            "delivery_option_id": order.delivery_option_id,
            "delivery_option_name": order.delivery_option_name,
            "warehouse_id": order.warehouse_id,
            "has_updated_recipient_address": False,
            "is_cod": False,
            "is_sample_order": False,
            "is_refundable_sample": False,
            "is_replacement_order": False,
            "is_exchange_order": False,
            "is_subscription_order": False,
            "authentication_required": False,
            "order_type": traits.order_type,
            "handling_duration": {"days": str(details.HANDLING_DAYS), "type": "CALENDAR_DAY"},
            "payment": _payment(order),
            "recipient_address": _address(order, traits),
            "line_items": _line_items(order, traits, packages),
        }
    )
    if order.paid_time is not None:
        out["payment_method_name"] = traits.payment.name
    if traits.order_type == "PRE_ORDER":
        out["release_date"] = _unix(details.release_date(order))
    if traits.auto_combine_group_id:
        out["auto_combine_group_id"] = traits.auto_combine_group_id
    program = details.fast_delivery_program(order)
    if program:
        out["fast_delivery_program"] = program
    tag = details.split_or_combine(order)
    if tag:
        out["split_or_combine_tag"] = tag
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


def invoice_fields(order: Order, needs: Callable[[Order], str] | None) -> dict[str, Any]:
    """A Brazilian order's invoice fields (``needs``: what tells its need_upload_invoice, None
    outside Brazil): the buyer's CPF and name once the address shows."""
    if needs is None:
        return {}
    out: dict[str, Any] = {"need_upload_invoice": needs(order)}
    if details.address_visible(order):
        out["cpf"] = invoices.buyer_cpf(order.user_id)
        out["cpf_name"] = order.recipient_address.name
    return out


def order_202507(
    order: Order,
    packages: Mapping[str, Package] = NO_PACKAGES,
    unboxed: Mapping[str, tuple[BlindBoxResult, ...]] | None = None,
) -> dict[str, Any]:
    """202507 adds the payment transaction's method code and card type to the 202309 order, and
    on a line whose blind box the seller opened (Update The Blind Box Opening Results), what it
    revealed: the seller SKU of its (first normal) product and every product with its type."""
    out = order_202309(order, packages)
    for line in out["line_items"]:
        results = (unboxed or {}).get(line["id"])
        if results:
            normal = [r for r in results if r.product_type == "NORMAL"] or list(results)
            line["is_unboxing_item"] = True
            line["unboxing_sku_code"] = normal[0].seller_sku
            line["unboxing_case_list"] = [
                {"unbox_sku": r.seller_sku, "unbox_sku_type": r.product_type} for r in results
            ]
    if order.paid_time is not None:
        method = details.traits(order).payment
        out["payment_method_code"] = method.code
        if method.card_type:
            out["payment_card_type"] = method.card_type
    return out


def _payment(order: Order) -> dict[str, Any]:
    p = order.payment
    out: dict[str, Any] = {name: getattr(p, name) for name in _PAYMENT}
    # No discount, fee or insurance the sandbox's checkout offers: each is zero, so that
    # sub_total = original_total_product_price - seller_discount - platform_discount and
    # total_amount = sub_total + shipping_fee + tax + retail_delivery_fee still hold.
    out.update(
        payment_platform_discount=ZERO,
        payment_discount_service_fee=ZERO,
        shipping_fee_seller_discount=ZERO,
        shipping_fee_platform_discount=ZERO,
        shipping_fee_cofunded_discount=ZERO,
        product_tax=p.tax,
        shipping_fee_tax=ZERO,
        handling_fee=ZERO,
    )
    if details.sales_tax_market(order):
        out.update(retail_delivery_fee=ZERO, item_insurance_fee=ZERO, item_insurance_tax=ZERO)
    return out


def _address(order: Order, traits: details.Traits) -> dict[str, Any]:
    a = order.recipient_address
    if not details.address_visible(order):
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
    state: dict[str, Any] = {"address_level_name": "state", "address_name": a.state, "address_level": "L1"}
    if a.region_code == "US" and len(a.state) == 2 and a.state.isalpha():
        state["iso_code"] = f"US-{a.state.upper()}"
    out: dict[str, Any] = {
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
            {
                "address_level_name": "country",
                "address_name": a.region_code,
                "address_level": "L0",
                "iso_code": a.region_code,
            },
            state,
            {"address_level_name": "city", "address_name": a.city, "address_level": "L3"},
        ],
    }
    if a.region_code == "GB":
        out["post_town"] = a.city
    if traits.drop_off_location:
        out["delivery_preferences"] = {"drop_off_location": traits.drop_off_location}
    return out


def _line_items(
    order: Order, traits: details.Traits, packages: Mapping[str, Package]
) -> list[dict[str, Any]]:
    taxed = details.sales_tax_market(order)
    taxes = details.item_taxes(order)
    rate = details.tax_rate(order)
    return [
        _line_item(order, item, traits, tax if taxed else None, rate, packages)
        for item, tax in zip(order.line_items, taxes, strict=True)
    ]


def _sku_type(traits: details.Traits) -> str:
    return traits.order_type if traits.order_type in ("PRE_ORDER", "MADE_TO_ORDER") else "NORMAL"


def _shipment(order: Order, item: LineItem, packages: Mapping[str, Package]) -> dict[str, Any]:
    """Where a unit is: its package (the order's own, or one of several when it was split), once
    one is arranged."""
    package = packages.get(item.package_id) if len(order.package_ids) > 1 else None
    shown = shown_status(package) if package is not None else package_status(order)
    out: dict[str, Any] = {"package_status": shown}
    if item.package_id:
        out["package_id"] = item.package_id
    if item.tracking_number:
        out["tracking_number"] = item.tracking_number
        out["shipping_provider_id"] = item.shipping_provider_id
        out["shipping_provider_name"] = item.shipping_provider_name
    if item.package_id and order.rts_time is not None:
        out["rts_time"] = _unix(order.rts_time)
    if item.cancel_reason:
        out["cancel_reason"] = item.cancel_reason
    if order.status is OrderStatus.CANCELLED and order.cancellation_initiator is not None:
        out["cancel_user"] = order.cancellation_initiator.value
    return out


def _item_tax(amount: Decimal, rate: str) -> list[dict[str, Any]]:
    return [{"tax_type": "SALES_TAX", "tax_amount": details.money(amount), "tax_rate": rate}]


def _line_item(
    order: Order,
    item: LineItem,
    traits: details.Traits,
    tax: Decimal | None,
    rate: str,
    packages: Mapping[str, Package],
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "sku_id": item.sku_id,
        "product_id": item.product_id,
        "product_name": item.product_name,
        "sku_name": item.sku_name,
        "sku_image": item.sku_image,
        "seller_sku": item.seller_sku,
        "sku_type": _sku_type(traits),
        "original_price": item.original_price,
        "sale_price": item.sale_price,
        "seller_discount": ZERO,
        "platform_discount": ZERO,
        "gift_retail_price": ZERO,
        "currency": item.currency,
        "display_status": order.status.value,
        "is_gift": False,
        "is_dangerous_good": False,
        "needs_prescription": False,
        "is_unboxing_item": False,
        "room_id": traits.room_id,
    }
    out.update(_shipment(order, item, packages))
    if tax is not None:
        out["item_tax"] = _item_tax(tax, rate)
        out["retail_delivery_fee"] = ZERO
    if traits.temporary_listing:
        out["product_listing_type"] = "TEMPORARY_LISTING"
    if traits.order_type == "MADE_TO_ORDER":
        out["handling_duration_days"] = str(details.HANDLING_DAYS)
    pod = details.pod_info_id(item)
    out["is_pod_customized"] = bool(pod)
    if pod:
        out["pod_info_id"] = pod
    parts = details.bundle_parts(item)
    if parts:
        out["combined_listing_skus"] = [
            {"sku_id": p.sku_id, "sku_count": 1, "product_id": p.product_id, "seller_sku": p.seller_sku}
            for p in parts
        ]
        out["sub_item_info"] = _sub_items(order, item, parts, tax, rate, packages)
    return out


def _sub_items(
    order: Order,
    item: LineItem,
    parts: list[details.BundlePart],
    tax: Decimal | None,
    rate: str,
    packages: Mapping[str, Package],
) -> list[dict[str, Any]]:
    shares = [p.share for p in parts]
    sale = details.split(Decimal(item.sale_price), shares)
    original = details.split(Decimal(item.original_price), shares)
    taxes = details.split(tax, shares) if tax is not None else None
    found = []
    for index, part in enumerate(parts):
        sub: dict[str, Any] = {
            "id": details.sub_item_id(item, index),
            "sku_id": part.sku_id,
            "product_id": part.product_id,
            "product_name": part.product_name,
            "sku_name": part.sku_name,
            "sku_image": item.sku_image,
            "seller_sku": part.seller_sku,
            "original_price": details.money(original[index]),
            "sale_price": details.money(sale[index]),
            "seller_discount": ZERO,
            "platform_discount": ZERO,
            "currency": item.currency,
            "display_status": order.status.value,
            "is_dangerous_good": False,
            "warehouse_id": order.warehouse_id,
        }
        sub.update(_shipment(order, item, packages))
        if taxes is not None:
            sub["item_tax"] = _item_tax(taxes[index], rate)
            sub["retail_delivery_fee"] = ZERO
        found.append(sub)
    return found
