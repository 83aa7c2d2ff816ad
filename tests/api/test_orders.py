"""Order search and detail over the Open API: fields, filters, pagination, errors."""

from __future__ import annotations

import re

import pytest

from tests.helpers import error_code, ok

SEARCH = "/order/202309/orders/search"


def all_orders(tts, body=None, **params):
    params.setdefault("page_size", 7)
    seen, token, totals = [], "", set()
    while True:
        query = dict(params, **({"page_token": token} if token else {}))
        data = ok(tts.post(SEARCH, body or {}, params=query))
        totals.add(data["total_count"])
        seen += data["orders"]
        token = data["next_page_token"]
        if not token:
            return seen, totals


def test_search_pages_through_every_order_once(tts):
    orders, totals = all_orders(tts)
    assert totals == {40}
    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids)) == 40
    created = [o["create_time"] for o in orders]
    assert created == sorted(created, reverse=True)  # DESC by default


def test_search_sorts_ascending_by_update_time(tts):
    orders, _ = all_orders(tts, sort_field="update_time", sort_order="ASC", page_size=9)
    updated = [o["update_time"] for o in orders]
    assert updated == sorted(updated) and len(updated) == 40


def test_search_filters_by_status_and_create_time(tts):
    awaiting, totals = all_orders(tts, {"order_status": "AWAITING_SHIPMENT"})
    assert awaiting and {o["status"] for o in awaiting} == {"AWAITING_SHIPMENT"}
    assert totals == {len(awaiting)}
    middle = sorted(o["create_time"] for o in all_orders(tts)[0])[20]
    recent, _ = all_orders(tts, {"create_time_ge": middle})
    assert recent and all(o["create_time"] >= middle for o in recent)
    older, _ = all_orders(tts, {"create_time_lt": middle})
    assert len(recent) + len(older) == 40


def test_search_filters_by_shipping_type_and_buyer(tts):
    everyone, _ = all_orders(tts)
    seller, _ = all_orders(tts, {"shipping_type": "SELLER"})
    assert seller and all(o["shipping_type"] == "SELLER" for o in seller)
    buyer = everyone[0]["user_id"]
    mine, _ = all_orders(tts, {"buyer_user_id": buyer})
    assert mine and all(o["user_id"] == buyer for o in mine)


def test_order_fields_are_real(tts):
    order = ok(tts.post(SEARCH, {"order_status": "IN_TRANSIT"}, params={"page_size": 1}))["orders"][0]
    assert re.fullmatch(r"\d{18}", order["id"])
    assert isinstance(order["create_time"], int)
    money = order["payment"]
    assert all(isinstance(money[k], str) for k in ("sub_total", "shipping_fee", "tax", "total_amount"))
    items = order["line_items"]
    assert items and all("quantity" not in item for item in items)  # one line item per unit
    assert sum(float(i["sale_price"]) for i in items) == pytest.approx(float(money["sub_total"]))
    assert order["tracking_number"] and order["packages"][0]["id"]
    assert order["recipient_address"]["full_address"]


def test_address_is_hidden_while_on_hold(tts):
    held = ok(tts.post(SEARCH, {"order_status": "ON_HOLD"}, params={"page_size": 1}))["orders"][0]
    assert held["recipient_address"]["full_address"] == ""
    assert held["is_on_hold_order"] is True


@pytest.mark.parametrize("version", ["202309", "202507"])
def test_order_detail_by_ids_at_both_versions(tts, version):
    orders, _ = all_orders(tts)
    ids = [o["id"] for o in orders[:3]]
    detail = ok(tts.get(f"/order/{version}/orders", params={"ids": ids}))["orders"]
    assert [o["id"] for o in detail] == ids
    assert detail[0] == orders[0]


def test_order_detail_takes_at_most_fifty_ids(tts):
    ids = [str(576000000000000000 + n) for n in range(51)]
    assert error_code(tts.get("/order/202309/orders", params={"ids": ids})) == 36009004


