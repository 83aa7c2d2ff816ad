"""The ``tts-sandbox`` command: serve the sandbox, or sign a request for curl."""

from __future__ import annotations

import argparse
import gc
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sandbox import __version__, signing
from sandbox.domain.codes import Code
from sandbox.durations import InvalidInstant, parse_instant
from sandbox.fakes import REGIONS
from sandbox.scenario_files import find_scenario
from sandbox.scenario_test import ENVIRONMENT, plural
from sandbox.tenants import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_ORDER_COUNT,
    DEFAULT_SEED,
    DEFAULT_SHOP_CIPHER,
    MAX_ORDER_COUNT,
)

if TYPE_CHECKING:
    from sandbox.listeners import Listeners

# Where `scenario run` starts virtual time when a scenario sets none: fixed, for reproducible output.
RUN_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Kept here, not imported from sandbox.app, so that `sign` starts without loading the web stack.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8330
SHOP_SCOPED = ("/order/", "/fulfillment/", "/logistics/", "/return_refund/", "/event/", "/product/")


def instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except InvalidInstant as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number from 1 to 65535")
    return int(text)


def _order_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= value <= MAX_ORDER_COUNT:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_ORDER_COUNT}")
    return value


def _control_token(text: str) -> str:
    if not text.strip() or not text.isascii() or not text.isprintable():
        raise argparse.ArgumentTypeError("the control token must be printable ASCII, not empty")
    return text


def _journal_cap(text: str) -> int:
    from sandbox.journal import MAX_CAP

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= MAX_CAP:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_CAP}")
    return value


