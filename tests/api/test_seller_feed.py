"""Seller-pushed tracking: a parcel the seller delivers itself is tracked by the seller's own feed
("Shipped by Seller": the seller updates the delivery status), and a quiet feed is stuck tracking."""

from __future__ import annotations

from tests.helpers import (
    advance,
    carrier_events,
    data,
    error_code,
    first_order,
    order,
    seller_provider,
    status_of,
)

FEED = "/fulfillment/202609/order/sof/track/update"


def _shipped(tts, number):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    body = {"tracking_number": number, "shipping_provider_id": seller_provider(tts)}
    data(tts.post(f"/fulfillment/202309/orders/{order_id}/packages", body))
    return order_id


def _now(http):
    from sandbox.durations import parse_instant

    return int(parse_instant(http.get("/sandbox/clock").json()["now"]).timestamp())


def _push(tts, order_id, *tracks):
    return data(tts.post(FEED, {"country": "US", "order_id": order_id, "tracks": list(tracks)}))[
        "track_results"
    ]


def test_the_sellers_feed_moves_the_order_and_the_carrier_stops(tts, http):
    order_id = _shipped(tts, "OWNFLEET-1")
    picked = _now(http)
    [result] = _push(tts, order_id, {"action_code": 201, "occur_time": picked, "tracking_no": "OWNFLEET-1"})
    assert result["code"] == 0
    assert status_of(tts, order_id) == "IN_TRANSIT"

    # The fake carrier no longer moves the parcel: after three quiet days only the seller's event is there.
    advance(http, "3d")
    assert [e["detail_code"] for e in carrier_events(http, "OWNFLEET-1")] == [
        "InfoReceived_001",
        "InTransit_001",
    ]
    assert status_of(tts, order_id) == "IN_TRANSIT"
    tags = http.get(f"/sandbox/orders/{order_id}").json()["logistics_issue_tags"]
    assert tags == ["Unmoved tracking event"]

    delivered = _now(http)
    [result] = _push(
        tts, order_id, {"action_code": 501, "occur_time": delivered, "description": "Left with a neighbour"}
    )
    assert result["code"] == 0
    detail = order(tts, order_id)
    assert detail["status"] == "DELIVERED" and detail["delivery_time"] == delivered
    tracking = data(tts.get(f"/fulfillment/202309/orders/{order_id}/tracking"))["tracking"]
    assert tracking[0]["description"].startswith("Left with a neighbour")


def test_the_seller_brings_a_parcel_back_through_its_feed(tts, http):
    order_id = _shipped(tts, "OWNFLEET-2")
    advance(http, "1h")  # before the seller's carrier would have collected it
    at = _now(http)
    tracks = [{"action_code": code, "occur_time": at} for code in (201, 401, 402, 401, 711)]
    results = _push(tts, order_id, *tracks)
    assert [r["code"] for r in results] == [0] * 5
    advance(http, "1d")
    [result] = _push(tts, order_id, {"action_code": 712, "occur_time": _now(http)})
    assert result["code"] == 0
    detail = order(tts, order_id)
    assert detail["status"] == "CANCELLED" and detail["cancel_reason"] == "returned_to_shipper_other"


def test_each_refused_event_is_answered_on_its_own_and_changes_nothing(tts, http):
    order_id = _shipped(tts, "OWNFLEET-3")
    now = _now(http)
    results = _push(
        tts,
        order_id,
        {"action_code": 999, "occur_time": now},
        {"action_code": 201, "occur_time": now + 86400},
        {"action_code": 201, "occur_time": now, "tracking_no": "SOMEONE-ELSES"},
    )
    assert [r["code"] for r in results] == [36009004, 36009004, 21011106]
    assert all(r["message"] != "Success" for r in results)
    assert status_of(tts, order_id) == "AWAITING_COLLECTION"

    platform = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    refused = tts.post(FEED, {"order_id": platform, "tracks": [{"action_code": 201, "occur_time": now}]})
    assert error_code(refused) == 21011102
    unknown = tts.post(
        FEED, {"order_id": "576000000000000009", "tracks": [{"action_code": 201, "occur_time": now}]}
    )
    assert error_code(unknown) == 21008111
    wrong_country = tts.post(
        FEED, {"country": "BR", "order_id": order_id, "tracks": [{"action_code": 201, "occur_time": now}]}
    )
    assert error_code(wrong_country) == 36009004
