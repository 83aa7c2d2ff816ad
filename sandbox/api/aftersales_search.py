"""After-sales requests search (return_refund 202603): each return or refund request as the
after-sales request that opened it, with its line items and the return itself as its SKU return
request, rendered as the 202602 returns search renders it, under this version's field names."""

from __future__ import annotations

from typing import Any

from sandbox.api.listing import page_of
from sandbox.api.return_refund import _return_202602
from sandbox.domain.aftersales import ReturnRequest
from sandbox.domain.aftersales_search import (
    DEFAULT_PAGE_SIZE,
    SORT_FIELDS,
    AftersalesFilter,
    request_status,
)
from sandbox.http.context import current, json_object


def _sku_return_request(shown: dict[str, Any]) -> dict[str, Any]:
    """A return as the 202602 search shows it, with this version's names: one discount and one
    return shipping fee rather than lists of them, buyer_keep_item, partial_refund_amount."""
    out = dict(shown)
    for discount in out.pop("discount_amount", [])[:1]:
        out["discount"] = {k: v for k, v in discount.items() if k != "currency"}
    for fee in out.pop("shipping_fee_amount", [])[:1]:
        out["shipping_fee"] = {f"{k}_amount": v for k, v in fee.items() if k.endswith("_return_shipping_fee")}
    if "can_buyer_keep_item" in out:
        out["buyer_keep_item"] = out.pop("can_buyer_keep_item")
    # deprecated, still sent: every bundle part of the return's lines, in one list
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


def _renderer(world: Any, fields: set[str]) -> Any:
    as_202602 = _return_202602(world)  # the return exactly as the 202602 search renders it

    def render(record: ReturnRequest) -> dict[str, Any]:
        out: dict[str, Any] = {"id": record.id, "status": request_status(record)}
        shown = as_202602(record)
        if "LINE_ITEMS" in fields:
            out["line_items"] = [
                {
                    "return_line_item_id": line["return_line_item_id"],
                    # a virtual bundle's line: one item per part of it
                    "sub_return_line_item_id": part.get(
                        "return_sub_line_item_id", line["return_line_item_id"]
                    ),
                    "sku_id": part["sku_id"],
                    "main_order_id": record.order_id,
                    "sku_return_request_id": record.id,
                }
                for line in shown["return_line_items"]
                for part in line.get("return_sub_line_items") or [line]
            ]
        if "SKU_RETURN_REQUESTS" in fields:
            out["sku_return_requests"] = [_sku_return_request(shown)]
        # RETURN_MERCHANDISE_AUTHORIZATIONS: the RMAs are served by rma/search
        return out

    return render


def search_aftersales_requests(body: Any = None, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    filters: dict[str, Any] = dict(request.get("filters") or {})
    buyers = list(filters.pop("buyer_ids", None) or [])
    times = filters.pop("time", None) or {}
    for field in ("create_time", "update_time"):
        bounds = times.get(field) or {}
        filters[f"{field}_ge"] = bounds.get("min_unix_time_inclusive")
        filters[f"{field}_lt"] = bounds.get("max_unix_time_exclusive")
    criteria: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()}
    where = AftersalesFilter(**criteria)
    sort = request.get("sort") or {}
    pagination = request.get("pagination") or {}
    paging = dict(
        page_size=pagination.get("page_size", DEFAULT_PAGE_SIZE),
        page_token=pagination.get("page_token", ""),
        sort_field=SORT_FIELDS[sort.get("sort_field", "CREATE_TIME")],
        sort_order=sort.get("sort_order", "DESC"),
    )
    fields = set(request.get("whitelisted_data_fields") or [])
    with current().world.session() as world:
        records = world.aftersales_requests(buyers)
        return page_of(world, "aftersales_requests", records, where, _renderer(world, fields), paging)
