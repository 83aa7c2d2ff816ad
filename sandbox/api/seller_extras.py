"""What the seller behind the token holds beyond its shops (seller 202309 and 202601, logistics
202309): its global product permission, its shop group and shops, its global warehouses."""

from __future__ import annotations

from typing import Any

from sandbox import fakes
from sandbox.http.context import current
from sandbox.http.envelope import success

# The permission a cross-border seller holds to list global products in several markets; a local
# seller (every default shop) holds none: "An empty array means the seller does not have it".
GLOBAL_PRODUCT_PERMISSION = "MANAGE_GLOBAL_PRODUCT"
CROSS_BORDER = "CROSS_BORDER"


def get_global_product_permission(**_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        cross_border = any(s.seller_type == CROSS_BORDER for s in world.shops.values())
        permissions = [GLOBAL_PRODUCT_PERMISSION] if cross_border else []
        return success(world.next_request_id(), {"permissions": permissions})


def get_shop_group(**_: Any) -> dict[str, Any]:
    """No product interoperability group (a US seller opening an MX store): the shop group is
    omitted and the shops are the seller's own, as the platform answers then."""
    with current().world.session() as world:
        seller_id = world.profile.seller_open_id
        shops = [
            {"shop_id": s.id, "seller_id": seller_id, "shop_name": s.name, "shop_region": s.region}
            for s in world.shops.values()
        ]
        return success(world.next_request_id(), {"shop_group_data": {"shops": shops}})


def get_global_warehouses(**_: Any) -> dict[str, Any]:
    """The seller's warehouses: each shop's own sales warehouse, owned by the seller."""
    with current().world.session() as world:
        found = []
        for shop in world.shops.values():
            warehouse = fakes.warehouse(shop.warehouse_id, shop.name, shop.region)
            found.append({"id": warehouse.id, "name": warehouse.name, "ownership": "SELLER"})
        return success(world.next_request_id(), {"global_warehouses": found})
