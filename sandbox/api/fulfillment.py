"""Fulfillment operations of the Open API: packages, shipping, documents, tracking, delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sandbox import fakes, links
from sandbox.api import render_fulfillment
from sandbox.api.listing import page_of
from sandbox.documents import document_link
from sandbox.domain.events import RuleViolation
from sandbox.domain.packages import HandoverMethod, line_items_named
from sandbox.domain.search import PackageFilter
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success
from sandbox.world import DeliveryReport, ShipRequest

FILES_PATH = "/sandbox/files/"


def _slot(body: dict[str, Any]) -> tuple[datetime, datetime] | None:
    slot = body.get("pickup_slot")
    if not slot:
        return None
    return (datetime.fromtimestamp(slot["start_time"], UTC), datetime.fromtimestamp(slot["end_time"], UTC))


def _ship_request(package_id: str, body: dict[str, Any]) -> ShipRequest:
    own = body.get("self_shipment") or {}
    return ShipRequest(
        package_id,
        handover=HandoverMethod(body["handover_method"]) if body.get("handover_method") else None,
        slot=_slot(body),
        tracking_number=own.get("tracking_number", ""),
        provider_id=own.get("shipping_provider_id", ""),
    )


def batch_errors(refused: list[tuple[str, RuleViolation]]) -> list[dict[str, Any]]:
    return [
        {"code": exc.code, "message": exc.message, "detail": {"package_id": package_id}}
        for package_id, exc in refused
    ]


def get_package_detail(package_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        package = world.logistics.package(package_id)
        shop = world.profile.shop
        warehouse = fakes.warehouse(shop.warehouse_id, shop.name, shop.region)
        detail = render_fulfillment.package_detail(package, world.orders[package.order_id], warehouse)
        return success(world.next_request_id(), detail)


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
        orders = world.orders

        def summary(package: Any) -> dict[str, Any]:
            return render_fulfillment.package_summary(package, orders[package.order_id])

        return page_of(world, "packages", packages, where, summary, paging)


def get_handover_time_slots(package_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        slots = world.handover_time_slots(package_id)
        return success(
            world.next_request_id(),
            {
                "can_pickup": True,
                "can_drop_off": True,
                "can_van_collection": False,
                # "avaliable": the platform's own spelling of the field.
                "pickup_slots": [
                    {"start_time": int(s.timestamp()), "end_time": int(e.timestamp()), "avaliable": True}
                    for s, e in slots
                ],
            },
        )


def ship_package(package_id: str, body: Any = None, **_: Any) -> dict[str, Any]:
    request = _ship_request(package_id, json_object(body))
    with current().world.session() as world:
        world.ship_package(
            request.package_id,
            handover=request.handover,
            slot=request.slot,
            tracking_number=request.tracking_number,
            provider_id=request.provider_id,
        )
        return success(world.next_request_id(), {})


def batch_ship_packages(body: Any, **_: Any) -> dict[str, Any]:
    requests = [_ship_request(r["id"], r) for r in json_object(body).get("packages", [])]
    with current().world.session() as world:
        refused = world.batch_ship_packages(requests)
        return success(world.next_request_id(), {"errors": batch_errors(refused)})


def get_shipping_document(
    package_id: str, document_type: str, document_size: str = "A6", **_: Any
) -> dict[str, Any]:
    # document_format (PDF or ZPL) and shipping_period are accepted: the documents are PDFs.
    ctx = current()
    with ctx.world.session() as world:
        package = world.logistics.package(package_id)
        world.logistics.check_document_available(package)
        url = document_link(ctx.base_url, ctx.tenant, package.id, document_type, document_size, world.now())
        return success(world.next_request_id(), {"doc_url": url, "tracking_number": package.tracking_number})


def mark_package_shipped(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        order, package = world.mark_package_shipped(
            order_id,
            request.get("order_line_item_ids", []),
            request["tracking_number"],
            request["shipping_provider_id"],
        )
        return success(
            world.next_request_id(),
            {
                "order_id": order.id,
                "package_id": package.id,
                "order_line_item_ids": [i.id for i in order.line_items if i.package_id == package.id],
            },
        )


def update_package_shipping_info(package_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        world.update_package_shipping_info(
            package_id, request["tracking_number"], request["shipping_provider_id"]
        )
        return success(world.next_request_id(), {})


def update_order_shipping_info(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        world.update_order_shipping_info(
            order_id, request["tracking_number"], request["shipping_provider_id"]
        )
        return success(world.next_request_id(), {})


def get_order_tracking(order_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        events = world.logistics.tracking_of(world.order_in_shop(order_id))
        return success(world.next_request_id(), render_fulfillment.tracking(events))


def deliver_packages(body: Any, **_: Any) -> dict[str, Any]:
    reports = [
        DeliveryReport(
            r["id"],
            r["delivery_type"],
            file_url=r.get("file_url", ""),
            file_type=r.get("file_type", ""),
            fail_reason=r.get("fail_delivery_reason", ""),
            upload_id=_upload_id(r["file_url"]) if r.get("file_url") else None,
        )
        for r in json_object(body).get("packages", [])
    ]
    with current().world.session() as world:
        refused = world.deliver_packages(reports)
        return success(world.next_request_id(), {"errors": batch_errors(refused)})


# Later versions of the same operations: the same behaviour, in each version's own shapes.
def mark_package_shipped_202610(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    [shipping] = request["shipping_info_list"]  # the spec allows one
    lines = [line["order_line_id"] for line in request.get("order_line_list", [])]
    with current().world.session() as world:
        order, package = world.mark_package_shipped(
            order_id, lines, shipping["tracking_number"], shipping["shipping_provider_id"]
        )
        return success(world.next_request_id(), render_fulfillment.marked_shipped_202610(order, package))


def update_package_shipping_info_202610(package_id: str, body: Any, **_: Any) -> dict[str, Any]:
    [shipping] = json_object(body)["shipping_info_list"]  # the spec allows one
    with current().world.session() as world:
        world.update_package_shipping_info(
            package_id, shipping["tracking_number"], shipping["shipping_provider_id"]
        )
        return success(world.next_request_id(), {})


def get_order_tracking_202604(order_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        order = world.order_in_shop(order_id)
        parcel = world.logistics.parcel_of(order)
        answer = render_fulfillment.logistics_tracking_202604(order.id, parcel)
        return success(world.next_request_id(), answer)


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
            {"url": _file_url(ctx.base_url, upload.id), "name": upload.name},
        )


def _grams(weight: dict[str, Any]) -> int:
    value = float(weight["value"])
    return max(1, round(value * {"GRAM": 1, "KILOGRAM": 1000, "POUND": 453.592}[weight.get("unit", "GRAM")]))


def _centimetres(dimension: dict[str, Any]) -> tuple[int, int, int]:
    factor = 2.54 if dimension.get("unit") == "INCH" else 1.0
    sides = tuple(max(1, round(float(dimension[k]) * factor)) for k in ("length", "width", "height"))
    return sides[0], sides[1], sides[2]


def _grams_given(request: dict[str, Any]) -> int | None:
    return _grams(request["weight"]) if "weight" in request else None


def _centimetres_given(request: dict[str, Any]) -> tuple[int, int, int] | None:
    return _centimetres(request["dimension"]) if "dimension" in request else None


def query_shipping_services(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    named = list(request.get("order_line_item_ids", []))
    named += [line["order_line_id"] for line in request.get("order_line_list", [])]
    with current().world.session() as world:
        order = world.order_in_shop(order_id)
        line_item_ids = line_items_named(order, named)
        services = world.logistics.shipping_services(_grams(request["weight"]))
        return success(
            world.next_request_id(),
            render_fulfillment.shipping_services(
                order,
                line_item_ids,
                request["weight"],
                request["dimension"],
                services,
                world.stock.market.currency,
            ),
        )


def create_package_202512(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        _order, package, service = world.create_package_label(
            request.get("order_id", ""),
            request.get("shipping_service_id", ""),
            _grams_given(request),
            _centimetres_given(request),
            ship_type=request["ship_type"],
            line_item_ids=tuple(line["order_line_id"] for line in request.get("order_line_item") or []),
            order_ids=tuple(request.get("order_list_ids") or []),
        )
        return success(
            world.next_request_id(),
            render_fulfillment.created_package_202512(package, service, world.stock.market.currency),
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
