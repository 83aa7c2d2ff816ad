"""Reviewing after-sales requests (202609): the seller's decisions on several requests at once,
line item by line item, by the same rules as approve and reject; a refused decision changes nothing
and comes back in errors, the others are applied; an idempotency key is applied once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.helpers import buyer_return, data, delivered, envelope, returns

REVIEW = "/return_refund/202609/aftersales/review"
SEARCH = "/return_refund/202603/aftersales/search"


def line_items(tts: Any, request_id: str) -> list[dict[str, str]]:
    """The request's line items, as the after-sales search names them."""
    found = data(
        tts.post(
            SEARCH,
            {"filters": {"aftersales_request_ids": [request_id]}, "whitelisted_data_fields": ["LINE_ITEMS"]},
        )
    )
    (request,) = found["aftersales_requests"]
    return [{"return_line_item_id": line["return_line_item_id"]} for line in request["line_items"]]


def decision(request_id: str, lines: list[dict[str, str]], action: str, **extra: Any) -> dict[str, Any]:
    details = {k: extra.pop(k) for k in ("alternative_solution_details", "reason") if k in extra}
    return {
        "request_id": request_id,
        "line_item_decisions": [{"line_items": lines, "action": action, **details}],
        **extra,
    }


def review(tts: Any, *decisions: dict[str, Any]) -> list[dict[str, str]]:
    return list(data(tts.post(REVIEW, {"aftersales_request_decisions": list(decisions)})).get("errors", []))


def status(tts: Any, return_id: str) -> str:
    (found,) = returns(tts, "202602", return_ids=[return_id])
    return str(found["return_status"])


def test_a_return_is_approved_then_its_package_accepted_by_its_rma(tts, http):
    order = delivered(tts)
    return_id = buyer_return(http, order["id"], type="RETURN_AND_REFUND", reason="Wrong size")["return_id"]
    lines = line_items(tts, return_id)

    assert review(tts, decision(return_id, lines, "APPROVE_REQUEST", action_unix_time=1700000000)) == []
    assert status(tts, return_id) == "AWAITING_BUYER_SHIP"

    http.post(f"/sandbox/orders/{order['id']}/buyer-return/ship")
    rma_search = {"filters": {"aftersales_request_ids": [return_id]}}
    (rma,) = data(tts.post("/return_refund/202604/rma/search", rma_search))[
        "return_merchandise_authorizations"
    ]
    assert rma["status"] == "PENDING_PACKAGE_REVIEW"
    accepted = decision(rma["id"], lines, "APPROVE_RETURN_PACKAGE", request_id_type="RMA")
    assert review(tts, accepted) == []
    (done,) = returns(tts, "202602", return_ids=[return_id])
    assert done["return_status"] in ("RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE")
    (after,) = data(tts.post("/return_refund/202604/rma/search", rma_search))[
        "return_merchandise_authorizations"
    ]
    assert after["status"] == "PACKAGE_REVIEW_COMPLETED"


