"""The ASGI gate in front of every operation: authenticates Open API calls, picks the control
plane's tenant, normalizes request bodies, applies injected faults, journals calls, and answers
unknown paths in the platform's envelope.

It sits after connexion's routing (so it knows the operation) and before validation, as the
platform checks the signature before the parameters. Connexion's security handlers never see the
body, and the signature covers the body, so the check lives here: the body is buffered, verified and
replayed to the rest of the stack.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox import auth
from sandbox.clock import wall_now
from sandbox.domain.codes import Code, http_status
from sandbox.faults import Decision, FaultedRequest
from sandbox.http.asgi import (
    JSON_BODY_KEY,
    THROTTLED_KEY,
    headers,
    query,
    query_joined,
    query_pairs,
    reached,
    read_body,
    replay,
    send_json,
    set_context,
    take_turn,
    until_free,
)
from sandbox.http.connexion_private import routing_of
from sandbox.http.context import RequestContext
from sandbox.http.envelope import ApiError, ControlError, failure
from sandbox.http.paths import (
    CARRIER_KEY_HEADER,
    CARRIER_PREFIX,
    CONTROL_PREFIX,
    JSON,
    SELLER_CENTER_PREFIX,
    TENANT_HEADER,
    is_carrier_path,
    is_control_path,
    is_seller_center_path,
    is_web_path,
)
from sandbox.http.recorder import JournalRequest, mark, operation_name

if TYPE_CHECKING:
    from sandbox.http.host import ControlPlane, Host
    from sandbox.tenants import Tenant

MAX_JSON_DEPTH = 64
_VERSIONED_PATH = re.compile(r"^/([a-z_]+)/(\d{6})/")


@dataclass(frozen=True)
class OperationInfo:
    """What the gate needs to know of an operation, read from its spec."""

    auth: auth.AuthLevel | None  # None on the control plane
    media_types: tuple[str, ...]  # the request body's media types, first preferred
    tenant_scoped: bool = True  # control plane: acts on the X-Sandbox-Tenant tenant


class BadBody(Exception):
    pass


class Gateway:
    """``host``: what the gate reads of the sandbox; ``control``: what it hands the control
    plane's handlers in their context (it reads nothing of it itself); ``tiktok_paths``: the
    Open API's paths, to tell an unknown version from a bad path."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: Host,
        control: ControlPlane,
        operations: dict[str, OperationInfo],
        tiktok_paths: Iterable[str],
    ):
        self.app = app
        self.host = host
        self.control = control
        self.operations = operations
        # Which versions each API category serves, to tell an unknown version from a bad path.
        self.categories: dict[str, set[str]] = {}
        for match in map(_VERSIONED_PATH.match, tiktok_paths):
            if match:
                self.categories.setdefault(match.group(1), set()).add(match.group(2))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operation_id = routing_of(scope).get("operation_id")
        info = self.operations.get(operation_id or "")
        await take_turn(scope)
        if is_web_path(scope["path"]):
            await self.app(scope, receive, send)
        elif is_control_path(scope["path"]):
            await self._control(scope, receive, send, info, CONTROL)
        elif is_carrier_path(scope["path"]):
            await self._control(scope, receive, send, info, CARRIER, operation_id or "")
        elif is_seller_center_path(scope["path"]):
            await self._control(scope, receive, send, info, SELLER_CENTER, operation_id or "")
        elif info is None or info.auth is None:
            await self._send_error(send, self._unknown_path(scope), self._request_id(scope))
        else:
            await self._open_api(scope, receive, send, operation_id or "", info)

    # ----- the Open API ----------------------------------------------------------------------
    async def _open_api(
        self, scope: Scope, receive: Receive, send: Send, operation_id: str, info: OperationInfo
    ) -> None:
        assert info.auth is not None
        params = query(scope)
        tenant = self.host.tenants.get(params.get("app_key", ""))
        reached(scope, tenant)
        journaled = query_joined(scope)
        request = JournalRequest(
            operation_id, scope["method"], scope["path"], journaled, b"", TIKTOK, path_parameters(scope)
        )
        try:
            request.body = await read_body(receive)
            # From here to the handler nothing awaits: a world free now is free when taken.
            await until_free(tenant)
            request_headers = headers(scope)
            content_type = request_headers.get("content-type", "")
            if info.auth is not auth.AuthLevel.APP:
                verified = auth.verify(
                    self.host.tenants,
                    info.auth,
                    path=scope["path"],
                    query=query_pairs(scope),
                    headers=request_headers,
                    body=request.body,
                    content_type=content_type,
                    wall_now=wall_now(),
                )
                tenant = verified.tenant
                reached(scope, tenant)
                context = RequestContext(self.control, verified.tenant, verified.shop)
                set_context(scope, context, request_headers)
            else:
                set_context(scope, RequestContext(self.control), request_headers)
            _normalize_body(scope, request.body, info.media_types, request_headers)
        except (ApiError, BadBody) as problem:
            await until_free(tenant)  # the error's request ID is the tenant's
            error = problem if isinstance(problem, ApiError) else ApiError(Code.INVALID_REQUEST, str(problem))
            mark(scope, request, tenant, signature_ok=error.code != Code.INVALID_SIGN)
            await self._send_error(send, error, self._request_id(scope, tenant))
            return
        decision = await self._apply_faults(tenant, operation_id, scope, TIKTOK)
        if decision.fails:
            assert decision.code is not None and tenant is not None
            error = ApiError(decision.code, decision.message)
            mark(scope, request, tenant, faults=decision.markers)
            await self._send_error(send, error, self._request_id(scope, tenant))
            return
        mark(scope, request, tenant, faults=decision.markers)
        await self.app(scope, replay(request.body, receive), send)

    async def _apply_faults(
        self, tenant: Tenant | None, operation_id: str, scope: Scope, surface: str
    ) -> Decision:
        """The tenant's injected faults (and the platform's rate limit, when the server enforces
        it) for this request. Any delay is slept here, outside the world's lock."""
        if tenant is None:
            return Decision()
        request = FaultedRequest(operation_name(operation_id), scope["method"], scope["path"])
        wall = self.host.wall_clock()
        decision = tenant.world.decide_faults(request, wall)
        limiter = self.host.rate_limiter
        throttled = (
            not decision.fails
            and surface == TIKTOK
            and limiter is not None
            and not limiter.allow((tenant.app_key, request.operation), wall)
        )
        if throttled:
            assert limiter is not None
            scope.setdefault("extensions", {})[THROTTLED_KEY] = True  # logged as refused (--data-dir)
            decision.code = Code.TOO_MANY_REQUESTS
            decision.message = f"Too many requests: more than {limiter.qps} per second on this API"
            decision.markers.append({"id": "server-rate-limit", "kind": "rate_limit", "code": decision.code})
        if decision.delay_ms:
            await pause(decision.delay_ms / 1000)
        return decision

    def _unknown_path(self, scope: Scope) -> ApiError:
        match = _VERSIONED_PATH.match(scope["path"])
        served = self.categories.get(match.group(1), set()) if match else set()
        if match and served and match.group(2) not in served:
            versions = ", ".join(sorted(served))
            return ApiError(
                Code.UNKNOWN_VERSION,
                f"Unknown API version {match.group(2)} for {match.group(1)}; this sandbox serves {versions}",
            )
        return ApiError(Code.INVALID_PATH, f"Invalid path: {scope['method']} {scope['path']}")

    def _request_id(self, scope: Scope, tenant: Tenant | None = None) -> str:
        # Deterministic even for requests that name no known app: they count on the default tenant.
        found = tenant or self.host.tenants.get(query(scope).get("app_key", ""))
        return (found or self.host.tenants.default).world.next_request_id()

    async def _send_error(self, send: Send, error: ApiError, request_id: str) -> None:
        body = failure(request_id, error.code, error.message)
        await send_json(send, http_status(error.code, self.host.mirror_http_status), body, error.headers)

    # ----- the control plane -----------------------------------------------------------------
    async def _control(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        info: OperationInfo | None,
        surface: JsonSurface,
        operation_id: str = "",
    ) -> None:
        """The surfaces that answer in plain JSON: the control plane, the fake carrier's API (its
        tenant named by the X-Api-Key header) and the Seller Center's pages."""
        if info is None:
            error = ControlError(
                404,
                "unknown_path",
                f"{scope['method']} {scope['path']} is not a {surface.name} "
                f"operation; see {surface.prefix}/ui for the list",
            )
            await send_json(send, error.status, error.body())
            return
        request_headers = headers(scope)
        wanted = request_headers.get(surface.tenant_header, "").strip()
        tenant = self.host.tenants.get(wanted) if wanted else self.host.tenants.default
        if tenant is None and info.tenant_scoped:
            error = ControlError(
                404,
                "unknown_tenant",
                f"no tenant has app_key '{wanted}': {surface.default_hint}, "
                "or create one with POST /sandbox/tenants",
            )
            await send_json(send, error.status, error.body())
            return
        tenant = tenant or self.host.tenants.default
        reached(scope, tenant)
        try:
            body = await read_body(receive)
            _normalize_body(scope, body, info.media_types, request_headers)
        except (ApiError, BadBody) as problem:
            message = problem.message if isinstance(problem, ApiError) else str(problem)
            error = ControlError(400, "invalid_request", message)
            await send_json(send, error.status, error.body())
            return
        set_context(scope, RequestContext(self.control, tenant, tenant.shop), request_headers)
        if not surface.journaled:
            await self.app(scope, replay(body, receive), send)
            return
        request = JournalRequest(
            operation_id,
            scope["method"],
            scope["path"],
            query_joined(scope),
            body,
            surface.journal_name,
            path_parameters(scope),
        )
        # The control plane's handlers run on worker threads and the gate takes no world lock for
        # them; the carrier's and the Seller Center's faults are decided under the tenant's lock.
        await until_free(tenant)
        decision = await self._apply_faults(tenant, operation_id, scope, surface.journal_name)
        if decision.fails:
            assert decision.code is not None
            error = ControlError(
                http_status(decision.code, True),
                "injected_fault",
                decision.message,
                {"code": decision.code, "fault": decision.markers[-1]["id"]},
            )
            mark(scope, request, tenant, faults=decision.markers)
            await send_json(send, error.status, error.body())
            return
        mark(scope, request, tenant, faults=decision.markers)
        await self.app(scope, replay(body, receive), send)


