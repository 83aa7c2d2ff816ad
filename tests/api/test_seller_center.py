"""The Seller Center's Manage Orders page: tabs, to-do counters, Failed Delivery and its filters,
multi-ID search, sorting and CSV export, at any clock position."""

from __future__ import annotations

import csv
import io

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import ROOT, advance, data, load, refresh


def page(http, path="/seller-center/orders", **params):
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def clock(http):
    return http.get("/sandbox/clock").json()["now"]


def signed(http):
    return SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())


def package_of(tts, order_id):
    order = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
    return order["packages"][0]["id"]


def test_three_failed_attempts_move_the_order_through_the_tabs_and_the_failed_delivery_list():
    with Sandbox().app.test_client() as http:
        parcel = load(http, (ROOT / "scenarios/three-failed-attempts.yaml").read_text()).json()["orders"][
            "parcel"
        ]["order_id"]
        tts = signed(http)
        seen = []

        def look():
            [row] = page(http, search=parcel)["orders"]
            failed = page(http, "/seller-center/failed-deliveries", search=parcel)["failed_deliveries"]
            state = (
                tuple(row["tabs"]),
                row["return_status_label"],
                failed[0]["time_returned"] if failed else None,
                len(failed[0]["attempts"]) if failed else 0,
            )
            if not seen or seen[-1][1:] != state:
                seen.append((clock(http), *state))

        look()
        data(tts.post(f"/fulfillment/202309/packages/{package_of(tts, parcel)}/ship", {}))
        for _ in range(8 * 24):
            advance(http, "1h")
            look()
        assert seen == [
            ("2026-03-02T09:00:00Z", ("pending_shipping",), None, None, 0),
            ("2026-03-02T10:00:00Z", ("shipped",), None, None, 0),
            ("2026-03-06T15:00:00Z", ("failed_delivery",), "Returning to Seller", None, 3),
            (
                "2026-03-09T15:00:00Z",
                ("canceled", "failed_delivery"),
                "Delivered Back to Seller",
                "2026-03-09T15:00:00Z",
                3,
            ),
        ]
        [row] = page(http, "/seller-center/failed-deliveries")["failed_deliveries"]
        assert row["alert"] is False and row["refunded"] is True
        assert row["cancel_reason"] == "returned_to_shipper_other"
        assert [a["reason"] for a in row["attempts"]] == ["ADDRESSEE_NOT_AVAILABLE"] * 3

        # The Return Status filter and the Time Returned range.
        def failed(**params):
            return [
                r["order_id"]
                for r in page(http, "/seller-center/failed-deliveries", **params)["failed_deliveries"]
            ]

        assert failed(return_status="DELIVERED_BACK_TO_SELLER") == [parcel]
        assert failed(return_status=["RETURNING_TO_SELLER", "SELLER_DELIVERY_FAILED"]) == []
        assert failed(time_returned_from="2026-03-09T15:00:00Z", time_returned_to="2026-03-09T15:00:01Z") == [
            parcel
        ]
        assert failed(time_returned_from="2026-03-09T15:00:01Z") == []
        assert failed(time_returned_to="2026-03-09T15:00:00Z") == []
        assert page(http, tab="failed_delivery", return_status="DELIVERED_BACK_TO_SELLER")["total"] == 1


