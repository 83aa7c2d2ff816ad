"""The returns-and-refunds answers in their documented shapes (the reference's response models parse
them) and consistent with the orders they are about: line items that are the order's, refund
breakdowns that add up to the order's payment, deadlines from the request's own timeline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tiktok_shop_api.generated.models import (
    CancelOrderResponse,
    GetAftersaleEligibilityResponse,
    GetReturnRecordsResponse,
    SearchCancellationsResponse,
    SearchReturnsResponse,
)

from tests.helpers import advance, data, envelope, first_order

RETURNS = "/return_refund/202602/returns/search"
CANCELLATIONS = "/return_refund/202602/cancellations/search"
APPROVE = "/return_refund/202309/returns/{}/approve"
PARTS = ("refund_subtotal", "refund_shipping_fee", "refund_tax", "retail_delivery_fee", "buyer_service_fee")


def _order(tts: Any, order_id: str) -> dict[str, Any]:
    return dict(data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0])


def _delivered(tts: Any) -> dict[str, Any]:
    found = tts.post("/order/202309/orders/search", {"order_status": "DELIVERED"}, params={"page_size": 50})
    return dict(found.json()["data"]["orders"][0])


def _adds_up(amount: dict[str, str]) -> None:
    assert Decimal(amount["refund_total"]) == sum(Decimal(amount[p]) for p in PARTS)


def _consistent_with(order: dict[str, Any], amount: dict[str, str], lines: list[dict[str, Any]]) -> None:
    """The refund is the order's payment, its parts the payment's, and the lines add up to it."""
    payment = order["payment"]
    assert amount["currency"] == payment["currency"]
    assert amount["refund_total"] == payment["total_amount"]
    assert amount["refund_shipping_fee"] == payment["shipping_fee"]
    assert amount["refund_tax"] == payment["tax"]
    _adds_up(amount)
    for key in ("refund_total", *PARTS):
        assert sum(Decimal(line["refund_amount"][key]) for line in lines) == Decimal(amount[key]), key
    for line in lines:
        _adds_up(line["refund_amount"])
    by_id = {item["id"]: item for item in order["line_items"]}
    assert sorted(line["order_line_item_id"] for line in lines) == sorted(by_id)
    for line in lines:
        item = by_id[line["order_line_item_id"]]
        assert (line["sku_id"], line["sku_name"], line["seller_sku"], line["product_name"]) == (
            item["sku_id"],
            item["sku_name"],
            item["seller_sku"],
            item["product_name"],
        )
        assert line["product_image"]["url"] == item["sku_image"]


def _search_returns(tts: Any, **filters: Any) -> dict[str, Any]:
    answer = tts.post(RETURNS, filters, params={"page_size": 50}).json()
    SearchReturnsResponse.from_dict(answer)
    assert answer["code"] == 0, answer
    return dict(answer["data"])


def test_a_return_parses_and_its_refund_and_line_items_are_the_orders(tts, http):
    order = _delivered(tts)
    asked = http.post(
        f"/sandbox/orders/{order['id']}/buyer-return",
        json={"type": "RETURN_AND_REFUND", "reason": "Arrived damaged"},
    ).json()
    (pending,) = _search_returns(tts, return_ids=[asked["return_id"]])["return_orders"]
    _consistent_with(order, pending["refund_amount"], pending["return_line_items"])
    assert pending["return_reason_text"] == "Arrived damaged"
    assert pending["return_reason"] == "return_reason_arrived_damaged"
    assert pending["seller_next_action_response"] == [
        {"action": "SELLER_RESPOND_RETURN", "deadline": pending["create_time"] + 48 * 3600}
    ]
    assert "shipment_type" not in pending  # nothing travels before the seller approves
    line_ids = [line["return_line_item_id"] for line in pending["return_line_items"]]
    assert len(set(line_ids)) == len(line_ids) and all(i.isdigit() and len(i) == 18 for i in line_ids)
    # the same request answers the same IDs every time
    assert _search_returns(tts, return_ids=[asked["return_id"]])["return_orders"][0] == pending

    assert data(tts.post(APPROVE.format(asked["return_id"]), {"decision": "APPROVE_RETURN"})) == {}
    shipped = http.post(f"/sandbox/orders/{order['id']}/buyer-return/ship").json()
    (back,) = _search_returns(tts, order_ids=[order["id"]])["return_orders"]
    assert back["return_status"] == "BUYER_SHIPPED_ITEM"
    assert back["return_tracking_number"] == shipped["return_tracking_number"]
    assert back["return_provider_name"] == _order(tts, order["id"])["shipping_provider"]
    assert back["shipment_type"] == "PLATFORM" and back["return_method"] == "PLATFORM_SHIPPED"
    assert back["seller_next_action_response"] == [{"action": "SELLER_RESPOND_RECEIVE_PACKAGE"}]
    (fee,) = back["shipping_fee_amount"]
    assert fee["seller_paid_return_shipping_fee"] != "0.00"  # the item arrived damaged: the seller pays
    assert fee["buyer_paid_return_shipping_fee"] == "0.00"

    records = tts.get(f"/return_refund/202309/returns/{asked['return_id']}/records").json()
    GetReturnRecordsResponse.from_dict(records)
    first = records["data"]["records"][0]
    assert first["event"] == "BUYER_REQUESTED" and first["reason_text"] == "Arrived damaged"
    assert first["images"] and first["videos"]  # the buyer's evidence of the damage


def test_a_direct_refund_lets_the_buyer_keep_the_item_and_a_wrong_decision_is_refused(tts, http):
    order = _delivered(tts)
    body = {"type": "RETURN_AND_REFUND", "reason": "Wrong size"}
    return_id = http.post(f"/sandbox/orders/{order['id']}/buyer-return", json=body).json()["return_id"]
    wrong = envelope(tts.post(APPROVE.format(return_id), {"decision": "APPROVE_REFUND"}))
    assert wrong["code"] == 25007202 and "refund-only" in wrong["message"]
    too_much = str(Decimal(order["payment"]["total_amount"]) + Decimal("0.01"))
    partial = {"decision": "OFFER_PARTIAL_REFUND", "partial_refund": {"currency": "USD", "amount": too_much}}
    assert envelope(tts.post(APPROVE.format(return_id), partial))["code"] == 25007205
    unknown = envelope(tts.post(APPROVE.format(return_id), {"decision": "APPROVE_RETURN", "extra": 1}))
    assert unknown["code"] == 36009004 and "extra" in unknown["message"]
    (still,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert still["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"  # nothing half-applied

    assert data(tts.post(APPROVE.format(return_id), {"decision": "DIRECT_REFUND"})) == {}
    (done,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE" and done["can_buyer_keep_item"]
    assert "return_tracking_number" not in done and "shipment_type" not in done
    refunds = http.get("/sandbox/events", params={"kind": "order.refunded", "subject": order["id"]}).json()
    assert [e["data"]["amount"] for e in refunds["events"]] == [done["refund_amount"]["refund_total"]]


def test_cancellations_parse_and_refund_what_the_order_was_paid(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT")["id"]
    http.post(f"/sandbox/orders/{order_id}/buyer-cancel", json={"reason": "Ordered by mistake"})
    answer = tts.post(CANCELLATIONS, {"order_ids": [order_id]}, params={"page_size": 10}).json()
    SearchCancellationsResponse.from_dict(answer)
    (request,) = answer["data"]["cancellations"]
    assert request["cancel_type"] == "BUYER_CANCEL" and request["role"] == "BUYER"
    assert request["seller_next_action_response"] == [
        {"action": "SELLER_RESPOND_BUYER_CANCEL", "deadline": request["create_time"] + 48 * 3600}
    ]
    assert "order_line_item_ids" not in request and "seller_response_deadline" not in request
    order = _order(tts, order_id)
    _consistent_with(order, request["refund_amount"], request["cancel_line_items"])
    assert request["should_replenish_stock"] is True  # nothing shipped
    by_type = tts.post(CANCELLATIONS, {"cancel_types": ["CANCEL"]}, params={"page_size": 50}).json()
    assert all(
        c["cancel_type"] == "CANCEL" and c["role"] != "BUYER" for c in by_type["data"]["cancellations"]
    )
    by_buyer = tts.post(
        CANCELLATIONS, {"buyer_user_ids": [order["user_id"]]}, params={"page_size": 50}
    ).json()
    assert order_id in {c["order_id"] for c in by_buyer["data"]["cancellations"]}


def test_the_seller_cancels_naming_every_line_item_or_is_refused(tts, http):
    order = first_order(tts, order_status="AWAITING_SHIPMENT")
    lines = [item["id"] for item in _order(tts, order["id"])["line_items"]]
    route = "/return_refund/202602/cancellations"
    stranger = {
        "order_id": order["id"],
        "cancel_reason": "x",
        "order_line_list": [{"order_line_item_id": "1"}],
    }
    assert envelope(tts.post(route, stranger))["code"] == 25007103
    assert _order(tts, order["id"])["status"] == "AWAITING_SHIPMENT"
    body = {
        "order_id": order["id"],
        "cancel_reason": "seller_cancel_reason_out_of_stock",
        "order_line_list": [{"order_line_item_id": i} for i in lines],
    }
    answer = tts.post(route, body).json()
    CancelOrderResponse.from_dict(answer)
    assert answer["data"]["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    (record,) = data(tts.post(CANCELLATIONS, {"order_ids": [order["id"]]}, params={"page_size": 5}))[
        "cancellations"
    ]
    assert record["cancel_id"] == answer["data"]["cancel_id"] and record["cancel_type"] == "CANCEL"
    assert record["role"] == "SELLER"


def test_aftersale_eligibility_per_sku_and_request_type(tts, http):
    waiting = first_order(tts, order_status="AWAITING_SHIPMENT")["id"]
    route = f"/return_refund/202602/orders/{waiting}/aftersale_eligibility"
    answer = tts.get(route).json()
    GetAftersaleEligibilityResponse.from_dict(answer)
    order = _order(tts, waiting)
    skus = answer["data"]["sku_eligibility"]
    assert sorted(s["sku_id"] for s in skus) == sorted({i["sku_id"] for i in order["line_items"]})
    for sku in skus:
        by_type = {e["request_type"]: e for e in sku["line_item_eligibility"]}
        assert set(by_type) == {"CANCEL", "REFUND", "RETURN_AND_REFUND"}
        assert by_type["CANCEL"]["eligible"] and by_type["CANCEL"]["available_reason_names"]
        for kind in ("REFUND", "RETURN_AND_REFUND"):
            assert not by_type[kind]["eligible"] and by_type[kind]["ineligible_code"] == 25007203
        ids = [i["id"] for i in order["line_items"] if i["sku_id"] == sku["sku_id"]]
        assert by_type["CANCEL"]["order_line_items_ids"] == ids
        # each line once, or once per part of a virtual bundle (with the part's sub line item ID)
        parts = {
            i["id"]: [p["id"] for p in i.get("sub_item_info", [])] or [None] for i in order["line_items"]
        }
        assert [
            (x["order_line_item_id"], x.get("sub_order_line_item_id"))
            for x in by_type["CANCEL"]["order_line_list"]
        ] == [(i, sub) for i in ids for sub in parts[i]]
    seller = data(tts.get(route, params={"initiate_aftersale_user": "SELLER", "request_types": "CANCEL"}))
    reasons = seller["sku_eligibility"][0]["line_item_eligibility"][0]["available_reason_names"]
    assert "seller_cancel_reason_out_of_stock" in reasons
    delivered = _delivered(tts)["id"]
    returnable = data(tts.get(f"/return_refund/202602/orders/{delivered}/aftersale_eligibility"))
    entries = {e["request_type"]: e for e in returnable["sku_eligibility"][0]["line_item_eligibility"]}
    assert entries["RETURN_AND_REFUND"]["eligible"] and not entries["CANCEL"]["eligible"]
    assert entries["CANCEL"]["ineligible_code"] == 25007103


# ----- virtual bundles ----------------------------------------------------------------------------
BUNDLE_NAMES = ("Pour-Over Coffee Set", "Hair Clip Set")


def _us_shop(http: Any) -> tuple[Any, dict[str, str]]:
    """A US shop with a few hundred seeded orders (some with virtual bundles), and the header its
    control calls take."""
    from sandbox.client import SignedClient

    credentials = http.post(
        "/sandbox/tenants",
        json={"seed": 7, "region": "US", "order_count": 150, "start": "2026-03-02T09:00:00Z", "frozen": True},
    ).json()
    return SignedClient.for_tenant(http, credentials), {"x-sandbox-tenant": credentials["app_key"]}


def _with_bundle(tts: Any, status: str) -> dict[str, Any]:
    """The detail (202507) of the first order in ``status`` holding a virtual bundle."""
    found = data(tts.post("/order/202309/orders/search", {"order_status": status}, params={"page_size": 100}))
    for order in found["orders"]:
        if any(i["product_name"].endswith(BUNDLE_NAMES) for i in order["line_items"]):
            (detail,) = data(tts.get("/order/202507/orders", params={"ids": order["id"]}))["orders"]
            return dict(detail)
    raise AssertionError(f"no {status} order with a bundle")


def _parts_are_the_orders(order: dict[str, Any], lines: list[dict[str, Any]], prefix: str) -> None:
    """Each bundle line lists the order's parts of it (IDs, names, SKUs), and their refunds add up
    to the line's, part by part of the breakdown; other lines list none."""
    by_id = {item["id"]: item for item in order["line_items"]}
    bundles = 0
    for line in lines:
        item = by_id[line["order_line_item_id"]]
        if not item.get("sub_item_info"):
            assert f"{prefix}_sub_line_items" not in line
            continue
        bundles += 1
        subs = line[f"{prefix}_sub_line_items"]
        parts = item["sub_item_info"]
        assert [s["sub_order_line_item_id"] for s in subs] == [p["id"] for p in parts]
        for sub, part in zip(subs, parts, strict=True):
            assert (sub["sku_id"], sub["sku_name"], sub["seller_sku"], sub["product_name"]) == (
                part["sku_id"],
                part["sku_name"],
                part["seller_sku"],
                part["product_name"],
            )
            assert sub["product_image"]["url"] == part["sku_image"]
            assert sub["order_line_item_id"] == item["id"]
            assert sub[f"{prefix}_line_item_id"] == line[f"{prefix}_line_item_id"]
            _adds_up(sub["refund_amount"])
        for key in ("refund_total", *PARTS):
            assert sum(Decimal(s["refund_amount"][key]) for s in subs) == Decimal(line["refund_amount"][key])
        # the parts share the line's refund as they share its price
        shares = [Decimal(p["sale_price"]) / Decimal(item["sale_price"]) for p in parts]
        total = Decimal(line["refund_amount"]["refund_total"])
        for sub, share in zip(subs, shares, strict=True):
            assert abs(Decimal(sub["refund_amount"]["refund_total"]) - total * share) <= Decimal("0.05")
        sub_ids = [s[f"{prefix}_sub_line_item_id"] for s in subs]
        assert len(set(sub_ids)) == len(sub_ids) and all(i.isdigit() and len(i) == 18 for i in sub_ids)
    assert bundles


