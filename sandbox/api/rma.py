"""Return merchandise authorizations (202604): the packages of goods authorized to come back to the
seller, each with its line items and the return request (the SKU return request) behind it."""

from __future__ import annotations

from typing import Any

from sandbox.api import render_returns
from sandbox.api.listing import page_of
from sandbox.domain import rma
from sandbox.domain.orders import Order
from sandbox.http.context import current, json_object

DEFAULT_PAGE_SIZE = 20
_FIELD_SORT = {"CREATE_TIME": "create_time", "UPDATE_TIME": "update_time"}


def sku_return_request(record: Any, order: Order, warehouse_address: str) -> dict[str, Any]:
    """A return in the 202604 SKU return request's names: the 202602 return's fields, with its
    discount, shipping fee and partial refund as single objects."""
    out = render_returns.return_202602(record, order, warehouse_address)
    discount = out.pop("discount_amount", [])
    if discount:
        out["discount"] = {k: v for k, v in discount[0].items() if k != "currency"}
    fees = out.pop("shipping_fee_amount", [])
    if fees:
        fee = fees[0]
        out["shipping_fee"] = {
            "seller_paid_return_shipping_fee_amount": fee["seller_paid_return_shipping_fee"],
            "buyer_paid_return_shipping_fee_amount": fee["buyer_paid_return_shipping_fee"],
            "platform_paid_return_shipping_fee_amount": fee["platform_paid_return_shipping_fee"],
        }
    partial = out.pop("partial_refund", None)
    if partial:
        out["partial_refund_amount"] = {
            "currency": partial["currency"],
            "partial_refund_total": partial["amount"],
        }
    if out.pop("can_buyer_keep_item", False):
        out["buyer_keep_item"] = True
    return out


def _line_items(request: dict[str, Any], record: Any) -> list[dict[str, Any]]:
    """The item units expected in the package: each returned line, or each part of a bundle."""
    found = []
    for line in request["return_line_items"]:
        parts = line.get("return_sub_line_items") or [line]
        for part in parts:
            found.append(
                {
                    "return_line_item_id": line["return_line_item_id"],
                    "sub_return_line_item_id": part.get(
                        "return_sub_line_item_id", line["return_line_item_id"]
                    ),
                    "sku_id": part["sku_id"],
                    "main_order_id": record.order_id,
                    "sku_return_request_id": record.id,
                }
            )
    return found


def _render(world: Any, fields: set[str]) -> Any:
    shop = world.profile.shop
    warehouse = f"{shop.name} warehouse, {shop.name} city, 00001, {shop.region}"

    def render(item: rma.Rma) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": item.id,
            "package_id": item.package_id,
            "aftersales_request_id": item.aftersales_request_id,
            "status": item.status.value,
        }
        if fields:
            request = sku_return_request(item.record, world.orders[item.order_id], warehouse)
            if "LINE_ITEMS" in fields:
                out["line_items"] = _line_items(request, item.record)
            if "SKU_RETURN_REQUESTS" in fields:
                out["sku_return_requests"] = [request]
        return out

    return render


def _filter(filters: dict[str, Any]) -> rma.RmaFilter:
    ids = {
        name: tuple(filters.get(name, ()))
        for name in ("rma_ids", "package_ids", "statuses", "aftersales_request_ids", "main_order_ids")
    }
    for name in ("rma_ids", "package_ids", "aftersales_request_ids"):
        rma.check_ids(name, ids[name])
    times = filters.get("time", {})
    create, update = times.get("create_time", {}), times.get("update_time", {})
    return rma.RmaFilter(
        **ids,
        create_time_ge=create.get("min_unix_time_inclusive"),
        create_time_lt=create.get("max_unix_time_exclusive"),
        update_time_ge=update.get("min_unix_time_inclusive"),
        update_time_lt=update.get("max_unix_time_exclusive"),
    )


def search_return_merchandise_authorizations(body: Any = None, **_: Any) -> dict[str, Any]:
    request = json_object(body)  # locale is accepted: the sandbox answers in English
    where = _filter(request.get("filters", {}))
    sort, pagination = request.get("sort", {}), request.get("pagination", {})
    paging = {
        "page_size": pagination.get("page_size", DEFAULT_PAGE_SIZE),
        "page_token": pagination.get("page_token", ""),
        "sort_field": _FIELD_SORT[sort.get("sort_field", "CREATE_TIME")],
        "sort_order": sort.get("sort_order", "DESC"),
    }
    fields = set(request.get("whitelisted_data_fields", []))
    with current().world.session() as world:
        records = world.return_merchandise_authorizations()
        answer = page_of(
            world, "return_merchandise_authorizations", records, where, _render(world, fields), paging
        )
    if not answer["data"]["return_merchandise_authorizations"]:
        del answer["data"]["return_merchandise_authorizations"]  # omitted when none matches
    return answer