def test_a_failed_return_shows_the_red_alert_and_its_destroy_date_then_destroyed():
    with Sandbox().app.test_client() as http:
        refs = load(http, (ROOT / "scenarios/return-to-seller-failed.yaml").read_text()).json()["orders"]
        wanted, abandoned = refs["wanted"]["order_id"], refs["abandoned"]["order_id"]
        tts = signed(http)
        for number, order_id in (("WANT-1", wanted), ("DROP-1", abandoned)):
            data(
                tts.post(
                    f"/fulfillment/202309/orders/{order_id}/packages",
                    {"tracking_number": number, "shipping_provider_id": "6617675021119438849"},
                )
            )
        seen = []
        for _ in range(16 * 8):  # every three hours for sixteen days
            advance(http, "3h")
            rows = page(http, "/seller-center/failed-deliveries", sort_by="create_time")["failed_deliveries"]
            state = tuple(
                (
                    r["order_id"] == wanted,
                    r["return_status_label"],
                    r["alert"],
                    r["destroy_at"],
                    r["order_status"],
                )
                for r in sorted(rows, key=lambda r: r["order_id"] != wanted)
            )
            if not seen or seen[-1][1] != state:
                seen.append((clock(http), state))
        returning = ("Returning to Seller", False, None, "IN_TRANSIT")
        failed = ("Seller Delivery Failed", True, "2026-03-16T11:00:00Z", "IN_TRANSIT")
        assert seen == [
            ("2026-03-02T12:00:00Z", ()),  # nothing has failed yet
            ("2026-03-06T12:00:00Z", ((True, *returning), (False, *returning))),  # third attempt, 11:00
            ("2026-03-09T12:00:00Z", ((True, *failed), (False, *failed))),  # the way back failed
            # The seller asked for the first parcel two days after the notice: it comes back again.
            ("2026-03-11T12:00:00Z", ((True, *returning), (False, *failed))),
            (
                "2026-03-14T12:00:00Z",
                ((True, "Delivered Back to Seller", False, None, "CANCELLED"), (False, *failed)),
            ),
            (  # the second, never asked for, is destroyed when the 7 days are up
                "2026-03-16T12:00:00Z",
                (
                    (True, "Delivered Back to Seller", False, None, "CANCELLED"),
                    (False, "Destroyed", False, "2026-03-16T11:00:00Z", "CANCELLED"),  # destroyed on
                ),
            ),
        ]
        listed = page(http, "/seller-center/failed-deliveries")
        assert listed["return_status_counts"] == {
            "RETURNING_TO_SELLER": 0,
            "DELIVERED_BACK_TO_SELLER": 1,
            "SELLER_DELIVERY_FAILED": 0,
            "DESTROYED": 1,
        }
        destroyed = page(http, "/seller-center/failed-deliveries", return_status="DESTROYED")
        [row] = destroyed["failed_deliveries"]
        assert row["order_id"] == abandoned and row["cancel_reason"] == "package_scrap" and row["refunded"]


TODO_SCENARIO = """scenario: todo
setup: {start: 2026-03-02T09:00:00Z, background_orders: 0}
orders:
  due_soon: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2d5m}
  due_later: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 1h}
  asks_to_cancel: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2h}
steps:
  - at: 1h
    do:
      - buyer_cancel: {order: asks_to_cancel, reason: "Need to change the address"}
"""


def test_the_to_do_counters_follow_the_clock_at_their_boundaries(http):
    refs = load(http, TODO_SCENARIO).json()["orders"]
    due_soon, due_later, asks = (refs[n]["order_id"] for n in ("due_soon", "due_later", "asks_to_cancel"))

    def todos():
        listed = page(http, page_size=100)
        by_order = {r["order_id"]: set(r["todos"]) for r in listed["orders"]}
        for name, count in listed["todo_counts"].items():  # the counters are the rows behind them
            assert count == sum(name in t for t in by_order.values()), name
            filtered = {r["order_id"] for r in page(http, todo=name, page_size=100)["orders"]}
            assert filtered == {o for o, t in by_order.items() if name in t}, name
        return by_order

    # due_soon was paid two days ago with a three-day handling time: due at 08:57 tomorrow.
    assert todos()[due_soon] == {"shipping_within_24_hours"}
    assert todos()[due_later] == set()
    advance(http, "1h")
    assert todos()[asks] == {"requested_cancellation"}
    # The buyer's request is approved automatically 48 hours after it was made.
    advance(http, "23h")  # 2026-03-03T09:00Z: due_soon is past its deadline since 08:57
    now = todos()
    assert now[due_soon] == {"stocking_timeout"}
    assert now[asks] == {"requested_cancellation"}
    advance(http, "59m")  # one minute more than 24 hours before the automatic approval
    assert "automatic_cancellation_within_24_hours" not in todos()[asks]
    advance(http, "1m")
    assert todos()[asks] == {"requested_cancellation", "automatic_cancellation_within_24_hours"}
    [row] = page(http, search=asks)["orders"]
    assert row["automatic_cancellation_time"] == "2026-03-04T10:00:00Z"
    advance(http, "1d")
    assert todos()[asks] == set()
    assert page(http, search=asks)["orders"][0]["tabs"] == ["canceled"]


