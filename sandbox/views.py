"""Read models shared by the control plane, the Seller Center surface and the web page: the
order lists with their tabs, filters and to-do counters, the Failed Delivery list, the CSV export,
tickets and one order's whole story. Called under the world's lock; nothing here changes a world."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sandbox.domain import manage_orders, packages, tickets
from sandbox.domain.events import RuleViolation
from sandbox.domain.manage_orders import (
    RETURN_STATUS_LABELS,
    TAB_LABELS,
    Fulfillment,
    OrderListFilter,
    Row,
    Tab,
    ToDo,
)
from sandbox.domain.orders import Order
from sandbox.domain.packages import Package
from sandbox.domain.returns import ReturnStatus
from sandbox.domain.tickets import Ticket
from sandbox.durations import iso
from sandbox.http.envelope import ControlError, instant_param
from sandbox.http.paths import SELLER_CENTER_PREFIX
from sandbox.world import World


def order_rows(world: World) -> list[Row]:
    return world.order_rows()


def _filter(params: dict[str, Any]) -> OrderListFilter:
    try:
        terms = manage_orders.search_terms(params.get("search") or "")
    except RuleViolation as exc:
        raise ControlError(400, "invalid_search", exc.message) from exc
    where = OrderListFilter(
        tab=Tab(params["tab"]) if params.get("tab") else None,
        search=terms,
        fulfillment=Fulfillment(params["fulfillment"]) if params.get("fulfillment") else None,
        return_statuses={ReturnStatus(s) for s in params.get("return_status") or ()},
        returned_from=instant_param(params.get("time_returned_from"), "time_returned_from"),
        returned_to=instant_param(params.get("time_returned_to"), "time_returned_to"),
        todo=ToDo(params["todo"]) if params.get("todo") else None,
        created_from=instant_param(params.get("created_from"), "created_from"),
        created_to=instant_param(params.get("created_to"), "created_to"),
        ticket_status=params.get("logistics_ticket_status"),
    )
    for low, high, name in (
        (where.returned_from, where.returned_to, "time_returned"),
        (where.created_from, where.created_to, "created"),
    ):
        if low is not None and high is not None and high <= low:
            raise ControlError(400, "invalid_range", f"{name}_to must be after {name}_from")
    return where


def _matching(world: World, params: dict[str, Any]) -> tuple[list[Row], list[Row]]:
    """All rows, and the filtered ones in the chosen order."""
    where = _filter(params)
    now = world.now()
    rows = order_rows(world)
    matched = [row for row in rows if where.matches(row, now)]
    descending = params.get("sort_order", "DESC") == "DESC"
    return rows, manage_orders.sorted_rows(matched, params.get("sort_by", "create_time"), descending)


# A page listed by the tab, the to-do and the return statuses alone, in the default order (by
# creation time), is walked without reading every order; any of these filters, or another sort,
# reads every order's row.
_READ_EVERY_ROW = (
    "search",
    "fulfillment",
    "time_returned_from",
    "time_returned_to",
    "created_from",
    "created_to",
    "logistics_ticket_status",
)


def _listed(world: World, params: dict[str, Any]) -> tuple[int, Iterator[Order]] | None:
    """How many orders the filter lists and those orders in the page's order, walked lazily, when
    the filter allows it (None otherwise)."""
    where = _filter(params)  # every parameter checked, whichever way the page is listed
    if any(params.get(k) for k in _READ_EVERY_ROW) or params.get("sort_by", "create_time") != "create_time":
        return None
    descending = params.get("sort_order", "DESC") == "DESC"
    return world.listed_orders(where.tab, where.todo, descending, frozenset(where.return_statuses))


def _listed_rows(world: World, params: dict[str, Any], page: int, page_size: int) -> tuple[int, list[Row]]:
    """How many orders the filter lists, and the rows of one page of them."""
    listed = _listed(world, params)
    if listed is None:
        _, matched = _matching(world, params)
        return len(matched), _page(matched, page, page_size)
    total, walked = listed
    chosen = list(itertools.islice(walked, (page - 1) * page_size, page * page_size))
    return total, world.order_rows(chosen)


def _when(instant: datetime | None) -> str | None:
    return iso(instant) if instant is not None else None


def _render(row: Row, world: World, now: datetime) -> dict[str, Any]:
    order, package = row.order, row.package
    return {
        "order_id": order.id,
        "status": order.status.value,
        "tabs": [t.value for t in row.tabs()],
        "todos": [t.value for t in row.todos(now)],
        "create_time": iso(order.create_time),
        "update_time": iso(order.update_time),
        "shipping_due_time": _when(order.shipping_due_time),
        "automatic_cancellation_time": _when(row.automatic_cancellation_at(now)),
        "shipping_type": order.shipping_type.value,
        "tracking_number": row.tracking_number or None,
        "package_status": package.status.value if package is not None else None,
        "return_status": row.return_status.value if row.return_status else None,
        "return_status_label": RETURN_STATUS_LABELS[row.return_status] if row.return_status else None,
        "logistics_issue_tags": world.logistics.tags(order, now),
        "logistics_ticket": _ticket_summary(row.ticket),
        "failed_attempts": _failed_attempts(row),
        "destroy_at": _when(package.destroy_at) if package is not None else None,
        "refund": _refund(order),
        "cancel_reason": order.cancel_reason or None,
        "cancellation_initiator": order.cancellation_initiator.value
        if order.cancellation_initiator
        else None,
        "total_amount": order.payment.total_amount,
        "currency": order.payment.currency,
        "line_items": [
            {
                "product_id": item.product_id,
                "product_name": item.product_name,
                "sku_id": item.sku_id,
                "seller_sku": item.seller_sku,
                "sale_price": item.sale_price,
            }
            for item in order.line_items
        ],
    }


def _failed_attempts(row: Row) -> int:
    return sum(not a.delivered for a in row.shipment.attempts) if row.shipment is not None else 0


def _refund(order: Order) -> dict[str, Any] | None:
    """The platform's refund of a cancelled order: its whole payment, and when."""
    if order.refund_time is None:
        return None
    payment = order.payment
    return {"amount": payment.total_amount, "currency": payment.currency, "time": iso(order.refund_time)}


