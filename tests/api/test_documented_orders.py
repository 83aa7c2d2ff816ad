"""Orders in their documented shape: search and order detail answers parse with the published
reference's models, and every figure agrees with the rest of the order (prices and taxes add up,
line items name the order's packages, bundle parts add up to their bundle, times follow the
order's own timeline, buyer details are the same on every read)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from tiktok_shop_api.generated.models import GetOrderDetailResponse, GetOrderListResponse
from tiktok_shop_api.generated.types import Unset

from sandbox.client import SignedClient
from sandbox.domain import deadlines
from tests.helpers import ok

SEARCH = "/order/202309/orders/search"
DETAIL = "/order/202507/orders"
DETAIL_202309 = "/order/202309/orders"


def shop(http: Any, region: str = "US", seed: int = 7) -> SignedClient:
    credentials = http.post(
        "/sandbox/tenants",
        json={
            "seed": seed,
            "region": region,
            "order_count": 150,
            "start": "2026-03-02T09:00:00Z",
            "frozen": True,
        },
    ).json()
    return SignedClient.for_tenant(http, credentials)


def every_order(tts: SignedClient) -> list[dict[str, Any]]:
    orders, token = [], ""
    while True:
        response = tts.post(SEARCH, {}, params={"page_size": 100, **({"page_token": token} if token else {})})
        GetOrderListResponse.from_dict(response.json())  # the documented shape parses
        data = ok(response)
        orders += data["orders"]
        token = data["next_page_token"]
        if not token:
            return orders


def detail(tts: SignedClient, ids: list[str], path: str = DETAIL) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), 50):
        response = tts.get(path, params={"ids": ",".join(ids[start : start + 50])})
        if path == DETAIL:
            parsed = GetOrderDetailResponse.from_dict(response.json())
            assert not isinstance(parsed.data, Unset)
        found += ok(response)["orders"]
    return found


@pytest.fixture
def us(http):
    return shop(http)


@pytest.fixture
def us_orders(us):
    return detail(us, [o["id"] for o in every_order(us)])


def money(value: str) -> Decimal:
    return Decimal(value)


def test_the_payment_adds_up_and_the_line_items_make_it_up(us_orders):
    for order in us_orders:
        p, items = order["payment"], order["line_items"]
        assert money(p["sub_total"]) == sum(money(i["sale_price"]) for i in items)
        assert money(p["original_total_product_price"]) == sum(money(i["original_price"]) for i in items)
        assert money(p["sub_total"]) == (
            money(p["original_total_product_price"])
            - money(p["seller_discount"])
            - money(p["platform_discount"])
        )
        assert money(p["shipping_fee"]) == (
            money(p["original_shipping_fee"])
            - money(p["shipping_fee_seller_discount"])
            - money(p["shipping_fee_platform_discount"])
        )
        assert money(p["total_amount"]) == (
            money(p["sub_total"])
            + money(p["shipping_fee"])
            + money(p["tax"])
            + money(p["retail_delivery_fee"])
        )
        assert money(p["tax"]) == money(p["product_tax"]) + money(p["shipping_fee_tax"])
        taxes = [t for i in items for t in i["item_tax"]]
        assert {t["tax_type"] for t in taxes} == {"SALES_TAX"}
        assert sum(money(t["tax_amount"]) for t in taxes) == money(p["tax"])
        assert sum(money(i["seller_discount"]) for i in items) == money(p["seller_discount"])
        assert sum(money(i["platform_discount"]) for i in items) == money(p["platform_discount"])
        assert {i["currency"] for i in items} == {p["currency"]}


def test_line_items_name_the_orders_own_packages_and_its_shipment(us_orders):
    shipped = [o for o in us_orders if o.get("packages")]
    assert shipped
    for order in shipped:
        packages = {p["id"] for p in order["packages"]}
        for item in order["line_items"]:
            assert item["package_id"] in packages
            assert item.get("tracking_number") == order.get("tracking_number")
            assert item.get("shipping_provider_id") == order.get("shipping_provider_id")
            assert item.get("rts_time") == order.get("rts_time")
    for order in us_orders:
        if not order.get("packages"):
            assert all("package_id" not in i and "rts_time" not in i for i in order["line_items"])
        if order["status"] == "CANCELLED":
            assert {i["cancel_user"] for i in order["line_items"]} == {order["cancellation_initiator"]}


def test_a_virtual_bundle_is_made_of_parts_that_add_up_to_it(us_orders):
    bundles = [i for o in us_orders for i in o["line_items"] if i.get("sub_item_info")]
    assert bundles
    line_ids = {i["id"] for o in us_orders for i in o["line_items"]}
    for item in bundles:
        parts = item["sub_item_info"]
        assert [p["sku_id"] for p in parts] == [s["sku_id"] for s in item["combined_listing_skus"]]
        assert all(s["sku_count"] == 1 for s in item["combined_listing_skus"])
        assert sum(money(p["sale_price"]) for p in parts) == money(item["sale_price"])
        assert sum(money(p["original_price"]) for p in parts) == money(item["original_price"])
        assert sum(money(t["tax_amount"]) for p in parts for t in p["item_tax"]) == money(
            item["item_tax"][0]["tax_amount"]
        )
        assert not {p["id"] for p in parts} & line_ids
        for part in parts:
            assert part["package_status"] == item["package_status"]
            assert part.get("package_id") == item.get("package_id")
            assert part["display_status"] == item["display_status"]


def test_times_follow_the_orders_own_timeline(us, us_orders):
    for order in us_orders:
        if "collection_due_time" in order:
            assert order["tts_sla_time"] == order["collection_due_time"]
            assert order["delivery_sla_time"] == order["delivery_due_time"]
        if order["order_type"] == "PRE_ORDER":
            assert order["release_date"] == order["paid_time"] + deadlines.REMORSE_WINDOW.seconds
        else:
            assert "release_date" not in order
        if order.get("fast_delivery_program"):
            assert order["delivery_time"] - order["paid_time"] <= 3 * 86400
        assert order["handling_duration"] == {"days": "3", "type": "CALENDAR_DAY"}
    waiting = next(o for o in us_orders if o["status"] == "AWAITING_SHIPMENT")
    us.http.post(
        f"/sandbox/orders/{waiting['id']}/buyer-cancel", json={}, headers={"x-sandbox-tenant": us.app_key}
    )
    (pending,) = detail(us, [waiting["id"]])
    assert pending["is_buyer_request_cancel"] is True
    window = int(deadlines.BUYER_CANCEL_RESPONSE_WINDOW / timedelta(seconds=1))
    assert pending["request_cancel_time"] == pending["cancel_order_sla_time"] - window


def test_buyer_details_are_the_buyers_on_every_order_and_every_read(http, us, us_orders):
    by_buyer: dict[str, set[tuple[str, str]]] = {}
    for order in us_orders:
        by_buyer.setdefault(order["user_id"], set()).add((order["buyer_nickname"], order["buyer_avatar"]))
    assert all(len(profiles) == 1 for profiles in by_buyer.values())
    ids = [o["id"] for o in us_orders]
    assert detail(us, ids) == us_orders
    assert detail(shop(http), ids) == us_orders  # another shop from the same seed


def test_the_address_is_hidden_until_the_remorse_window_is_over(us_orders):
    for order in us_orders:
        address = order["recipient_address"]
        if order["status"] in ("UNPAID", "ON_HOLD"):
            assert address["name"] == "" and address["district_info"] == []
            assert "delivery_preferences" not in address
        else:
            levels = {d["address_level"]: d for d in address["district_info"]}
            assert levels["L0"]["iso_code"] == "US"
            assert levels["L1"]["iso_code"] == f"US-{levels['L1']['address_name']}"
            assert "post_town" not in address


def test_a_uk_address_has_its_post_town(http):
    uk = shop(http, region="GB", seed=8)
    orders = [o for o in every_order(uk) if o["status"] not in ("UNPAID", "ON_HOLD")]
    assert orders
    for order in orders:
        address = order["recipient_address"]
        city = next(d["address_name"] for d in address["district_info"] if d["address_level"] == "L3")
        assert address["post_town"] == city
        assert "item_tax" not in order["line_items"][0]
        assert "retail_delivery_fee" not in order["payment"]


def test_the_payment_method_and_its_transaction_code(us, us_orders):
    for order in us_orders:
        if "paid_time" not in order:
            assert "payment_method_name" not in order and "payment_method_code" not in order
            continue
        assert order["payment_method_name"] and order["payment_method_code"]
        if order["payment_method_code"].startswith("CARD_"):
            assert order["payment_card_type"] in ("Credit", "Debit")
        else:
            assert "payment_card_type" not in order
    # The 202309 detail answers the 202309 order: the same, without the transaction's fields.
    older = detail(us, [o["id"] for o in us_orders], DETAIL_202309)
    for old, new in zip(older, us_orders, strict=True):
        new = {k: v for k, v in new.items() if k not in ("payment_method_code", "payment_card_type")}
        assert old == new
