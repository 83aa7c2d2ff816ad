"""Signing, timestamps, tokens and shop ciphers, as a real client meets them."""

from __future__ import annotations

import time

from sandbox.auth import STRING_TO_SIGN_HEADER
from sandbox.client import SignedClient
from tests.helpers import error_code, ok

SHOPS = "/authorization/202309/shops"
ORDERS = "/order/202309/orders/search"


def test_a_correctly_signed_client_fetches_its_authorized_shops(tts):
    shops = ok(tts.get(SHOPS, shop=False))["shops"]
    assert shops == [
        {
            "id": "7495000000000000001",
            "name": "Sandbox Shop",
            "region": "US",
            "seller_type": "LOCAL",
            "cipher": "ROW_sandbox_shop_cipher",
            "code": shops[0]["code"],
        }
    ]


def test_active_shops_are_listed_without_cipher(tts):
    assert ok(tts.get("/seller/202309/shops", shop=False))["shops"] == [
        {"id": "7495000000000000001", "region": "US"}
    ]


def test_wrong_signature_answers_106001_with_the_expected_string(tts):
    wrong = SignedClient(
        tts.http,
        app_key=tts.app_key,
        app_secret="not-the-secret",
        access_token=tts.access_token,
        shop_cipher=tts.shop_cipher,
    )
    response = wrong.post(ORDERS, {"order_status": "ON_HOLD"}, params={"page_size": 5})
    assert error_code(response) == 106001
    hint = response.headers[STRING_TO_SIGN_HEADER]
    assert hint.startswith("/order/202309/orders/searchapp_keysandbox_app_keypage_size5")
    assert hint.endswith('{"order_status": "ON_HOLD"}')
    assert "sandbox_app_secret" not in hint and "sandbox_app_secret" not in response.text


def test_body_reserialized_after_signing_is_rejected(tts, http):
    params = {
        "app_key": tts.app_key,
        "timestamp": str(int(time.time())),
        "shop_cipher": tts.shop_cipher,
        "page_size": "5",
    }
    from sandbox.signing import sign

    params["sign"] = sign(tts.app_secret, ORDERS, params, '{"order_status": "ON_HOLD"}')
    response = http.post(
        ORDERS,
        params=params,
        content=b'{"order_status":"ON_HOLD"}',
        headers={"x-tts-access-token": tts.access_token, "content-type": "application/json"},
    )
    assert error_code(response) == 106001
    assert response.headers[STRING_TO_SIGN_HEADER].endswith('{"order_status":"ON_HOLD"}')


def test_uppercase_signature_is_rejected(tts, http):
    params = {"app_key": tts.app_key, "timestamp": str(int(time.time()))}
    from sandbox.signing import sign

    params["sign"] = sign(tts.app_secret, SHOPS, params).upper()
    response = http.get(SHOPS, params=params, headers={"x-tts-access-token": tts.access_token})
    assert error_code(response) == 106001


def test_stale_timestamp_is_rejected(tts):
    six_minutes_ago = int(time.time()) - 6 * 60
    assert error_code(tts.get(SHOPS, shop=False, timestamp=six_minutes_ago)) == 36009004


def test_timestamp_from_the_future_is_rejected(tts):
    assert error_code(tts.get(SHOPS, shop=False, timestamp=int(time.time()) + 120)) == 36009004


def test_timestamp_within_the_window_is_accepted(tts):
    ok(tts.get(SHOPS, shop=False, timestamp=int(time.time()) - 4 * 60))


def test_missing_sign_and_unknown_app_key_are_invalid_requests(tts, http):
    now = str(int(time.time()))
    assert error_code(http.get(SHOPS, params={"app_key": tts.app_key, "timestamp": now})) == 36009004
    bad_key = SignedClient(http, app_key="nobody", app_secret="x", access_token="y")
    assert error_code(bad_key.get(SHOPS, shop=False)) == 36009004


