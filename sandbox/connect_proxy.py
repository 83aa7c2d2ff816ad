"""The HTTPS proxy mode: clients that honour ``HTTPS_PROXY`` reach the sandbox under TikTok's names.

Such a client never resolves ``open-api.tiktokglobalshop.com`` itself: it asks the proxy to
``CONNECT open-api.tiktokglobalshop.com:443`` and then speaks TLS through the tunnel. This proxy
opens that tunnel to the sandbox's own HTTPS listener (whose certificate names TikTok's hosts), and
to nothing else: a CONNECT to any other host or port is refused with 403 and a sentence saying why.
It never dials a host a client names, so it cannot be used as an open proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import sys
from collections.abc import Iterable

HTTPS_PORT = 443
HEAD_LIMIT = 16 * 1024  # a CONNECT request is one line and a few headers
HEAD_TIMEOUT = 30.0  # seconds a client may take to send its request line
CHUNK = 64 * 1024


class ConnectProxy:
    """Tunnels ``CONNECT host:port`` to ``upstream`` when ``host`` is one of ``names`` and ``port``
    is 443 or the sandbox's own HTTPS port; refuses everything else."""

    def __init__(self, names: Iterable[str], upstream: tuple[str, int], sandbox_port: int):
        self.names = tuple(dict.fromkeys(_normal(n) for n in names))
        self.upstream = upstream
        self.ports = tuple(dict.fromkeys((HTTPS_PORT, sandbox_port)))

    def refusal(self, host: str, port: int) -> str:
        """Why a tunnel to host:port is refused, or '' when it is one the sandbox answers."""
        if _normal(host) not in self.names:
            return (
                f"CONNECT to {host}:{port} refused: this proxy reaches only the sandbox, under "
                f"{', '.join(self.names)}; it is not an open proxy (list other hosts in NO_PROXY)"
            )
        if port not in self.ports:
            shown = " or ".join(map(str, self.ports))
            return f"CONNECT to {host}:{port} refused: the sandbox answers HTTPS on port {shown} only"
        return ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
        except asyncio.LimitOverrunError:
            await _answer(writer, 431, "Request Header Fields Too Large", "the request head is too long")
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await _answer(writer, 400, "Bad Request", f"not an HTTP/1.x request line: {line[:200]!r}")
            return
        method, target, _ = parts
        if method.upper() != "CONNECT":
            await _answer(
                writer,
                405,
                "Method Not Allowed",
                "this proxy only opens HTTPS tunnels (CONNECT) to the sandbox; call its HTTP port directly",
            )
            return
        authority = _authority(target)
        if authority is None:
            await _answer(writer, 400, "Bad Request", f"CONNECT needs host:port, not {target[:200]!r}")
            return
        host, port = authority
        refused = self.refusal(host, port)
        if refused:
            print(f"tts-sandbox proxy: {refused}", file=sys.stderr, flush=True)
            await _answer(writer, 403, "Forbidden", refused)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError as exc:
            await _answer(writer, 502, "Bad Gateway", f"the sandbox's HTTPS listener did not answer: {exc}")
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        try:
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        finally:
            up_writer.close()


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy one direction of the tunnel until its end, then pass the end on."""
    try:
        while chunk := await source.read(CHUNK):
            sink.write(chunk)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()
    except (ConnectionError, OSError):
        sink.close()


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str, message: str) -> None:
    body = f"tts-sandbox proxy: {message}\n".encode()
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()


def _authority(target: str) -> tuple[str, int] | None:
    """host and port of a CONNECT target: ``name:443``, ``1.2.3.4:443`` or ``[::1]:443``."""
    host, sep, port = target.rpartition(":")
    if not sep or not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def _normal(host: str) -> str:
    """A host as it is compared: lower case, without the root's trailing dot, an address canonical."""
    host = host.strip().lower().rstrip(".")
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(host))
    return host
