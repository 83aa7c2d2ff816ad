"""pytest fixtures for testing a TikTok Shop client against an in-process sandbox.

Installed with the package (entry point ``pytest11``); nothing to configure:

- ``tts_sandbox``: a fresh sandbox for the test (an ``InProcessSandbox``: clock, scenarios, HTTP);
- ``tts_credentials``: the default tenant's credentials (app_key, app_secret, access_token, shop);
- ``tts_client``: a signing client over the in-memory transport;
- ``tts_mock``: ``requests`` calls to TikTok's hosts answered by the test's sandbox;
- ``@pytest.mark.scenario("file.yaml", strict=False)``: load a scenario first (relative to the
  test file, the working directory, or the bundled scenarios); when the test body is done, a failed
  expectation fails the test (with ``strict=True``, so does one still pending);
- ``@pytest.mark.tts_options(seed=7, order_count=10, region="GB", freeze_at="2026-03-02T09:00:00Z")``.

One app is built per test session (the costly part). Each test gets fresh tenants, worlds and
clocks (a few milliseconds), built when the test first uses them: a test that freezes time with
freezegun or time-machine (even as a decorator) gets a world that starts at the frozen instant.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sandbox.scenario_files import BUNDLED, find_scenario

if TYPE_CHECKING:
    from sandbox.inprocess import InProcessSandbox

_RUNS = pytest.StashKey[list[tuple[Any, bool]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scenario(path, strict=False): load this YAML scenario into the "
        "test's sandbox; its failed expectations fail the test",
    )
    config.addinivalue_line("markers", "tts_options(**options): options of the test sandbox's default tenant")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    """After the test body: the scenarios' expectations report, as part of the test's own verdict."""
    outcome: Any = yield
    runs = item.stash.get(_RUNS, [])
    if not runs or outcome.excinfo is not None:
        return
    problems = []
    for run, strict in runs:
        with run.world.session():
            report = run.report()
        for expectation in report["expectations"]:
            if expectation["status"] == "failed" or (strict and expectation["status"] == "pending"):
                reason = expectation["reason"] or "still pending when the test ended"
                name = expectation["name"]
                if "occurrence" in expectation:  # judged each time: which time
                    name += f" (occurrence {expectation['occurrence']}, armed {expectation['armed_at']})"
                problems.append(f"{report['name']}: {name}: {reason}")
    if problems:
        message = "scenario expectations failed:\n  " + "\n  ".join(problems)
        outcome.force_exception(pytest.fail.Exception(message, pytrace=False))


class _LazyTenants:
    """The test's tenants, made on first use (inside the test body, under any freeze it applies)."""

    def __init__(self, options: dict[str, Any]):
        self._options = options
        self._registry: Any = None

    def _built(self) -> Any:
        if self._registry is None:
            from sandbox.durations import parse_instant
            from sandbox.tenants import TenantRegistry

            options = dict(self._options)
            freeze_at = options.pop("freeze_at", None)
            if isinstance(freeze_at, str):
                freeze_at = parse_instant(freeze_at)
            self._registry = TenantRegistry(start=freeze_at, frozen=freeze_at is not None, **options)
        return self._registry

    def __getattr__(self, name: str) -> Any:
        return getattr(self._built(), name)


@pytest.fixture(scope="session")
def _tts_engine() -> Iterator[InProcessSandbox]:
    from sandbox.inprocess import InProcessSandbox

    engine = InProcessSandbox(order_count=0).start()
    yield engine
    engine.stop()


def _scenario_path(name: str, request: pytest.FixtureRequest) -> Path:
    found = find_scenario(name, Path(request.path).parent, Path.cwd())
    if found is not None:
        return found
    raise pytest.UsageError(
        f"scenario file {name!r} not found next to the test, in the working "
        f"directory, or among the bundled scenarios ({BUNDLED})"
    )


@pytest.fixture
def tts_sandbox(_tts_engine: InProcessSandbox, request: pytest.FixtureRequest) -> Iterator[InProcessSandbox]:
    marker = request.node.get_closest_marker("tts_options")
    _tts_engine.sandbox.tenants = _LazyTenants(dict(marker.kwargs) if marker else {})
    runs = []
    for mark in request.node.iter_markers("scenario"):
        for name in mark.args:
            runs.append(
                (
                    _tts_engine.load_scenario(_scenario_path(str(name), request)),
                    bool(mark.kwargs.get("strict", False)),
                )
            )
    request.node.stash[_RUNS] = runs
    yield _tts_engine


class _LazyCredentials(Mapping[str, Any]):
    """The default tenant's credentials, read when first used (so the world is not built early)."""

    def __init__(self, inprocess: InProcessSandbox):
        self._inprocess = inprocess

    def _values(self) -> dict[str, Any]:
        return self._inprocess.credentials()

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


@pytest.fixture
def tts_credentials(tts_sandbox: InProcessSandbox) -> Mapping[str, Any]:
    return _LazyCredentials(tts_sandbox)


@pytest.fixture
def tts_client(tts_sandbox: InProcessSandbox) -> Any:
    # The default tenant's credentials are well known: no need to build its world yet.
    from sandbox.client import SignedClient
    from sandbox.tenants import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_KEY, DEFAULT_APP_SECRET, DEFAULT_SHOP_CIPHER

    return SignedClient(
        tts_sandbox.http,
        app_key=DEFAULT_APP_KEY,
        app_secret=DEFAULT_APP_SECRET,
        access_token=DEFAULT_ACCESS_TOKEN,
        shop_cipher=DEFAULT_SHOP_CIPHER,
    )


@pytest.fixture
def tts_mock(tts_sandbox: InProcessSandbox) -> Iterator[InProcessSandbox]:
    from sandbox.inprocess import mock_tiktok_shop

    with mock_tiktok_shop(sandbox=tts_sandbox) as routed:
        yield routed