def test_missing_or_unknown_access_token_is_an_invalid_request(tts):
    no_token = SignedClient(
        tts.http,
        app_key=tts.app_key,
        app_secret=tts.app_secret,
        access_token="",
        shop_cipher=tts.shop_cipher,
    )
    assert error_code(no_token.get(SHOPS, shop=False)) == 36009004
    bad_token = SignedClient(
        tts.http,
        app_key=tts.app_key,
        app_secret=tts.app_secret,
        access_token="TTP_unknown",
        shop_cipher=tts.shop_cipher,
    )
    assert error_code(bad_token.get(SHOPS, shop=False)) == 36009004


def test_missing_shop_cipher_on_a_shop_api_is_106013(tts):
    assert error_code(tts.post(ORDERS, params={"page_size": 5}, shop=False)) == 106013


def test_shop_cipher_on_a_seller_api_is_rejected(tts):
    assert error_code(tts.get(SHOPS, shop=True)) == 36009004


def test_unknown_shop_cipher_is_rejected(tts):
    tts.shop_cipher = "ROW_not_a_shop"
    assert error_code(tts.post(ORDERS, params={"page_size": 5})) == 36009004


def test_another_tenants_shop_cipher_is_101000(tts, http):
    other = http.post("/sandbox/tenants", json={"name": "other"}).json()
    tts.shop_cipher = other["shop"]["cipher"]
    assert error_code(tts.post(ORDERS, params={"page_size": 5})) == 101000


def test_token_expires_after_seven_days_of_virtual_time_and_refresh_works(tts, http):
    ok(tts.get(SHOPS, shop=False))
    assert http.post("/sandbox/clock/advance", json={"by": "8d"}).status_code == 200
    assert error_code(tts.get(SHOPS, shop=False)) == 105002
    refreshed = ok(
        http.get(
            "/api/v2/token/refresh",
            params={
                "app_key": tts.app_key,
                "app_secret": tts.app_secret,
                "refresh_token": "TTP_sandbox_refresh_token",
                "grant_type": "refresh_token",
            },
        )
    )
    clock = http.get("/sandbox/clock").json()
    assert refreshed["access_token_expire_in"] == clock["now_unix"] + 7 * 86400
    assert refreshed["refresh_token"] == "TTP_sandbox_refresh_token"
    tts.access_token = refreshed["access_token"]
    ok(tts.get(SHOPS, shop=False))


def test_auth_code_gives_tokens_once(tts, http):
    code = http.post("/sandbox/auth-codes").json()["auth_code"]
    query = {
        "app_key": tts.app_key,
        "app_secret": tts.app_secret,
        "auth_code": code,
        "grant_type": "authorized_code",
    }
    tokens = ok(http.get("/api/v2/token/get", params=query))
    assert {
        "access_token",
        "access_token_expire_in",
        "refresh_token",
        "refresh_token_expire_in",
        "open_id",
        "seller_name",
        "seller_base_region",
        "granted_scopes",
    } <= set(tokens)
    tts.access_token = tokens["access_token"]
    ok(tts.get(SHOPS, shop=False))
    assert error_code(http.get("/api/v2/token/get", params=query)) == 36009004


def test_auth_code_expires_after_thirty_minutes(tts, http):
    code = http.post("/sandbox/auth-codes").json()["auth_code"]
    http.post("/sandbox/clock/advance", json={"by": "31m"})
    response = http.get(
        "/api/v2/token/get",
        params={
            "app_key": tts.app_key,
            "app_secret": tts.app_secret,
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    )
    assert error_code(response) == 36009004
    assert "expired" in response.json()["message"]


def test_token_endpoints_check_the_app_secret(tts, http):
    response = http.get(
        "/api/v2/token/refresh",
        params={
            "app_key": tts.app_key,
            "app_secret": "wrong",
            "refresh_token": "TTP_sandbox_refresh_token",
            "grant_type": "refresh_token",
        },
    )
    assert error_code(response) == 36009004


def test_signature_is_checked_against_wall_time_not_the_advanced_world(tts, http):
    http.post("/sandbox/clock/advance", json={"by": "3d"})
    ok(tts.post(ORDERS, params={"page_size": 1}))
