"""The after-sales request's parts as the 202603 and 202604 searches show them: the return as its
SKU return request, the item units of its line items, and its return merchandise authorization.

Both searches render a return as the 202602 returns search does (`render_returns.of_world_202602`),
then rename what these versions name differently, so the three never disagree about a return."""

from __future__ import annotations

from typing import Any

from sandbox.domain import rma
from sandbox.domain.aftersales import ReturnRequest

RMA_FIELDS = ("id", "package_id", "aftersales_request_id", "status")


def sku_return_request(shown: dict[str, Any]) -> dict[str, Any]:
    """A return as the 202602 search shows it, in these versions' names: one discount and one
    return shipping fee rather than lists of them, buyer_keep_item, partial_refund_amount, and
    every bundle part of the return's lines in one list (deprecated, still sent)."""
    out = dict(shown)
    for discount in out.pop("discount_amount", [])[:1]:
        out["discount"] = {k: v for k, v in discount.items() if k != "currency"}
    for fee in out.pop("shipping_fee_amount", [])[:1]:
        out["shipping_fee"] = {f"{k}_amount": v for k, v in fee.items() if k.endswith("_return_shipping_fee")}
    out["buyer_keep_item"] = out.pop("can_buyer_keep_item", False)
    parts = [part for line in out["return_line_items"] for part in line.get("return_sub_line_items") or []]
    if parts:
        out["return_sub_line_items"] = parts
    offer = out.pop("partial_refund", None)
    if offer is not None:
        out["partial_refund_amount"] = {
            "currency": offer["currency"],
            "partial_refund_total": offer["amount"],
        }
    return out


def line_units(shown: dict[str, Any], record: ReturnRequest) -> list[dict[str, Any]]:
    """The item units a return covers: each returned line, or each part of a virtual bundle's."""
    return [
        {
            "return_line_item_id": line["return_line_item_id"],
            "sub_return_line_item_id": part.get("return_sub_line_item_id", line["return_line_item_id"]),
            "sku_id": part["sku_id"],
            "main_order_id": record.order_id,
            "sku_return_request_id": record.id,
        }
        for line in shown["return_line_items"]
        for part in line.get("return_sub_line_items") or [line]
    ]


def authorization(item: rma.Rma, shown: dict[str, Any] | None, fields: set[str]) -> dict[str, Any]:
    """An RMA; with its line items and its SKU return request when those are whitelisted (``shown``
    is its return as the 202602 search shows it, needed only then)."""
    out: dict[str, Any] = {
        "id": item.id,
        "package_id": item.package_id,
        "aftersales_request_id": item.aftersales_request_id,
        "status": item.status.value,
    }
    if shown is not None:
        if "LINE_ITEMS" in fields:
            out["line_items"] = line_units(shown, item.record)
        if "SKU_RETURN_REQUESTS" in fields:
            out["sku_return_requests"] = [sku_return_request(shown)]
    return out
