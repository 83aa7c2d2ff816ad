"""Update The Blind Box Opening Results (US shops): what opening an order line's blind box
revealed is kept and shown by Get Order Detail (202507); a refused update keeps nothing."""

from __future__ import annotations

from typing import Any

from sandbox.client import SignedClient
from tests.helpers import data, error_code, market_shop

CALLBACK = "/order/202605/orders/blind_box_result/callback"
OPEN_TIME = 1772442000000
NOT_IN_MARKET = 21011116


def orders(tts: SignedClient) -> list[dict[str, Any]]:
    body = {"order_status": "AWAITING_SHIPMENT"}
    return data(tts.post("/order/202309/orders/search", body, params={"page_size": 50}))["orders"]


def detail(tts: SignedClient, order_id: str) -> dict[str, Any]:
    return data(tts.get("/order/202507/orders", params={"ids": [order_id]}))["orders"][0]


def lines(tts: SignedClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An order, and two lines of other orders whose SKUs are the shop's (what boxes reveal)."""
    found = orders(tts)
    order = found[0]
    others = [
        line
        for o in found[1:]
        for line in o["line_items"]
        if line["sku_id"] != order["line_items"][0]["sku_id"]
    ]
    return order, others[0], next(line for line in others if line["sku_id"] != others[0]["sku_id"])


def test_opened_boxes_show_in_the_order_detail_and_the_batch_shape_wins(tts):
    order, normal, gift = lines(tts)
    line_id = order["line_items"][0]["id"]
    before = next(i for i in detail(tts, order["id"])["line_items"] if i["id"] == line_id)
    assert before["is_unboxing_item"] is False
    assert "unboxing_case_list" not in before

    body = {
        "main_order_id": order["id"],
        "blind_box_results": [
            {
                "order_line_id": line_id,
                "blind_result_product_id": gift["product_id"],
                "blind_result_sku_id": gift["sku_id"],
                "blind_open_time": OPEN_TIME,
            }
        ],
        "blind_batch_box_results": [
            {
                "order_line_id": line_id,
                "blind_box_order_line_list": [
                    {
                        "blind_result_product_id": gift["product_id"],
                        "blind_result_sku_id": gift["sku_id"],
                        "blind_open_time": OPEN_TIME,
                        "product_type": "GIFT",
                    },
                    {
                        "blind_result_product_id": normal["product_id"],
                        "blind_result_sku_id": normal["sku_id"],
                        "blind_open_time": OPEN_TIME,
                        "product_type": "NORMAL",
                    },
                ],
            }
        ],
    }
    assert data(tts.post(CALLBACK, body)) == {}
    after = next(i for i in detail(tts, order["id"])["line_items"] if i["id"] == line_id)
    assert after["is_unboxing_item"] is True
    assert after["unboxing_sku_code"] == normal["seller_sku"]
    assert after["unboxing_case_list"] == [
        {"unbox_sku": gift["seller_sku"], "unbox_sku_type": "GIFT"},
        {"unbox_sku": normal["seller_sku"], "unbox_sku_type": "NORMAL"},
    ]

    # The legacy shape alone: one NORMAL product, replacing the line's earlier result.
    legacy = {"main_order_id": order["id"], "blind_box_results": body["blind_box_results"]}
    assert data(tts.post(CALLBACK, legacy)) == {}
    again = next(i for i in detail(tts, order["id"])["line_items"] if i["id"] == line_id)
    assert again["unboxing_sku_code"] == gift["seller_sku"]
    assert again["unboxing_case_list"] == [{"unbox_sku": gift["seller_sku"], "unbox_sku_type": "NORMAL"}]


def test_a_refused_update_keeps_nothing(tts, http):
    order, normal, _ = lines(tts)
    line_id = order["line_items"][0]["id"]
    good = {
        "order_line_id": line_id,
        "blind_result_product_id": normal["product_id"],
        "blind_result_sku_id": normal["sku_id"],
        "blind_open_time": OPEN_TIME,
    }
    other_line = orders(tts)[1]["line_items"][0]["id"]
    cases = [
        ({"main_order_id": "123456789", "blind_box_results": [good]}, 25007006),
        ({"blind_box_results": [good, {**good, "order_line_id": other_line}]}, 21011114),
        ({"blind_box_results": [{**good, "blind_result_sku_id": "999"}]}, 21011122),
        ({"blind_box_results": [{**good, "blind_result_product_id": "999"}]}, 21011122),
        ({"blind_box_results": [good, good]}, 36009004),
        ({"blind_box_results": []}, 36009004),
        (
            {"blind_batch_box_results": [{"order_line_id": line_id, "blind_box_order_line_list": []}]},
            36009004,
        ),
        ({"blind_box_results": [{**good, "bogus": 1}]}, 36009004),
    ]
    for case, code in cases:
        body = {"main_order_id": order["id"], **case}
        assert error_code(tts.post(CALLBACK, body)) == code, case
    line = next(i for i in detail(tts, order["id"])["line_items"] if i["id"] == line_id)
    assert line["is_unboxing_item"] is False
    assert "unboxing_sku_code" not in line

    gb = market_shop(http, "GB")
    gb_order = orders(gb)[0]
    gb_line = gb_order["line_items"][0]
    body = {
        "main_order_id": gb_order["id"],
        "blind_box_results": [
            {
                "order_line_id": gb_line["id"],
                "blind_result_product_id": gb_line["product_id"],
                "blind_result_sku_id": gb_line["sku_id"],
                "blind_open_time": OPEN_TIME,
            }
        ],
    }
    assert error_code(gb.post(CALLBACK, body)) == NOT_IN_MARKET
