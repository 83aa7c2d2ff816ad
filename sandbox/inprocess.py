"""The sandbox inside the test process: no server, no port.

``mock_tiktok_shop()`` routes the ``requests`` calls a client makes to the real TikTok hosts (the
Open API and auth hosts) and to the fake carrier's host into an in-process sandbox, through
``responses``; every other host passes through. ``InProcessSandbox.httpx_transport()`` and
``httpx_async_transport()`` do the same for httpx clients. All reach the very app the server runs
(same specs, middleware, validation and rules), called directly in the test's thread.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from sandbox.client import SignedClient
from sandbox.dispatcher import Answer as DispatchAnswer
from sandbox.dispatcher import Dispatcher

OPEN_API_HOST = "open-api.tiktokglobalshop.com"
AUTH_HOST = "auth.tiktok-shops.com"
CARRIER_HOST = "carrier.tts-sandbox.test"  # the fake carrier, as seen from in-process clients
HOSTS = (OPEN_API_HOST, AUTH_HOST, CARRIER_HOST)
_ROUTED = re.compile(r"^https?://(" + "|".join(re.escape(h) for h in HOSTS) + r")(:\d+)?(/|$)")
_NOT_ROUTED = re.compile(r"^https?://(?!(" + "|".join(re.escape(h) for h in HOSTS) + r")(:\d+)?(/|$))")
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class InProcessSandbox:
    """A sandbox and an in-memory client to it. Make one with ``mock_tiktok_shop()``, the pytest
    fixture ``tts_sandbox``, or directly (``with InProcessSandbox(seed=7) as tts: ...``)."""

    def __init__(self, sandbox: Any = None, **options: Any):
        from sandbox.app import Sandbox

        self.sandbox = sandbox if sandbox is not None else Sandbox(inline=True, **options)
        self._client: httpx.Client | None = None
        self._starting = threading.Lock()

    # ----- lifecycle -------------------------------------------------------------------------
    def start(self) -> InProcessSandbox:
        with self._starting:  # threads that call at once share one client and one app
            if self._client is None:
                transport = _ASGIInline(self.sandbox.app)
                self._client = httpx.Client(transport=transport, base_url="http://testserver")
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
    def http(self) -> httpx.Client:
        """The in-memory HTTP client (httpx's API), addressed by path: ``http.get("/sandbox/clock")``."""
        client = self.start()._client
        assert client is not None
        return client

    @property
    def _app_transport(self) -> _ASGIInline:
        transport = self.http._transport
        assert isinstance(transport, _ASGIInline)
        return transport

    # ----- calls -----------------------------------------------------------------------------
    def _exchange(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> _Exchange:
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.hostname == CARRIER_HOST and not path.startswith("/carrier"):
            path = "/carrier" + path
        raw = [
            (k.lower().encode("latin1"), str(v).encode("latin1"))
            for k, v in headers.items()
            if k.lower() not in ("content-length", "host", "transfer-encoding")
        ]
        raw.append((b"host", parts.netloc.encode("latin1")))  # links the sandbox hands out point back here
        query = parts.query.encode("latin1")
        return _Exchange(method, parts.scheme or "https", parts.netloc, path, query, raw, body or b"")

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Answer:
        """Answer a request meant for one of the routed hosts, straight from the app."""
        return self._app_transport.call(self._exchange(method, url, headers, body))

    async def handle_async(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        return await self._app_transport.acall(self._exchange(method, url, headers, body))

    def httpx_transport(self) -> httpx.BaseTransport:
        """For ``httpx.Client(transport=...)``: TikTok's hosts answered in-process, others passed on."""
        return _Transport(self)

    def httpx_async_transport(self) -> httpx.AsyncBaseTransport:
        """For ``httpx.AsyncClient(transport=...)``, likewise."""
        return _AsyncTransport(self)

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
        world = self.sandbox.tenant(tenant).world
        with world.session():
            return world.now()

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

    # ----- webhooks --------------------------------------------------------------------------
    def deliver_webhooks(self, receiver: Callable[[dict[str, str], bytes], int] | None = None) -> int:
        """Attempt every webhook delivery due by the tenants' virtual time, now, and return how many
        were attempted. ``receiver(headers, body) -> HTTP status`` answers them in-process (no socket
        is opened); without it they are POSTed to the subscribed addresses."""
        if receiver is None:
            return self.sandbox.dispatcher.run_due()

        def send(address: str, headers: dict[str, str], body: bytes) -> DispatchAnswer:
            return DispatchAnswer(receiver(headers, body))

        return Dispatcher(self.sandbox.tenants.all, send=send).run_due()

    def webhook_deliveries(self, tenant: str | None = None, **filters: str) -> list[dict[str, Any]]:
        """The tenant's webhook deliveries with their payloads, signatures and attempts (filters:
        ``state``, ``event_type``, ``order_id``): captured even when nothing was sent."""
        headers = {"X-Sandbox-Tenant": tenant} if tenant else {}
        response = self.http.get("/sandbox/webhooks/deliveries", params=filters, headers=headers)
        if response.status_code >= 400:
            raise RuntimeError(response.json()["error"]["message"])
        return list(response.json()["deliveries"])

    def report(self, name: str, tenant: str | None = None) -> dict[str, Any]:
        world = self.sandbox.tenant(tenant).world
        with world.session():
            return dict(world.scenarios[name].report())

    # ----- journal, verification and faults ------------------------------------------------------
    def journal(self, tenant: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Journaled requests, oldest first, filtered as ``GET /sandbox/journal`` filters them
        (``operation="ship_package"``, ``mentions=order_id``, ``status=200``, ...)."""
        headers = {"X-Sandbox-Tenant": tenant} if tenant else {}
        params = {
            k: (str(v).lower() if isinstance(v, bool) else v) for k, v in filters.items() if v is not None
        }
        response = self.http.get("/sandbox/journal", params=params, headers=headers)
        if response.status_code >= 400:
            raise RuntimeError(f"/sandbox/journal: {response.json()['error']['message']}")
        return list(response.json()["entries"])

    def verify(
        self, operation: str | None = None, *, tenant: str | None = None, **pattern: Any
    ) -> dict[str, Any]:
        """WireMock-style verification over the journal: ``verify("ship_package", mentions=package_id,
        exactly=1)``. Answers ``{"matched", "count", "expected"}``, with ``near_misses`` when it did
        not match. Criteria: method, path (substring or glob), surface, status, code, signature_ok,
        faulted, mentions, body_contains, query (a dict), since, until; counts: exactly, at_least,
        at_most (at least 1 by default)."""
        body = {k: v for k, v in {"operation": operation, **pattern}.items() if v is not None}
        return self._control("/sandbox/journal/verify", body, tenant)

    def assert_called(
        self, operation: str | None = None, *, tenant: str | None = None, **pattern: Any
    ) -> None:
        """Like ``verify``, raising AssertionError with the near misses when it does not match."""
        result = self.verify(operation, tenant=tenant, **pattern)
        if not result["matched"]:
            misses = "\n".join(
                f"  {m['request']['method']} {m['request']['path']} (distance {m['distance']}): "
                + ", ".join(
                    f"{d['criterion']} {d['actual']!r} != {d['expected']!r}" for d in m["differences"]
                )
                for m in result.get("near_misses", [])
            )
            raise AssertionError(
                f"expected {result['expected']} matching request(s), found {result['count']}"
                + (f"; nearest misses:\n{misses}" if misses else "")
            )

    def inject_fault(self, tenant: str | None = None, **definition: Any) -> dict[str, Any]:
        """``inject_fault(kind="error", code=Code.INTERNAL_ERROR, operation="ship_package",
        count=1)``; see
        ``POST /sandbox/faults`` for the fields and ``sandbox.domain.codes.Code`` for the codes."""
        return self._control("/sandbox/faults", definition, tenant)

    def clear_faults(self, tenant: str | None = None) -> None:
        headers = {"X-Sandbox-Tenant": tenant} if tenant else {}
        self.http.delete("/sandbox/faults", headers=headers)


class _ASGIInline(httpx.BaseTransport):
    """Calls the ASGI app in the caller's thread on a private event loop: no server, no socket, no
    thread hop. Calls are serialized; from inside a running event loop (an async test) the app is
    driven on a helper thread instead."""

    def __init__(self, app: Any):
        self.app = app
        # connexion builds its routing on the first call; build it here, in the constructing
        # thread, rather than in whichever helper thread happens to call first: Python 3.11's AST
        # module (which werkzeug's routing compiles with) keeps process-wide state that a first
        # call on a helper thread can trip over.
        from sandbox.http.connexion_private import build_middleware_stack

        build_middleware_stack(app)
        self.loop = asyncio.new_event_loop()
        self.lock = threading.Lock()
        self._closer = weakref.finalize(self, self.loop.close)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.headers.get("host", request.url.host)
        answer = self.call(
            _Exchange(
                request.method,
                request.url.scheme,
                host,
                request.url.path,
                request.url.query,
                [(k.lower(), v) for k, v in request.headers.raw],
                request.read(),
            )
        )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)

    def call(self, exchange: _Exchange) -> Answer:
        self._run(exchange.drive(self.app))
        return exchange.answer()

    async def acall(self, exchange: _Exchange) -> Answer:
        await exchange.drive(self.app)
        return exchange.answer()

    def _run(self, call: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            with self.lock:
                self.loop.run_until_complete(call)
            return
        # Inside a running event loop (an async test using a sync client): drive the call on a
        # helper thread with its own loop, still one call at a time.
        outcome: dict[str, BaseException] = {}

        def drive() -> None:
            try:
                with self.lock:
                    asyncio.run(call)
            except BaseException as exc:  # handed back to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=drive)
        worker.start()
        worker.join()
        if "error" in outcome:
            raise outcome["error"]

    def close(self) -> None:
        self._closer()


class _Exchange:
    """One request through the ASGI app, and the answer collected from it."""

    def __init__(
        self,
        method: str,
        scheme: str,
        host: str,
        path: str,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ):
        name, _, port = host.partition(":")
        self.scope = {
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
        self.body = body
        self.received = False
        self.started: dict[str, Any] = {}
        self.parts: list[bytes] = []

    async def receive(self) -> dict[str, Any]:
        if not self.received:
            self.received = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.started["status"], self.started["headers"] = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            self.parts.append(message.get("body", b""))

    async def drive(self, app: Any) -> None:
        await app(self.scope, self.receive, self.send)

    def answer(self) -> Answer:
        headers = [(k.decode("latin1"), v.decode("latin1")) for k, v in self.started["headers"]]
        return Answer(self.started["status"], headers, b"".join(self.parts))


def _routed(url: httpx.URL) -> bool:
    return url.host in HOSTS


class _Transport(httpx.BaseTransport):
    """For a user's httpx client: requests to TikTok's hosts answered by the sandbox, others sent on."""

    def __init__(self, inprocess: InProcessSandbox):
        self.inprocess = inprocess
        self.onward = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not _routed(request.url):
            return self.onward.handle_request(request)
        answer = self.inprocess.handle(
            request.method, str(request.url), dict(request.headers), request.read()
        )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)

    def close(self) -> None:
        self.onward.close()


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, inprocess: InProcessSandbox):
        self.inprocess = inprocess
        self.onward = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not _routed(request.url):
            return await self.onward.handle_async_request(request)
        body = await request.aread()
        answer = await self.inprocess.handle_async(
            request.method, str(request.url), dict(request.headers), body
        )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)

    async def aclose(self) -> None:
        await self.onward.aclose()


def _body_bytes(body: Any) -> bytes:
    """A request's body whatever the client handed ``requests``: bytes, text, a file, chunks."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if hasattr(body, "read"):
        return _body_bytes(body.read())
    if isinstance(body, Iterable):
        return b"".join(_body_bytes(chunk) for chunk in body)
    return bytes(body)


_active = threading.Lock()  # responses patches requests for the whole process: one mock at a time


class _MockTikTokShop:
    def __init__(self, sandbox: Any = None, **options: Any):
        self._sandbox = sandbox
        self._options = options
        self._mock: Any = None
        self.inprocess: InProcessSandbox | None = None

    def __enter__(self) -> InProcessSandbox:
        import responses

        if not _active.acquire(blocking=False):
            raise RuntimeError(
                "another mock_tiktok_shop() is active: responses routes requests for the whole "
                "process, so one mock at a time (use tenants for separate worlds)"
            )
        try:
            if isinstance(self._sandbox, InProcessSandbox):
                self.inprocess = self._sandbox.start()
            else:
                self.inprocess = InProcessSandbox(self._sandbox, **self._options).start()
            inprocess = self.inprocess

            def answer(request: Any) -> tuple[int, dict[str, str], bytes]:
                result = inprocess.handle(
                    request.method, request.url, request.headers, _body_bytes(request.body)
                )
                return result.status, dict(result.headers), result.body

            mock = responses.RequestsMock(assert_all_requests_are_fired=False)
            for method in _METHODS:
                mock.add_callback(method, _ROUTED, callback=answer, content_type=None)
            mock.add_passthru(_NOT_ROUTED)
            mock.start()
            self._mock = mock
        except BaseException:
            _active.release()
            raise
        return inprocess

    def __exit__(self, *exc: object) -> None:
        try:
            if self._mock is not None:
                self._mock.stop()
                self._mock.reset()
                self._mock = None
            if self.inprocess is not None and not isinstance(self._sandbox, InProcessSandbox):
                self.inprocess.stop()
        finally:
            _active.release()


def _decorate(target: Any, sandbox: Any, options: dict[str, Any]) -> Any:
    """Each call of the decorated function (or test method) runs in a fresh mock."""
    if inspect.isclass(target):
        for name, member in list(vars(target).items()):
            if name.startswith("test") and callable(member):
                setattr(target, name, _decorate(member, sandbox, options))
        return target
    if inspect.iscoroutinefunction(target):

        @functools.wraps(target)
        async def awaited(*args: Any, **kwargs: Any) -> Any:
            with _MockTikTokShop(sandbox, **options):
                return await target(*args, **kwargs)

        return awaited

    @functools.wraps(target)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with _MockTikTokShop(sandbox, **options):
            return target(*args, **kwargs)

    return wrapped


class _MockFactory:
    """What ``mock_tiktok_shop(...)`` answers: a context manager, and a decorator."""

    def __init__(self, sandbox: Any, options: dict[str, Any]):
        self._sandbox = sandbox
        self._options = options
        self._context: _MockTikTokShop | None = None

    def __enter__(self) -> InProcessSandbox:
        self._context = _MockTikTokShop(self._sandbox, **self._options)
        return self._context.__enter__()

    def __exit__(self, *exc: object) -> None:
        assert self._context is not None
        self._context.__exit__(*exc)
        self._context = None

    def __call__(self, target: Any) -> Any:
        return _decorate(target, self._sandbox, self._options)


def mock_tiktok_shop(target: Any = None, /, **options: Any) -> Any:
    """Route ``requests`` calls to TikTok's hosts into an in-process sandbox.

    As a context manager it gives the ``InProcessSandbox``::

        with mock_tiktok_shop() as tts:
            my_client.sync_orders()          # calls https://open-api.tiktokglobalshop.com/...
            tts.advance("2h")

    As a decorator (``@mock_tiktok_shop`` or ``@mock_tiktok_shop(seed=7)``) on a function, an
    ``async def`` function or a test class, each call runs in a fresh mock. Options are those of
    ``Sandbox`` (seed, region, order_count, freeze_at, ...), or ``sandbox=`` an existing ``Sandbox``
    or ``InProcessSandbox`` (also accepted as the first argument). ``responses`` patches
    ``requests`` for the whole process, so only one mock is active at a time.
    """
    from sandbox.app import Sandbox

    if isinstance(target, Sandbox | InProcessSandbox):
        return _MockFactory(target, options)
    sandbox = options.pop("sandbox", None)
    if target is not None:
        return _decorate(target, sandbox, options)
    return _MockFactory(sandbox, options)
