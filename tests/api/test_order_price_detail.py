"""An order's price breakdown (order 202407 price_detail): the order's own payment and line
items, each line item's share adding up to the order to the cent."""

from __future__ import annotations

from decimal import Decimal

from tests.helpers import data, error_code, first_order, order

PRICE_DETAIL = "/order/202407/orders/{}/price_detail"


def _sum(lines: list[dict], name: str) -> Decimal:
    return sum((Decimal(line[name]) for line in lines), Decimal(0))


def test_the_price_breakdown_agrees_with_the_orders_payment_and_line_items(tts):
    found = first_order(tts, order_status="AWAITING_SHIPMENT")
    shown = order(tts, found["id"])
    payment = shown["payment"]
    detail = data(tts.get(PRICE_DETAIL.format(found["id"])))

    assert detail["currency"] == payment["currency"]
    assert detail["payment"] == payment["total_amount"]
    assert detail["sku_list_price"] == payment["original_total_product_price"]
    assert detail["sku_sale_price"] == payment["sub_total"]
    assert detail["shipping_sale_price"] == payment["shipping_fee"]
    assert detail["tax_amount"] == payment["tax"]
    assert Decimal(detail["total"]) == Decimal(detail["sku_list_price"]) + Decimal(
        detail["shipping_list_price"]
    )
    assert Decimal(detail["net_price_amount"]) == Decimal(detail["payment"]) - Decimal(detail["tax_amount"])

    lines = detail["line_items"]
    assert [line["id"] for line in lines] == [item["id"] for item in shown["line_items"]]
    for line, item in zip(lines, shown["line_items"], strict=True):
        assert line["sku_list_price"] == item["original_price"]
        assert line["sku_sale_price"] == item["sale_price"]
        if "item_tax" in item:
            assert line["tax_amount"] == item["item_tax"][0]["tax_amount"]
    for name in (
        "payment",
        "total",
        "sku_sale_price",
        "shipping_sale_price",
        "tax_amount",
        "net_price_amount",
    ):
        assert _sum(lines, name) == Decimal(detail[name]), name


def test_a_buyers_cancellation_request_leaves_what_was_charged(tts, http):
    found = first_order(tts, order_status="AWAITING_SHIPMENT")
    before = data(tts.get(PRICE_DETAIL.format(found["id"])))
    assert http.post(f"/sandbox/orders/{found['id']}/buyer-cancel", json={}).status_code < 300
    assert order(tts, found["id"])["is_buyer_request_cancel"] is True
    assert data(tts.get(PRICE_DETAIL.format(found["id"]))) == before


def test_an_order_of_no_shop_is_refused(tts):
    assert error_code(tts.get(PRICE_DETAIL.format("576460000000000001"))) == 25007006
