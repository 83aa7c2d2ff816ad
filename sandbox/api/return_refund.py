"""The returns-and-refunds API: cancellations (search, approve, reject, the seller's own) and buyers'
return and refund requests (search, approve, reject, reject reasons, records, aftersale eligibility)."""

from __future__ import annotations

from typing import Any

from sandbox.api import render_returns
from sandbox.api.listing import page_of
from sandbox.domain import aftersales
from sandbox.domain.aftersales import Decision, RequestType, ReturnRequest
from sandbox.domain.cancellations import CANCEL_TYPE, Cancellation
from sandbox.domain.search import CancellationFilter, ReturnFilter
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def _render(record: Cancellation, world: Any) -> dict[str, Any]:
    order = world.orders[record.order_id]
    items, refund, _ = render_returns.cancellation_refund(record, order)
    out: dict[str, Any] = {
        "cancel_id": record.id,
        "order_id": record.order_id,
        "cancel_status": record.status.value,
        "cancel_type": CANCEL_TYPE[record.initiator],
        "role": record.initiator.value,
        "cancel_reason": record.reason,
        "create_time": int(record.create_time.timestamp()),
        "update_time": int(record.update_time.timestamp()),
        "refund_amount": {
            "currency": order.payment.currency,
            # a whole order: its payment, as 202309 has always answered; some line items: theirs
            "refund_total": order.payment.total_amount if record.line_item_ids is None else refund.total,
        },
        "order_line_item_ids": [item.id for item in items],
    }
    if record.response_due is not None:
        out["seller_response_deadline"] = int(record.response_due.timestamp())
    if record.reject_reason:
        out["reject_reason"] = record.reject_reason
    return out


def search_cancellations(
    page_size: int,
    body: Any = None,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    **_: Any,
) -> dict[str, Any]:
    where = _criteria(CancellationFilter, json_object(body))
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
        world.approve_cancellation(cancel_id)
        return success(world.next_request_id(), {})


def reject_cancellation(cancel_id: str, body: Any = None, **_: Any) -> dict[str, Any]:
    reason = json_object(body).get("reject_reason", "")
    with current().world.session() as world:
        world.reject_cancellation(cancel_id, reason)
        return success(world.next_request_id(), {})


