"""The sandbox inside the test process: no server, no port.

``mock_tiktok_shop()`` routes the ``requests`` calls a client makes to the real TikTok hosts (the
Open API and auth hosts) and to the fake carrier's host into an in-process sandbox, through
``responses``; every other host passes through. ``InProcessSandbox.httpx_transport()`` does the same
for httpx clients. Both reach the very app the server runs (same specs, middleware, validation and
rules), called directly in the test's thread.
"""

from __future__ import annotations

import asyncio
import functools
import re
import threading
from collections.abc import Callable, Mapping
from contextlib import ContextDecorator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from sandbox.client import SignedClient

OPEN_API_HOST = "open-api.tiktokglobalshop.com"
AUTH_HOST = "auth.tiktok-shops.com"
CARRIER_HOST = "carrier.tts-sandbox.test"  # the fake carrier, as seen from in-process clients
HOSTS = (OPEN_API_HOST, AUTH_HOST, CARRIER_HOST)
_ROUTED = re.compile(r"^https?://(" + "|".join(re.escape(h) for h in HOSTS) + r")(:\d+)?(/|$)")
_NOT_ROUTED = re.compile(r"^https?://(?!(" + "|".join(re.escape(h) for h in HOSTS) + r")(:\d+)?(/|$))")
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")

F = TypeVar("F", bound=Callable[..., Any])