def test_a_returned_bundle_lists_its_parts_as_the_order_does(http):
    tts, tenant = _us_shop(http)
    order = _with_bundle(tts, "DELIVERED")
    route = f"/return_refund/202602/orders/{order['id']}/aftersale_eligibility"
    answer = tts.get(route).json()
    GetAftersaleEligibilityResponse.from_dict(answer)
    for sku in answer["data"]["sku_eligibility"]:
        for entry in sku["line_item_eligibility"]:
            for item in (i for i in order["line_items"] if i["id"] in entry["order_line_items_ids"]):
                named = [x for x in entry["order_line_list"] if x["order_line_item_id"] == item["id"]]
                expected = [p["id"] for p in item.get("sub_item_info", [])]
                assert [x.get("sub_order_line_item_id") for x in named] == (expected or [None])

    body = {"type": "RETURN_AND_REFUND", "reason": "Missing parts or accessories"}
    asked = http.post(f"/sandbox/orders/{order['id']}/buyer-return", json=body, headers=tenant).json()
    answer = tts.post(RETURNS, {"return_ids": [asked["return_id"]]}, params={"page_size": 5}).json()
    SearchReturnsResponse.from_dict(answer)
    (request,) = answer["data"]["return_orders"]
    _consistent_with(order, request["refund_amount"], request["return_line_items"])
    _parts_are_the_orders(order, request["return_line_items"], "return")
    again = tts.post(RETURNS, {"return_ids": [asked["return_id"]]}, params={"page_size": 5}).json()
    assert again["data"]["return_orders"][0] == request  # the same IDs on every read


