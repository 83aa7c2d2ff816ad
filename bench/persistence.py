"""The cost of persistence: writing one tenant (snapshot + fsync + rename), and a request's time
with and without a data directory.

Run: .venv/bin/python bench/persistence.py [--orders N ...]

Medians on this machine; the fsync part depends mostly on the disk under the data directory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.app import Sandbox  # noqa: E402
from sandbox.persistence import dump_tenant, write_atomically  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def measure(orders: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        memory = Sandbox(order_count=orders, freeze_at=START)
        durable = Sandbox(order_count=orders, freeze_at=START, data_dir=directory)
        tenant = durable.tenants.default
        data = dump_tenant(tenant)
        target = Path(directory) / "bench.snapshot"
        figures = {
            "orders": orders,
            "snapshot_kb": len(data) / 1024,
            "serialize_ms": median_ms(lambda: dump_tenant(tenant), repeat),
            "write_fsync_ms": median_ms(lambda: write_atomically(target, data), repeat),
        }
        for name, sandbox in (("memory", memory), ("data_dir", durable)):
            with sandbox.app.test_client() as http:
                figures[f"advance_{name}_ms"] = median_ms(
                    lambda http=http: http.post("/sandbox/clock/advance", json={"by": "1m"}), repeat
                )
                figures[f"read_{name}_ms"] = median_ms(lambda http=http: http.get("/sandbox/clock"), repeat)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[40, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rows = [measure(n, args.repeat) for n in args.orders]
    columns = list(rows[0])
    print("  ".join(f"{c:>18}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>18.1f}" for c in columns))


if __name__ == "__main__":
    main()