def test_an_untracked_order_is_listed_for_automatic_cancellation_in_its_last_day(http):
    order = load(
        http,
        """scenario: untracked
setup: {start: 2026-03-02T09:00:00Z, background_orders: 0}
orders:
  forgotten: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2h}
""",
    ).json()["orders"]["forgotten"]["order_id"]
    advance(http, "13d21h59m")  # 14d23h59m... minus 1 day after placement: not yet in the last day
    assert page(http, todo="automatic_cancellation_within_24_hours")["total"] == 0
    advance(http, "1m")  # 24 hours before the 15-day cancellation
    [row] = page(http, todo="automatic_cancellation_within_24_hours")["orders"]
    assert row["order_id"] == order and row["automatic_cancellation_time"] == "2026-03-17T07:00:00Z"
    advance(http, "1d")
    assert page(http, todo="automatic_cancellation_within_24_hours")["total"] == 0
    assert page(http, tab="canceled", search=order)["total"] == 1


def test_search_by_any_id_and_several_at_once(http):
    tts = signed(http)
    orders = data(tts.post("/order/202309/orders/search?page_size=50", {}))["orders"]
    shipped = next(o for o in orders if o.get("tracking_number"))
    other = next(o for o in orders if o["id"] != shipped["id"])
    item = other["line_items"][0]

    def ids(search):
        return {r["order_id"] for r in page(http, search=search, page_size=100)["orders"]}

    assert ids(shipped["id"]) == {shipped["id"]}
    assert ids(shipped["tracking_number"]) == {shipped["id"]}
    assert other["id"] in ids(item["product_id"])
    assert other["id"] in ids(item["sku_id"])
    assert other["id"] in ids(item["seller_sku"])
    assert ids(f"{shipped['id']}, {other['id']},,") == {shipped["id"], other["id"]}
    assert ids("no-such-thing") == set()
    too_many = ",".join(str(n) for n in range(101))
    response = http.get("/seller-center/orders", params={"search": too_many})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_search"


def test_sorting_and_pages_cover_the_list_once(http):
    everything = page(http, page_size=100, sort_by="create_time", sort_order="ASC")["orders"]
    stamps = [r["create_time"] for r in everything]
    assert stamps == sorted(stamps) and len(everything) == page(http)["total"]
    pages = [
        page(http, page=n, page_size=7, sort_by="create_time", sort_order="ASC")["orders"]
        for n in range(1, 8)
    ]
    assert [r["order_id"] for p in pages for r in p] == [r["order_id"] for r in everything]
    due = page(http, page_size=100, sort_by="shipping_due_time", sort_order="ASC")["orders"]
    with_due = [r["shipping_due_time"] for r in due if r["shipping_due_time"]]
    assert with_due == sorted(with_due)
    assert all(r["shipping_due_time"] is None for r in due[len(with_due) :])  # those without come last
    newest_first = page(http, page_size=100)["orders"]
    assert [r["order_id"] for r in newest_first] == [r["order_id"] for r in reversed(everything)]


def test_the_pending_shipping_and_pending_collection_filter(http):
    tts = signed(http)
    waiting = next(
        r
        for r in page(http, page_size=100)["orders"]
        if r["status"] == "AWAITING_SHIPMENT" and r["shipping_type"] == "TIKTOK"
    )
    data(tts.post(f"/fulfillment/202309/packages/{package_of(tts, waiting['order_id'])}/ship", {}))
    rows = page(http, page_size=100)["orders"]
    shipping = {r["order_id"] for r in rows if r["status"] == "AWAITING_SHIPMENT"}
    collection = {r["order_id"] for r in rows if r["status"] == "AWAITING_COLLECTION"}
    assert shipping and collection
    got = {r["order_id"] for r in page(http, fulfillment="pending_shipping", page_size=100)["orders"]}
    assert got == shipping
    got = {r["order_id"] for r in page(http, fulfillment="pending_collection", page_size=100)["orders"]}
    assert got == collection


