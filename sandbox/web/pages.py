"""The QA page at /web: Manage Orders with its tabs and to-do counters, Failed Delivery, an order's
detail, the clock, scenarios, and a tenant switcher.

It reads the worlds through the same views as the Seller Center and control APIs (no second
implementation) and changes them only through the clock. Plain HTML forms: no build step, no
script needed, nothing fetched from outside.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from sandbox import views
from sandbox.clock import ClockError
from sandbox.domain.events import RuleViolation
from sandbox.domain.manage_orders import RETURN_STATUS_LABELS, TAB_LABELS, Tab, ToDo
from sandbox.durations import InvalidDuration, iso, parse_duration
from sandbox.http.envelope import ControlError
from sandbox.http.host import ControlPlane
from sandbox.tenants import Tenant
from sandbox.views import order_view

WEB_PREFIX = "/web"
TENANT_COOKIE = "tts_sandbox_tenant"
PAGE_SIZE = 20
FILTERS = (
    "tab",
    "search",
    "fulfillment",
    "todo",
    "sort_by",
    "sort_order",
    "time_returned_from",
    "time_returned_to",
    "logistics_ticket_status",
)
TODO_LABELS = {
    ToDo.SHIPPING_WITHIN_24_HOURS: "Shipping within 24 hours",
    ToDo.AUTOMATIC_CANCELLATION_WITHIN_24_HOURS: "Automatic cancellation within 24 hours",
    ToDo.STOCKING_TIMEOUT: "Stocking timeout",
    ToDo.REQUESTED_CANCELLATION: "Requested cancellation",
    ToDo.RETURN_REFUND_REQUESTED: "Return/refund requested",
}
ADVANCE_CHOICES = ("1h", "1d", "7d")

pages = Blueprint("web", __name__, template_folder="templates", static_folder="static")


def install(app: Flask, control: ControlPlane) -> None:
    """The page reads the tenants through the control plane's narrow view, as its handlers do."""
    app.config["TTS_SANDBOX"] = control
    app.register_blueprint(pages, url_prefix=WEB_PREFIX)


def _sandbox() -> ControlPlane:
    from flask import current_app

    control: ControlPlane = current_app.config["TTS_SANDBOX"]
    return control


def _tenant() -> Tenant:
    """The tenant chosen with ?tenant=, remembered in a cookie; the default tenant otherwise."""
    sandbox = _sandbox()
    wanted = request.args.get("tenant") or request.cookies.get(TENANT_COOKIE) or ""
    tenant = sandbox.tenants.get(wanted) if wanted else None
    return tenant or sandbox.tenants.default


def _page(template: str, tenant: Tenant, **context: Any) -> Response:
    world = tenant.world
    with world.session():
        now, frozen = world.now(), world.clock.frozen
    body = render_template(
        template,
        tenant=tenant,
        tenants=_sandbox().tenants.all(),
        now=iso(now),
        frozen=frozen,
        advance_choices=ADVANCE_CHOICES,
        message=request.args.get("message", ""),
        here=request.path + _query({k: v for k, v in request.args.items() if k != "message"}),
        **context,
    )
    response = Response(body, mimetype="text/html")
    response.set_cookie(TENANT_COOKIE, tenant.app_key, samesite="Lax")
    return response


def _params() -> dict[str, Any]:
    params: dict[str, Any] = {k: request.args[k] for k in FILTERS if request.args.get(k)}
    for key in ("time_returned_from", "time_returned_to"):
        if key in params and len(params[key]) == 16:  # a datetime-local input: minutes, UTC
            params[key] += ":00Z"
    statuses = request.args.getlist("return_status")
    if statuses:
        params["return_status"] = statuses
    return params


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    pairs = [
        (k, v)
        for k, value in merged.items()
        if value
        for v in (value if isinstance(value, list) else [value])
    ]
    return "?" + urlencode(pairs) if pairs else ""


@pages.get("/")
def home() -> Response:
    return redirect(url_for("web.orders") + _query(dict(request.args)))


