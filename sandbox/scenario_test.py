"""``tts-sandbox test SCENARIO -- COMMAND``: one scenario judged against a client in any language.

A sandbox of its own on a free loopback port (in this process, served by uvicorn from a thread),
a tenant of its own with fresh credentials, the scenario loaded into it; then COMMAND runs with
the addresses and credentials in environment variables (ENVIRONMENT) and drives the clock through
the control plane. When it ends, the clock is advanced to the scenario's end if it is not there
yet, so that every expectation gets its verdict; the JUnit report is written where asked, a
summary names every expectation that did not pass, and the exit status says how it went (EXIT_*).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from sandbox.scenario_files import bundled_names, find_scenario

# Exit statuses.
EXIT_PASSED = 0  # the command exited 0 and every expectation passed
EXIT_EXPECTATIONS = 1  # the command exited 0, but an expectation failed, stayed pending or was skipped
EXIT_USAGE = 2  # nothing was judged: bad options, no such scenario, an invalid one, the port taken
EXIT_COMMAND = 3  # the command exited non-zero, could not start or outran --timeout

# What the command finds in its environment (the names and what each holds), as the README lists them.
ENVIRONMENT = {
    "TTS_SANDBOX_BASE_URL": "the Open API's base URL, e.g. http://127.0.0.1:54321",
    "TTS_SANDBOX_AUTH_URL": "where /api/v2/token/get and /api/v2/token/refresh are (the same server)",
    "TTS_SANDBOX_CONTROL_URL": "the control plane, e.g. http://127.0.0.1:54321/sandbox",
    "TTS_SANDBOX_TENANT": "the tenant's app_key: send it as X-Sandbox-Tenant on control-plane calls",
    "TTS_SANDBOX_APP_KEY": "the app_key query parameter",
    "TTS_SANDBOX_APP_SECRET": "the secret that signs requests (never sent)",
    "TTS_SANDBOX_ACCESS_TOKEN": "the x-tts-access-token header (valid 7 days of virtual time)",
    "TTS_SANDBOX_REFRESH_TOKEN": "to get a new access token from /api/v2/token/refresh",
    "TTS_SANDBOX_SHOP_CIPHER": "the shop_cipher query parameter of shop-scoped calls",
    "TTS_SANDBOX_SHOP_ID": "the shop's ID",
    "TTS_SANDBOX_SCENARIO": "the scenario's name: its report is at $TTS_SANDBOX_CONTROL_URL/scenarios/NAME",
}

# Where virtual time starts for a scenario without setup.start: fixed, so that runs repeat.
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NO_UNTIL = timedelta(days=7)  # how far the clock goes for a scenario without `until`, as in `scenario run`
HOST = "127.0.0.1"
STOP_GRACE = 5.0  # seconds a command stopped by --timeout has to end after SIGTERM


@dataclass
class Options:
    scenario: str
    command: Sequence[str]
    port: int = 0  # 0: a free one
    junit: str | None = None
    start: datetime | None = None
    until: str | None = None
    allow_skipped: bool = False
    timeout: float | None = None


def plural(count: int, noun: str) -> str:
    """``1 order``, ``2 orders``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class _Refused(Exception):
    """Nothing can be judged (EXIT_USAGE); the message says why."""


def run(options: Options, out: TextIO | None = None) -> int:
    """Run the command against the scenario and return the exit status (see EXIT_*)."""
    out = out or sys.stdout
    try:
        return _run(options, out)
    except _Refused as exc:
        print(f"tts-sandbox test: {exc}", file=out, flush=True)
        return EXIT_USAGE


