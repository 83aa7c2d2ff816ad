"""Untracked orders: cancelled and refunded 15 days after placement, reminded daily before."""

from __future__ import annotations

from sandbox.client import SignedClient
from tests.helpers import ROOT, advance, data, load, refresh

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


LATE = """scenario: late-and-lost
setup: {start: 2026-03-02T09:00:00Z}
orders:
  idle: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2h}
  wandering: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
steps:
  - when: {event: carrier.tracking_event, order: wandering, detail_code: InTransit_001}
    do: [{stall_tracking: {order: wandering, for: 20d}}]
"""


def test_late_shipment_delay_and_loss_each_at_its_time(http):
    refs = load(http, LATE).json()["orders"]
    idle, wandering = refs["idle"]["order_id"], refs["wandering"]["order_id"]
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    due = status(tts, idle)["shipping_due_time"]
    package = status(tts, wandering)["packages"][0]["id"]
    data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {}))

    def events(kind, order_id):
        return [
            e["at"]
            for e in http.get("/sandbox/events", params={"kind": kind, "subject": order_id}).json()["events"]
        ]

    advance(http, "4d")
    from sandbox.durations import iso, parse_instant

    assert events("order.ship_within_24_hours", idle) == [iso(parse_instant(due - 86400))]
    assert events("order.stocking_timeout", idle) == [iso(parse_instant(due))]
    assert http.get(f"/sandbox/orders/{idle}").json()["late_shipment"] is True
    advance(http, "6d")  # the wandering parcel's delivery window (10 days after payment) has closed
    refresh(tts, http)
    view = http.get(f"/sandbox/orders/{wandering}").json()
    assert view["package"]["delayed"] is True and view["status"] == "IN_TRANSIT"
    assert len(events("package.delayed", wandering)) == 1
    advance(http, "2d")  # 12 days after the order was placed, never acknowledged: lost
    lost = status(tts, wandering)
    assert lost["status"] == "CANCELLED" and lost["cancel_reason"] == "package_lost"
    assert (
        events("package.lost", wandering) == events("order.refunded", wandering) == ["2026-03-14T07:00:00Z"]
    )


def test_bundled_untracked_auto_cancel_scenario(http):

    root = ROOT
    refs = load(http, (root / "scenarios/untracked-auto-cancel.yaml").read_text()).json()["orders"]
    ids = {name: ref["order_id"] for name, ref in refs.items()}
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    data(
        tts.post(
            f"/fulfillment/202309/orders/{ids['shipped']}/packages",
            {"tracking_number": "ONTIME-1", "shipping_provider_id": "6617675021119438849"},
        )
    )
    seen_reminder = False
    for _ in range(16 * 4):  # the client polls every 6 hours
        advance(http, "6h")
        if _ % 16 == 15:
            refresh(tts, http)
        if (
            http.get(
                "/sandbox/events", params={"kind": "order.untracked_reminder", "subject": ids["forgotten"]}
            ).json()["events"]
            and not seen_reminder
        ):
            seen_reminder = True
            status(tts, ids["forgotten"])
    assert status(tts, ids["forgotten"])["cancel_reason"] == "system_cancel_order_untracked"
    assert status(tts, ids["also-forgotten"])["cancel_reason"] == "system_cancel_order_untracked"
    assert status(tts, ids["shipped"])["status"] == "COMPLETED"
    cancelled_at = {
        e["subject"]: e["at"]
        for e in http.get("/sandbox/events", params={"kind": "order.refunded"}).json()["events"]
    }
    assert cancelled_at[ids["forgotten"]] == "2026-03-17T07:00:00Z"  # placed 2 h before the start, + 15 days
    assert cancelled_at[ids["also-forgotten"]] == "2026-03-16T09:00:00Z"  # placed a day before the start
    rep = http.get("/sandbox/scenarios/untracked-auto-cancel").json()
    assert rep["summary"] == {"passed": 2, "failed": 0, "pending": 0, "skipped": 0}


