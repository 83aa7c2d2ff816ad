"""Buyers' return and refund requests after delivery, as the returns-and-refunds API shows them
("Return/refund requested: orders for which users request returns or refunds need to be reviewed
in a timely manner")."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import (
    ROOT,
    advance,
    buyer_return,
    data,
    delivered,
    envelope,
    first_order,
    load,
    refresh,
    returns,
    status_of,
)

SEARCH = "/return_refund/202309/returns/search"
RETURNS = "/return_refund/202309/returns"
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"


def the_return(tts: Any, return_id: str) -> dict[str, Any]:
    (record,) = returns(tts, return_ids=[return_id])
    return record


def buyer(http: Any, order_id: str, action: str) -> dict[str, Any]:
    response = http.post(f"/sandbox/orders/{order_id}/buyer-return/{action}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def records(tts: Any, return_id: str) -> list[dict[str, Any]]:
    return list(data(tts.get(f"{RETURNS}/{return_id}/records"))["records"])


def eligibility(tts: Any, order_id: str) -> dict[str, Any]:
    """The buyer's eligibility for a return or a refund, summed up from the per-SKU answer: eligible
    when every line item is for both, the first reason why not, each line item's verdicts."""
    answer = data(
        tts.get(
            f"/return_refund/202602/orders/{order_id}/aftersale_eligibility",
            params={"request_types": "RETURN_AND_REFUND,REFUND"},
        )
    )
    entries = [e for sku in answer["sku_eligibility"] for e in sku["line_item_eligibility"]]
    out: dict[str, Any] = {
        "eligible": all(e["eligible"] for e in entries),
        "return_types": list(dict.fromkeys(e["request_type"] for e in entries if e["eligible"])),
        "line_items": [
            {
                "order_line_item_id": i,
                "eligible": e["eligible"],
                "ineligible_reason": e.get("ineligible_reason"),
            }
            for e in entries
            for i in e["order_line_items_ids"]
        ],
    }
    reasons = [e["ineligible_reason"] for e in entries if not e["eligible"]]
    if reasons:
        out["ineligible_reason"] = reasons[0]
    return out


def test_a_return_goes_from_request_to_refund_once_the_seller_receives_the_item(tts, http):
    order = delivered(tts)
    asked = buyer_return(http, order["id"], type="RETURN_AND_REFUND", reason="Wrong size")
    return_id = asked["return_id"]
    pending = the_return(tts, return_id)
    assert pending["return_status"] == PENDING and pending["return_type"] == "RETURN_AND_REFUND"
    assert pending["order_id"] == order["id"] and pending["return_reason"] == "Wrong size"
    assert pending["seller_response_deadline"] == pending["create_time"] + 48 * 3600
    assert [i["order_line_item_id"] for i in pending["return_line_items"]] == [
        i["id"] for i in order["line_items"]
    ]

    advance(http, "2h")
    assert data(tts.post(f"{RETURNS}/{return_id}/approve", {}, params={"idempotency_key": "k1"})) == {}
    approved = the_return(tts, return_id)
    assert approved["return_status"] == "AWAITING_BUYER_SHIP" and "seller_response_deadline" not in approved

    advance(http, "1d")
    shipped = buyer(http, order["id"], "ship")
    assert shipped["return_status"] == "BUYER_SHIPPED_ITEM" and shipped["return_tracking_number"]
    assert the_return(tts, return_id)["return_tracking_number"] == shipped["return_tracking_number"]

    advance(http, "3d")
    assert data(tts.post(f"{RETURNS}/{return_id}/approve", {})) == {}  # the package arrived
    done = the_return(tts, return_id)
    assert done["return_status"] == COMPLETE
    assert done["refund_amount"] == {
        "currency": order["payment"]["currency"],
        "refund_total": order["payment"]["total_amount"],
    }
    refunds = http.get("/sandbox/events", params={"kind": "order.refunded", "subject": order["id"]}).json()
    assert [e["data"]["amount"] for e in refunds["events"]] == [order["payment"]["total_amount"]]
    assert [r["event"] for r in records(tts, return_id)] == [
        "BUYER_REQUESTED",
        "REQUEST_APPROVED",
        "BUYER_SHIPPED_ITEM",
        "PACKAGE_RECEIVED",
        "REFUND_COMPLETED",
    ]


def test_every_change_is_a_return_status_event(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id, type="REFUND")["return_id"]
    data(tts.post(f"{RETURNS}/{return_id}/approve", {}))
    events = http.get("/sandbox/events", params={"kind": "return.status_changed", "subject": order_id}).json()
    assert [e["data"] for e in events["events"]] == [
        {"order_id": order_id, "return_id": return_id, "return_status": s} for s in (PENDING, COMPLETE)
    ]