def _run(options: Options, out: TextIO) -> int:
    import httpx

    from sandbox.durations import InvalidDuration, parse_duration

    if not options.command:
        raise _Refused(
            "give the command to run after --, e.g. tts-sandbox test happy-path -- node client.mjs"
        )
    try:
        span = parse_duration(options.until) if options.until else None
    except InvalidDuration as exc:
        raise _Refused(f"--until: {exc}") from None
    if options.junit and not Path(options.junit).parent.is_dir():
        raise _Refused(f"--junit {options.junit}: there is no directory {Path(options.junit).parent}")
    with _listen(options.port) as listener:
        sandbox, tenant, name = _prepare(options)
        with (
            _served(sandbox, listener) as base,
            httpx.Client(base_url=base, headers={"X-Sandbox-Tenant": tenant.app_key}, timeout=120) as http,
        ):
            clock = http.get("/sandbox/clock").json()
            print(
                f"tts-sandbox test: scenario {name} on {base} (tenant {tenant.app_key}), "
                f"clock at {clock['now']}{' (frozen)' if clock['frozen'] else ''}",
                file=out,
                flush=True,
            )
            environment = _environment(base, tenant.credentials(), name)
            status, how = _command(options.command, environment, options.timeout)
            answer = http.get(f"/sandbox/scenarios/{name}")
            if answer.status_code != 200:  # the command unloaded it, or replaced the tenant's world
                print(f"tts-sandbox test: {how}; {answer.json()['error']['message']}", file=out, flush=True)
                return EXIT_COMMAND if status else EXIT_EXPECTATIONS
            how += _to_the_end(http, answer.json(), span, options.until)
            report = http.get(f"/sandbox/scenarios/{name}").json()
            junit = http.get(f"/sandbox/scenarios/{name}/junit").text
    print(f"tts-sandbox test: {how}", file=out)
    if options.junit:
        try:
            Path(options.junit).write_text(junit, encoding="utf-8")
        except OSError as exc:
            print(f"tts-sandbox test: cannot write {options.junit}: {exc.strerror or exc}", file=out)
            return EXIT_USAGE
    return _summary(report, status, options, out)


def _to_the_end(http: Any, report: dict[str, Any], span: timedelta | None, given: str | None) -> str:
    """Advance the clock to where the scenario ends (or ``span`` after its start), unless it is
    there already; what was done, as a clause of the run's account."""
    from sandbox.durations import iso, parse_instant

    if report["state"] == "ended":
        return ""
    started = parse_instant(report["started_at"])
    if span is not None:
        target, why = started + span, f"{given} from its start"
    elif report["ends_at"] is not None:
        target, why = parse_instant(report["ends_at"]), "its end"
    else:
        target, why = started + NO_UNTIL, "7d from its start (it has no `until`)"
    now = http.get("/sandbox/clock").json()["now"]
    if parse_instant(now) >= target:
        return ""
    http.post("/sandbox/clock/advance", json={"to": iso(target)}).raise_for_status()
    return f"; the clock was advanced from {now} to {iso(target)}, {why}"


def _summary(report: dict[str, Any], status: int, options: Options, out: TextIO) -> int:
    expectations = report["expectations"]
    counts = ", ".join(f"{n} {k}" for k, n in report["summary"].items() if n)
    print(
        f"scenario {report['name']}: {_counted(expectations)}" + (f", {counts}" if counts else ""),
        file=out,
    )
    allowed = {"passed", "skipped"} if options.allow_skipped else {"passed"}
    for expectation in expectations:
        mark = (
            expectation["status"].upper() if expectation["status"] not in allowed else expectation["status"]
        )
        reason = (
            f": {expectation['reason']}"
            if expectation["status"] != "passed" and expectation["reason"]
            else ""
        )
        print(f"  {mark:<8} {_named(expectation)}{reason}", file=out)
    if options.junit:
        print(f"JUnit report: {options.junit}", file=out)
    out.flush()
    if status != 0:
        return EXIT_COMMAND
    return EXIT_PASSED if all(e["status"] in allowed for e in expectations) else EXIT_EXPECTATIONS


def _counted(expectations: list[dict[str, Any]]) -> str:
    """``4 expectations``; ``1 expectation (2 verdicts)`` when one is judged each time."""
    distinct = len({e["name"] for e in expectations})
    counted = plural(distinct, "expectation")
    return counted if distinct == len(expectations) else f"{counted} ({plural(len(expectations), 'verdict')})"