@cache
def build_parser() -> argparse.ArgumentParser:
    # Built once per process (parsing leaves a parser as it was): `serve` parses its banner's
    # signed first call with it too, and building one is some fifty add_argument calls.
    parser = argparse.ArgumentParser(
        prog="tts-sandbox",
        description="A local, deterministic, time-controllable TikTok Shop Open API for "
        "integration tests. Point your client's base URL at it.",
    )
    parser.add_argument("--version", action="version", version=f"tts-sandbox {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the sandbox server",
        description="Run the sandbox on HOST:PORT. Prints the base URL and the default tenant's "
        "credentials. Control plane under /sandbox, Swagger UI at /ui and /sandbox/ui.",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to bind (default {DEFAULT_HOST}; 0.0.0.0 in Docker)",
    )
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed of the default tenant's world (default {DEFAULT_SEED})",
    )
    serve.add_argument(
        "--region", choices=REGIONS, default="US", help="the default shop's region (default US)"
    )
    serve.add_argument(
        "--orders",
        type=_order_count,
        default=DEFAULT_ORDER_COUNT,
        help=f"orders seeded in the default shop (default {DEFAULT_ORDER_COUNT})",
    )
    serve.add_argument(
        "--freeze-at",
        type=instant,
        metavar="INSTANT",
        help="start with the clock frozen at this ISO 8601 instant, e.g. 2026-03-01T09:00:00Z "
        "(same seed + same instant = same data, byte for byte); without it the clock runs from "
        "the moment the server starts",
    )
    serve.add_argument(
        "--http-error-status",
        action="store_true",
        help="answer errors with a matching HTTP status instead of the platform's HTTP 200 + error code",
    )
    serve.add_argument(
        "--journal-cap",
        type=_journal_cap,
        default=10_000,
        metavar="N",
        help="requests each tenant's journal keeps; older ones are dropped and counted (default 10000)",
    )
    serve.add_argument(
        "--rate-limit",
        action="store_true",
        help="enforce the platform's rate limit: more than 50 requests per second to one Open API "
        f"operation (per tenant) answer HTTP 429 with code {Code.TOO_MANY_REQUESTS.value}",
    )
    serve.add_argument(
        "--control-token",
        type=_control_token,
        metavar="TOKEN",
        help="require this token (Authorization: Bearer TOKEN or X-Sandbox-Token) on the control "
        "plane, the Seller Center API and the web page; bound to any address but loopback, the "
        "server requires one always and makes one up (printed at start) when not given",
    )
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log detail (default warning; info logs every request)",
    )
    serve.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="FILE",
        help="load this YAML scenario into the default tenant at start: a path, or the name of a "
        "bundled one such as three-failed-attempts.yaml (repeatable; at most one of them may have "
        "a setup, which replaces the default world)",
    )

    serve.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep every tenant's world in DIR, written before each answer, so that a restart (even "
        "after kill -9) loses no answered change; an existing DIR is loaded instead of seeding (and "
        "--seed, --region, --orders, --freeze-at and --scenario are then not used). Without it, "
        "memory only",
    )
    serve.add_argument(
        "--snapshot",
        action="append",
        default=[],
        metavar="FILE",
        help="import this tenant snapshot at start (repeatable), replacing the tenant with its app_key "
        "or adding it; only load snapshots you trust",
    )

    serve.add_argument(
        "--https-port",
        type=_port,
        metavar="PORT",
        help="also serve HTTPS on PORT (same --host), with a certificate for TikTok's API and auth "
        "hostnames, localhost and 127.0.0.1 issued by the sandbox's own CA (see `tts-sandbox ca`); "
        "443 for a hosts-file or Docker route",
    )
    serve.add_argument(
        "--proxy-port",
        type=_port,
        metavar="PORT",
        help="also run an HTTPS proxy on PORT for clients that honour HTTPS_PROXY: it tunnels CONNECT to "
        "TikTok's hostnames and the sandbox's own to the sandbox's HTTPS listener, and refuses every "
        "other host",
    )
    add_ca_dir(serve)

    ca = commands.add_parser(
        "ca",
        help="print where the sandbox's CA is and how to trust it, with the routes to the sandbox",
        description="Print the path of the certificate authority that issues the HTTPS certificate of "
        "`serve --https-port` (made on first use), the lines that make Python, Node, curl and Java "
        "trust it, and the three ways to route TikTok's hostnames to the sandbox.",
    )
    add_ca_dir(ca)
    ca.add_argument(
        "--path",
        action="store_true",
        help="print only the CA certificate's path, e.g. export SSL_CERT_FILE=$(tts-sandbox ca --path)",
    )

    snapshot = commands.add_parser(
        "snapshot",
        help="export a tenant's world from a running sandbox, or import one into it",
        description="Move a tenant (credentials and whole world: orders, clock, pending deadlines, "
        "scenarios, webhooks) between sandboxes, or attach it to a bug report. Snapshots are Python "
        "pickles: import only snapshots from sources you trust.",
    )
    snapshot_commands = snapshot.add_subparsers(dest="snapshot_command", required=True, metavar="ACTION")
    export = snapshot_commands.add_parser(
        "export", help="write a tenant's snapshot to a file", description="GET /sandbox/snapshot to FILE."
    )
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the snapshot")
    export.add_argument(
        "--tenant", default=None, metavar="APP_KEY", help="the tenant (default: the default tenant)"
    )
    export.add_argument(
        "--base-url", default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", help="where the sandbox listens"
    )
    imported = snapshot_commands.add_parser(
        "import",
        help="load a snapshot file into a running sandbox",
        description="POST FILE to /sandbox/snapshot: replaces the tenant with the snapshot's app_key, or "
        "adds it. Only import snapshots you trust.",
    )
    imported.add_argument("file", metavar="FILE")
    imported.add_argument(
        "--base-url", default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", help="where the sandbox listens"
    )

    scenario = commands.add_parser(
        "scenario",
        help="validate or run YAML scenarios without a server",
        description="Work with YAML scenarios (see scenarios/README.md) without starting a server.",
    )
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    validate = scenario_commands.add_parser(
        "validate",
        help="check scenario files; print each problem with file:line:column",
        description="Check scenario files against the schema and the sandbox's names (orders, actions, "
        "operations, events). Each FILE is a path or the name of a bundled scenario, such as "
        "three-failed-attempts. Every problem of a file is printed in the file's order (the first "
        "20), each as file:line:column. Exit status 1 if any is invalid.",
    )
    validate.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a path, or the name of a bundled scenario (three-failed-attempts)",
    )
    run = scenario_commands.add_parser(
        "run",
        help="run a scenario headless in virtual time and print its timeline",
        description="Load the scenario into a fresh in-process sandbox, advance its clock with no client "
        "calling, and print what fired and how the expectations ended. Expectations that "
        "need a client fail, which shows when the client would have had to act.",
    )
    run.add_argument(
        "file", metavar="FILE", help="a path, or the name of a bundled scenario (three-failed-attempts)"
    )
    run.add_argument(
        "--until",
        default=None,
        metavar="DURATION",
        help="how far to advance from the scenario's start (default: its `until`, else 7d)",
    )
    run.add_argument("--json", action="store_true", help="print the full report as JSON")
    run.add_argument(
        "--start",
        type=instant,
        default=None,
        metavar="INSTANT",
        help="where virtual time starts for a scenario without setup.start (default 2026-01-05T09:00:00Z, "
        "so that runs are reproducible)",
    )

    add_test_parser(commands)

    sign = commands.add_parser(
        "sign",
        help="print a signed curl command for the default tenant",
        description="Sign a request exactly as a TikTok Shop client does and print a ready curl command, "
        'for example: eval "$(tts-sandbox sign /authorization/202309/shops)". The timestamp is '
        "now, so run the command within 5 minutes.",
    )
    sign.add_argument("path", help="API path, e.g. /authorization/202309/shops")
    sign.add_argument(
        "params",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="extra query parameters, e.g. page_size=10, ids=1,2, or a repeated key: ids=1 ids=2 (optional)",
    )
    sign.add_argument("-X", "--method", default=None, help="HTTP method (GET, or POST with --data)")
    sign.add_argument("-d", "--data", default=None, help="JSON body, signed exactly as given")
    sign.add_argument(
        "--base-url", default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", help="where the sandbox listens"
    )
    sign.add_argument("--app-key", default=DEFAULT_APP_KEY, help=f"the app's key (default {DEFAULT_APP_KEY})")
    sign.add_argument(
        "--app-secret",
        default=DEFAULT_APP_SECRET,
        help=f"the app's secret, used to sign and never sent (default {DEFAULT_APP_SECRET})",
    )
    sign.add_argument(
        "--access-token",
        default=DEFAULT_ACCESS_TOKEN,
        help=f"sent as x-tts-access-token (default {DEFAULT_ACCESS_TOKEN})",
    )
    sign.add_argument(
        "--shop-cipher",
        default=None,
        help="shop_cipher to send (default: the default shop's, on shop-scoped paths)",
    )
    sign.add_argument(
        "--no-shop-cipher",
        action="store_true",
        help=f"send no shop_cipher at all (to see error {Code.SHOP_CIPHER_MISSING.value})",
    )
    return parser


