"""Operations the platform serves in some markets only: each answers from the world's state in a
shop of a market it serves, and 21011116 (not in the shop's market) in any other."""

from __future__ import annotations

from typing import Any

from sandbox.client import SignedClient
from tests.helpers import data, error_code, first_order, seller_provider

NOT_IN_MARKET = 21011116
SHIP = "/fulfillment/202309/packages/{}/ship"
COVERAGE = "/fulfillment/202508/tts_tracking_validation"
TEMPLATE_EXIST = "/logistics/202606/seller_template/template_exist"


def shop(http: Any, region: str, seed: int = 7) -> SignedClient:
    credentials = http.post(
        "/sandbox/tenants",
        json={
            "seed": seed,
            "region": region,
            "order_count": 60,
            "start": "2026-03-02T09:00:00Z",
            "frozen": True,
        },
    ).json()
    return SignedClient.for_tenant(http, credentials)


def package_of(tts: SignedClient, order_id: str) -> dict[str, Any]:
    detail = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
    return data(tts.get(f"/fulfillment/202309/packages/{detail['packages'][0]['id']}"))


def ship(tts: SignedClient, order_id: str, handover: str) -> dict[str, Any]:
    package_id = package_of(tts, order_id)["package_id"]
    body: dict[str, Any] = {"handover_method": handover}
    if handover == "PICKUP":
        slots = data(tts.get(f"/fulfillment/202309/packages/{package_id}/handover_time_slots"))[
            "pickup_slots"
        ]
        body["pickup_slot"] = {"start_time": slots[0]["start_time"], "end_time": slots[0]["end_time"]}
    data(tts.post(SHIP.format(package_id), body))
    return package_of(tts, order_id)


def awaiting(tts: SignedClient, shipping_type: str = "TIKTOK") -> list[str]:
    body = {"order_status": "AWAITING_SHIPMENT", "shipping_type": shipping_type}
    found = data(tts.post("/order/202309/orders/search", body, params={"page_size": 50}))["orders"]
    return [o["id"] for o in found]


# ----- TikTok Shipping coverage (US) ---------------------------------------------------------------
def test_a_platform_label_is_covered_and_a_pickup_is_collected_by_tiktok(tts):
    picked, dropped = awaiting(tts)[:2]
    picked_number = ship(tts, picked, "PICKUP")["tracking_number"]
    dropped_number = ship(tts, dropped, "DROP_OFF")["tracking_number"]

    assert data(tts.get(COVERAGE, params={"tracking_number": picked_number})) == {
        "is_tiktok_shipping": True,
        "is_tiktok_collection": True,
    }
    assert data(tts.get(COVERAGE, params={"tracking_number": dropped_number})) == {
        "is_tiktok_shipping": True,
        "is_tiktok_collection": False,
    }


def test_the_sellers_own_carrier_and_unknown_numbers_are_not_covered(tts):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    body = {"tracking_number": "OWNFLEET-77", "shipping_provider_id": seller_provider(tts)}
    data(tts.post(f"/fulfillment/202309/orders/{order_id}/packages", body))
    for number in ("OWNFLEET-77", "NOSUCHNUMBER"):
        answer = data(tts.get(COVERAGE, params={"tracking_number": number}))
        assert answer == {"is_tiktok_shipping": False, "is_tiktok_collection": False}


def test_coverage_is_not_served_outside_the_us(http):
    uk = shop(http, "GB")
    assert error_code(uk.get(COVERAGE, params={"tracking_number": "TT123"})) == NOT_IN_MARKET


# ----- shipping template existence (every market) --------------------------------------------------
def test_the_shop_has_a_template_for_its_own_warehouse_only(tts, http):
    for client in (tts, shop(http, "MX")):
        [warehouse] = data(client.get("/logistics/202309/warehouses"))["warehouses"]
        assert data(client.get(TEMPLATE_EXIST, params={"biz_warehouse_id": warehouse["id"]})) == {
            "template_exist": True
        }
        other = str(int(warehouse["id"]) + 1)
        assert data(client.get(TEMPLATE_EXIST, params={"biz_warehouse_id": other})) == {
            "template_exist": False
        }


