"""Combining orders one buyer placed into a single package, and taking them out again (Seller
Center: "Combining Orders into a Single Package")."""

from __future__ import annotations

from typing import Any

from tests.helpers import advance, data, error_code, load, order, refresh

SEARCH = "/fulfillment/202309/combinable_packages/search"
COMBINE = "/fulfillment/202309/packages/combine"
UNCOMBINE = "/fulfillment/202309/packages/{}/uncombine"
SHIP = "/fulfillment/202309/packages/{}/ship"

ONE_BUYER = """
scenario: one-buyer-two-orders
description: Ada orders a tote, then a mug an hour later; Grace orders a scarf.
setup: {start: 2026-03-02T09:00:00Z, seed: 11, background_orders: 0}
orders:
  tote:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    age: 3h
    buyer: {account: ada}
    line_items: [{product_name: Linen Tote, seller_sku: TOTE, price: "24.00"}]
  mug:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    age: 2h
    buyer: {account: ada}
    line_items: [{product_name: Mug, seller_sku: MUG, price: "9.00"}]
  scarf:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    age: 1h
    buyer: {account: grace}
    line_items: [{product_name: Scarf, seller_sku: SCARF, price: "15.00"}]
until: 21d
"""


def _loaded(http: Any, tts: Any) -> dict[str, str]:
    answer = load(http, ONE_BUYER)
    assert answer.status_code == 201, answer.text
    return {name: ref["order_id"] for name, ref in answer.json()["orders"].items()}


def _package_of(tts: Any, order_id: str) -> str:
    [package] = order(tts, order_id)["packages"]
    return str(package["id"])


def test_two_orders_of_one_buyer_go_out_as_one_package_and_both_follow_it(http, tts):
    ids = _loaded(http, tts)
    tote_package, mug_package = _package_of(tts, ids["tote"]), _package_of(tts, ids["mug"])

    found = data(tts.get(SEARCH, params={"page_size": 10}))
    assert found["combinable_packages"] == [{"id": tote_package, "order_ids": [ids["tote"], ids["mug"]]}]
    assert found["total_count"] == 1

    combined = data(tts.post(COMBINE, {"combinable_packages": [{"id": tote_package}]}))
    assert combined == {"packages": [{"id": tote_package, "order_ids": [ids["tote"], ids["mug"]]}]}
    assert _package_of(tts, ids["mug"]) == tote_package
    assert error_code(tts.get(f"/fulfillment/202309/packages/{mug_package}")) == 21011028
    detail = data(tts.get(f"/fulfillment/202309/packages/{tote_package}"))
    assert [o["id"] for o in detail["orders"]] == [ids["tote"], ids["mug"]]
    assert len(detail["order_line_item_ids"]) == 2
    assert data(tts.get(SEARCH, params={"page_size": 10}))["combinable_packages"] == []
    view = http.get(f"/sandbox/orders/{ids['mug']}").json()
    assert [p["order_ids"] for p in view["packages"]] == [[ids["tote"], ids["mug"]]]

    # One label, one parcel: both orders ship, travel and arrive with it.
    assert data(tts.post(SHIP.format(tote_package), {"handover_method": "DROP_OFF"})) == {}
    tote, mug = order(tts, ids["tote"]), order(tts, ids["mug"])
    assert tote["status"] == mug["status"] == "AWAITING_COLLECTION"
    numbers = {item["tracking_number"] for o in (tote, mug) for item in o["line_items"]}
    assert len(numbers) == 1 and "" not in numbers  # one label for both
    advance(http, "10d")
    refresh(tts, http)
    assert order(tts, ids["tote"])["status"] in ("DELIVERED", "COMPLETED")
    assert order(tts, ids["mug"])["status"] == order(tts, ids["tote"])["status"]
    assert order(tts, ids["scarf"])["status"] == "AWAITING_SHIPMENT"  # never combined, never shipped


def test_orders_of_another_buyer_or_a_shipped_package_are_not_combined_and_nothing_changes(http, tts):
    ids = _loaded(http, tts)
    tote_package, scarf_package = _package_of(tts, ids["tote"]), _package_of(tts, ids["scarf"])

    answer = data(
        tts.post(
            COMBINE,
            {
                "combinable_packages": [
                    {"id": tote_package, "order_ids": [ids["tote"], ids["scarf"]]},
                    {"id": "1154000000000000001", "order_ids": [ids["mug"]]},
                    {"id": tote_package, "order_ids": ["576000000000000009"]},
                ]
            },
        )
    )
    assert answer["packages"] == []
    assert [(e["code"], e["detail"]["package_id"]) for e in answer["errors"]] == [
        (21011115, tote_package),
        (21011028, "1154000000000000001"),
        (21008111, tote_package),
    ]
    assert "another buyer" in answer["errors"][0]["message"]
    assert _package_of(tts, ids["scarf"]) == scarf_package
    assert [o["id"] for o in data(tts.get(f"/fulfillment/202309/packages/{tote_package}"))["orders"]] == [
        ids["tote"]
    ]

    assert data(tts.post(SHIP.format(tote_package), {"handover_method": "DROP_OFF"})) == {}
    shipped = data(
        tts.post(COMBINE, {"combinable_packages": [{"id": tote_package, "order_ids": [ids["mug"]]}]})
    )
    assert [e["code"] for e in shipped["errors"]] == [21011101]
    assert error_code(tts.post(COMBINE, {"combinable_packages": []})) == 36009004