def test_a_refund_only_request_is_refunded_on_approval(tts, http):
    order = delivered(tts)
    return_id = buyer_return(http, order["id"], type="REFUND", reason="Arrived broken")["return_id"]
    data(tts.post(f"{RETURNS}/{return_id}/approve", {}))
    done = the_return(tts, return_id)
    assert done["return_type"] == "REFUND" and done["return_status"] == COMPLETE
    assert done["refund_amount"]["refund_total"] == order["payment"]["total_amount"]
    assert "return_tracking_number" not in done
    assert [(r["event"], r["role"]) for r in records(tts, return_id)] == [
        ("BUYER_REQUESTED", "BUYER"),
        ("REQUEST_APPROVED", "SELLER"),
        ("REFUND_COMPLETED", "SELLER"),
    ]
    assert status_of(tts, order["id"]) == "DELIVERED"  # a refund after delivery does not cancel it


def test_the_seller_rejects_a_request_with_a_reason_from_the_list(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id)["return_id"]
    reasons = data(tts.get("/return_refund/202309/reject_reasons", params={"return_or_cancel_id": return_id}))
    names = [r["name"] for r in reasons["reasons"]]
    assert names and all(r["text"] for r in reasons["reasons"])
    refused = envelope(tts.post(f"{RETURNS}/{return_id}/reject", {"reject_reason": "because"}))
    assert refused["code"] == 25007204 and names[0] in refused["message"]
    assert the_return(tts, return_id)["return_status"] == PENDING
    body = {"reject_reason": names[0], "comment": "Photos show the item intact"}
    assert data(tts.post(f"{RETURNS}/{return_id}/reject", body, params={"idempotency_key": "r1"})) == {}
    rejected = the_return(tts, return_id)
    assert rejected["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"
    assert rejected["reject_reason"] == names[0] and rejected["reject_comment"] == body["comment"]
    advance(http, "49h")  # no automatic approval after a rejection
    assert the_return(tts, return_id)["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"
    no_more = data(tts.get("/return_refund/202309/reject_reasons", params={"return_or_cancel_id": return_id}))
    assert no_more["reasons"] == []


def test_the_seller_refuses_the_returned_package_at_the_current_version(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id)["return_id"]
    data(tts.post(f"{RETURNS}/{return_id}/approve", {}))
    buyer(http, order_id, "ship")
    reasons = data(tts.get("/return_refund/202309/reject_reasons", params={"return_or_cancel_id": return_id}))
    reason = reasons["reasons"][0]["name"]
    body = {"decision": "REJECT_RECEIVED_PACKAGE", "reject_reason": reason}
    assert data(tts.post(f"/return_refund/202606/returns/{return_id}/reject", body)) == {}
    assert the_return(tts, return_id)["return_status"] == "REJECT_RECEIVE_PACKAGE"
    assert records(tts, return_id)[-1]["event"] == "PACKAGE_REJECTED"


def test_an_unanswered_request_is_approved_by_the_platform_at_the_deadline(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id, type="REFUND")["return_id"]
    advance(http, "47h59m")
    assert the_return(tts, return_id)["return_status"] == PENDING
    advance(http, "1m")
    approved = the_return(tts, return_id)
    assert approved["return_status"] == COMPLETE
    assert approved["update_time"] == approved["create_time"] + 48 * 3600
    assert [r["role"] for r in records(tts, return_id)][1:] == ["SYSTEM", "SYSTEM"]
    late = envelope(tts.post(f"{RETURNS}/{return_id}/approve", {}))
    assert late["code"] == 25007202


def test_illegal_transitions_are_refused_and_change_nothing(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id, type="REFUND")["return_id"]
    data(tts.post(f"{RETURNS}/{return_id}/approve", {}))
    before = the_return(tts, return_id)
    events_before = len(http.get("/sandbox/events").json()["events"])
    twice = envelope(tts.post(f"{RETURNS}/{return_id}/approve", {}))
    assert set(twice) == {"code", "message", "request_id"} and twice["code"] == 25007202
    assert COMPLETE in twice["message"]
    reason = "seller_reject_request_item_as_described"
    late = envelope(tts.post(f"{RETURNS}/{return_id}/reject", {"reject_reason": reason}))
    assert late["code"] == 25007202
    assert the_return(tts, return_id) == before
    assert len(records(tts, return_id)) == 3
    assert len(http.get("/sandbox/events").json()["events"]) == events_before
    # A return awaiting the buyer cannot be approved again, nor shipped twice.
    other = delivered(tts, 1)["id"]
    second = buyer_return(http, other)["return_id"]
    data(tts.post(f"{RETURNS}/{second}/approve", {}))
    assert envelope(tts.post(f"{RETURNS}/{second}/approve", {}))["code"] == 25007202
    buyer(http, other, "ship")
    again = http.post(f"/sandbox/orders/{other}/buyer-return/ship")
    assert again.status_code == 409
    assert http.post(f"/sandbox/orders/{other}/buyer-return/cancel").status_code == 409


def test_the_buyer_withdraws_a_request(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id)["return_id"]
    assert buyer(http, order_id, "cancel")["return_status"] == "RETURN_OR_REFUND_REQUEST_CANCEL"
    assert envelope(tts.post(f"{RETURNS}/{return_id}/approve", {}))["code"] == 25007202
    advance(http, "3d")
    assert the_return(tts, return_id)["return_status"] == "RETURN_OR_REFUND_REQUEST_CANCEL"
    assert eligibility(tts, order_id)["eligible"]  # the buyer may ask again


def test_unknown_ids_answer_the_error_envelope(tts, http):
    unknown = "499999999999999999"
    for response in (
        tts.post(f"{RETURNS}/{unknown}/approve", {}),
        tts.post(f"{RETURNS}/{unknown}/reject", {"reject_reason": "x"}),
        tts.post(
            f"/return_refund/202606/returns/{unknown}/reject",
            {"decision": "REJECT_RETURN", "reject_reason": "x"},
        ),
        tts.get(f"{RETURNS}/{unknown}/records"),
        tts.get("/return_refund/202309/reject_reasons", params={"return_or_cancel_id": unknown}),
    ):
        body = envelope(response)
        assert set(body) == {"code", "message", "request_id"} and body["code"] == 25007201, body
    missing = envelope(tts.get("/return_refund/202602/orders/576000000000000000/aftersale_eligibility"))
    assert missing["code"] == 25007006


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SEARCH, {"order_ids": "not a list"}),
        (SEARCH, {"return_status": ["SHIPPED"]}),
        (SEARCH, {"create_time_ge": "yesterday"}),
        (SEARCH, {"return_type": ["REFUND"]}),  # misspelt filter
        (f"{RETURNS}/400000000000000000/reject", {"reject_reason": 12}),
        (f"{RETURNS}/400000000000000000/reject", {}),
    ],
)
def test_wrong_types_get_the_invalid_request_envelope(tts, path, body):
    answer = envelope(tts.post(path, body, params={"page_size": 10}))
    assert answer["code"] == 36009004, answer