def add_ca_dir(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--ca-dir",
        metavar="DIR",
        default=None,
        help="where the CA is kept (ca.pem, and its key ca-key.pem, readable by you only), made on first "
        "use (default $XDG_DATA_HOME/tts-sandbox/ca, else ~/.local/share/tts-sandbox/ca)",
    )


TEST_DESCRIPTION = """\
Run COMMAND (your client's test suite, in any language) against a sandbox of its own, with the
scenario loaded, and judge it by the scenario's expectations.

The sandbox listens on 127.0.0.1 (a free port unless --port), with a tenant of its own: fresh
credentials, a clock frozen at the scenario's setup.start (or --start). COMMAND runs with these
environment variables:

{environment}

Sign Open API calls with the app secret as the platform does (HMAC-SHA256, see the README); send
X-Sandbox-Tenant: $TTS_SANDBOX_TENANT on control-plane calls. COMMAND drives virtual time through the
control plane (POST $TTS_SANDBOX_CONTROL_URL/clock/advance with {{"by": "6h"}}), letting the client
act between steps no longer than the scenario's shortest `within`. When COMMAND ends, if the
scenario has not ended, the clock is advanced to the scenario's end (its `until`, or --until) so
that every expectation gets its verdict; then the summary names every expectation with its
status, and the reason of each that did not pass.

Exit status:
  0  COMMAND exited 0 and every expectation passed (skipped ones too, with --allow-skipped)
  1  COMMAND exited 0, but an expectation failed, stayed pending or was skipped
  2  nothing was judged: a bad option, no such scenario, an invalid one, the port taken
  3  COMMAND exited non-zero, could not be started, or was stopped by --timeout

Example:
  tts-sandbox test three-failed-attempts --junit report.xml -- node my-client-tests.mjs
  tts-sandbox test scenarios/my-scenario.yaml --junit report.xml -- npm test
"""


