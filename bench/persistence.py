"""The cost of --data-dir: ship throughput and latency with a data directory against the in-memory
server in the same run, at the default size and at 10,000 orders, and the time a server takes to
restart on the data directory that load left (killed with -9, so that the log has rows to replay).

Run: .venv/bin/python bench/persistence.py [--orders 40 10000] [--clients 8] [--calls 4000]
     [--sandbox-root PATH]   # measure another checkout's sandbox (before/after a change)

Each server is `tts-sandbox serve` in a subprocess; each client is a process of its own (see
bench/load.py). The ratio to the in-memory run is the figure to read: the machine is shared.
Both servers get the same calls: one ship for each package awaiting shipment, up to --calls, then
ships of those packages again until --calls are sent (refused as already shipped: the same path
through the sandbox and the same log row), spread over the clients; the throughput is the calls
over the time they took, so that both runs are measured on the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

FREEZE = "2026-03-02T09:00:00Z"
UNBOUNDED = 600.0  # seconds: every client sends all its calls


def serve(
    root: Path, orders: int, data_dir: str | None, timeout: float = 120
) -> tuple[subprocess.Popen[bytes], int, float]:
    """A server from ``root``'s package; returns it, its port and the seconds until it answered."""
    port = load.free_port()
    command = [sys.executable, "-m", "sandbox.cli", "serve", "--port", str(port), "--log-level", "warning"]
    command += ["--orders", str(orders), "--freeze-at", FREEZE]
    if data_dir is not None:
        command += ["--data-dir", data_dir]
    began = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    load.wait_for(port, "/sandbox/health", timeout)
    return process, port, time.perf_counter() - began


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    process.wait(30)


def ships(port: int, clients: int, calls: int) -> list[list[load.Call]]:
    waiting = load._packages_awaiting_shipment(port)
    plan = [load.Call("POST", f"/fulfillment/202309/packages/{p}/ship", {}, "{}") for p in waiting]
    plan = (plan * (calls // max(1, len(plan)) + 1))[:calls] if plan else []
    return [plan[i::clients] for i in range(clients)]


def measure(root: Path, orders: int, clients: int, calls: int) -> dict[str, float | int | str]:
    figures: dict[str, float | int | str] = {"orders": orders}
    with tempfile.TemporaryDirectory() as directory:
        state = str(Path(directory) / "state")
        for name, data_dir in (("memory", None), ("data_dir", state)):
            process, port, started = serve(root, orders, data_dir)
            try:
                figures[f"start {name} s"] = round(started, 2)
                waiting = len(load._packages_awaiting_shipment(port))
                result = load.drive(port, ships(port, clients, calls), UNBOUNDED)
                figures[f"ship {name} req/s"] = round(result.rps, 1)
                figures[f"ship {name} p50 ms"] = round(result.p50_ms, 2)
                figures[f"ship {name} p99 ms"] = round(result.p99_ms, 2)
                figures[f"ship {name} refused"] = f"{result.errors}/{result.requests} ({waiting} packages)"
            finally:
                stop(process, signal.SIGKILL if data_dir else signal.SIGTERM)
        figures["ratio"] = round(
            float(figures["ship data_dir req/s"]) / float(figures["ship memory req/s"]), 2
        )
        database = Path(state) / "sandbox.db"
        figures["data dir MB"] = round(
            sum(p.stat().st_size for p in Path(state).rglob("*") if p.is_file()) / 2**20, 1
        )
        if database.exists():
            import sqlite3

            with sqlite3.connect(database) as db:
                figures["log rows"] = db.execute("SELECT count(*) FROM log").fetchone()[0]
        process, _, restarted = serve(root, orders, state)  # after the kill: loads, replays the log
        stop(process)
        figures["restart s"] = round(restarted, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[40, 10_000])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--calls", type=int, default=4000, help="ship calls per server (default 4000)")
    parser.add_argument("--sandbox-root", type=Path, default=ROOT)
    args = parser.parse_args()
    for orders in args.orders:
        print(
            json.dumps(measure(args.sandbox_root.resolve(), orders, args.clients, args.calls)), flush=True
        )


if __name__ == "__main__":
    main()
