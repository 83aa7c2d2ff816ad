"""Webhooks in their documented shape: the subscription operations as the reference documents them,
and every payload the sandbox sends parsed with the reference's model of its type, field for field,
with values that agree with the world (real orders, packages, cancellations and returns; the
order's status; times the event's instant)."""

from __future__ import annotations

import json

from tiktok_shop_api.generated.models import (
    GetShopWebhooksResponse,
    UpdateShopWebhookRequestEventType,
)
from tiktok_shop_api.webhooks import Webhooks

from bench.reference import webhook_models
from sandbox.dispatcher import Answer, Dispatcher
from tests.helpers import START, advance, data, load

WEBHOOKS = "/event/202309/webhooks"
SENT = {
    "ORDER_STATUS_CHANGE": 1,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
}
ADDRESS_CHANGE = """
scenario: the-buyer-corrects-the-street
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
steps:
  - name: the buyer corrects the street
    at: 1m
    do:
      - update_buyer_address: {order: parcel, address_line1: 12 Harbour Row}
"""


def subscribe(tts, *event_types, address="https://erp.example.com/hooks"):
    for event_type in event_types:
        assert data(tts.call("PUT", WEBHOOKS, body={"address": address, "event_type": event_type})) == {}


def captured(sandbox):
    """Every due delivery, sent to a receiver that answers 200: (headers, raw body) each."""
    seen = []

    def send(address, headers, body):
        seen.append((dict(headers), body))
        return Answer(200)

    Dispatcher(sandbox.tenants.all, send=send).run_due()
    return seen


def test_the_subscription_list_has_the_documented_shape_with_times_in_milliseconds(tts, http):
    subscribe(tts, "ORDER_STATUS_CHANGE")
    advance(http, "1h")
    subscribe(tts, "ORDER_STATUS_CHANGE", address="https://erp.example.com/other")
    answer = tts.get(WEBHOOKS).json()
    parsed = GetShopWebhooksResponse.from_dict(answer)
    [hook] = parsed.data.webhooks
    assert parsed.data.total_count == 1
    assert hook.event_type == "ORDER_STATUS_CHANGE" and hook.address == "https://erp.example.com/other"
    start_ms = int(START.timestamp()) * 1000
    assert (hook.create_time, hook.update_time) == (start_ms, start_ms + 3_600_000)


def test_every_documented_event_type_is_accepted_and_the_unsent_ones_never_fire(tts, http, sandbox):
    documented = [e.value for e in UpdateShopWebhookRequestEventType]
    assert len(documented) == 17 and set(SENT) < set(documented)
    subscribe(tts, *documented)
    listed = data(tts.get(WEBHOOKS))
    assert sorted(w["event_type"] for w in listed["webhooks"]) == sorted(documented)
    assert listed["total_count"] == len(documented)
    advance(http, "3d")
    deliveries = http.get("/sandbox/webhooks/deliveries").json()["deliveries"]
    assert deliveries and {d["event_type"] for d in deliveries} <= set(SENT)
    assert all(SENT[d["event_type"]] == d["type"] == d["payload"]["type"] for d in deliveries)
    # The documented limit on the address: 255 characters.
    too_long = "https://erp.example.com/" + "a" * 232
    refused = tts.call("PUT", WEBHOOKS, body={"address": too_long, "event_type": "PACKAGE_UPDATE"}).json()
    assert refused["code"] == 36009004
    assert (
        data(tts.call("PUT", WEBHOOKS, body={"address": too_long[:255], "event_type": "PACKAGE_UPDATE"}))
        == {}
    )


def _drive_every_order_webhook(tts, http):
    """An address correction, a seller cancellation, a shipment, a refund request: then 3 days."""
    subscribe(tts, *SENT)
    parcel = load(http, ADDRESS_CHANGE).json()["orders"]["parcel"]["order_id"]
    advance(http, "2m")
    awaiting = data(
        tts.post(
            "/order/202309/orders/search", {"order_status": "AWAITING_SHIPMENT"}, params={"page_size": 5}
        )
    )["orders"]
    cancelled = next(o["id"] for o in awaiting if o["id"] != parcel)
    data(
        tts.post(
            "/return_refund/202309/cancellations", {"order_id": cancelled, "cancel_reason": "Out of stock"}
        )
    )
    package = data(tts.get("/order/202309/orders", params={"ids": [parcel]}))["orders"][0]["packages"][0][
        "id"
    ]
    data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {}))
    delivered = data(
        tts.post("/order/202309/orders/search", {"order_status": "DELIVERED"}, params={"page_size": 1})
    )["orders"][0]["id"]
    asked = http.post(f"/sandbox/orders/{delivered}/buyer-return", json={"type": "REFUND"})
    assert asked.status_code == 200
    advance(http, "3d")
    return parcel, cancelled, delivered