def add_test_parser(commands: Any) -> None:
    width = max(map(len, ENVIRONMENT))
    test = commands.add_parser(
        "test",
        help="run a command (a client's tests, any language) against a scenario; exit 0 if it passed",
        usage="tts-sandbox test SCENARIO [options] -- COMMAND [ARGS...]",
        description=TEST_DESCRIPTION.format(
            environment="\n".join(f"  {name:<{width}}  {text}" for name, text in ENVIRONMENT.items())
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="a scenario file, or the name of a bundled one (three-failed-attempts)",
    )
    test.add_argument("--port", type=_port, default=0, help="port to listen on (default: a free one)")
    test.add_argument(
        "--junit",
        metavar="PATH",
        default=None,
        help="write the scenario's JUnit XML report here, one test case per expectation (default: none)",
    )
    test.add_argument(
        "--until",
        default=None,
        metavar="DURATION",
        help="when COMMAND ends, advance the clock to this long after the scenario's start (default: the "
        "scenario's `until`, else 7d); never backwards",
    )
    test.add_argument(
        "--start",
        type=instant,
        default=None,
        metavar="INSTANT",
        help="where the frozen clock starts for a scenario without setup.start "
        "(default 2026-01-05T09:00:00Z)",
    )
    test.add_argument(
        "--allow-skipped",
        action="store_true",
        help="pass skipped expectations (their trigger never happened, or the scenario ended before their "
        "deadline) instead of failing them",
    )
    test.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="stop COMMAND after this many seconds of wall time (exit status 3; default: no limit)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value < 1e9:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def scenario_test(args: argparse.Namespace) -> int:
    from sandbox.scenario_test import Options, run

    options = Options(
        scenario=args.scenario,
        command=args.test_command,
        port=args.port,
        junit=args.junit,
        start=args.start,
        until=args.until,
        allow_skipped=args.allow_skipped,
        timeout=args.timeout,
    )
    return run(options)


def signed_curl(args: argparse.Namespace, timestamp: int) -> str:
    params: dict[str, str] = {"app_key": args.app_key, "timestamp": str(timestamp)}
    path = args.path if args.path.startswith("/") else "/" + args.path
    cipher = args.shop_cipher or (DEFAULT_SHOP_CIPHER if path.startswith(SHOP_SCOPED) else None)
    if cipher and not args.no_shop_cipher:
        params["shop_cipher"] = cipher
    extra: list[tuple[str, str]] = []  # a repeated key is sent, and signed, once per value
    for pair in args.params:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"tts-sandbox sign: '{pair}' is not KEY=VALUE")
        if key in params:
            params[key] = value
        else:
            extra.append((key, value))
    query = [*params.items(), *extra]
    body = args.data or ""
    content_type = "application/json" if body else ""
    query.append(("sign", signing.sign(args.app_secret, path, query, body, content_type)))
    method = args.method or ("POST" if body else "GET")
    url = f"{args.base_url.rstrip('/')}{path}?{urlencode(query)}"
    parts = ["curl", "-sS", "-X", method, url, "-H", f"x-tts-access-token: {args.access_token}"]
    if body:
        parts += ["-H", "content-type: application/json", "--data-raw", body]
    return shlex.join(parts)


def serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    # No cyclic garbage collection until the server is about to listen: importing the web stack
    # and building the app allocate a few hundred thousand objects and leave about two thousand
    # behind, and the collector would walk the growing heap again and again meanwhile (a tenth
    # of the start on this machine). What is left is frozen with the rest (see _serve).
    gc.disable()
    try:
        return _listen_and_serve(args, started)
    finally:
        gc.enable()


