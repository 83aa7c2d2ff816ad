"""A big world's reads: the clock, the to-do counters, a Seller Center list page, the web page and
the CSV export's first byte, on a server seeded with many orders, each beside the same call on a
40-order tenant of the same server; and that small tenant's calls while the big one exports and
advances a day.

Run: .venv/bin/python bench/bigworld.py [--quick] [--orders N]

Figures are medians in milliseconds; compare the two columns of one run, not runs on different
machines.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402

START = "2026-03-02T09:00:00Z"

CALLS = {
    "GET /sandbox/clock": "/sandbox/clock",
    "to-do counters (GET /seller-center/orders/todo)": "/seller-center/orders/todo",
    "Seller Center list page (GET /seller-center/orders)": "/seller-center/orders",
    "Seller Center tab page (?tab=pending_shipping)": "/seller-center/orders?tab=pending_shipping",
    "web page (GET /web/orders)": "/web/orders",
    "Failed Delivery tab (GET /seller-center/failed-deliveries)": "/seller-center/failed-deliveries",
}


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    answer.read()
    took = time.perf_counter() - began
    conn.close()
    return took * 1000, answer.status


def _median(port: int, path: str, headers: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        took, status = _get(port, path, headers)
        assert status == 200, (path, status)
        times.append(took)
    return statistics.median(times)


def _first_byte(port: int, path: str, headers: dict[str, str]) -> tuple[float, float, int]:
    """Milliseconds to the first byte of the body and to its end, and its size."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    assert answer.status == 200, answer.status
    answer.read(1)
    first = time.perf_counter() - began
    size = 1 + len(answer.read())
    whole = time.perf_counter() - began
    conn.close()
    return first * 1000, whole * 1000, size


def measure(orders: int, runs: int) -> dict[str, Any]:
    port = load.free_port()
    command = [sys.executable, "-m", "sandbox.cli", "serve", "--port", str(port), "--orders", str(orders)]
    began = time.perf_counter()
    with load.Served([*command, "--freeze-at", START], port, "/sandbox/health", timeout=900) as server:
        seeded = time.perf_counter() - began
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request(
            "POST",
            "/sandbox/tenants",
            body=json.dumps({"order_count": 40, "start": START, "frozen": True}),
            headers={"Content-Type": "application/json"},
        )
        created = json.loads(conn.getresponse().read())
        small = {"X-Sandbox-Tenant": created["app_key"]}
        small_web = {"Cookie": f"tts_sandbox_tenant={created['app_key']}"}
        big: dict[str, str] = {}
        results: dict[str, Any] = {"orders": orders, "seeded to first answer, s": round(seeded, 2)}
        for name, path in CALLS.items():
            small_headers = small_web if path.startswith("/web") else small
            results[name] = {
                f"{orders} orders, ms": round(_median(server.port, path, big, runs), 2),
                "40 orders, ms": round(_median(server.port, path, small_headers, runs), 2),
            }
        export = "/seller-center/orders/export"
        first_small, _, _ = _first_byte(server.port, export, small)
        quiet = _median(server.port, "/sandbox/clock", small, runs)
        with _watching(server.port, small) as during:
            first, whole, size = _first_byte(server.port, export, big)
        results["CSV export: first byte / whole"] = {
            f"{orders} orders, ms": [round(first, 1), round(whole, 1), f"{size / 1e6:.1f} MB"],
            "40 orders, ms": round(first_small, 1),
        }
        results["40-order tenant's clock while the big one exports"] = _spread(during, quiet)
        with _watching(server.port, small) as during:
            advanced = _post(server.port, "/sandbox/clock/advance", {"by": "1d"}, big)
        results["a 1-day advance of the big tenant"] = {"s": round(advanced / 1000, 2)}
        results["40-order tenant's clock during that advance"] = _spread(during, quiet)
    return results


@contextlib.contextmanager
def _watching(port: int, headers: dict[str, str]) -> Iterator[list[float]]:
    """The tenant's clock asked over and over while the block runs, from a process of its own: a
    thread of this one would share its interpreter with the download it watches, and measure that."""
    stop = multiprocessing.Event()
    out: multiprocessing.Queue = multiprocessing.Queue()
    poker = multiprocessing.Process(target=_poke, args=(port, headers, stop, out))
    poker.start()
    during: list[float] = []
    try:
        yield during
    finally:
        stop.set()
        during.extend(out.get())
        poker.join()


def _poke(port: int, headers: dict[str, str], stop: Any, out: Any) -> None:
    times: list[float] = []
    while not stop.is_set() or not times:
        times.append(_get(port, "/sandbox/clock", headers)[0])
    out.put(times)


def _spread(during: list[float], quiet: float) -> dict[str, Any]:
    return {
        "during, ms (median, max)": [round(statistics.median(during), 2), round(max(during), 2)],
        "quiet, ms": round(quiet, 2),
    }


def _post(port: int, path: str, body: dict[str, Any], headers: dict[str, str]) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    conn.request("POST", path, body=json.dumps(body), headers={**headers, "Content-Type": "application/json"})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
    return (time.perf_counter() - began) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 5,000-order world, fewer repetitions")
    parser.add_argument("--orders", type=int, default=None, help="orders in the big world (200,000)")
    args = parser.parse_args()
    orders = args.orders or (5_000 if args.quick else 200_000)
    results = measure(orders, 3 if args.quick else 7)
    for name, value in results.items():
        print(f"{name}: {value}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"bigworld-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
