"""Journals the requests the gate marked, with the answer as the client got it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.clock import wall_now
from sandbox.http.asgi import JOURNAL_KEY, until_free
from sandbox.journal import BODY_CAP, CAUSING_REQUEST

if TYPE_CHECKING:
    from sandbox.tenants import Tenant

# Credentials a client may put in the query: the journal is readable over the control plane, so it
# keeps that they were sent, never their values.
SECRET_PARAMS = frozenset({"app_secret", "access_token", "refresh_token"})
REDACTED = "(redacted)"
_ENVELOPE_CODE = re.compile(rb'^\{"code":(-?\d+)')
_VERSION_SUFFIX = re.compile(r"_\d{6}$")


def operation_name(operation_id: str) -> str:
    """``sandbox.api.orders.get_order_detail_202507`` -> ``get_order_detail``: one name per
    operation across its versions, as scenarios refer to it."""
    return _VERSION_SUFFIX.sub("", operation_id.rsplit(".", 1)[-1])


@dataclass
class _JournalSlot:
    """What the gateway decided to journal about a request, filled in once the answer is out."""

    request: JournalRequest | None = None
    tenant: Tenant | None = None
    options: dict[str, Any] | None = None


def mark(scope: Scope, request: JournalRequest, tenant: Tenant | None, **options: Any) -> None:
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
        cause = CAUSING_REQUEST.set(object())  # this request, as the cause of what it does
        try:
            await self.app(scope, receive, capture)
            if slot.request is not None:
                await until_free(slot.tenant)
                slot.request.record(slot.tenant, capture, **(slot.options or {}))
        finally:
            CAUSING_REQUEST.reset(cause)


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
class JournalRequest:
    operation_id: str
    method: str
    path: str
    params: dict[str, str]
    body: bytes
    surface: str
    path_params: dict[str, str] = field(default_factory=dict)

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
            path_params=self.path_params,
        )