def _listen_and_serve(args: argparse.Namespace, started: float) -> int:
    listeners = None
    if args.https_port is not None or args.proxy_port is not None:
        listeners = _tls_listeners(args)
        if listeners is None:
            return 2
    else:
        problem = _port_problem(args.host, args.port)
        if problem:
            print(
                f"tts-sandbox: cannot listen on {args.host}:{args.port}: {problem}; "
                "choose another with --port",
                file=sys.stderr,
            )
            return 2
    try:
        return _serve(args, started, listeners)
    finally:
        if listeners is not None:
            listeners.close()


def _serve(args: argparse.Namespace, started: float, listeners: Listeners | None) -> int:
    import uvicorn

    from sandbox.app import Sandbox
    from sandbox.persistence import SnapshotError

    token = control_token(args.host, args.control_token)
    from sandbox.world.building import BUILD_PROGRESS, keep_frozen

    shown = BUILD_PROGRESS.set(_seeding_bar(args.orders) if args.orders >= SEEDING_BAR_FROM else None)
    try:
        sandbox = Sandbox(
            control_token=token,
            seed=args.seed,
            region=args.region,
            order_count=args.orders,
            freeze_at=args.freeze_at,
            mirror_http_status=args.http_error_status,
            journal_cap=args.journal_cap,
            rate_limit=args.rate_limit,
            data_dir=args.data_dir,
        )
    except SnapshotError as exc:
        print(f"tts-sandbox: cannot use --data-dir {args.data_dir}: {exc}", file=sys.stderr)
        return 2
    finally:
        BUILD_PROGRESS.reset(shown)
    runs: list[tuple[Any, str]] | None = []
    if sandbox.restored and args.scenario:
        print("tts-sandbox: --scenario not used: the data directory's tenants were loaded", file=sys.stderr)
    elif not sandbox.restored:
        runs = _load_scenarios(sandbox, args.scenario)
    if runs is None:
        return 2
    for path in args.snapshot:
        problem = _import_snapshot_file(sandbox, path)
        if problem:
            print(f"tts-sandbox: cannot import snapshot {path}: {problem}", file=sys.stderr)
            return 2
    if runs:
        sandbox.persist()  # scenarios loaded by the command line, not by a request: written whole
    app = sandbox.app
    base = f"http://{args.host}:{args.port}"
    creds = sandbox.tenants.default.credentials()
    shop = creds["shop"]
    assert isinstance(shop, dict)
    clock = sandbox.tenants.default.world.clock
    built = time.perf_counter() - started
    print(f"tiktok-shop-sandbox {__version__} on {base}  (built in {built:.2f}s)")
    print(f"  clock        {'frozen at' if clock.frozen else 'running from'} {clock.now().isoformat()}")
    if args.data_dir:
        state = "loaded from" if sandbox.restored else "kept in"
        print(f"  tenants      {len(sandbox.tenants.all())}, {state} {args.data_dir}")
        if sandbox.replayed:
            print(f"  data dir     {sandbox.replayed} logged request(s) replayed on the snapshots")
        for note in sandbox.store.notes if sandbox.store is not None else ():
            print(f"  data dir     {note}")
    print(f"  app_key      {creds['app_key']}")
    print(f"  app_secret   {creds['app_secret']}")
    print(f"  access token {creds['access_token']}   (header x-tts-access-token)")
    print(f"  shop_cipher  {shop['cipher']}   (shop {shop['id']}, {shop['region']})")
    for run, path in runs:
        name = run.scenario.name
        print(f"  scenario     {name} ({path}), report at {base}/sandbox/scenarios/{name}")
    if token is not None:
        print(f"  control token {token}   (Authorization: Bearer TOKEN, or X-Sandbox-Token)")
        print(f"  web page once with {base}/web/?token={token}")
    if listeners is not None:
        _print_tls_banner(args, listeners)
    print(f"  Open API docs  {base}/ui/    control plane  {base}/sandbox/ui/")
    print(f"  Web page     {base}/web/   (Manage Orders, Failed Delivery, the clock, scenarios)")
    print(f"  Seller Center API  {base}/seller-center/ui/    webhooks  {base}/sandbox/webhooks/deliveries")
    first_call = build_parser().parse_args(["sign", "/authorization/202309/shops", "--base-url", base])
    print("  First call (signed now, valid 5 minutes):")
    print(f"    {signed_curl(first_call, int(time.time()))}")
    command = sys.argv[0] if sys.argv[0].endswith("tts-sandbox") else "tts-sandbox"
    print(f"  More signed calls: {shlex.quote(command)} sign PATH [KEY=VALUE ...] --base-url {base}")
    sys.stdout.flush()
    # The seeded worlds are long-lived: moved out of the collector's sight, they are not rescanned by
    # every collection that request garbage triggers (a large world made each search 2-3x slower).
    # Building a world leaves no garbage, and the start's own (about 2,000 objects from imports
    # and the app, whatever the worlds' size) is frozen with them rather than found by a collection
    # that would walk every world (4 s for 200,000 orders). Loading scenarios or snapshots replaces
    # worlds, though, and replaying a data directory's log runs requests: what they left must be
    # collected before freezing, or it would stay in memory for good.
    if runs or args.snapshot or sandbox.replayed:
        gc.collect()
    keep_frozen()
    gc.enable()
    # A long operation (a month's advance, a big export) runs Python on a worker thread; every time
    # the event loop needs the interpreter back for another tenant's request it waits out the
    # thread's slice. A shorter slice keeps those requests within milliseconds (measured by
    # bench/bigworld.py: 27 ms to 3.6 ms median during an advance of 50,000 orders).
    sys.setswitchinterval(GIL_SLICE_SECONDS)
    sandbox.dispatcher.start()  # webhooks go out from their own thread, never from a request
    try:
        if listeners is not None:
            from sandbox.listeners import serve as serve_listeners

            serve_listeners(app, listeners, args.log_level)
        else:
            # No WebSocket routes: without ws="none" uvicorn imports a WebSocket library at start.
            uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, ws="none")
    finally:
        sandbox.close()
    return 0


