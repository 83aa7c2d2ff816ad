"""Cancellations in the returns-and-refunds API, kept in step with the orders."""

from __future__ import annotations

from tests.helpers import advance, data, envelope, first_order, status_of

SEARCH = "/return_refund/202309/cancellations/search"


def cancellations(tts, **filters):
    return data(tts.post(SEARCH, filters, params={"page_size": 50}))["cancellations"]


def test_a_buyer_request_is_pending_until_the_seller_approves_it(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT")["id"]
    http.post(f"/sandbox/orders/{order_id}/buyer-cancel", json={"reason": "Ordered by mistake"})
    (request,) = cancellations(tts, order_ids=[order_id])
    assert (
        request["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
        and request["cancel_type"] == "BUYER_CANCEL"
    )
    assert request["cancel_reason"] == "Ordered by mistake"
    assert request["seller_response_deadline"] == request["create_time"] + 48 * 3600
    assert data(tts.post(f"/return_refund/202309/cancellations/{request['cancel_id']}/approve", {})) == {}
    assert status_of(tts, order_id) == "CANCELLED"
    (done,) = cancellations(tts, order_ids=[order_id])
    assert done["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    again = envelope(tts.post(f"/return_refund/202309/cancellations/{request['cancel_id']}/approve", {}))
    assert again["code"] == 25007102
    advance(http, "3d")  # the platform's auto-approval must not fire any more
    assert len(cancellations(tts, order_ids=[order_id])) == 1


def test_a_rejected_request_leaves_the_order_to_be_shipped(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT")["id"]
    http.post(f"/sandbox/orders/{order_id}/buyer-cancel")
    cancel_id = cancellations(tts, order_ids=[order_id])[0]["cancel_id"]
    assert (
        data(
            tts.post(
                f"/return_refund/202309/cancellations/{cancel_id}/reject", {"reject_reason": "Already packed"}
            )
        )
        == {}
    )
    (rejected,) = cancellations(tts, order_ids=[order_id])
    assert (
        rejected["cancel_status"] == "CANCELLATION_REQUEST_CANCEL"
        and rejected["reject_reason"] == "Already packed"
    )
    advance(http, "49h")  # past the 48-hour window: no automatic approval after a rejection
    order = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
    assert order["status"] == "AWAITING_SHIPMENT" and not order["is_buyer_request_cancel"]
    assert [c["cancel_status"] for c in cancellations(tts, order_ids=[order_id])] == [
        "CANCELLATION_REQUEST_CANCEL"
    ]


def test_an_unanswered_request_is_approved_by_the_platform(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT")["id"]
    http.post(f"/sandbox/orders/{order_id}/buyer-cancel")
    advance(http, "48h")
    (record,) = cancellations(tts, order_ids=[order_id])
    assert record["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert (
        envelope(tts.post(f"/return_refund/202309/cancellations/{record['cancel_id']}/approve", {}))["code"]
        == 25007102
    )


def test_the_seller_cancels_an_unshipped_order_at_both_versions(tts, http):
    waiting = [
        o["id"]
        for o in data(
            tts.post(
                "/order/202309/orders/search", {"order_status": "AWAITING_SHIPMENT"}, params={"page_size": 50}
            )
        )["orders"]
    ]
    for version, order_id in zip(("202309", "202602"), waiting, strict=False):
        answer = data(
            tts.post(
                f"/return_refund/{version}/cancellations",
                {"order_id": order_id, "cancel_reason": "Out of stock"},
            )
        )
        assert answer["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
        order = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
        assert order["status"] == "CANCELLED" and order["cancellation_initiator"] == "SELLER"
    shipped = first_order(tts, order_status="IN_TRANSIT")["id"]
    refused = envelope(
        tts.post("/return_refund/202309/cancellations", {"order_id": shipped, "cancel_reason": "x"})
    )
    assert refused["code"] == 25007103
    assert (
        envelope(tts.post("/return_refund/202309/cancellations/400000000000000000/approve", {}))["code"]
        == 25007101
    )


def test_system_cancellations_and_seeded_ones_are_listed(tts, http):
    seeded = cancellations(tts, cancel_status=["CANCELLATION_REQUEST_COMPLETE"])
    assert seeded and all(c["role"] in ("BUYER", "SELLER", "SYSTEM") for c in seeded)
    page = data(tts.post("/return_refund/202602/cancellations/search", {}, params={"page_size": 1}))
    assert page["total_count"] == len(cancellations(tts)) and len(page["cancellations"]) == 1
