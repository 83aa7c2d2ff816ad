"""The fuzzing gate: schemathesis against every spec, in-process over ASGI.

Every operation of the four specs is called with generated requests, valid ones (positive mode)
and invalid ones (negative mode), and every answer must be: not a server error (no 5xx, and on the
Open API no internal-error envelope either, since the platform answers errors with HTTP 200), a
documented status code (on the Open API only 200: its `default` error responses are for
--http-error-status, which the fuzz does not use; the control plane, the carrier and the Seller
Center list each status they answer, none declares a `default`), a documented content type, and a
body that matches its schema. Valid requests carry the seeded world's own IDs (orders, packages, returns,
cancellations, warehouses, credentials), so that they get past the lookups; every Open API
operation must answer at least once past its validation and its first lookup. Open API
calls are signed as a real client signs them, over the exact query and body that go on the wire, so
that the fuzzer reaches the handlers rather than stopping at the signature check.

The run is derandomized (a fixed seed) and bounded, so it stays fast and reproducible in CI. For a
longer hunt, raise the example count, add schemathesis's coverage phase (boundary values and
every kind of invalid input, several thousand more requests) and give other seeds:

    TTS_FUZZ_EXAMPLES=500 TTS_FUZZ_PHASES=examples,coverage,fuzzing TTS_FUZZ_SEED=7 .venv/bin/python -m pytest tests/http/test_fuzz.py
"""

from __future__ import annotations

import copy
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
from hypothesis import settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    skips_on_unexpected_http_status,
    status_code_conformance,
    unsupported_method,
)

from sandbox import fakes, signing
from sandbox.app import Sandbox
from sandbox.domain.codes import Code

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("TTS_FUZZ_EXAMPLES", "10"))
PHASES = os.environ.get("TTS_FUZZ_PHASES", "examples,fuzzing").split(",")
SEED = os.environ.get("TTS_FUZZ_SEED")  # another seed, another run: the same seed, the same run

# One sandbox for the whole run, its clock frozen, so the same seed gives the same run. Inline mode:
# Flask is called in the request's own thread, which makes each call several times cheaper.
SANDBOX = Sandbox(freeze_at=START, inline=True)
TENANT = SANDBOX.tenant()
with TENANT.world.session() as _world:
    ACCESS_TOKEN = next(iter(_world.grants.access))

# Envelope codes of the Open API answers, per operation, to check that the run reached the handlers.
OPEN_API_CODES: dict[str, Counter[int | None]] = {}

# IDs of the seeded world, put into generated requests (valid ones) so that the fuzz gets past the
# lookups: random IDs name nothing, and a handler's code after its lookup would never run.
with SANDBOX.app.test_client() as _http:  # a few buyers ask for returns, to have some to fuzz
    with TENANT.world.session() as _world:
        _delivered = sorted(o.id for o in _world.orders.values() if o.status.value == "DELIVERED")
    for _order_id in _delivered[:4]:
        _http.post(f"/sandbox/orders/{_order_id}/buyer-return", json={"type": "RETURN_AND_REFUND"})
    _codes = [_http.post("/sandbox/auth-codes").json()["auth_code"] for _ in range(EXAMPLES * 2)]
with TENANT.world.session() as _world:
    _orders = sorted(_world.orders)
    _requests = sorted([*_world.returns, *_world.cancellations])
    REAL_IDS: dict[str, list[str]] = {
        "order_id": _orders,
        "package_id": sorted(p for o in _world.orders.values() for p in o.package_ids),
        "ids": _orders,
        "order_ids": _orders,
        "main_order_id": _orders,
        "return_id": sorted(_world.returns),
        "cancel_id": sorted(_world.cancellations),
        "return_or_cancel_id": _requests,
        "warehouse_id": [TENANT.shop.warehouse_id],
        "delivery_option_id": sorted(fakes.DELIVERY_OPTIONS.values()),
        "app_key": [TENANT.app_key],
        "app_secret": [TENANT.app_secret],
        "refresh_token": sorted(_world.grants.refresh),
        "auth_code": _codes,  # each exchanged once
        "shipping_provider_id": [provider for provider, _ in _world.stock.market.carriers],
        "address": ["https://hooks.example.com/tiktok"],
    }
    for _event_type in ("ORDER_STATUS_CHANGE", "PACKAGE_UPDATE", "RETURN_STATUS_CHANGE"):
        _world.webhooks.subscribe(_event_type, "https://hooks.example.com/tiktok", START)
_drawn: Counter[str] = Counter()


def _real(name: str, value: Any) -> Any:
    """A real ID for a parameter or body field of that name, in turn (the same run, the same IDs)."""
    ids = REAL_IDS.get(name)
    if not ids:
        return value
    _drawn[name] += 1
    chosen = ids[_drawn[name] % len(ids)]
    return [chosen] if isinstance(value, list) else chosen


def with_real_ids(case: Any) -> None:
    """In a valid request, every ID the world could know is one it knows."""
    meta = case.meta
    if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
        return  # an invalid request stays invalid
    if case.path_parameters:
        case.path_parameters = {k: _real(k, v) for k, v in case.path_parameters.items()}
    if isinstance(case.query, dict) and case.query:
        case.query = {k: _real(k, v) for k, v in case.query.items()}
    if isinstance(case.body, dict):
        case.body = _real_in(case.body)


