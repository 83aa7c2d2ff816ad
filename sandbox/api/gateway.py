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
import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import auth
from sandbox.api.context import CONTEXT_KEY, RequestContext
from sandbox.api.envelope import (
    INVALID_PATH,
    INVALID_REQUEST,
    INVALID_SIGN,
    TOO_MANY_REQUESTS,
    UNKNOWN_VERSION,
    ApiError,
    ControlError,
    dumps,
    failure,
    http_status,
)
from sandbox.clock import wall_now
from sandbox.faults import Decision, FaultedRequest
from sandbox.journal import BODY_CAP

if TYPE_CHECKING:
    from sandbox.app import Sandbox
    from sandbox.tenants import Tenant

MAX_BODY_BYTES = 12 * 1024 * 1024  # uploads of up to 10 MB, with their multipart wrapping
MAX_JSON_DEPTH = 64
BUSY_POLL_SECONDS = 0.002  # how often a request for a busy world looks again
TENANT_HEADER = "x-sandbox-tenant"
CARRIER_KEY_HEADER = "x-api-key"
CONTROL_PREFIX = "/sandbox"
CARRIER_PREFIX = "/carrier"
SELLER_CENTER_PREFIX = "/seller-center"
WEB_PREFIX = "/web"  # the QA page: plain Flask routes, no operation behind them
JSON = "application/json"
_VERSIONED_PATH = re.compile(r"^/([a-z_]+)/(\d{6})/")
_VERSION_SUFFIX = re.compile(r"_\d{6}$")
# Credentials a client may put in the query: the journal is readable over the control plane, so it
# keeps that they were sent, never their values.
SECRET_PARAMS = frozenset({"app_secret", "access_token", "refresh_token"})
REDACTED = "(redacted)"
_ENVELOPE_CODE = re.compile(rb'^\{"code":(-?\d+)')
_log = logging.getLogger("sandbox.persistence")


@dataclass(frozen=True)
class OperationInfo:
    """What the gate needs to know of an operation, read from its spec."""

    auth: auth.AuthLevel | None  # None on the control plane
    media_types: tuple[str, ...]  # the request body's media types, first preferred
    tenant_scoped: bool = True  # control plane: acts on the X-Sandbox-Tenant tenant


class BadBody(Exception):
    pass


def operation_name(operation_id: str) -> str:
    """``sandbox.api.orders.get_order_detail_202507`` -> ``get_order_detail``: one name per
    operation across its versions, as scenarios refer to it."""
    return _VERSION_SUFFIX.sub("", operation_id.rsplit(".", 1)[-1])


