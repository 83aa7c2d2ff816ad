"""Bad or unusual input found by review: each gets a clear answer, never a 500, never half-applied."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from sandbox.signing import sign
from tests.helpers import START, error_code, ok

SEARCH = "/order/202309/orders/search"


def signed_raw(tts, path, body: bytes, content_type: str | None, **params):
    query = {
        "app_key": tts.app_key,
        "timestamp": str(int(time.time())),
        "shop_cipher": tts.shop_cipher,
        **{k: str(v) for k, v in params.items()},
    }
    query["sign"] = sign(tts.app_secret, path, query, body, content_type or "")
    headers = {"x-tts-access-token": tts.access_token}
    if content_type is not None:
        headers["content-type"] = content_type
    return query, headers


@pytest.mark.parametrize(
    "content_type",
    ["APPLICATION/JSON", "Application/Json", "application/json; charset=utf-8", None, "text/plain"],
)
def test_search_filters_apply_whatever_the_content_type(tts, content_type):
    body = b'{"order_status":"ON_HOLD"}'
    query, headers = signed_raw(tts, SEARCH, body, content_type, page_size=50)
    data = ok(tts.http.post(SEARCH, params=query, content=body, headers=headers))
    assert data["orders"] and {o["status"] for o in data["orders"]} == {"ON_HOLD"}


def test_search_filters_apply_to_a_chunked_body(tts):
    body = b'{"order_status":"ON_HOLD"}'
    query, headers = signed_raw(tts, SEARCH, body, "application/json", page_size=50)
    chunks = iter([body[:10], body[10:]])  # no content-length: sent chunked
    data = ok(tts.http.post(SEARCH, params=query, content=chunks, headers=headers))
    assert {o["status"] for o in data["orders"]} == {"ON_HOLD"}


def test_unknown_filter_is_refused_whatever_the_content_type(tts):
    body = b'{"order_stat":"ON_HOLD"}'
    query, headers = signed_raw(tts, SEARCH, body, "APPLICATION/JSON", page_size=50)
    assert error_code(tts.http.post(SEARCH, params=query, content=body, headers=headers)) == 36009004


@pytest.mark.parametrize(
    "body",
    [
        b'{"buyer_user_id":"\xff"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"buyer_user_id":' + b"[" * 500 + b"]" * 500 + b"}",
    ],
    ids=["not-utf8", "deeply-nested-array", "nested-in-a-field"],
)
def test_undecodable_or_absurd_bodies_are_invalid_requests(tts, body):
    query, headers = signed_raw(tts, SEARCH, body, "application/json", page_size=5)
    assert error_code(tts.http.post(SEARCH, params=query, content=body, headers=headers)) == 36009004


def test_non_ascii_signature_is_just_a_bad_signature(tts, http):
    params = {"app_key": tts.app_key, "timestamp": str(int(time.time())), "sign": "é" * 64}
    response = http.get(
        "/authorization/202309/shops", params=params, headers={"x-tts-access-token": tts.access_token}
    )
    assert error_code(response) == 106001


@pytest.mark.parametrize("timestamp", ["+1795000000", " 1795000000", "١٧٩٥٠٠٠٠٠٠", "1_795_000_000"])
def test_timestamps_must_be_plain_digits(tts, http, timestamp):
    params = {"app_key": tts.app_key, "timestamp": timestamp}
    params["sign"] = sign(tts.app_secret, "/authorization/202309/shops", params)
    response = http.get(
        "/authorization/202309/shops", params=params, headers={"x-tts-access-token": tts.access_token}
    )
    assert error_code(response) == 36009004


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/sandbox/clock/advance", {"by": "400000w"}),
        ("/sandbox/clock/advance", {"by": "99999999999999999999w"}),
        ("/sandbox/clock/advance", {"by": "9" * 5000 + "s"}),
        ("/sandbox/clock/advance", {"to": "²"}),
        ("/sandbox/clock/advance", {"to": "0001-01-01T00:00:00+01:00"}),
        ("/sandbox/clock/advance", {"to": "9999-12-31T23:59:59-01:00"}),
        ("/sandbox/clock/freeze", {"at": "9999-12-31T23:59:59.999999Z"}),
        ("/sandbox/clock/freeze", {"at": "0001-01-01T00:00:00+00:01"}),
        ("/sandbox/tenants", {"start": "9999-12-30T00:00:00Z"}),
        ("/sandbox/tenants", {"start": "0001-01-02T00:00:00Z"}),
        ("/sandbox/tenants", {"start": "²"}),
    ],
)
def test_out_of_range_time_is_a_400_that_changes_nothing(http, path, body):
    before = (http.get("/sandbox/clock").json(), http.get("/sandbox/tenants").json())
    response = http.post(path, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] in ("invalid_duration", "invalid_instant")
    assert (http.get("/sandbox/clock").json(), http.get("/sandbox/tenants").json()) == before


def test_virtual_time_stops_at_the_end_of_its_range(http):
    http.post("/sandbox/clock/advance", json={"to": "2999-12-01T00:00:00Z"})
    before = http.get("/sandbox/clock").json()
    response = http.post("/sandbox/clock/advance", json={"by": "100w"})
    assert response.status_code == 409
    assert http.get("/sandbox/clock").json() == before
    assert http.post("/sandbox/clock/resume").status_code == 200


@pytest.mark.parametrize("content_type", [None, "APPLICATION/JSON", "application/x-www-form-urlencoded"])
def test_control_bodies_are_read_whatever_the_content_type(http, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = http.post("/sandbox/clock/freeze", content=b'{"at":"2027-01-01T00:00:00Z"}', headers=headers)
    assert response.json()["now"] == "2027-01-01T00:00:00Z", response.text
    created = http.post("/sandbox/tenants", content=b'{"region":"DE","name":"mine"}', headers=headers).json()
    assert created["shop"]["region"] == "DE" and created["name"] == "mine"


def test_an_error_quoting_a_lone_surrogate_is_still_json(http):
    """Found by the fuzzing gate: YAML's "\\ud800" escape gives a string with no UTF-8 bytes, and the
    refusal that quotes it back is answered with JSON's \\u escapes, not a crash."""
    response = http.post(
        "/sandbox/scenarios", content=b'{"\\ud800\\udc00": null}', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_scenario"
    assert b"unknown key '\\ud800\\udc00'" in response.content  # the key quoted back, escaped


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/sandbox/clock", "GET, HEAD"),
        ("PUT", "/carrier/v1/pickups", "POST"),
        ("DELETE", "/seller-center/orders", "GET, HEAD"),
    ],
)
def test_a_method_the_path_lacks_is_a_405_naming_those_it_has(http, method, path, allowed):
    response = http.request(method, path)
    assert response.status_code == 405 and response.json()["error"]["type"] == "invalid_request"
    assert response.headers["allow"] == allowed


