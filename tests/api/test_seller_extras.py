"""What the seller behind the token holds beyond its shops: its global product permission, its
shop group's shops and its global warehouses, each read from the tenant's own world."""

from __future__ import annotations

from sandbox.client import SignedClient
from tests.helpers import data, error_code


def _seller(tts: SignedClient, path: str) -> dict:
    return data(tts.get(path, shop=False))


def test_a_local_seller_has_no_global_product_permission(tts):
    assert _seller(tts, "/seller/202309/permissions") == {"permissions": []}


def test_the_shop_group_lists_the_sellers_own_shops(tts):
    shops = data(tts.get("/authorization/202309/shops", shop=False))["shops"]
    group = _seller(tts, "/seller/202601/shop_groups")["shop_group_data"]
    assert "shop_group" not in group  # a local seller belongs to no interoperability group
    assert [(s["shop_id"], s["shop_name"], s["shop_region"]) for s in group["shops"]] == [
        (s["id"], s["name"], s["region"]) for s in shops
    ]
    assert all(s["seller_id"] for s in group["shops"])


def test_global_warehouses_are_the_shops_own_warehouses(tts):
    local = data(tts.get("/logistics/202309/warehouses"))["warehouses"]
    found = _seller(tts, "/logistics/202309/global_warehouses")["global_warehouses"]
    assert found == [{"id": w["id"], "name": w["name"], "ownership": "SELLER"} for w in local]


def test_another_tenant_sees_its_own_shop_and_warehouse(http, tts):
    credentials = http.post(
        "/sandbox/tenants", json={"name": "gb-seller", "seed": 3, "region": "GB", "order_count": 2}
    ).json()
    other = SignedClient.for_tenant(http, credentials)
    [shop] = _seller(other, "/seller/202601/shop_groups")["shop_group_data"]["shops"]
    assert (shop["shop_id"], shop["shop_region"]) == (credentials["shop"]["id"], "GB")
    mine = _seller(tts, "/logistics/202309/global_warehouses")["global_warehouses"]
    theirs = _seller(other, "/logistics/202309/global_warehouses")["global_warehouses"]
    assert mine[0]["id"] != theirs[0]["id"]


def test_a_seller_call_with_a_token_of_no_seller_is_refused(tts):
    tts.access_token = "not-a-token"
    for path in (
        "/seller/202309/permissions",
        "/seller/202601/shop_groups",
        "/logistics/202309/global_warehouses",
    ):
        assert error_code(tts.get(path, shop=False)) == 36009004