def test_every_version_path_answers(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id)["return_id"]
    assert [r["return_id"] for r in returns(tts, "202602", order_ids=[order_id])] == [return_id]
    same = ("return_id", "order_id", "return_status", "return_type", "create_time", "update_time")
    assert [{k: r[k] for k in same} for r in returns(tts, "202309", order_ids=[order_id])] == [
        {k: r[k] for k in same} for r in returns(tts, "202602", order_ids=[order_id])
    ]
    assert data(tts.get("/return_refund/202309/reject_reasons"))["reasons"]
    cancellation = "/return_refund/202309/cancellations/search"
    cancel_id = data(tts.post(cancellation, {}, params={"page_size": 1}))["cancellations"][0]["cancel_id"]
    assert "reasons" in data(
        tts.get("/return_refund/202309/reject_reasons", params={"return_or_cancel_id": cancel_id})
    )
    assert envelope(tts.post("/return_refund/202509/returns/search", {}, params={"page_size": 1}))[
        "code"
    ] in (36009009, 36009014)


def test_aftersale_eligibility_opens_at_delivery_and_closes_after_the_window(tts, http):
    waiting = first_order(tts, order_status="AWAITING_SHIPMENT")
    early = eligibility(tts, waiting["id"])
    assert not early["eligible"] and "AWAITING_SHIPMENT" in early["ineligible_reason"]
    assert all(not i["eligible"] and i["ineligible_reason"] for i in early["line_items"])
    refused = http.post(f"/sandbox/orders/{waiting['id']}/buyer-return", json={})
    assert refused.status_code == 409 and "delivered" in refused.json()["error"]["message"]

    travelling = first_order(tts, order_status="IN_TRANSIT")["id"]
    assert not eligibility(tts, travelling)["eligible"]
    for _ in range(10):
        if status_of(tts, travelling) == "DELIVERED":
            break
        advance(http, "1d")
    assert status_of(tts, travelling) == "DELIVERED"
    now_open = eligibility(tts, travelling)
    assert now_open["eligible"] and "ineligible_reason" not in now_open
    assert now_open["return_types"] == ["RETURN_AND_REFUND", "REFUND"]
    assert all(i["eligible"] for i in now_open["line_items"])
    detail = data(tts.get("/order/202309/orders", params={"ids": [travelling]}))["orders"][0]
    ids = [i["id"] for i in detail["line_items"]]
    assert sorted(i["order_line_item_id"] for i in now_open["line_items"]) == sorted(ids + ids)  # 2 types

    buyer_return(http, travelling)
    busy = eligibility(tts, travelling)
    assert not busy["eligible"] and "in progress" in busy["ineligible_reason"]
    buyer(http, travelling, "cancel")
    refresh(tts, http)
    advance(http, "6d")
    refresh(tts, http)
    advance(http, "6d")
    refresh(tts, http)
    advance(http, "6d")
    refresh(tts, http)
    advance(http, "4d")
    refresh(tts, http)
    closed = eligibility(tts, travelling)
    assert not closed["eligible"] and "21 days" in closed["ineligible_reason"]


