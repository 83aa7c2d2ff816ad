"""Shipping an order to completion, both ways, with the TikTok and carrier sides in agreement."""

from __future__ import annotations

from tests.helpers import (
    PNG,
    advance,
    carrier_events,
    data,
    envelope,
    error_code,
    first_order,
    pdf_text,
    refresh,
    status_of,
    tracking,
    upload,
)

SHIP = "/fulfillment/202309/packages/{}/ship"


def assert_sides_agree(tts, http, order_id, tracking_number):
    """The TikTok tracking (newest first, ms), the same events by parcel at 202604, and the
    carrier's events (oldest first) tell one story."""
    tiktok = tracking(tts, order_id)
    by_parcel = data(tts.get(f"/logistics/202604/orders/{order_id}/tracking"))
    carrier = carrier_events(http, tracking_number)
    assert by_parcel["order_id"] == order_id
    [parcel] = by_parcel["logistics_details"]
    assert parcel["newest_tracking_no"] == tracking_number
    carrier_name = http.get(f"/carrier/v1/tracking/{tracking_number}").json()["carrier"]["name"]
    assert parcel["carrier_name"] == carrier_name
    names = [t.pop("action_code_name") for t in parcel["track_list"]]
    assert parcel["track_list"] == [{**event, "tracking_no": tracking_number} for event in tiktok]
    assert names == [e["detail_code"] for e in reversed(carrier)]
    assert [t["description"] for t in reversed(tiktok)] == [
        f"{e['message']}, {e['location']}" for e in carrier
    ]
    from sandbox.durations import parse_instant

    assert [t["update_time_millis"] for t in reversed(tiktok)] == [
        int(parse_instant(e["time"]).timestamp() * 1000) for e in carrier
    ]
    return carrier


def package_of(tts, order_id):
    detail = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
    return detail["packages"][0]["id"]


