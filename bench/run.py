"""Measurements of the sandbox, printed as a table and written as JSON to bench/results/.

Run: .venv/bin/python bench/run.py [--quick]

Each figure is a median over repeated runs on this machine; times depend on the machine, so compare
figures from one run with each other, not across machines. Throughput figures (bench/compare.py)
come with their ratios to WireMock serving the same answers as static stubs and to a bare ASGI
app returning the same bytes, measured in the same rounds with the same load generator (wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.app import Sandbox  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def compile_package() -> None:
    """Python caches the package's bytecode at its first start, except where
    PYTHONDONTWRITEBYTECODE is set (as on some CI machines): compile it once, so that cold starts
    measure a start, not compiling the sandbox from source."""
    import compileall

    compileall.compile_dir(str(ROOT / "sandbox"), quiet=1)


def cold_start() -> float:
    """From launching `tts-sandbox serve` to its first answered request, in seconds."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    import load

    began = time.perf_counter()
    process = subprocess.Popen(
        [*load.sandbox_command(ROOT), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/sandbox/health", timeout=1).status_code == 200:
                    return time.perf_counter() - began
            except httpx.TransportError:
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait()


def scenario_with_orders(count: int) -> str:
    named = "\n".join(f"  o{i}: {{status: {'UNPAID' if i % 2 else 'AWAITING_SHIPMENT'}}}" for i in range(100))
    steps = "\n".join(
        f"  - at: {1 + i % 48}h\n    do: [{{{'pay' if i % 2 else 'buyer_cancel'}: {{order: o{i}}}}}]"
        for i in range(100)
    )
    return f"""scenario: bench
setup:
  start: 2026-03-02T09:00:00Z
  background_orders: {count - 100}
orders:
{named}
steps:
{steps}
until: 30d
"""


def fresh_tenants() -> float:
    """What the pytest plugin does per test: new tenants (worlds, clocks) behind the session's app."""
    from sandbox.tenants import TenantRegistry

    began = time.perf_counter()
    TenantRegistry()
    return time.perf_counter() - began


CALLS = {
    "authorized shops": ("GET", "/authorization/202309/shops", {}, ""),
    "order search, 20 orders": ("POST", "/order/202309/orders/search", {"page_size": "20"}, "{}"),
}


def signed(path: str, params: dict[str, str], body: str) -> dict[str, str]:
    from sandbox.signing import sign

    query = {"app_key": "sandbox_app_key", "timestamp": str(int(time.time())), **params}
    if not path.startswith("/authorization"):
        query["shop_cipher"] = "ROW_sandbox_shop_cipher"
    query["sign"] = sign("sandbox_app_secret", path, query, body)
    return query


def call_paths(count: int, rounds: int = 7) -> dict[str, tuple[float, float]]:
    """Median latency of signed calls, in-process and to a server over loopback, for each client:
    requests (in-process through responses, as mock_tiktok_shop() routes it) and httpx
    (in-process through the sandbox's transport). Batches alternate, so that whatever else the
    machine does weighs on both alike."""
    import httpx
    import requests

    from sandbox import InProcessSandbox, mock_tiktok_shop

    headers = {"x-tts-access-token": "TTP_sandbox_access_token", "content-type": "application/json"}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    import load

    process = subprocess.Popen(
        [*load.sandbox_command(ROOT), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    tiktok = "https://open-api.tiktokglobalshop.com"
    medians: dict[str, dict[str, list[float]]] = {
        f"{name} ({client})": {"in": [], "out": []} for name in CALLS for client in ("requests", "httpx")
    }
    try:
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/sandbox/health")
                break
            except httpx.TransportError:
                time.sleep(0.01)
        session = requests.Session()
        in_process = InProcessSandbox().start()
        clients = {
            "httpx": (
                httpx.Client(transport=in_process.httpx_transport(), base_url=tiktok),
                httpx.Client(base_url=f"http://127.0.0.1:{port}"),
            )
        }
        with mock_tiktok_shop():  # routes TikTok's host in-process; 127.0.0.1 passes through
            for _ in range(rounds):
                for name, (method, path, params, body) in CALLS.items():
                    sides: list[tuple[str, str, Any]] = [
                        (
                            "requests",
                            "in",
                            lambda q, p=path, m=method, b=body: session.request(
                                m, tiktok + p, params=q, data=b or None, headers=headers
                            ),
                        ),
                        (
                            "requests",
                            "out",
                            lambda q, p=path, m=method, b=body: session.request(
                                m, f"http://127.0.0.1:{port}{p}", params=q, data=b or None, headers=headers
                            ),
                        ),
                    ]
                    for side, client in zip(("in", "out"), clients["httpx"], strict=True):
                        sides.append(
                            (
                                "httpx",
                                side,
                                lambda q, c=client, p=path, m=method, b=body: c.request(
                                    m, p, params=q, content=b or None, headers=headers
                                ),
                            )
                        )
                    for client_name, side, send in sides:
                        timings = []
                        for _ in range(count + 3):
                            query = signed(path, params, body)
                            began = time.perf_counter()
                            send(query)
                            timings.append(time.perf_counter() - began)
                        medians[f"{name} ({client_name})"][side].append(statistics.median(timings[3:]))
    finally:
        process.terminate()
        process.wait()
    return {name: (statistics.median(m["in"]), statistics.median(m["out"])) for name, m in medians.items()}


def advance_30_days(count: int) -> tuple[float, int]:
    sandbox = Sandbox(order_count=0)
    sandbox.load_scenario(scenario_with_orders(count))
    world = sandbox.tenants.default.world
    began = time.perf_counter()
    fired = world.advance_to(world.now() + timedelta(days=30))
    return time.perf_counter() - began, fired


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def seed_and_export(count: int) -> dict[str, float | int | str]:
    """`tts-sandbox serve --orders COUNT`, as the README runs it: seconds from launch to the first
    answer, its memory beside a 40-order server's, then every order exported as CSV over HTTP."""
    import http.client

    import load

    def served(orders: int) -> tuple[load.Served, float]:
        port = load.free_port()
        began = time.perf_counter()
        command = [*load.sandbox_command(ROOT), "serve", "--port", str(port), "--orders", str(orders)]
        server = load.Served(
            [*command, "--freeze-at", START.isoformat()], port, "/sandbox/health", timeout=600
        )
        return server, time.perf_counter() - began

    small, _ = served(40)
    with small:
        rss_small = _rss_mb(small.process.pid)
    server, seeded = served(count)
    with server:
        rss_seeded = _rss_mb(server.process.pid)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        began = time.perf_counter()
        conn.request("GET", "/seller-center/orders/export")
        answer = conn.getresponse()
        body = answer.read()
        exported = time.perf_counter() - began
        peak = _rss_mb(server.process.pid, "VmHWM")
    assert answer.status == 200 and int(answer.headers["x-export-orders"]) == count, body[:200]
    return {
        "seed seconds": seeded,
        "export seconds": exported,
        "csv MB": len(body) / 1e6,
        "RSS MB": rss_seeded,
        "RSS MB, 40 orders": rss_small,
        "peak RSS MB": peak,
    }


def journal_memory(total: int) -> dict[str, float | int | str]:
    """Append ``total`` synthetic entries to a journal with the default cap, straight (no HTTP),
    and measure the memory it holds after 10,000 entries and at the end: bounded means a ratio ~1."""
    import tracemalloc

    from sandbox.journal import DEFAULT_CAP, Journal, JournalEntry

    journal = Journal()
    body = '{"order_status":"AWAITING_SHIPMENT","create_time_ge":1623800000}'
    checkpoint = 10_000
    tracemalloc.start()
    early = 0
    for seq in range(1, total + 1):
        at = START + timedelta(milliseconds=seq)
        query = {"app_key": "sandbox_app_key", "timestamp": str(1772442000 + seq // 1000), "page_size": "20"}
        journal.append(
            JournalEntry(
                journal.next_seq(),
                at,
                at,
                "search_orders",
                "POST",
                "/order/202309/orders/search",
                query,
                body,
                200,
                0,
                tenant="sandbox_app_key",
            )
        )
        if seq == checkpoint:
            early = tracemalloc.get_traced_memory()[0]
    late = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(journal.entries) == DEFAULT_CAP and journal.dropped == total - DEFAULT_CAP
    return {
        "MB after 10,000": early / 1e6,
        f"MB after {total:,}": late / 1e6,
        "ratio": late / early,
        "dropped": journal.dropped,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller worlds")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    results: dict[str, dict[str, float | int | str]] = {}

    compile_package()
    results["cold start to first answer"] = {"seconds": median_of(runs, cold_start)}

    import compare

    measured = compare.measure(
        argparse.Namespace(
            sandbox_root=ROOT,
            before_root=None,
            wiremock_defaults=False,
            orders=10_000,
            rounds=3,
            seconds=2.0 if args.quick else 5.0,
            warmup=1.0 if args.quick else 3.0,
        )
    )
    for name, figures in measured.items():
        worst = max(r["sandbox"]["p99_ms"] for r in figures["rounds"])
        results[f"{name} (wrk, 8 connections)"] = {
            "median req/s": statistics.median(r["sandbox"]["req/s"] for r in figures["rounds"]),
            "worst p99 ms": worst,
            "ratio": figures["ratio to WireMock"]["median"],
            "of bare ASGI": figures["ratio to bare ASGI"]["median"],
        }

    sandbox = Sandbox(freeze_at=START)
    world = sandbox.tenants.default.world

    def reset() -> float:
        began = time.perf_counter()
        world.reset()
        return time.perf_counter() - began

    results["reset (40 orders)"] = {"seconds": median_of(runs * 3, reset)}

    def create_tenant() -> float:
        began = time.perf_counter()
        sandbox.tenants.create()
        return time.perf_counter() - began

    results["tenant creation (40 orders)"] = {"seconds": median_of(runs * 3, create_tenant)}

    results["fresh sandbox per test (pytest plugin)"] = {"seconds": median_of(runs * 3, fresh_tenants)}
    for name, (inprocess, server) in call_paths(20 if args.quick else 40).items():
        results[f"{name}: in-process"] = {"seconds": inprocess}
        results[f"{name}: server over loopback (keep-alive)"] = {"seconds": server}
        results[f"{name}: in-process / server"] = {"ratio": inprocess / server}

    active = 1_000 if args.quick else 10_000
    seconds, fired = advance_30_days(active)
    results[f"advance 30 days, scenario with {active:,} orders"] = {"seconds": seconds, "rules fired": fired}

    count = 20_000 if args.quick else 200_000
    results[f"serve --orders {count:,}: seeding, memory, CSV export"] = seed_and_export(count)

    journal_total = 100_000 if args.quick else 1_000_000
    results[f"journal memory under {journal_total:,} requests"] = journal_memory(journal_total)

    width = max(map(len, results))
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    for name, figures in results.items():
        shown = ", ".join(
            f"{v:.2f}" if k == "ratio" else f"{v:.4g} {k}" if isinstance(v, float) else f"{v} {k}"
            for k, v in figures.items()
        )
        print(f"{name.ljust(width)}  {shown}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"bench-{stamp}.json").write_text(
        json.dumps(
            {"machine": platform.machine(), "python": platform.python_version(), "results": results}, indent=2
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