class Gateway:
    def __init__(self, app: ASGIApp, *, sandbox: Sandbox, operations: dict[str, OperationInfo]):
        self.app = app
        self.sandbox = sandbox
        self.operations = operations
        # Which versions each API category serves, to tell an unknown version from a bad path.
        self.categories: dict[str, set[str]] = {}
        for match in map(_VERSIONED_PATH.match, sandbox.tiktok_paths):
            if match:
                self.categories.setdefault(match.group(1), set()).add(match.group(2))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operation_id = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
        info = self.operations.get(operation_id or "")
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
        params = _query(scope)
        tenant = self.sandbox.tenants.get(params.get("app_key", ""))
        _reached(scope, tenant)
        request = _Request(operation_id, scope["method"], scope["path"], params, b"", TIKTOK)
        try:
            request.body = await _read_body(receive)
            # From here to the handler nothing awaits: a world free now is free when taken.
            await until_free(tenant)
            headers = _headers(scope)
            content_type = headers.get("content-type", "")
            if info.auth is not auth.AuthLevel.APP:
                verified = auth.verify(
                    self.sandbox.tenants,
                    info.auth,
                    path=scope["path"],
                    params=params,
                    headers=headers,
                    body=request.body,
                    content_type=content_type,
                    wall_now=wall_now(),
                )
                tenant = verified.tenant
                _reached(scope, tenant)
                _set_context(scope, RequestContext(self.sandbox, verified.tenant, verified.shop))
            else:
                _set_context(scope, RequestContext(self.sandbox))
            _normalize_body(scope, request.body, info.media_types)
        except (ApiError, BadBody) as problem:
            await until_free(tenant)  # the error's request ID is the tenant's
            error = problem if isinstance(problem, ApiError) else ApiError(INVALID_REQUEST, str(problem))
            _journal(scope, request, tenant, signature_ok=error.code != INVALID_SIGN)
            await self._send_error(send, error, self._request_id(scope, tenant))
            return
        decision = await self._apply_faults(tenant, operation_id, scope, TIKTOK)
        if decision.fails:
            assert decision.code is not None and tenant is not None
            error = ApiError(decision.code, decision.message)
            _journal(scope, request, tenant, faults=decision.markers)
            await self._send_error(send, error, self._request_id(scope, tenant))
            return
        _journal(scope, request, tenant, faults=decision.markers)
        await self.app(scope, _replay(request.body, receive), send)

    async def _apply_faults(
        self, tenant: Tenant | None, operation_id: str, scope: Scope, surface: str
    ) -> Decision:
        """The tenant's injected faults (and the platform's rate limit, when the server enforces
        it) for this request. Any delay is slept here, outside the world's lock."""
        if tenant is None:
            return Decision()
        request = FaultedRequest(operation_name(operation_id), scope["method"], scope["path"])
        wall = self.sandbox.wall_clock()
        decision = tenant.world.decide_faults(request, wall)
        limiter = self.sandbox.rate_limiter
        throttled = (
            not decision.fails
            and surface == TIKTOK
            and limiter is not None
            and not limiter.allow((tenant.app_key, request.operation), wall)
        )
        if throttled:
            assert limiter is not None
            decision.code = TOO_MANY_REQUESTS
            decision.message = f"Too many requests: more than {limiter.qps} per second on this API"
            decision.markers.append({"id": "server-rate-limit", "kind": "rate_limit", "code": decision.code})
        if decision.delay_ms:
            await asyncio.sleep(decision.delay_ms / 1000)
        return decision

    def _unknown_path(self, scope: Scope) -> ApiError:
        match = _VERSIONED_PATH.match(scope["path"])
        served = self.categories.get(match.group(1), set()) if match else set()
        if match and served and match.group(2) not in served:
            versions = ", ".join(sorted(served))
            return ApiError(
                UNKNOWN_VERSION,
                f"Unknown API version {match.group(2)} for {match.group(1)}; this sandbox serves {versions}",
            )
        return ApiError(INVALID_PATH, f"Invalid path: {scope['method']} {scope['path']}")

    def _request_id(self, scope: Scope, tenant: Tenant | None = None) -> str:
        # Deterministic even for requests that name no known app: they count on the default tenant.
        found = tenant or self.sandbox.tenants.get(_query(scope).get("app_key", ""))
        return (found or self.sandbox.tenants.default).world.next_request_id()

    async def _send_error(self, send: Send, error: ApiError, request_id: str) -> None:
        body = failure(request_id, error.code, error.message)
        await _send_json(send, http_status(error.code, self.sandbox.mirror_http_status), body, error.headers)

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
            await _send_json(send, error.status, error.body())
            return
        wanted = _headers(scope).get(surface.tenant_header, "").strip()
        tenant = self.sandbox.tenants.get(wanted) if wanted else self.sandbox.tenants.default
        if tenant is None and info.tenant_scoped:
            error = ControlError(
                404,
                "unknown_tenant",
                f"no tenant has app_key '{wanted}': {surface.default_hint}, "
                "or create one with POST /sandbox/tenants",
            )
            await _send_json(send, error.status, error.body())
            return
        tenant = tenant or self.sandbox.tenants.default
        _reached(scope, tenant)
        try:
            body = await _read_body(receive)
            _normalize_body(scope, body, info.media_types)
        except (ApiError, BadBody) as problem:
            message = problem.message if isinstance(problem, ApiError) else str(problem)
            error = ControlError(400, "invalid_request", message)
            await _send_json(send, error.status, error.body())
            return
        _set_context(scope, RequestContext(self.sandbox, tenant, tenant.shop))
        if not surface.journaled:
            await self.app(scope, _replay(body, receive), send)
            return
        request = _Request(
            operation_id, scope["method"], scope["path"], _query(scope), body, surface.journal_name
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
            _journal(scope, request, tenant, faults=decision.markers)
            await _send_json(send, error.status, error.body())
            return
        _journal(scope, request, tenant, faults=decision.markers)
        await self.app(scope, _replay(body, receive), send)


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


async def until_free(tenant: Tenant | None) -> None:
    """Wait, without holding up the event loop, while the tenant's world is busy with a long
    operation on a worker thread (a clock advance over thousands of orders, a scenario load):
    the gate and the handlers take its lock, and waiting for it on the loop would stall every
    other client, of every tenant, until it is done."""
    if tenant is None:
        return
    lock = tenant.world.lock
    while not lock.acquire(blocking=False):
        await asyncio.sleep(BUSY_POLL_SECONDS)
    lock.release()


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def is_carrier_path(path: str) -> bool:
    return path == CARRIER_PREFIX or path.startswith(CARRIER_PREFIX + "/")


def is_seller_center_path(path: str) -> bool:
    return path == SELLER_CENTER_PREFIX or path.startswith(SELLER_CENTER_PREFIX + "/")


def is_web_path(path: str) -> bool:
    return path == WEB_PREFIX or path.startswith(WEB_PREFIX + "/")


def is_json_surface_path(path: str) -> bool:
    """Paths that answer errors in plain JSON rather than the platform's envelope."""
    return is_control_path(path) or is_carrier_path(path) or is_seller_center_path(path)


JOURNAL_KEY = "tts_journal"
TENANT_KEY = "tts_tenant"  # the tenant a request reached, for the persister
QUERY_KEY = "tts_query"  # the request's parsed query (query_pairs)


def _reached(scope: Scope, tenant: Tenant | None) -> None:
    scope.setdefault("extensions", {})[TENANT_KEY] = tenant


class Persister:
    """With a data directory: writes the tenant a request reached after the request is handled
    and before its answer goes out, so that every answered change is on disk.

    The answer is held back while the tenant is written (on a worker thread, not the event loop).
    If it cannot be written, the client gets 503 instead of an answer that would promise a change
    a restart could lose.
    """

    def __init__(self, app: ASGIApp, *, sandbox: Sandbox):
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        scope.setdefault("extensions", {}).pop(TENANT_KEY, None)
        try:
            await self.app(scope, receive, hold)
        finally:
            reached = TENANT_KEY in scope["extensions"]
            tenant = scope["extensions"].get(TENANT_KEY) or self.sandbox.tenants.default
            saved = True
            if reached:
                try:
                    await asyncio.to_thread(self.sandbox.persist, tenant)
                except Exception:
                    _log.exception("could not write tenant %s to the data directory", tenant.app_key)
                    saved = False
        if not saved:
            error = ControlError(
                503,
                "state_not_saved",
                "the change was made but could not be written to the data directory (see the "
                "server's log); it may be lost on restart",
            )
            await _send_json(send, error.status, error.body())
            return
        for message in held:
            await send(message)


@dataclass
class _JournalSlot:
    """What the gateway decided to journal about a request, filled in once the answer is out."""

    request: _Request | None = None
    tenant: Tenant | None = None
    options: dict[str, Any] | None = None


def _journal(scope: Scope, request: _Request, tenant: Tenant | None, **options: Any) -> None:
    slot = scope.get("extensions", {}).get(JOURNAL_KEY)
    if isinstance(slot, _JournalSlot):
        slot.request, slot.tenant, slot.options = request, tenant, options


class JournalRecorder:
    """Journals the requests the gateway marked, with the answer as the client got it.

    It sits outside connexion's exception middleware, so that answers rendered from an exception
    (a rule the request broke, a validation error) are journaled with their real status and code.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        slot = _JournalSlot()
        scope.setdefault("extensions", {})[JOURNAL_KEY] = slot
        capture = _Capture(send)
        await self.app(scope, receive, capture)
        if slot.request is not None:
            await until_free(slot.tenant)
            slot.request.record(slot.tenant, capture, **(slot.options or {}))


class TrailingSlashGuard:
    """Refuses paths with a trailing slash instead of redirecting: following a redirect would
    change the signed path, and the platform does not redirect either."""

    def __init__(self, app: ASGIApp, *, sandbox: Sandbox):
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or len(path) <= 1 or not path.endswith("/") or is_web_path(path):
            await self.app(scope, receive, send)
            return
        if is_json_surface_path(path):
            error = ControlError(404, "unknown_path", f"{path} is not an operation (no trailing slash)")
            await _send_json(send, error.status, error.body())
            return
        tenant = self.sandbox.tenants.get(_query(scope).get("app_key", "")) or self.sandbox.tenants.default
        body = failure(
            tenant.world.next_request_id(),
            INVALID_PATH,
            f"Invalid path: {scope['method']} {path} (no trailing slash)",
        )
        await _send_json(send, http_status(INVALID_PATH, self.sandbox.mirror_http_status), body)


def _normalize_body(scope: Scope, body: bytes, media_types: tuple[str, ...]) -> None:
    """Hand validation a body it can read: the right content type and length, whatever the client
    sent (any letter case, no content type, chunked), or refuse it with the reason.

    A JSON body is checked here too, so that undecodable bytes or absurd nesting are a clear
    "invalid request" rather than a crash further down.
    """
    if not media_types:
        return
    # The body is whole now: its length replaces any chunked transfer the client used.
    replaced = (b"content-type", b"content-length", b"transfer-encoding")
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in replaced]
    given = _headers(scope).get("content-type", "").split(";")[0].strip().lower()
    media_type = given if given in media_types else media_types[0]
    if body and media_type == JSON:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadBody("the body is not UTF-8 text; send JSON encoded as UTF-8") from None
        try:
            _check_depth(json.loads(text))
        except RecursionError:
            raise BadBody(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep") from None
        except ValueError as exc:
            raise BadBody(f"the body is not valid JSON: {exc}") from None
    # Canonical spelling; a multipart body keeps its parameters (the boundary).
    params = _headers(scope).get("content-type", "").partition(";")[2]
    if media_type.startswith("multipart/") and "boundary=" not in params.lower():
        raise BadBody(
            f"send the form as {media_type} with its boundary (for example curl -F field=value "
            "-F file=@path), not as another content type"
        )
    value = f"{media_type};{params}" if media_type.startswith("multipart/") and params else media_type
    headers.append((b"content-type", value.encode("latin-1")))
    headers.append((b"content-length", str(len(body)).encode()))
    scope["headers"] = headers


def _check_depth(value: Any, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise RecursionError
    if isinstance(value, dict):
        for item in value.values():
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def query_pairs(scope: Scope) -> list[tuple[str, str]]:
    """The query's (name, value) pairs, as Starlette reads them; parsed once per request, for the
    gate and the operation both."""
    extensions = scope.setdefault("extensions", {})
    pairs: list[tuple[str, str]] | None = extensions.get(QUERY_KEY)
    if pairs is None:
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        extensions[QUERY_KEY] = pairs
    return pairs


def _query(scope: Scope) -> dict[str, str]:
    return dict(query_pairs(scope))


class _Capture:
    """Passes a response through, keeping its status and envelope code for the journal."""

    def __init__(self, send: Send):
        self.send = send
        self.status = 0
        self.code: int | None = None
        self._first_body = True

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body" and self._first_body:
            self._first_body = False
            match = _ENVELOPE_CODE.match(message.get("body", b""))
            self.code = int(match.group(1)) if match else None
        await self.send(message)


@dataclass
class _Request:
    operation_id: str
    method: str
    path: str
    params: dict[str, str]
    body: bytes
    surface: str

    def record(
        self,
        tenant: Tenant | None,
        capture: _Capture,
        *,
        signature_ok: bool = True,
        faults: list[dict[str, Any]] | None = None,
    ) -> None:
        if tenant is None:
            return  # no app to file it under
        tenant.world.record_request(
            surface=self.surface,
            tenant=tenant.app_key,
            faults=tuple(faults or ()),
            wall=wall_now(),
            operation=operation_name(self.operation_id),
            method=self.method,
            path=self.path,
            query={k: REDACTED if k in SECRET_PARAMS else v for k, v in self.params.items() if k != "sign"},
            body=self.body[:BODY_CAP].decode("utf-8", "replace"),
            status=capture.status,
            code=capture.code,
            signature_ok=signature_ok,
        )


def _set_context(scope: Scope, ctx: RequestContext) -> None:
    host = _headers(scope).get("host") or "{}:{}".format(*(scope.get("server") or ("127.0.0.1", 80)))
    ctx = replace(ctx, base_url=f"{scope.get('scheme', 'http')}://{host}")
    scope.setdefault("extensions", {}).setdefault("connexion_context", {})[CONTEXT_KEY] = ctx


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(INVALID_REQUEST, f"Invalid request: body larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    raw = dumps(body)
    header_list = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    header_list += [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": header_list})
    await send({"type": "http.response.body", "body": raw})