@dataclass(frozen=True)
class JsonSurface:
    name: str
    prefix: str
    tenant_header: str
    default_hint: str  # how to reach the default tenant instead
    journaled: bool  # the journal records what clients do, not what the tests' control calls do
    journal_name: str = ""  # the surface as journal entries name it


TIKTOK = "tiktok"
CONTROL = JsonSurface(
    "control-plane",
    CONTROL_PREFIX,
    TENANT_HEADER,
    "drop the X-Sandbox-Tenant header for the default tenant",
    journaled=False,
)
CARRIER = JsonSurface(
    "carrier API",
    CARRIER_PREFIX,
    CARRIER_KEY_HEADER,
    "drop the X-Api-Key header for the default tenant's carrier account",
    journaled=True,
    journal_name="carrier",
)
SELLER_CENTER = JsonSurface(
    "Seller Center",
    SELLER_CENTER_PREFIX,
    TENANT_HEADER,
    "drop the X-Sandbox-Tenant header for the default tenant",
    journaled=True,
    journal_name="seller-center",
)


def _normalize_body(
    scope: Scope, body: bytes, media_types: tuple[str, ...], request_headers: dict[str, str]
) -> None:
    """Hand validation a body it can read: the right content type and length, whatever the client
    sent (any letter case, no content type, chunked), or refuse it with the reason.
    ``request_headers``: headers(scope), as the client sent them.

    A JSON body is checked here too, so that undecodable bytes or absurd nesting are a clear
    "invalid request" rather than a crash further down; what it parsed to is left in the scope
    (JSON_BODY_KEY) for validation, which would parse the same bytes the same way.
    """
    if not media_types:
        return
    # The body is whole now: its length replaces any chunked transfer the client used.
    replaced = (b"content-type", b"content-length", b"transfer-encoding")
    kept = [(k, v) for k, v in scope["headers"] if k.lower() not in replaced]
    sent_type = request_headers.get("content-type", "")
    given = sent_type.split(";")[0].strip().lower()
    media_type = given if given in media_types else media_types[0]
    if body and media_type == JSON:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadBody("the body is not UTF-8 text; send JSON encoded as UTF-8") from None
        try:
            parsed = json.loads(text)
            _check_depth(parsed)
        except RecursionError:
            raise BadBody(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep") from None
        except ValueError as exc:
            raise BadBody(f"the body is not valid JSON: {exc}") from None
        scope.setdefault("extensions", {})[JSON_BODY_KEY] = (body, parsed)
    # Canonical spelling; a multipart body keeps its parameters (the boundary).
    params = sent_type.partition(";")[2]
    if media_type.startswith("multipart/") and "boundary=" not in params.lower():
        raise BadBody(
            f"send the form as {media_type} with its boundary (for example curl -F field=value "
            "-F file=@path), not as another content type"
        )
    value = f"{media_type};{params}" if media_type.startswith("multipart/") and params else media_type
    kept.append((b"content-type", value.encode("latin-1")))
    kept.append((b"content-length", str(len(body)).encode()))
    scope["headers"] = kept


def _check_depth(value: Any, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise RecursionError
    if isinstance(value, dict):
        for item in value.values():
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


def path_parameters(scope: Scope) -> dict[str, str]:
    """The route's parameters (package_id...), as the router found them in the path."""
    return {str(k): str(v) for k, v in scope.get("path_params", {}).items()}


async def pause(seconds: float) -> None:
    """An injected latency: a real wait, on the event loop (the world is not held meanwhile)."""
    await asyncio.sleep(seconds)