def test_trailing_slash_is_refused_not_redirected(tts, http):
    response = tts.post(SEARCH + "/", {}, params={"page_size": 5})
    assert error_code(response) == 36009009
    control = http.get("/sandbox/clock/")
    assert control.status_code == 404 and control.json()["error"]["type"] == "unknown_path"


def run_with_errors() -> list[bytes]:
    sandbox = Sandbox(freeze_at=START)
    with sandbox.app.test_client() as http:
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        return [
            tts.get("/order/202309/orders", params={"ids": ["576000000000000001"]}).content,
            tts.post(SEARCH, params={"page_size": 5}, shop=False).content,
            tts.get(SEARCH, params={"page_size": 5}).content,
            tts.get("/nothing/here").content,
            http.get("/nothing/at/all").content,
        ]


def test_error_responses_are_as_reproducible_as_successes():
    first, second = run_with_errors(), run_with_errors()
    assert first == second
    ids = [json.loads(body)["request_id"] for body in first]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("20260302090000") for i in ids)


def test_tenants_created_with_one_seed_hold_the_same_shop(http):
    options = {"seed": 9, "start": "2026-03-01T00:00:00Z", "frozen": True}
    first, second = (http.post("/sandbox/tenants", json=options).json() for _ in range(2))
    assert first["shop"]["code"] == second["shop"]["code"]
    pages = []
    for tenant in (first, second):
        client = SignedClient.for_tenant(http, tenant)
        orders = ok(client.post(SEARCH, {}, params={"page_size": 100}))["orders"]
        pages.append([(o["id"], o["warehouse_id"], o["create_time"]) for o in orders])
    assert pages[0] == pages[1]


def test_new_tenants_without_a_seed_get_shops_of_their_own(http, tts):
    other = http.post("/sandbox/tenants", json={}).json()
    assert other["seed"] != 42
    theirs = SignedClient.for_tenant(http, other)
    their_ids = {o["id"] for o in ok(theirs.post(SEARCH, {}, params={"page_size": 100}))["orders"]}
    mine = {o["id"] for o in ok(tts.post(SEARCH, {}, params={"page_size": 100}))["orders"]}
    assert not their_ids & mine


def test_tenant_count_is_capped(http, monkeypatch):
    from sandbox import tenants

    monkeypatch.setattr(tenants, "MAX_TENANTS", 2)
    assert http.post("/sandbox/tenants", json={}).status_code == 201
    refused = http.post("/sandbox/tenants", json={})
    assert refused.status_code == 400 and "limit" in refused.json()["error"]["message"]


def test_tenant_independent_calls_ignore_an_unknown_tenant_header(http):
    headers = {"X-Sandbox-Tenant": "nobody"}
    assert http.get("/sandbox/health", headers=headers).status_code == 200
    assert http.get("/sandbox/tenants/default", headers=headers).status_code == 200
    assert http.get("/sandbox/clock", headers=headers).status_code == 404


def test_sign_adds_the_leading_slash_and_can_leave_out_the_cipher():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox.cli",
            "sign",
            "order/202309/orders/search",
            "page_size=5",
            "--no-shop-cipher",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "8330/order/202309/orders/search?" in out and "shop_cipher" not in out


def test_a_malformed_multipart_upload_is_an_invalid_request(tts, http):
    """Found by the fuzzing gate: the form parser's error used to surface as an internal error."""
    path = "/fulfillment/202309/images/upload"
    body = b"--xyz\r\n28937589--xyz--\r\n"
    query, headers = signed_raw(tts, path, body, "multipart/form-data; boundary=xyz")
    response = http.post(path, params=query, content=body, headers=headers)
    assert error_code(response) == 36009004
    assert "multipart form is malformed" in response.json()["message"]
    assert response.status_code == 200


def test_a_malformed_multipart_ticket_is_a_400(http):
    response = http.post(
        "/seller-center/tickets",
        content=b"--xyz\r\n28937589--xyz--\r\n",
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request"
