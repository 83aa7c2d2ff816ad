"""Authorized and active shops of the seller behind the access token."""

from __future__ import annotations

from typing import Any

from sandbox.http.context import current
from sandbox.http.envelope import success


def get_authorized_shops(**_: Any) -> dict[str, Any]:
    ctx = current()
    with ctx.world.session() as world:
        shops = [
            {
                "id": s.id,
                "name": s.name,
                "region": s.region,
                "seller_type": s.seller_type,
                "cipher": s.cipher,
                "code": s.code,
            }
            for s in world.shops.values()
        ]
        return success(world.next_request_id(), {"shops": shops})


def get_active_shops(**_: Any) -> dict[str, Any]:
    ctx = current()
    with ctx.world.session() as world:
        shops = [{"id": s.id, "region": s.region} for s in world.shops.values()]
        return success(world.next_request_id(), {"shops": shops})
