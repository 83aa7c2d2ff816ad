"""The prepared operations answer exactly what connexion's whole stack answers.

Two sandboxes with the same seed and clock, one answering through the prepared operations and
one through connexion down to Flask, get the same requests (good, malformed, wrongly typed,
missing, unknown) and must give byte-identical answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from sandbox.app import Sandbox
from sandbox.inprocess import InProcessSandbox
from sandbox.signing import sign
from tests.helpers import ROOT, START

APP_KEY, SECRET = "sandbox_app_key", "sandbox_app_secret"
TOKEN, CIPHER = "TTP_sandbox_access_token", "ROW_sandbox_shop_cipher"


def _signed(path: str, params: dict[str, str] | list[tuple[str, str]], body: str, timestamp: int) -> str:
    """A signed target; ``params`` as pairs may repeat a key (``ids=A&ids=B``)."""
    if isinstance(params, dict):
        query = {"app_key": APP_KEY, "timestamp": str(timestamp), "shop_cipher": CIPHER, **params}
        query["sign"] = sign(SECRET, path, query, body, "application/json" if body else "")
        return f"{path}?{urlencode(query)}"
    pairs = [("app_key", APP_KEY), ("timestamp", str(timestamp)), ("shop_cipher", CIPHER), *params]
    pairs.append(("sign", sign(SECRET, path, pairs, body, "application/json" if body else "")))
    return f"{path}?{urlencode(pairs)}"


def _pair(**options: Any) -> tuple[InProcessSandbox, InProcessSandbox]:
    return (
        InProcessSandbox(Sandbox(freeze_at=START, inline=True, prepared=True, **options)),
        InProcessSandbox(Sandbox(freeze_at=START, inline=True, prepared=False, **options)),
    )


def _answer(tts: InProcessSandbox, method: str, target: str, body: str, headers: dict[str, str]) -> tuple:
    response = tts.http.request(method, target, content=body.encode() or None, headers=headers)
    return response.status_code, response.headers.get("content-type"), response.content


# (method, path, query, body); Open API calls are signed, as clients send them.
OPEN_API = [
    ("POST", "/order/202309/orders/search", {"page_size": "5"}, "{}"),
    ("POST", "/order/202309/orders/search", {"page_size": "5"}, ""),
    (
        "POST",
        "/order/202309/orders/search",
        {"page_size": "5", "sort_order": "ASC"},
        '{"order_status":"UNPAID"}',
    ),
    ("POST", "/order/202309/orders/search", {"page_size": "abc"}, "{}"),
    ("POST", "/order/202309/orders/search", {"page_size": "0"}, "{}"),
    ("POST", "/order/202309/orders/search", {}, "{}"),
    ("POST", "/order/202309/orders/search", {"page_size": "5"}, '{"order_status":5}'),
    ("POST", "/order/202309/orders/search", {"page_size": "5"}, '{"create_time_ge":"soon"}'),
    ("POST", "/order/202309/orders/search", {"page_size": "5"}, "[1, 2]"),
    ("POST", "/order/202309/orders/search", {"page_size": "5", "page_token": "nope"}, "{}"),
    ("GET", "/order/202309/orders", {"ids": "{order}"}, ""),
    ("GET", "/order/202507/orders", {"ids": "{order},{order}"}, ""),
    # Arrays as repeated keys, as some clients send them, alone or with comma-joined values.
    ("GET", "/order/202309/orders", [("ids", "{order}"), ("ids", "{other}")], ""),
    ("GET", "/order/202507/orders", [("ids", "{other}"), ("ids", "{order},{other}")], ""),
    ("GET", "/order/202309/orders", [("ids", "{order}"), ("ids", "404")], ""),
    ("GET", "/order/202309/orders", {"ids": "404"}, ""),
    ("GET", "/order/202309/orders", {}, ""),
    ("GET", "/fulfillment/202309/orders/{order}/tracking", {}, ""),
    ("GET", "/fulfillment/202309/orders/404/tracking", {}, ""),
    ("POST", "/fulfillment/202309/packages/search", {"page_size": "10"}, "{}"),
    ("POST", "/fulfillment/202309/packages/{package}/ship", {}, "{}"),
    ("POST", "/fulfillment/202309/packages/{package}/ship", {}, "{}"),
    ("POST", "/fulfillment/202309/packages/{package}/ship", {}, '{"handover_method":"TELEPORT"}'),
    (
        "GET",
        "/fulfillment/202309/packages/{package}/shipping_documents",
        {"document_type": "SHIPPING_LABEL"},
        "",
    ),
    ("GET", "/logistics/202604/orders/{order}/tracking", {}, ""),
    ("GET", "/logistics/202604/orders/404/tracking", {}, ""),
    ("GET", "/fulfillment/202309/packages/{package}/handover_time_slots", {}, ""),
    (
        "POST",
        "/fulfillment/202610/orders/{order}/packages",
        {},
        '{"tracking_number":"X-1","shipping_provider_id":"p"}',
    ),
    ("POST", "/fulfillment/202610/orders/{order}/packages", {}, '{"shipping_info_list":[]}'),
    (
        "POST",
        "/fulfillment/202610/orders/{order}/packages",
        {},
        '{"shipping_info_list":[{"tracking_number":"X-2","shipping_provider_id":"p"}]}',
    ),
    ("POST", "/fulfillment/202512/packages", {}, '{"ship_type":"3","order_list_ids":["{order}","{other}"]}'),
    ("POST", "/fulfillment/202512/packages", {}, '{"ship_type":"1","order_id":"{order}"}'),
    (
        "POST",
        "/return_refund/202606/returns/404/reject",
        {},
        '{"decision":"REJECT_RETURN","reject_reason":"x"}',
    ),
    ("POST", "/return_refund/202606/returns/404/reject", {}, '{"reject_reason":"x"}'),
    ("POST", "/return_refund/202309/cancellations/search", {"page_size": "10"}, "{}"),
    ("POST", "/return_refund/202309/returns/search", {"page_size": "10"}, '{"return_status":["NOPE"]}'),
    ("GET", "/authorization/202309/shops", {}, ""),
    ("GET", "/event/202309/webhooks", {}, ""),
]

PLAIN = [
    ("GET", "/sandbox/clock", "", {}),
    ("POST", "/sandbox/clock/advance", '{"by":"2h"}', {}),
    ("POST", "/sandbox/clock/advance", '{"by":"soon"}', {}),
    ("POST", "/sandbox/clock/advance", '{"by":7}', {}),
    ("GET", "/sandbox/deadlines", "", {}),
    ("GET", "/sandbox/events?limit=3", "", {}),
    ("GET", "/sandbox/events?limit=x", "", {}),
    ("GET", "/sandbox/orders/{order}", "", {}),
    ("GET", "/sandbox/orders/404", "", {}),
    ("GET", "/sandbox/tenants/nobody", "", {}),
    ("GET", "/sandbox/journal/verify", "", {}),
    ("GET", "/seller-center/orders?tab=pending_shipping&page_size=3", "", {}),
    ("GET", "/seller-center/orders?tab=nowhere", "", {}),
    ("GET", "/seller-center/orders/todo", "", {}),
    ("GET", "/seller-center/orders/export?tab=pending_shipping", "", {}),
    ("GET", "/seller-center/failed-deliveries", "", {}),
    ("GET", "/seller-center/tickets/categories", "", {}),
    ("GET", "/carrier/v1/tracking/NOPE", "", {}),
    ("GET", "/sandbox/clock", "", {"x-sandbox-tenant": "nobody"}),
    # An escape that is not UTF-8 reaches the handler as werkzeug reads it (left escaped).
    ("GET", "/seller-center/orders?created_from=%FF", "", {}),
    ("GET", "/sandbox/journal?mentions=%FF&limit=1", "", {}),
    ("GET", "/sandbox/events?limit=2&kind=%E2%9C%93", "", {}),
]


def test_a_junit_report_answers_the_same_either_way() -> None:
    """A handler's own text-like content type gets its charset, as werkzeug writes it."""
    prepared, full = _pair()
    for tts in (prepared, full):
        tts.load_scenario(str(ROOT / "scenarios" / "three-failed-attempts.yaml"))
    name = next(iter(prepared.sandbox.tenants.default.world.scenarios))
    for method in ("GET", "HEAD"):
        path = f"/sandbox/scenarios/{name}/junit"
        first, second = _answer(prepared, method, path, "", {}), _answer(full, method, path, "", {})
        assert first == second
        assert first[1] == "application/xml; charset=utf-8"


