"""The returns-and-refunds answers of the newer versions (cancellations and returns search 202602,
aftersale eligibility 202602) and the return records, in the Open API's field names and formats.

Everything here is worked out from what the world holds: refund breakdowns from the order's
payment (`sandbox/domain/refunds.py`), line items from the order, the return's logistics from its
status and the order's carrier. Values the world keeps nowhere (the IDs of a request's line items,
the buyer's evidence files) are derived from the request's own ID, so they are the same on every
call and in every process.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sandbox.domain import aftersales, cancellations, refunds, request_lines
from sandbox.domain import order_details as details
from sandbox.domain.aftersales import RequestEligibility, RequestType, ReturnRequest
from sandbox.domain.cancellations import Cancellation, CancelStatus
from sandbox.domain.orders import LineItem, Order

# The catalogue's product pictures are square, at the size the platform serves product images.
IMAGE_SIZE = 800
# The buyer's evidence: photos from a phone (portrait) and one short video.
_PHOTO = (1080, 1440)
_VIDEO = (720, 1280)


def _stamp(at: Any) -> int:
    return int(at.timestamp())


def refund_amount(amount: refunds.RefundAmount) -> dict[str, str]:
    return {
        "currency": amount.currency,
        "refund_total": amount.total,
        "refund_subtotal": amount.subtotal,
        "refund_shipping_fee": amount.shipping_fee,
        "refund_tax": amount.tax,
        "retail_delivery_fee": amount.retail_delivery_fee,
        "buyer_service_fee": amount.buyer_service_fee,
    }


def _image(item: LineItem) -> dict[str, Any]:
    return {"url": item.sku_image, "width": IMAGE_SIZE, "height": IMAGE_SIZE}


def _item(item: LineItem) -> dict[str, Any]:
    return {
        "order_line_item_id": item.id,
        "sku_id": item.sku_id,
        "sku_name": item.sku_name,
        "product_name": item.product_name,
        "seller_sku": item.seller_sku,
        "product_image": _image(item),
    }


def _sub_items(
    item: LineItem, amount: refunds.RefundAmount, prefix: str, line_id: str, record_id: str
) -> list[dict[str, Any]]:
    """The parts of a virtual bundle line, as the order's ``sub_item_info`` gives them (IDs, names,
    SKUs), each with its share of the line's refund by its share of the bundle's price."""
    parts = details.bundle_parts(item)
    shares = refunds.shares_of(amount, [part.share for part in parts])
    found = []
    for index, (part, share) in enumerate(zip(parts, shares, strict=True)):
        sub_id = details.sub_item_id(item, index)
        found.append(
            {
                f"{prefix}_sub_line_item_id": request_lines.sub_line_item_id(record_id, sub_id, prefix),
                f"{prefix}_line_item_id": line_id,
                "sub_order_line_item_id": sub_id,
                "order_line_item_id": item.id,
                "sku_id": part.sku_id,
                "sku_name": part.sku_name,
                "product_image": _image(item),
                "product_name": part.product_name,
                "seller_sku": part.seller_sku,
                "refund_amount": refund_amount(share),
            }
        )
    return found


def _line(item: LineItem, amount: refunds.RefundAmount, prefix: str, record_id: str) -> dict[str, Any]:
    """A line item of a cancellation or return (``prefix`` "cancel" or "return"), with its bundle's
    parts when it is one."""
    line_id = request_lines.line_item_id(record_id, item.id, prefix)
    out: dict[str, Any] = {
        f"{prefix}_line_item_id": line_id,
        **_item(item),
        "refund_amount": refund_amount(amount),
    }
    subs = _sub_items(item, amount, prefix, line_id, record_id)
    if subs:
        out[f"{prefix}_sub_line_items"] = subs
    return out


# ----- cancellations ------------------------------------------------------------------------------
def cancellation_refund(
    record: Cancellation, order: Order
) -> tuple[list[LineItem], refunds.RefundAmount, dict[str, refunds.RefundAmount]]:
    """The line items a cancellation covers, its refund and each line item's share: the order's
    payment for a whole order (nothing when never paid), the lines' shares for some line items."""
    items = cancellations.lines_of(record, order)
    if order.paid_time is None:  # never paid: nothing to give back
        overall = refunds.nothing(order.payment.currency)
        return items, overall, {item.id: overall for item in items}
    if record.line_item_ids is None:
        return items, *refunds.whole_order(order.payment, order.line_items)
    ids = [item.id for item in items]
    overall, shares = refunds.of_lines(
        order.payment, order.line_items, ids, cancellations.includes_shipping(record)
    )
    return items, overall, shares