def test_search_filters_and_pages(tts, http):
    first, second, third = (delivered(tts, i)["id"] for i in range(3))
    one = buyer_return(http, first, type="REFUND")["return_id"]
    advance(http, "1h")
    two = buyer_return(http, second)["return_id"]
    advance(http, "1h")
    three = buyer_return(http, third)["return_id"]
    advance(http, "1h")
    data(tts.post(f"{RETURNS}/{one}/approve", {}))
    assert [r["return_id"] for r in returns(tts)] == [three, two, one]
    assert [r["return_id"] for r in returns(tts, return_types=["REFUND"])] == [one]
    assert [r["return_id"] for r in returns(tts, return_status=[PENDING])] == [three, two]
    assert [r["return_id"] for r in returns(tts, return_ids=[two, "4"])] == [two]
    assert [r["return_id"] for r in returns(tts, order_ids=[third, first])] == [three, one]
    created = {r["return_id"]: r["create_time"] for r in returns(tts)}
    window = {"create_time_ge": created[two], "create_time_lt": created[three]}
    assert [r["return_id"] for r in returns(tts, **window)] == [two]
    updated = the_return(tts, one)["update_time"]
    assert [r["return_id"] for r in returns(tts, update_time_ge=updated)] == [one]
    assert returns(tts, update_time_lt=created[one]) == []

    seen, token = [], ""
    while True:
        params = {"page_size": 2, "sort_field": "create_time", "sort_order": "ASC"}
        if token:
            params["page_token"] = token
        page = data(tts.post(SEARCH, {}, params=params))
        assert page["total_count"] == 3
        seen += [r["return_id"] for r in page["return_orders"]]
        token = page["next_page_token"]
        if not token:
            break
    assert seen == [one, two, three]
    by_update = data(tts.post(SEARCH, {}, params={"page_size": 1, "sort_field": "update_time"}))
    assert by_update["return_orders"][0]["return_id"] == one


def test_a_scenario_plays_the_buyer_side_of_a_return(tts, http):
    order_id = delivered(tts)["id"]
    return_id = buyer_return(http, order_id)["return_id"]
    data(tts.post(f"{RETURNS}/{return_id}/approve", {}))
    buyer(http, order_id, "cancel")
    # Scenario orders are declared before shipment: the actions refuse them until delivered.
    scenario = """
scenario: early-return
orders:
  shoes: {status: AWAITING_SHIPMENT}
steps:
  - at: 1h
    do:
      - buyer_requests_return: {order: shoes, type: REFUND, reason: Changed my mind}
      - buyer_ships_return: {order: shoes}
      - buyer_cancels_return: {order: shoes}
"""
    assert load(http, scenario).status_code in (200, 201)
    advance(http, "2h")
    timeline = http.get("/sandbox/scenarios/early-return").json()["timeline"]
    results = [e.get("result") for e in timeline if e.get("action", "").startswith("buyer_")]
    assert results == ["skipped", "skipped", "skipped"]


def test_the_guide_return_scenario_plays_after_delivery(tts, http):
    guide = (ROOT / "scenarios" / "README.md").read_text()
    (example,) = [
        e for e in re.findall(r"```yaml\n(.*?)```", guide, flags=re.S) if "return-after-delivery" in e
    ]
    loaded = load(http, example)
    assert loaded.status_code in (200, 201), loaded.text
    order_id = loaded.json()["orders"]["boots"]["order_id"]
    body = {"tracking_number": "BOOTS-1", "shipping_provider_id": "6617675021119438849"}
    data(tts.post(f"/fulfillment/202309/orders/{order_id}/packages", body))
    for _ in range(10):
        if status_of(tts, order_id) == "DELIVERED":
            break
        advance(http, "1d")
    assert status_of(tts, order_id) == "DELIVERED"
    assert returns(tts, order_ids=[order_id]) == []
    advance(http, "1d")
    (pending,) = returns(tts, order_ids=[order_id])
    assert pending["return_status"] == PENDING and pending["return_reason"] == "Wrong size"
    data(tts.post(f"{RETURNS}/{pending['return_id']}/approve", {}))
    advance(http, "3d")
    refresh(tts, http)
    assert the_return(tts, pending["return_id"])["return_status"] == "BUYER_SHIPPED_ITEM"
    rep = http.get("/sandbox/scenarios/return-after-delivery").json()
    assert [e["status"] for e in rep["expectations"]] == ["passed"]