def test_every_order_webhook_is_signed_parses_with_its_documented_model_and_agrees_with_the_world(
    tts, http, sandbox
):
    credentials = http.get("/sandbox/tenants/default").json()
    parcel, cancelled, refunded = _drive_every_order_webhook(tts, http)
    received = captured(sandbox)
    models = webhook_models()
    by_type: dict[int, list] = {}
    for headers, body in received:
        event = Webhooks.verify_and_parse(
            app_key=credentials["app_key"],
            app_secret=credentials["app_secret"],
            raw_body=body,
            signature=headers["Authorization"],
        )
        raw = json.loads(body)
        # Field for field: every key the payload has is documented for its type (tts_notification_id
        # is on every notification, though RECIPIENT_ADDRESS_UPDATE's model omits it).
        documented = set(models[raw["type"]].leaves()) | {"tts_notification_id"}
        assert set(leaves(raw)) <= documented, raw
        assert event.shop_id == credentials["shop"]["id"]
        by_type.setdefault(raw["type"], []).append(event)
    assert {1, 3, 4, 11, 12} <= set(by_type)

    events = http.get("/sandbox/events", params={"kind": "order.status_changed", "limit": 10000}).json()[
        "events"
    ]
    for change in by_type[1]:
        assert change.timestamp == change.data.update_time
        [moved] = [
            e for e in events if e["subject"] == change.data.order_id and e["at"] == _iso(change.timestamp)
        ]
        expected = "CANCEL" if moved["data"]["to"] == "CANCELLED" else moved["data"]["to"]
        assert change.data.order_status == expected
        assert change.data.is_on_hold_order is True  # every paid order spends its remorse hour ON_HOLD
    assert any(c.data.order_id == cancelled and c.data.order_status == "CANCEL" for c in by_type[1])

    [address] = by_type[3]
    assert address.data.order_id == parcel and address.data.update_time == address.timestamp
    shown = data(tts.get("/order/202309/orders", params={"ids": [parcel]}))["orders"][0]
    assert shown["recipient_address"]["address_line1"] == "12 Harbour Row"

    for update in by_type[4]:
        assert update.data.update_time == update.timestamp
        assert update.data.role_type in {"ROLE_USER", "ROLE_SELLER", "ROLE_OPERATOR", "ROLE_SYSTEM"}
        for listed in update.data.package_list:
            package = data(tts.get(f"/fulfillment/202309/packages/{listed.package_id}"))
            assert listed.order_id_list == [o["id"] for o in package["orders"]]
    [split] = [u for u in by_type[4] if u.data.sc_type]
    assert (split.data.sc_type, split.data.role_type) == ("ADDRESS_UPDATE_SPLIT", "ROLE_USER")
    assert split.data.package_list[0].order_id_list == [parcel] and split.timestamp == address.timestamp
    shipped = [u for u in by_type[4] if not u.data.sc_type]
    assert shipped and shipped[0].data.role_type == "ROLE_SELLER"

    cancellations = data(tts.post("/return_refund/202309/cancellations/search", {}, params={"page_size": 50}))
    known = {c["cancel_id"]: c for c in cancellations["cancellations"]}
    for change in by_type[11]:
        record = known[change.data.cancel_id]
        assert record["order_id"] == change.data.order_id
        assert record["create_time"] == change.data.create_time
        assert change.data.cancellations_role == record["role"]
    assert any(c.data.order_id == cancelled and c.data.cancellations_role == "SELLER" for c in by_type[11])

    returns = data(tts.post("/return_refund/202309/returns/search", {}, params={"page_size": 50}))
    known = {r["return_id"]: r for r in returns["return_orders"]}
    statuses = []
    for change in by_type[12]:
        record = known[change.data.return_id]
        assert change.data.order_id == record["order_id"] == refunded
        assert change.data.create_time == record["create_time"] and change.data.return_type == "REFUND"
        assert change.data.update_time == change.timestamp >= change.data.create_time
        statuses.append((change.data.return_role, change.data.return_status))
    assert statuses[0] == ("BUYER", "RETURN_OR_REFUND_REQUEST_PENDING")


def leaves(value, prefix=""):
    """Every leaf path of a JSON value, in the reference's spelling (``a.b[].c``)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, prefix + "[]")
    else:
        yield prefix


def _iso(unix: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_same_world_sends_the_same_payloads(sandbox):
    from sandbox.app import Sandbox
    from sandbox.client import SignedClient

    def run():
        fresh = Sandbox(freeze_at=START)
        with fresh.app.test_client() as http:
            tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
            _drive_every_order_webhook(tts, http)
            return [body for _, body in captured(fresh)]

    first = run()
    assert first and first == run()