def test_a_rejection_needs_a_reason_of_reject_reasons_and_a_refused_one_changes_nothing(tts, http):
    order = delivered(tts)
    return_id = buyer_return(http, order["id"], type="REFUND", reason="Wrong size")["return_id"]
    lines = line_items(tts, return_id)

    (refused,) = review(
        tts, decision(return_id, lines, "REJECT_REQUEST", reason={"reason_id": "no such reason"})
    )
    assert refused["code"] == "25007204"
    assert "reject_reason 'no such reason'" in refused["message"]
    assert status(tts, return_id) == "RETURN_OR_REFUND_REQUEST_PENDING"

    reasons = data(tts.get("/return_refund/202309/reject_reasons", params={"return_or_cancel_id": return_id}))
    name = reasons["reasons"][0]["name"]
    rejected = decision(return_id, lines, "REJECT_REQUEST", reason={"reason_id": name, "text": "As pictured"})
    assert review(tts, rejected) == []
    (found,) = returns(tts, "202602", return_ids=[return_id])
    assert found["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"
    # decided, the request allows no other decision
    (late,) = review(tts, decision(return_id, lines, "APPROVE_REQUEST"))
    assert late["code"] == "25007202"


def test_a_partial_refund_is_the_amount_for_each_line_item_named(tts, http):
    order = next(o for o in (delivered(tts, i) for i in range(40)) if len(o["line_items"]) >= 2)
    return_id = buyer_return(http, order["id"], type="RETURN_AND_REFUND", reason="Wrong size")["return_id"]
    lines = line_items(tts, return_id)
    assert len(lines) >= 2
    currency = order["payment"]["currency"]
    offer = {"partial_refund_amount": "0.50", "currency": currency}
    assert (
        review(tts, decision(return_id, lines, "OFFER_PARTIAL_REFUND", alternative_solution_details=offer))
        == []
    )
    (found,) = returns(tts, "202602", return_ids=[return_id])
    assert found["return_status"] == "AWAITING_BUYER_RESPONSE"
    assert Decimal(found["partial_refund"]["amount"]) == Decimal("0.50") * len(lines)

    # an amount for each line item that comes to more than the request's refund: refused whole
    other = next(
        o
        for o in (delivered(tts, i) for i in range(40))
        if len(o["line_items"]) >= 2 and o["id"] != order["id"]
    )
    pending = buyer_return(http, other["id"], type="REFUND")["return_id"]
    (asked,) = returns(tts, "202602", return_ids=[pending])
    each = Decimal(asked["refund_amount"]["refund_total"]) / 2 + Decimal("0.01")
    too_much = {"partial_refund_amount": f"{each:.2f}", "currency": currency}
    pending_lines = line_items(tts, pending)
    (refused,) = review(
        tts, decision(pending, pending_lines, "OFFER_PARTIAL_REFUND", alternative_solution_details=too_much)
    )
    assert refused["code"] == "25007205"
    assert status(tts, pending) == "RETURN_OR_REFUND_REQUEST_PENDING"
    # the offer standing is no longer the seller's to review: it awaits the buyer
    (late,) = review(
        tts, decision(return_id, lines, "OFFER_PARTIAL_REFUND", alternative_solution_details=offer)
    )
    assert late["code"] == "25007202"


def test_one_refused_decision_leaves_the_others_applied(tts, http):
    first = buyer_return(http, delivered(tts, 0)["id"], type="REFUND")["return_id"]
    second = buyer_return(http, delivered(tts, 1)["id"], type="REFUND")["return_id"]
    first_lines, second_lines = line_items(tts, first), line_items(tts, second)

    errors = review(
        tts,
        decision(first, first_lines, "APPROVE_REQUEST"),
        decision("999999999999999999", first_lines, "APPROVE_REQUEST"),  # no such request
        decision(second, first_lines, "APPROVE_REQUEST"),  # another request's line items
    )
    assert [e["code"] for e in errors] == ["25007201", "25007211"]
    assert "999999999999999999" in errors[0]["message"]
    assert status(tts, first) != "RETURN_OR_REFUND_REQUEST_PENDING"  # refunded
    assert status(tts, second) == "RETURN_OR_REFUND_REQUEST_PENDING"

    # decided as a whole: some line items only, or two actions, are refused
    if len(second_lines) > 1:
        (partly,) = review(tts, decision(second, second_lines[:1], "APPROVE_REQUEST"))
        assert partly["code"] == "25007212"
    two_actions = {
        "request_id": second,
        "line_item_decisions": [
            {"line_items": second_lines, "action": "APPROVE_REQUEST"},
            {"line_items": second_lines, "action": "REFUND_INSTEAD"},
        ],
    }
    (mixed,) = review(tts, two_actions)
    assert mixed["code"] == "25007212"
    assert status(tts, second) == "RETURN_OR_REFUND_REQUEST_PENDING"


def test_an_idempotency_key_is_applied_once(tts, http):
    order = delivered(tts)
    return_id = buyer_return(http, order["id"], type="RETURN_AND_REFUND", reason="Wrong size")["return_id"]
    lines = line_items(tts, return_id)
    approve = decision(return_id, lines, "APPROVE_REQUEST", idempotency_key="review-1")

    assert review(tts, approve) == []
    assert review(tts, approve) == []  # the same decision again: not applied twice, not refused
    assert status(tts, return_id) == "AWAITING_BUYER_SHIP"
    approvals = [
        r
        for r in data(tts.get(f"/return_refund/202309/returns/{return_id}/records"))["records"]
        if r["event"] == "REQUEST_APPROVED"
    ]
    assert len(approvals) == 1

    (reused,) = review(tts, decision(return_id, lines, "REFUND_INSTEAD", idempotency_key="review-1"))
    assert reused["code"] == "25007213"
    assert status(tts, return_id) == "AWAITING_BUYER_SHIP"
    # without the key, the seller may still refund instead of the return
    assert review(tts, decision(return_id, lines, "REFUND_INSTEAD")) == []
    assert status(tts, return_id) != "AWAITING_BUYER_SHIP"


def test_bad_input_is_answered_in_the_envelope(tts, http):
    return_id = buyer_return(http, delivered(tts)["id"], type="REFUND")["return_id"]
    lines = line_items(tts, return_id)
    for body in (
        {"aftersales_request_decisions": [decision(return_id, lines, "APPROVE_EVERYTHING")]},
        {"aftersales_request_decisions": [decision(return_id, [], "APPROVE_REQUEST")]},
        {"aftersales_request_decisions": [decision("not-a-number", lines, "APPROVE_REQUEST")]},
        {"aftersales_request_decisions": [{"request_id": return_id}]},
        {
            "aftersales_request_decisions": [
                decision(return_id, lines, "APPROVE_REQUEST", request_id_type="ORDER")
            ]
        },
        {"unknown": 1},
    ):
        assert envelope(tts.post(REVIEW, body))["code"] == 36009004, body
    assert status(tts, return_id) == "RETURN_OR_REFUND_REQUEST_PENDING"
    bad_amount = {"partial_refund_amount": "lots", "currency": "USD"}
    (refused,) = review(
        tts, decision(return_id, lines, "OFFER_PARTIAL_REFUND", alternative_solution_details=bad_amount)
    )
    assert refused["code"] == "25007205"