def _fill(text: str, found: dict[str, str]) -> str:
    for name, value in found.items():
        text = text.replace("{" + name + "}", value)
    return text


def _ids(tts: InProcessSandbox) -> dict[str, str]:
    world = tts.sandbox.tenants.default.world
    with world.session() as state:
        waiting = [
            order
            for order in state.orders.values()
            if order.status.value == "AWAITING_SHIPMENT"
            and order.package_ids
            and order.shipping_type.value == "TIKTOK"
        ]
        order = waiting[0]
        other = next(i for i in state.orders if i != order.id)
        return {"order": order.id, "package": order.package_ids[0], "other": other}


def test_the_open_api_answers_the_same_either_way() -> None:
    prepared, full = _pair()
    found = _ids(prepared)
    assert found == _ids(full)
    timestamp = int(time.time())
    headers = {"x-tts-access-token": TOKEN}
    for method, path, params, body in OPEN_API:
        path, body = _fill(path, found), _fill(body, found)
        filled = (
            {k: _fill(v, found) for k, v in params.items()}
            if isinstance(params, dict)
            else [(k, _fill(v, found)) for k, v in params]
        )
        target = _signed(path, filled, body, timestamp)
        sent = {**headers, **({"content-type": "application/json"} if body else {})}
        assert _answer(prepared, method, target, body, sent) == _answer(full, method, target, body, sent), (
            method,
            path,
            params,
            body,
        )


