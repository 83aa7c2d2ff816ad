"""Reviewing after-sales requests (return_refund 202609): the seller's decisions on several requests
in one call, each named by its after-sales request ID or its RMA's, each decided line item by line
item.

The sandbox decides a request as a whole, as the platform does for now ("One SKU may only have one
decision ... Different line item decisions for the same SKU will soon be supported"): every line
item of the request is named, under one action. Each action is one of the seller's decisions the
older endpoints take, checked by the same rules (`aftersales.seller_decides`,
`aftersales.seller_rejects`): approving the request or the package sent back, rejecting either with
a reason of `GET reject_reasons`, refunding instead of the return, offering a partial refund
before the return or after receiving the package. A decision the rules refuse changes nothing and
is answered in ``errors``; the others are applied.

An idempotency key names one decision: sent again with the same decision it is not applied twice
(and not refused, though the request has moved on); sent with another decision it is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sandbox.domain import aftersales, request_lines, rma
from sandbox.domain.aftersales import Decision, RejectDecision, ReturnRequest, ReturnStatus, ReturnType
from sandbox.domain.codes import Code
from sandbox.domain.events import Outcome, RuleViolation
from sandbox.domain.orders import Order


class ReviewAction(StrEnum):
    APPROVE_REQUEST = "APPROVE_REQUEST"
    APPROVE_RETURN_PACKAGE = "APPROVE_RETURN_PACKAGE"
    REJECT_REQUEST = "REJECT_REQUEST"
    REJECT_RETURN_PACKAGE = "REJECT_RETURN_PACKAGE"
    REFUND_INSTEAD = "REFUND_INSTEAD"
    OFFER_PARTIAL_REFUND = "OFFER_PARTIAL_REFUND"
    OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG = "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"


# What each action decides: a request awaiting the seller's review, or the package sent back.
_ON_REQUEST = frozenset(
    {
        ReviewAction.APPROVE_REQUEST,
        ReviewAction.REJECT_REQUEST,
        ReviewAction.OFFER_PARTIAL_REFUND,
    }
)
_ON_PACKAGE = frozenset(
    {
        ReviewAction.APPROVE_RETURN_PACKAGE,
        ReviewAction.REJECT_RETURN_PACKAGE,
        ReviewAction.OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG,
    }
)


class RequestIdType(StrEnum):
    AFTERSALES = "AFTERSALES"  # the after-sales request's ID: the return's
    RMA = "RMA"  # the ID of the request's return merchandise authorization


@dataclass(frozen=True)
class LineDecision:
    """One action on some line items of the request: (return_line_item_id, sub_return_line_item_id
    or "") pairs; a partial refund's amount is for each line item named."""

    lines: tuple[tuple[str, str], ...]
    action: ReviewAction
    partial_refund_amount: str = ""
    currency: str = ""
    reason_id: str = ""
    text: str = ""


@dataclass(frozen=True)
class RequestDecision:
    request_id: str
    line_decisions: tuple[LineDecision, ...]
    id_type: RequestIdType = RequestIdType.AFTERSALES
    idempotency_key: str = ""

    def fingerprint(self) -> str:
        """The decision as text, to tell whether an idempotency key comes back with the same one."""
        return json.dumps(asdict(self), sort_keys=True)


def find_request(records: Mapping[str, ReturnRequest], decision: RequestDecision) -> ReturnRequest:
    """The return a decision is about, by its own ID or its RMA's."""
    if decision.id_type is RequestIdType.AFTERSALES:
        if decision.request_id in records:
            return records[decision.request_id]
    else:
        for record in records.values():
            found = rma.of_return(record)
            if found is not None and found.id == decision.request_id:
                return record
    raise RuleViolation(
        f"no after-sales request with {decision.id_type.value} ID {decision.request_id} in this shop",
        code=Code.RETURN_NOT_FOUND,
    )


