"""Order operations of the Open API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.api import render_orders
from sandbox.api.listing import page_of
from sandbox.domain.codes import Code
from sandbox.domain.orders import Order
from sandbox.domain.search import OrderFilter
from sandbox.http.context import current, json_object
from sandbox.http.envelope import ApiError, success


def search_orders(
    page_size: int,
    body: dict[str, Any] | None = None,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    **_: Any,
) -> dict[str, Any]:
    ctx = current()
    filters = json_object(body)
    filters["warehouse_ids"] = tuple(filters.get("warehouse_ids", ()))
    where = OrderFilter(**filters)
    paging = dict(page_size=page_size, page_token=page_token, sort_field=sort_field, sort_order=sort_order)
    with ctx.world.session() as world:
        # A tenant's world holds one shop: every order in it is the shop's.
        index = world.orders_by_creation()
        packages = world.logistics.packages
        needs = world.invoice_needs()

        def render(order: Order) -> dict[str, Any]:
            out = render_orders.order_202309(order, packages)
            out.update(render_orders.invoice_fields(order, needs))
            return out

        return page_of(world, "orders", index.records, where, render, paging, index)


def _detail(
    ids: list[str], renderer: Callable[..., dict[str, Any]], *, unboxed: bool = False
) -> dict[str, Any]:
    ctx = current()
    with ctx.world.session() as world:
        shop_orders = world.orders
        missing = [i for i in ids if i not in shop_orders]
        if missing:
            raise ApiError(Code.ORDER_NOT_FOUND, f"Order not found: {', '.join(missing)}")
        unique = list(dict.fromkeys(ids))
        needs = world.invoice_needs()
        found = []
        for i in unique:
            order = shop_orders[i]
            if unboxed:
                out = renderer(order, world.logistics.packages, world.blind_box_results(i))
            else:
                out = renderer(order, world.logistics.packages)
            out.update(render_orders.invoice_fields(order, needs))
            found.append(out)
        return success(world.next_request_id(), {"orders": found})


def get_order_detail(ids: list[str], **_: Any) -> dict[str, Any]:
    return _detail(ids, render_orders.order_202309)


def get_order_detail_202507(ids: list[str], **_: Any) -> dict[str, Any]:
    return _detail(ids, render_orders.order_202507, unboxed=True)