def test_the_json_surfaces_answer_the_same_either_way() -> None:
    prepared, full = _pair()
    found = _ids(prepared)
    for method, path, body, headers in PLAIN:
        path = _fill(path, found)
        sent = {**headers, **({"content-type": "application/json"} if body else {})}
        assert _answer(prepared, method, path, body, sent) == _answer(full, method, path, body, sent), (
            method,
            path,
            body,
        )


@pytest.mark.parametrize("prepared", [True, False])
def test_the_prepared_path_is_the_one_taken(prepared: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparisons above mean something only if the two sandboxes take different paths:
    the prepared operations never reach Flask."""
    tts = InProcessSandbox(Sandbox(freeze_at=START, inline=True, prepared=prepared)).start()
    flask_app = tts.sandbox.app.app
    dispatched: list[str] = []
    original = flask_app.full_dispatch_request

    def counted() -> Any:
        dispatched.append("flask")
        return original()

    monkeypatch.setattr(flask_app, "full_dispatch_request", counted)
    found = _ids(tts)
    target = _signed("/order/202309/orders", {"ids": found["order"]}, "", int(time.time()))
    status, _, raw = _answer(tts, "GET", target, "", {"x-tts-access-token": TOKEN})
    assert status == 200 and json.loads(raw)["code"] == 0
    assert dispatched == ([] if prepared else ["flask"])


@pytest.mark.parametrize("prepared", [True, False])
def test_response_validation_still_checks_what_is_sent(prepared: bool) -> None:
    tts = InProcessSandbox(Sandbox(freeze_at=START, inline=True, prepared=prepared, validate_responses=True))
    found = _ids(tts)
    target = _signed("/order/202309/orders", {"ids": found["order"]}, "", int(time.time()))
    status, _, raw = _answer(tts, "GET", target, "", {"x-tts-access-token": TOKEN})
    assert status == 200 and json.loads(raw)["code"] == 0


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, str]]:
    """A sandbox with two tenants, served by uvicorn on a free localhost port in a thread."""
    from tests.helpers import Server

    sandbox = Sandbox(freeze_at=START)
    sandbox.tenants.create(name="other")
    server = Server(sandbox)
    yield sandbox, server.base
    server.stop()


def _shops_query(app_key: str, secret: str) -> dict[str, str]:
    query = {"app_key": app_key, "timestamp": str(int(time.time()))}
    query["sign"] = sign(secret, "/authorization/202309/shops", query, "", "")
    return query


def _other_tenant_answers(sandbox: Sandbox, base: str) -> None:
    import httpx

    other = next(t for t in sandbox.tenants.all() if t is not sandbox.tenants.default)
    answer = httpx.get(
        f"{base}/authorization/202309/shops",
        params=_shops_query(other.app_key, other.app_secret),
        headers={"x-tts-access-token": str(other.credentials()["access_token"])},
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json()["code"] == 0, answer.text
    # Calls that act on no tenant do not wait for the busy one either.
    assert httpx.get(f"{base}/sandbox/health", timeout=5).status_code == 200


def test_a_busy_world_does_not_hold_up_the_other_tenants(served: tuple[Sandbox, str]) -> None:
    """While one tenant's world is held by a long operation, a call to it waits without holding
    up the event loop: another tenant's calls are still answered."""
    import threading

    import httpx

    sandbox, base = served
    busy = sandbox.tenants.default.world.lock
    results: dict[str, Any] = {}

    def blocked_call() -> None:
        results["blocked"] = httpx.get(
            f"{base}/authorization/202309/shops",
            params=_shops_query(APP_KEY, SECRET),
            headers={"x-tts-access-token": TOKEN},
            timeout=10,
        )

    busy.acquire()  # a long operation on the default tenant's world
    try:
        waiting = threading.Thread(target=blocked_call)
        waiting.start()
        time.sleep(0.3)
        assert "blocked" not in results  # still waiting for the world
        _other_tenant_answers(sandbox, base)
        assert "blocked" not in results
    finally:
        busy.release()
    waiting.join(10)
    assert results["blocked"].json()["code"] == 0


def test_a_world_that_turns_busy_while_a_body_arrives_holds_up_no_one(served: tuple[Sandbox, str]) -> None:
    """The world may be taken between a request's headers and its body: the gate looks again
    once the body is in."""
    import socket
    from urllib.parse import urlencode, urlsplit

    sandbox, base = served
    where = urlsplit(base)
    path = "/order/202309/orders/search"
    query = {"app_key": APP_KEY, "timestamp": str(int(time.time())), "shop_cipher": CIPHER, "page_size": "5"}
    query["sign"] = sign(SECRET, path, query, "{}", "application/json")
    head = (
        f"POST {path}?{urlencode(query)} HTTP/1.1\r\nHost: {where.netloc}\r\n"
        f"x-tts-access-token: {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"
    )
    busy = sandbox.tenants.default.world.lock
    with socket.create_connection((where.hostname, where.port), timeout=10) as client:
        client.sendall(head.encode())
        time.sleep(0.2)  # the gate has the headers and waits for the body
        busy.acquire()
        try:
            client.sendall(b"{}")
            time.sleep(0.2)
            _other_tenant_answers(sandbox, base)
        finally:
            busy.release()
        answer = client.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200") and b'"code":0' in answer, answer[:300]


PLAIN_SCHEMAS = [
    {"type": "string"},
    {"type": "string", "maxLength": 4, "minLength": 2},
    {"type": "string", "enum": ["ASC", "DESC"], "default": "DESC"},
    {"type": "integer"},
    {"type": "integer", "minimum": 1, "maximum": 50},
    {"type": "integer", "enum": [1, 2]},
    {"type": "boolean"},
    {"type": "string", "pattern": "^[0-9]{1,4}$"},
    {"type": "string", "pattern": "b"},  # anywhere in the string, as jsonschema reads it
    {"type": "array", "items": {"type": "string"}},
    {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string", "pattern": "^[0-9]{1,32}$"}},
    {"type": "array", "items": {"type": "integer", "minimum": 1}},
]
VALUES = [
    "0",
    "0123",
    "01234",
    "12a",
    "abc",
    ["1"],
    ["1", "22"],
    ["1", "22", "333"],
    ["1", "x"],
    ["1", 2],
    [1, 2],
    [0],
    [True],
    [["1"]],
    "",
    "a",
    "ab",
    "abcd",
    "abcde",
    "ASC",
    "asc",
    0,
    1,
    2,
    50,
    51,
    -1,
    True,
    False,
    1.0,
    2.5,
    None,
    [],
    {},
]


@pytest.mark.parametrize("schema", PLAIN_SCHEMAS)
def test_the_direct_parameter_check_agrees_with_jsonschema(schema: dict[str, Any]) -> None:
    from jsonschema import Draft4Validator

    from sandbox.http.prepared import _plain_check

    check = _plain_check(schema)
    assert check is not None
    validator = Draft4Validator(schema)
    for value in VALUES:
        assert check(value) == validator.is_valid(value), (schema, value)


def test_other_schemas_are_left_to_jsonschema() -> None:
    from sandbox.http.prepared import _plain_check

    assert _plain_check({"type": "integer", "minimum": 1, "exclusiveMinimum": True}) is None
    assert _plain_check({"type": "array", "items": {"type": "string"}, "uniqueItems": True}) is None
    assert _plain_check({"type": "array", "items": [{"type": "string"}]}) is None
    assert _plain_check({"type": "array", "items": {"type": "array", "items": {"type": "string"}}}) is None
    assert _plain_check({"type": "string", "format": "date-time"}) is None


def test_an_operation_is_prepared_by_its_first_call() -> None:
    from sandbox.http import connexion_private as private
    from sandbox.http.prepared import PreparedOperations

    sandbox = Sandbox()
    app = sandbox.app
    private.build_middleware_stack(app)
    stack = app.middleware.middleware_stack
    (middleware,) = [m for m in stack if isinstance(m, PreparedOperations)]
    operations = {
        name: op
        for apis in middleware.apis.values()
        for api in apis
        for name, op in api.operations.items()
        if op
    }
    assert not any("uri_parser" in vars(op) for op in operations.values())  # nothing built at start
    with app.test_client() as http:
        assert http.get("/sandbox/health").status_code == 200
    built = [name for name, op in operations.items() if "uri_parser" in vars(op)]
    assert built == ["sandbox.api.control.health"], built
