"""The QA page at /web: Manage Orders with its tabs and to-do counters, Failed Delivery, an order's
detail, the clock, scenarios, and a tenant switcher.

It reads the worlds through the same views as the Seller Center and control APIs (no second
implementation); it changes them through the clock and through the seller's actions
(sandbox/web/actions.py), which call the world's operations as the API does. Plain HTML forms: no
build step, no script needed, nothing fetched from outside.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from sandbox import views
from sandbox.clock import ClockError
from sandbox.domain.events import RuleViolation
from sandbox.domain.manage_orders import RETURN_STATUS_LABELS, TAB_LABELS, Tab, ToDo
from sandbox.durations import InvalidDuration, iso, parse_duration
from sandbox.http.envelope import ControlError
from sandbox.http.host import ControlPlane
from sandbox.scenario_files import bundled_names
from sandbox.tenants import Tenant
from sandbox.views import order_view
from sandbox.web import labels
from sandbox.web.offers import order_actions
from sandbox.world import World

WEB_PREFIX = "/web"
TENANT_COOKIE = "tts_sandbox_tenant"
PAGE_SIZE = 20
PAGE_SIZES = (20, 50, 100)
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
# What the page's links carry from one page to the next besides the filters: the card view and the
# page size stay as chosen across tabs.
KEPT = ("view", "page_size")
# Passed once, to the page a form sends back to: not kept in the links.
ONCE = ("message", "changes")
ADVANCE_CHOICES = ("1h", "1d", "7d")

pages = Blueprint("web", __name__, template_folder="templates", static_folder="static")


def control_plane() -> ControlPlane:
    from flask import current_app

    control: ControlPlane = current_app.config["TTS_SANDBOX"]
    return control


def current_tenant() -> Tenant:
    """The tenant chosen with ?tenant=, remembered in a cookie; the default tenant otherwise."""
    sandbox = control_plane()
    wanted = request.args.get("tenant") or request.cookies.get(TENANT_COOKIE) or ""
    tenant = sandbox.tenants.get(wanted) if wanted else None
    return tenant or sandbox.tenants.default


def _page(
    template: str, tenant: Tenant, http_status: int = 200, back_to: str = "", **context: Any
) -> Response:
    """Render a page; ``back_to`` is the path its clock comes back to (a refused form's answer is
    the page the form is on, not the form's address)."""
    world = tenant.world
    with world.session():
        now, frozen = world.now(), world.clock.frozen
    body = render_template(
        template,
        tenant=tenant,
        tenants=control_plane().tenants.all(),
        now=iso(now),
        frozen=frozen,
        advance_choices=ADVANCE_CHOICES,
        message=request.args.get("message", ""),
        here=back_to or request.path + _query({k: v for k, v in request.args.items() if k not in ONCE}),
        **context,
    )
    response = Response(body, status=http_status, mimetype="text/html")
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


def _number(name: str, default: int, lowest: int = 1) -> int:
    """A whole number from the query; a value that is none (a typed page "x") counts as the default."""
    try:
        return max(lowest, int(request.args.get(name, "")))
    except ValueError:
        return default


@pages.get("/orders")
def orders() -> Response:
    tenant = current_tenant()
    params = _params()
    number = _number("page", 1)
    size = _number("page_size", PAGE_SIZE)
    size = size if size in PAGE_SIZES else PAGE_SIZE
    view = request.args.get("view", "list")
    view = view if view in ("list", "card") else "list"
    problem = ""
    try:
        with tenant.world.session() as world:
            listing = views.orders_page(world, params, number, size)
            failed = (
                views.failed_deliveries_page(world, params, number, size)
                if params.get("tab") == Tab.FAILED_DELIVERY.value
                else None
            )
            every = len(world.orders)
            changes = _changes(world)
    except (ControlError, ValueError) as exc:
        # The filter is refused: its error, and no orders (not every order under the tab asked),
        # with the tab counts the page still shows.
        problem = exc.message if isinstance(exc, ControlError) else str(exc)
        with tenant.world.session() as world:
            listing = {**views.orders_page(world, {}, 1, size), "orders": [], "total": 0}
            failed = None
            every = len(world.orders)
            changes = {}
    pages_total = max(1, -(-listing["total"] // size))
    kept = {"view": view if view != "list" else None, "page_size": size if size != PAGE_SIZE else None}
    return _page(
        "orders.html",
        tenant,
        params=params,
        kept=kept,
        listing=listing,
        failed=failed,
        every=every,
        changes=changes,
        view=view,
        page=number,
        page_size=size,
        page_sizes=PAGE_SIZES,
        pages_total=pages_total,
        problem=problem,
        query=_query,
        tabs=[(t.value, TAB_LABELS[t]) for t in Tab],
        todos=[(t.value, labels.TODO[t]) for t in ToDo],
        return_statuses=[(s.value, label) for s, label in RETURN_STATUS_LABELS.items()],
        # the page's own export: of the tenant it shows, not the default one
        export_url=url_for("web.export_orders") + _query(params),
    )


def _changes(world: World) -> dict[str, list[str]]:
    """What the last clock move changed on each order, in words, by order ID: the events numbered
    in ``?changes=FIRST-LAST`` (the clock's form sends them back)."""
    first, _, last = request.args.get("changes", "").partition("-")
    if not (first.isdigit() and last.isdigit()):
        return {}
    low, high = int(first), int(last)
    found: dict[str, list[str]] = {}
    for recorded in reversed(world.events):
        if recorded.seq < low:
            break
        if recorded.seq > high:
            continue
        event = recorded.event
        order_id = event.data.get("order_id") if event.kind.startswith("carrier.") else event.subject
        words = labels.change(event.kind, event.data)
        if words and isinstance(order_id, str) and order_id in world.orders:
            seen = found.setdefault(order_id, [])
            if words not in seen:
                seen.append(words)
    for seen in found.values():
        seen.reverse()  # oldest first: in the order they happened
    return found


@pages.get("/orders/export")
def export_orders() -> Response:
    """The filtered list as CSV, of the tenant the page shows (its switcher, or ?tenant=), as the
    Seller Center's export writes it."""
    tenant = current_tenant()
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
    return render_order(current_tenant(), order_id)


def render_order(
    tenant: Tenant,
    order_id: str,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """An order's page; with a refused action's error beside its form and what was typed in it."""

    with tenant.world.session() as world:
        try:
            detail = order_view(world, order_id)
        except ControlError:
            abort(404, f"order {order_id} not found in this tenant")
        row = views.order_row(world, order_id)
        deliveries = [d for d in world.webhooks.deliveries.values() if d.order_id == order_id]
        raised = [views.ticket_view(t) for t in world.desk.tickets.values() if t.order_id == order_id]
        steps = _scenario_steps(world, order_id)
        expectations = _expectations(world, order_id)
        offered = order_actions(world, order_id)
        failed = detail.get("failed_delivery") or {}
        offered["ticket_form"] = bool(
            detail["logistics_issue_tags"] or failed.get("return_status") == "SELLER_DELIVERY_FAILED"
        )
        changed = _changes(world).get(order_id, [])
    return _page(
        "order.html",
        tenant,
        status,
        url_for("web.order", order_id=order_id),
        order=detail,
        row=row,
        deliveries=deliveries,
        steps=steps,
        expectations=expectations,
        tickets=raised,
        actions=offered,
        changed=changed,
        errors=errors or {},
        stray=_stray_errors(errors or {}, offered),
        typed=typed or {},
        magic=labels.MAGIC_TRACKING,
    )


def _stray_errors(errors: dict[str, str], offered: dict[str, Any]) -> list[str]:
    """The refusals whose form the order no longer offers (shown at the top of its actions)."""
    package = offered["package"] or {}
    shown = {
        "ship": package.get("shippable", False),
        "label": package.get("printable", False),
        "cancellation": bool(offered["cancellations"]),
        "return": bool(offered["returns"]),
        "ticket": offered["ticket_form"],
        "split": bool(offered["split"]),
        "combine": bool(offered["combine"]),
        "uncombine": bool(offered["uncombine"]),
    }
    return [message for form, message in errors.items() if not shown.get(form)]


def _expectations(world: World, order_id: str) -> list[dict[str, Any]]:
    """The expectations about this order of the loaded scenarios (and those about no order in
    particular), as their reports say."""
    found = []
    for name, run in world.scenarios.items():
        refs = {ref for ref, oid in run.refs.items() if oid == order_id}
        if refs:
            found += [
                {"scenario": name, **e}
                for e in run.report()["expectations"]
                if e["order"] is None or e["order"] in refs
            ]
    return found


def _scenario_steps(world: Any, order_id: str) -> list[dict[str, Any]]:
    """The scenario steps whose actions named this order."""
    touched = []
    for name, run in world.scenarios.items():
        names = {ref for ref, oid in run.refs.items() if oid == order_id}
        for entry in run.timeline:
            if "action" in entry and names & {str(v) for v in entry.get("args", {}).values()}:
                touched.append({"scenario": name, **entry})
    return sorted(touched, key=lambda e: e["at"])


@pages.get("/tickets")
def tickets() -> Response:
    tenant = current_tenant()
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
    tenant = current_tenant()
    with tenant.world.session() as world:
        try:
            found = views.ticket_view(world.ticket(ticket_id))
        except RuleViolation:
            abort(404, f"ticket {ticket_id} not found in this tenant")
    return _page("ticket.html", tenant, ticket=found)


@pages.get("/tickets/<ticket_id>/evidence/<evidence_id>")
def evidence(ticket_id: str, evidence_id: str) -> Response:
    tenant = current_tenant()
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
    return render_scenarios(current_tenant())


def render_scenarios(
    tenant: Tenant, *, error: str = "", typed: dict[str, str] | None = None, status: int = 200
) -> Response:
    """The loaded scenarios with their expectations, and the form that loads one."""
    with tenant.world.session() as world:
        reports = [run.report() for run in world.scenarios.values()]
    return _page(
        "scenarios.html",
        tenant,
        status,
        url_for("web.scenarios"),
        reports=reports,
        bundled=bundled_names(),
        error=error,
        typed=typed or {},
    )


@pages.post("/clock")
def clock() -> Response:
    """Freeze, advance or resume the tenant's clock, then go back where the form was."""
    tenant = current_tenant()
    back = request.form.get("next") or url_for("web.orders")
    if not back.startswith(WEB_PREFIX):
        back = url_for("web.orders")
    action = request.form.get("action", "")
    world = tenant.world
    message = ""
    changes = ""
    try:
        if action == "advance":
            by = request.form.get("by", "").strip()
            target = world.now() + parse_duration(by)
            before = _last_event(world)
            world.advance_to(target)
            message = f"Advanced {by}"
            after = _last_event(world)
            changes = f"{before + 1}-{after}" if after > before else ""
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
    answer = {"message": message, "changes": changes} if changes else {"message": message}
    return redirect(f"{back}{separator}{urlencode(answer)}", code=303)


def _last_event(world: World) -> int:
    with world.session():
        return world.events[-1].seq if world.events else 0


@pages.errorhandler(HTTPException)
def error_page(exc: HTTPException) -> Response:
    """The page's own errors (an unknown order, a refused export) in the page's dress."""
    return _page("error.html", current_tenant(), exc.code or 500, code=exc.code, detail=exc.description)


@pages.app_template_filter("when")
def when(value: datetime | str | None) -> str:
    """An instant as the page shows it: to the second, in UTC (a running clock has microseconds)."""
    if value is None:
        return "—"
    text = iso(value) if isinstance(value, datetime) else str(value)
    date, _, rest = text.partition("T")
    if not rest:
        return text
    return f"{date} {rest.rstrip('Z').split('.')[0]} UTC"


@pages.app_template_filter("word")
def word(value: str | None, table: str) -> Any:
    """The Seller Center's word for an API value, with the value on hover."""
    return labels.word(value, table)


@pages.app_template_filter("text")
def text(value: str | None, table: str) -> str:
    return labels.text(value, table)