def test_a_warehouse_id_that_is_not_a_number_is_refused(tts):
    assert error_code(tts.get(TEMPLATE_EXIST, params={"biz_warehouse_id": "north"})) == 36009004


# ----- customs clearance (every market) ------------------------------------------------------------
CUSTOMS_QUERY = "/fulfillment/202607/orders/customs_info/query"
CUSTOMS_SUBMIT = "/fulfillment/202607/orders/customs_info/submit"


def details(tts: SignedClient, order_ids: list[str]) -> list[dict[str, Any]]:
    return list(data(tts.get("/order/202507/orders", params={"ids": order_ids}))["orders"])


def differs(line: dict[str, Any]) -> bool:
    """A line declared otherwise than it ships: from a LIVE listing, or a virtual bundle."""
    return bool(line.get("product_listing_type") or line.get("sub_item_info"))


def declared_differently(tts: SignedClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order awaiting shipment with such a line, and an ordinary one."""
    found = details(tts, awaiting(tts)[:50])
    return (
        next(o for o in found if any(differs(i) for i in o["line_items"])),
        next(o for o in found if not any(differs(i) for i in o["line_items"])),
    )


def requirements(tts: SignedClient, *order_ids: str) -> list[dict[str, Any]]:
    return list(data(tts.post(CUSTOMS_QUERY, {"order_ids": list(order_ids)}))["order_clearance_list"])


def test_customs_learns_what_a_line_really_holds_and_the_query_shows_it(tts):
    needing, ordinary = declared_differently(tts)
    before, plain = requirements(tts, needing["id"], ordinary["id"])
    assert before["need_fill_clearance"] is True and before["already_filled_clearance"] is False
    assert plain["need_fill_clearance"] is False and plain["already_filled_clearance"] is False
    assert before["target_country"] == "US" and before["shipment_type"] == 2
    assert [i["order_line_id"] for i in before["item_list"]] == [i["id"] for i in needing["line_items"]]

    lines = [line for line in needing["line_items"] if differs(line)]
    part = lines[0]["sub_item_info"][0]["sku_id"] if lines[0].get("sub_item_info") else lines[0]["sku_id"]
    entries = [
        {
            "order_line_id": line["id"],
            "item_detail": [
                {"sku_id": part, "qty": 1, "price_percent": 60},
                {"sku_id": line["sku_id"], "qty": 2, "price_percent": 40},
            ],
        }
        for line in lines
    ]
    assert (
        data(tts.post(CUSTOMS_SUBMIT, {"order_list": [{"order_id": needing["id"], "item_list": entries}]}))
        == {}
    )

    [after] = requirements(tts, needing["id"])
    assert after["already_filled_clearance"] is True
    [first] = [i["related_item_detail"] for i in after["item_list"] if i["order_line_id"] == lines[0]["id"]]
    expected = (
        {part: (1, 60), lines[0]["sku_id"]: (2, 40)} if part != lines[0]["sku_id"] else {part: (3, 100)}
    )
    assert {d["sku_id"]: (d["qty"], d["price_percent"]) for d in first} == expected
    assert all(d["product_id"] for d in first)


def test_a_refused_customs_submission_keeps_nothing(tts):
    needing, ordinary = declared_differently(tts)
    line = next(line for line in needing["line_items"] if differs(line))
    good = {
        "order_line_id": line["id"],
        "item_detail": [{"sku_id": line["sku_id"], "qty": 1, "price_percent": 100}],
    }
    cases = [
        ([{"order_id": ordinary["id"], "item_list": []}], 21011120),
        ([{"order_id": "123456789", "item_list": [good]}], 21008111),
        (
            [
                {
                    "order_id": needing["id"],
                    "item_list": [{**good, "order_line_id": ordinary["line_items"][0]["id"]}],
                }
            ],
            21011114,
        ),
        (
            [
                {
                    "order_id": needing["id"],
                    "item_list": [{**good, "item_detail": [{**good["item_detail"][0], "price_percent": 90}]}],
                }
            ],
            21011121,
        ),
        (
            [
                {
                    "order_id": needing["id"],
                    "item_list": [
                        {**good, "item_detail": [{"sku_id": "999", "qty": 1, "price_percent": 100}]}
                    ],
                }
            ],
            21011122,
        ),
        ([{"order_id": needing["id"], "item_list": [good, good]}], 36009004),
    ]
    for order_list, code in cases:
        # The good order first: it is not kept when a later one is refused.
        body = {"order_list": [{"order_id": needing["id"], "item_list": [good]}, *order_list]}
        assert error_code(tts.post(CUSTOMS_SUBMIT, body)) == code, order_list
    [after] = requirements(tts, needing["id"])
    assert all(not i["related_item_detail"] for i in after["item_list"])
    assert (
        error_code(tts.post(CUSTOMS_SUBMIT, {"order_list": [{"order_id": needing["id"], "bogus": 1}]}))
        == 36009004
    )


# ----- print-on-demand customisations (every market) -----------------------------------------------
POD_GET = "/fulfillment/202606/pod_details/get"
POD_SEARCH = "/order/202606/pod_details/search"


def customised(tts: SignedClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An order with a line the buyer personalised, that line, and a line of it (or of another
    order) that is not personalised."""
    orders = data(tts.post("/order/202309/orders/search", {}, params={"page_size": 100}))["orders"]
    found = details(tts, [o["id"] for o in orders[:50]])
    for o in found:
        pod = [i for i in o["line_items"] if i.get("pod_info_id")]
        if pod:
            plain = next(i for other in found for i in other["line_items"] if not i.get("is_pod_customized"))
            return o, pod[0], plain
    raise AssertionError("no personalised line among the first orders")


def pod_line(line: dict[str, Any], pod_id: str = "") -> dict[str, Any]:
    return {
        "order_line_id": line["id"],
        "product_id": line["product_id"],
        "sku_id": line["sku_id"],
        "pod_order_data_id": pod_id or line.get("pod_info_id", "1"),
    }


def test_the_buyers_customisation_is_read_the_same_through_both_paths(tts):
    import json

    order, line, _ = customised(tts)
    body = {"main_order_id": order["id"], "query_order_lines": [pod_line(line)]}
    got = data(tts.post(POD_GET, body))
    searched = data(tts.post(POD_SEARCH, body))
    assert got["status_code"] == 0 and searched["status_code"] == 0
    [detail] = got["pod_details"]
    assert detail["order_line_id"] == line["id"]
    assert searched["pod_details"] == [{"order_line_id": line["id"], "pod_detail": detail["pod_info_json"]}]
    design = json.loads(detail["pod_info_json"])
    assert design["pod_info_id"] == line["pod_info_id"] and design["sku_id"] == line["sku_id"]
    [area] = design["surfaces"][0]["custom_areas"]
    assert area["type"] in ("TEXT", "IMAGE")
    assert data(tts.post(POD_GET, body)) == got  # the same customisation each time


def test_a_line_that_is_not_the_orders_or_not_customised_is_refused(tts):
    order, line, plain = customised(tts)
    cases = [
        ({"main_order_id": "123456789", "query_order_lines": [pod_line(line)]}, 21008111, 25007006),
        ({"main_order_id": order["id"], "query_order_lines": [pod_line(line, "42")]}, 21011123, 21011123),
        (
            {"main_order_id": order["id"], "query_order_lines": [{**pod_line(line), "sku_id": "1"}]},
            36009004,
            36009004,
        ),
    ]
    if plain["id"] in {i["id"] for i in order["line_items"]}:
        cases.append(
            ({"main_order_id": order["id"], "query_order_lines": [pod_line(plain)]}, 21011123, 21011123)
        )
    else:
        cases.append(
            ({"main_order_id": order["id"], "query_order_lines": [pod_line(plain)]}, 21011114, 21011114)
        )
    for body, fulfillment_code, order_code in cases:
        assert error_code(tts.post(POD_GET, body)) == fulfillment_code, body
        assert error_code(tts.post(POD_SEARCH, body)) == order_code, body
    assert error_code(tts.post(POD_GET, {"main_order_id": order["id"], "query_order_lines": []})) == 36009004
