"""Edge cases found by review: tracking corrections, slots, links, pickups, carriers, limits."""

from __future__ import annotations

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import (
    PNG,
    advance,
    carrier_events,
    data,
    envelope,
    first_order,
    load,
    pdf_text,
    report,
    status_of,
    tracking,
    upload,
)

USPS, UPS = "6617675021119438849", "6617675021119438850"


def seller_orders(tts, count):
    found = data(
        tts.post(
            "/order/202309/orders/search",
            {"order_status": "AWAITING_SHIPMENT", "shipping_type": "SELLER"},
            params={"page_size": 50},
        )
    )["orders"]
    return [o["id"] for o in found[:count]]


def mark_shipped(tts, order_id, number, provider=USPS):
    return envelope(
        tts.post(
            f"/fulfillment/202309/orders/{order_id}/packages",
            {"tracking_number": number, "shipping_provider_id": provider},
        )
    )


def test_a_corrected_tracking_number_carries_the_journey_to_completion(tts, http):
    order_id = seller_orders(tts, 1)[0]
    assert mark_shipped(tts, order_id, "TYPO-1")["code"] == 0
    advance(http, "3h")  # collected under the first number
    fix = f"/fulfillment/202309/orders/{order_id}/shipping_info/update"
    assert data(tts.post(fix, {"tracking_number": "RIGHT-1", "shipping_provider_id": USPS})) == {}
    advance(http, "2d")
    assert status_of(tts, order_id) == "DELIVERED"
    assert [e["detail_code"] for e in carrier_events(http, "RIGHT-1")][-1] == "Delivered_001"
    assert len(tracking(tts, order_id)) == len(carrier_events(http, "RIGHT-1")) == 6
    assert http.get("/carrier/v1/tracking/TYPO-1").status_code == 404


def test_a_correction_to_another_packages_number_is_refused(tts, http):
    first, second = seller_orders(tts, 2)
    mark_shipped(tts, first, "FIRST-1")
    mark_shipped(tts, second, "SECOND-1")
    refused = envelope(
        tts.post(
            f"/fulfillment/202309/orders/{second}/shipping_info/update",
            {"tracking_number": "FIRST-1", "shipping_provider_id": USPS},
        )
    )
    assert refused["code"] == 21011106 and "another package" in refused["message"]
    assert (
        data(tts.get("/order/202309/orders", params={"ids": [second]}))["orders"][0]["tracking_number"]
        == "SECOND-1"
    )


def test_a_correction_to_a_label_bought_from_the_carrier_takes_it_over(tts, http):
    order_id = seller_orders(tts, 1)[0]
    mark_shipped(tts, order_id, "WRONG-1")
    bought = http.post("/carrier/v1/shipments", json={"weight_grams": 400, "carrier_id": USPS}).json()[
        "tracking_number"
    ]
    fix = f"/fulfillment/202309/orders/{order_id}/shipping_info/update"
    assert data(tts.post(fix, {"tracking_number": bought, "shipping_provider_id": USPS})) == {}
    assert http.get(f"/carrier/v1/shipments/{bought}").json()["order_id"] == order_id
    advance(http, "3d")
    assert status_of(tts, order_id) == "DELIVERED"
    assert [e["detail_code"] for e in carrier_events(http, bought)][-1] == "Delivered_001"
    assert carrier_events(http, "WRONG-1")[-1]["detail_code"] == "InfoReceived_001"  # abandoned


def test_a_carrier_label_must_be_shipped_with_its_own_carrier(tts, http):
    order_id = seller_orders(tts, 1)[0]
    bought = http.post("/carrier/v1/shipments", json={"weight_grams": 400, "carrier_id": USPS}).json()[
        "tracking_number"
    ]
    refused = mark_shipped(tts, order_id, bought, provider=UPS)
    assert refused["code"] == 21011102 and USPS in refused["message"]
    assert status_of(tts, order_id) == "AWAITING_SHIPMENT"