def _tls_listeners(args: argparse.Namespace) -> Listeners | None:
    """Every socket of `serve --https-port/--proxy-port` bound, and the server's certificate issued
    by the CA (made on first use); None, with the reason printed, when one of them cannot be had."""
    from sandbox import certificates
    from sandbox.listeners import Listeners, listen

    wanted = [("--port", args.port), ("--https-port", args.https_port), ("--proxy-port", args.proxy_port)]
    wanted = [(option, port) for option, port in wanted if port is not None]
    for index, (option, port) in enumerate(wanted):
        for other, same in wanted[:index]:
            if same == port:
                print(
                    f"tts-sandbox: {other} and {option} are both {port}; give each its own port",
                    file=sys.stderr,
                )
                return None
    try:
        authority = certificates.load_or_create(Path(args.ca_dir) if args.ca_dir else None)
    except certificates.CertificateAuthorityError as exc:
        print(f"tts-sandbox: {exc}", file=sys.stderr)
        return None
    sockets: dict[str, Any] = {}
    for option, port in wanted:
        bound = listen(args.host, port)
        if isinstance(bound, str):
            for sock in sockets.values():
                sock.close()
            print(
                f"tts-sandbox: cannot listen on {args.host}:{port}: {bound}; choose another with {option}",
                file=sys.stderr,
            )
            return None
        sockets[option] = bound
    https = sockets.get("--https-port")
    if https is None:  # the proxy's tunnels end at an HTTPS listener of their own, on loopback
        internal = listen("127.0.0.1", 0)
        assert not isinstance(internal, str), internal
        https = internal
    key, certificate = authority.issue_server_certificate()
    return Listeners(
        http=sockets["--port"],
        https=https,
        proxy=sockets.get("--proxy-port"),
        server_key=key,
        server_certificate=certificate,
        proxy_names=certificates.SERVED_NAMES,
        authority=authority,
    )


def _print_tls_banner(args: argparse.Namespace, listeners: Listeners) -> None:
    from sandbox.certificates import SERVED_NAMES

    authority = listeners.authority
    names = ", ".join(SERVED_NAMES)
    if args.https_port is not None:
        print(f"  HTTPS        https://{args.host}:{args.https_port}   for {names}")
    else:
        print(f"  HTTPS        through the proxy only, for {names}")
    state = "made now" if authority.created else "kept"
    print(f"  CA           {authority.cert_path}   ({state}; how to trust it: tts-sandbox ca)")
    if args.proxy_port is not None:
        print(f"  HTTPS proxy  HTTPS_PROXY=http://{args.host}:{args.proxy_port}   (only to the hosts above)")


