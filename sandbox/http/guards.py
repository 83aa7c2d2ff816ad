"""Stages that refuse a request before it is routed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.domain.codes import Code, http_status
from sandbox.http.asgi import query, send_json, take_turn
from sandbox.http.envelope import ControlError, failure
from sandbox.http.paths import is_json_surface_path, is_web_path

if TYPE_CHECKING:
    from sandbox.http.host import Host


class TrailingSlashGuard:
    """Refuses paths with a trailing slash instead of redirecting: following a redirect would
    change the signed path, and the platform does not redirect either."""

    def __init__(self, app: ASGIApp, *, host: Host):
        self.app = app
        self.host = host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or len(path) <= 1 or not path.endswith("/") or is_web_path(path):
            await self.app(scope, receive, send)
            return
        if is_json_surface_path(path):
            error = ControlError(404, "unknown_path", f"{path} is not an operation (no trailing slash)")
            await send_json(send, error.status, error.body())
            return
        await take_turn(scope)  # the request ID is the tenant's: a change the data directory logs
        tenant = self.host.tenants.get(query(scope).get("app_key", "")) or self.host.tenants.default
        body = failure(
            tenant.world.next_request_id(),
            Code.INVALID_PATH,
            f"Invalid path: {scope['method']} {path} (no trailing slash)",
        )
        await send_json(send, http_status(Code.INVALID_PATH, self.host.mirror_http_status), body)
