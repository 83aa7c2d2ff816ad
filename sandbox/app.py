"""Builds the sandbox: tenants and their worlds, and the connexion app over the OpenAPI specs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import warnings
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

# connexion imports starlette's test client at import time, which warns about its httpx backend;
# the sandbox does not use it on the serving path.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
# connexion still imports jsonschema's deprecated RefResolver; nothing a user of the sandbox can act on.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="connexion.json_schema")

import sandbox.http  # noqa: E402, F401, I001  (first: it imports connexion without what serving never uses)
import connexion  # noqa: E402
from connexion.jsonifier import Jsonifier  # noqa: E402
from connexion.middleware import MiddlewarePosition  # noqa: E402
from connexion.options import SwaggerUIOptions  # noqa: E402
from connexion.resolver import RelativeResolver  # noqa: E402

from sandbox.auth import AuthLevel  # noqa: E402
from sandbox.clock import PINNED_WALL  # noqa: E402
from sandbox.dispatcher import Dispatcher  # noqa: E402
from sandbox.durations import parse_instant  # noqa: E402
from sandbox.faults import PLATFORM_QPS, RateLimiter, WallClock, monotonic  # noqa: E402
from sandbox.http import errors  # noqa: E402
from sandbox.http.connexion_private import (  # noqa: E402
    prepared_specifications,
    replace_flask_bridge,
    set_up_flask_on_first_call,
    skip_spec_validation,
)
from sandbox.http.control_token import ControlTokenGuard  # noqa: E402
from sandbox.http.gate import Gateway, OperationInfo  # noqa: E402
from sandbox.http.guards import TrailingSlashGuard  # noqa: E402
from sandbox.http.host import ControlPlane, Host  # noqa: E402
from sandbox.http.inline_wsgi import InlineWSGI  # noqa: E402
from sandbox.http.paths import CARRIER_PREFIX, CONTROL_PREFIX, SELLER_CENTER_PREFIX  # noqa: E402
from sandbox.http.persister import Persister  # noqa: E402
from sandbox.http.prepared import PreparedOperations  # noqa: E402
from sandbox.http.recorder import JournalRecorder, operation_name  # noqa: E402
from sandbox.journal import DEFAULT_CAP, Journal  # noqa: E402
from sandbox.persistence import Change, Store  # noqa: E402
from sandbox.scenarios import Scenario, ScenarioError, parse_scenario  # noqa: E402
from sandbox.scenarios.engine import ScenarioRun  # noqa: E402
from sandbox.spec_cache import PreparedSpec, prepare  # noqa: E402
from sandbox.tenants import (  # noqa: E402
    DEFAULT_ORDER_COUNT,
    DEFAULT_REGION,
    DEFAULT_SEED,
    Tenant,
    TenantRegistry,
)
from sandbox.world import ScenarioConflict  # noqa: E402

DEFAULT_HOST = "127.0.0.1"
_BUILD_LOCK = threading.Lock()
DEFAULT_PORT = 8330
HANDLERS = "sandbox.api"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def openapi_dir() -> Path:
    """The specs: the repository's openapi/ folder, or the copy an installed package carries."""
    configured = os.environ.get("TTS_SANDBOX_OPENAPI_DIR")
    if configured:
        return Path(configured)
    beside = Path(__file__).resolve().parent.parent / "openapi"
    if (beside / "tiktok-shop.yaml").is_file():
        return beside
    return Path(__file__).resolve().parent / "openapi"  # installed as package data


@cache
def _load_spec(name: str) -> PreparedSpec:
    # Parsed from YAML once per content of the file, then read from JSON (see sandbox.spec_cache).
    return prepare(openapi_dir() / name)


def load_spec(name: str) -> dict[str, Any]:
    """A fresh copy of the spec ``name`` (a file of openapi_dir())."""
    return _load_spec(name).spec()


def bundled_specs() -> bool:
    """The specs are the ones this package ships (not a folder named by TTS_SANDBOX_OPENAPI_DIR)."""
    return "TTS_SANDBOX_OPENAPI_DIR" not in os.environ


def _specs_already_validated(skip: bool) -> AbstractContextManager[None]:
    """Connexion validates every spec against the OpenAPI schema each time an app is built: a
    quarter of a second, the largest part of the sandbox's start. The bundled specs do not change
    after release and the test suite validates them (tests/http/test_specs.py), so builds skip it;
    specs from elsewhere are validated as usual. Called under the build lock."""
    return skip_spec_validation() if skip else nullcontext()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


