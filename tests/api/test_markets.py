"""Operations the platform serves in some markets only: each answers from the world's state in a
shop of a market it serves, and 21011116 (not in the shop's market) in any other."""

from __future__ import annotations

from typing import Any

from sandbox.client import SignedClient
from tests.helpers import data, error_code, first_order, seller_provider

NOT_IN_MARKET = 21011116
SHIP = "/fulfillment/202309/packages/{}/ship"
COVERAGE = "/fulfillment/202508/tts_tracking_validation"
TEMPLATE_EXIST = "/logistics/202606/seller_template/template_exist"


def shop(http: Any, region: str, seed: int = 7) -> SignedClient:
    credentials = http.post(
        "/sandbox/tenants",
        json={
            "seed": seed,
            "region": region,
            "order_count": 60,
            "start": "2026-03-02T09:00:00Z",
            "frozen": True,
        },
    ).json()
    return SignedClient.for_tenant(http, credentials)


def package_of(tts: SignedClient, order_id: str) -> dict[str, Any]:
    detail = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
    return data(tts.get(f"/fulfillment/202309/packages/{detail['packages'][0]['id']}"))


def ship(tts: SignedClient, order_id: str, handover: str) -> dict[str, Any]:
    package_id = package_of(tts, order_id)["package_id"]
    body: dict[str, Any] = {"handover_method": handover}
    if handover == "PICKUP":
        slots = data(tts.get(f"/fulfillment/202309/packages/{package_id}/handover_time_slots"))[
            "pickup_slots"
        ]
        body["pickup_slot"] = {"start_time": slots[0]["start_time"], "end_time": slots[0]["end_time"]}
    data(tts.post(SHIP.format(package_id), body))
    return package_of(tts, order_id)


def awaiting(tts: SignedClient, shipping_type: str = "TIKTOK") -> list[str]:
    body = {"order_status": "AWAITING_SHIPMENT", "shipping_type": shipping_type}
    found = data(tts.post("/order/202309/orders/search", body, params={"page_size": 50}))["orders"]
    return [o["id"] for o in found]


# ----- TikTok Shipping coverage (US) ---------------------------------------------------------------
def test_a_platform_label_is_covered_and_a_pickup_is_collected_by_tiktok(tts):
    picked, dropped = awaiting(tts)[:2]
    picked_number = ship(tts, picked, "PICKUP")["tracking_number"]
    dropped_number = ship(tts, dropped, "DROP_OFF")["tracking_number"]

    assert data(tts.get(COVERAGE, params={"tracking_number": picked_number})) == {
        "is_tiktok_shipping": True,
        "is_tiktok_collection": True,
    }
    assert data(tts.get(COVERAGE, params={"tracking_number": dropped_number})) == {
        "is_tiktok_shipping": True,
        "is_tiktok_collection": False,
    }


def test_the_sellers_own_carrier_and_unknown_numbers_are_not_covered(tts):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    body = {"tracking_number": "OWNFLEET-77", "shipping_provider_id": seller_provider(tts)}
    data(tts.post(f"/fulfillment/202309/orders/{order_id}/packages", body))
    for number in ("OWNFLEET-77", "NOSUCHNUMBER"):
        answer = data(tts.get(COVERAGE, params={"tracking_number": number}))
        assert answer == {"is_tiktok_shipping": False, "is_tiktok_collection": False}


def test_coverage_is_not_served_outside_the_us(http):
    uk = shop(http, "GB")
    assert error_code(uk.get(COVERAGE, params={"tracking_number": "TT123"})) == NOT_IN_MARKET


# ----- shipping template existence (every market) --------------------------------------------------
def test_the_shop_has_a_template_for_its_own_warehouse_only(tts, http):
    for client in (tts, shop(http, "MX")):
        [warehouse] = data(client.get("/logistics/202309/warehouses"))["warehouses"]
        assert data(client.get(TEMPLATE_EXIST, params={"biz_warehouse_id": warehouse["id"]})) == {
            "template_exist": True
        }
        other = str(int(warehouse["id"]) + 1)
        assert data(client.get(TEMPLATE_EXIST, params={"biz_warehouse_id": other})) == {
            "template_exist": False
        }


def test_a_warehouse_id_that_is_not_a_number_is_refused(tts):
    assert error_code(tts.get(TEMPLATE_EXIST, params={"biz_warehouse_id": "north"})) == 36009004