def cancellation_202602(record: Cancellation, order: Order) -> dict[str, Any]:
    items, overall, shares = cancellation_refund(record, order)
    out: dict[str, Any] = {
        "cancel_id": record.id,
        "order_id": record.order_id,
        "cancel_type": cancellations.CANCEL_TYPE_202602[record.initiator],
        "cancel_status": record.status.value,
        "role": record.initiator.value,
        "cancel_reason": record.reason,
        "cancel_reason_text": cancellations.reason_text(record.reason),
        "create_time": _stamp(record.create_time),
        "update_time": _stamp(record.update_time),
        "refund_amount": refund_amount(overall),
        "cancel_line_items": [_line(item, shares[item.id], "cancel", record.id) for item in items],
        "should_replenish_stock": cancellations.should_replenish_stock(order),
    }
    if record.status is CancelStatus.PENDING and record.response_due is not None:
        out["seller_next_action_response"] = [
            {"action": cancellations.SELLER_RESPOND_BUYER_CANCEL, "deadline": _stamp(record.response_due)}
        ]
    return out


# ----- returns ------------------------------------------------------------------------------------
def _return_logistics(
    record: ReturnRequest, order: Order, warehouse_address: str, carriers: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """How an approved return travels back: on the platform's prepaid label, handed to the carrier
    that delivered the order (dropped off or picked up, the buyer's choice, fixed per return); or
    on the label the seller gave (one of the shop's ``carriers``)."""
    pickup = random.Random(f"{record.id}:handover").random() < 0.3
    out: dict[str, Any] = {
        "return_method": "PLATFORM_SHIPPED",
        "shipment_type": "PLATFORM",
        "handover_method": "PICKUP" if pickup else "DROP_OFF",
        "return_shipping_document_type": "SHIPPING_LABEL" if pickup else "QR_CODE",
        "return_warehouse_address": {"full_address": warehouse_address},
    }
    if record.return_provider_id:  # the seller's own label (202405 shipping_documents)
        del out["shipment_type"], out["handover_method"]
        out["return_method"] = "SELLER_SHIPPED"
        if record.return_document_type:
            out["return_shipping_document_type"] = record.return_document_type
        else:
            del out["return_shipping_document_type"]
    if record.return_tracking_number:
        out["return_tracking_number"] = record.return_tracking_number
        out["return_provider_name"] = order.shipping_provider
        out["return_provider_id"] = order.shipping_provider_id
        if record.return_provider_id:
            out["return_provider_id"] = record.return_provider_id
            out["return_provider_name"] = dict(carriers).get(record.return_provider_id, "")
    fee = aftersales.RETURN_LABEL_FEE.get(record.currency, "0.00")
    seller_pays = aftersales.seller_at_fault(record.reason)
    out["shipping_fee_amount"] = [
        {
            "currency": record.currency,
            "seller_paid_return_shipping_fee": fee if seller_pays else refunds.ZERO,
            "platform_paid_return_shipping_fee": refunds.ZERO if seller_pays else fee,
            "buyer_paid_return_shipping_fee": refunds.ZERO,
        }
    ]
    return out


def return_refund(
    record: ReturnRequest, order: Order
) -> tuple[list[LineItem], refunds.RefundAmount, dict[str, refunds.RefundAmount]]:
    """The line items a return covers, its refund and each line item's share: of the whole order,
    or of some line items (`refunds.of_lines`); a lower refund (a partial refund the buyer
    accepted, a seller's own) shares its amount in proportion."""
    items = [item for item in order.line_items if item.id in record.line_item_ids]
    if len(items) == len(order.line_items):
        if record.refund_total != order.payment.total_amount:  # a partial refund the buyer accepted
            return items, *refunds.partial(order.payment, items, record.refund_total)
        return items, *refunds.whole_order(order.payment, items, record.refund_total)
    ids = [item.id for item in items]
    overall, shares = refunds.of_lines(order.payment, order.line_items, ids, record.includes_shipping)
    if record.refund_total != overall.total:
        overall, shares = refunds.scaled(overall, shares, record.refund_total)
    return items, overall, shares


def return_202602(
    record: ReturnRequest, order: Order, warehouse_address: str, carriers: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    items, overall, shares = return_refund(record, order)
    out: dict[str, Any] = {
        "return_id": record.id,
        "order_id": record.order_id,
        "return_type": record.type.value,
        "return_status": record.status.value,
        "role": record.role.value,
        "return_reason": aftersales.reason_name(record.reason),
        "return_reason_text": record.reason,
        "create_time": _stamp(record.create_time),
        "update_time": _stamp(record.update_time),
        "refund_amount": refund_amount(overall),
        "return_line_items": [_line(item, shares[item.id], "return", record.id) for item in items],
        "discount_amount": [
            {
                "currency": order.payment.currency,
                "product_seller_discount": order.payment.seller_discount,
                "product_platform_discount": order.payment.platform_discount,
                "shipping_fee_seller_discount": refunds.ZERO,
                "shipping_fee_platform_discount": refunds.ZERO,
            }
        ],
        "is_combined_return": False,
        "is_quick_refund": False,
    }
    if record.buyer_keeps_item:
        out["can_buyer_keep_item"] = True
    if record.pre_return_id:
        out["pre_return_id"] = record.pre_return_id
    if record.next_return_id:
        out["next_return_id"] = record.next_return_id
    if record.partial_refund_amount:
        out["seller_proposed_return_type"] = "PARTIAL_REFUND"
        out["partial_refund"] = {"currency": record.currency, "amount": record.partial_refund_amount}
        out["buyer_rejected_partial_refund"] = record.buyer_rejected_partial_refund
    action = aftersales.seller_next_action(record)
    if action is not None:
        kind, due = action
        out["seller_next_action_response"] = [
            {"action": kind.value, **({"deadline": _stamp(due)} if due is not None else {})}
        ]
    if aftersales.ships_back(record):
        out.update(_return_logistics(record, order, warehouse_address, carriers))
    return out


def _evidence(record: ReturnRequest) -> dict[str, Any]:
    """The photos and the video a buyer shows with a request that blames the item."""
    if not aftersales.seller_at_fault(record.reason):
        return {}
    base = f"https://p16-oec-sandbox.local/return/{record.id}"
    duration = random.Random(f"{record.id}:video").randrange(6_000, 30_000)
    return {
        "images": [
            {"url": f"{base}/photo-{n}.jpeg", "width": _PHOTO[0], "height": _PHOTO[1]} for n in (1, 2)
        ],
        "videos": [
            {
                "url": f"https://v16-oec-sandbox.local/return/{record.id}/video.mp4",
                "cover": f"{base}/video-cover.jpeg",
                "width": _VIDEO[0],
                "height": _VIDEO[1],
                "duration_millis": duration,
            }
        ],
    }


def return_records(record: ReturnRequest) -> list[dict[str, Any]]:
    """The request's timeline, oldest first: the buyer's reason (and evidence) on the request, the
    seller's reason and comment on a rejection."""
    reject_text = {r.name: r.text for stage in aftersales.REJECT_REASONS.values() for r in stage}
    lines = []
    for r in record.records:
        line: dict[str, Any] = {
            "event": r.event,
            "description": r.description,
            "role": r.role.value,
            "create_time": _stamp(r.at),
        }
        if r.event == "BUYER_REQUESTED":
            line.update(reason_text=record.reason, note=record.reason, **_evidence(record))
        elif r.event in ("REQUEST_REJECTED", "PACKAGE_REJECTED") and record.reject_reason:
            line["reason_text"] = reject_text.get(record.reject_reason, record.reject_reason)
            if record.reject_comment:
                line["note"] = record.reject_comment
        lines.append(line)
    return lines


# ----- aftersale eligibility ----------------------------------------------------------------------
def _order_lines(item: LineItem) -> list[dict[str, str]]:
    """A line item as a request names it: once, or once per part of a virtual bundle (each part's
    sub line item ID, "required for bundle products")."""
    count = len(details.bundle_parts(item))
    if not count:
        return [{"order_line_item_id": item.id}]
    return [
        {"order_line_item_id": item.id, "sub_order_line_item_id": details.sub_item_id(item, index)}
        for index in range(count)
    ]


def eligibility_202602(order: Order, verdicts: dict[RequestType, RequestEligibility]) -> dict[str, Any]:
    """Per SKU of the order, per request type: its line items and whether they may be asked for."""
    by_sku: dict[str, list[LineItem]] = {}
    for item in order.line_items:
        by_sku.setdefault(item.sku_id, []).append(item)
    skus = []
    for sku_id, items in by_sku.items():
        entries = []
        for kind, verdict in verdicts.items():
            ids = [item.id for item in items]
            entry: dict[str, Any] = {
                "request_type": kind.value,
                "order_line_items_ids": ids,
                "order_line_list": [line for item in items for line in _order_lines(item)],
                "eligible": verdict.eligible,
            }
            if verdict.eligible:
                entry["available_reason_names"] = list(verdict.reason_names)
            else:
                entry["ineligible_code"] = verdict.code
                entry["ineligible_reason"] = verdict.reason
            entries.append(entry)
        skus.append({"sku_id": sku_id, "line_item_eligibility": entries})
    return {"sku_eligibility": skus}


def of_world_202602(world: Any) -> Any:
    """Render a return of the world exactly as the 202602 returns search does."""
    shop = world.profile.shop
    warehouse = f"{shop.name} warehouse, {shop.name} city, 00001, {shop.region}"
    carriers = world.logistics.carriers
    return lambda r: return_202602(r, world.orders[r.order_id], warehouse, carriers)
