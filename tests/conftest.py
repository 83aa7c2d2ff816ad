"""Fixtures every folder of tests can ask for; shared helper functions live in ``tests/helpers.py``.

The app is imported inside the fixtures, not at the top: the domain tests ask for none of these,
and start without loading the web stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import START

if TYPE_CHECKING:
    from sandbox.app import Sandbox
    from sandbox.client import SignedClient


@pytest.fixture
def sandbox() -> Sandbox:
    from sandbox.app import Sandbox

    return Sandbox(freeze_at=START, validate_responses=True)


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[Any]:
    with sandbox.app.test_client() as client:
        yield client


@pytest.fixture
def tts(http: Any) -> SignedClient:
    """A signed Open API client for the default tenant."""
    from sandbox.client import SignedClient

    credentials = http.get("/sandbox/tenants/default").json()
    return SignedClient.for_tenant(http, credentials)
