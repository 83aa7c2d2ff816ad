"""The small ASGI pieces every stage of the request pipeline shares: the request's headers and
query, its body read and replayed, JSON answers, the tenant it reached, and waiting for a busy
world without stalling the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from sandbox.domain.codes import Code
from sandbox.http.connexion_private import context_of
from sandbox.http.context import CONTEXT_KEY, RequestContext
from sandbox.http.envelope import ApiError, dumps

if TYPE_CHECKING:
    from sandbox.tenants import Tenant

MAX_BODY_BYTES = 12 * 1024 * 1024  # uploads of up to 10 MB, with their multipart wrapping
BUSY_POLL_SECONDS = 0.002  # how often a request for a busy world looks again
JOURNAL_KEY = "tts_journal"
TENANT_KEY = "tts_tenant"  # the tenant a request reached, for the persister
THROTTLED_KEY = "tts_throttled"  # the server's rate limit refused the request
TURN_KEY = "tts_turn"  # with a data directory: takes the turn of the request's tenant
QUERY_KEY = "tts_query"  # the request's parsed query (query_pairs)
JSON_BODY_KEY = "tts_json_body"  # (raw body, what it parsed to): the gate's reading, for validation


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


async def take_turn(scope: Scope) -> None:
    """With a data directory, wait for the turn of the tenant the request names (see
    sandbox.http.persister): taken once routing is done, before the request touches any world."""
    take = scope.get("extensions", {}).get(TURN_KEY)
    if take is not None:
        await take()


def reached(scope: Scope, tenant: Tenant | None) -> None:
    scope.setdefault("extensions", {})[TENANT_KEY] = tenant


def headers(scope: Scope) -> dict[str, str]:
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


def query(scope: Scope) -> dict[str, str]:
    return dict(query_pairs(scope))


def query_joined(scope: Scope) -> dict[str, str]:
    """The query with each key once, a repeated key's values comma-joined in the order sent
    (``ids=A&ids=B`` reads ``ids=A,B``, as the operation reads an array): what the journal shows."""
    joined: dict[str, str] = {}
    for key, value in query_pairs(scope):
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def set_context(scope: Scope, ctx: RequestContext, request_headers: dict[str, str] | None = None) -> None:
    """``request_headers``: headers(scope), when the caller has read them already."""
    host = (request_headers if request_headers is not None else headers(scope)).get("host") or "{}:{}".format(
        *(scope.get("server") or ("127.0.0.1", 80))
    )
    ctx = replace(ctx, base_url=f"{scope.get('scheme', 'http')}://{host}")
    context_of(scope)[CONTEXT_KEY] = ctx


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(Code.INVALID_REQUEST, f"Invalid request: body larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    raw = dumps(body)
    header_list = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    header_list += [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": header_list})
    await send({"type": "http.response.body", "body": raw})
