"""Fulfillment operations served in some markets only (``sandbox/domain/markets.py``): TikTok
Shipping coverage of a tracking number."""

from __future__ import annotations

from typing import Any

from sandbox.http.context import current
from sandbox.http.envelope import success


def check_tiktok_coverage(tracking_number: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        shipping, collection = world.tiktok_coverage(tracking_number)
        return success(
            world.next_request_id(), {"is_tiktok_shipping": shipping, "is_tiktok_collection": collection}
        )
