"""After-sales requests search (return_refund 202603): each return or refund request as the
after-sales request that opened it, with its line items and the return itself as its SKU return
request, rendered as the 202602 returns search renders it, under this version's field names, and
the return merchandise authorization of a return approved for the item to come back."""

from __future__ import annotations

from typing import Any

from sandbox.api.listing import page_of
from sandbox.api.render_aftersales import authorization, line_units, sku_return_request
from sandbox.api.render_returns import of_world_202602
from sandbox.domain import rma
from sandbox.domain.aftersales import ReturnRequest
from sandbox.domain.aftersales_search import (
    DEFAULT_PAGE_SIZE,
    SORT_FIELDS,
    AftersalesFilter,
    request_status,
)
from sandbox.http.context import current, json_object


def _renderer(world: Any, fields: set[str]) -> Any:
    as_202602 = of_world_202602(world)  # the return exactly as the 202602 search renders it

    def render(record: ReturnRequest) -> dict[str, Any]:
        out: dict[str, Any] = {"id": record.id, "status": request_status(record)}
        shown = as_202602(record)
        if "LINE_ITEMS" in fields:
            out["line_items"] = line_units(shown, record)
        if "SKU_RETURN_REQUESTS" in fields:
            out["sku_return_requests"] = [sku_return_request(shown)]
        authorized = rma.of_return(record)
        if "RETURN_MERCHANDISE_AUTHORIZATIONS" in fields and authorized is not None:
            # the RMA with its line items, as rma/search shows it asked for LINE_ITEMS
            out["return_merchandise_authorizations"] = [authorization(authorized, shown, {"LINE_ITEMS"})]
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
