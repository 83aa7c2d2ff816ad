"""Reviewing after-sales requests (return_refund 202609): the seller's decisions on several
requests at once; each refused one in ``errors``, the call itself a success."""

from __future__ import annotations

from typing import Any

from sandbox.domain.aftersales_review import LineDecision, RequestDecision, RequestIdType, ReviewAction
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def _line_decision(body: dict[str, Any]) -> LineDecision:
    offer = body.get("alternative_solution_details") or {}
    reason = body.get("reason") or {}  # its media is accepted and not kept
    return LineDecision(
        lines=tuple(
            (str(line["return_line_item_id"]), str(line.get("sub_return_line_item_id", "")))
            for line in body["line_items"]
        ),
        action=ReviewAction(body["action"]),
        partial_refund_amount=str(offer.get("partial_refund_amount", "")),
        currency=str(offer.get("currency", "")),
        reason_id=str(reason.get("reason_id", "")),
        text=str(reason.get("text", "")),
    )


def _decision(body: dict[str, Any]) -> RequestDecision:
    # action_unix_time is accepted: the world's clock dates the decision
    return RequestDecision(
        request_id=str(body["request_id"]),
        line_decisions=tuple(_line_decision(d) for d in body["line_item_decisions"]),
        id_type=RequestIdType(body.get("request_id_type", "AFTERSALES")),
        idempotency_key=str(body.get("idempotency_key", "")),
    )


def review_aftersales_requests(body: Any = None, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    decisions = [_decision(d) for d in request.get("aftersales_request_decisions") or []]
    with current().world.session() as world:
        refused = world.review_aftersales_requests(decisions)
        # the docs type this code a string, unlike the envelope's
        errors = [{"code": str(refusal.code), "message": refusal.message} for _, refusal in refused]
        return success(world.next_request_id(), {"errors": errors} if errors else {})
