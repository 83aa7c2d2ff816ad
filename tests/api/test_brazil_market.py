"""A shop in Brazil works like the others: its orders are in reais to Brazilian buyers, it ships with
the market's carriers, is tracked, and a seller who delivers its own parcels pushes their tracking
(the seller feed is served in the US and BR)."""

from __future__ import annotations

from tests.helpers import (
    START,
    awaiting_shipment,
    data,
    drop_off,
    market_shop,
    order,
    seller_provider,
    status_of,
)

FEED = "/fulfillment/202609/order/sof/track/update"


def test_a_brazilian_shop_sells_in_reais_and_ships_with_correios_or_jadlog(http):
    br = market_shop(http, "BR")
    [shop] = data(br.get("/authorization/202309/shops", shop=False))["shops"]
    assert shop["region"] == "BR"
    [warehouse] = data(br.get("/logistics/202309/warehouses"))["warehouses"]
    assert warehouse["address"]["region"] == "Brazil" and warehouse["address"]["region_code"] == "BR"

    order_id = awaiting_shipment(br)[0]
    detail = order(br, order_id)
    assert detail["payment"]["currency"] == "BRL" and detail["payment"]["tax"] == "0.00"
    assert detail["recipient_address"]["region_code"] == "BR"
    assert {line["currency"] for line in detail["line_items"]} == {"BRL"}

    drop_off(br, order_id)
    shipped = order(br, order_id)
    assert shipped["status"] == "AWAITING_COLLECTION"
    assert shipped["shipping_provider"] in ("Correios", "Jadlog")
    tracking = data(br.get(f"/fulfillment/202309/orders/{order_id}/tracking"))["tracking"]
    assert tracking and tracking[0]["description"].startswith("Shipment information received")


def test_a_brazilian_seller_pushes_the_tracking_of_its_own_parcels(http):
    br = market_shop(http, "BR")
    order_id = awaiting_shipment(br, "SELLER")[0]
    body = {"tracking_number": "FROTA-1", "shipping_provider_id": seller_provider(br)}
    data(br.post(f"/fulfillment/202309/orders/{order_id}/packages", body))
    now = int(START.timestamp())  # the new shop's world is frozen at START

    pushed = {"country": "BR", "order_id": order_id, "tracks": [{"action_code": 201, "occur_time": now}]}
    [result] = data(br.post(FEED, pushed))["track_results"]
    assert result["code"] == 0
    assert status_of(br, order_id) == "IN_TRANSIT"
