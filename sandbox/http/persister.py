"""With a data directory, every answered change is on disk before its answer leaves."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.http.asgi import TENANT_KEY, send_json
from sandbox.http.envelope import ControlError

if TYPE_CHECKING:
    from sandbox.http.host import Host

_log = logging.getLogger("sandbox.persistence")


class Persister:
    """With a data directory: writes the tenant a request reached after the request is handled
    and before its answer goes out, so that every answered change is on disk.

    The answer is held back while the tenant is written (on a worker thread, not the event loop).
    If it cannot be written, the client gets 503 instead of an answer that would promise a change
    a restart could lose.
    """

    def __init__(self, app: ASGIApp, *, host: Host):
        self.app = app
        self.host = host

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
            tenant = scope["extensions"].get(TENANT_KEY) or self.host.tenants.default
            saved = True
            if reached:
                try:
                    await asyncio.to_thread(self.host.persist, tenant)
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
            await send_json(send, error.status, error.body())
            return
        for message in held:
            await send(message)