def cancel_order(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        record = world.seller_cancels_order(request["order_id"], request["cancel_reason"])
        return success(
            world.next_request_id(), {"cancel_id": record.id, "cancel_status": record.status.value}
        )


# ----- returns and refunds ------------------------------------------------------------------------
def _criteria(kind: type[Any], body: dict[str, Any]) -> Any:
    """A search body (its fields are the spec's, checked by the gateway) as a domain filter."""
    return kind(**{k: tuple(v) if isinstance(v, list) else v for k, v in body.items()})


def _stamp(at: Any) -> int:
    return int(at.timestamp())


def _render_return(record: ReturnRequest, world: Any) -> dict[str, Any]:
    order = world.orders[record.order_id]
    refund = {"currency": record.currency, "refund_total": record.refund_total}
    _, _, shares = render_returns.return_refund(record, order)
    whole = len(record.line_item_ids) == len(order.line_items)
    out: dict[str, Any] = {
        "return_id": record.id,
        "order_id": record.order_id,
        "return_status": record.status.value,
        "return_type": record.type.value,
        "role": record.role.value,
        "return_reason": record.reason,
        "return_reason_text": record.reason,
        "create_time": _stamp(record.create_time),
        "update_time": _stamp(record.update_time),
        "refund_amount": refund,
        "return_line_items": [
            {
                "order_line_item_id": item.id,
                "sku_id": item.sku_id,
                "product_name": item.product_name,
                "sku_name": item.sku_name,
                "seller_sku": item.seller_sku,
                "refund_amount": {
                    "currency": item.currency,
                    # some line items: each one's share of the refund
                    "refund_total": item.sale_price if whole else shares[item.id].total,
                },
            }
            for item in order.line_items
            if item.id in record.line_item_ids
        ],
    }
    if record.response_due is not None:
        out["seller_response_deadline"] = _stamp(record.response_due)
    if record.return_tracking_number:
        out["return_tracking_number"] = record.return_tracking_number
    if record.reject_reason:
        out["reject_reason"] = record.reject_reason
    if record.reject_comment:
        out["reject_comment"] = record.reject_comment
    return out


def search_returns(
    page_size: int,
    body: Any = None,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    **_: Any,
) -> dict[str, Any]:
    where = _criteria(ReturnFilter, json_object(body))
    paging = dict(page_size=page_size, page_token=page_token, sort_field=sort_field, sort_order=sort_order)
    with current().world.session() as world:
        return page_of(
            world, "return_orders", world.returns.values(), where, lambda r: _render_return(r, world), paging
        )


def approve_return(return_id: str, body: Any = None, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    decision = Decision(request["decision"]) if "decision" in request else None
    offer = request.get("partial_refund")
    partial = aftersales.PartialRefundOffer(**offer) if isinstance(offer, dict) else None
    with current().world.session() as world:
        world.approve_return(return_id, decision, bool(request.get("buyer_keep_item", False)), partial)
        return success(world.next_request_id(), {})


def reject_return(return_id: str, body: Any = None, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    with current().world.session() as world:
        world.reject_return(return_id, request.get("reject_reason", ""), request.get("comment", ""))
        return success(world.next_request_id(), {})


def get_reject_reasons(return_or_cancel_id: str = "", **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        reasons = aftersales.reasons_for(world.returns, world.cancellations, return_or_cancel_id)
        return success(
            world.next_request_id(), {"reasons": [{"name": r.name, "text": r.text} for r in reasons]}
        )


def get_return_records(return_id: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        record = aftersales.find(world.returns, return_id)
        return success(world.next_request_id(), {"records": render_returns.return_records(record)})


def get_aftersale_eligibility(
    order_id: str, initiate_aftersale_user: str = "BUYER", request_types: Any = None, **_: Any
) -> dict[str, Any]:
    kinds = [RequestType(k) for k in _listed(request_types)] or list(RequestType)
    with current().world.session() as world:
        order = world.order(order_id)
        by_seller, now = initiate_aftersale_user == "SELLER", world.now()
        verdicts = {
            kind: aftersales.request_eligibility(world.returns, order, now, by_seller, kind)
            for kind in dict.fromkeys(kinds)
        }
        return success(world.next_request_id(), render_returns.eligibility_202602(order, verdicts))


def _listed(value: Any) -> list[str]:
    """A query array, sent comma-joined or repeated."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [part for item in items for part in str(item).split(",") if part]


# ----- 202602 -------------------------------------------------------------------------------------
def _of_buyers(records: Any, world: Any, buyer_user_ids: Any) -> Any:
    """The records whose order's buyer is one of ``buyer_user_ids`` (all of them without any)."""
    if not buyer_user_ids:
        return records
    buyers = set(buyer_user_ids)
    return [r for r in records if world.orders[r.order_id].user_id in buyers]


def _search_202602(
    key: str, filter_type: Any, records_of: Any, render: Any, body: Any, paging: dict[str, Any]
) -> dict[str, Any]:
    """One page of a 202602 search: the body's filters, and the buyers it names."""
    request = dict(json_object(body))
    request.pop("locale", None)  # the sandbox answers in English
    buyers = request.pop("buyer_user_ids", None)
    where = _criteria(filter_type, request)
    with current().world.session() as world:
        records = _of_buyers(records_of(world), world, buyers)
        return page_of(world, key, records, where, render(world), paging)


def search_cancellations_202602(
    page_size: int,
    body: Any = None,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    **_: Any,
) -> dict[str, Any]:
    paging = dict(page_size=page_size, page_token=page_token, sort_field=sort_field, sort_order=sort_order)
    return _search_202602(
        "cancellations",
        CancellationFilter,
        lambda world: world.cancellations.values(),
        lambda world: lambda r: render_returns.cancellation_202602(r, world.orders[r.order_id]),
        body,
        paging,
    )


def search_returns_202602(
    page_size: int,
    body: Any = None,
    page_token: str = "",
    sort_field: str = "create_time",
    sort_order: str = "DESC",
    **_: Any,
) -> dict[str, Any]:
    paging = dict(page_size=page_size, page_token=page_token, sort_field=sort_field, sort_order=sort_order)
    return _search_202602(
        "return_orders",
        ReturnFilter,
        lambda world: world.returns.values(),
        render_returns.of_world_202602,
        body,
        paging,
    )


def cancel_order_202602(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    lines = list(request.get("order_line_item_ids", []))
    lines += [line["order_line_item_id"] for line in request.get("order_line_list", [])]
    skus = [(sku["sku_id"], int(sku.get("quantity", 1))) for sku in request.get("skus", [])]
    named = any(k in request for k in ("order_line_item_ids", "order_line_list", "skus"))
    with current().world.session() as world:
        record = world.seller_cancels_order(
            request["order_id"],
            request["cancel_reason"],
            line_item_ids=lines if named else None,
            skus=skus if named else None,
        )
        return success(
            world.next_request_id(), {"cancel_id": record.id, "cancel_status": record.status.value}
        )


def reject_return_202606(return_id: str, body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)  # images are accepted and not kept
    offer = request.get("partial_refund_amount")  # 202606 names the amount partial_refund_total
    partial = (
        aftersales.PartialRefundOffer(offer.get("currency", ""), offer.get("partial_refund_total", ""))
        if isinstance(offer, dict)
        else None
    )
    with current().world.session() as world:
        world.reject_return(
            return_id, request["reject_reason"], request.get("comment", ""), request["decision"], partial
        )
        return success(world.next_request_id(), {})