def test_bundled_lost_parcel_scenario(http):

    root = ROOT
    parcel = load(http, (root / "scenarios/lost-parcel.yaml").read_text()).json()["orders"]["parcel"][
        "order_id"
    ]
    uncollected = http.get("/sandbox/scenarios/lost-parcel").json()["orders"]["uncollected"]["order_id"]
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    package = status(tts, parcel)["packages"][0]["id"]
    data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {}))
    second = status(tts, uncollected)["packages"][0]["id"]
    data(tts.post(f"/fulfillment/202309/packages/{second}/ship", {}))
    never = []
    milestones = []
    for _ in range(13 * 4):  # the client polls every 6 hours: order, tracking, tags
        advance(http, "6h")
        if _ % 16 == 15:
            refresh(tts, http)
        tts.get(f"/fulfillment/202309/orders/{parcel}/tracking")
        view = http.get(f"/sandbox/orders/{parcel}").json()
        state = (view["status"], tuple(view["logistics_issue_tags"]), view["package"]["delayed"])
        if not milestones or milestones[-1][1:] != state:
            milestones.append((http.get("/sandbox/clock").json()["now"], *state))
            status(tts, parcel)
        other = status(tts, uncollected)
        seen = (other["status"], other.get("cancel_reason", ""))
        if not never or never[-1][1:] != seen:
            never.append((http.get("/sandbox/clock").json()["now"], *seen))
    assert milestones == [
        ("2026-03-02T15:00:00Z", "IN_TRANSIT", (), False),  # collected at 15:00 (drop-off + 6 h)
        ("2026-03-04T21:00:00Z", "IN_TRANSIT", ("Unmoved tracking event",), False),  # 2 quiet days
        ("2026-03-12T09:00:00Z", "IN_TRANSIT", ("Unmoved tracking event",), True),  # delivery window closed
        ("2026-03-14T09:00:00Z", "CANCELLED", (), True),  # lost 12 days after the order (07:00)
    ]
    order = status(tts, parcel)
    assert order["cancel_reason"] == "package_lost" and order["cancellation_initiator"] == "SYSTEM"
    assert never == [
        ("2026-03-02T15:00:00Z", "AWAITING_COLLECTION", ""),  # the first collection (15:00) missed
        ("2026-03-03T15:00:00Z", "CANCELLED", "package_lost"),  # missed again the next day: lost
    ]
    number = status(tts, uncollected)["tracking_number"]
    tracking = http.get(f"/carrier/v1/tracking/{number}").json()["events"]
    assert [(e["detail_code"], e["time"]) for e in tracking] == [
        ("InfoReceived_001", "2026-03-02T09:00:00Z"),
        ("Exception_001", "2026-03-02T15:00:00Z"),
        ("Exception_001", "2026-03-03T15:00:00Z"),
    ]
    lost = http.get("/sandbox/events", params={"kind": "package.lost", "subject": uncollected}).json()
    assert [(e["at"], e["data"]["cause"]) for e in lost["events"]] == [
        ("2026-03-03T15:00:00Z", "failed_to_ship_twice")
    ]
    refunds = http.get("/sandbox/events", params={"kind": "order.refunded", "subject": uncollected})
    assert [e["at"] for e in refunds.json()["events"]] == ["2026-03-03T15:00:00Z"]
    advance(http, "1d")
    assert http.get("/sandbox/scenarios/lost-parcel").json()["summary"]["failed"] == 0


def test_a_parcel_already_collected_cannot_miss_its_collection(http):
    text = """scenario: too-late-to-miss
setup: {start: 2026-03-02T09:00:00Z}
orders:
  moving: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
steps:
  - when: {event: carrier.tracking_event, order: moving, detail_code: InTransit_001}
    do: [{fail_collections: {order: moving}}]
"""
    moving = load(http, text).json()["orders"]["moving"]["order_id"]
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    data(tts.post(f"/fulfillment/202309/packages/{status(tts, moving)['packages'][0]['id']}/ship", {}))
    advance(http, "7h")  # collected six hours after the drop-off was arranged
    timeline = http.get("/sandbox/scenarios/too-late-to-miss").json()["timeline"]
    [step] = [e for e in timeline if e.get("action") == "fail_collections"]
    assert step["result"] == "skipped" and "already been collected" in step["detail"]
    assert status(tts, moving)["status"] == "IN_TRANSIT"
