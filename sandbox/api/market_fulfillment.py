"""Fulfillment operations served in some markets only (``sandbox/domain/markets.py``): TikTok
Shipping coverage of a tracking number, customs clearance information, print-on-demand customisations.

Both versions of the print-on-demand details (fulfillment 202606 ``pod_details/get`` and order
202606 ``pod_details/search``) read the same customisation; ``pod_queries`` reads their body."""

from __future__ import annotations

from typing import Any

from sandbox.domain import markets, redemption
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def check_tiktok_coverage(tracking_number: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        shipping, collection = world.tiktok_coverage(tracking_number)
        return success(
            world.next_request_id(), {"is_tiktok_shipping": shipping, "is_tiktok_collection": collection}
        )


def get_customs_requirements(body: Any, **_: Any) -> dict[str, Any]:
    order_ids = list(dict.fromkeys(json_object(body)["order_ids"]))
    with current().world.session() as world:
        found = world.customs_requirements(order_ids)
        return success(world.next_request_id(), {"order_clearance_list": [_clearance(r) for r in found]})


def _clearance(requirement: markets.CustomsRequirement) -> dict[str, Any]:
    order = requirement.order
    return {
        "order_id": order.id,
        "need_fill_clearance": requirement.need_fill,
        "already_filled_clearance": requirement.already_filled,
        "target_country": order.recipient_address.region_code,
        "biz_type": markets.BIZ_TYPE_POP,
        "shipment_type": markets.SHIPMENT_LOCAL,
        "item_list": [
            {
                "order_line_id": item.id,
                "product_id": item.product_id,
                "sku_id": item.sku_id,
                "is_virtual_unboxing": False,
                "is_temporary_listing": requirement.temporary_listing,
                "related_item_detail": [
                    {
                        "product_id": d.product_id,
                        "sku_id": d.sku_id,
                        "qty": d.qty,
                        "price_percent": d.price_percent,
                    }
                    for d in submitted
                ],
            }
            for item, _, submitted in requirement.lines
        ],
    }


def submit_customs_information(body: Any, **_: Any) -> dict[str, Any]:
    submission = [
        (
            entry["order_id"],
            [
                markets.CustomsEntry(
                    line.get("order_line_id", ""),
                    line.get("sku_id", ""),
                    [(d["sku_id"], d["qty"], d["price_percent"]) for d in line.get("item_detail") or []],
                )
                for line in entry.get("item_list") or []
            ],
        )
        for entry in json_object(body)["order_list"]
    ]
    with current().world.session() as world:
        world.submit_customs(submission)
        return success(world.next_request_id(), {})


def pod_queries(body: dict[str, Any]) -> tuple[str, list[markets.PodQuery]]:
    lines = [
        markets.PodQuery(q["order_line_id"], q["product_id"], q["sku_id"], q["pod_order_data_id"])
        for q in body["query_order_lines"]
    ]
    return body["main_order_id"], lines


def get_pod_details(body: Any, **_: Any) -> dict[str, Any]:
    order_id, queries = pod_queries(json_object(body))
    with current().world.session() as world:
        found = world.pod_details(order_id, queries)
        details = [{"order_line_id": line_id, "pod_info_json": text} for line_id, text in found]
        return success(world.next_request_id(), {"pod_details": details, "status_code": 0})


def submit_redemption_information(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    entries = [
        redemption.RedeemEntry(
            line["order_line_id"],
            line["redeem_info"]["redeem_type"],
            line["redeem_info"].get("redeem_data", ""),
            line["redeem_info"].get("redeem_instruction_info", ""),
            line.get("source_unique_id", ""),
        )
        for line in request["order_info_list"]
    ]
    with current().world.session() as world:
        statuses = world.submit_redemption(request["order_id"], entries)
        return success(
            world.next_request_id(),
            {"order_statuses": [{"order_line_id": line, "status_code": code} for line, code in statuses]},
        )
