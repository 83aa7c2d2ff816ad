"""Every error, whatever raised it, answered in the right shape: the platform's envelope on Open
API paths, the control plane's JSON on /sandbox. Never a 500 page, never problem+json."""

from __future__ import annotations

import asyncio
import html
import logging
from typing import TYPE_CHECKING, Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from sandbox.domain.codes import Code, http_status
from sandbox.domain.events import RuleViolation
from sandbox.http.envelope import ApiError, ControlError, dumps, failure
from sandbox.http.paths import is_json_surface_path, is_web_path

if TYPE_CHECKING:
    import connexion

    from sandbox.http.host import Host

log = logging.getLogger("sandbox")


def _is_control(request: ConnexionRequest) -> bool:
    """The control plane, the carrier API and the Seller Center answer errors as JSON, not in the
    platform's envelope."""
    return is_json_surface_path(request.url.path)


def install(app: connexion.FlaskApp, host: Host) -> None:
    def _request_id(request: ConnexionRequest) -> str:
        # The app_key names the tenant whose counter numbers the request (default tenant otherwise),
        # so that error responses are as reproducible as successful ones.
        tenant = host.tenants.get(request.query_params.get("app_key", "")) or host.tenants.default
        return tenant.world.next_request_id()

    def respond(
        request: ConnexionRequest, code: int, message: str, headers: dict[str, str] | None = None
    ) -> ConnexionResponse:
        body = failure(_request_id(request), code, message)
        return ConnexionResponse(
            status_code=http_status(code, host.mirror_http_status),
            content_type="application/json",
            body=dumps(body),
            headers=dict(headers or {}),
        )

    def control(
        status: int, type_: str, message: str, headers: dict[str, str] | None = None
    ) -> ConnexionResponse:
        return ConnexionResponse(
            status_code=status,
            content_type="application/json",
            body=dumps(ControlError(status, type_, message).body()),
            headers=dict(headers or {}),
        )

    def on_api_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ApiError)
        if _is_control(request):
            return control(400, "invalid_request", exc.message)
        return respond(request, exc.code, exc.message, exc.headers)

    def on_control_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ControlError)
        return ConnexionResponse(
            status_code=exc.status, content_type="application/json", body=dumps(exc.body())
        )

    def on_rule_violation(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, RuleViolation)
        if _is_control(request):
            return control(409, "illegal_transition", exc.message)
        return respond(request, exc.code, exc.message)

    def on_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ProblemException)
        # jsonschema appends the failing schema and instance after a blank line: keep the sentence.
        detail = str(exc.detail or exc.title or "invalid request").split("\n\n")[0]
        if _is_control(request):
            return control(exc.status or 400, "invalid_request", detail)
        if exc.status == 405:
            return respond(
                request, Code.INVALID_METHOD, f"Invalid method: {request.method} {request.url.path}"
            )
        if exc.status == 404:
            return respond(request, Code.INVALID_PATH, f"Invalid path: {request.method} {request.url.path}")
        return respond(request, Code.INVALID_REQUEST, f"Invalid request: {detail}")

    def page(status: int, message: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
        text = html.escape(message)
        # In the page's dress (its stylesheet), for errors no page of the web page answered.
        body = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{status}</title>"
            "<link rel='stylesheet' href='/web/static/style.css'></head><body><main>"
            f"<section class='error-page'><h1>{status}</h1><p class='problem' role='alert'>{text}</p>"
            "<p><a href='/web/'>Manage Orders</a></p></section></main></body></html>"
        )
        return ConnexionResponse(
            status_code=status,
            content_type="text/html; charset=utf-8",
            body=body,
            headers=dict(headers or {}),
        )

    def on_http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, HTTPException)
        # The router's headers stay: a 405 names the methods the path has (Allow, RFC 9110), in a
        # fixed order (the router keeps them in a set), so that the same call gives the same bytes.
        headers = dict(exc.headers or {})
        if "Allow" in headers:
            headers["Allow"] = ", ".join(sorted(m.strip() for m in headers["Allow"].split(",")))
        if is_web_path(request.url.path):
            return page(exc.status_code, str(exc.detail), headers)
        if _is_control(request):
            return control(exc.status_code, "invalid_request", str(exc.detail), headers)
        code = {404: Code.INVALID_PATH, 405: Code.INVALID_METHOD}.get(exc.status_code, Code.INVALID_REQUEST)
        return respond(request, code, f"{exc.detail}: {request.method} {request.url.path}", headers)

    def on_bad_form(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        # A multipart body the form parser cannot read is the client's mistake, not the sandbox's.
        message = f"the multipart form is malformed ({exc}); send it as curl -F field=value does"
        if is_web_path(request.url.path):
            return page(400, message)
        if _is_control(request):
            return control(400, "invalid_request", message)
        return respond(request, Code.INVALID_REQUEST, f"Invalid request: {message}")

    def on_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        # A bug in the sandbox: say so in the right shape, and log it for the bug report.
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        message = f"Internal error in the sandbox ({type(exc).__name__}); see the server log"
        if is_web_path(request.url.path):
            return page(500, message)
        if _is_control(request):
            return control(500, "internal_error", message)
        return respond(request, Code.INTERNAL_ERROR, message)

    handlers: list[tuple[type[Exception], Any]] = [
        (ApiError, on_api_error),
        (ControlError, on_control_error),
        (RuleViolation, on_rule_violation),
        (ProblemException, on_problem),
        (HTTPException, on_http_exception),
        (MultiPartException, on_bad_form),
        (Exception, on_unexpected),
    ]
    for exc_type, handler in handlers:
        app.add_error_handler(exc_type, _on_loop_when_free(handler, host))


def _on_loop_when_free(handler: Any, host: Host) -> Any:
    """The handler, answered on the event loop when the world that numbers the error is free.

    A sync handler would be run on a worker thread for every error: a hop there and back that, with
    a data directory, the tenant's turn waits for (refused calls are common). Only a world busy
    with a long operation sends the answer to a thread, as the operations' own handlers do
    (sandbox.http.prepared._inline)."""

    async def answer(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        tenant = host.tenants.get(request.query_params.get("app_key", "")) or host.tenants.default
        lock = tenant.world.lock
        if lock.acquire(blocking=False):
            lock.release()
            return handler(request, exc)
        return await asyncio.to_thread(handler, request, exc)

    return answer
