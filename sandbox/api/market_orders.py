"""Order operations served in some markets only (``sandbox/domain/markets.py``): the search for
print-on-demand customisations."""

from __future__ import annotations

from typing import Any

from sandbox.api.market_fulfillment import pod_queries
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def search_pod_details(body: Any, **_: Any) -> dict[str, Any]:
    order_id, queries = pod_queries(json_object(body))
    with current().world.session() as world:
        found = world.pod_details(order_id, queries, order_api=True)
        details = [{"order_line_id": line_id, "pod_detail": text} for line_id, text in found]
        return success(world.next_request_id(), {"pod_details": details, "status_code": 0})
