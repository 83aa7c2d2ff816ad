"""Rejected shipping labels, from real causes and from scenarios, and the illegal operations."""

from __future__ import annotations

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import advance, data, envelope, first_order, load, report, status_of

SHIP = "/fulfillment/202309/packages/{}/ship"

REAL_CAUSES = """scenario: label-causes
setup:
  start: 2026-03-02T09:00:00Z
orders:
  no-postcode:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    buyer: {postal_code: ""}
  heavy:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    line_items: [{product_name: Cast Iron Anvil, seller_sku: OVERSIZE-ANVIL, price: "199.00"}]
  carrier-trouble:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    buyer: {address_line2: "[carrier-error]"}
steps:
  - name: the buyer completes the address
    at: 2h
    do: [{update_buyer_address: {order: no-postcode, postal_code: "40202"}}]
  - name: the seller calls the anvil's issue fixed without repacking it
    at: 3h
    do: [{fix_label_issue: {order: heavy}}]
  - name: the carrier recovers
    at: 4h
    do: [{fix_label_issue: {order: carrier-trouble}}]
"""

ON_DEMAND = """scenario: label-on-demand
setup:
  start: 2026-03-02T09:00:00Z
orders:
  {name}:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
steps:
  - at: 0s
    do: [{{reject_label: {{order: {name}, reason: {reason}}}}}]
  - at: 1h
    do: [{{fix_label_issue: {{order: {name}}}}}]
"""


def start(text):
    sandbox = Sandbox()
    client = sandbox.app.test_client()
    client.__enter__()
    assert load(client, text).status_code == 201
    tts = SignedClient.for_tenant(client, client.get("/sandbox/tenants/default").json())
    return client, tts


def package_of(http, order_id):
    return http.get(f"/sandbox/orders/{order_id}").json()["package"]["id"]


def assert_rejected_then_recreated(http, tts, name, reason, fixed_after):
    order_id = report(http, http.get("/sandbox/scenarios").json()["scenarios"][0]["name"])["orders"][name][
        "order_id"
    ]
    package_id = package_of(http, order_id)
    refused = envelope(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}))
    assert refused["code"] == 21011104 and reason in refused["message"]
    view = http.get(f"/sandbox/orders/{order_id}").json()
    assert view["package"]["label_status"] == "REJECTED"
    assert view["package"]["rejection"]["reason"] == reason and view["package"]["rejection"]["next_step"]
    assert status_of(tts, order_id) == "AWAITING_SHIPMENT"
    documents = envelope(
        tts.get(
            f"/fulfillment/202309/packages/{package_id}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        )
    )
    assert documents["code"] == 21011104
    advance(http, fixed_after)
    assert data(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"})) == {}
    view = http.get(f"/sandbox/orders/{order_id}").json()
    assert view["package"]["label_status"] == "CREATED" and view["package"]["rejection"] is None
    assert status_of(tts, order_id) == "AWAITING_COLLECTION"


@pytest.mark.parametrize(
    ("name", "reason", "fixed_after"),
    [
        ("no-postcode", "BUYER_ADDRESS_ISSUE", "2h"),
        ("carrier-trouble", "CARRIER_ORDER_ERROR", "4h"),
    ],
)
def test_each_rejection_reason_from_a_real_cause_then_recreated_after_the_fix(name, reason, fixed_after):
    http, tts = start(REAL_CAUSES)
    assert_rejected_then_recreated(http, tts, name, reason, fixed_after)


def test_fixing_does_not_waive_products_that_are_really_oversized():
    http, tts = start(REAL_CAUSES)
    order_id = report(http, "label-causes")["orders"]["heavy"]["order_id"]
    package_id = package_of(http, order_id)
    assert envelope(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}))["code"] == 21011104
    advance(http, "3h")

    still = envelope(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}))
    assert still["code"] == 21011104 and "PRODUCTS_OVERSIZED" in still["message"]
    timeline = report(http, "label-causes")["timeline"]
    fix = next(e for e in timeline if e.get("action") == "fix_label_issue" and e["args"]["order"] == "heavy")
    assert fix["result"] == "skipped" and "PRODUCTS_OVERSIZED" in fix["detail"]
    package = data(tts.get(f"/fulfillment/202309/packages/{package_id}"))
    assert package["weight"] == {"value": "45000", "unit": "GRAM"}
    assert status_of(tts, order_id) == "AWAITING_SHIPMENT"


@pytest.mark.parametrize("reason", ["BUYER_ADDRESS_ISSUE", "PRODUCTS_OVERSIZED", "CARRIER_ORDER_ERROR"])
def test_each_rejection_reason_on_demand_from_a_scenario(reason):
    http, tts = start(ON_DEMAND.format(name="parcel", reason=reason))
    assert_rejected_then_recreated(http, tts, "parcel", reason, "1h")


