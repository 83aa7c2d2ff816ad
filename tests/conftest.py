from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient

# Every test world starts frozen at a fixed instant: tests never depend on the wall clock.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(freeze_at=START, validate_responses=True)


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[Any]:
    with sandbox.app.test_client() as client:
        yield client


@pytest.fixture
def tts(http: Any) -> SignedClient:
    """A signed Open API client for the default tenant."""
    credentials = http.get("/sandbox/tenants/default").json()
    return SignedClient.for_tenant(http, credentials)


def ok(response: Any) -> dict[str, Any]:
    """The ``data`` of a successful envelope, failing the test with the envelope otherwise."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0, body
    assert body["message"] == "Success"
    return dict(body["data"])


def error_code(response: Any) -> int:
    body = response.json()
    assert set(body) == {"code", "message", "request_id"}, body
    assert body["code"] != 0
    return int(body["code"])
