"""After-sales requests search (202603): each buyer's return or refund request is an after-sales
request with the return's ID, its review status, its line items and the return itself."""

from __future__ import annotations

from typing import Any

from tests.helpers import buyer_return, data, delivered, envelope, returns

SEARCH = "/return_refund/202603/aftersales/search"
EVERYTHING = ["LINE_ITEMS", "SKU_RETURN_REQUESTS", "RETURN_MERCHANDISE_AUTHORIZATIONS"]


def search(tts: Any, **body: Any) -> dict[str, Any]:
    return data(tts.post(SEARCH, body))


def test_a_buyers_return_is_found_by_its_order_and_its_id(tts, http):
    order = delivered(tts)
    return_id = buyer_return(http, order["id"], type="RETURN_AND_REFUND", reason="Wrong size")["return_id"]

    by_order = search(tts, whitelisted_data_fields=EVERYTHING, filters={"main_order_ids": [order["id"]]})
    assert by_order["total_count"] == 1
    (found,) = by_order["aftersales_requests"]
    assert found["id"] == return_id
    assert found["status"] == "PENDING_REQUEST_REVIEW"
    assert "return_merchandise_authorizations" not in found
    (shown,) = returns(tts, "202602", return_ids=[return_id])
    (sku_request,) = found["sku_return_requests"]
    assert sku_request["return_id"] == return_id
    assert sku_request["return_status"] == shown["return_status"]
    assert sku_request["return_line_items"] == shown["return_line_items"]
    assert sku_request["refund_amount"] == shown["refund_amount"]
    discount = shown["discount_amount"][0]
    assert sku_request["discount"]["product_seller_discount"] == discount["product_seller_discount"]
    lines = {line["return_line_item_id"] for line in shown["return_line_items"]}
    assert {item["return_line_item_id"] for item in found["line_items"]} == lines
    assert all(item["main_order_id"] == order["id"] for item in found["line_items"])
    assert all(item["sku_return_request_id"] == return_id for item in found["line_items"])

    (by_id,) = search(tts, filters={"aftersales_request_ids": [return_id]})["aftersales_requests"]
    assert by_id == {"id": return_id, "status": "PENDING_REQUEST_REVIEW"}  # nothing whitelisted
    buyer = order["user_id"]
    by_buyer = search(tts, filters={"buyer_ids": [buyer], "main_order_ids": [order["id"]]})
    assert [r["id"] for r in by_buyer["aftersales_requests"]] == [return_id]
    assert search(tts, filters={"buyer_ids": ["1"], "main_order_ids": [order["id"]]})["total_count"] == 0

    # Approved, the request's review is completed: the status filter follows it.
    data(tts.post(f"/return_refund/202309/returns/{return_id}/approve", {}))
    pending = search(tts, filters={"aftersales_request_statuses": ["PENDING_REQUEST_REVIEW"]})
    assert return_id not in [r["id"] for r in pending["aftersales_requests"]]
    reviewed = search(
        tts,
        filters={
            "aftersales_request_statuses": ["REQUEST_REVIEW_COMPLETED"],
            "aftersales_request_ids": [return_id],
        },
    )
    assert [r["status"] for r in reviewed["aftersales_requests"]] == ["REQUEST_REVIEW_COMPLETED"]
    assert (
        search(tts, filters={"return_types": ["REFUND"], "aftersales_request_ids": [return_id]})[
            "total_count"
        ]
        == 0
    )


def test_pages_walk_every_request_once(tts, http):
    for index in range(3):
        buyer_return(http, delivered(tts, index)["id"], type="REFUND")
    everything = search(tts, pagination={"page_size": 100})
    total = everything["total_count"]
    assert total >= 3
    seen: list[str] = []
    token = ""
    while True:
        page = search(
            tts,
            sort={"sort_field": "CREATE_TIME", "sort_order": "ASC"},
            pagination={"page_size": 2, "page_token": token},
        )
        assert page["total_count"] == total
        seen += [r["id"] for r in page["aftersales_requests"]]
        token = page["next_page_token"]
        if not token:
            break
    assert sorted(seen) == sorted(r["id"] for r in everything["aftersales_requests"])
    assert len(seen) == len(set(seen)) == total


def test_bad_input_is_answered_in_the_envelope(tts, http):
    for index in range(2):
        buyer_return(http, delivered(tts, index)["id"], type="REFUND")
    for body in (
        {"filters": {"aftersales_request_ids": ["not-a-number"]}},
        {"filters": {"aftersales_request_statuses": ["DONE"]}},
        {"pagination": {"page_size": 0}},
        {"sort": {"sort_field": "PRICE"}},
        {"unknown": 1},
    ):
        answer = envelope(tts.post(SEARCH, body))
        assert answer["code"] == 36009004, body
    other_sort = search(tts, pagination={"page_size": 1})["next_page_token"]
    assert other_sort
    refused = envelope(
        tts.post(
            SEARCH, {"sort": {"sort_order": "ASC"}, "pagination": {"page_size": 1, "page_token": other_sort}}
        )
    )
    assert refused["code"] == 36009004
    assert "sort" in refused["message"]
    assert envelope(tts.post(SEARCH, {"pagination": {"page_token": "garbage!"}}))["code"] == 36009004


def test_a_return_approved_to_come_back_shows_its_rma_as_the_rma_search_does(tts, http):
    order = delivered(tts)
    asked = buyer_return(http, order["id"], type="RETURN_AND_REFUND", reason="Wrong size")
    return_id = asked["return_id"]
    assert data(tts.post(f"/return_refund/202309/returns/{return_id}/approve", {})) == {}

    by_id = {"aftersales_request_ids": [return_id]}
    (found,) = search(tts, whitelisted_data_fields=EVERYTHING, filters=by_id)["aftersales_requests"]
    (authorized,) = found["return_merchandise_authorizations"]
    rma_search = {"filters": by_id, "whitelisted_data_fields": ["LINE_ITEMS", "SKU_RETURN_REQUESTS"]}
    (rma,) = data(tts.post("/return_refund/202604/rma/search", rma_search))[
        "return_merchandise_authorizations"
    ]
    assert authorized == {
        k: rma[k] for k in ("id", "package_id", "aftersales_request_id", "status", "line_items")
    }
    assert authorized["status"] == "AWAITING_BUYER_RETURN"
    assert found["line_items"] == rma["line_items"]
    assert found["sku_return_requests"] == rma["sku_return_requests"]

    # a refund without the item coming back has no RMA
    other = buyer_return(http, delivered(tts, 1)["id"], type="REFUND")["return_id"]
    assert data(tts.post(f"/return_refund/202309/returns/{other}/approve", {})) == {}
    filters = {"aftersales_request_ids": [other]}
    (refund,) = search(tts, whitelisted_data_fields=EVERYTHING, filters=filters)["aftersales_requests"]
    assert "return_merchandise_authorizations" not in refund
