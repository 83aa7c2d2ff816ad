"""The newer returns-and-refunds operations: refund estimates and seller-created returns of some
line items (202602), the after-sales requests and their return merchandise authorizations (search
202603 and 202604, review 202609), the decisions a request allows (202601, 202606) and the return
label a seller gives the buyer (202405)."""

from __future__ import annotations

from typing import Any

from sandbox.api import render_returns
from sandbox.domain import request_lines
from sandbox.domain.aftersales import DecisionVerdict, NamedLines, RequestType, ReturnType
from sandbox.domain.cancellations import Cancellation
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def _named(request: dict[str, Any]) -> NamedLines:
    """The line items a body names: by ID, by order line, by SKU."""
    ids = [str(line) for line in request.get("order_line_item_ids") or []]
    lines = [
        (str(line["order_line_item_id"]), str(line.get("sub_order_line_item_id", "")))
        for line in request.get("order_line_list") or []
    ]
    skus = [(str(sku["sku_id"]), int(sku.get("quantity", 1))) for sku in request.get("skus") or []]
    return ids, lines, skus


def calculate_refund(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)  # shipment_type and handover_method change nothing here
    with current().world.session() as world:
        overall, _shares = world.calculate_refund(
            request["order_id"], RequestType(request["request_type"]), request["reason_name"], _named(request)
        )
        amount = render_returns.refund_amount(overall)
        amount.pop("buyer_service_fee")
        return success(world.next_request_id(), {"order_refund_amount": amount})


def create_return(body: Any, idempotency_key: str = "", **_: Any) -> dict[str, Any]:
    request = json_object(body)  # shipment_type and handover_method: the platform's label is used
    with current().world.session() as world:
        record = world.seller_creates_return(
            request["order_id"],
            ReturnType(request["return_type"]),
            request["return_reason"],
            _named(request),
            str(request.get("refund_total", "")),
            str(request.get("currency", "")),
        )
        return success(
            world.next_request_id(), {"return_id": record.id, "return_status": record.status.value}
        )


def _listed(value: Any) -> list[str]:
    """A query array, sent comma-joined or repeated."""
    items = [] if value is None else value if isinstance(value, list) else [value]
    return [part for item in items for part in str(item).split(",") if part]


def _verdict(verdict: DecisionVerdict) -> dict[str, Any]:
    out: dict[str, Any] = {"decision": verdict.decision, "eligible": verdict.eligible}
    if not verdict.eligible:
        out.update(ineligible_code=verdict.code, ineligible_reason=verdict.reason)
    elif verdict.reject_reasons:
        out["available_reject_reasons"] = [{"name": r.name, "text": r.text} for r in verdict.reject_reasons]
    return out


def get_decision_eligibility(
    return_or_cancel_id: str, check_decisions: Any = None, **_: Any
) -> dict[str, Any]:
    with current().world.session() as world:  # locale: the sandbox answers in English
        verdicts = world.decision_verdicts(return_or_cancel_id, _listed(check_decisions))
        return success(world.next_request_id(), {"decisions": [_verdict(v) for v in verdicts]})


_PARTIAL = ("OFFER_PARTIAL_REFUND", "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG")


def get_available_review_decisions(
    seller_id: int, return_or_cancel_id: str, check_decisions: Any = None, **_: Any
) -> dict[str, Any]:
    """Per line item of the return or cancellation, its decisions; an eligible partial refund
    offer with its range (a cent up to the line item's refund). seller_id is accepted."""
    with current().world.session() as world:
        verdicts, record = world.review_decisions(return_or_cancel_id, _listed(check_decisions))
        order = world.orders[record.order_id]
        if isinstance(record, Cancellation):
            items, _total, shares = render_returns.cancellation_refund(record, order)
            prefix = "cancel"
        else:
            items, _total, shares = render_returns.return_refund(record, order)
            prefix = "return"
        lines = []
        for item in items:
            decisions = []
            for verdict in verdicts:
                out = _verdict(verdict)
                if verdict.eligible and verdict.decision in _PARTIAL:
                    share = shares[item.id]
                    out["partial_refund_amount_range"] = {
                        "min_amount": "0.01",
                        "max_amount": share.total,
                        "currency": share.currency,
                    }
                decisions.append(out)
            line_id = request_lines.line_item_id(record.id, item.id, prefix)
            lines.append({"return_line_item_id": line_id, "decisions": decisions})
        request_id = world.next_request_id()
        return success(request_id, {"line_items": lines, "request_log_id": request_id})
