"""Return merchandise authorizations (202604): one per return approved for the item to come back,
found by its order, its ID, its status; paged; bad filters answered with the envelope."""

from __future__ import annotations

from typing import Any

from tiktok_shop_api.generated.models import SearchReturnMerchandiseAuthorizationsResponse

from tests.helpers import data, error_code

RMA = "/return_refund/202604/rma/search"
APPROVE = "/return_refund/202309/returns/{}/approve"
BOTH = ["LINE_ITEMS", "SKU_RETURN_REQUESTS"]


def _delivered(tts: Any, count: int = 1) -> list[dict[str, Any]]:
    found = tts.post("/order/202309/orders/search", {"order_status": "DELIVERED"}, params={"page_size": 50})
    return list(found.json()["data"]["orders"][:count])


def _return(tts: Any, http: Any, order_id: str, approve: bool = True) -> str:
    asked = http.post(
        f"/sandbox/orders/{order_id}/buyer-return",
        json={"type": "RETURN_AND_REFUND", "reason": "Arrived damaged"},
    ).json()
    if approve:
        assert data(tts.post(APPROVE.format(asked["return_id"]), {"decision": "APPROVE_RETURN"})) == {}
    return str(asked["return_id"])


def _search(tts: Any, body: dict[str, Any]) -> dict[str, Any]:
    answer = tts.post(RMA, body).json()
    SearchReturnMerchandiseAuthorizationsResponse.from_dict(answer)
    assert answer["code"] == 0, answer
    return dict(answer["data"])


def test_an_approved_return_has_an_rma_that_follows_it(tts, http):
    (order,) = _delivered(tts)
    return_id = _return(tts, http, order["id"], approve=False)
    by_order = {"filters": {"main_order_ids": [order["id"]]}, "whitelisted_data_fields": BOTH}
    assert _search(tts, by_order) == {"next_page_token": "", "total_count": 0}  # pending: no RMA yet

    assert data(tts.post(APPROVE.format(return_id), {"decision": "APPROVE_RETURN"})) == {}
    (rma,) = _search(tts, by_order)["return_merchandise_authorizations"]
    assert rma["aftersales_request_id"] == return_id
    assert rma["status"] == "AWAITING_BUYER_RETURN"
    assert rma["id"].isdigit() and rma["package_id"].isdigit() and rma["id"] != return_id
    (request,) = rma["sku_return_requests"]
    assert request["return_id"] == return_id and request["order_id"] == order["id"]
    assert request["return_status"] == "AWAITING_BUYER_SHIP"
    assert "discount" in request and "shipping_fee" in request
    lines = {line["order_line_item_id"] for line in request["return_line_items"]}
    assert lines == {item["id"] for item in order["line_items"]}
    assert {line["main_order_id"] for line in rma["line_items"]} == {order["id"]}
    assert {line["sku_return_request_id"] for line in rma["line_items"]} == {return_id}
    assert {line["return_line_item_id"] for line in rma["line_items"]} == {
        line["return_line_item_id"] for line in request["return_line_items"]
    }

    # by its ID, its package, its request: the same RMA, without the fields not asked for
    for name, value in (
        ("rma_ids", rma["id"]),
        ("package_ids", rma["package_id"]),
        ("aftersales_request_ids", return_id),
    ):
        (found,) = _search(tts, {"filters": {name: [value]}})["return_merchandise_authorizations"]
        assert found == {k: rma[k] for k in ("id", "package_id", "aftersales_request_id", "status")}

    http.post(f"/sandbox/orders/{order['id']}/buyer-return/ship")
    (shipped,) = _search(tts, {"filters": {"rma_ids": [rma["id"]]}})["return_merchandise_authorizations"]
    assert shipped["status"] == "PENDING_PACKAGE_REVIEW" and shipped["id"] == rma["id"]
    awaiting = {"filters": {"rma_ids": [rma["id"]], "statuses": ["AWAITING_BUYER_RETURN"]}}
    assert _search(tts, awaiting)["total_count"] == 0

    assert data(tts.post(APPROVE.format(return_id), {"decision": "APPROVE_RECEIVED_PACKAGE"})) == {}
    reviewed = {"filters": {"main_order_ids": [order["id"]], "statuses": ["PACKAGE_REVIEW_COMPLETED"]}}
    (done,) = _search(tts, reviewed)["return_merchandise_authorizations"]
    assert done["id"] == rma["id"]


def test_rmas_are_paged_and_sorted(tts, http):
    orders = _delivered(tts, 3)
    ids = [_return(tts, http, o["id"]) for o in orders]
    body: dict[str, Any] = {
        "filters": {"aftersales_request_ids": ids},
        "sort": {"sort_field": "CREATE_TIME", "sort_order": "ASC"},
        "pagination": {"page_size": 2},
    }
    first = _search(tts, body)
    assert first["total_count"] == 3 and len(first["return_merchandise_authorizations"]) == 2
    assert first["next_page_token"]
    body["pagination"]["page_token"] = first["next_page_token"]
    second = _search(tts, body)
    assert len(second["return_merchandise_authorizations"]) == 1 and second["next_page_token"] == ""
    seen = [r["aftersales_request_id"] for r in first["return_merchandise_authorizations"]]
    seen += [r["aftersales_request_id"] for r in second["return_merchandise_authorizations"]]
    assert sorted(seen) == sorted(ids)
    # a token of another sort order is refused
    body["sort"]["sort_order"] = "DESC"
    assert error_code(tts.post(RMA, body)) == 36009004


def test_bad_filters_are_answered_with_the_envelope(tts):
    for body in (
        {"filters": {"rma_ids": ["not-a-number"]}},
        {"filters": {"rma_ids": ["9223372036854775808"]}},
        {"filters": {"statuses": ["SHIPPED"]}},
        {"filters": {"unknown": []}},
        {"pagination": {"page_size": 0}},
        {"sort": {"sort_field": "ID"}},
        {"pagination": {"page_token": "garbage"}},
    ):
        answer = tts.post(RMA, body)
        assert error_code(answer) == 36009004, (body, answer.json())
        assert not answer.json().get("data")
