"""Cancellations in the returns-and-refunds API: search, approve, reject, and the seller's own."""

from __future__ import annotations

from typing import Any

from sandbox.api.context import current, json_object
from sandbox.api.envelope import success
from sandbox.api.listing import page_of
from sandbox.domain import cancellations
from sandbox.domain.cancellations import CANCEL_TYPE, Cancellation
from sandbox.domain.events import RuleViolation


def _render(record: Cancellation, world: Any) -> dict[str, Any]:
    order = world.orders[record.order_id]
    out: dict[str, Any] = {
        "cancel_id": record.id,
        "order_id": record.order_id,
        "cancel_status": record.status.value,
        "cancel_type": CANCEL_TYPE[record.initiator],
        "role": record.initiator.value,
        "cancel_reason": record.reason,
        "create_time": int(record.create_time.timestamp()),
        "update_time": int(record.update_time.timestamp()),
        "refund_amount": {"currency": order.payment.currency, "refund_total": order.payment.total_amount},
        "order_line_item_ids": [item.id for item in order.line_items],
    }
    if record.response_due is not None:
        out["seller_response_deadline"] = int(record.response_due.timestamp())
    if record.reject_reason:
        out["reject_reason"] = record.reject_reason
    return out


class _Filter:
    def __init__(self, body: dict[str, Any]):
        self.order_ids = set(body.get("order_ids", []))
        self.statuses = set(body.get("cancel_status", []))
        self.create_ge, self.create_lt = body.get("create_time_ge"), body.get("create_time_lt")

    def matches(self, record: Cancellation) -> bool:
        created = int(record.create_time.timestamp())
        return (
            (not self.order_ids or record.order_id in self.order_ids)
            and (not self.statuses or record.status.value in self.statuses)
            and (self.create_ge is None or created >= self.create_ge)
            and (self.create_lt is None or created < self.create_lt)
        )


def search_cancellations(
    page_size: int,
    body: Any = None,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    **_: Any,
) -> dict[str, Any]:
    where = _Filter(json_object(body))
    paging = dict(page_size=page_size, page_token=page_token, sort_field=sort_field, sort_order=sort_order)
    with current().world.session() as world:
        return page_of(
            world,
            "cancellations",
            world.cancellations.values(),
            where,
            lambda r: _render(r, world),
            paging,
        )


def approve_cancellation(cancel_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        record = cancellations.pending(world.cancellations, cancel_id)
        world.apply(cancellations.seller_approves(world.orders[record.order_id], world.now()))
        return success(world.next_request_id(), {})


def reject_cancellation(cancel_id: str, body: Any = None, **_: Any) -> dict[str, Any]:
    reason = json_object(body).get("reject_reason", "")
    with current().world.session() as world:
        record = cancellations.pending(world.cancellations, cancel_id)
        world.apply(cancellations.seller_rejects(world.orders[record.order_id], world.now(), reason))
        return success(world.next_request_id(), {})


def cancel_order(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        order = world.orders.get(request["order_id"])
        if order is None:
            raise RuleViolation(f"order {request['order_id']} not found in this shop", code=25007006)
        world.apply(cancellations.seller_cancels(order, world.now(), request["cancel_reason"]))
        record = next(
            r
            for r in world.cancellations.values()
            if r.order_id == order.id and r.status is cancellations.CancelStatus.COMPLETE
        )
        return success(
            world.next_request_id(), {"cancel_id": record.id, "cancel_status": record.status.value}
        )


# Later versions of the same operations: same behaviour in the sandbox.
search_cancellations_202602 = search_cancellations
cancel_order_202602 = cancel_order
