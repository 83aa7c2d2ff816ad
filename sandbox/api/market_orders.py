"""Order operations served in some markets only (``sandbox/domain/markets.py``): the search for
print-on-demand customisations, and the results of opening blind boxes."""

from __future__ import annotations

from typing import Any

from sandbox.api.market_fulfillment import pod_queries
from sandbox.domain import markets
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def search_pod_details(body: Any, **_: Any) -> dict[str, Any]:
    order_id, queries = pod_queries(json_object(body))
    with current().world.session() as world:
        found = world.pod_details(order_id, queries, order_api=True)
        details = [{"order_line_id": line_id, "pod_detail": text} for line_id, text in found]
        return success(world.next_request_id(), {"pod_details": details, "status_code": 0})


def update_blind_box_results(body: Any, **_: Any) -> dict[str, Any]:
    """The batch shape when it holds anything (the legacy shape is then ignored), else the legacy
    shape: one NORMAL product per line."""
    given = json_object(body)
    batch = given.get("blind_batch_box_results") or []
    if batch:
        entries = [
            markets.BlindBoxEntry(
                b["order_line_id"],
                [
                    (
                        r["blind_result_product_id"],
                        r["blind_result_sku_id"],
                        r["blind_open_time"],
                        r.get("product_type", "NORMAL"),
                    )
                    for r in b["blind_box_order_line_list"]
                ],
            )
            for b in batch
        ]
    else:
        entries = [
            markets.BlindBoxEntry(
                r["order_line_id"],
                [(r["blind_result_product_id"], r["blind_result_sku_id"], r["blind_open_time"], "NORMAL")],
            )
            for r in given.get("blind_box_results") or []
        ]
    with current().world.session() as world:
        world.open_blind_boxes(given["main_order_id"], entries)
        return success(world.next_request_id(), {})
