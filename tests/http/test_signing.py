"""The reference's four signing test vectors, and the recipe's edge cases."""

from __future__ import annotations

import pytest

from sandbox.signing import sign, string_to_sign, webhook_signature

SEARCH_BODY = '{"order_status":"AWAITING_SHIPMENT","create_time_ge":1623800000}'


@pytest.mark.parametrize(
    ("secret", "path", "params", "body", "expected"),
    [
        (
            "e59af819cc",
            "/authorization/202309/shops",
            {"app_key": "29a39d", "timestamp": "1623812664"},
            "",
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
        ),
        (
            "app_secret",
            "/test-api",
            {"foo": "bar"},
            "",
            "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f",
        ),
        (
            "e59af819cc",
            "/order/202309/orders/search",
            {
                "app_key": "29a39d",
                "timestamp": "1623812664",
                "shop_cipher": "ROW_abc123",
                "page_size": "20",
                "sort_field": "create_time",
                "sort_order": "DESC",
                "access_token": "IGNORED",
            },
            SEARCH_BODY,
            "49cc1d0af0dce4832d072b3094a0d27cf4b0dfbc601398866d150e6b68c3df56",
        ),
        (
            "e59af819cc",
            "/order/202309/orders",
            {
                "app_key": "29a39d",
                "timestamp": "1623812664",
                "shop_cipher": "ROW_abc123",
                "ids": "576461413038785752,576461413038785753",
            },
            "",
            "1945695a4570b0d743cf16738c3565e83621aaa6784136dd36bce0c6321c5329",
        ),
    ],
    ids=["authorized-shops", "test-api", "order-search-with-body", "order-detail-ids"],
)
def test_reference_vectors(secret, path, params, body, expected):
    assert sign(secret, path, params, body) == expected


def test_sign_and_access_token_are_left_out_of_the_string():
    with_extras = {"a": "1", "sign": "x", "access_token": "y"}
    assert string_to_sign("/p", with_extras) == "/pa1"


def test_parameters_are_sorted_by_key_and_joined_without_separators():
    assert string_to_sign("/p", {"b": "2", "a": "1", "ab": "3"}) == "/pa1ab3b2"


def test_multipart_body_is_not_signed():
    assert string_to_sign("/p", {}, b"--boundary", "multipart/form-data; boundary=x") == "/p"
    assert string_to_sign("/p", {}, b'{"a":1}', "application/json") == '/p{"a":1}'


def test_signature_is_lowercase_hex():
    value = sign("s", "/p", {})
    assert value == value.lower() and len(value) == 64


def test_reserialized_body_changes_the_signature():
    # The classic client bug: signing one serialization and sending another.
    assert sign("s", "/p", {}, '{"a": 1}') != sign("s", "/p", {}, '{"a":1}')


def test_webhook_signature_covers_app_key_and_raw_body():
    assert webhook_signature("k", "s", b"{}") != webhook_signature("k2", "s", b"{}")
    assert len(webhook_signature("k", "s", b"{}")) == 64


def test_a_repeated_key_is_signed_once_per_value_in_the_order_sent():
    """``ids=B&ids=A``, as clients that send arrays as repeated keys do, and as the published
    reference's signer signs it: sorted by key only, each value where it came."""
    from tiktok_shop_api.signing import Signer

    pairs = [("ids", "576461413038785753"), ("app_key", "29a39d"), ("ids", "576461413038785752")]
    assert string_to_sign("/p", pairs) == "/papp_key29a39dids576461413038785753ids576461413038785752"
    documented = Signer.sign(path="/p", query=pairs, content_type=None, body=None, app_secret="s")
    assert sign("s", "/p", pairs) == documented
    assert sign("s", "/p", list(reversed(pairs))) != documented  # the order of the values counts
