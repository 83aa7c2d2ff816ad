"""What the seller behind the token holds beyond its shops: its global product permission, its
shop group's shops and its global warehouses, each read from the tenant's own world."""

from __future__ import annotations

from sandbox import fakes
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
        "/authorization/202405/category_assets",
    ):
        assert error_code(tts.get(path, shop=False)) == 36009004


def _categories_sold(world) -> set[tuple[int, str]]:
    return {category for sku in world.stock.skus if (category := fakes.category_of(sku)) is not None}


def test_the_app_is_authorized_for_every_business_category_the_shop_sells_in(sandbox, tts):
    assets = _seller(tts, "/authorization/202405/category_assets")["category_assets"]
    world = sandbox.tenant().world
    assert {(a["category"]["id"], a["category"]["name"]) for a in assets} == _categories_sold(world)
    assert len(assets) == len({a["category"]["id"] for a in assets})  # one asset per category
    assert {a["target_market"] for a in assets} == {world.profile.shop.region}
    # Each product the shop's orders hold is of an authorized category.
    orders = data(tts.post("/order/202309/orders/search", {}, params={"page_size": 50}))["orders"]
    names = {a["category"]["name"] for a in assets}
    for order in orders:
        for item in order["line_items"]:
            noun = next(n for n in fakes.PRODUCT_CATEGORIES if item["product_name"].endswith(n))
            assert fakes.PRODUCT_CATEGORIES[noun][1] in names


def test_category_asset_ciphers_belong_to_the_app_and_market(http, tts):
    mine = _seller(tts, "/authorization/202405/category_assets")["category_assets"]
    assert mine == _seller(tts, "/authorization/202405/category_assets")["category_assets"]
    assert len({a["cipher"] for a in mine}) == len(mine)
    credentials = http.post(
        "/sandbox/tenants", json={"name": "gb-assets", "seed": 3, "region": "GB", "order_count": 2}
    ).json()
    theirs = _seller(SignedClient.for_tenant(http, credentials), "/authorization/202405/category_assets")
    assert {a["target_market"] for a in theirs["category_assets"]} == {"GB"}
    assert not {a["cipher"] for a in mine} & {a["cipher"] for a in theirs["category_assets"]}