def _page(items: list[Row], page: int, page_size: int) -> list[Row]:
    return items[(page - 1) * page_size : page * page_size]


def orders_page(world: World, params: dict[str, Any], page: int = 1, page_size: int = 20) -> dict[str, Any]:
    """Manage Orders: one page of the filtered list, with the tab counts and to-do counters."""
    now = world.now()
    total, shown = _listed_rows(world, params, page, page_size)
    tabs, todos = world.order_counts()
    return {
        "now": iso(now),
        "orders": [_render(row, world, now) for row in shown],
        "total": total,
        "page": page,
        "page_size": page_size,
        "tab_counts": tabs,
        "todo_counts": todos,
    }


def order_row(world: World, order_id: str) -> dict[str, Any] | None:
    """One order's row as the list shows it."""
    order = world.orders.get(order_id)
    return _render(world.order_rows([order])[0], world, world.now()) if order is not None else None


def failed_deliveries_page(
    world: World, params: dict[str, Any], page: int = 1, page_size: int = 20
) -> dict[str, Any]:
    """The Failed Delivery tab: one page, with the count of each return status."""
    total, shown = _listed_rows(world, {**params, "tab": Tab.FAILED_DELIVERY.value}, page, page_size)
    return {
        "now": iso(world.now()),
        "failed_deliveries": [_failed_delivery(row, world) for row in shown],
        "total": total,
        "page": page,
        "page_size": page_size,
        "return_status_counts": world.return_status_counts(),
    }


def _failed_delivery(row: Row, world: World) -> dict[str, Any]:
    package, status = row.package, row.return_status
    assert package is not None and status is not None  # only failed deliveries reach here
    shipment = row.shipment
    return {
        "order_id": row.order.id,
        "order_status": row.order.status.value,
        "package_id": package.id,
        "tracking_number": package.tracking_number,
        "shipping_provider_name": shipment.provider_name if shipment else "",
        "return_status": status.value,
        "return_status_label": RETURN_STATUS_LABELS[status],
        "alert": status is ReturnStatus.SELLER_DELIVERY_FAILED,
        "return_started_at": _when(package.return_started_at),
        "time_returned": _when(package.returned_at),
        "destroy_at": _when(package.destroy_at),
        "cancel_reason": row.order.cancel_reason or None,
        "refunded": row.order.refund_time is not None,
        "refund": _refund(row.order),
        "logistics_ticket": _ticket_summary(row.ticket),
        "attempts": [
            {"time": iso(a.at), "delivered": a.delivered, "reason": a.failure.value if a.failure else None}
            for a in (shipment.attempts if shipment else [])
        ],
    }


EXPORT_COLUMNS = (
    "Order ID",
    "Order Status",
    "Tab",
    "Created Time",
    "Shipping Due Time",
    "Shipping Type",
    "Tracking Number",
    "Return Status",
    "Cancel Reason",
    "Product ID",
    "Product Name",
    "SKU ID",
    "Seller SKU",
    "Sale Price",
    "Order Amount",
    "Currency",
)


EXPORT_CHUNK = 1_000  # orders written per holding of the world's lock


def export_csv(world: World, params: dict[str, Any]) -> tuple[Iterator[str], int, str]:
    """The filtered list as CSV, one row per line item: (the text in pieces, orders, file name).

    Called under the world's lock, it takes only which orders match, in their order; the text is
    written as it is sent, ``EXPORT_CHUNK`` orders at a time, each piece under the lock on its own:
    the export holds the world for milliseconds at a time, never for the whole file, and its first
    byte leaves at once. Each row shows its order as it stands when its piece is written."""
    listed = _listed(world, params)
    if listed is None:
        _, matched = _matching(world, params)
        chosen = [row.order for row in matched]
    else:
        chosen = list(listed[1])
    try:
        manage_orders.check_export_size(len(chosen))
    except RuleViolation as exc:
        raise ControlError(400, "too_many_orders", exc.message) from exc
    return _export_text(world, chosen), len(chosen), f"orders-{world.now().strftime('%Y%m%d%H%M%S')}.csv"