def test_a_cancelled_bundle_lists_its_parts_as_the_order_does(http):
    tts, tenant = _us_shop(http)
    order = _with_bundle(tts, "AWAITING_SHIPMENT")
    http.post(f"/sandbox/orders/{order['id']}/buyer-cancel", json={}, headers=tenant)
    answer = tts.post(CANCELLATIONS, {"order_ids": [order["id"]]}, params={"page_size": 5}).json()
    SearchCancellationsResponse.from_dict(answer)
    (request,) = answer["data"]["cancellations"]
    _consistent_with(order, request["refund_amount"], request["cancel_line_items"])
    _parts_are_the_orders(order, request["cancel_line_items"], "cancel")


# ----- partial refunds ----------------------------------------------------------------------------
def _offer(tts: Any, return_id: str, amount: str, currency: str = "USD") -> dict[str, Any]:
    body = {"decision": "OFFER_PARTIAL_REFUND", "partial_refund": {"currency": currency, "amount": amount}}
    return envelope(tts.post(APPROVE.format(return_id), body))


def test_a_partial_refund_the_buyer_rejects_then_accepts(tts, http):
    order = _delivered(tts)
    body = {"type": "RETURN_AND_REFUND", "reason": "Arrived damaged"}
    return_id = http.post(f"/sandbox/orders/{order['id']}/buyer-return", json=body).json()["return_id"]
    total = Decimal(order["payment"]["total_amount"])

    # offers the platform refuses, and nothing is half-applied
    missing = envelope(tts.post(APPROVE.format(return_id), {"decision": "OFFER_PARTIAL_REFUND"}))
    assert missing["code"] == 25007205 and "partial_refund" in missing["message"]
    assert _offer(tts, return_id, "1.00", currency="GBP")["code"] == 25007205
    for amount in ("0", "-1.00", "abc", "1.001", str(total + Decimal("0.01"))):
        assert _offer(tts, return_id, amount)["code"] == 25007205, amount
    (still,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert still["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert "partial_refund" not in still and "seller_proposed_return_type" not in still

    first = (total / 4).quantize(Decimal("0.01"))
    assert _offer(tts, return_id, str(first))["code"] == 0
    (offered,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert offered["return_status"] == "AWAITING_BUYER_RESPONSE"
    assert offered["seller_proposed_return_type"] == "PARTIAL_REFUND"
    assert offered["partial_refund"] == {"currency": "USD", "amount": str(first)}
    assert offered["buyer_rejected_partial_refund"] is False
    assert "seller_next_action_response" not in offered  # the buyer's turn
    _consistent_with(order, offered["refund_amount"], offered["return_line_items"])  # still as asked
    proposed = _search_returns(tts, seller_proposed_return_type=["PARTIAL_REFUND"])["return_orders"]
    assert [r["return_id"] for r in proposed] == [return_id]
    again = envelope(tts.post(APPROVE.format(return_id), {"decision": "APPROVE_RETURN"}))
    assert again["code"] == 25007202  # waiting for the buyer, not the seller
    second_request = http.post(f"/sandbox/orders/{order['id']}/buyer-return", json=body)
    assert second_request.status_code == 409  # the request is still in progress

    rejected = http.post(f"/sandbox/orders/{order['id']}/buyer-return/partial-refund/reject")
    assert (
        rejected.status_code == 200 and rejected.json()["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    )
    (back,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert back["buyer_rejected_partial_refund"] is True and back["partial_refund"]["amount"] == str(first)
    assert back["seller_next_action_response"] == [
        {"action": "SELLER_RESPOND_RETURN", "deadline": back["update_time"] + 48 * 3600}
    ]
    assert http.post(f"/sandbox/orders/{order['id']}/buyer-return/partial-refund/accept").status_code == 409

    second = (total / 2).quantize(Decimal("0.01"))
    assert _offer(tts, return_id, str(second))["code"] == 0
    accepted = http.post(f"/sandbox/orders/{order['id']}/buyer-return/partial-refund/accept").json()
    assert accepted["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    (done,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert done["buyer_rejected_partial_refund"] is False and done["partial_refund"]["amount"] == str(second)
    assert done["can_buyer_keep_item"] and "shipment_type" not in done
    refund = done["refund_amount"]
    assert refund["refund_total"] == str(second) and refund["currency"] == "USD"
    _adds_up(refund)
    lines = done["return_line_items"]
    for key in ("refund_total", *PARTS):
        assert sum(Decimal(line["refund_amount"][key]) for line in lines) == Decimal(refund[key]), key
    for line in lines:
        _adds_up(line["refund_amount"])
    events = http.get("/sandbox/events", params={"kind": "order.refunded", "subject": order["id"]}).json()
    assert [e["data"]["amount"] for e in events["events"]] == [str(second)]

    records = tts.get(f"/return_refund/202309/returns/{return_id}/records").json()
    GetReturnRecordsResponse.from_dict(records)
    assert [r["event"] for r in records["data"]["records"]] == [
        "BUYER_REQUESTED",
        "PARTIAL_REFUND_OFFERED",
        "BUYER_REJECTED_PARTIAL_REFUND",
        "PARTIAL_REFUND_OFFERED",
        "BUYER_ACCEPTED_PARTIAL_REFUND",
        "REFUND_COMPLETED",
    ]


def test_a_rejected_partial_refund_left_unanswered_is_approved_as_asked(tts, http):
    order = _delivered(tts)
    body = {"type": "REFUND", "reason": "Defective or does not work"}
    return_id = http.post(f"/sandbox/orders/{order['id']}/buyer-return", json=body).json()["return_id"]
    assert _offer(tts, return_id, "1.00")["code"] == 0
    advance(http, "3d")  # no deadline of the seller's runs while the buyer considers the offer
    (waiting,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert waiting["return_status"] == "AWAITING_BUYER_RESPONSE"
    http.post(f"/sandbox/orders/{order['id']}/buyer-return/partial-refund/reject")
    advance(http, "49h")
    (done,) = _search_returns(tts, return_ids=[return_id])["return_orders"]
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert done["buyer_rejected_partial_refund"] is True
    _consistent_with(order, done["refund_amount"], done["return_line_items"])  # the whole refund


def test_a_buyer_edits_a_request_into_a_new_one_that_names_the_old(tts, http):
    order = _delivered(tts)
    body = {"type": "RETURN_AND_REFUND", "reason": "Wrong size"}
    first = http.post(f"/sandbox/orders/{order['id']}/buyer-return", json=body).json()["return_id"]
    advance(http, "1h")
    edit = {"type": "REFUND", "reason": "Defective or does not work"}
    edited = http.post(f"/sandbox/orders/{order['id']}/buyer-return/edit", json=edit)
    assert edited.status_code == 200
    second = edited.json()["return_id"]
    assert second != first and edited.json()["return_type"] == "REFUND"
    found = {r["return_id"]: r for r in _search_returns(tts, return_ids=[first, second])["return_orders"]}
    old, new = found[first], found[second]
    assert old["return_status"] == "RETURN_OR_REFUND_REQUEST_CANCEL" and old["next_return_id"] == second
    assert "pre_return_id" not in old and "next_return_id" not in new
    assert new["pre_return_id"] == first and new["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert new["return_reason_text"] == "Defective or does not work"
    assert new["create_time"] == old["update_time"] == old["create_time"] + 3600
    assert new["seller_next_action_response"] == [
        {"action": "SELLER_RESPOND_REFUND", "deadline": new["create_time"] + 48 * 3600}
    ]
    _consistent_with(order, new["refund_amount"], new["return_line_items"])
    deadlines = http.get("/sandbox/deadlines").json()
    waiting = {d["subject"] for d in deadlines["deadlines"] if d["rule"] == "return_auto_approved"}
    assert second in waiting and first not in waiting
    # the seller's answer ends editing
    assert data(tts.post(APPROVE.format(second), {"decision": "APPROVE_REFUND"})) == {}
    assert http.post(f"/sandbox/orders/{order['id']}/buyer-return/edit", json=edit).status_code == 409
