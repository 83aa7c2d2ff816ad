"""The seller's actions on the QA page, so that a scenario can be played from the browser alone:
arrange shipment (pickup slot or drop-off) and print the label for platform shipping, add the
shipment information for seller shipping, re-create a rejected label, split an order into
packages, combine orders into one package and take them out again, answer the buyer's
cancellation and return requests, and load a scenario.

Each seller action calls the same world operation as the Open API's handler for it, and is
journaled under that operation's name (surface ``seller-center``, as the Seller Center's own
calls are), so that a scenario's expectations ("the client ships the parcel within a day") count
it as they count the API call. Loading a scenario is a control action, like ``POST
/sandbox/scenarios``, and is not journaled. A refusal is shown in red beside the form that caused
it, with what was typed kept; a form that cannot be read is refused the same way, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from sandbox.clock import wall_now
from sandbox.documents import document_link
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.packages import HandoverMethod, LabelStatus
from sandbox.domain.uploads import EvidenceRefused
from sandbox.journal import BODY_CAP
from sandbox.scenario_files import bundled_names, find_scenario
from sandbox.scenarios import ScenarioError
from sandbox.tenants import Tenant
from sandbox.web import pages
from sandbox.world import ScenarioConflict, World

SURFACE = "seller-center"
LABEL_DOCUMENT = "SHIPPING_LABEL"
LABEL_SIZE = "A6"
MAX_UPLOAD = 1024 * 1024  # a scenario file, well above the largest bundled one

actions = Blueprint("web_actions", __name__)
actions.register_error_handler(HTTPException, pages.error_page)  # an unknown order, in the page's dress


class BadForm(ValueError):
    """A form the page cannot read (a slot that is not a slot): refused like the API refuses a
    request it cannot validate."""


def _journal(
    tenant: Tenant, operation: str, path_params: dict[str, str], code: int | None, status: int = 200
) -> None:
    """Journal the action as the API call it stands for, with the form as its body."""
    body = urlencode(sorted((k, v) for k, v in request.form.items(multi=True) if k != "next"))
    tenant.world.record_request(
        surface=SURFACE,
        tenant=tenant.app_key,
        faults=(),
        wall=wall_now(),
        operation=operation,
        method=request.method,
        path=request.path,
        query={k: v for k, v in request.args.items() if k != "message"},
        body=body[:BODY_CAP],
        status=status,  # the platform answers its refusals in an HTTP 200 envelope
        code=code,
        signature_ok=True,
        path_params=path_params,
    )


def _perform(tenant: Tenant, operation: str, path_params: dict[str, str], call: Callable[[], Any]) -> str:
    """Call the world's operation and journal it; answers the refusal's message ("" when done)."""
    try:
        call()
    except BadForm as exc:
        _journal(tenant, operation, path_params, Code.INVALID_REQUEST)
        return str(exc)
    except RuleViolation as exc:
        _journal(tenant, operation, path_params, exc.code)
        return exc.message
    _journal(tenant, operation, path_params, 0)
    return ""


def _done(order_id: str, message: str) -> Response:
    back = url_for("web.order", order_id=order_id)
    return redirect(f"{back}?{urlencode({'message': message})}", code=303)


def _refused(tenant: Tenant, order_id: str, form: str, message: str) -> Response:
    """The order's page again, the refusal beside the form, what was typed kept (the orders
    ticked, as a list)."""
    typed: dict[str, Any] = dict(request.form)
    typed["order_ids"] = request.form.getlist("order_ids")
    return pages.render_order(tenant, order_id, errors={form: message}, typed=typed, status=400)


def _slot(value: str) -> tuple[datetime, datetime] | None:
    """A pickup slot as the form sends it: "start-end" in Unix seconds (the API's pickup_slot)."""
    if not value:
        return None
    start, _, end = value.partition("-")
    try:
        return datetime.fromtimestamp(int(start), UTC), datetime.fromtimestamp(int(end), UTC)
    except (ValueError, OverflowError, OSError):  # not numbers, or instants no calendar has
        raise BadForm(
            f"'{value}' is not a pickup slot: choose one of the package's handover time slots"
        ) from None


def _handover(value: str) -> HandoverMethod | None:
    if not value:
        return None
    try:
        return HandoverMethod(value)
    except ValueError:
        raise BadForm(f"'{value}' is not a handover method: PICKUP or DROP_OFF") from None


@actions.post("/orders/<order_id>/ship")
def ship(order_id: str) -> Response:
    """Arrange shipment, re-create a rejected label, or add the seller's shipment information:
    the Open API's ship_package (POST /fulfillment/202309/packages/{package_id}/ship)."""
    tenant = pages.current_tenant()
    form = request.form
    package_id = form.get("package_id", "").strip()
    world = tenant.world

    def call() -> None:
        world.ship_package(
            package_id,
            handover=_handover(form.get("handover_method", "")),
            slot=_slot(form.get("pickup_slot", "") if form.get("handover_method") == "PICKUP" else ""),
            tracking_number=form.get("tracking_number", "").strip(),
            provider_id=form.get("shipping_provider_id", "").strip(),
        )

    with world.session():
        rejected = _label_status(world, package_id) is LabelStatus.REJECTED
    problem = _perform(tenant, "ship_package", {"package_id": package_id}, call)
    if problem:
        return _refused(tenant, order_id, "ship", problem)
    if form.get("tracking_number"):
        return _done(order_id, "Shipment information added")
    return _done(order_id, "Shipping label re-created" if rejected else "Shipment arranged")


def _label_status(world: World, package_id: str) -> LabelStatus | None:
    package = world.logistics.packages.get(package_id)
    return package.label_status if package is not None else None


@actions.post("/orders/<order_id>/label")
def print_label(order_id: str) -> Response:
    """Print the shipping label: the Open API's get_shipping_document, then the document itself."""
    tenant = pages.current_tenant()
    package_id = request.form.get("package_id", "").strip()
    found: list[str] = []

    def call() -> None:
        with tenant.world.session() as world:
            package = world.logistics.package(package_id)
            world.logistics.check_document_available(package)
            base = request.host_url.rstrip("/")
            found.append(document_link(base, tenant, package.id, LABEL_DOCUMENT, LABEL_SIZE, world.now()))

    problem = _perform(tenant, "get_shipping_document", {"package_id": package_id}, call)
    if problem:
        return _refused(tenant, order_id, "label", problem)
    return redirect(found[0], code=303)


SPLIT_FIELD = "package_of_"  # the split form's field per line item: package_of_<line item ID>
MAX_SPLIT_PACKAGES = 100


def _split_groups(form: Any) -> list[tuple[str, list[str]]]:
    """The split form as the API's splittable groups: the line items chosen for each package,
    the packages in their numbers' order."""
    groups: dict[int, list[str]] = {}
    for name, value in form.items():
        if not name.startswith(SPLIT_FIELD):
            continue
        try:
            number = int(value)
        except ValueError:
            number = 0
        if not 1 <= number <= MAX_SPLIT_PACKAGES:
            raise BadForm(f"'{value}' is not a package number: choose 1 to {MAX_SPLIT_PACKAGES}")
        groups.setdefault(number, []).append(name.removeprefix(SPLIT_FIELD))
    return [(str(number), groups[number]) for number in sorted(groups)]


@actions.post("/orders/<order_id>/split")
def split_order(order_id: str) -> Response:
    """Split the order into packages, the line items where the seller put them: the Open API's
    confirm_order_split (POST /fulfillment/202309/orders/{order_id}/split)."""
    tenant = pages.current_tenant()
    made: list[Any] = []

    def call() -> None:
        made.extend(tenant.world.split_order(order_id, _split_groups(request.form)))

    problem = _perform(tenant, "confirm_order_split", {"order_id": order_id}, call)
    if problem:
        return _refused(tenant, order_id, "split", problem)
    return _done(order_id, f"Order split into {len(made)} packages")


@actions.post("/orders/<order_id>/combine")
def combine_package(order_id: str) -> Response:
    """Combine the orders ticked into the package named: the Open API's combine_package (POST
    /fulfillment/202309/packages/combine) for that one package."""
    tenant = pages.current_tenant()
    package_id = request.form.get("package_id", "").strip()
    order_ids = [i.strip() for i in request.form.getlist("order_ids") if i.strip()]

    def call() -> None:
        if not order_ids:
            raise BadForm("tick at least one order to combine into the package")
        _, refused = tenant.world.combine_packages([(package_id, order_ids)])
        if refused:
            raise refused[0][1]

    problem = _perform(tenant, "combine_package", {}, call)
    if problem:
        return _refused(tenant, order_id, "combine", problem)
    return _done(order_id, f"Orders combined into package {package_id}")


@actions.post("/orders/<order_id>/uncombine")
def uncombine_package(order_id: str) -> Response:
    """Take the orders ticked (or every one but the first) out of the combined package: the Open
    API's uncombine_packages (POST /fulfillment/202309/packages/{package_id}/uncombine)."""
    tenant = pages.current_tenant()
    package_id = request.form.get("package_id", "").strip()
    order_ids = [i.strip() for i in request.form.getlist("order_ids") if i.strip()]
    problem = _perform(
        tenant,
        "uncombine_packages",
        {"package_id": package_id},
        lambda: tenant.world.uncombine_package(package_id, order_ids),
    )
    if problem:
        return _refused(tenant, order_id, "uncombine", problem)
    return _done(order_id, f"Orders taken out of package {package_id}")


@actions.post("/orders/<order_id>/cancellations/<cancel_id>/<answer>")
def answer_cancellation(order_id: str, cancel_id: str, answer: str) -> Response:
    """Approve or reject the buyer's cancellation request, as approve_cancellation and
    reject_cancellation do."""
    tenant = pages.current_tenant()
    world = tenant.world
    if answer == "approve":
        problem = _perform(
            tenant,
            "approve_cancellation",
            {"cancel_id": cancel_id},
            lambda: world.approve_cancellation(cancel_id),
        )
        done = "Cancellation approved"
    elif answer == "reject":
        reason = request.form.get("reject_reason", "")
        problem = _perform(
            tenant,
            "reject_cancellation",
            {"cancel_id": cancel_id},
            lambda: world.reject_cancellation(cancel_id, reason),
        )
        done = "Cancellation rejected"
    else:
        return _refused(tenant, order_id, "cancellation", f"'{answer}' is not an answer: approve or reject")
    if problem:
        return _refused(tenant, order_id, "cancellation", problem)
    return _done(order_id, done)


@actions.post("/orders/<order_id>/returns/<return_id>/<answer>")
def answer_return(order_id: str, return_id: str, answer: str) -> Response:
    """Approve or reject the buyer's return or refund request, as approve_return and
    reject_return (202309) do."""
    tenant = pages.current_tenant()
    world = tenant.world
    form = request.form
    if answer == "approve":
        problem = _perform(
            tenant, "approve_return", {"return_id": return_id}, lambda: world.approve_return(return_id)
        )
        done = "Request approved"
    elif answer == "reject":
        problem = _perform(
            tenant,
            "reject_return",
            {"return_id": return_id},
            lambda: world.reject_return(return_id, form.get("reject_reason", ""), form.get("comment", "")),
        )
        done = "Request rejected"
    else:
        return _refused(tenant, order_id, "return", f"'{answer}' is not an answer: approve or reject")
    if problem:
        return _refused(tenant, order_id, "return", problem)
    return _done(order_id, done)


@actions.post("/orders/<order_id>/tickets")
def raise_ticket(order_id: str) -> Response:
    """Contact Logistics Service from the order's logistics issue tag, with evidence files: the
    Seller Center's create_ticket (POST /seller-center/tickets), journaled as it is (its answer is
    plain JSON: an HTTP status, no envelope code)."""
    tenant = pages.current_tenant()
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
        _journal(tenant, "create_ticket", {}, None, _ticket_refusal_status(exc))
        return _refused(tenant, order_id, "ticket", exc.message)
    _journal(tenant, "create_ticket", {}, None, 201)
    return redirect(url_for("web.ticket", ticket_id=ticket.id, message="Ticket raised"), code=303)


def _ticket_refusal_status(exc: RuleViolation) -> int:
    """The HTTP status POST /seller-center/tickets answers the same refusal with."""
    if isinstance(exc, EvidenceRefused):
        return {"too_large": 413, "wrong_type": 415}.get(exc.reason, 400)
    if exc.code == Code.ORDER_NOT_FOUND:
        return 404
    return 422  # the ticket desk's rules (TicketRefused), as an illegal transition


@actions.post("/scenarios")
def load_scenario() -> Response:
    """Load a bundled scenario, or one uploaded, into the tenant the page shows (as POST
    /sandbox/scenarios does): one with a setup starts the tenant's world afresh."""
    tenant = pages.current_tenant()
    control = pages.control_plane()
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            text, source = upload.read(MAX_UPLOAD + 1), upload.filename
            if len(text) > MAX_UPLOAD:
                raise BadForm(f"{source} is larger than {MAX_UPLOAD // 1024} KB")
        else:
            name = request.form.get("bundled", "")
            path = find_scenario(name) if name in bundled_names() else None
            if path is None:
                raise BadForm(f"'{name}' is not a bundled scenario: choose one of the list")
            text, source = path.read_bytes(), path.name
        run = tenant.world.load_scenario(control.parse_scenario(text, source))
    except (BadForm, ScenarioError, ScenarioConflict, RuleViolation) as exc:
        message = exc.message if isinstance(exc, ScenarioConflict | RuleViolation) else str(exc)
        return pages.render_scenarios(tenant, error=message, typed=dict(request.form), status=400)
    back = url_for("web.scenarios")
    return redirect(f"{back}?{urlencode({'message': f'Loaded {run.scenario.name}'})}", code=303)