class Sandbox:
    """Everything one server (or one in-process test) runs: options, tenants and the app."""

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        region: str = DEFAULT_REGION,
        order_count: int = DEFAULT_ORDER_COUNT,
        freeze_at: datetime | str | None = None,
        mirror_http_status: bool = False,
        validate_responses: bool = False,
        inline: bool = False,
        journal_cap: int = DEFAULT_CAP,
        rate_limit: bool = False,
        data_dir: str | Path | None = None,
        control_token: str | None = None,
        prepared: bool = True,
    ):
        """``data_dir``: keep every tenant there (see sandbox.persistence). If it already holds
        a sandbox's state, that state is loaded and the world options are not used; a file that
        cannot be read raises ``SnapshotError`` naming it.

        ``prepared=False``: every operation takes connexion's whole stack down to Flask instead of
        the prepared operations (see sandbox.http.prepared); the answers are the same, slower. It is
        there to compare the two."""
        if isinstance(freeze_at, str):
            freeze_at = parse_instant(freeze_at)
        Journal(journal_cap)  # refuses a bad cap before any world is built
        # Wall clock of rate limits; a test may replace it to hold time still.
        self.wall_clock: WallClock = monotonic
        # The platform's 50 requests per second per API, enforced for every tenant when asked.
        self.rate_limiter = RateLimiter(PLATFORM_QPS) if rate_limit else None
        self.mirror_http_status = mirror_http_status
        # When set, /sandbox, /seller-center and /web answer only requests that carry it (see
        # sandbox.http.control_token); the server sets one whenever it binds a non-loopback address.
        if control_token is not None and not control_token.strip():
            raise ValueError("the control token must not be empty")
        self.control_token = control_token
        self.inline = inline  # in-process mode: Flask called inline (see sandbox.http.inline_wsgi)
        self.validate_responses = validate_responses
        self.prepared = prepared
        self.store = Store(data_dir) if data_dir is not None else None
        restored: list[Tenant] | None = None
        logged: list[tuple[Tenant, list[Change]]] = []
        settings: dict[str, Any] = {"created": 0, "start": freeze_at, "frozen": freeze_at is not None}
        if self.store is not None:
            self.store.open()
            if self.store.exists():
                logged, settings = self.store.load()
                restored = [tenant for tenant, _ in logged]
        self.restored = restored is not None  # the tenants came from data_dir
        self.tenants = TenantRegistry(
            seed=seed,
            region=region,
            order_count=order_count,
            start=settings["start"],
            frozen=settings["frozen"],
            journal_cap=journal_cap,
            restored=restored,
            created=settings["created"],
        )
        self._prepared = {
            name: _load_spec(name)
            for name in ("tiktok-shop.yaml", "sandbox.yaml", "carrier.yaml", "seller-center.yaml")
        }
        self.tiktok_spec = self._prepared["tiktok-shop.yaml"].spec()
        self.control_spec = self._prepared["sandbox.yaml"].spec()
        self.carrier_spec = self._prepared["carrier.yaml"].spec()
        self.seller_center_spec = self._prepared["seller-center.yaml"].spec()
        self.tiktok_paths = list(self.tiktok_spec["paths"])
        self._app: connexion.FlaskApp | None = None
        self._dispatcher: Dispatcher | None = None
        self.replayed = 0  # requests handled again at start, from the data directory's log
        if self.store is not None:
            self.replayed = self._replay(logged)
            if self.restored:
                self.store.sync_registry(self.tenants)
                self.store.flush()
            else:
                self.store.save_all(self.tenants)

    def _operation_infos(self) -> dict[str, OperationInfo]:
        """Per operation, keyed as connexion's routing names it (the resolver's dotted name)."""
        infos = {}
        for spec, surface in (
            (self.tiktok_spec, "tiktok"),
            (self.control_spec, "control"),
            (self.carrier_spec, "carrier"),
            (self.seller_center_spec, "seller-center"),
        ):
            for _, _, op in _operations(spec):
                media = tuple(op.get("requestBody", {}).get("content", {}))
                params = [p.get("$ref", "") for p in op.get("parameters", [])]
                infos[f"{HANDLERS}.{op['operationId']}"] = OperationInfo(
                    auth=AuthLevel(op.get("x-tts-auth", "shop")) if surface == "tiktok" else None,
                    media_types=media,
                    # Control calls that take no X-Sandbox-Tenant header act on no tenant.
                    tenant_scoped=surface != "control" or any(ref.endswith("/tenant") for ref in params),
                )
        return infos

    @property
    def operations(self) -> set[str]:
        """Open API operation names, as scenarios refer to them (``get_order_detail``)."""
        return {
            operation_name(f"{HANDLERS}.{op['operationId']}") for _, _, op in _operations(self.tiktok_spec)
        }

    def tenant(self, app_key: str | None = None) -> Tenant:
        found = self.tenants.get(app_key) if app_key else self.tenants.default
        if found is None:
            raise KeyError(f"no tenant has app_key '{app_key}'")
        return found

    def parse_scenario(self, text: str | bytes, source: str = "<scenario>") -> Scenario:
        return parse_scenario(text, source, operations=self.operations)

    def load_scenario(self, source: str | Path, *, tenant: str | None = None) -> ScenarioRun:
        """Load a scenario (a file path or YAML text) into a tenant (default: the default tenant).

        Raises ``ScenarioError`` (with file, line, column and path) for an invalid scenario, and
        ``RuleViolation`` when it cannot join the tenant's current world; neither changes anything.
        """
        text, name = load_scenario_source(source)
        scenario = self.parse_scenario(text, name)
        try:
            return self.tenant(tenant).world.load_scenario(scenario)
        except ScenarioConflict as exc:
            line, column = scenario.position(exc.path)
            raise ScenarioError(
                name, line, column, exc.path, exc.message, "a scenario that fits the tenant's current world"
            ) from exc

    # ----- persistence ---------------------------------------------------------------------------
    def persist(self, tenant: Tenant | None = None) -> None:
        """With a data directory: write the tenant (every tenant if None) whole, and the registry;
        on disk when this returns. Requests are logged by themselves; this is for changes made by
        calling a world directly. Without a data directory, nothing."""
        if self.store is None:
            return
        if tenant is None:
            self.store.save_all(self.tenants)
            return
        if self.tenants.get(tenant.app_key) is tenant:
            self.store.snapshot(tenant, None)
        self.store.sync_registry(self.tenants)
        self.store.flush()

    def close(self) -> None:
        """Stop the webhook dispatcher and close the data directory (everything answered is on
        disk already)."""
        if self._dispatcher is not None:
            self._dispatcher.stop()
        if self.store is not None:
            # Written whole on the way out: the next start replays nothing, and keeps the webhook
            # attempts made since the last snapshots (only a crash makes them again).
            with contextlib.suppress(Exception):
                self.store.checkpoint(self.tenants)
            self.store.close()

    def _replay(self, logged: list[tuple[Tenant, list[Change]]]) -> int:
        """Handle again, in order, the requests logged since each tenant's snapshot, each at the wall
        instant it was first handled at; returns how many. The world is deterministic: the tenants
        end exactly as they were when the last of them was answered."""
        changes = [(tenant, change) for tenant, tenant_changes in logged for change in tenant_changes]
        if not changes:
            return 0
        assert self.store is not None
        app = self.app
        limiter, wall_clock = self.rate_limiter, self.wall_clock
        self.store.replaying = True
        replayed_limit = _ReplayedLimit()

        async def replay_all() -> None:
            for _, change in changes:
                self.wall_clock = change.mono_clock
                # The server's limit refuses again exactly the calls it refused (its window is not kept).
                replayed_limit.refuse = change.throttled
                self.rate_limiter = replayed_limit if limiter is not None else None
                PINNED_WALL.set(change.wall)
                await app(_scope_of(change), _receive_of(change.body), _discard)

        try:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                asyncio.run(replay_all())
            else:  # constructed inside an event loop: replay on a thread of its own
                worker = threading.Thread(target=asyncio.run, args=(replay_all(),))
                worker.start()
                worker.join()
        finally:
            self.store.replaying = False
            self.rate_limiter, self.wall_clock = limiter, wall_clock
        return len(changes)

    def import_tenant(self, tenant: Tenant) -> bool:
        """Put an imported tenant in place (replacing the one with its app_key); True if it
        replaced one. Raises ``TenantRefused`` when the sandbox is full."""
        replaced = self.tenants.put(tenant)
        self.persist(tenant)
        return replaced is not None

    @property
    def dispatcher(self) -> Dispatcher:
        """Sends the tenants' webhooks: the server runs it on a thread; tests call ``run_due()``."""
        if self._dispatcher is None:
            # Attempts are not logged: those since a tenant's last snapshot are made again after a
            # crash (webhooks are delivered at least once anyway); a clean stop writes them.
            on_attempts = self.store.outbox_changed if self.store is not None else None
            self._dispatcher = Dispatcher(self.tenants.all, on_attempts=on_attempts)
        return self._dispatcher

    @property
    def app(self) -> connexion.FlaskApp:
        # Built once even when several threads ask at once: building compiles routes (werkzeug
        # parses Python source), and CPython 3.11's parser is not safe to run from two threads.
        if self._app is None:
            with _BUILD_LOCK:
                if self._app is None:
                    self._app = self._build_app()
        return self._app

    def _build_app(self) -> connexion.FlaskApp:
        jsonifier = Jsonifier(json, separators=(",", ":"), ensure_ascii=False)
        app = connexion.FlaskApp(__name__, jsonifier=jsonifier)
        # The pipeline knows the sandbox only as these protocols (see sandbox.http.host); the
        # annotations are where mypy checks that the sandbox fits them, as add_middleware's
        # options are not typed.
        host: Host = self
        control: ControlPlane = self
        if self.store is not None:
            # Outside the journal: the request's journal entry is written with its changes.
            app.add_middleware(
                Persister, position=MiddlewarePosition.BEFORE_EXCEPTION, host=host, store=self.store
            )
        if self.control_token is not None:
            app.add_middleware(
                ControlTokenGuard, position=MiddlewarePosition.BEFORE_EXCEPTION, token=self.control_token
            )
        app.add_middleware(JournalRecorder, position=MiddlewarePosition.BEFORE_EXCEPTION)
        app.add_middleware(TrailingSlashGuard, position=MiddlewarePosition.BEFORE_ROUTING, host=host)
        app.add_middleware(
            Gateway,
            position=MiddlewarePosition.BEFORE_SECURITY,
            host=host,
            control=control,
            operations=self._operation_infos(),
            tiktok_paths=self.tiktok_paths,
        )
        if self.prepared:
            # Inside the gateway: operations prepared once, answered without Flask (see the module).
            app.add_middleware(
                PreparedOperations,
                position=MiddlewarePosition.BEFORE_SECURITY,
                host=host,
                jsonifier=jsonifier,
            )
        ui = SwaggerUIOptions(swagger_ui=True, swagger_ui_path="/ui")
        # The Open API last: it is mounted at the root and would shadow the others.
        surfaces = (
            (self.control_spec, CONTROL_PREFIX, "control"),
            (self.carrier_spec, CARRIER_PREFIX, "carrier"),
            (self.seller_center_spec, SELLER_CENTER_PREFIX, "seller-center"),
            (self.tiktok_spec, "", "tiktok"),
        )
        with _specs_already_validated(bundled_specs()), prepared_specifications(self._resolved):
            for spec, base_path, name in surfaces:
                app.add_api(
                    spec,
                    base_path=base_path,
                    name=name,
                    resolver=RelativeResolver(HANDLERS),
                    swagger_ui_options=ui,
                    validate_responses=self.validate_responses,
                )
        errors.install(app, host)
        if self.inline:
            replace_flask_bridge(app, InlineWSGI)

        def web_page(flask_app: Any) -> None:
            from sandbox.web import site

            site.install(flask_app, control)

        # Flask answers only what the prepared operations do not (the web page, uploads): it gets
        # its routes, and the web page is imported, when a request first reaches it.
        set_up_flask_on_first_call(app, web_page, _BUILD_LOCK)
        return app

    def _resolved(self, spec: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """For the build: one of this sandbox's specs, as parsed and as connexion resolves it, from
        their prepared form, unless the spec was changed since it was read (then connexion
        resolves it as usual)."""
        name = {
            id(self.tiktok_spec): "tiktok-shop.yaml",
            id(self.control_spec): "sandbox.yaml",
            id(self.carrier_spec): "carrier.yaml",
            id(self.seller_center_spec): "seller-center.yaml",
        }.get(id(spec))
        if name is None or self._prepared[name].resolved is None:
            return None
        parsed = self._prepared[name].spec()
        resolved = self._prepared[name].resolved_spec()
        return (parsed, resolved) if spec == parsed and resolved is not None else None


class _ReplayedLimit(RateLimiter):
    refuse = False

    def allow(self, key: Any, now: float) -> bool:
        return not self.refuse


def _scope_of(change: Change) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": change.method,
        "scheme": "http",
        "path": change.path,
        "raw_path": change.path.encode(),
        "query_string": change.query,
        "root_path": "",
        "headers": list(change.headers),
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", DEFAULT_PORT),
        "extensions": {},
        "state": {},
    }


def _receive_of(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _discard(message: Any) -> None:
    pass


def load_scenario_source(source: str | Path) -> tuple[str, str]:
    """(text, name for error messages) from a path or from YAML text."""
    if isinstance(source, Path):
        return source.read_text(encoding="utf-8"), str(source)
    if "\n" not in source and (source.endswith((".yaml", ".yml")) or Path(source).is_file()):
        return Path(source).read_text(encoding="utf-8"), source
    return source, "<scenario>"
