"""Long-running health: memory over many signed requests to one in-process sandbox.

Run: .venv/bin/python bench/soak.py [--requests 1000000]

A mix of reads and writes (order detail, order search, tracking, clock advances, webhook-producing
changes, journaled errors) goes through the whole request path in-process. The process's resident
memory is sampled along the way: with the journal and event log capped, it should level off after
the first samples instead of growing with the request count.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Current resident memory, from /proc (ru_maxrss only ever grows)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000, help="how many requests (1,000,000)")
    parser.add_argument("--samples", type=int, default=10, help="memory samples along the way (10)")
    args = parser.parse_args()

    from sandbox.inprocess import InProcessSandbox

    with InProcessSandbox(freeze_at="2026-03-02T09:00:00Z") as tts:
        client = tts.client()
        tts.http.post("/sandbox/webhooks/dispatch")
        orders = client.post("/order/202309/orders/search", {}, params={"page_size": 20}).json()["data"][
            "orders"
        ]
        ids = [o["id"] for o in orders]
        calls = [
            lambda i: client.get("/order/202309/orders", params={"ids": [ids[i % len(ids)]]}),
            lambda i: client.post("/order/202309/orders/search", {}, params={"page_size": 5}),
            lambda i: client.get(f"/fulfillment/202309/orders/{ids[i % len(ids)]}/tracking"),
            lambda i: client.get("/order/202309/orders", params={"ids": ["1"]}),  # an error, journaled
            lambda i: tts.http.post("/sandbox/clock/advance", json={"by": "1m"}),
        ]
        every = max(1, args.requests // args.samples)
        samples = []
        began = time.perf_counter()
        for i in range(args.requests):
            calls[i % len(calls)](i)
            if (i + 1) % every == 0:
                samples.append(
                    {
                        "requests": i + 1,
                        "rss_mb": round(rss_mb(), 1),
                        "seconds": round(time.perf_counter() - began, 1),
                    }
                )
                print(json.dumps(samples[-1]), flush=True)
        world = tts.sandbox.tenants.default.world
        journal = world.journal
    first, last = samples[0], samples[-1]
    print(
        f"{args.requests:,} requests in {last['seconds']} s; RSS {first['rss_mb']} MB after "
        f"{first['requests']:,}, {last['rss_mb']} MB after {last['requests']:,} "
        f"(ratio {last['rss_mb'] / first['rss_mb']:.2f}); journal kept {len(journal.entries):,}, "
        f"dropped {journal.dropped:,}; event log dropped {world.events_dropped:,}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
