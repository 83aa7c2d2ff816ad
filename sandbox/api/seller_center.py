"""The Seller Center's Manage Orders page (no public API): the list, its counters, Failed Delivery,
and the CSV export. The rules live in sandbox.domain.manage_orders; this module reads the world
and renders."""

from __future__ import annotations

from typing import Any

from flask import Response

from sandbox.domain import tickets
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.tickets import TicketRefused
from sandbox.domain.uploads import EvidenceRefused
from sandbox.durations import iso
from sandbox.http.context import current
from sandbox.http.envelope import ControlError, attachment
from sandbox.views import export_csv, failed_deliveries_page, orders_page, ticket_view


def list_orders(page: int = 1, page_size: int = 20, **params: Any) -> dict[str, Any]:
    with current().world.session() as world:
        return orders_page(world, params, page, page_size)


def todo_counts(**_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        tabs, todos = world.order_counts()
        return {"now": iso(world.now()), "todo_counts": todos, "tab_counts": tabs}


def list_failed_deliveries(page: int = 1, page_size: int = 20, **params: Any) -> dict[str, Any]:
    with current().world.session() as world:
        return failed_deliveries_page(world, params, page, page_size)


def export_orders(**params: Any) -> Response:
    with current().world.session() as world:
        pieces, count, name = export_csv(world, params)
    return Response(
        pieces,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Export-Orders": str(count)},
    )


# ----- logistics tickets -------------------------------------------------------------------------
# Why each refusal is refused, as an HTTP status: the order is missing, the rules say no, or an
# evidence file is not acceptable.
_REFUSAL_STATUS = {"unknown_ticket": 404, "unknown_evidence": 404}
_EVIDENCE_STATUS = {"too_large": 413, "wrong_type": 415}


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
