"""Serving one app on several listeners at once: plain HTTP, HTTPS, and the CONNECT proxy.

uvicorn serves one kind of socket per server (its TLS settings apply to every socket it has), so
HTTP and HTTPS are two uvicorn servers over the same app, on one event loop, with the proxy's
asyncio server beside them. They start together and stop together: the signal that stops one
stops all, and the caller gets control back to close the sandbox (its data directory) cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from sandbox.certificates import CertificateAuthority
from sandbox.connect_proxy import ConnectProxy

TLS_CLOSE_GRACE = 1.0  # seconds a closing TLS connection has to finish before it is cut, at shutdown


def listen(host: str, port: int) -> socket.socket | str:
    """A socket bound to host:port and listening, or the reason it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        if port < 1024 and isinstance(exc, PermissionError):
            reason += " (ports below 1024 need privileges: run as root, in a container, or grant "
            reason += "CAP_NET_BIND_SERVICE)"
        return reason
    sock.set_inheritable(True)
    return sock


def reachable(sock: socket.socket) -> tuple[str, int]:
    """Where a client on this machine reaches a listening socket (a wildcard address is loopback)."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return host, port


@dataclass
class Listeners:
    """The sockets to serve on, bound before anything starts (so that a taken port is reported
    before the banner), and the TLS material of the HTTPS one."""

    http: socket.socket
    authority: CertificateAuthority  # what issued the certificate, for the banner
    https: socket.socket | None = None
    proxy: socket.socket | None = None
    server_key: bytes = b""
    server_certificate: bytes = b""
    proxy_names: tuple[str, ...] = ()

    def close(self) -> None:
        for sock in (self.http, self.https, self.proxy):
            if sock is not None:
                sock.close()


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to ``serve``, which stops every listener on one."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _TlsServer(_Server):
    """Stops without waiting on idle clients: a TLS connection ends with an exchange of close_notify
    that a client holding an idle keep-alive connection may never answer, and asyncio would wait
    half a minute for it. A connection still closing after a grace period is cut instead."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        stopping = asyncio.ensure_future(super().shutdown(sockets))
        while not stopping.done():
            await asyncio.wait([stopping], timeout=TLS_CLOSE_GRACE)
            for connection in list(self.server_state.connections):
                transport = getattr(connection, "transport", None)
                if transport is not None and transport.is_closing():
                    transport.abort()
        await stopping


def serve(app: Any, listeners: Listeners, log_level: str) -> None:
    """Serve ``app`` on every listener until SIGINT or SIGTERM; returns once all have stopped."""
    # No WebSocket routes: without ws="none" uvicorn imports a WebSocket library at start.
    common: dict[str, Any] = {"log_level": log_level, "ws": "none"}
    servers = [(_Server(uvicorn.Config(app, **common)), listeners.http)]
    if listeners.https is not None:
        config = uvicorn.Config(app, lifespan="off", **common)
        _load_with_certificate(config, listeners.server_key, listeners.server_certificate)
        servers.append((_TlsServer(config), listeners.https))
    proxy = None
    if listeners.proxy is not None:
        assert listeners.https is not None, "the proxy tunnels to the HTTPS listener"
        proxy = ConnectProxy(
            listeners.proxy_names, reachable(listeners.https), listeners.https.getsockname()[1]
        )

    def stop(sig: int, frame: FrameType | None) -> None:
        for server, _ in servers:
            server.handle_exit(sig, frame)

    async def main() -> None:
        tunnels = None
        if proxy is not None and listeners.proxy is not None:
            tunnels = await asyncio.start_server(proxy.handle, sock=listeners.proxy, limit=64 * 1024)
        try:
            await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in servers))
        finally:
            if tunnels is not None:
                tunnels.close()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with asyncio.Runner(loop_factory=servers[0][0].config.get_loop_factory()) as runner:
            runner.run(main())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _load_with_certificate(config: uvicorn.Config, key: bytes, certificate: bytes) -> None:
    """Load the config's TLS context from the certificate, which exists on disk only meanwhile:
    uvicorn reads files, and the server's key has no reason to outlive the process."""
    with tempfile.TemporaryDirectory(prefix="tts-sandbox-tls-") as folder:
        key_file, cert_file = Path(folder) / "server-key.pem", Path(folder) / "server.pem"
        key_file.touch(0o600)
        key_file.write_bytes(key)
        cert_file.write_bytes(certificate)
        config.ssl_keyfile, config.ssl_certfile = str(key_file), str(cert_file)
        config.load()
    assert isinstance(config.ssl, ssl.SSLContext)