def test_an_order_taken_out_of_a_combined_package_gets_a_package_of_its_own(http, tts):
    ids = _loaded(http, tts)
    tote_package = _package_of(tts, ids["tote"])
    data(tts.post(COMBINE, {"combinable_packages": [{"id": tote_package, "order_ids": [ids["mug"]]}]}))

    assert error_code(tts.post(UNCOMBINE.format(tote_package), {"order_ids": [ids["scarf"]]})) == 21011115
    left = data(tts.post(UNCOMBINE.format(tote_package), {"order_ids": [ids["mug"]]}))["packages"]
    assert left[0] == {"id": tote_package, "order_ids": [ids["tote"]]}
    [(own, orders)] = [(p["id"], p["order_ids"]) for p in left[1:]]
    assert orders == [ids["mug"]] and own != tote_package
    assert _package_of(tts, ids["mug"]) == own
    assert error_code(tts.post(UNCOMBINE.format(tote_package), {"order_ids": [ids["tote"]]})) == 21011115

    # The mug ships on its own parcel now.
    assert data(tts.post(SHIP.format(own), {"handover_method": "DROP_OFF"})) == {}
    assert order(tts, ids["mug"])["status"] == "AWAITING_COLLECTION"
    assert order(tts, ids["tote"])["status"] == "AWAITING_SHIPMENT"


def test_a_combined_parcel_that_comes_back_to_the_seller_cancels_every_order_it_held(http, tts):
    never_home = ONE_BUYER.replace(
        "until: 21d",
        """steps:
  - name: the buyer is never at home
    when: {event: package.combined, order: mug}
    do:
      - fail_delivery_attempts: {order: tote, count: 3}
until: 30d""",
    )
    answer = load(http, never_home)
    assert answer.status_code == 201, answer.text
    ids = {name: ref["order_id"] for name, ref in answer.json()["orders"].items()}
    package = _package_of(tts, ids["tote"])
    data(tts.post(COMBINE, {"combinable_packages": [{"id": package, "order_ids": [ids["mug"]]}]}))
    assert data(tts.post(SHIP.format(package), {"handover_method": "DROP_OFF"})) == {}

    advance(http, "21d")
    refresh(tts, http)
    for name in ("tote", "mug"):
        shown = order(tts, ids[name])
        assert shown["status"] == "CANCELLED", name
        assert shown["cancellation_initiator"] == "SYSTEM", name
    failed = http.get("/seller-center/failed-deliveries").json()["failed_deliveries"]
    assert sorted((f["order_id"], f["package_id"]) for f in failed) == sorted(
        [(ids["tote"], package), (ids["mug"], package)]
    )  # one row per order, both on the one parcel


def test_a_202512_label_for_two_orders_of_one_buyer_combines_them(http, tts):
    ids = _loaded(http, tts)
    tote_package = _package_of(tts, ids["tote"])
    body = {"ship_type": "3", "order_list_ids": [ids["tote"], ids["mug"]]}
    created = data(tts.post("/fulfillment/202512/packages", body))
    assert created["package_id"] == tote_package
    assert _package_of(tts, ids["mug"]) == tote_package
    detail = data(tts.get(f"/fulfillment/202309/packages/{tote_package}"))
    assert [o["id"] for o in detail["orders"]] == [ids["tote"], ids["mug"]] and detail["tracking_number"]

    refused = tts.post(
        "/fulfillment/202512/packages", {"ship_type": "3", "order_list_ids": [ids["scarf"], ids["mug"]]}
    )
    assert error_code(refused) == 21011115
    assert _package_of(tts, ids["scarf"]) != tote_package


def test_combining_and_uncombining_tell_the_sellers_system_by_package_update(http, tts):
    ids = _loaded(http, tts)
    body = {"address": "http://127.0.0.1:9/hook", "event_type": "PACKAGE_UPDATE"}
    assert data(tts.call("PUT", "/event/202309/webhooks", body=body)) == {}
    package = _package_of(tts, ids["tote"])
    data(tts.post(COMBINE, {"combinable_packages": [{"id": package, "order_ids": [ids["mug"]]}]}))
    left = data(tts.post(UNCOMBINE.format(package), {"order_ids": [ids["mug"]]}))["packages"]

    sent = [d["payload"]["data"] for d in http.get("/sandbox/webhooks/deliveries").json()["deliveries"]]
    updates = [
        (p["sc_type"], p["role_type"], [(x["package_id"], x["order_id_list"]) for x in p["package_list"]])
        for p in sent
    ]
    assert updates == [
        ("COMBINE", "ROLE_SELLER", [(package, [ids["tote"], ids["mug"]])]),
        ("CANCEL_COMBINE", "ROLE_SELLER", [(package, [ids["tote"]]), (left[1]["id"], [ids["mug"]])]),
    ]
