"""Fulfillment operations of the Open API: packages, shipping, documents, tracking, delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sandbox import links
from sandbox.api import render
from sandbox.api.listing import page_of
from sandbox.documents import document_link
from sandbox.domain import packages
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import Order
from sandbox.domain.packages import HandoverMethod, Package
from sandbox.domain.search import PackageFilter
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success
from sandbox.logistics import seller_delivers
from sandbox.uploads import proof_of_delivery
from sandbox.world import World

FILES_PATH = "/sandbox/files/"


def _order(world: World, order_id: str) -> Order:
    order = world.orders.get(order_id)
    if order is None:
        raise RuleViolation(f"order {order_id} not found in this shop", code=Code.ORDER_NOT_IN_SHOP)
    return order


def _slot(body: dict[str, Any]) -> tuple[datetime, datetime] | None:
    slot = body.get("pickup_slot")
    if not slot:
        return None
    return (datetime.fromtimestamp(slot["start_time"], UTC), datetime.fromtimestamp(slot["end_time"], UTC))


def _ship(world: World, package: Package, body: dict[str, Any]) -> None:
    own = body.get("self_shipment") or {}
    handover = HandoverMethod(body["handover_method"]) if body.get("handover_method") else None
    world.apply(
        world.logistics.ship(
            package,
            world.now(),
            handover=handover,
            slot=_slot(body),
            tracking_number=own.get("tracking_number", ""),
            provider_id=own.get("shipping_provider_id", ""),
        )
    )


def get_package_detail(package_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        package = world.logistics.package(package_id)
        return success(
            world.next_request_id(), render.package_202309(package, world.orders[package.order_id])
        )


def search_packages(
    page_size: int,
    body: Any = None,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    **_: Any,
) -> dict[str, Any]:
    where = PackageFilter(**json_object(body))
    paging = dict(page_size=page_size, page_token=page_token, sort_field=sort_field, sort_order=sort_order)
    with current().world.session() as world:
        packages = world.logistics.packages.values()
        return page_of(world, "packages", packages, where, render.package_summary, paging)


def get_handover_time_slots(package_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        package = world.logistics.package(package_id)
        slots = world.logistics.handover_time_slots(package, world.now())
        return success(
            world.next_request_id(),
            {
                "can_pickup": True,
                "can_drop_off": True,
                "pickup_slots": [
                    {"start_time": int(s.timestamp()), "end_time": int(e.timestamp()), "available": True}
                    for s, e in slots
                ],
            },
        )


def ship_package(package_id: str, body: Any = None, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        _ship(world, world.logistics.package(package_id), json_object(body))
        return success(world.next_request_id(), {})


def batch_ship_packages(body: Any, **_: Any) -> dict[str, Any]:
    requests = json_object(body).get("packages", [])
    with current().world.session() as world:
        found = [world.logistics.packages.get(r["id"]) for r in requests]
        packages.check_one_logistics_type(p for p in found if p is not None)
        errors = []
        for request, package in zip(requests, found, strict=True):
            try:
                if package is None:
                    raise RuleViolation(
                        f"package {request['id']} not found in this shop", code=Code.PACKAGE_NOT_FOUND
                    )
                _ship(world, package, request)
            except RuleViolation as exc:
                errors.append(
                    {"code": exc.code, "message": exc.message, "detail": {"package_id": request["id"]}}
                )
        return success(world.next_request_id(), {"errors": errors})


def get_shipping_document(
    package_id: str, document_type: str, document_size: str = "A6", **_: Any
) -> dict[str, Any]:
    ctx = current()
    with ctx.world.session() as world:
        package = world.logistics.package(package_id)
        world.logistics.check_document_available(package)
        url = document_link(ctx.base_url, ctx.tenant, package.id, document_type, document_size, world.now())
        return success(world.next_request_id(), {"doc_url": url, "tracking_number": package.tracking_number})


def mark_package_shipped(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        order = _order(world, order_id)
        package = world.logistics.mark_shipped(
            order,
            request.get("order_line_item_ids", []),
            request["tracking_number"],
            request["shipping_provider_id"],
            world.now(),
        )
        return success(
            world.next_request_id(),
            {
                "order_id": order.id,
                "package_id": package.id,
                "order_line_item_ids": [item.id for item in order.line_items],
            },
        )


def update_package_shipping_info(package_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        package = world.logistics.package(package_id)
        world.apply(
            world.logistics.update_shipping_info(
                package, request["tracking_number"], request["shipping_provider_id"], world.now()
            )
        )
        return success(world.next_request_id(), {})


def update_order_shipping_info(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        package = world.logistics.package_of(_order(world, order_id))
        if package is None:
            raise RuleViolation(f"order {order_id} has no package yet", code=Code.SHIPPING_INFO_NOT_UPDATABLE)
        world.apply(
            world.logistics.update_shipping_info(
                package, request["tracking_number"], request["shipping_provider_id"], world.now()
            )
        )
        return success(world.next_request_id(), {})


def get_order_tracking(order_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        events = world.logistics.tracking_of(_order(world, order_id))
        return success(world.next_request_id(), render.tracking(events))


def deliver_packages(body: Any, **_: Any) -> dict[str, Any]:
    reports = json_object(body).get("packages", [])
    with current().world.session() as world:
        errors = []
        for report in reports:
            try:
                package = world.logistics.package(report["id"])
                if report.get("file_url"):
                    proof_of_delivery(
                        world.uploads, _upload_id(report["file_url"]), report.get("file_type", "")
                    )
                world.apply(
                    seller_delivers(
                        world.logistics,
                        package,
                        report["delivery_type"],
                        report.get("file_url", ""),
                        report.get("fail_delivery_reason", ""),
                        world.now(),
                    )
                )
            except RuleViolation as exc:
                errors.append(
                    {"code": exc.code, "message": exc.message, "detail": {"package_id": report["id"]}}
                )
        return success(world.next_request_id(), {"errors": errors})


# Later versions of the same operations: same behaviour, same shapes in the sandbox.
mark_package_shipped_202610 = mark_package_shipped
update_package_shipping_info_202610 = update_package_shipping_info
get_order_tracking_202604 = get_order_tracking


def _file_url(base_url: str, upload_id: str) -> str:
    tenant = current().tenant
    assert tenant is not None
    return f"{base_url}{FILES_PATH}{links.sign(tenant.app_key, tenant.app_secret, [upload_id])}"


def _read_upload(data: Any) -> bytes:
    read = getattr(data, "read", None)
    return bytes(read()) if read else bytes(data or b"")


def upload_image(data: Any = None, **_: Any) -> dict[str, Any]:
    ctx = current()
    content = _read_upload(data)
    with ctx.world.session() as world:
        upload = world.uploads.add_image(content, world.now())
        return success(
            world.next_request_id(),
            {
                "url": _file_url(ctx.base_url, upload.id),
                "width": upload.width,
                "height": upload.height,
            },
        )


def upload_file(data: Any = None, name: str = "", **_: Any) -> dict[str, Any]:
    ctx = current()
    content = _read_upload(data)
    with ctx.world.session() as world:
        upload = world.uploads.add_file(content, name or getattr(data, "filename", "") or "", world.now())
        return success(
            world.next_request_id(),
            {
                "url": _file_url(ctx.base_url, upload.id),
                "id": upload.id,
                "name": upload.name,
                "format": "PDF",
            },
        )


def _grams(weight: dict[str, Any]) -> int:
    value = float(weight["value"])
    return max(1, round(value * {"GRAM": 1, "KILOGRAM": 1000, "POUND": 453.592}[weight.get("unit", "GRAM")]))


def _centimetres(dimension: dict[str, Any]) -> tuple[int, int, int]:
    factor = 2.54 if dimension.get("unit") == "INCH" else 1.0
    sides = tuple(max(1, round(float(dimension[k]) * factor)) for k in ("length", "width", "height"))
    return sides[0], sides[1], sides[2]


def query_shipping_services(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        _order(world, order_id)
        services = world.logistics.shipping_services(_grams(request["weight"]))
        return success(
            world.next_request_id(),
            {
                "shipping_services": [
                    {
                        "id": s.id,
                        "name": s.name,
                        "price": s.price,
                        "currency": world.stock.market.currency,
                        "shipping_provider_id": s.provider.id,
                        "shipping_provider_name": s.provider.name,
                        "earliest_delivery_days": s.delivery_days[0],
                        "latest_delivery_days": s.delivery_days[1],
                        "is_default": i == 0,
                    }
                    for i, s in enumerate(services)
                ]
            },
        )


def create_package_202512(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        order = _order(world, request["order_id"])
        package = world.logistics.package_of(order)
        if package is None:
            raise RuleViolation(
                f"order {order.id} is {order.status.value}: it has no package to label",
                code=Code.ORDER_NOT_SHIPPABLE,
            )
        world.apply(
            world.logistics.create_label(
                package,
                request["shipping_service_id"],
                _grams(request["weight"]),
                _centimetres(request["dimension"]),
                world.now(),
            )
        )
        return success(
            world.next_request_id(),
            {
                "package_id": package.id,
                "order_id": order.id,
                "tracking_number": package.tracking_number,
                "shipping_provider_id": package.shipping_provider_id,
                "shipping_provider_name": package.shipping_provider_name,
            },
        )


def _upload_id(url: str) -> str | None:
    """The upload a file link of this tenant points to, if it is one."""
    tenant = current().tenant
    token = urlsplit(url).path.rpartition(FILES_PATH)[2]
    if tenant is None or not token:
        return None
    try:
        _, fields = links.read(token, lambda key: tenant.app_secret if key == tenant.app_key else None)
    except links.BadLink:
        return None
    return str(fields[0]) if fields else None
