"""The Seller Center's Manage Orders page (no public API): the list, its counters, Failed Delivery,
and the CSV export. The rules live in sandbox.domain.manage_orders; this module reads the world
and renders."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from flask import Response

from sandbox.domain import aftersales, manage_orders, tickets
from sandbox.domain.codes import Code
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
from sandbox.domain.returns import ReturnStatus
from sandbox.domain.tickets import Ticket, TicketRefused
from sandbox.durations import iso
from sandbox.http.context import current
from sandbox.http.envelope import ControlError, attachment, instant_param
from sandbox.http.paths import SELLER_CENTER_PREFIX
from sandbox.uploads import EvidenceRefused
from sandbox.world import World


def _rows(world: World) -> list[Row]:
    logistics = world.logistics
    to_review = aftersales.awaiting_seller(world.returns)
    newest = world.desk.latest()
    rows = []
    for order in world.orders.values():
        package = logistics.package_of(order)
        number = package.tracking_number if package is not None else ""
        shipment = logistics.shipments.get(number) if number else None
        rows.append(Row(order, package, shipment, to_review.get(order.id, 0), newest.get(order.id)))
    return rows


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
    rows = _rows(world)
    matched = [row for row in rows if where.matches(row, now)]
    descending = params.get("sort_order", "DESC") == "DESC"
    return rows, manage_orders.sorted_rows(matched, params.get("sort_by", "create_time"), descending)


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


def _page(items: list[Row], page: int, page_size: int) -> list[Row]:
    return items[(page - 1) * page_size : page * page_size]


def orders_page(world: World, params: dict[str, Any], page: int = 1, page_size: int = 20) -> dict[str, Any]:
    """Manage Orders: one page of the filtered list, with the tab counts and to-do counters."""
    now = world.now()
    rows, matched = _matching(world, params)
    tabs, todos = manage_orders.counts(rows, now)
    return {
        "now": iso(now),
        "orders": [_render(row, world, now) for row in _page(matched, page, page_size)],
        "total": len(matched),
        "page": page,
        "page_size": page_size,
        "tab_counts": tabs,
        "todo_counts": todos,
    }


def failed_deliveries_page(
    world: World, params: dict[str, Any], page: int = 1, page_size: int = 20
) -> dict[str, Any]:
    """The Failed Delivery tab: one page, with the count of each return status."""
    rows, matched = _matching(world, {**params, "tab": Tab.FAILED_DELIVERY.value})
    per_status = {status.value: 0 for status in ReturnStatus}
    for row in rows:
        if row.return_status is not None:
            per_status[row.return_status.value] += 1
    return {
        "now": iso(world.now()),
        "failed_deliveries": [_failed_delivery(row, world) for row in _page(matched, page, page_size)],
        "total": len(matched),
        "page": page,
        "page_size": page_size,
        "return_status_counts": per_status,
    }


def list_orders(page: int = 1, page_size: int = 20, **params: Any) -> dict[str, Any]:
    with current().world.session() as world:
        return orders_page(world, params, page, page_size)


def todo_counts(**_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        now = world.now()
        tabs, todos = manage_orders.counts(_rows(world), now)
        return {"now": iso(now), "todo_counts": todos, "tab_counts": tabs}


def list_failed_deliveries(page: int = 1, page_size: int = 20, **params: Any) -> dict[str, Any]:
    with current().world.session() as world:
        return failed_deliveries_page(world, params, page, page_size)


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


def export_csv(world: World, params: dict[str, Any]) -> tuple[str, int, str]:
    """The filtered list as CSV, one row per line item: (text, orders, file name)."""
    _, matched = _matching(world, params)
    try:
        manage_orders.check_export_size(len(matched))
    except RuleViolation as exc:
        raise ControlError(400, "too_many_orders", exc.message) from exc
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in matched:
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
    return out.getvalue(), len(matched), f"orders-{world.now().strftime('%Y%m%d%H%M%S')}.csv"


def export_orders(**params: Any) -> Response:
    with current().world.session() as world:
        text, count, name = export_csv(world, params)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Export-Orders": str(count)},
    )


# ----- logistics tickets -------------------------------------------------------------------------
# Why each refusal is refused, as an HTTP status: the order is missing, the rules say no, or an
# evidence file is not acceptable.
_REFUSAL_STATUS = {"unknown_ticket": 404, "unknown_evidence": 404}
_EVIDENCE_STATUS = {"too_large": 413, "wrong_type": 415}


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


def _refused(exc: RuleViolation) -> ControlError:
    if isinstance(exc, EvidenceRefused):
        return ControlError(_EVIDENCE_STATUS.get(exc.reason, 400), f"evidence_{exc.reason}", exc.message)
    if isinstance(exc, TicketRefused):
        return ControlError(_REFUSAL_STATUS.get(exc.reason, 422), exc.reason, exc.message)
    if exc.code == Code.ORDER_NOT_FOUND:
        return ControlError(
            404, "unknown_order", f"{exc.message}: give the ID of one of this tenant's orders"
        )
    return ControlError(422, "illegal_transition", exc.message)


def _files(evidence: Any) -> list[tuple[bytes, str]]:
    if evidence is None:
        return []
    items = evidence if isinstance(evidence, list) else [evidence]
    files = []
    for item in items:
        read = getattr(item, "read", None)
        data = bytes(read()) if read else (item.encode() if isinstance(item, str) else bytes(item or b""))
        files.append((data, str(getattr(item, "filename", "") or "")))
    return files


def ticket_categories(**_: Any) -> dict[str, Any]:
    return {
        "categories": [
            {
                "category": category.value,
                "path": list(info.path),
                "logistics_issue_tag": info.tag,
                "evidence_needed": info.evidence_needed,
            }
            for category, info in tickets.CATEGORIES.items()
        ]
    }


def create_ticket(body: Any = None, evidence: Any = None, **_: Any) -> tuple[dict[str, Any], int]:
    form = body if isinstance(body, dict) else {}
    order_id = str(form.get("order_id") or "").strip()
    if not order_id:
        raise ControlError(400, "invalid_request", "order_id is required: the order the ticket is about")
    world = current().world
    try:
        ticket = world.raise_ticket(
            order_id,
            form.get("category") or None,
            form.get("logistics_issue_tag") or None,
            str(form.get("description") or ""),
            _files(evidence if evidence is not None else form.get("evidence")),
        )
    except RuleViolation as exc:
        raise _refused(exc) from exc
    with world.session():
        return ticket_view(ticket), 201


def list_tickets(page: int = 1, page_size: int = 20, **params: Any) -> dict[str, Any]:
    with current().world.session() as world:
        found = [
            t
            for t in reversed(world.desk.tickets.values())
            if (not params.get("status") or t.status.value == params["status"])
            and (not params.get("order_id") or t.order_id == params["order_id"])
            and (not params.get("category") or t.category.value == params["category"])
        ]
        return {
            "now": iso(world.now()),
            "tickets": [ticket_view(t) for t in found[(page - 1) * page_size : page * page_size]],
            "total": len(found),
            "page": page,
            "page_size": page_size,
        }


def get_ticket(ticket_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        try:
            return ticket_view(world.ticket(ticket_id))
        except RuleViolation as exc:
            raise _refused(exc) from exc


def download_evidence(ticket_id: str, evidence_id: str, **_: Any) -> tuple[bytes, int, dict[str, str]]:
    with current().world.session() as world:
        try:
            ticket = world.ticket(ticket_id)
        except RuleViolation as exc:
            raise _refused(exc) from exc
        found = next((e for e in ticket.evidence if e.id == evidence_id), None)
        if found is None:
            raise ControlError(
                404, "unknown_evidence", f"ticket {ticket_id} has no evidence file {evidence_id}"
            )
        return (
            found.data,
            200,
            {
                "Content-Type": found.content_type,
                "Content-Disposition": attachment(found.name),
            },
        )
