"""Returns and refunds of some line items: refund estimates, returns the seller creates for the
buyer, a package of a split order cancelled on its own, and the after-sales requests with their
decisions, reviews and return labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.helpers import advance, data, error_code, load, order, refresh

CALCULATE = "/return_refund/202602/refunds/calculate"
CREATE = "/return_refund/202602/returns"
RETURNS = "/return_refund/202602/returns/search"
CANCELS = "/return_refund/202602/cancellations/search"
CANCELS_202309 = "/return_refund/202309/cancellations/search"
WRONG_SIZE = "return_reason_wrong_size"
DAMAGED = "return_reason_arrived_damaged"

DELIVERED = """
scenario: three-items
description: A lamp and two mugs, to be shipped and delivered.
setup: {start: 2026-03-02T09:00:00Z, seed: 8, background_orders: 0}
orders:
  basket:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    line_items:
      - {product_name: Desk Lamp, sku_name: Black, seller_sku: LAMP-BLK, price: "12.00"}
      - {product_name: Ceramic Mug, sku_name: White, seller_sku: MUG-WHT, price: "6.00", quantity: 2}
"""


def _delivered(http: Any, tts: Any) -> tuple[str, dict[str, Any]]:
    answer = load(http, DELIVERED)
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["orders"]["basket"]["order_id"]
    [package] = order(tts, order_id)["packages"]
    shipped = tts.post(f"/fulfillment/202309/packages/{package['id']}/ship", {"handover_method": "DROP_OFF"})
    assert data(shipped) == {}
    for _ in range(10):
        advance(http, "1d")
        refresh(tts, http)
        if order(tts, order_id)["status"] == "DELIVERED":
            break
    detail = order(tts, order_id)
    assert detail["status"] == "DELIVERED"
    return order_id, detail


def _lines(detail: dict[str, Any], product: str) -> list[str]:
    return [item["id"] for item in detail["line_items"] if item["product_name"] == product]


def _money(value: str) -> Decimal:
    return Decimal(value)


def _returns(tts: Any, **filters: Any) -> list[dict[str, Any]]:
    return list(data(tts.post(RETURNS, filters, params={"page_size": 50}))["return_orders"])


def test_a_refund_of_some_line_items_is_their_share_and_the_rest_brings_the_shipping_fee(http, tts):
    order_id, detail = _delivered(http, tts)
    payment = detail["payment"]
    assert _money(payment["shipping_fee"]) > 0  # a basket under 35: shipping is charged
    lamp = _lines(detail, "Desk Lamp")[0]
    mug = _lines(detail, "Ceramic Mug")[0]
    mug_sku = next(i["sku_id"] for i in detail["line_items"] if i["id"] == mug)
    assert sum(i["sku_id"] == mug_sku for i in detail["line_items"]) == 2  # the lamp's SKU is another

    whole = data(
        tts.post(CALCULATE, {"order_id": order_id, "request_type": "REFUND", "reason_name": DAMAGED})
    )
    assert whole["order_refund_amount"]["refund_total"] == payment["total_amount"]
    assert whole["order_refund_amount"]["refund_shipping_fee"] == payment["shipping_fee"]

    body = {"order_id": order_id, "request_type": "RETURN_AND_REFUND", "reason_name": WRONG_SIZE}
    some = data(tts.post(CALCULATE, {**body, "order_line_item_ids": [lamp]}))["order_refund_amount"]
    assert some["refund_shipping_fee"] == "0.00"
    share = _money(payment["total_amount"]) - _money(payment["shipping_fee"])
    assert _money(some["refund_total"]) == (share * 12 / 24).quantize(Decimal("0.01"))
    assert _money(some["refund_subtotal"]) + _money(some["refund_tax"]) == _money(some["refund_total"])
    by_sku = data(tts.post(CALCULATE, {**body, "skus": [{"sku_id": mug_sku, "quantity": 1}]}))
    by_line = data(tts.post(CALCULATE, {**body, "order_line_list": [{"order_line_item_id": mug}]}))
    assert by_sku == by_line

    # The seller creates the return of the lamp: approved at once, awaiting the buyer's parcel.
    created = data(
        tts.post(
            CREATE,
            {
                "order_id": order_id,
                "return_reason": WRONG_SIZE,
                "return_type": "RETURN_AND_REFUND",
                "order_line_item_ids": [lamp],
            },
        )
    )
    assert created["return_status"] == "AWAITING_BUYER_SHIP"
    (shown,) = _returns(tts, return_ids=[created["return_id"]])
    assert shown["role"] == "SELLER"
    assert [line["order_line_item_id"] for line in shown["return_line_items"]] == [lamp]
    assert shown["refund_amount"]["refund_total"] == some["refund_total"]

    # The lamp is in a request now; the mugs are refunded at once, with the shipping fee.
    assert error_code(tts.post(CALCULATE, {**body, "order_line_item_ids": [lamp]})) == 25007203
    refund = data(
        tts.post(
            CREATE,
            {
                "order_id": order_id,
                "return_reason": DAMAGED,
                "return_type": "REFUND",
                "skus": [{"sku_id": mug_sku, "quantity": 2}],
            },
        )
    )
    assert refund["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    (mugs,) = _returns(tts, return_ids=[refund["return_id"]])
    assert mugs["refund_amount"]["refund_shipping_fee"] == "0.00"  # the lamp is not refunded yet
    total = _money(mugs["refund_amount"]["refund_total"]) + _money(shown["refund_amount"]["refund_total"])
    assert total == _money(payment["total_amount"]) - _money(payment["shipping_fee"])
    assert sum(_money(line["refund_amount"]["refund_total"]) for line in mugs["return_line_items"]) == _money(
        mugs["refund_amount"]["refund_total"]
    )
    # Refunded line items cannot be asked for again.
    assert error_code(tts.post(CALCULATE, {**body, "skus": [{"sku_id": mug_sku}]})) == 25007207


def test_a_seller_refund_cannot_exceed_what_the_line_items_paid_and_nothing_changes(http, tts):
    order_id, detail = _delivered(http, tts)
    lamp = _lines(detail, "Desk Lamp")[0]
    base = {
        "order_id": order_id,
        "return_reason": DAMAGED,
        "return_type": "REFUND",
        "order_line_item_ids": [lamp],
    }
    currency = detail["payment"]["currency"]
    assert error_code(tts.post(CREATE, {**base, "refund_total": "999.00", "currency": currency})) == 25007205
    assert error_code(tts.post(CREATE, {**base, "refund_total": "1.00", "currency": "EUR"})) == 25007205
    assert error_code(tts.post(CREATE, {**base, "return_reason": "because"})) == 25007206
    assert error_code(tts.post(CREATE, {**base, "order_line_item_ids": ["576000000000000001"]})) == 21011114
    assert error_code(tts.post(CREATE, {**base, "order_id": "576000000000000002"})) == 25007006
    assert (
        error_code(
            tts.post(
                CALCULATE,
                {
                    "order_id": order_id,
                    "request_type": "CANCEL",
                    "reason_name": "seller_cancel_reason_out_of_stock",
                },
            )
        )
        == 25007103
    )
    assert _returns(tts, order_ids=[order_id]) == []
    lower = data(tts.post(CREATE, {**base, "refund_total": "5.00", "currency": currency}))
    (shown,) = _returns(tts, return_ids=[lower["return_id"]])
    assert shown["refund_amount"]["refund_total"] == "5.00"
    assert sum(_money(line["refund_amount"]["refund_total"]) for line in shown["return_line_items"]) == 5


TWO_PARCELS = """
scenario: two-parcels
description: A lamp and a towel, split in two packages; the towel's buyer is never at home.
setup: {start: 2026-03-02T09:00:00Z, seed: 8, background_orders: 0}
orders:
  basket:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    line_items:
      - {product_name: Desk Lamp, sku_name: Black, seller_sku: LAMP-BLK, price: "12.00"}
      - {product_name: Bath Towel, sku_name: Blue, seller_sku: TOWEL-BLU, price: "8.00"}
