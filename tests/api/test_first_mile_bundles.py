"""First-mile bundles (fulfillment 202407 and 202510): orders ready to ship, with the platform's
label printed, sent to the TikTok Shop warehouse in one bundle, in the DE, FR and ES markets only."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.client import SignedClient
from tests.helpers import NOT_IN_MARKET, awaiting_shipment, data, drop_off, error_code, market_shop, pdf_text

V1 = "/fulfillment/202407/bundles"
V2 = "/fulfillment/202510/first_mile_bundle"
NOT_READY, ALREADY_BUNDLED, DROP_OFF_INCOMPLETE, NOT_IN_SHOP = 21011131, 21011132, 21011130, 21008111


def _ready(tts: SignedClient, count: int) -> list[str]:
    """Orders made ready to ship, their labels created (shipped by drop-off, not yet collected)."""
    orders = awaiting_shipment(tts)[:count]
    for order_id in orders:
        drop_off(tts, order_id)
    return orders


@pytest.mark.parametrize("path", [V1, V2])
def test_a_bundle_holds_the_orders_ready_to_ship_and_refuses_the_others(http, path):
    de = market_shop(http, "DE")
    ready = _ready(de, 2)
    unshipped = awaiting_shipment(de)[0]
    answer = data(de.post(path, {"order_ids": [*ready, unshipped, "999"], "handover_method": "PICKUP"}))
    assert answer["first_mile_bundle_id"]
    refused = {e["detail"]["order_id"]: e["code"] for e in answer["errors"]}
    assert refused == {unshipped: NOT_READY, "999": NOT_IN_SHOP}
    waybill = http.get(answer["url"].removeprefix("http://testserver"))
    assert waybill.headers["content-type"] == "application/pdf"
    text = pdf_text(waybill.content)
    assert all(order_id in text for order_id in ready)
    assert unshipped not in text
    # The bundled orders are in it now: a second bundle cannot take them.
    again = data(de.post(path, {"order_ids": ready, "handover_method": "PICKUP"}))
    assert "first_mile_bundle_id" not in again
    assert {e["code"] for e in again["errors"]} == {ALREADY_BUNDLED}


def test_a_drop_off_bundle_needs_its_provider_tracking_number_and_phone(http, sandbox):
    fr = market_shop(http, "FR")
    [order_id] = _ready(fr, 1)
    body: dict[str, Any] = {"order_ids": [order_id], "handover_method": "DROP_OFF", "tracking_number": "FM1"}
    assert error_code(fr.post(V1, body)) == DROP_OFF_INCOMPLETE
    assert error_code(fr.post(V1, {**body, "shipping_provider_id": "1", "phone_tail_number": "1234"})) == (
        DROP_OFF_INCOMPLETE  # not a carrier of the market
    )
    world = sandbox.tenant(fr.app_key).world
    assert world.market_records.bundles == {}  # nothing kept
    provider = world.stock.market.carriers[0][0]
    made = data(fr.post(V1, {**body, "shipping_provider_id": provider, "phone_tail_number": "1234"}))
    bundle = world.market_records.bundles[made["first_mile_bundle_id"]]
    assert (bundle.order_ids, bundle.tracking_number, bundle.shipping_provider_id) == (
        (order_id,),
        "FM1",
        provider,
    )


def test_no_bundles_for_us_or_uk_orders(http, tts):
    for client in (tts, market_shop(http, "GB")):
        order_id = awaiting_shipment(client)[0]
        assert error_code(client.post(V2, {"order_ids": [order_id], "handover_method": "PICKUP"})) == (
            NOT_IN_MARKET
        )


def test_a_bundle_body_of_the_wrong_shape_is_refused(http):
    es = market_shop(http, "ES")
    assert error_code(es.post(V1, {"order_ids": "1", "handover_method": "PICKUP"})) == 36009004
    assert error_code(es.post(V1, {"order_ids": ["1"], "handover_method": "BY_PIGEON"})) == 36009004
