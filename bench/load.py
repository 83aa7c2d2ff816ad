"""Throughput and latency under concurrent clients, against the sandbox served as the README serves
it and against a baseline measured in the same run: a bare Flask app (no connexion) returning a
JSON body of the same size, served by gunicorn with one sync worker.

Each client is its own process with one keep-alive connection, so that the load generator's
Python does not share a GIL with itself; on a small machine the clients and the server compete
for the same cores, for the sandbox and the baseline alike, which is why the ratio is the figure
to read.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP_KEY, APP_SECRET = "sandbox_app_key", "sandbox_app_secret"
TOKEN, CIPHER = "TTP_sandbox_access_token", "ROW_sandbox_shop_cipher"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, str]
    body: str = ""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port} within {timeout:g} s")


def signed_target(call: Call) -> tuple[str, dict[str, str]]:
    from urllib.parse import urlencode

    from sandbox.signing import sign

    query = {"app_key": APP_KEY, "timestamp": str(int(time.time())), "shop_cipher": CIPHER, **call.params}
    query["sign"] = sign(APP_SECRET, call.path, query, call.body)
    headers = {"x-tts-access-token": TOKEN}
    if call.body:
        headers["content-type"] = "application/json"
    return f"{call.path}?{urlencode(query)}", headers


def _client(port: int, calls: list[Call], signed: bool, deadline: float, out: multiprocessing.Queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    errors = 0
    index = 0
    began = time.perf_counter()
    while time.time() < deadline and index < len(calls):
        call = calls[index]
        index += 1
        target, headers = signed_target(call) if signed else (call.path, {})
        start = time.perf_counter()
        conn.request(call.method, target, body=call.body or None, headers=headers)
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - start)
        if response.status >= 400 or (signed and not body.startswith(b'{"code":0')):
            errors += 1
    out.put((latencies, errors, time.perf_counter() - began))


def drive(port: int, per_client: list[list[Call]], seconds: float, signed: bool = True) -> Result:
    """Each client sends its calls in turn, one at a time, until its list or the time runs out."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    deadline = time.time() + seconds
    workers = [
        multiprocessing.Process(target=_client, args=(port, calls, signed, deadline, out))
        for calls in per_client
    ]
    for worker in workers:
        worker.start()
    gathered = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(x for lat, _, _ in gathered for x in lat)
    elapsed = max(took for _, _, took in gathered)
    return Result(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=statistics.median(latencies) * 1000 if latencies else 0.0,
        p99_ms=latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
        errors=sum(e for _, e, _ in gathered),
    )


def repeat(call: Call, clients: int, count: int = 1_000_000) -> list[list[Call]]:
    return [[call] * count for _ in range(clients)]


class Served:
    """A server in a subprocess, stopped on exit."""

    def __init__(
        self,
        command: list[str],
        port: int,
        ready_path: str,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ):
        self.port = port
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )
        wait_for(port, ready_path, timeout)

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(10)


def sandbox_command(root: Path = ROOT) -> list[str]:
    """How to start `tts-sandbox` from the checkout at ``root``: its own venv's command, or this
    interpreter running that checkout's CLI (with PYTHONPATH set to ``root``)."""
    installed = root / ".venv/bin/tts-sandbox"
    if installed.exists():
        return [str(installed)]
    return [sys.executable, "-c", "import sys; from sandbox.cli import main; sys.exit(main(sys.argv[1:]))"]


def sandbox_server(orders: int) -> Served:
    port = free_port()
    command = [*sandbox_command(), "serve", "--port", str(port), "--orders", str(orders)]
    return Served(command, port, "/sandbox/health")


def baseline_server(body: bytes) -> Served:
    port = free_port()
    gunicorn = ROOT / ".venv/bin/gunicorn"
    if not gunicorn.exists():
        raise RuntimeError("the baseline needs gunicorn: .venv/bin/pip install -e '.[bench]'")
    command = [str(gunicorn), "-w", "1", "-k", "sync", "-b", f"127.0.0.1:{port}", "bench.baseline_app:app"]
    return Served(command, port, "/health", env={"BASELINE_BODY": body.decode()})


def fetch(port: int, call: Call) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    target, headers = signed_target(call)
    conn.request(call.method, target, body=call.body or None, headers=headers)
    return conn.getresponse().read()


def throughput(orders: int, clients: int, seconds: float) -> dict[str, dict[str, float | int | str]]:
    """Requests per second and p50/p99 at ``clients`` concurrent clients, each with its ratio to
    the baseline serving a body of the same size."""
    results: dict[str, dict[str, float | int | str]] = {}
    with sandbox_server(orders) as server:
        search = Call("POST", "/order/202309/orders/search", {"page_size": "20"}, "{}")
        first_page = json.loads(fetch(server.port, search))["data"]["orders"]
        order_id = first_page[0]["id"]
        detail = Call("GET", "/order/202309/orders", {"ids": order_id})
        tracking = Call("GET", f"/fulfillment/202309/orders/{order_id}/tracking", {})
        waiting = packages_awaiting_shipment(server.port)
        ships = [Call("POST", f"/fulfillment/202309/packages/{p}/ship", {}, "{}") for p in waiting]
        plans: dict[str, tuple[Call, list[list[Call]]]] = {
            "order detail": (detail, repeat(detail, clients)),
            f"order search over {orders:,} orders": (search, repeat(search, clients)),
            "order tracking": (tracking, repeat(tracking, clients)),
            "ship a package": (ships[0], [ships[i::clients] for i in range(clients)]),
        }
        sizes = {
            name: len(fetch(server.port, call))
            for name, (call, _) in plans.items()
            if name != "ship a package"
        }
        sizes["ship a package"] = 120  # the success envelope
        measured = {name: drive(server.port, per_client, seconds) for name, (_, per_client) in plans.items()}
    for name, result in measured.items():
        with baseline_server(b'{"code":0,"data":"' + b"x" * max(0, sizes[name] - 20) + b'"}') as base:
            baseline = drive(base.port, repeat(Call("GET", "/json", {}), clients), seconds, signed=False)
        results[f"{name} ({clients} clients)"] = {
            "req/s": round(result.rps, 1),
            "p50 ms": round(result.p50_ms, 2),
            "p99 ms": round(result.p99_ms, 2),
            "errors": result.errors,
            "baseline req/s": round(baseline.rps, 1),
            "ratio": result.rps / baseline.rps if baseline.rps else 0.0,
        }
    return results


def packages_awaiting_shipment(port: int) -> list[str]:
    """Packages of platform-shipped orders awaiting shipment: each can be shipped once."""
    found: list[str] = []
    token = ""
    body = '{"order_status":"AWAITING_SHIPMENT","shipping_type":"TIKTOK"}'
    while True:
        params = {"page_size": "100", **({"page_token": token} if token else {})}
        page = json.loads(fetch(port, Call("POST", "/order/202309/orders/search", params, body)))["data"]
        found += [p["id"] for order in page["orders"] for p in order.get("packages", [])]
        token = page.get("next_page_token", "")
        if not token:
            return found


_packages_awaiting_shipment = packages_awaiting_shipment  # the name bench/persistence.py uses
