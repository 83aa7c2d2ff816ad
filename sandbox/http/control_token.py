"""The control token: what keeps a sandbox bound to a shared address from being driven by anyone
who can reach it.

Once a token is set, the control plane (/sandbox), the Seller Center API (/seller-center) and the web
page (/web) answer only requests that carry it: ``Authorization: Bearer TOKEN``, an
``X-Sandbox-Token: TOKEN`` header, or the cookie the web page sets after being opened once with
``?token=TOKEN``. The Open API and the carrier keep their own credentials (signed requests, the
carrier's API key). ``GET /sandbox/health`` stays open for load balancers' probes.
"""

from __future__ import annotations

import hmac
import ipaddress
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.http.envelope import ControlError, dumps
from sandbox.http.paths import is_control_path, is_seller_center_path, is_web_path

TOKEN_HEADER = "x-sandbox-token"
COOKIE = "tts_sandbox_token"
OPEN_PATHS = frozenset({"/sandbox/health"})


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def guarded(path: str) -> bool:
    if path in OPEN_PATHS:
        return False
    return is_control_path(path) or is_seller_center_path(path) or is_web_path(path)


class ControlTokenGuard:
    def __init__(self, app: ASGIApp, *, token: str):
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self._matches(_presented(headers)):
            await self.app(scope, receive, send)
            return
        if is_web_path(scope["path"]) and scope["method"] in ("GET", "HEAD"):
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            given = [value for key, value in query if key == "token"]
            if given and self._matches(given[-1]):
                await _set_cookie_and_redirect(send, scope["path"], query, given[-1])
                return
        await _refuse(send, scope["path"])

    def _matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(self.token, given.encode("utf-8", "replace"))


def _presented(headers: dict[str, str]) -> str | None:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    if headers.get(TOKEN_HEADER):
        return headers[TOKEN_HEADER].strip()
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # an unreadable cookie header presents no token
        return None
    morsel = cookie.get(COOKIE)
    return morsel.value if morsel is not None else None


async def _set_cookie_and_redirect(send: Send, path: str, query: list[tuple[str, str]], token: str) -> None:
    # The token leaves the address bar (and the browser's history) at once; the cookie carries it.
    rest = urlencode([(k, v) for k, v in query if k != "token"])
    location = f"{path}?{rest}" if rest else path
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    headers = [
        (b"location", location.encode("latin-1", "replace")),
        (b"set-cookie", cookie.encode("latin-1", "replace")),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(send: Send, path: str) -> None:
    if is_web_path(path):
        body = (
            b"<!doctype html><title>401</title><h1>401</h1><p>This sandbox is shared: open this page "
            b"once with ?token=TOKEN (the control token tts-sandbox serve printed at start).</p>"
        )
        content_type = b"text/html; charset=utf-8"
    else:
        error = ControlError(
            401,
            "unauthorized",
            "this sandbox is bound to a shared address and its control surfaces need the control "
            "token: send Authorization: Bearer TOKEN or X-Sandbox-Token: TOKEN (the token that "
            "tts-sandbox serve printed at start, or the one given with --control-token)",
        )
        body = dumps(error.body())
        content_type = b"application/json"
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b'Bearer realm="tts-sandbox"'),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
