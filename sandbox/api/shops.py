"""Authorized and active shops of the seller behind the access token, and the business categories
it authorized the app for."""

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


def get_authorized_category_assets(**_: Any) -> dict[str, Any]:
    ctx = current()
    assert ctx.tenant is not None
    with ctx.world.session() as world:
        assets = [
            {
                "cipher": a.cipher,
                "target_market": a.target_market,
                "category": {"id": a.category_id, "name": a.category_name},
            }
            for a in world.category_assets(ctx.tenant.app_key)
        ]
        return success(world.next_request_id(), {"category_assets": assets})
