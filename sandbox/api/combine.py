"""Combining orders to one buyer into one package (fulfillment 202309): which can be, combining
them, and taking orders out again."""

from __future__ import annotations

from typing import Any

from sandbox.api.fulfillment import batch_errors
from sandbox.api.listing import page_of
from sandbox.domain.orders import Order
from sandbox.domain.packages import Package
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def _package(package: Package, orders: list[Order]) -> dict[str, Any]:
    return {"id": package.id, "order_ids": [o.id for o in orders]}


class _Every:
    def matches(self, item: Any) -> bool:
        return True


def search_combinable_packages(page_size: int, page_token: str = "", **_: Any) -> dict[str, Any]:
    paging = dict(page_size=page_size, page_token=page_token, sort_order="ASC")
    with current().world.session() as world:
        groups = {package.id: orders for package, orders in world.combinable_packages()}
        records = [world.logistics.package(package_id) for package_id in groups]

        def render(package: Package) -> dict[str, Any]:
            return _package(package, groups[package.id])

        return page_of(world, "combinable_packages", records, _Every(), render, paging)


def combine_package(body: Any, **_: Any) -> dict[str, Any]:
    requests = [(p["id"], list(p.get("order_ids") or [])) for p in json_object(body)["combinable_packages"]]
    with current().world.session() as world:
        combined, refused = world.combine_packages(requests)
        answer: dict[str, Any] = {"packages": [_package(p, orders) for p, orders in combined]}
        if refused:
            answer["errors"] = batch_errors(refused)
        return success(world.next_request_id(), answer)


def uncombine_packages(package_id: str, body: Any = None, **_: Any) -> dict[str, Any]:
    order_ids = list((json_object(body) if body else {}).get("order_ids") or [])
    with current().world.session() as world:
        left = world.uncombine_package(package_id, order_ids)
        return success(world.next_request_id(), {"packages": [_package(p, orders) for p, orders in left]})