def test_unknown_order_id_is_25007006(tts):
    response = tts.get("/order/202309/orders", params={"ids": ["576000000000000001"]})
    assert error_code(response) == 25007006
    assert "576000000000000001" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "params"),
    [
        (b"{not json", {"page_size": 5}),
        (b'{"create_time_ge": "yesterday"}', {"page_size": 5}),
        (b'{"order_status": "SHIPPED"}', {"page_size": 5}),
        (b'{"order_statuss": "ON_HOLD"}', {"page_size": 5}),
        (b'["a list"]', {"page_size": 5}),
        (b"{}", {"page_size": 0}),
        (b"{}", {"page_size": 101}),
        (b"{}", {"page_size": "ten"}),
        (b"{}", {}),
        (b"{}", {"page_size": 5, "sort_field": "price"}),
        (b"{}", {"page_size": 5, "page_token": "not-a-token"}),
    ],
    ids=[
        "malformed-json",
        "wrong-type",
        "unknown-enum",
        "unknown-field",
        "array-body",
        "page-size-zero",
        "page-size-over-100",
        "page-size-not-int",
        "page-size-missing",
        "bad-sort-field",
        "forged-page-token",
    ],
)
def test_bad_search_input_gets_the_error_envelope(tts, body, params):
    response = tts.call("POST", SEARCH, params=params, body=body)
    assert response.status_code == 200
    assert error_code(response) == 36009004


def test_page_token_must_keep_the_sort_of_the_first_page(tts):
    token = ok(tts.post(SEARCH, {}, params={"page_size": 5}))["next_page_token"]
    response = tts.post(SEARCH, {}, params={"page_size": 5, "page_token": token, "sort_order": "ASC"})
    assert error_code(response) == 36009004


def test_unknown_version_path_and_method_get_platform_codes(tts):
    assert error_code(tts.get("/order/202401/orders", params={"ids": ["1"]})) == 36009014
    assert error_code(tts.get("/order/202309/nothing")) == 36009009
    assert error_code(tts.get("/no/such/path")) == 36009009
    assert error_code(tts.get(SEARCH, params={"page_size": 5})) == 36009010


def test_errors_can_mirror_http_status(http):
    from sandbox.app import Sandbox
    from sandbox.client import SignedClient
    from tests.helpers import START

    strict = Sandbox(freeze_at=START, mirror_http_status=True)
    with strict.app.test_client() as client:
        tts = SignedClient.for_tenant(client, client.get("/sandbox/tenants/default").json())
        assert tts.post(SEARCH, params={"page_size": 5}, shop=False).status_code == 400
        missing = tts.get("/order/202309/orders", params={"ids": ["576000000000000001"]})
        assert missing.status_code == 404 and missing.json()["code"] == 25007006


def test_search_without_a_body_returns_every_order(tts):
    response = tts.call("POST", SEARCH, params={"page_size": 100})
    assert ok(response)["total_count"] == 40


@pytest.mark.parametrize("sort_order", ["ASC", "DESC"])
def test_the_creation_index_pages_like_a_full_sort_and_sees_new_orders(tts, http, sort_order):
    """The search walks an index of orders by creation; it must page exactly as sorting everything
    would, filters and all, and include orders added after it was built."""
    first, _ = all_orders(tts, sort_order=sort_order)
    added = http.post(
        "/sandbox/scenarios",
        content="scenario: more\norders:\n  late: {status: AWAITING_SHIPMENT, age: 1m}\n",
        headers={"content-type": "application/yaml"},
    )
    assert added.status_code == 201, added.text
    everything, totals = all_orders(tts, sort_order=sort_order)
    assert totals == {len(first) + 1}
    expected = sorted(everything, key=lambda o: (o["create_time"], o["id"]), reverse=sort_order == "DESC")
    assert [o["id"] for o in everything] == [o["id"] for o in expected]
    waiting, totals = all_orders(
        tts, {"order_status": "AWAITING_SHIPMENT"}, sort_order=sort_order, page_size=3
    )
    assert [o["id"] for o in waiting] == [o["id"] for o in expected if o["status"] == "AWAITING_SHIPMENT"]
    assert totals == {len(waiting)}


def test_time_bounds_past_the_year_9999_are_answered_not_crashed(tts):
    far = 10**14  # seconds: millions of years ahead
    assert ok(tts.post(SEARCH, {"create_time_ge": far}, params={"page_size": 5}))["total_count"] == 0
    assert ok(tts.post(SEARCH, {"create_time_lt": far}, params={"page_size": 5}))["total_count"] == 40
    cancels = ok(
        tts.post(
            "/return_refund/202309/cancellations/search", {"create_time_lt": far}, params={"page_size": 5}
        )
    )
    assert cancels["total_count"] >= 0
