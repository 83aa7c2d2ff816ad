"""Stuck tracking: unmoved parcels, pickups and deliveries the platform has not caught up with,
shown as the order's logistics issue tags; from scenarios and from magic values."""

from __future__ import annotations

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import advance, data, first_order, load, report, status_of

UNMOVED = "Unmoved tracking event"
PICKED_UP = "Picked up but logistics status not updated"
DELIVERED = "Delivered but logistics not updated"

SCENARIO = """scenario: stuck
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {{status: AWAITING_SHIPMENT, shipping_type: TIKTOK}}
steps:
  - when: {{{trigger}}}
    do: [{{{action}}}]
"""
AT_PICKUP = "event: carrier.tracking_event, order: parcel, detail_code: InTransit_001"
WHEN_SHIPPED = "event: package.shipped, order: parcel"


def start(text):
    sandbox = Sandbox()
    http = sandbox.app.test_client()
    http.__enter__()
    assert load(http, text).status_code == 201, load(http, text).text
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    order_id = report(http, "stuck")["orders"]["parcel"]["order_id"]
    package_id = http.get(f"/sandbox/orders/{order_id}").json()["package"]["id"]
    assert (
        data(tts.post(f"/fulfillment/202309/packages/{package_id}/ship", {"handover_method": "DROP_OFF"}))
        == {}
    )
    return http, tts, order_id


def tags(http, order_id):
    return http.get(f"/sandbox/orders/{order_id}").json()["logistics_issue_tags"]


def test_stalled_tracking_is_an_unmoved_tracking_event_after_two_days_until_it_moves_again():
    http, tts, order_id = start(
        SCENARIO.format(trigger=AT_PICKUP, action="stall_tracking: {order: parcel, for: 4d}")
    )
    advance(http, "6h")  # dropped off and scanned: picked up, just moved
    assert status_of(tts, order_id) == "IN_TRANSIT" and tags(http, order_id) == []
    advance(http, "2d")
    assert tags(http, order_id) == []  # two days without movement: not more than two yet
    advance(http, "1s")
    assert tags(http, order_id) == [UNMOVED]
    view = http.get(f"/sandbox/orders/{order_id}").json()
    assert [t["detail_code"] for t in view["tracking"]][-1] == "InTransit_001"  # nothing new
    advance(http, "2d")  # the stall is over at 4 days: the journey resumes
    assert tags(http, order_id) == []
    advance(http, "2d")
    assert status_of(tts, order_id) == "DELIVERED"


def test_a_pickup_the_platform_misses_is_tagged_after_24_hours():
    http, tts, order_id = start(
        SCENARIO.format(
            trigger=WHEN_SHIPPED, action="hold_status_update: {order: parcel, milestone: picked_up, for: 36h}"
        )
    )
    advance(http, "6h")
    assert status_of(tts, order_id) == "AWAITING_COLLECTION" and tags(http, order_id) == []
    advance(http, "24h")
    assert tags(http, order_id) == []  # exactly 24 hours: not more than 24
    advance(http, "1s")
    assert tags(http, order_id) == [PICKED_UP]
    advance(http, "6h")  # the hold ends at 36 h: the platform catches up
    assert status_of(tts, order_id) == "IN_TRANSIT" and tags(http, order_id) == []


def test_a_delivery_the_platform_misses_is_tagged_until_updated():
    http, tts, order_id = start(
        SCENARIO.format(
            trigger=WHEN_SHIPPED, action="hold_status_update: {order: parcel, milestone: delivered, for: 5d}"
        )
    )
    advance(http, "6h")
    advance(http, "48h")
    carrier = http.get(f"/sandbox/orders/{order_id}").json()["tracking"]
    assert carrier[-1]["status"] == "Delivered"
    assert status_of(tts, order_id) == "IN_TRANSIT" and tags(http, order_id) == [DELIVERED]
    advance(http, "3d")
    assert status_of(tts, order_id) == "DELIVERED" and tags(http, order_id) == []


@pytest.mark.parametrize(
    ("number", "after", "expected"),
    [
        ("SBXSTALL-0001", "3d", [UNMOVED]),
        ("SBXNOPICKUPUPDATE-0001", "2d", [PICKED_UP]),
        ("SBXNODELIVERYUPDATE-0001", "3d", [DELIVERED]),
    ],
)
def test_magic_tracking_numbers_trigger_each_path_without_a_scenario(tts, http, number, after, expected):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    data(
        tts.post(
            f"/fulfillment/202309/orders/{order_id}/packages",
            {"tracking_number": number, "shipping_provider_id": "6617675021119438849"},
        )
    )
    advance(http, after)
    assert tags(http, order_id) == expected


def test_magic_address_line_stalls_a_platform_shipment():
    text = """scenario: stuck
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, buyer: {address_line2: "[stall]"}}
"""
    http, tts, order_id = start(text)
    advance(http, "3d")
    assert status_of(tts, order_id) == "IN_TRANSIT" and tags(http, order_id) == [UNMOVED]


def test_untouched_shipments_show_no_tags(tts, http):
    order_id = first_order(tts, order_status="IN_TRANSIT")["id"]
    assert tags(http, order_id) == []
