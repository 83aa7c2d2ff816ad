"""The ``tts-sandbox`` command: serve the sandbox, or sign a request for curl."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlencode

from sandbox import __version__, signing
from sandbox.durations import InvalidInstant, parse_instant
from sandbox.fakes import REGIONS
from sandbox.tenants import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_ORDER_COUNT,
    DEFAULT_SEED,
    DEFAULT_SHOP_CIPHER,
    MAX_ORDER_COUNT,
)

# Kept here, not imported from sandbox.app, so that `sign` starts without loading the web stack.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8330
SHOP_SCOPED = ("/order/", "/fulfillment/", "/logistics/", "/return_refund/", "/event/", "/product/")


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except InvalidInstant as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _order_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= value <= MAX_ORDER_COUNT:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_ORDER_COUNT}")
    return value


def build_parser() -> argparse.ArgumentParser:
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
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed of the default tenant's world (default {DEFAULT_SEED})",
    )
    serve.add_argument("--region", choices=REGIONS, default="US", help="the default shop's region")
    serve.add_argument(
        "--orders",
        type=_order_count,
        default=DEFAULT_ORDER_COUNT,
        help=f"orders seeded in the default shop (default {DEFAULT_ORDER_COUNT})",
    )
    serve.add_argument(
        "--freeze-at",
        type=_instant,
        metavar="INSTANT",
        help="start with the clock frozen at this ISO 8601 instant, e.g. "
        "2026-03-01T09:00:00Z (same seed + same instant = same data, byte for byte)",
    )
    serve.add_argument(
        "--http-error-status",
        action="store_true",
        help="answer errors with a matching HTTP status instead of the platform's HTTP 200 + error code",
    )
    serve.add_argument(
        "--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug")
    )

    sign = commands.add_parser(
        "sign",
        help="print a signed URL and curl command for the default tenant",
        description="Sign a request exactly as a TikTok Shop client does and print a ready curl "
        "command. The timestamp is now, so run the command within 5 minutes.",
    )
    sign.add_argument("path", help="API path, e.g. /authorization/202309/shops")
    sign.add_argument("params", nargs="*", metavar="KEY=VALUE", help="extra query parameters, e.g. ids=1,2")
    sign.add_argument("-X", "--method", default=None, help="HTTP method (default GET, or POST with --data)")
    sign.add_argument("-d", "--data", default=None, help="JSON body, signed as given")
    sign.add_argument("--base-url", default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}")
    sign.add_argument("--app-key", default=DEFAULT_APP_KEY)
    sign.add_argument("--app-secret", default=DEFAULT_APP_SECRET)
    sign.add_argument("--access-token", default=DEFAULT_ACCESS_TOKEN)
    sign.add_argument(
        "--shop-cipher",
        default=None,
        help="defaults to the default shop's cipher on shop-scoped paths",
    )
    return parser


def signed_curl(args: argparse.Namespace, timestamp: int) -> str:
    params: dict[str, str] = {"app_key": args.app_key, "timestamp": str(timestamp)}
    cipher = args.shop_cipher or (DEFAULT_SHOP_CIPHER if args.path.startswith(SHOP_SCOPED) else None)
    if cipher:
        params["shop_cipher"] = cipher
    for pair in args.params:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"tts-sandbox sign: '{pair}' is not KEY=VALUE")
        params[key] = value
    body = args.data or ""
    params["sign"] = signing.sign(
        args.app_secret, args.path, params, body, "application/json" if body else ""
    )
    method = args.method or ("POST" if body else "GET")
    url = f"{args.base_url.rstrip('/')}{args.path}?{urlencode(params)}"
    parts = ["curl", "-sS", "-X", method, url, "-H", f"x-tts-access-token: {args.access_token}"]
    if body:
        parts += ["-H", "content-type: application/json", "--data-raw", body]
    return shlex.join(parts)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sandbox.app import Sandbox

    started = time.perf_counter()
    sandbox = Sandbox(
        seed=args.seed,
        region=args.region,
        order_count=args.orders,
        freeze_at=args.freeze_at,
        mirror_http_status=args.http_error_status,
    )
    app = sandbox.app
    base = f"http://{args.host}:{args.port}"
    creds = sandbox.tenants.default.credentials()
    shop = creds["shop"]
    assert isinstance(shop, dict)
    clock = sandbox.tenants.default.world.clock
    built = time.perf_counter() - started
    print(f"tiktok-shop-sandbox {__version__} on {base}  (built in {built:.2f}s)")
    print(f"  clock      {'frozen at' if clock.frozen else 'running from'} {clock.now().isoformat()}")
    print(f"  app_key      {creds['app_key']}")
    print(f"  app_secret   {creds['app_secret']}")
    print(f"  access token {creds['access_token']}   (header x-tts-access-token)")
    print(f"  shop_cipher  {shop['cipher']}   (shop {shop['id']}, {shop['region']})")
    print(f"  Open API docs  {base}/ui/    control plane  {base}/sandbox/ui/")
    print("  First call:  tts-sandbox sign /authorization/202309/shops   (prints a signed curl)")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "sign":
        print(signed_curl(args, int(time.time())))
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
