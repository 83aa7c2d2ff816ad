"""pytest fixtures for testing a TikTok Shop client against an in-process sandbox.

Installed with the package (entry point ``pytest11``); nothing to configure:

- ``tts_sandbox``: a fresh sandbox for the test (an ``InProcessSandbox``: clock, scenarios, HTTP);
- ``tts_credentials``: the default tenant's credentials (app_key, app_secret, access_token, shop);
- ``tts_client``: a signing client over the in-memory transport;
- ``tts_mock``: ``requests`` calls to TikTok's hosts answered by the test's sandbox;
- ``@pytest.mark.scenario("file.yaml")``: load a scenario first (relative to the test file, the
  working directory, or the bundled scenarios); its failed expectations fail the test;
- ``@pytest.mark.tts_options(seed=7, order_count=10, ...)``: options of the default tenant.

One app is built per test session (the costly part); each test gets fresh tenants, worlds and
clocks, which takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.inprocess import InProcessSandbox, mock_tiktok_shop

# The repository's scenarios/ folder, or the copy an installed package carries.
_BESIDE = Path(__file__).resolve().parent.parent / "scenarios"
BUNDLED = (
    _BESIDE if (_BESIDE / "schema.json").is_file() else Path(__file__).resolve().parent / "bundled_scenarios"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(path): load this YAML scenario into the test's sandbox")
    config.addinivalue_line("markers", "tts_options(**options): options of the test sandbox's default tenant")


@pytest.fixture(scope="session")
def _tts_engine() -> Iterator[InProcessSandbox]:
    engine = InProcessSandbox(order_count=0).start()
    yield engine
    engine.stop()


def _scenario_path(name: str, request: pytest.FixtureRequest) -> Path:
    candidates = [Path(name), Path(request.path).parent / name, Path.cwd() / name, BUNDLED / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise pytest.UsageError(
        f"scenario file {name!r} not found next to the test, in the working "
        f"directory, or among the bundled scenarios ({BUNDLED})"
    )


@pytest.fixture
def tts_sandbox(_tts_engine: InProcessSandbox, request: pytest.FixtureRequest) -> Iterator[InProcessSandbox]:
    from sandbox.tenants import TenantRegistry

    marker = request.node.get_closest_marker("tts_options")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    freeze_at = options.pop("freeze_at", None)
    sandbox = _tts_engine.sandbox
    sandbox.tenants = TenantRegistry(start=freeze_at, frozen=freeze_at is not None, **options)
    runs = [
        _tts_engine.load_scenario(_scenario_path(str(arg), request))
        for mark in request.node.iter_markers("scenario")
        for arg in mark.args
    ]
    yield _tts_engine
    failures = []
    for run in runs:
        with run.world.session():
            report = run.report()
        failures += [
            f"{report['name']}: {e['name']}: {e['reason']}"
            for e in report["expectations"]
            if e["status"] == "failed"
        ]
    if failures:
        pytest.fail("scenario expectations failed:\n  " + "\n  ".join(failures), pytrace=False)


@pytest.fixture
def tts_credentials(tts_sandbox: InProcessSandbox) -> dict[str, Any]:
    return tts_sandbox.credentials()


@pytest.fixture
def tts_client(tts_sandbox: InProcessSandbox) -> Any:
    return tts_sandbox.client()


@pytest.fixture
def tts_mock(tts_sandbox: InProcessSandbox) -> Iterator[InProcessSandbox]:
    with mock_tiktok_shop(sandbox=tts_sandbox) as routed:
        yield routed
