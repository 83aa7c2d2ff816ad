"""The ASGI gate in front of every operation: authenticates Open API calls, picks the control
plane's tenant, and answers unknown paths in the platform's envelope.

It sits after connexion's routing (so it knows the operation) and before validation, as the
platform checks the signature before the parameters. Connexion's security handlers never see the
body, and the signature covers the body, so the check lives here: the body is buffered, verified and
replayed to the rest of the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import auth
from sandbox.api.context import CONTEXT_KEY, RequestContext
from sandbox.api.envelope import (
    INVALID_PATH,
    INVALID_REQUEST,
    INVALID_SIGN,
    UNKNOWN_VERSION,
    ApiError,
    ControlError,
    anonymous_request_id,
    dumps,
    failure,
    http_status,
)
from sandbox.clock import wall_now
from sandbox.journal import BODY_CAP

if TYPE_CHECKING:
    from sandbox.app import Sandbox
    from sandbox.tenants import Tenant

MAX_BODY_BYTES = 10 * 1024 * 1024
TENANT_HEADER = "x-sandbox-tenant"
CONTROL_PREFIX = "/sandbox"
_VERSIONED_PATH = re.compile(r"^/([a-z_]+)/(\d{6})/")
_VERSION_SUFFIX = re.compile(r"_\d{6}$")
_ENVELOPE_CODE = re.compile(rb'^\{"code":(-?\d+)')


class Gateway:
    def __init__(self, app: ASGIApp, *, sandbox: Sandbox, auth_levels: dict[str, auth.AuthLevel]):
        self.app = app
        self.sandbox = sandbox
        self.auth_levels = auth_levels
        # Which versions each API category serves, to tell an unknown version from a bad path.
        self.categories: dict[str, set[str]] = {}
        for match in map(_VERSIONED_PATH.match, sandbox.tiktok_paths):
            if match:
                self.categories.setdefault(match.group(1), set()).add(match.group(2))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        operation_id = routing.get("operation_id")
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            await self._control(scope, receive, send)
            return
        if operation_id is None:
            await self._unknown_path(scope, send)
            return
        level = self.auth_levels.get(operation_id, auth.AuthLevel.SHOP)
        try:
            body = await _read_body(receive)
        except ApiError as error:
            await self._send_error(send, error)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        params = dict(parse_qsl(query, keep_blank_values=True))
        request = _Request(operation_id, scope["method"], path, params, body)
        if level is auth.AuthLevel.APP:
            _set_context(scope, RequestContext(self.sandbox))
            capture = _Capture(send)
            await self.app(scope, _replay(body, receive), capture)
            request.record(self.sandbox.tenants.get(params.get("app_key", "")), capture)
            return
        try:
            verified = auth.verify(
                self.sandbox.tenants,
                level,
                path=path,
                params=params,
                headers=headers,
                body=body,
                content_type=headers.get("content-type", ""),
                wall_now=wall_now(),
            )
        except ApiError as error:
            tenant = self.sandbox.tenants.get(params.get("app_key", ""))
            capture = _Capture(send)
            await self._send_error(capture, error, tenant.world.next_request_id() if tenant else None)
            request.record(tenant, capture, signature_ok=error.code != INVALID_SIGN)
            return
        _set_context(scope, RequestContext(self.sandbox, verified.tenant, verified.shop))
        capture = _Capture(send)
        await self.app(scope, _replay(body, receive), capture)
        request.record(verified.tenant, capture)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        wanted = headers.get(TENANT_HEADER.encode(), b"").decode("latin-1").strip()
        tenant = self.sandbox.tenants.get(wanted) if wanted else self.sandbox.tenants.default
        if tenant is None:
            error = ControlError(
                404,
                "unknown_tenant",
                f"no tenant has app_key '{wanted}': drop the X-Sandbox-Tenant header "
                "for the default tenant, or create one with POST /sandbox/tenants",
            )
            await _send_json(send, error.status, error.body())
            return
        if scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id") is None:
            error = ControlError(
                404,
                "unknown_path",
                f"{scope['method']} {scope['path']} is not a control-plane operation; "
                "see /sandbox/ui for the list",
            )
            await _send_json(send, error.status, error.body())
            return
        _set_context(scope, RequestContext(self.sandbox, tenant, tenant.shop))
        await self.app(scope, receive, send)

    async def _unknown_path(self, scope: Scope, send: Send) -> None:
        match = _VERSIONED_PATH.match(scope["path"])
        if (
            match
            and match.group(1) in self.categories
            and match.group(2) not in self.categories[match.group(1)]
        ):
            versions = ", ".join(sorted(self.categories[match.group(1)]))
            error = ApiError(
                UNKNOWN_VERSION,
                f"Unknown API version {match.group(2)} for {match.group(1)}; this sandbox serves {versions}",
            )
        else:
            error = ApiError(INVALID_PATH, f"Invalid path: {scope['method']} {scope['path']}")
        await self._send_error(send, error)

    async def _send_error(self, send: Send, error: ApiError, request_id: str | None = None) -> None:
        body = failure(request_id or anonymous_request_id(), error.code, error.message)
        status = http_status(error.code, self.sandbox.mirror_http_status)
        await _send_json(send, status, body, error.headers)


def operation_name(operation_id: str) -> str:
    """``sandbox.api.orders.get_order_detail_202507`` -> ``get_order_detail``: one name per
    operation across its versions, as scenarios refer to it."""
    return _VERSION_SUFFIX.sub("", operation_id.rsplit(".", 1)[-1])


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

    def record(self, tenant: Tenant | None, capture: _Capture, *, signature_ok: bool = True) -> None:
        if tenant is None:
            return  # no app to file it under
        tenant.world.record_request(
            wall=wall_now(),
            operation=operation_name(self.operation_id),
            method=self.method,
            path=self.path,
            query={k: v for k, v in self.params.items() if k != "sign"},
            body=self.body[:BODY_CAP].decode("utf-8", "replace"),
            status=capture.status,
            code=capture.code,
            signature_ok=signature_ok,
        )


def _set_context(scope: Scope, ctx: RequestContext) -> None:
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
    header_list = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
    ]
    header_list += [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": header_list})
    await send({"type": "http.response.body", "body": raw})
