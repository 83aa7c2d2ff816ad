"""The orders' references in the seller's own systems (order 202406 external_orders): attached,
read back, searched by the OMS's order ID, kept through persistence, and refused order by order."""

from __future__ import annotations

import pickle

from tests.helpers import data, error_code, first_order

ADD = "/order/202406/orders/external_orders"
GET = "/order/202406/orders/{}/external_orders"
SEARCH = "/order/202406/orders/external_order_search"


def _reference(order: dict, external_id: str, platform: str = "SHOPIFY") -> dict:
    lines = [
        {"id": f"{external_id}-{n}", "origin_id": item["id"]} for n, item in enumerate(order["line_items"])
    ]
    return {
        "id": order["id"],
        "external_order": {"id": external_id, "platform": platform, "line_items": lines},
    }


def test_a_reference_is_attached_read_back_and_searched(tts, sandbox):
    order = first_order(tts, order_status="AWAITING_SHIPMENT")
    assert data(tts.post(ADD, {"orders": [_reference(order, "SO-1001")]})) == {}
    expected = _reference(order, "SO-1001")["external_order"]
    assert data(tts.get(GET.format(order["id"]), params={"platform": "SHOPIFY"})) == {
        "external_orders": [expected]
    }
    assert data(tts.get(GET.format(order["id"]), params={"platform": "AMAZON"})) == {"external_orders": []}
    found = data(tts.post(SEARCH, {}, params={"platform": "SHOPIFY", "external_order_id": "SO-1001"}))
    assert found == {"orders": [{"id": order["id"], "external_order": expected}]}
    assert data(tts.post(SEARCH, {}, params={"platform": "AMAZON", "external_order_id": "SO-1001"})) == {}

    # The same platform again edits the reference; another platform's is kept beside it.
    tts.post(ADD, {"orders": [_reference(order, "SO-1002"), _reference(order, "ERP-7", "ERP_SYSTEM")]})
    shown = data(tts.get(GET.format(order["id"]), params={"platform": "SHOPIFY"}))["external_orders"]
    assert [ref["id"] for ref in shown] == ["SO-1002"]
    assert data(tts.post(SEARCH, {}, params={"platform": "SHOPIFY", "external_order_id": "SO-1001"})) == {}

    # The references are the world's: they go with it when it is pickled (persistence, snapshots).
    again = pickle.loads(pickle.dumps(sandbox.tenants.default.world))
    assert [r.id for r in again.external_orders.of_order(order["id"])] == ["SO-1002", "ERP-7"]


def test_refused_orders_are_listed_and_the_others_kept(tts):
    order = first_order(tts, order_status="AWAITING_SHIPMENT")
    other = first_order(tts, order_status="DELIVERED")
    stranger = _reference(order, "SO-2")
    stranger["external_order"]["line_items"][0]["origin_id"] = other["line_items"][0]["id"]
    unknown = _reference(order, "SO-3")
    unknown["id"] = "576460000000000001"
    answer = data(tts.post(ADD, {"orders": [_reference(other, "SO-1"), stranger, unknown]}))
    assert [(e["code"], e["detail"]["order_id"]) for e in answer["errors"]] == [
        ("25007007", order["id"]),
        ("25007006", "576460000000000001"),
    ]
    assert answer["errors"][0]["detail"]["external_order"] == {"id": "SO-2", "platform": "SHOPIFY"}
    assert data(tts.get(GET.format(order["id"]), params={"platform": "SHOPIFY"})) == {"external_orders": []}
    assert [
        r["id"]
        for r in data(tts.get(GET.format(other["id"]), params={"platform": "SHOPIFY"}))["external_orders"]
    ] == ["SO-1"]


def test_bad_input_is_refused(tts):
    order = first_order(tts)
    assert error_code(tts.get(GET.format("576460000000000001"), params={"platform": "SHOPIFY"})) == 25007006
    assert error_code(tts.get(GET.format(order["id"]), params={"platform": "EBAY"})) == 36009004
    assert error_code(tts.post(ADD, {"orders": []})) == 36009004
    bad = _reference(order, "SO-9")
    bad["external_order"]["platform"] = "EBAY"
    assert error_code(tts.post(ADD, {"orders": [bad]})) == 36009004
    assert error_code(tts.post(SEARCH, {}, params={"platform": "SHOPIFY"})) == 36009004