def test_rejection_stays_until_fixed(tts, http):
    http2, tts2 = start(ON_DEMAND.format(name="parcel", reason="CARRIER_ORDER_ERROR"))
    order_id = report(http2, "label-on-demand")["orders"]["parcel"]["order_id"]
    package_id = package_of(http2, order_id)
    for _ in range(2):  # asking again before the fix is refused again
        assert envelope(tts2.post(SHIP.format(package_id), {}))["code"] == 21011104


def test_illegal_operations_get_their_codes(tts, http):
    platform = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package_id = package_of(http, platform)
    assert data(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"})) == {}
    assert envelope(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}))["code"] == 21011101

    seller = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    seller_package = package_of(http, seller)
    label = envelope(
        tts.get(
            f"/fulfillment/202309/packages/{seller_package}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        )
    )
    assert label["code"] == 21011102
    no_number = envelope(tts.post(SHIP.format(seller_package), {"handover_method": "DROP_OFF"}))
    assert no_number["code"] == 21011102
    provider = "6617675021119438849"
    shipped = {"tracking_number": "FIRST-1", "shipping_provider_id": provider}
    assert data(tts.post(SHIP.format(seller_package), {"self_shipment": shipped})) == {}
    update = f"/fulfillment/202309/packages/{seller_package}/shipping_info/update"
    assert data(tts.post(update, {"tracking_number": "SECOND-2", "shipping_provider_id": provider})) == {}
    again = envelope(tts.post(update, {"tracking_number": "THIRD-3", "shipping_provider_id": provider}))
    assert again["code"] == 21011106 and "once" in again["message"]
    assert data(tts.get(f"/fulfillment/202309/packages/{seller_package}"))["tracking_number"] == "SECOND-2"

    late = first_order(
        tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER", create_time_lt=10**10
    )  # another seller order
    others = data(
        tts.post(
            "/order/202309/orders/search",
            {"order_status": "AWAITING_SHIPMENT", "shipping_type": "SELLER"},
            params={"page_size": 50},
        )
    )
    late = next(o["id"] for o in others["orders"] if o["id"] != seller)
    data(
        tts.post(
            f"/fulfillment/202309/orders/{late}/packages",
            {"tracking_number": "LATE-1", "shipping_provider_id": provider},
        )
    )
    advance(http, "73h")
    too_late = envelope(
        tts.post(
            f"/fulfillment/202309/orders/{late}/shipping_info/update",
            {"tracking_number": "LATE-2", "shipping_provider_id": provider},
        )
    )
    assert too_late["code"] == 21011106 and "72 hours" in too_late["message"]


def test_a_cancelled_order_cannot_be_shipped(tts, http):
    waiting = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    package_id = package_of(http, waiting)
    http.post(f"/sandbox/orders/{waiting}/buyer-cancel")
    advance(http, "48h")
    assert status_of(tts, waiting) == "CANCELLED"
    refused = envelope(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}))
    assert refused["code"] == 21011103
    assert data(tts.get(f"/fulfillment/202309/packages/{package_id}"))["package_status"] == "CANCELLED"


def test_unknown_package_and_order_codes(tts):
    assert envelope(tts.get("/fulfillment/202309/packages/115400000000000000"))["code"] == 21011028
    assert envelope(tts.get("/fulfillment/202309/orders/576000000000000000/tracking"))["code"] == 21008111


def test_pickup_needs_an_offered_slot(tts, http):
    waiting = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"]
    refused = envelope(
        tts.post(
            SHIP.format(package_of(http, waiting)),
            {"handover_method": "PICKUP", "pickup_slot": {"start_time": 1, "end_time": 2}},
        )
    )
    assert refused["code"] == 21011107


def test_batch_ship_reports_per_package_errors_and_refuses_mixed_types(tts, http):
    platform = data(
        tts.post(
            "/order/202309/orders/search",
            {"order_status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"},
            params={"page_size": 50},
        )
    )
    packages = [package_of(http, o["id"]) for o in platform["orders"][:2]]
    seller = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    mixed = envelope(
        tts.post(
            "/fulfillment/202309/packages/ship",
            {
                "packages": [
                    {"id": packages[0], "handover_method": "DROP_OFF"},
                    {"id": package_of(http, seller)},
                ]
            },
        )
    )
    assert mixed["code"] == 21011108
    assert status_of(tts, platform["orders"][0]["id"]) == "AWAITING_SHIPMENT"  # nothing shipped
    result = data(
        tts.post(
            "/fulfillment/202309/packages/ship",
            {
                "packages": [
                    {"id": packages[0], "handover_method": "DROP_OFF"},
                    {"id": packages[1], "handover_method": "DROP_OFF"},
                    {"id": packages[0], "handover_method": "DROP_OFF"},
                    {"id": "115400000000000000"},
                ]
            },
        )
    )
    assert [(e["code"], e["detail"]["package_id"]) for e in result["errors"]] == [
        (21011101, packages[0]),
        (21011028, "115400000000000000"),
    ]


