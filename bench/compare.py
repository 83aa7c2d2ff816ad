"""The sandbox beside what its users would pick instead, and beside the ceiling, in one run.

Run: python bench/compare.py [--quick] [--rounds 3] [--seconds 5] [--sandbox-root PATH]
                             [--before-root PATH]

Three servers answer the same four calls, driven by the same load generator (wrk, one thread,
8 connections, bench/calls.lua), one after the other and in a rotating order, each round:

- the sandbox, as `tts-sandbox serve --orders 10000` serves it: signed requests (signed afresh for
  each run, as the timestamp must be within 5 minutes of the server's clock), access token, shop
  cipher, parameter and body validation, the journal, a real world behind them;
- WireMock 3 standalone (the jar of the npm package `wiremock`, installed into bench/.cache on
  first use; Java 17) serving the sandbox's own answers as static stubs, request journal and
  request logging off;
- a bare ASGI app (bench/bare_asgi.py) under uvicorn with uvloop and httptools, returning the same
  bytes: what Python can do on this machine with no work at all per call.

The calls: an order detail of 5 orders, a search page of 20 over 10,000 orders, a package's
shipping (each package once; the world is reset before each round's run), an order's tracking.
Each figure comes with its ratios to WireMock and to the bare app from the same round; the summary
gives the median and the spread over the rounds. JSON goes to bench/results/. The machine's other
work weighs on every party alike only if they alternate, which is why ratios are the figures to
read, and why the spread is quoted. With --before-root, a second sandbox from another checkout (say,
before a change) is served and measured in the same rounds, as a fourth party.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402
from load import Call, Served, fetch, free_port, signed_target  # noqa: E402

CACHE = HERE / ".cache"
WIREMOCK_DIR = CACHE / "wiremock"
START = "2026-03-02T09:00:00+00:00"
CONNECTIONS = 8
PARTIES = ("sandbox", "wiremock", "bare")
SANDBOXES = ("sandbox", "before")  # the parties that are sandboxes: signed calls, their own IDs


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    calls: list[Call]  # sent in turn; ``once``: each call once, the run ends when all answered
    once: bool = False


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    succeeded: int
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def need_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench/compare.py needs wrk: apt-get install -y wrk")
    return found


def wiremock_jar() -> Path:
    """The WireMock standalone jar, installed with npm under bench/.cache the first time."""
    jars = sorted((WIREMOCK_DIR / "node_modules/wiremock/build").glob("wiremock-standalone-*.jar"))
    if not jars:
        if shutil.which("npm") is None or shutil.which("java") is None:
            raise SystemExit("bench/compare.py needs npm (to install WireMock) and Java 17")
        WIREMOCK_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(WIREMOCK_DIR), "wiremock@3"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        jars = sorted((WIREMOCK_DIR / "node_modules/wiremock/build").glob("wiremock-standalone-*.jar"))
    return jars[-1]


def sandbox_server(root: Path, orders: int) -> Served:
    port = free_port()
    command = [
        *load.sandbox_command(root),
        "serve",
        "--port",
        str(port),
        "--orders",
        str(orders),
        "--freeze-at",
        START,
    ]
    return Served(command, port, "/sandbox/health", env={"PYTHONPATH": str(root)}, timeout=120)


def wiremock_server(stubs: dict[str, tuple[str, str, bytes]], folder: Path, defaults: bool = False) -> Served:
    """``stubs``: name to (method, path or path pattern ending in .*, body)."""
    mappings = folder / "mappings"
    mappings.mkdir(parents=True)
    for name, (method, path, body) in stubs.items():
        match = {"urlPathPattern": path} if path.endswith(".*") else {"urlPath": path}
        stub = {
            "request": {"method": method, **match},
            "response": {
                "status": 200,
                "body": body.decode(),
                "headers": {"Content-Type": "application/json"},
            },
        }
        (mappings / f"{name.replace(' ', '-')}.json").write_text(json.dumps(stub))
    port = free_port()
    command = [
        "java",
        "-jar",
        str(wiremock_jar()),
        "--port",
        str(port),
        "--root-dir",
        str(folder),
        "--disable-banner",
    ]
    if not defaults:
        # As WireMock's documentation advises for load: no journal of requests kept in memory.
        command += ["--no-request-journal", "--disable-request-logging"]
    return Served(command, port, "/__admin/mappings", timeout=120)


def bare_server(stubs: dict[str, tuple[str, str, bytes]], folder: Path) -> Served:
    bodies = {path.removesuffix(".*"): body.decode() for _, path, body in stubs.values()}
    table = folder / "bare-bodies.json"
    table.write_text(json.dumps(bodies))
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(HERE),
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "bare_asgi:app",
    ]
    return Served(command, port, "/", env={"BARE_BODIES": str(table)})


def drive(port: int, operation: Operation, seconds: float, signed: bool, folder: Path) -> Run:
    """One wrk run of ``operation`` against the server on ``port``."""
    lines = []
    for call in operation.calls:
        target, _ = signed_target(call) if signed else (call.path, {})
        lines.append(f"{call.method}\t{target}\t{call.body}")
    calls = folder / "calls.txt"
    calls.write_text("\n".join(lines) + "\n")
    env = {
        **os.environ,
        "WRK_CALLS": str(calls),
        "WRK_TOKEN": load.TOKEN,
        "WRK_ONCE": "1" if operation.once else "0",
    }
    command = [need_wrk(), "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--timeout", "5s"]
    command += ["-s", str(HERE / "calls.lua"), f"http://127.0.0.1:{port}"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    summary = json.loads(line.removeprefix("WRK_JSON "))
    return Run(
        requests=summary["requests"],
        seconds=summary["seconds"],
        p50_ms=summary["p50_ms"],
        p99_ms=summary["p99_ms"],
        succeeded=summary["succeeded"],
        errors=summary["socket_errors"] + summary["non_2xx"],
    )


def operations(port: int) -> list[Operation]:
    """The four calls, with IDs read from the sandbox's seeded world."""
    search = Call("POST", "/order/202309/orders/search", {"page_size": "20"}, "{}")
    first_page = json.loads(fetch(port, search))["data"]["orders"]
    ids = [order["id"] for order in first_page[:5]]
    detail = Call("GET", "/order/202309/orders", {"ids": ",".join(ids)})
    tracking = Call("GET", f"/fulfillment/202309/orders/{ids[0]}/tracking", {})
    return [
        Operation("order detail (5 orders)", "GET", [detail]),
        Operation("order search over 10,000 orders", "POST", [search]),
        Operation("ship a package", "POST", ships(port), once=True),
        Operation("order tracking", "GET", [tracking]),
    ]


