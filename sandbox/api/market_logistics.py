"""Logistics operations served in some markets only (``sandbox/domain/markets.py``): the shop's
shipping templates."""

from __future__ import annotations

from typing import Any

from sandbox.http.context import current
from sandbox.http.envelope import success


def check_shipping_template_existence(biz_warehouse_id: str, **_: Any) -> dict[str, Any]:
    # shop_id is accepted: the shop is the one shop_cipher names.
    with current().world.session() as world:
        exists = world.shipping_template_exists(str(biz_warehouse_id))
        return success(world.next_request_id(), {"template_exist": exists})