def _the_action(record: ReturnRequest, order: Order, decision: RequestDecision) -> LineDecision:
    """The request's one action, once every line item named is the request's and every one of its
    line items is named."""
    lines = {
        request_lines.line_item_id(record.id, item.id, "return"): item
        for item in order.line_items
        if item.id in record.line_item_ids
    }
    named: set[str] = set()
    for line_decision in decision.line_decisions:
        for line_id, sub_id in line_decision.lines:
            if line_id not in lines:
                raise RuleViolation(
                    f"return_line_item_id {line_id} is not a line item of request {record.id}",
                    code=Code.REVIEW_LINE_ITEM_NOT_IN_REQUEST,
                )
            parts = {line_id, *request_lines.sub_line_item_ids(record.id, lines[line_id], "return")}
            if sub_id and sub_id not in parts:
                raise RuleViolation(
                    f"sub_return_line_item_id {sub_id} is not a part of return line item {line_id}",
                    code=Code.REVIEW_LINE_ITEM_NOT_IN_REQUEST,
                )
            named.add(line_id)
    actions = {line_decision.action for line_decision in decision.line_decisions}
    if len(actions) != 1 or named != set(lines):
        raise RuleViolation(
            f"request {record.id} is decided as a whole: name each of its {len(lines)} line items "
            "under one action",
            code=Code.REVIEW_NOT_WHOLE,
        )
    return decision.line_decisions[0]


def _offer(record: ReturnRequest, decision: RequestDecision) -> aftersales.PartialRefundOffer:
    """The partial refund offered: the amount given for each line item named, times their number."""
    first = decision.line_decisions[0]
    count = sum(len(d.lines) for d in decision.line_decisions)
    try:
        each = Decimal(first.partial_refund_amount)
    except InvalidOperation:
        raise RuleViolation(
            f"partial_refund_amount '{first.partial_refund_amount}' is not an amount",
            code=Code.INVALID_PARTIAL_REFUND,
        ) from None
    if not first.partial_refund_amount or not each.is_finite():
        raise RuleViolation(
            f"{first.action.value} needs alternative_solution_details with partial_refund_amount",
            code=Code.INVALID_PARTIAL_REFUND,
        )
    total = each * count
    return aftersales.PartialRefundOffer(first.currency or record.currency, f"{total:f}")


def _rejection(record: ReturnRequest, action: ReviewAction) -> RejectDecision:
    if action is ReviewAction.REJECT_RETURN_PACKAGE:
        return RejectDecision.REJECT_RECEIVED_PACKAGE
    if record.type is ReturnType.REFUND:
        return RejectDecision.REJECT_REFUND
    return RejectDecision.REJECT_RETURN


def _check_status(record: ReturnRequest, action: ReviewAction) -> None:
    if action in _ON_REQUEST and record.status is not ReturnStatus.PENDING:
        what = "a request awaiting review"
    elif action in _ON_PACKAGE and record.status is not ReturnStatus.BUYER_SHIPPED:
        what = "a return package the buyer sent back"
    else:
        return
    raise RuleViolation(
        f"request {record.id} is {record.status.value}: {action.value} decides only {what}",
        code=Code.RETURN_STATUS_NOT_ALLOWED,
    )


def review(record: ReturnRequest, order: Order, decision: RequestDecision, at: datetime) -> Outcome:
    """The decision on one request, by the rules of the seller's decisions."""
    line_decision = _the_action(record, order, decision)
    action = line_decision.action
    _check_status(record, action)
    if action is ReviewAction.APPROVE_REQUEST:
        is_return = record.type is ReturnType.RETURN_AND_REFUND
        outcome = aftersales.seller_decides(
            record, at, Decision.APPROVE_RETURN if is_return else Decision.APPROVE_REFUND
        )
    elif action is ReviewAction.APPROVE_RETURN_PACKAGE:
        outcome = aftersales.seller_decides(record, at, Decision.APPROVE_RECEIVED_PACKAGE)
    elif action is ReviewAction.REFUND_INSTEAD:
        outcome = aftersales.seller_decides(record, at, Decision.DIRECT_REFUND)
    elif action is ReviewAction.OFFER_PARTIAL_REFUND:
        outcome = aftersales.seller_decides(
            record, at, Decision.OFFER_PARTIAL_REFUND, partial_refund=_offer(record, decision)
        )
    elif action is ReviewAction.OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG:
        outcome = aftersales.seller_rejects(
            record, at, "", decision=action.value, partial_refund=_offer(record, decision)
        )
    else:  # a rejection, with a reason of reject_reasons
        outcome = aftersales.seller_rejects(
            record, at, line_decision.reason_id, line_decision.text, _rejection(record, action).value
        )
    return outcome


def check_key(keys: Mapping[str, str], decision: RequestDecision) -> bool:
    """Whether the decision was applied already under its idempotency key (then it is not applied
    again); a key sent before with another decision is refused."""
    if not decision.idempotency_key or decision.idempotency_key not in keys:
        return False
    if keys[decision.idempotency_key] != decision.fingerprint():
        raise RuleViolation(
            f"idempotency_key {decision.idempotency_key} was sent with another decision",
            code=Code.IDEMPOTENCY_KEY_REUSED,
        )
    return True