def _real_in(value: Any) -> Any:
    """A body with real IDs at every depth (an order ID inside a list of lines too)."""
    if isinstance(value, dict):
        return {k: _real_in(v) if k not in REAL_IDS else _real(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_real_in(v) for v in value]
    return value


# Refusals made before a handler gets past its first lookup: a request that only ever met these
# did not reach the operation's own rules. The gateway's refusals count among them (a generated ID
# with a slash in it is an unknown path, not a call of the operation).
BEFORE_THE_HANDLER = frozenset(
    {
        Code.INVALID_PATH,
        Code.INVALID_METHOD,
        Code.UNKNOWN_VERSION,
        Code.NOT_SHOP_OWNER,
        Code.TOKEN_EXPIRED,
        Code.NO_API_SCOPE,
        Code.SHOP_CIPHER_MISSING,
        Code.TOO_MANY_REQUESTS,
        Code.INVALID_REQUEST,
        Code.ORDER_NOT_FOUND,
        Code.PACKAGE_NOT_FOUND,
        Code.ORDER_NOT_IN_SHOP,
        Code.RETURN_NOT_FOUND,
        Code.CANCELLATION_NOT_FOUND,
    }
)


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
    # A request the coverage phase malforms on purpose (a method the path does not have, a content
    # type the operation does not take) is judged by what the path answers, not by the operation's
    # statuses: the platform answers it 200 with an envelope, the JSON surfaces 405 (checked below).
    skips_on_unexpected_http_status(status_code_conformance),
    content_type_conformance,
    response_schema_conformance,
]
JSON_CHECKS = [*CHECKS, unsupported_method]
JSON_SPECS = {
    "control plane": SANDBOX.control_spec,
    "carrier": SANDBOX.carrier_spec,
    "Seller Center": SANDBOX.seller_center_spec,
}


def without_faults() -> None:
    """No injected fault shapes the answers: the control plane's fuzz injects some (POST
    /sandbox/faults), and an error fault answers the status the test asked for, not the
    operation's own, whichever test ran before."""
    for tenant in SANDBOX.tenants.all():
        with tenant.world.session() as world:
            world.faults.clear()


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
    if SEED is not None:
        schema.config.seed = int(SEED)  # an explicit seed takes precedence over derandomize
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES
    )
    return schema


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
)


@pytest.fixture(scope="module", autouse=True)
def _stop_the_event_loop_thread() -> Iterator[None]:
    """schemathesis drives ASGI apps from an event loop on a thread of its own, kept for the whole
    process: stop it (and the app's lifespan) once this module is done, so that no idle thread of
    the fuzz lingers into the other tests (Python 3.11's AST module state is not thread-safe)."""
    yield
    asgi._shutdown()


def _without_default_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """The Open API as the fuzzed server answers it: every answer, error or not, is an envelope
    with HTTP 200 (the `default` responses are for --http-error-status), so any other status an
    operation gives is one it does not document."""
    copied = copy.deepcopy(spec)
    for item in copied["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].pop("default", None)
    return copied


tiktok = _schema(_without_default_responses(SANDBOX.tiktok_spec))
# Resuming the clock hands the world's time to the wall clock: every later answer would then depend
# on when the test runs, and a failure could not be replayed. Freeze, advance and reset stay in.
control = _schema(SANDBOX.control_spec).exclude(path="/clock/resume")
carrier = _schema(SANDBOX.carrier_spec)
seller_center = _schema(SANDBOX.seller_center_spec)


@tiktok.parametrize()
@FUZZ_SETTINGS
def test_open_api(case: Any) -> None:
    level = case.operation.definition.raw.get("x-tts-auth", "shop")
    without_faults()
    with_real_ids(case)
    response = case.call_and_validate(checks=CHECKS, auth=SignRequest(level))
    body = json.loads(response.content)
    code = body.get("code") if isinstance(body, dict) else None
    OPEN_API_CODES.setdefault(case.operation.label, Counter())[code] += 1
    assert code != Code.INVALID_SIGN, "the fuzzer's signing is wrong, not the sandbox"


@control.parametrize()
@FUZZ_SETTINGS
def test_control_plane(case: Any) -> None:
    case.call_and_validate(checks=JSON_CHECKS)


@carrier.parametrize()
@FUZZ_SETTINGS
def test_carrier(case: Any) -> None:
    without_faults()
    case.call_and_validate(checks=JSON_CHECKS)


@seller_center.parametrize()
@FUZZ_SETTINGS
def test_seller_center(case: Any) -> None:
    without_faults()
    case.call_and_validate(checks=JSON_CHECKS)


@pytest.mark.parametrize("surface", sorted(JSON_SPECS))
def test_each_json_surface_operation_lists_its_statuses(surface: str) -> None:
    """A `default` response documents every status, so no status could fail the gate: the control
    plane, the carrier and the Seller Center list the ones they answer instead, errors included."""
    undocumented = {}
    for path, item in JSON_SPECS[surface]["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = set(operation["responses"])
            if "default" in statuses or not any(s.startswith("2") for s in statuses):
                undocumented[f"{method.upper()} {path}"] = sorted(statuses)
    assert not undocumented, undocumented


def test_the_open_api_fuzz_reached_every_operation() -> None:
    """Each operation answered at least once past its validation and its first lookup: a gate
    whose requests all stop there would fuzz nothing of the operation's own rules."""
    if not OPEN_API_CODES:
        pytest.skip("the Open API fuzz did not run in this session: nothing to judge")
    operations = {result.ok().label for result in tiktok.get_all_operations()}
    unreached = sorted(
        label for label in operations if not set(OPEN_API_CODES.get(label, {})) - BEFORE_THE_HANDLER
    )
    assert not unreached, {label: dict(OPEN_API_CODES.get(label, {})) for label in unreached}
    successes = sum(codes[0] for codes in OPEN_API_CODES.values())
    assert successes >= len(operations), OPEN_API_CODES