def test_out_of_range_slots_are_invalid_requests_and_drop_offs_keep_no_slot(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package = http.get(f"/sandbox/orders/{order_id}").json()["package"]["id"]
    ship = f"/fulfillment/202309/packages/{package}/ship"
    for start in (10**15, -(10**12)):
        answer = envelope(
            tts.post(ship, {"handover_method": "PICKUP", "pickup_slot": {"start_time": start, "end_time": 1}})
        )
        assert answer["code"] == 36009004
    assert (
        data(tts.post(ship, {"handover_method": "DROP_OFF", "pickup_slot": {"start_time": 5, "end_time": 6}}))
        == {}
    )
    assert "pickup_slot" not in data(tts.get(f"/fulfillment/202309/packages/{package}"))


def test_labels_print_accents_and_the_second_address_line():
    text = """scenario: accents
setup: {start: 2026-03-02T09:00:00Z, region: FR}
orders:
  colis:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    buyer: {name: Grégoire Lelièvre, address_line1: 3 rue de l'Église, address_line2: Bâtiment B, postal_code: "75004", city: Paris}
"""
    with Sandbox().app.test_client() as http:
        assert load(http, text).status_code == 201
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        order_id = report(http, "accents")["orders"]["colis"]["order_id"]
        package = http.get(f"/sandbox/orders/{order_id}").json()["package"]["id"]
        assert data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {})) == {}
        link = data(
            tts.get(
                f"/fulfillment/202309/packages/{package}/shipping_documents",
                params={"document_type": "SHIPPING_LABEL"},
            )
        )["doc_url"]
        text = pdf_text(http.get(link.removeprefix("http://testserver")).content)
        assert "Grégoire Lelièvre" in text and "Bâtiment B" in text and "3 rue de l'Église" in text


def test_a_label_link_from_before_a_reset_downloads_nothing(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package = http.get(f"/sandbox/orders/{order_id}").json()["package"]["id"]
    data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {}))
    link = data(
        tts.get(
            f"/fulfillment/202309/packages/{package}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        )
    )["doc_url"]
    http.post("/sandbox/reset")
    stale = http.get(link.removeprefix("http://testserver"))
    assert stale.status_code == 404 and stale.json()["error"]["type"] == "unknown_document"


def test_a_pickup_listing_a_number_twice_is_refused_whole(http):
    number = http.post("/carrier/v1/shipments", json={"weight_grams": 400}).json()["tracking_number"]
    now = http.get("/sandbox/clock").json()["now_unix"]
    refused = http.post(
        "/carrier/v1/pickups",
        json={"tracking_numbers": [number, number], "window_start": now + 3600, "window_end": now + 7200},
    )
    assert refused.status_code == 400
    assert http.get(f"/carrier/v1/shipments/{number}").json()["pickup"] is None


def test_upload_limits_at_ten_megabytes(tts):
    just_under = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 - 9)
    accepted = data(upload(tts, "/fulfillment/202309/files/upload", just_under, "big.pdf", "application/pdf"))
    assert accepted["name"] == "big.pdf" and accepted["url"]
    over = just_under + b"0"
    assert (
        envelope(upload(tts, "/fulfillment/202309/files/upload", over, "big.pdf", "application/pdf"))["code"]
        == 21011111
    )


def test_a_locked_order_takes_no_more_proof_of_delivery(tts, http):
    from tests.helpers import refresh

    order_id = seller_orders(tts, 1)[0]
    package = mark_shipped(tts, order_id, "VAN-9")["data"]["package_id"]
    proof = data(upload(tts, "/fulfillment/202309/images/upload", PNG))["url"]
    data(
        tts.post(
            "/fulfillment/202309/packages/deliver",
            {
                "packages": [
                    {
                        "id": package,
                        "delivery_type": "DELIVERY_SUCCESS",
                        "file_type": "IMG",
                        "file_url": proof,
                    }
                ]
            },
        )
    )
    advance(http, "22d")  # completed after 7 days, locked 14 days later
    refresh(tts, http)
    late = data(
        tts.post(
            "/fulfillment/202309/packages/deliver",
            {
                "packages": [
                    {"id": package, "delivery_type": "UPDATE_POD", "file_type": "IMG", "file_url": proof}
                ]
            },
        )
    )
    assert late["errors"][0]["code"] == 21011110