def _named(expectation: dict[str, Any]) -> str:
    """An expectation's name as its JUnit test case has it: one judged each time with which time."""
    name = str(expectation["name"])
    if "occurrence" in expectation:
        armed = f", armed {expectation['armed_at']}" if expectation.get("armed_at") else ""
        name += f" (occurrence {expectation['occurrence']}{armed})"
    return name


def _listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError as exc:
        listener.close()
        raise _Refused(
            f"cannot listen on {HOST}:{port}: {exc.strerror or exc}; choose another with --port"
        ) from None
    return listener


def _prepare(options: Options) -> tuple[Any, Any, str]:
    """A sandbox with a tenant of its own (fresh credentials), the scenario loaded into it."""
    from sandbox.app import Sandbox
    from sandbox.domain.events import RuleViolation
    from sandbox.scenarios import ScenarioError

    path = find_scenario(options.scenario)
    if path is None:
        names = ", ".join(bundled_names())
        raise _Refused(f"no scenario file {options.scenario}: give a path or a bundled name ({names})")
    start = options.start or DEFAULT_START
    sandbox = Sandbox(order_count=0, freeze_at=start)
    tenant = sandbox.tenants.create(start=start, frozen=True)
    try:
        loaded = sandbox.load_scenario(path, tenant=tenant.app_key)
    except OSError as exc:
        raise _Refused(f"cannot read scenario {path}: {exc.strerror or exc}") from None
    except ScenarioError as exc:
        raise _Refused(f"cannot load scenario: {exc}") from None
    except RuleViolation as exc:
        raise _Refused(f"cannot load scenario {path}: {exc.message}") from None
    return sandbox, tenant, loaded.scenario.name


def _environment(base: str, credentials: dict[str, Any], name: str) -> dict[str, str]:
    shop = credentials["shop"]
    values = {
        "TTS_SANDBOX_BASE_URL": base,
        "TTS_SANDBOX_AUTH_URL": base,
        "TTS_SANDBOX_CONTROL_URL": f"{base}/sandbox",
        "TTS_SANDBOX_TENANT": credentials["app_key"],
        "TTS_SANDBOX_APP_KEY": credentials["app_key"],
        "TTS_SANDBOX_APP_SECRET": credentials["app_secret"],
        "TTS_SANDBOX_ACCESS_TOKEN": credentials["access_token"],
        "TTS_SANDBOX_REFRESH_TOKEN": credentials["refresh_token"],
        "TTS_SANDBOX_SHOP_CIPHER": shop["cipher"],
        "TTS_SANDBOX_SHOP_ID": shop["id"],
        "TTS_SANDBOX_SCENARIO": name,
    }
    assert set(values) == set(ENVIRONMENT)
    return {k: str(v) for k, v in values.items()}


@contextmanager
def _served(sandbox: Any, listener: socket.socket) -> Iterator[str]:
    """The sandbox served on ``listener`` from a thread of this process, until the block ends."""
    import uvicorn

    app = sandbox.app
    port = listener.getsockname()[1]
    # No WebSocket routes: without ws="none" uvicorn imports a WebSocket library at start.
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # generous: only guards against a hung start
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise _Refused(f"the sandbox did not start on {HOST}:{port}")
        time.sleep(0.01)
    sandbox.dispatcher.start()  # webhooks go out from their own thread, never from a request
    try:
        yield f"http://{HOST}:{port}"
    finally:
        sandbox.dispatcher.stop()
        server.should_exit = True
        thread.join(10)


def _command(command: Sequence[str], environment: dict[str, str], timeout: float | None) -> tuple[int, str]:
    """Run the command to its end (or to ``timeout``): its status (non-zero if it could not start
    or was stopped) and a sentence saying how it ended."""
    shown = " ".join(command)
    try:
        process = subprocess.Popen(list(command), env={**os.environ, **environment})
    except OSError as exc:
        return 127, f"cannot run {shown}: {exc.strerror or exc}"
    try:
        status = process.wait(timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        return 124, f"the command was stopped after {timeout:g} s (--timeout)"
    except KeyboardInterrupt:
        _stop(process)
        return 130, "the command was interrupted"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = str(-status)
        return status, f"the command was ended by signal {name}"
    return status, f"the command exited {status}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