GIL_SLICE_SECONDS = 0.0005  # how long a thread holds the interpreter while another waits (Python: 5 ms)
SEEDING_BAR_FROM = 10_000  # orders from which `serve` shows how far seeding has got
_BAR_WIDTH = 30


def _seeding_bar(orders: int) -> Callable[[int, int], None]:
    """How far seeding the default shop has got, on standard error: a bar redrawn in place on a
    terminal, a line at each quarter otherwise (a log keeps it readable)."""
    terminal = sys.stderr.isatty()
    began = time.perf_counter()
    last = [-1]

    def show(done: int, total: int) -> None:
        share = done / total if total else 1.0
        took = time.perf_counter() - began
        if terminal:
            filled = int(share * _BAR_WIDTH)
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            end = "\n" if done >= total else ""
            print(f"\rseeding {orders:,} orders [{bar}] {share:4.0%} {took:5.1f}s", end=end, file=sys.stderr)
        elif int(share * 4) > last[0]:
            last[0] = int(share * 4)
            print(f"seeding {orders:,} orders: {share:.0%} ({took:.1f}s)", file=sys.stderr)
        sys.stderr.flush()

    return show


def _import_snapshot_file(sandbox: Any, path: str) -> str:
    from sandbox.persistence import SnapshotError, load_tenant
    from sandbox.tenants import TenantRefused

    try:
        sandbox.import_tenant(load_tenant(Path(path).read_bytes()))
    except OSError as exc:
        return exc.strerror or str(exc)
    except (SnapshotError, TenantRefused) as exc:
        return str(exc)
    return ""


def snapshot_command(args: argparse.Namespace) -> int:
    import httpx

    base = args.base_url.rstrip("/")
    try:
        if args.snapshot_command == "export":
            headers = {"X-Sandbox-Tenant": args.tenant} if args.tenant else {}
            response = httpx.get(f"{base}/sandbox/snapshot", headers=headers, timeout=120)
            if response.status_code == 200:
                Path(args.output).write_bytes(response.content)
                print(f"{args.output}: {len(response.content):,} bytes")
                return 0
        else:
            data = Path(args.file).read_bytes()
            response = httpx.post(
                f"{base}/sandbox/snapshot",
                content=data,
                headers={"Content-Type": "application/octet-stream"},
                timeout=120,
            )
            if response.status_code == 201:
                body = response.json()
                verb = "replaced" if body["replaced"] else "added"
                print(f"tenant {body['app_key']} {verb}; its clock reads {body['now']}")
                return 0
    except OSError as exc:
        print(f"tts-sandbox snapshot: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        print(f"tts-sandbox snapshot: cannot reach {base}: {exc}", file=sys.stderr)
        return 1
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text[:500]
    print(f"tts-sandbox snapshot: HTTP {response.status_code}: {message}", file=sys.stderr)
    return 1


def control_token(host: str, given: str | None) -> str | None:
    """The token the control surfaces require: the one given, or, on any address but loopback, a
    new random one; none on loopback unless asked for."""
    import secrets

    from sandbox.http.control_token import is_loopback

    if given is not None:
        return given
    return None if is_loopback(host) else secrets.token_urlsafe(24)


def _port_problem(host: str, port: int) -> str:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return ""


def _load_scenarios(sandbox: Any, files: list[str]) -> list[tuple[Any, str]] | None:
    from sandbox.domain.events import RuleViolation
    from sandbox.scenarios import ScenarioError

    with_setup = [f for f in files if _has_setup(sandbox, f)]
    if len(with_setup) > 1:
        print(
            f"tts-sandbox: only one scenario may have a setup (each starts a fresh world): "
            f"{', '.join(with_setup)}",
            file=sys.stderr,
        )
        return None
    runs = []
    # The one with a setup first: it replaces the world the others then join.
    for path in with_setup + [f for f in files if f not in with_setup]:
        try:
            runs.append((sandbox.load_scenario(find_scenario(path) or Path(path)), path))
        except OSError as exc:
            print(f"tts-sandbox: cannot read scenario {path}: {exc.strerror}", file=sys.stderr)
            return None
        except (ScenarioError, RuleViolation) as exc:
            print(f"tts-sandbox: cannot load scenario: {exc}", file=sys.stderr)
            return None
    return runs


def _has_setup(sandbox: Any, path: str) -> bool:
    try:
        found = find_scenario(path) or Path(path)
        return sandbox.parse_scenario(found.read_text(encoding="utf-8"), path).setup is not None
    except Exception:
        return False  # reported when it is loaded


def scenario_validate(files: list[str]) -> int:
    from sandbox.app import Sandbox
    from sandbox.scenarios import ScenarioError
    from sandbox.scenarios.loader import MAX_PROBLEMS

    sandbox = Sandbox(order_count=0)
    failed = 0
    for path in files:
        try:
            scenario = sandbox.parse_scenario((find_scenario(path) or Path(path)).read_bytes(), path)
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}")
            failed += 1
        except ScenarioError as exc:
            for problem in exc.problems:  # every one found, in the file's order
                print(problem)
            if len(exc.problems) >= MAX_PROBLEMS:
                print(f"{path}: the first {MAX_PROBLEMS} problems; fix them to see any others")
            failed += 1
        else:
            print(
                f"{path}: ok (scenario {scenario.name}: {plural(len(scenario.orders), 'order')}, "
                f"{plural(len(scenario.steps), 'step')}, {plural(len(scenario.expectations), 'expectation')})"
            )
    return 1 if failed else 0