def test_us_label_flow_with_the_sellers_weight_fixes_an_oversized_package():
    http, tts = start(REAL_CAUSES)
    order_id = report(http, "label-causes")["orders"]["heavy"]["order_id"]
    services = data(
        tts.post(
            f"/fulfillment/202309/orders/{order_id}/shipping_services/query",
            {
                "weight": {"value": "45", "unit": "KILOGRAM"},
                "dimension": {"length": "60", "width": "40", "height": "40", "unit": "CM"},
            },
        )
    )["shipping_services"]
    ground = next(s for s in services if s["name"].endswith("Ground"))
    too_heavy = envelope(
        tts.post(
            "/fulfillment/202512/packages",
            {
                "ship_type": "1",
                "order_id": order_id,
                "shipping_service_id": ground["id"],
                "weight": {"value": "45000", "unit": "GRAM"},
                "dimension": {"length": "60", "width": "40", "height": "40", "unit": "CM"},
            },
        )
    )
    assert too_heavy["code"] == 21011104 and "PRODUCTS_OVERSIZED" in too_heavy["message"]
    # Repacked: the seller's real weight is under the limit.
    labelled = data(
        tts.post(
            "/fulfillment/202512/packages",
            {
                "ship_type": "1",
                "order_id": order_id,
                "shipping_service_id": ground["id"],
                "weight": {"value": "12000", "unit": "GRAM"},
                "dimension": {"length": "60", "width": "40", "height": "40", "unit": "CM"},
            },
        )
    )
    assert labelled["weight"] == {"value": "12000", "unit": "GRAM"}
    assert labelled["dimension"] == {"length": "60", "width": "40", "height": "40", "unit": "CM"}
    # The service bought, as shipping_services offers it at the seller's weight.
    at_weight = data(
        tts.post(
            f"/fulfillment/202309/orders/{order_id}/shipping_services/query",
            {
                "weight": {"value": "12", "unit": "KILOGRAM"},
                "dimension": {"length": "60", "width": "40", "height": "40", "unit": "CM"},
            },
        )
    )["shipping_services"]
    offered = next(s for s in at_weight if s["id"] == ground["id"])
    # The label's service is the one offered, in every field the label documents for it.
    info = labelled["shipping_service_info"]
    assert set(info) >= {"id", "name", "shipping_provider_id", "price", "currency"}
    assert info == {k: offered[k] for k in info}
    view = http.get(f"/sandbox/orders/{order_id}").json()
    assert view["package"]["label_status"] == "CREATED" and view["status"] == "AWAITING_SHIPMENT"
    number = data(tts.get(f"/fulfillment/202309/packages/{labelled['package_id']}"))["tracking_number"]
    assert number
    # Handing it over keeps the label bought with the service.
    assert data(tts.post(SHIP.format(labelled["package_id"]), {"handover_method": "DROP_OFF"})) == {}
    package = data(tts.get(f"/fulfillment/202309/packages/{labelled['package_id']}"))
    assert package["tracking_number"] == number
    assert package["shipping_provider_id"] == ground["shipping_provider_id"]
    assert status_of(tts, order_id) == "AWAITING_COLLECTION"


SCRIPTED = """scenario: scripted-rejections
setup:
  start: 2026-03-02T09:00:00Z
orders:
  kettle: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
  lamp: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
  anvils:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    line_items: [{product_name: Anvil, seller_sku: HEAVY-ANVIL, price: "40.00", quantity: 2}]
  crate:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    line_items: [{product_name: Anvil, seller_sku: HEAVY-ANVIL, price: "40.00", quantity: 2}]
steps:
  - name: the carrier refuses the next labels
    at: 0s
    do:
      - reject_label: {order: kettle, reason: CARRIER_ORDER_ERROR, count: 2}
      - reject_label: {order: lamp, reason: PRODUCTS_OVERSIZED, until: 2h}
      - reject_label: {order: anvils, reason: CARRIER_ORDER_ERROR}
      - reject_label: {order: crate, reason: CARRIER_ORDER_ERROR, count: 1}
  - name: the carrier recovers
    at: 1h
    do: [{fix_label_issue: {order: anvils}}]
"""


def _scripted():
    http, tts = start(SCRIPTED)
    orders = report(http, "scripted-rejections")["orders"]
    return http, tts, {name: o["order_id"] for name, o in orders.items()}


def _ship(tts, package_id):
    return envelope(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}))