steps:
  - name: the towel's buyer is never at home
    when: {event: order.split, order: basket}
    do:
      - fail_delivery_attempts: {order: basket, package: 2, count: 3}
until: 21d
"""


def test_a_package_back_with_the_seller_is_a_cancellation_of_its_lines_that_agrees_with_the_refund(http, tts):
    answer = load(http, TWO_PARCELS)
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["orders"]["basket"]["order_id"]
    detail = order(tts, order_id)
    lamp, towel = _lines(detail, "Desk Lamp")[0], _lines(detail, "Bath Towel")[0]
    groups = [{"id": "lamp", "order_line_item_ids": [lamp]}, {"id": "towel", "order_line_item_ids": [towel]}]
    made = data(tts.post(f"/fulfillment/202309/orders/{order_id}/split", {"splittable_groups": groups}))
    for package in made["packages"]:
        tts.post(f"/fulfillment/202309/packages/{package['id']}/ship", {"handover_method": "DROP_OFF"})
    advance(http, "10d")
    refresh(tts, http)
    detail = order(tts, order_id)
    payment = detail["payment"]

    (cancelled,) = data(tts.post(CANCELS, {"order_ids": [order_id]}, params={"page_size": 10}))[
        "cancellations"
    ]
    assert [line["order_line_item_id"] for line in cancelled["cancel_line_items"]] == [towel]
    assert cancelled["cancel_reason"] == "returned_to_shipper_other"
    refunded = cancelled["refund_amount"]
    assert refunded["refund_shipping_fee"] == "0.00"
    (old,) = data(tts.post(CANCELS_202309, {"order_ids": [order_id]}, params={"page_size": 10}))[
        "cancellations"
    ]
    assert old["order_line_item_ids"] == [towel]
    assert old["refund_amount"]["refund_total"] == refunded["refund_total"]
    # The price detail agrees: the towel's refund is its line's price and tax; its share of the
    # shipping fee stays with the rest of the order.
    prices = data(tts.get(f"/order/202407/orders/{order_id}/price_detail"))
    (towel_price,) = [line for line in prices["line_items"] if line["id"] == towel]
    assert refunded["refund_subtotal"] == towel_price["sku_sale_price"]
    assert refunded["refund_tax"] == towel_price["subtotal_tax_amount"]
    assert refunded["refund_total"] == towel_price["subtotal"]  # the line's price with its tax
    refunds = [e for e in http.get("/sandbox/events").json()["events"] if e["kind"] == "order.refunded"]
    assert [e["data"]["amount"] for e in refunds if e["subject"] == order_id] == [refunded["refund_total"]]

    # The lamp was delivered: its return is the rest of the order, with the shipping fee.
    rest = data(tts.post(CALCULATE, {"order_id": order_id, "request_type": "REFUND", "reason_name": DAMAGED}))
    rest_amount = rest["order_refund_amount"]
    assert rest_amount["refund_shipping_fee"] == payment["shipping_fee"]
    assert _money(rest_amount["refund_total"]) + _money(refunded["refund_total"]) == _money(
        payment["total_amount"]
    )
    towel_again = {
        "order_id": order_id,
        "request_type": "REFUND",
        "reason_name": DAMAGED,
        "order_line_item_ids": [towel],
    }
    assert error_code(tts.post(CALCULATE, towel_again)) == 25007207
    created = data(
        tts.post(CREATE, {"order_id": order_id, "return_reason": DAMAGED, "return_type": "REFUND"})
    )
    (shown,) = _returns(tts, return_ids=[created["return_id"]])
    assert [line["order_line_item_id"] for line in shown["return_line_items"]] == [lamp]
    assert shown["refund_amount"]["refund_total"] == rest_amount["refund_total"]


DECISIONS = "/return_refund/202601/decision_eligibility"


def _decisions(tts: Any, record_id: str, *decisions: str) -> dict[str, dict[str, Any]]:
    params = {"return_or_cancel_id": record_id, "check_decisions": ",".join(decisions)}
    answer = data(tts.get(DECISIONS, params=params))
    return {d["decision"]: d for d in answer["decisions"]}


def test_the_decisions_a_return_allows_follow_its_status(http, tts):
    order_id, detail = _delivered(http, tts)
    lamp = _lines(detail, "Desk Lamp")[0]
    created = data(
        tts.post(
            CREATE,
            {
                "order_id": order_id,
                "return_reason": WRONG_SIZE,
                "return_type": "RETURN_AND_REFUND",
                "order_line_item_ids": [lamp],
            },
        )
    )
    return_id = created["return_id"]
    waiting = _decisions(tts, return_id, "APPROVE_RETURN", "DIRECT_REFUND", "REJECT_RECEIVED_PACKAGE")
    assert waiting["DIRECT_REFUND"] == {"decision": "DIRECT_REFUND", "eligible": True}
    assert waiting["APPROVE_RETURN"]["eligible"] is False
    assert waiting["APPROVE_RETURN"]["ineligible_code"] == 25007202
    assert len(data(tts.get(DECISIONS, params={"return_or_cancel_id": return_id}))["decisions"]) == 13

    assert http.post(f"/sandbox/orders/{order_id}/buyer-return/ship").status_code == 200
    shipped = _decisions(
        tts, return_id, "APPROVE_RECEIVED_PACKAGE", "REJECT_RECEIVED_PACKAGE", "DIRECT_REFUND"
    )
    assert shipped["APPROVE_RECEIVED_PACKAGE"]["eligible"] is True
    assert shipped["DIRECT_REFUND"]["eligible"] is False
    reasons = shipped["REJECT_RECEIVED_PACKAGE"]["available_reject_reasons"]
    assert "seller_reject_receive_wrong_item" in [r["name"] for r in reasons]

    assert error_code(tts.get(DECISIONS, params={"return_or_cancel_id": "4000"})) == 25007201
    bad = {"return_or_cancel_id": return_id, "check_decisions": "APPROVE_EVERYTHING"}
    assert error_code(tts.get(DECISIONS, params=bad)) == 36009004


REVIEW_DECISIONS = "/return_refund/202606/review_decision"


def test_review_decisions_per_line_item_offer_partial_refunds_up_to_each_line(http, tts):
    order_id, detail = _delivered(http, tts)
    mugs = _lines(detail, "Ceramic Mug")
    body = {
        "order_id": order_id,
        "return_reason": WRONG_SIZE,
        "return_type": "RETURN_AND_REFUND",
        "order_line_item_ids": mugs,
    }
    return_id = data(tts.post(CREATE, body))["return_id"]
    (shown,) = _returns(tts, return_ids=[return_id])
    by_line = {line["return_line_item_id"]: line for line in shown["return_line_items"]}
    params = {
        "seller_id": 1,
        "return_or_cancel_id": return_id,
        "check_decisions": "OFFER_PARTIAL_REFUND,DIRECT_REFUND",
    }
    answer = data(tts.get(REVIEW_DECISIONS, params=params))
    assert {line["return_line_item_id"] for line in answer["line_items"]} == set(by_line)
    for line in answer["line_items"]:
        decisions = {d["decision"]: d for d in line["decisions"]}
        assert decisions["DIRECT_REFUND"]["eligible"] is True
        assert decisions["OFFER_PARTIAL_REFUND"]["eligible"] is False  # approved already: not pending
    assert http.post(f"/sandbox/orders/{order_id}/buyer-return/ship").status_code == 200
    params["check_decisions"] = "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"
    for line in data(tts.get(REVIEW_DECISIONS, params=params))["line_items"]:
        (offer,) = line["decisions"]
        assert offer["partial_refund_amount_range"] == {
            "min_amount": "0.01",
            "max_amount": by_line[line["return_line_item_id"]]["refund_amount"]["refund_total"],
            "currency": detail["payment"]["currency"],
        }
    assert (
        error_code(tts.get(REVIEW_DECISIONS, params={"seller_id": 1, "return_or_cancel_id": "4001"}))
        == 25007201
    )
    assert error_code(tts.get(REVIEW_DECISIONS, params={"return_or_cancel_id": return_id})) == 36009004