def describe_timeline_entry(entry: dict[str, Any]) -> str:
    detail = f"  ({entry['detail']})" if entry.get("detail") else ""
    if "event" in entry:
        data = ", ".join(f"{k}={v}" for k, v in entry["data"].items())
        return f"{entry['order']}: {entry['event']}" + (f" ({data})" if data else "")
    if "expectation" in entry:
        return f"expectation '{entry['expectation']}' {entry['result']}{detail}"
    if "action" in entry:
        args = ", ".join(f"{k}={v}" for k, v in entry["args"].items())
        return f"step '{entry['step']}': {entry['action']}({args}) {entry['result']}{detail}"
    return f"{entry['step']}"


def scenario_run(args: argparse.Namespace) -> int:
    import json

    from sandbox.app import Sandbox
    from sandbox.durations import InvalidDuration, iso, parse_duration
    from sandbox.scenarios import ScenarioError

    sandbox = Sandbox(order_count=0, freeze_at=args.start or RUN_START)
    try:
        run = sandbox.load_scenario(find_scenario(args.file) or Path(args.file))
    except OSError as exc:
        print(f"{args.file}: cannot read: {exc.strerror}", file=sys.stderr)
        return 1
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        span = parse_duration(args.until) if args.until else (run.scenario.until or parse_duration("7d"))
    except InvalidDuration as exc:
        print(f"--until: {exc}", file=sys.stderr)
        return 2
    world = sandbox.tenants.default.world
    world.advance_to(run.start + span)
    report = run.report()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"scenario {report['name']}: from {report['started_at']} to {iso(run.start + span)}")
    for name, ids in report["orders"].items():
        print(f"  order {name}: {ids['order_id']} ({ids['status']})")
    for entry in report["timeline"]:
        print(f"  {entry['at']}  {describe_timeline_entry(entry)}")
    for item in report["pending"]:
        print(f"  {item['due']}  pending: {item['step']}")
    summary = report["summary"]
    print("expectations: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if given[:1] == ["test"] and "--" in given:  # what follows `--` is the command to run, untouched
        split = given.index("--")
        given, command = given[:split], given[split + 1 :]
    args = build_parser().parse_args(given)
    if args.command == "test":
        args.test_command = command
        return scenario_test(args)
    if args.command == "serve":
        return serve(args)
    if args.command == "scenario":
        if args.scenario_command == "validate":
            return scenario_validate(args.files)
        return scenario_run(args)
    if args.command == "snapshot":
        return snapshot_command(args)
    if args.command == "ca":
        from sandbox.https_recipes import ca_command

        return ca_command(args.ca_dir, args.path)
    if args.command == "sign":
        print(signed_curl(args, int(time.time())))
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