def test_a_rejection_for_two_label_requests_refuses_exactly_two_then_the_label_is_created():
    http, tts, ids = _scripted()
    package_id = package_of(http, ids["kettle"])

    answers = [_ship(tts, package_id) for _ in range(3)]

    assert [a["code"] for a in answers] == [21011104, 21011104, 0]
    assert all("CARRIER_ORDER_ERROR" in a["message"] for a in answers[:2])
    assert status_of(tts, ids["kettle"]) == "AWAITING_COLLECTION"
    timeline = report(http, "scripted-rejections")["timeline"]
    armed = next(
        e for e in timeline if e.get("event") == "package.label_rejection_armed" and e["order"] == "kettle"
    )
    assert armed["data"] == {"package_id": package_id, "reason": "CARRIER_ORDER_ERROR", "count": 2}
    rejected = [e for e in timeline if e.get("event") == "package.label_rejected" and e["order"] == "kettle"]
    assert len(rejected) == 2


def test_a_rejection_until_a_time_refuses_before_it_and_not_after():
    http, tts, ids = _scripted()
    package_id = package_of(http, ids["lamp"])

    advance(http, "1h59m")
    before = [_ship(tts, package_id) for _ in range(3)]  # not counted: all refused before the time
    assert [b["code"] for b in before] == [21011104] * 3
    assert "PRODUCTS_OVERSIZED" in before[0]["message"]
    advance(http, "1m")
    assert data(tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"})) == {}
    armed = next(
        e
        for e in report(http, "scripted-rejections")["timeline"]
        if e.get("event") == "package.label_rejection_armed" and e["order"] == "lamp"
    )
    assert armed["data"]["until"] == "2026-03-02T11:00:00Z"


def test_once_the_scripted_rejections_run_out_the_real_rules_decide():
    http, tts, ids = _scripted()
    package_id = package_of(http, ids["crate"])  # two 20 kg anvils: 40 kg

    scripted = _ship(tts, package_id)
    real = _ship(tts, package_id)

    assert scripted["code"] == 21011104 and "CARRIER_ORDER_ERROR" in scripted["message"]
    assert real["code"] == 21011104 and "PRODUCTS_OVERSIZED" in real["message"]
    view = http.get(f"/sandbox/orders/{ids['crate']}").json()
    assert view["package"]["rejection"]["reason"] == "PRODUCTS_OVERSIZED"


def test_fixing_the_scripted_cause_leaves_an_oversized_package_refused_until_the_seller_splits_it():
    http, tts, ids = _scripted()
    order_id = ids["anvils"]
    package_id = package_of(http, order_id)
    assert "CARRIER_ORDER_ERROR" in _ship(tts, package_id)["message"]

    advance(http, "1h")  # the carrier recovers: the scripted cause is fixed
    oversized = _ship(tts, package_id)
    assert oversized["code"] == 21011104 and "PRODUCTS_OVERSIZED" in oversized["message"]
    assert "split it into smaller packages" in oversized["message"]

    lines = [
        item["id"]
        for item in data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0][
            "line_items"
        ]
    ]
    made = data(
        tts.post(
            f"/fulfillment/202309/orders/{order_id}/split",
            {
                "splittable_groups": [
                    {"id": "first", "order_line_item_ids": [lines[0]]},
                    {"id": "second", "order_line_item_ids": [lines[1]]},
                ]
            },
        )
    )["packages"]
    for package in made:
        assert data(tts.post(SHIP.format(package["id"]), {"handover_method": "DROP_OFF"})) == {}
    assert status_of(tts, order_id) == "AWAITING_COLLECTION"


def test_buying_the_label_is_a_label_request_the_count_refuses_too():
    http, tts, ids = _scripted()
    order_id = ids["kettle"]
    package_id = package_of(http, order_id)
    size = {"length": "30", "width": "20", "height": "20", "unit": "CM"}
    services = data(
        tts.post(
            f"/fulfillment/202309/orders/{order_id}/shipping_services/query",
            {"weight": {"value": "2", "unit": "KILOGRAM"}, "dimension": size},
        )
    )["shipping_services"]
    body = {
        "ship_type": "1",
        "order_id": order_id,
        "shipping_service_id": services[0]["id"],
        "weight": {"value": "2000", "unit": "GRAM"},
        "dimension": size,
    }

    bought = envelope(tts.post("/fulfillment/202512/packages", body))
    shipped = _ship(tts, package_id)
    assert [bought["code"], shipped["code"]] == [21011104, 21011104]
    assert "CARRIER_ORDER_ERROR" in bought["message"] and "CARRIER_ORDER_ERROR" in shipped["message"]
    assert data(tts.post("/fulfillment/202512/packages", body))["package_id"] == package_id