def test_export_writes_the_filtered_list_as_csv(http):
    response = http.get("/seller-center/orders/export", params={"tab": "shipped", "sort_order": "ASC"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    listed = page(http, tab="shipped", sort_order="ASC", page_size=100)["orders"]
    assert int(response.headers["x-export-orders"]) == len(listed)
    exported = list(dict.fromkeys(r["Order ID"] for r in rows))
    assert exported == [r["order_id"] for r in listed]
    assert len(rows) == sum(len(r["line_items"]) for r in listed)  # one row per line item
    first = listed[0]
    line = next(r for r in rows if r["Order ID"] == first["order_id"])
    assert line["Order Status"] == first["status"] and line["Tab"] == "Shipped"
    assert line["Tracking Number"] == (first["tracking_number"] or "")
    assert line["Product ID"] == first["line_items"][0]["product_id"]


def test_export_refuses_more_than_the_limit_and_bad_filters_are_clear(http, monkeypatch):
    from sandbox.domain import manage_orders

    monkeypatch.setattr(manage_orders, "MAX_EXPORT_ORDERS", 5)
    response = http.get("/seller-center/orders/export")
    assert response.status_code == 400
    assert (
        response.json()["error"]["type"] == "too_many_orders"
        and "at most 5" in response.json()["error"]["message"]
    )
    assert http.get("/seller-center/orders/export", params={"tab": "canceled"}).status_code == 200
    for params, kind in (
        ({"tab": "everything"}, "invalid_request"),
        ({"created_from": "last week"}, "invalid_instant"),
        (
            {"time_returned_from": "2026-03-02T00:00:00Z", "time_returned_to": "2026-03-01T00:00:00Z"},
            "invalid_range",
        ),
        ({"return_status": "LOST"}, "invalid_request"),
        ({"page_size": "many"}, "invalid_request"),
    ):
        answer = http.get("/seller-center/orders", params=params)
        assert answer.status_code == 400 and answer.json()["error"]["type"] == kind, (params, answer.text)


def test_each_tenant_sees_its_own_orders(http):
    other = http.post("/sandbox/tenants", json={"order_count": 3}).json()
    mine = page(http)["total"]
    theirs = http.get("/seller-center/orders", headers={"X-Sandbox-Tenant": other["app_key"]}).json()
    assert theirs["total"] == 3 and mine != 3
    unknown = http.get("/seller-center/orders", headers={"X-Sandbox-Tenant": "nobody"})
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "unknown_tenant"


@pytest.mark.parametrize("seed", [3, 17, 29, 41])
def test_filters_and_counters_agree_with_the_orders_at_any_clock_position(seed):
    """Random failed deliveries, failed returns, cancellations and stalls over random advances:
    at every stop the tabs, the to-do counters and the Failed Delivery filters agree with the
    orders as the Open API and the control plane show them."""
    import random

    rng = random.Random(seed)
    names = [f"o{n}" for n in range(8)]
    orders = "\n".join(
        f"  {n}: {{status: AWAITING_SHIPMENT, shipping_type: {rng.choice(['TIKTOK', 'SELLER'])}, "
        f"age: {rng.randint(1, 60)}h}}"
        for n in names
    )
    steps = []
    for name in names:
        kind = rng.choice(["attempts", "return", "cancel", "none"])
        if kind == "attempts":
            steps.append(f"      - fail_delivery_attempts: {{order: {name}}}")
        elif kind == "return":
            steps.append(f"      - fail_delivery_attempts: {{order: {name}}}")
            steps.append(f"      - fail_return_delivery: {{order: {name}}}")
        elif kind == "cancel":
            steps.append(f"      - buyer_cancel: {{order: {name}}}")
    text = f"""scenario: random-{seed}
setup: {{start: 2026-03-02T09:00:00Z, seed: {seed}, background_orders: 4}}
orders:
{orders}
"""
    if steps:
        text += "steps:\n  - at: 0s\n    do:\n" + "\n".join(steps) + "\n"
    with Sandbox().app.test_client() as http:
        refs = load(http, text).json()["orders"]
        tts = signed(http)
        for name in names:
            if rng.random() < 0.7:
                tts.post(f"/fulfillment/202309/packages/{package_of(tts, refs[name]['order_id'])}/ship", {})
        seen = set()
        for _ in range(12):
            advance(http, f"{rng.randint(1, 60)}h")
            refresh(tts, http)
            seen |= _check_consistency(http, tts)
        assert seen, "the run reached no failed delivery"


STATUS_TABS = {
    "UNPAID": "unpaid",
    "ON_HOLD": "processing",
    "AWAITING_SHIPMENT": "pending_shipping",
    "AWAITING_COLLECTION": "shipped",
    "IN_TRANSIT": "shipped",
    "DELIVERED": "shipped",
    "COMPLETED": "completed",
    "CANCELLED": "canceled",
}


def _check_consistency(http, tts) -> set[str]:
    from datetime import datetime, timedelta

    listed = page(http, page_size=100)
    now = datetime.fromisoformat(listed["now"].replace("Z", "+00:00"))
    api = {o["id"]: o for o in data(tts.post("/order/202309/orders/search?page_size=100", {}))["orders"]}
    assert {r["order_id"] for r in listed["orders"]} == set(api) and listed["total"] == len(api)
    returns = {}
    for order_id in api:
        view = http.get(f"/sandbox/orders/{order_id}").json()
        returns[order_id] = (view.get("failed_delivery") or {}).get("return_status")
    expected_tabs = dict.fromkeys(listed["tab_counts"], 0)
    for order_id, order in api.items():
        tab = STATUS_TABS[order["status"]]
        if returns[order_id] is not None:
            if tab == "shipped":
                tab = None
            expected_tabs["failed_delivery"] += 1
        if tab:
            expected_tabs[tab] += 1
    assert listed["tab_counts"] == expected_tabs
    for tab, count in expected_tabs.items():
        assert page(http, tab=tab, page_size=100)["total"] == count
    # Shipping within 24 hours and stocking timeout, from the Open API's shipping_due_time.
    soon = late = 0
    for order in api.values():
        if order["status"] == "AWAITING_SHIPMENT" and order.get("shipping_due_time"):
            due = datetime.fromtimestamp(order["shipping_due_time"]).astimezone()
            soon += now < due <= now + timedelta(hours=24)
            late += due <= now
    assert listed["todo_counts"]["shipping_within_24_hours"] == soon
    assert listed["todo_counts"]["stocking_timeout"] == late
    requested = sum(o["is_buyer_request_cancel"] and o["status"] != "CANCELLED" for o in api.values())
    assert listed["todo_counts"]["requested_cancellation"] == requested
    # The Failed Delivery filters partition the tab by return status.
    failed = page(http, "/seller-center/failed-deliveries", page_size=100)
    by_status = {}
    for order_id, status in returns.items():
        if status is not None:
            by_status.setdefault(status, set()).add(order_id)
    assert failed["total"] == sum(len(s) for s in by_status.values())
    for status, count in failed["return_status_counts"].items():
        got = page(http, "/seller-center/failed-deliveries", return_status=status, page_size=100)
        assert {r["order_id"] for r in got["failed_deliveries"]} == by_status.get(status, set())
        assert count == len(by_status.get(status, set()))
    return set(by_status)


def test_return_refund_requested_counts_requests_awaiting_the_seller(http):
    tts = signed(http)
    body = tts.post("/order/202309/orders/search", {"order_status": "DELIVERED"}, params={"page_size": 50})
    first, second = (o["id"] for o in body.json()["data"]["orders"][:2])

    def requested():
        return {r["order_id"] for r in page(http, todo="return_refund_requested", page_size=100)["orders"]}

    assert requested() == set()
    for order_id in (first, second):
        asked = http.post(f"/sandbox/orders/{order_id}/buyer-return", json={"type": "RETURN_AND_REFUND"})
        assert asked.status_code == 200, asked.text
    assert requested() == {first, second}
    return_id = http.post(f"/sandbox/orders/{first}/buyer-return/cancel").json()["return_id"]
    assert return_id and requested() == {second}  # withdrawn by the buyer: nothing to review
    [pending] = data(
        tts.post("/return_refund/202309/returns/search", {"order_ids": [second]}, params={"page_size": 10})
    )["return_orders"]
    data(tts.post(f"/return_refund/202309/returns/{pending['return_id']}/approve", {}))
    assert requested() == set()  # approved: the buyer must ship it back first
    http.post(f"/sandbox/orders/{second}/buyer-return/ship")
    assert requested() == {second}  # the item is back: the seller must review the package
    assert page(http)["todo_counts"]["return_refund_requested"] == 1