@pages.get("/orders")
def orders() -> Response:
    tenant = _tenant()
    params = _params()
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number = 1
    view = request.args.get("view", "list")
    problem = ""
    try:
        with tenant.world.session() as world:
            listing = views.orders_page(world, params, number, PAGE_SIZE)
            failed = (
                views.failed_deliveries_page(world, params, number, PAGE_SIZE)
                if params.get("tab") == Tab.FAILED_DELIVERY.value
                else None
            )
    except (ControlError, ValueError) as exc:
        # The filter is refused: its error, and no orders (not every order under the tab asked),
        # with the tab counts the page still shows.
        problem = exc.message if isinstance(exc, ControlError) else str(exc)
        with tenant.world.session() as world:
            listing = {**views.orders_page(world, {}, 1, PAGE_SIZE), "orders": [], "total": 0}
            failed = None
    pages_total = max(1, -(-listing["total"] // PAGE_SIZE))
    return _page(
        "orders.html",
        tenant,
        params=params,
        listing=listing,
        failed=failed,
        view=view if view in ("list", "card") else "list",
        page=number,
        pages_total=pages_total,
        problem=problem,
        query=_query,
        tabs=[(t.value, TAB_LABELS[t]) for t in Tab],
        todos=[(t.value, TODO_LABELS[t]) for t in ToDo],
        return_statuses=[(s.value, label) for s, label in RETURN_STATUS_LABELS.items()],
        # the page's own export: of the tenant it shows, not the default one
        export_url=url_for("web.export_orders") + _query(params),
    )


@pages.get("/orders/export")
def export_orders() -> Response:
    """The filtered list as CSV, of the tenant the page shows (its switcher, or ?tenant=), as the
    Seller Center's export writes it."""
    tenant = _tenant()
    try:
        with tenant.world.session() as world:
            pieces, count, name = views.export_csv(world, _params())
    except (ControlError, ValueError) as exc:
        abort(400, exc.message if isinstance(exc, ControlError) else str(exc))
    return Response(
        pieces,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Export-Orders": str(count)},
    )


@pages.get("/orders/<order_id>")
def order(order_id: str) -> Response:
    tenant = _tenant()
    with tenant.world.session() as world:
        try:
            detail = order_view(world, order_id)
        except ControlError:
            abort(404, f"order {order_id} not found in this tenant")
        row = views.order_row(world, order_id)
        deliveries = [d for d in world.webhooks.deliveries.values() if d.order_id == order_id]
        raised = [views.ticket_view(t) for t in world.desk.tickets.values() if t.order_id == order_id]
        steps = _scenario_steps(world, order_id)
    return _page(
        "order.html",
        tenant,
        order=detail,
        row=row,
        deliveries=deliveries,
        steps=steps,
        tickets=raised,
        return_labels={s.value: label for s, label in RETURN_STATUS_LABELS.items()},
    )


def _scenario_steps(world: Any, order_id: str) -> list[dict[str, Any]]:
    """The scenario steps whose actions named this order."""
    touched = []
    for name, run in world.scenarios.items():
        names = {ref for ref, oid in run.refs.items() if oid == order_id}
        for entry in run.timeline:
            if "action" in entry and names & {str(v) for v in entry.get("args", {}).values()}:
                touched.append({"scenario": name, **entry})
    return sorted(touched, key=lambda e: e["at"])


@pages.post("/orders/<order_id>/tickets")
def raise_ticket(order_id: str) -> Response:
    """Contact Logistics Service from the order's logistics issue tag, with evidence files."""
    tenant = _tenant()
    files = [(f.read(), f.filename or "") for f in request.files.getlist("evidence") if f.filename]
    try:
        ticket = tenant.world.raise_ticket(
            order_id,
            request.form.get("category") or None,
            request.form.get("logistics_issue_tag") or None,
            request.form.get("description", ""),
            files,
        )
    except RuleViolation as exc:
        back = url_for("web.order", order_id=order_id)
        return redirect(f"{back}?{urlencode({'message': exc.message})}", code=303)
    return redirect(url_for("web.ticket", ticket_id=ticket.id, message="Ticket raised"), code=303)


@pages.get("/tickets")
def tickets() -> Response:
    tenant = _tenant()
    status = request.args.get("status", "")
    with tenant.world.session() as world:
        found = [
            views.ticket_view(t)
            for t in reversed(world.desk.tickets.values())
            if not status or t.status.value == status
        ]
    return _page("tickets.html", tenant, tickets=found, status=status)


@pages.get("/tickets/<ticket_id>")
def ticket(ticket_id: str) -> Response:
    tenant = _tenant()
    with tenant.world.session() as world:
        try:
            found = views.ticket_view(world.ticket(ticket_id))
        except RuleViolation:
            abort(404, f"ticket {ticket_id} not found in this tenant")
    return _page("ticket.html", tenant, ticket=found)


@pages.get("/tickets/<ticket_id>/evidence/<evidence_id>")
def evidence(ticket_id: str, evidence_id: str) -> Response:
    tenant = _tenant()
    with tenant.world.session() as world:
        try:
            found = next((e for e in world.ticket(ticket_id).evidence if e.id == evidence_id), None)
        except RuleViolation:
            found = None
    if found is None:
        abort(404, f"ticket {ticket_id} has no evidence file {evidence_id}")
    return Response(found.data, mimetype=found.content_type)


@pages.get("/scenarios")
def scenarios() -> Response:
    tenant = _tenant()
    with tenant.world.session() as world:
        reports = [run.report() for run in world.scenarios.values()]
    return _page("scenarios.html", tenant, reports=reports)


@pages.post("/clock")
def clock() -> Response:
    """Freeze, advance or resume the tenant's clock, then go back where the form was."""
    tenant = _tenant()
    back = request.form.get("next") or url_for("web.orders")
    if not back.startswith(WEB_PREFIX):
        back = url_for("web.orders")
    action = request.form.get("action", "")
    world = tenant.world
    message = ""
    try:
        if action == "advance":
            by = request.form.get("by", "").strip()
            world.advance_to(world.now() + parse_duration(by))
            message = f"Advanced {by}"
        elif action == "freeze":
            world.freeze()
            message = "Clock frozen"
        elif action == "resume":
            world.resume()
            message = "Clock running"
        else:
            message = f"Unknown clock action '{action}'"
    except (InvalidDuration, ClockError) as exc:
        message = str(exc)
    separator = "&" if "?" in back else "?"
    return redirect(f"{back}{separator}{urlencode({'message': message})}", code=303)


@pages.app_template_filter("when")
def when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    text = iso(value) if isinstance(value, datetime) else str(value)
    return text.replace("T", " ").replace("Z", " UTC")