def _export_text(world: World, chosen: list[Order]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    yield out.getvalue()
    for start in range(0, len(chosen), EXPORT_CHUNK):
        out.seek(0)
        out.truncate()
        with world.session():
            for row in world.order_rows(chosen[start : start + EXPORT_CHUNK], tickets=False):
                _export_row(writer, row)
        yield out.getvalue()


def _export_row(writer: Any, row: Row) -> None:
    order = row.order
    head = (
        order.id,
        order.status.value,
        " / ".join(TAB_LABELS[t] for t in row.tabs()),
        iso(order.create_time),
        _when(order.shipping_due_time) or "",
        order.shipping_type.value,
        row.tracking_number,
        RETURN_STATUS_LABELS[row.return_status] if row.return_status else "",
        order.cancel_reason,
    )
    tail = (order.payment.total_amount, order.payment.currency)
    writer.writerows(
        (*head, i.product_id, i.product_name, i.sku_id, i.seller_sku, i.sale_price, *tail)
        for i in order.line_items
    )


def _ticket_summary(ticket: Ticket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {
        "ticket_id": ticket.id,
        "status": ticket.status.value,
        "status_label": ticket.status_label,
        "resolution": ticket.resolution.value if ticket.resolution else None,
    }


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "order_id": ticket.order_id,
        "package_id": ticket.package_id,
        "category": ticket.category.value,
        "category_path": list(tickets.CATEGORIES[ticket.category].path),
        "logistics_issue_tag": ticket.tag,
        "description": ticket.description,
        "status": ticket.status.value,
        "status_label": ticket.status_label,
        "resolution": ticket.resolution.value if ticket.resolution else None,
        "resolution_note": ticket.resolution_note or None,
        "create_time": iso(ticket.created_at),
        "respond_by": iso(ticket.respond_by),
        "close_time": _when(ticket.closed_at),
        "evidence": [
            {
                "evidence_id": e.id,
                "name": e.name,
                "content_type": e.content_type,
                "size": len(e.data),
                "url": f"{SELLER_CENTER_PREFIX}/tickets/{ticket.id}/evidence/{e.id}",
            }
            for e in ticket.evidence
        ],
    }


def order_view(world: World, order_id: str) -> dict[str, Any]:
    """An order as the Seller Center shows it: its packages (several once split; a combined one
    names every order it holds), label state, logistics issue tags, tracking. ``package`` and
    ``failed_delivery`` are of the package the order's row shows (the first that failed delivery,
    else the first)."""
    order = world.orders.get(order_id)
    if order is None:
        raise ControlError(404, "unknown_order", f"order {order_id} not found in this shop")
    shown = world.logistics.package_in_view(order)
    found = [_package_view(world, p) for p in world.logistics.packages_of(order)]
    view: dict[str, Any] = {
        "id": order.id,
        "status": order.status.value,
        "shipping_type": order.shipping_type.value,
        "locked": order.locked,
        "refund": _refund(order),
        "late_shipment": order.late_shipment,
        "logistics_issue_tags": world.logistics.tags(order, world.now()),
        "package": None,
        "packages": [v for v, _ in found],
        "tracking": [
            {
                "time": iso(e.at),
                "status": e.status.value,
                "detail_code": e.detail_code,
                "message": e.message,
                "location": e.location,
            }
            for e in world.logistics.tracking_of(order)
        ],
    }
    for package_view, failed in found:
        if shown is not None and package_view["id"] == shown.id:
            view["package"], view["failed_delivery"] = package_view, failed
    return view


def _package_view(world: World, package: Package) -> tuple[dict[str, Any], dict[str, Any]]:
    """One package of an order's view, and its failed delivery (return status, attempts)."""
    rejection = None
    if package.rejection is not None:
        rejection = {
            "reason": package.rejection.value,
            "next_step": packages.NEXT_STEP[package.rejection],
        }
    view = {
        "id": package.id,
        "status": package.status.value,
        "label_status": package.label_status.value,
        "rejection": rejection,
        "tracking_number": package.tracking_number or None,
        "handover_method": package.handover_method.value if package.handover_method else None,
        "weight_grams": package.weight_grams,
        "delayed": package.delayed,
        "lost": package.lost,
        "order_ids": [o.id for o in world.logistics.orders_in(package)],
    }
    returned = world.logistics.seller_delivery_failed_view(package)
    failed = {
        "return_status": returned["return_status"],
        "return_started_at": iso(returned["return_started_at"]) if returned["return_started_at"] else None,
        "returned_at": iso(returned["returned_at"]) if returned["returned_at"] else None,
        "destroy_at": iso(returned["destroy_at"]) if returned["destroy_at"] else None,
        "alert": returned["return_status"] == "SELLER_DELIVERY_FAILED",
        "attempts": [
            {
                "time": iso(a.at),
                "delivered": a.delivered,
                "reason": a.failure.value if a.failure else None,
            }
            for a in returned["attempts"]
        ],
    }
    view["return_status"] = failed["return_status"]
    return view, failed
