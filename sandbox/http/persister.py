"""With a data directory, every answered change is on disk before its answer leaves.

Each request that can change a tenant is handled in that tenant's turn (one at a time per tenant,
in order of arrival), at one pinned wall instant, and logged as it came before the turn passes on:
the log's order is the order the world saw, and replaying a row at its instant does the same
thing again (see sandbox.persistence). The answer is held back until its row is committed; rows
of concurrent requests share one commit, so the next request of the tenant does not wait for the
disk, only its own answer does.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.clock import PINNED_WALL
from sandbox.http.asgi import TENANT_KEY, THROTTLED_KEY, TURN_KEY, headers, query, send_json
from sandbox.http.connexion_private import routing_of
from sandbox.http.envelope import ControlError
from sandbox.http.paths import (
    CARRIER_KEY_HEADER,
    TENANT_HEADER,
    is_carrier_path,
    is_control_path,
    is_seller_center_path,
    is_web_path,
)
from sandbox.persistence import Change, Committed, Store

if TYPE_CHECKING:
    from sandbox.http.host import Host
    from sandbox.tenants import Tenant

_log = logging.getLogger("sandbox.persistence")

# Requests that reach a tenant but are not replayed: creating a tenant draws random credentials
# and an import carries a whole world (both are written as snapshots instead); an export changes
# nothing; a dispatch sends webhooks, whose attempts are not replayed (they are made again).
UNLOGGED = frozenset(
    {
        "sandbox.api.control.create_tenant",
        "sandbox.api.snapshots.import_snapshot",
        "sandbox.api.snapshots.export_snapshot",
        "sandbox.api.webhook_control.dispatch",
    }
)
READS = ("GET", "HEAD")


class Turn:
    """A first-come, first-served lock for the requests of one tenant, usable from any event loop
    (the server's, a test client's) and handed from one waiter to the next without polling."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = False
        self._waiting: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self._held:
                self._held = True
                return
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiting.append((loop, waiter))
        await waiter

    def release(self) -> None:
        with self._lock:
            if not self._waiting:
                self._held = False
                return
            loop, waiter = self._waiting.popleft()
        if asyncio._get_running_loop() is loop:  # the usual case: no wake-up through the loop's pipe
            loop.call_soon(self._hand_over, waiter)
        else:
            loop.call_soon_threadsafe(self._hand_over, waiter)

    def _hand_over(self, waiter: asyncio.Future[None]) -> None:
        if waiter.cancelled():  # its request went away while waiting: the next one's turn
            self.release()
        else:
            waiter.set_result(None)


class Persister:
    """With a data directory: hands each request that can change a tenant its tenant's turn, logs
    it, and holds its answer until the log row is committed.

    If it cannot be written, the client gets 503 instead of an answer that would promise a change
    a restart could lose.
    """

    def __init__(self, app: ASGIApp, *, host: Host, store: Store):
        self.app = app
        self.host = host
        self.store = store
        self._turns: dict[str, Turn] = {}
        self._turns_lock = threading.Lock()

    def _turn(self, app_key: str) -> Turn:
        with self._turns_lock:
            return self._turns.setdefault(app_key, Turn())

    def _tenant_named(self, scope: Scope) -> Tenant | None:
        """The tenant the request names, as the gate will pick it (None: it can change none)."""
        path = scope["path"]
        tenants = self.host.tenants
        if is_web_path(path) or (is_control_path(path) and scope["method"] in READS):
            return None
        if is_control_path(path) or is_seller_center_path(path) or is_carrier_path(path):
            header = CARRIER_KEY_HEADER if is_carrier_path(path) else TENANT_HEADER
            wanted = headers(scope).get(header, "").strip()
            return tenants.get(wanted) if wanted else tenants.default
        return tenants.get(query(scope).get("app_key", "")) or tenants.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.store.replaying:
            await self.app(scope, receive, send)
            return
        named = self._tenant_named(scope)
        if named is None:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        body: list[bytes] = []

        async def hold(message: Message) -> None:
            held.append(message)

        async def recording() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        turn = self._turn(named.app_key)
        taken: list[Change] = []

        async def take() -> None:
            # Called by the gate once routing is done: what comes before touches no world, and
            # runs for the next request while this one holds the turn.
            if taken:
                return
            await turn.acquire()
            wall = datetime.now(UTC)
            taken.append(
                Change(
                    wall,
                    self.host.wall_clock(),
                    scope["method"],
                    scope["path"],
                    scope.get("query_string", b""),
                    sent_headers,
                    b"",
                )
            )
            PINNED_WALL.set(wall)

        sent_headers = list(scope["headers"])
        extensions = scope.setdefault("extensions", {})
        extensions.pop(TENANT_KEY, None)
        extensions[TURN_KEY] = take
        commits: list[Committed] = []
        try:
            await self.app(scope, recording, hold)
        finally:
            if taken:
                try:
                    PINNED_WALL.set(None)
                    commits = await self._write(scope, named, taken[0], b"".join(body))
                finally:
                    turn.release()
        saved = True
        for commit in commits:
            try:
                await (commit if isinstance(commit, asyncio.Future) else asyncio.wrap_future(commit))
            except Exception:
                _log.exception("could not write to the data directory %s", self.store.root)
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

    async def _write(self, scope: Scope, named: Tenant, change: Change, body: bytes) -> list[Committed]:
        """In the tenant's turn: the registry's changes, then the request's row (or a snapshot)."""
        store = self.store
        commits: list[Committed] = []
        try:
            if store.registry_changed(self.host.tenants):
                done = await asyncio.to_thread(store.sync_registry, self.host.tenants)
                if done is not None:
                    commits.append(done)
            extensions = scope.get("extensions", {})
            if TENANT_KEY in extensions:
                tenant = extensions[TENANT_KEY] or self.host.tenants.default
            elif not (is_control_path(scope["path"]) or is_seller_center_path(scope["path"])):
                tenant = named  # the Open API and the carrier take a request ID even when refused
                if is_carrier_path(scope["path"]):
                    return commits
            else:
                return commits
            if routing_of(scope).get("operation_id") in UNLOGGED:
                return commits
            if store.must_write_whole(tenant):
                commits.append(await asyncio.to_thread(store.snapshot, tenant))
                return commits
            throttled = bool(extensions.get(THROTTLED_KEY))
            logged = Change(
                change.wall,
                change.mono,
                change.method,
                change.path,
                change.query,
                change.headers,
                body,
                throttled,
            )
            commits.append(store.log(tenant, logged))
            if store.needs_snapshot(tenant):
                store.snapshot_in_background(tenant)  # amortized; the row covers the change
        except Exception as exc:
            failed: Future[None] = Future()
            failed.set_exception(exc)
            commits.append(failed)
        return commits