def test_platform_shipping_goes_from_awaiting_shipment_to_completed(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package_id = package_of(tts, order_id)
    slots = data(tts.get(f"/fulfillment/202309/packages/{package_id}/handover_time_slots"))["pickup_slots"]
    slot = {"start_time": slots[0]["start_time"], "end_time": slots[0]["end_time"]}
    assert data(tts.post(SHIP.format(package_id), {"handover_method": "PICKUP", "pickup_slot": slot})) == {}

    package = data(tts.get(f"/fulfillment/202309/packages/{package_id}"))
    number = package["tracking_number"]
    assert package["handover_method"] == "PICKUP" and package["pickup_slot"] == slot
    assert package["package_status"] == "PROCESSING"
    assert status_of(tts, order_id) == "AWAITING_COLLECTION"
    events = assert_sides_agree(tts, http, order_id, number)
    assert [e["detail_code"] for e in events] == ["InfoReceived_001"]

    label = data(
        tts.get(
            f"/fulfillment/202309/packages/{package_id}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        )
    )
    assert label["tracking_number"] == number
    document = http.get(label["doc_url"].removeprefix("http://testserver"))
    assert document.headers["content-type"] == "application/pdf"
    assert number in pdf_text(document.content)

    # The carrier collects two hours into the slot: the order is in transit.
    clock = http.get("/sandbox/clock").json()["now_unix"]
    advance(http, f"{slot['start_time'] - clock + 2 * 3600}s")
    assert status_of(tts, order_id) == "IN_TRANSIT"
    assert data(tts.get(f"/fulfillment/202309/packages/{package_id}"))["package_status"] == "FULFILLING"
    gone = envelope(
        tts.get(
            f"/fulfillment/202309/packages/{package_id}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        )
    )
    assert gone["code"] == 21011105  # collected: no more documents
    assert_sides_agree(tts, http, order_id, number)

    advance(http, "47h")
    assert status_of(tts, order_id) == "IN_TRANSIT"
    assert carrier_events(http, number)[-1]["status"] == "OutForDelivery"
    advance(http, "1h")
    assert status_of(tts, order_id) == "DELIVERED"
    events = assert_sides_agree(tts, http, order_id, number)
    assert [e["status"] for e in events] == [
        "InfoReceived",
        "InTransit",
        "InTransit",
        "InTransit",
        "OutForDelivery",
        "Delivered",
    ]
    assert data(tts.get(f"/fulfillment/202309/packages/{package_id}"))["package_status"] == "COMPLETED"
    advance(http, "7d")
    refresh(tts, http)
    assert status_of(tts, order_id) == "COMPLETED"
    view = http.get(f"/sandbox/orders/{order_id}").json()
    assert view["locked"] is False
    advance(http, "14d")
    assert http.get(f"/sandbox/orders/{order_id}").json()["locked"] is True


def test_seller_shipping_goes_from_awaiting_shipment_to_completed(tts, http):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")
    warehouse = data(tts.get("/logistics/202309/warehouses"))["warehouses"][0]["id"]
    options = data(tts.get(f"/logistics/202309/warehouses/{warehouse}/delivery_options"))["delivery_options"]
    seller_option = next(o for o in options if o["type"] == "SEND_BY_SELLER")
    providers = data(tts.get(f"/logistics/202309/delivery_options/{seller_option['id']}/shipping_providers"))
    provider = providers["shipping_providers"][0]["id"]

    # The seller buys a label from the carrier, then tells TikTok the tracking number.
    bought = http.post(
        "/carrier/v1/shipments",
        json={"weight_grams": 800, "carrier_id": provider, "destination_city": "Springfield"},
    )
    assert bought.status_code == 201, bought.text
    number = bought.json()["tracking_number"]
    label = http.get(f"/carrier/v1/shipments/{number}/label")
    assert label.headers["content-type"] == "application/pdf" and number in pdf_text(label.content)

    shipped = data(
        tts.post(
            f"/fulfillment/202309/orders/{order['id']}/packages",
            {"tracking_number": number, "shipping_provider_id": provider},
        )
    )
    assert shipped["order_id"] == order["id"]
    assert status_of(tts, order["id"]) == "AWAITING_COLLECTION"
    assert (
        data(tts.get("/order/202309/orders", params={"ids": [order["id"]]}))["orders"][0]["tracking_number"]
        == number
    )
    assert_sides_agree(tts, http, order["id"], number)
    labels = envelope(
        tts.get(
            f"/fulfillment/202309/packages/{shipped['package_id']}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        )
    )
    assert labels["code"] == 21011102  # no platform label for seller shipping

    advance(http, "2h")
    assert status_of(tts, order["id"]) == "IN_TRANSIT"
    advance(http, "48h")
    assert status_of(tts, order["id"]) == "DELIVERED"
    assert [e["detail_code"] for e in assert_sides_agree(tts, http, order["id"], number)][
        -1
    ] == "Delivered_001"
    advance(http, "7d")
    refresh(tts, http)
    assert status_of(tts, order["id"]) == "COMPLETED"


def test_seller_shipping_with_an_outside_tracking_number_is_tracked_by_the_carrier_too(tts, http):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")
    provider = data(tts.get("/logistics/202309/delivery_options/7091146663229654786/shipping_providers"))[
        "shipping_providers"
    ][1]["id"]
    data(
        tts.post(
            f"/fulfillment/202610/orders/{order['id']}/packages",
            {"shipping_info_list": [{"tracking_number": "MYCARRIER-0042", "shipping_provider_id": provider}]},
        )
    )
    assert [e["detail_code"] for e in carrier_events(http, "MYCARRIER-0042")] == ["InfoReceived_001"]
    advance(http, "3h")
    assert_sides_agree(tts, http, order["id"], "MYCARRIER-0042")
    assert status_of(tts, order["id"]) == "IN_TRANSIT"


def test_sellers_who_deliver_themselves_report_delivery_with_proof(tts, http):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")
    provider = data(tts.get("/logistics/202309/delivery_options/7091146663229654786/shipping_providers"))[
        "shipping_providers"
    ][0]["id"]
    package_id = data(
        tts.post(
            f"/fulfillment/202309/orders/{order['id']}/packages",
            {"tracking_number": "OWNVAN-1", "shipping_provider_id": provider},
        )
    )["package_id"]
    no_proof = data(
        tts.post(
            "/fulfillment/202309/packages/deliver",
            {"packages": [{"id": package_id, "delivery_type": "DELIVERY_SUCCESS"}]},
        )
    )
    assert no_proof["errors"][0]["code"] == 21011109
    not_ours = data(
        tts.post(
            "/fulfillment/202309/packages/deliver",
            {
                "packages": [
                    {
                        "id": package_id,
                        "delivery_type": "DELIVERY_SUCCESS",
                        "file_type": "IMG",
                        "file_url": "https://example.invalid/pod.jpg",
                    }
                ]
            },
        )
    )
    assert not_ours["errors"][0]["code"] == 21011109  # proof must be an upload
    proof = data(upload(tts, "/fulfillment/202309/images/upload", PNG))["url"]
    wrong_type = data(
        tts.post(
            "/fulfillment/202309/packages/deliver",
            {
                "packages": [
                    {
                        "id": package_id,
                        "delivery_type": "DELIVERY_SUCCESS",
                        "file_type": "PDF",
                        "file_url": proof,
                    }
                ]
            },
        )
    )
    assert wrong_type["errors"][0]["code"] == 21011109
    done = data(
        tts.post(
            "/fulfillment/202309/packages/deliver",
            {
                "packages": [
                    {
                        "id": package_id,
                        "delivery_type": "DELIVERY_SUCCESS",
                        "file_type": "IMG",
                        "file_url": proof,
                    }
                ]
            },
        )
    )
    assert done == {"errors": []}
    assert status_of(tts, order["id"]) == "DELIVERED"
    delivered = http.get(
        "/sandbox/events", params={"kind": "carrier.tracking_event", "subject": "OWNVAN-1"}
    ).json()
    assert [e["data"]["detail_code"] for e in delivered["events"]][-1] == "Delivered_001"
    assert carrier_events(http, "OWNVAN-1")[-1]["detail_code"] == "Delivered_001"


def test_package_search_pages_and_filters(tts):
    everything = data(tts.post("/fulfillment/202309/packages/search", {}, params={"page_size": 50}))
    assert everything["total_count"] == len(everything["packages"]) > 0
    fulfilling = data(
        tts.post(
            "/fulfillment/202309/packages/search", {"package_status": "FULFILLING"}, params={"page_size": 2}
        )
    )
    assert {p["status"] for p in fulfilling["packages"]} == {"FULFILLING"}
    assert fulfilling["next_page_token"] or fulfilling["total_count"] <= 2


def test_proof_of_delivery_is_uploaded_then_used_to_deliver(tts, http):
    image = data(upload(tts, "/fulfillment/202309/images/upload", PNG))
    assert (image["width"], image["height"]) == (640, 480)
    downloaded = http.get(image["url"].removeprefix("http://testserver"))
    assert downloaded.headers["content-type"] == "image/png" and downloaded.content == PNG
    pdf_file = data(
        upload(tts, "/fulfillment/202309/files/upload", b"%PDF-1.4\n%%EOF\n", "pod.pdf", "application/pdf")
    )
    # The documented answer is the link and the name (no format field): the link serves the PDF.
    assert set(pdf_file) == {"url", "name"} and pdf_file["name"] == "pod.pdf"
    pdf = http.get(pdf_file["url"].removeprefix("http://testserver"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")
    package_id = data(
        tts.post(
            f"/fulfillment/202309/orders/{order['id']}/packages",
            {"tracking_number": "VAN-7", "shipping_provider_id": "6617675021119438849"},
        )
    )["package_id"]
    delivered = data(
        tts.post(
            "/fulfillment/202309/packages/deliver",
            {
                "packages": [
                    {
                        "id": package_id,
                        "delivery_type": "DELIVERY_SUCCESS",
                        "file_type": "IMG",
                        "file_url": image["url"],
                    }
                ]
            },
        )
    )
    assert delivered == {"errors": []} and status_of(tts, order["id"]) == "DELIVERED"


def test_uploads_refuse_wrong_types_and_sizes(tts):
    assert (
        envelope(upload(tts, "/fulfillment/202309/images/upload", b"GIF89a....", "a.gif", "image/gif"))[
            "code"
        ]
        == 21011111
    )
    assert (
        envelope(upload(tts, "/fulfillment/202309/files/upload", b"not a pdf", "a.txt", "text/plain"))["code"]
        == 21011111
    )
    big = b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)
    assert (
        envelope(upload(tts, "/fulfillment/202309/images/upload", big, "big.jpg", "image/jpeg"))["code"]
        == 21011111
    )


def test_a_collected_parcel_not_marked_shipped_within_48_hours_is_overdue(tts, http):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")
    bought = http.post("/carrier/v1/shipments", json={"weight_grams": 500, "order_id": order["id"]}).json()
    clock = http.get("/sandbox/clock").json()["now_unix"]
    pickup = http.post(
        "/carrier/v1/pickups",
        json={
            "tracking_numbers": [bought["tracking_number"]],
            "window_start": clock + 3600,
            "window_end": clock + 7200,
        },
    )
    assert pickup.status_code == 201, pickup.text
    advance(http, "3h")  # collected at 3 h
    assert carrier_events(http, bought["tracking_number"])[-1]["detail_code"] == "InTransit_001"
    advance(http, "47h59m")
    overdue = http.get("/sandbox/events", params={"kind": "order.shipped_update_overdue"}).json()["events"]
    assert overdue == []
    advance(http, "1m")
    overdue = http.get("/sandbox/events", params={"kind": "order.shipped_update_overdue"}).json()["events"]
    assert [(e["subject"], e["data"]["tracking_number"]) for e in overdue] == [
        (order["id"], bought["tracking_number"])
    ]


def test_handover_time_slots_follow_the_package(tts):
    """Only a package the platform ships, still to ship, has slots for the carrier to collect it."""
    slots = "/fulfillment/202309/packages/{}/handover_time_slots"

    def package_of(order_id: str) -> str:
        detail = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
        return str(detail["packages"][0]["id"])

    waiting = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package = package_of(waiting)
    assert len(data(tts.get(slots.format(package)))["pickup_slots"]) == 6
    assert (
        data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {"handover_method": "DROP_OFF"})) == {}
    )
    assert error_code(tts.get(slots.format(package))) == 21011101  # shipped: nothing to hand over

    seller = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    assert error_code(tts.get(slots.format(package_of(seller)))) == 21011102
    delivered = first_order(tts, order_status="DELIVERED")["id"]
    assert error_code(tts.get(slots.format(package_of(delivered)))) in (21011101, 21011102)