class InProcessSandbox:
    """A sandbox and an in-memory client to it. Make one with ``mock_tiktok_shop()``, the pytest
    fixture ``tts_sandbox``, or directly (then ``start()`` and ``stop()`` it)."""

    def __init__(self, sandbox: Any = None, **options: Any):
        from sandbox.app import Sandbox

        self.sandbox = sandbox if sandbox is not None else Sandbox(inline=True, **options)
        self._client: httpx.Client | None = None

    # ----- lifecycle -------------------------------------------------------------------------
    def start(self) -> InProcessSandbox:
        if self._client is None:
            self._client = httpx.Client(transport=_ASGIInline(self.sandbox.app), base_url="http://testserver")
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> InProcessSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def http(self) -> Any:
        """The in-memory HTTP client (httpx's API), addressed by path: ``http.get("/sandbox/clock")``."""
        return self.start()._client

    # ----- calls -----------------------------------------------------------------------------
    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Answer:
        """Answer a request meant for one of the routed hosts, straight from the app."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.hostname == CARRIER_HOST and not path.startswith("/carrier"):
            path = "/carrier" + path
        raw = [
            (k.lower().encode("latin1"), str(v).encode("latin1"))
            for k, v in headers.items()
            if k.lower() not in ("content-length", "host")
        ]
        raw.append((b"host", parts.netloc.encode("latin1")))  # links the sandbox hands out point back here
        self.start()
        assert self._client is not None
        transport: _ASGIInline = self._client._transport  # type: ignore[assignment]
        return transport.call(
            method,
            parts.scheme or "https",
            parts.netloc,
            path,
            parts.query.encode("latin1"),
            raw,
            body or b"",
        )

    def httpx_transport(self) -> httpx.BaseTransport:
        """A transport for ``httpx.Client(transport=..., base_url="https://open-api.tiktokglobalshop.com")``."""
        return _Transport(self)

    def client(self, app_key: str | None = None) -> SignedClient:
        """A signing client for a tenant (default: the default tenant), over the in-memory client."""
        return SignedClient.for_tenant(self.http, self.credentials(app_key))

    def credentials(self, app_key: str | None = None) -> dict[str, Any]:
        return dict(self.sandbox.tenant(app_key).credentials())

    # ----- time and scenarios ----------------------------------------------------------------
    def _control(
        self, path: str, body: dict[str, Any] | None = None, tenant: str | None = None
    ) -> dict[str, Any]:
        headers = {"X-Sandbox-Tenant": tenant} if tenant else {}
        response = self.http.post(path, json=body or {}, headers=headers)
        if response.status_code >= 400:
            raise RuntimeError(f"{path}: {response.json()['error']['message']}")
        return dict(response.json())

    def now(self, tenant: str | None = None) -> datetime:
        return self.sandbox.tenant(tenant).world.now()

    def freeze(self, at: datetime | str | None = None, tenant: str | None = None) -> dict[str, Any]:
        body = {"at": at.isoformat() if isinstance(at, datetime) else at} if at is not None else {}
        return self._control("/sandbox/clock/freeze", body, tenant)

    def advance(
        self, by: str | None = None, *, to: datetime | str | None = None, tenant: str | None = None
    ) -> dict[str, Any]:
        """Advance the tenant's clock ``by`` a duration (``"2h"``, ``"3d12h"``) or ``to`` an instant."""
        body: dict[str, Any] = {"by": by} if by is not None else {}
        if to is not None:
            body["to"] = to.isoformat() if isinstance(to, datetime) else to
        return self._control("/sandbox/clock/advance", body, tenant)

    def resume(self, tenant: str | None = None) -> dict[str, Any]:
        return self._control("/sandbox/clock/resume", None, tenant)

    def reset(self, tenant: str | None = None) -> dict[str, Any]:
        return self._control("/sandbox/reset", None, tenant)

    def load_scenario(self, source: str | Path, tenant: str | None = None) -> Any:
        return self.sandbox.load_scenario(source, tenant=tenant)

    def report(self, name: str, tenant: str | None = None) -> dict[str, Any]:
        return dict(self.sandbox.tenant(tenant).world.scenarios[name].report())


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _ASGIInline(httpx.BaseTransport):
    """Calls the ASGI app in the caller's thread on a private event loop: no server, no socket, no
    thread hop. Calls are serialized; from inside a running event loop (an async test) the app is
    driven on a helper thread instead."""

    def __init__(self, app: Any):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.headers.get("host", request.url.host)
        answer = self.call(
            request.method,
            request.url.scheme,
            host,
            request.url.path,
            request.url.query,
            [(k.lower(), v) for k, v in request.headers.raw],
            request.read(),
        )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)

    def call(
        self,
        method: str,
        scheme: str,
        host: str,
        path: str,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> Answer:
        name, _, port = host.partition(":")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": scheme,
            "path": path,
            "raw_path": path.encode("utf-8"),
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": (name, int(port) if port.isdigit() else 80),
        }
        parts: list[bytes] = []
        started: dict[str, Any] = {}
        received = False

        async def receive() -> dict[str, Any]:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started["status"], started["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        self._run(self.app(scope, receive, send))
        headers_out = [(k.decode("latin1"), v.decode("latin1")) for k, v in started["headers"]]
        return Answer(started["status"], headers_out, b"".join(parts))

    def _run(self, call: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            with self.lock:
                self.loop.run_until_complete(call)
            return
        # Inside an async test: drive the call on another thread, with its own loop.
        outcome: dict[str, BaseException] = {}

        def drive() -> None:
            try:
                asyncio.run(call)
            except BaseException as exc:  # handed back to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=drive)
        worker.start()
        worker.join()
        if "error" in outcome:
            raise outcome["error"]

    def close(self) -> None:
        self.loop.close()


class _Transport(httpx.BaseTransport):
    """For a user's httpx client: requests to TikTok's hosts, answered by the sandbox."""

    def __init__(self, inprocess: InProcessSandbox):
        self.inprocess = inprocess

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.inprocess.handle(
            request.method, str(request.url), dict(request.headers), request.read()
        )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)


class _MockTikTokShop(ContextDecorator):
    def __init__(self, sandbox: Any = None, **options: Any):
        self._sandbox = sandbox
        self._options = options
        self._mock: Any = None
        self.inprocess: InProcessSandbox | None = None

    def __enter__(self) -> InProcessSandbox:
        import responses

        if isinstance(self._sandbox, InProcessSandbox):
            self.inprocess = self._sandbox.start()
        else:
            self.inprocess = InProcessSandbox(self._sandbox, **self._options).start()
        inprocess = self.inprocess

        def answer(request: Any) -> tuple[int, dict[str, str], bytes]:
            body = request.body.encode() if isinstance(request.body, str) else request.body
            result = inprocess.handle(request.method, request.url, request.headers, body)
            return result.status, dict(result.headers), result.body

        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in _METHODS:
            mock.add_callback(method, _ROUTED, callback=answer, content_type=None)
        mock.add_passthru(_NOT_ROUTED)
        mock.start()
        self._mock = mock
        return inprocess

    def __exit__(self, *exc: object) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock.reset()
            self._mock = None
        if self.inprocess is not None and not isinstance(self._sandbox, InProcessSandbox):
            self.inprocess.stop()


def mock_tiktok_shop(func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Route ``requests`` calls to TikTok's hosts into an in-process sandbox.

    As a context manager it gives the ``InProcessSandbox``::

        with mock_tiktok_shop() as tts:
            my_client.sync_orders()          # calls https://open-api.tiktokglobalshop.com/...
            tts.advance("2h")

    As a decorator (``@mock_tiktok_shop`` or ``@mock_tiktok_shop(seed=7)``) it wraps the whole
    function. Options are those of ``Sandbox`` (seed, region, order_count, freeze_at, ...), or
    ``sandbox=`` an existing ``Sandbox`` or ``InProcessSandbox``.
    """
    if func is not None and callable(func):
        decorator = _MockTikTokShop()

        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with decorator:
                return func(*args, **kwargs)

        return wrapped
    return _MockTikTokShop(options.pop("sandbox", None), **options)