def ships(port: int) -> list[Call]:
    waiting = load.packages_awaiting_shipment(port)
    return [Call("POST", f"/fulfillment/202309/packages/{p}/ship", {}, "{}") for p in waiting]


def reset(port: int) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/sandbox/reset")
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 200, answer.status


def stubs_of(port: int, ops: list[Operation]) -> dict[str, tuple[str, str, bytes]]:
    """The sandbox's own answers, for the other parties to serve: fetched once, the ship answer
    from shipping one package (then the world is reset)."""
    stubs: dict[str, tuple[str, str, bytes]] = {}
    for op in ops:
        body = fetch(port, op.calls[0])
        assert body.startswith(b'{"code":0'), body[:300]
        path = op.calls[0].path
        if op.once:
            path = path.rsplit("/", 2)[0] + "/.*"
        stubs[op.name] = (op.method, path, body)
    reset(port)
    return stubs


@contextmanager
def parties(
    root: Path, before: Path | None, orders: int, folder: Path, wiremock_defaults: bool = False
) -> Iterator[tuple[dict[str, Served], dict[str, list[Operation]]]]:
    """The servers, and each one's operations (a sandbox's own IDs; the others take the first's)."""
    with ExitStack() as stack:
        sandbox = stack.enter_context(sandbox_server(root, orders))
        ops = operations(sandbox.port)
        stubs = stubs_of(sandbox.port, ops)
        servers = {
            "sandbox": sandbox,
            "wiremock": stack.enter_context(wiremock_server(stubs, folder / "wiremock", wiremock_defaults)),
            "bare": stack.enter_context(bare_server(stubs, folder)),
        }
        own = {name: ops for name in servers}
        if before is not None:
            servers["before"] = stack.enter_context(sandbox_server(before, orders))
            own["before"] = operations(servers["before"].port)
        yield servers, own


def measure(args: argparse.Namespace) -> dict[str, Any]:
    need_wrk()
    rounds: list[dict[str, dict[str, Run]]] = []
    folder = Path(tempfile.mkdtemp())
    with parties(args.sandbox_root, args.before_root, args.orders, folder, args.wiremock_defaults) as (
        servers,
        own,
    ):
        names = tuple(servers)
        # Warm-up: the JVM compiles what runs often, the sandboxes fill their caches.
        for name, server in servers.items():
            for op in own[name]:
                if name in SANDBOXES and op.once:
                    continue  # would ship the packages; the measured run is the first
                drive(server.port, op, args.warmup, name in SANDBOXES, folder)
        for index in range(args.rounds):
            figures: dict[str, dict[str, Run]] = {}
            for position, first in enumerate(own["sandbox"]):
                turn = names[index % len(names) :] + names[: index % len(names)]
                calls = {name: own[name][position] for name in names}
                if first.once:
                    # Fresh packages for each sandbox; the others answer the first one's list.
                    for name in SANDBOXES:
                        if name in servers:
                            reset(servers[name].port)
                            calls[name] = Operation(first.name, first.method, ships(servers[name].port), True)
                    for name in names:
                        if name not in SANDBOXES:
                            calls[name] = calls["sandbox"]
                runs: dict[str, Run] = {}
                for name in turn:
                    runs[name] = drive(
                        servers[name].port, calls[name], args.seconds, name in SANDBOXES, folder
                    )
                figures[first.name] = runs
            rounds.append(figures)
            show_round(index, figures)
    shutil.rmtree(folder, ignore_errors=True)
    return summarise(rounds)


