"""The fuzzing gate: schemathesis against every spec, in-process over ASGI.

Every operation of the four specs is called with generated requests, valid ones (positive mode)
and invalid ones (negative mode), and every answer must be: not a server error (no 5xx, and on the
Open API no internal-error envelope either, since the platform answers errors with HTTP 200), a
documented status code, a documented content type, and a body that matches its schema. Open API
calls are signed as a real client signs them, over the exact query and body that go on the wire, so
that the fuzzer reaches the handlers rather than stopping at the signature check.

The run is derandomized (a fixed seed) and bounded, so it stays fast and reproducible in CI. For a
longer hunt, raise the example count and add schemathesis's coverage phase (boundary values and
every kind of invalid input, several thousand more requests):

    TTS_FUZZ_EXAMPLES=500 TTS_FUZZ_PHASES=examples,coverage,fuzzing .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sandbox import signing
from sandbox.app import Sandbox
from sandbox.domain.codes import Code

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("TTS_FUZZ_EXAMPLES", "10"))
PHASES = os.environ.get("TTS_FUZZ_PHASES", "examples,fuzzing").split(",")

# One sandbox for the whole run, its clock frozen, so the same seed gives the same run. Inline mode:
# Flask is called in the request's own thread, which makes each call several times cheaper.
SANDBOX = Sandbox(freeze_at=START, inline=True)
TENANT = SANDBOX.tenant()
with TENANT.world.session() as _world:
    ACCESS_TOKEN = next(iter(_world.grants.access))

# Envelope codes of the Open API answers, to check that the run reached the handlers.
OPEN_API_CODES: Counter[int | None] = Counter()


@schemathesis.check
def no_internal_error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """The platform's envelope carries errors with HTTP 200: an internal error (36009003) there
    is a server error all the same."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("code") == Code.INTERNAL_ERROR:
        raise AssertionError(f"internal error envelope: {body.get('message')}")
    return None


CHECKS = [
    not_a_server_error,
    no_internal_error_envelope,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class SignRequest(requests.auth.AuthBase):
    """Signs an Open API request as a client must, over the query and body as they are sent."""

    def __init__(self, auth_level: str):
        self.auth_level = auth_level

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.auth_level == "app":
            return request  # the token endpoints take the app's credentials in the query, unsigned
        url = urlsplit(request.url or "")
        # The generated query goes out untouched (duplicates, odd bytes and all); the credentials
        # come last, and the signature covers what the platform signs: every value of each key,
        # in the order sent, and the decoded path, as any server sees them.
        credentials = {"app_key": TENANT.app_key, "timestamp": str(int(time.time()))}
        if self.auth_level == "shop":
            credentials["shop_cipher"] = TENANT.shop.cipher
        query = "&".join(part for part in (url.query, urlencode(credentials)) if part)
        params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "sign"]
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else body
        content_type = request.headers.get("Content-Type", "")
        sign = signing.sign(TENANT.app_secret, unquote(url.path), params, raw, content_type)
        request.url = urlunsplit(url._replace(query=f"{query}&sign={sign}"))
        request.headers["x-tts-access-token"] = ACCESS_TOKEN
        return request


def _schema(spec: dict[str, Any]) -> Any:
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = SANDBOX.app
    schema.config.phases.update(phases=PHASES)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
    )
    return schema


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module", autouse=True)
def _stop_the_event_loop_thread() -> Iterator[None]:
    """schemathesis drives ASGI apps from an event loop on a thread of its own, kept for the whole
    process: stop it (and the app's lifespan) once this module is done, so that no idle thread of
    the fuzz lingers into the other tests (Python 3.11's AST module state is not thread-safe)."""
    yield
    asgi._shutdown()


tiktok = _schema(SANDBOX.tiktok_spec)
# Resuming the clock hands the world's time to the wall clock: every later answer would then depend
# on when the test runs, and a failure could not be replayed. Freeze, advance and reset stay in.
control = _schema(SANDBOX.control_spec).exclude(path="/clock/resume")
carrier = _schema(SANDBOX.carrier_spec)
seller_center = _schema(SANDBOX.seller_center_spec)


@tiktok.parametrize()
@FUZZ_SETTINGS
def test_open_api(case: Any) -> None:
    level = case.operation.definition.raw.get("x-tts-auth", "shop")
    response = case.call_and_validate(checks=CHECKS, auth=SignRequest(level))
    body = json.loads(response.content)
    OPEN_API_CODES[body.get("code") if isinstance(body, dict) else None] += 1
    assert body.get("code") != Code.INVALID_SIGN, "the fuzzer's signing is wrong, not the sandbox"


@control.parametrize()
@FUZZ_SETTINGS
def test_control_plane(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@carrier.parametrize()
@FUZZ_SETTINGS
def test_carrier(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@seller_center.parametrize()
@FUZZ_SETTINGS
def test_seller_center(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


def test_the_open_api_fuzz_reached_the_handlers() -> None:
    """Signed calls that all failed authentication would fuzz nothing but the gate."""
    if not OPEN_API_CODES:
        return  # the Open API fuzz was deselected
    assert OPEN_API_CODES[0] >= 20, OPEN_API_CODES
