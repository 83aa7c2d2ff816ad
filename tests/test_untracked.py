"""Untracked orders: cancelled and refunded 15 days after placement, reminded daily before."""

from __future__ import annotations

from fulfillment_helpers import data, refresh
from scenario_helpers import advance, load

from sandbox.client import SignedClient

SCENARIO = """scenario: untracked
setup: {start: 2026-03-02T09:00:00Z}
orders:
  forgotten: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2h}
  shipped: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2h}
  late: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 1h}
"""


def status(tts, order_id):
    return data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]


def test_untracked_orders_are_cancelled_at_exactly_15_days_and_the_others_left(http):
    refs = load(http, SCENARIO).json()["orders"]
    forgotten, shipped, late = (refs[n]["order_id"] for n in ("forgotten", "shipped", "late"))
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    data(
        tts.post(
            f"/fulfillment/202309/orders/{shipped}/packages",
            {"tracking_number": "TRACKED-1", "shipping_provider_id": "6617675021119438849"},
        )
    )
    advance(http, "14d21h59m")  # 14d23h59m after 'forgotten' was placed (two hours before the start)
    refresh(tts, http)
    assert status(tts, forgotten)["status"] == "AWAITING_SHIPMENT"
    advance(http, "1m")  # 15 days
    cancelled = status(tts, forgotten)
    assert cancelled["status"] == "CANCELLED" and cancelled["cancellation_initiator"] == "SYSTEM"
    assert cancelled["cancel_reason"] == "system_cancel_order_untracked"
    assert status(tts, late)["status"] == "AWAITING_SHIPMENT"  # placed an hour later: not yet
    assert status(tts, shipped)["status"] in ("DELIVERED", "COMPLETED")
    refunds = http.get("/sandbox/events", params={"kind": "order.refunded", "subject": forgotten}).json()[
        "events"
    ]
    assert [e["at"] for e in refunds] == ["2026-03-17T07:00:00Z"]
    reminders = http.get(
        "/sandbox/events", params={"kind": "order.untracked_reminder", "subject": forgotten}
    ).json()
    assert [e["at"] for e in reminders["events"]] == [
        "2026-03-14T07:00:00Z",
        "2026-03-15T07:00:00Z",
        "2026-03-16T07:00:00Z",
    ]
    advance(http, "1h")
    assert status(tts, late)["status"] == "CANCELLED"
    assert not http.get(
        "/sandbox/events", params={"kind": "order.untracked_reminder", "subject": shipped}
    ).json()["events"]