def show_round(index: int, figures: dict[str, dict[str, Run]]) -> None:
    print(f"round {index + 1}")
    for name, runs in figures.items():
        own = runs["sandbox"]
        shown = "  ".join(f"{party} {r.rps:,.0f} req/s p99 {r.p99_ms:.1f} ms" for party, r in runs.items())
        ratio = f"x{own.rps / runs['wiremock'].rps:.2f} WireMock, {own.rps / runs['bare'].rps:.2f} of bare"
        if "before" in runs:
            ratio += f", x{own.rps / runs['before'].rps:.2f} before"
        failed = {party: r.requests - r.succeeded for party, r in runs.items() if r.succeeded < r.requests}
        print(f"  {name:34} {shown}  ({ratio}; {own.succeeded}/{own.requests} succeeded)")
        if failed:
            print(f"  {'':34} answers that were not a success: {failed}")
    sys.stdout.flush()


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(rounds: list[dict[str, dict[str, Run]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for name in rounds[0]:
        runs = [r[name] for r in rounds]
        to_wiremock = [r["sandbox"].rps / r["wiremock"].rps for r in runs]
        to_bare = [r["sandbox"].rps / r["bare"].rps for r in runs]
        summary[name] = {
            "rounds": [
                {party: {**vars(run), "req/s": round(run.rps, 1)} for party, run in r.items()} for r in runs
            ],
            "ratio to WireMock": spread(to_wiremock),
            "ratio to bare ASGI": spread(to_bare),
            "sandbox p99 ms, worst round": max(r["sandbox"].p99_ms for r in runs),
            "sandbox errors": sum(r["sandbox"].errors for r in runs),
            "sandbox answers that were not a success": sum(
                r["sandbox"].requests - r["sandbox"].succeeded for r in runs
            ),
        }
        if "before" in runs[0]:
            summary[name]["before: ratio to WireMock"] = spread(
                [r["before"].rps / r["wiremock"].rps for r in runs]
            )
            summary[name]["before: ratio to bare ASGI"] = spread(
                [r["before"].rps / r["bare"].rps for r in runs]
            )
            summary[name]["ratio to before"] = spread([r["sandbox"].rps / r["before"].rps for r in runs])
            summary[name]["before p99 ms, worst round"] = max(r["before"].p99_ms for r in runs)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2-second runs (a few minutes in all)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each running every party (3)")
    parser.add_argument("--seconds", type=float, help="length of each wrk run (5, or 2 with --quick)")
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the sandbox's world (10,000)")
    parser.add_argument(
        "--sandbox-root", type=Path, default=HERE.parent, help="the checkout to measure (this one)"
    )
    parser.add_argument("--before-root", type=Path, help="another checkout, measured in the same rounds")
    parser.add_argument(
        "--wiremock-defaults",
        action="store_true",
        help="run WireMock as it starts by default (request journal and request logging on)",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (2.0 if args.quick else 5.0)
    args.warmup = 1.0 if args.quick else 3.0
    summary = measure(args)
    print("summary (median, and the spread over the rounds)")
    for name, figures in summary.items():
        wm, bare = figures["ratio to WireMock"], figures["ratio to bare ASGI"]
        print(
            f"  {name:34} x{wm['median']:.2f} WireMock ({wm['min']:.2f}-{wm['max']:.2f}), "
            f"{bare['median']:.2f} of bare ASGI ({bare['min']:.2f}-{bare['max']:.2f}), "
            f"p99 {figures['sandbox p99 ms, worst round']:.1f} ms at worst"
        )
        if "ratio to before" in figures:
            wm, bare, gain = (
                figures[k]
                for k in ("before: ratio to WireMock", "before: ratio to bare ASGI", "ratio to before")
            )
            print(
                f"  {'  before':34} x{wm['median']:.2f} WireMock ({wm['min']:.2f}-{wm['max']:.2f}), "
                f"{bare['median']:.2f} of bare ASGI ({bare['min']:.2f}-{bare['max']:.2f}), "
                f"p99 {figures['before p99 ms, worst round']:.1f} ms at worst; "
                f"after/before x{gain['median']:.2f} ({gain['min']:.2f}-{gain['max']:.2f})"
            )
    out = HERE / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"compare-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "cores": os.cpu_count(),
                "sandbox root": str(args.sandbox_root),
                "before root": str(args.before_root) if args.before_root else None,
                "seconds per run": args.seconds,
                "connections": CONNECTIONS,
                "wiremock": "defaults"
                if args.wiremock_defaults
                else "no request journal, no request logging",
                "results": summary,
            },
            indent=2,
        )
    )
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
