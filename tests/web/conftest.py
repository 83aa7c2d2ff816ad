"""The browser the web page's tests drive: Debian's Chromium through Playwright, against a sandbox
served on localhost; and where their screenshots go (test-artifacts/screenshots/, or
$TTS_SCREENSHOTS), one PNG per main page, for review."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.app import Sandbox
from tests.helpers import ROOT, Server

SHOTS = Path(os.environ.get("TTS_SCREENSHOTS") or ROOT / "test-artifacts" / "screenshots")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _sync_api():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("browser tests need Debian's chromium package (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with _sync_api().sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served():
    sandbox = Sandbox(freeze_at="2026-03-02T09:00:00Z")
    server = Server(sandbox)
    yield sandbox, server
    server.stop()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    # A page that answers 400 to a refused form logs that answer; anything else is a defect.
    assert [p for p in problems if "status of 400" not in p] == []


@pytest.fixture
def shot() -> Callable[..., None]:
    def take(page, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take
