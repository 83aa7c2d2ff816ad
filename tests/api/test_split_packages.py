"""Splitting an order into several packages, each with its own label and carrier journey, and the
order following its packages (Seller Center: "Splitting Order into Multiple Packages")."""

from __future__ import annotations

from tests.helpers import advance, data, error_code, load, order, refresh

SHIP = "/fulfillment/202309/packages/{}/ship"
SPLIT = "/fulfillment/202309/orders/{}/split"

TWO_ANVILS = """
scenario: two-anvils
description: Two 20 kg anvils in one order; the second parcel is never delivered.
setup: {start: 2026-03-02T09:00:00Z, seed: 5, background_orders: 0}
orders:
  anvils:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
    line_items:
      - {product_name: Anvil, sku_name: Black, seller_sku: HEAVY-ANVIL, price: "40.00", quantity: 2}
steps:
  - name: the second package's buyer is never at home
    when: {event: order.split, order: anvils}
    do:
      - fail_delivery_attempts: {order: anvils, package: 2, count: 3}
until: 21d
"""


def _loaded(http, tts):
    answer = load(http, TWO_ANVILS)
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["orders"]["anvils"]["order_id"]
    return order_id, order(tts, order_id)


def test_an_oversized_order_split_in_two_ships_and_one_parcel_comes_back(http, tts):
    order_id, detail = _loaded(http, tts)
    [package_id] = [p["id"] for p in detail["packages"]]
    lines = [item["id"] for item in detail["line_items"]]

    # Both anvils in one package: 40 kg, over the 30 kg limit.
    rejected = tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"})
    assert error_code(rejected) == 21011104
    attributes = data(
        tts.get("/fulfillment/202309/orders/split_attributes", params={"order_ids": [order_id]})
    )
    assert attributes["split_attributes"] == [{"order_id": order_id, "can_split": True, "must_split": False}]

    made = data(
        tts.post(
            SPLIT.format(order_id),
            {
                "splittable_groups": [
                    {"id": "first", "order_line_item_ids": [lines[0]]},
                    {"id": "second", "order_line_item_ids": [lines[1]]},
                ]
            },
        )
    )["packages"]
    assert [p["splittable_group_id"] for p in made] == ["first", "second"]
    first, second = (p["id"] for p in made)
    assert [p["id"] for p in order(tts, order_id)["packages"]] == [first, second]
    assert error_code(tts.get(f"/fulfillment/202309/packages/{package_id}")) == 21011028
    for package in (first, second):
        detail = data(tts.get(f"/fulfillment/202309/packages/{package}"))
        assert detail["weight"] == {"value": "20000", "unit": "GRAM"}

    assert data(tts.post(SHIP.format(first), {"handover_method": "DROP_OFF"})) == {}
    assert order(tts, order_id)["status"] == "PARTIALLY_SHIPPING"
    assert data(tts.post(SHIP.format(second), {"handover_method": "DROP_OFF"})) == {}
    shown = order(tts, order_id)
    assert shown["status"] == "AWAITING_COLLECTION"
    numbers = {item["package_id"]: item["tracking_number"] for item in shown["line_items"]}
    assert len(set(numbers.values())) == 2  # a label each

    advance(http, "10d")
    refresh(tts, http)
    shown = order(tts, order_id)
    by_package = {item["package_id"]: item for item in shown["line_items"]}
    assert by_package[first]["package_status"] == "COMPLETED"
    assert by_package[second]["package_status"] == "CANCELLED"
    assert by_package[second]["cancel_reason"] == "returned_to_shipper_other"
    assert "cancel_reason" not in by_package[first]
    assert shown["status"] in ("DELIVERED", "COMPLETED")

    failed = http.get("/seller-center/failed-deliveries").json()["failed_deliveries"]
    assert [(f["order_id"], f["package_id"]) for f in failed] == [(order_id, second)]

    # The order's view and its page list both packages; the row shows the one that came back.
    view = http.get(f"/sandbox/orders/{order_id}").json()
    assert [(p["id"], p["status"]) for p in view["packages"]] == [(first, "COMPLETED"), (second, "CANCELLED")]
    assert view["package"]["id"] == second and view["failed_delivery"]["return_status"]
    page = http.get(f"/web/orders/{order_id}").text
    assert 'id="packages"' in page and first in page and second in page


def test_a_split_is_refused_for_bad_groups_with_nothing_changed(http, tts):
    order_id, detail = _loaded(http, tts)
    [package_id] = [p["id"] for p in detail["packages"]]
    lines = [item["id"] for item in detail["line_items"]]
    other = "576000000000000001"

    def split(groups):
        return tts.post(SPLIT.format(order_id), {"splittable_groups": groups})

    assert error_code(split([{"id": "a", "order_line_item_ids": lines}])) == 36009004  # one group
    assert (
        error_code(
            split(
                [{"id": "a", "order_line_item_ids": [lines[0]]}, {"id": "b", "order_line_item_ids": [other]}]
            )
        )
        == 21011114
    )
    assert (
        error_code(
            split(
                [
                    {"id": "a", "order_line_item_ids": [lines[0]]},
                    {"id": "b", "order_line_item_ids": [lines[0]]},
                ]
            )
        )
        == 36009004
    )
    assert (
        error_code(
            split(
                [
                    {"id": "a", "order_line_item_ids": [lines[0]]},
                    {"id": "a", "order_line_item_ids": [lines[1]]},
                ]
            )
        )
        == 36009004
    )
    groups = [{"id": "a", "order_line_item_ids": [lines[0]]}, {"id": "b", "order_line_item_ids": [lines[1]]}]
    assert error_code(tts.post(SPLIT.format("576000000000000002"), {"splittable_groups": groups})) == 21008111
    assert [p["id"] for p in order(tts, order_id)["packages"]] == [package_id]


def test_a_label_for_one_of_the_anvils_splits_it_off_into_a_package_of_its_own(http, tts):
    order_id, detail = _loaded(http, tts)
    [whole] = [p["id"] for p in detail["packages"]]
    lines = [item["id"] for item in detail["line_items"]]
    body = {"ship_type": "2", "order_id": order_id, "order_line_item": [{"order_line_id": lines[0]}]}

    created = data(tts.post("/fulfillment/202512/packages", body))
    assert created["weight"] == {"value": "20000", "unit": "GRAM"}  # one anvil: within the limit
    shown = order(tts, order_id)
    assert len(shown["packages"]) == 2 and created["package_id"] in [p["id"] for p in shown["packages"]]
    assert whole not in [p["id"] for p in shown["packages"]]
    labelled = data(tts.get(f"/fulfillment/202309/packages/{created['package_id']}"))
    assert labelled["order_line_item_ids"] == [lines[0]] and labelled["tracking_number"]
    other = next(p["id"] for p in shown["packages"] if p["id"] != created["package_id"])
    assert data(tts.get(f"/fulfillment/202309/packages/{other}"))["order_line_item_ids"] == [lines[1]]
