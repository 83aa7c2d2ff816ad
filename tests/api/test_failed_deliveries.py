"""Failed deliveries: three attempts, the parcel back to the seller, the order cancelled and refunded
at that instant; a failed return, the 7-day destroy window, a claimed parcel."""

from __future__ import annotations

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import ROOT, advance, data, first_order, load, refresh, report


def view(http, order_id):
    return http.get(f"/sandbox/orders/{order_id}").json()


def order_of(tts, order_id):
    return data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]


def at(http):
    return http.get("/sandbox/clock").json()["now"]


def test_three_failed_attempts_send_the_parcel_back_and_the_order_is_cancelled_and_refunded():
    with Sandbox().app.test_client() as http:
        parcel = load(http, (ROOT / "scenarios/three-failed-attempts.yaml").read_text()).json()["orders"][
            "parcel"
        ]["order_id"]
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        package = order_of(tts, parcel)["packages"][0]["id"]
        assert (
            data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {"handover_method": "DROP_OFF"}))
            == {}
        )
        seen = []
        for _ in range(8 * 24):  # the client polls hourly for eight days
            advance(http, "1h")
            if _ % 24 == 23:
                refresh(tts, http)
            state = view(http, parcel)
            failed = [a for a in state["failed_delivery"]["attempts"] if not a["delivered"]]
            milestone = (len(failed), state["failed_delivery"]["return_status"], state["status"])
            if not seen or seen[-1][1:] != milestone:
                seen.append((at(http), *milestone))
                tts.get(f"/fulfillment/202309/orders/{parcel}/tracking")
                order_of(tts, parcel)
        assert seen == [
            ("2026-03-02T10:00:00Z", 0, None, "AWAITING_COLLECTION"),
            ("2026-03-02T15:00:00Z", 0, None, "IN_TRANSIT"),  # collected at 15:00
            ("2026-03-04T15:00:00Z", 1, None, "IN_TRANSIT"),  # first attempt, 48 h later
            ("2026-03-05T15:00:00Z", 2, None, "IN_TRANSIT"),  # the next day
            ("2026-03-06T15:00:00Z", 3, "RETURNING_TO_SELLER", "IN_TRANSIT"),  # third: back to the seller
            ("2026-03-09T15:00:00Z", 3, "DELIVERED_BACK_TO_SELLER", "CANCELLED"),  # 72 h later
        ]
        order = order_of(tts, parcel)
        assert (
            order["cancellation_initiator"] == "SYSTEM"
            and order["cancel_reason"] == "returned_to_shipper_other"
        )
        assert order["cancel_time"] == 1773068400  # 2026-03-09T15:00:00Z, the instant it came back
        refunds = http.get("/sandbox/events", params={"kind": "order.refunded", "subject": parcel}).json()[
            "events"
        ]
        assert [(e["at"], e["data"]["amount"]) for e in refunds] == [
            ("2026-03-09T15:00:00Z", order["payment"]["total_amount"])
        ]
        number = order["tracking_number"]
        attempts = http.get(f"/carrier/v1/shipments/{number}/attempts").json()["attempts"]
        assert [(a["number"], a["result"], a["reason"]) for a in attempts] == [
            (1, "FAILED", "ADDRESSEE_NOT_AVAILABLE"),
            (2, "FAILED", "ADDRESSEE_NOT_AVAILABLE"),
            (3, "FAILED", "ADDRESSEE_NOT_AVAILABLE"),
        ]
        codes = [e["detail_code"] for e in http.get(f"/carrier/v1/tracking/{number}").json()["events"]]
        assert codes[-2:] == ["Exception_011", "Exception_012"] and codes.count("AttemptFail_001") == 3
        advance(http, "6d")
        rep = report(http, "three-failed-attempts")
        assert rep["summary"] == {"passed": 4, "failed": 0, "pending": 0, "skipped": 0}


def test_a_refused_parcel_is_cancelled_as_refused(tts, http):
    order_id = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")["id"]
    data(
        tts.post(
            f"/fulfillment/202309/orders/{order_id}/packages",
            {"tracking_number": "SBXREFUSED-1", "shipping_provider_id": "6617675021119438849"},
        )
    )
    advance(http, "8d")
    refresh(tts, http)
    order = order_of(tts, order_id)
    assert order["status"] == "CANCELLED" and order["cancel_reason"] == "returned_to_shipper_refused"


def test_a_failed_return_is_destroyed_after_seven_days_unless_the_seller_claims_it():
    with Sandbox().app.test_client() as http:
        refs = load(http, (ROOT / "scenarios/return-to-seller-failed.yaml").read_text()).json()["orders"]
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        wanted, abandoned = refs["wanted"]["order_id"], refs["abandoned"]["order_id"]
        for number, order_id in (("WANT-1", wanted), ("DROP-1", abandoned)):
            data(
                tts.post(
                    f"/fulfillment/202309/orders/{order_id}/packages",
                    {"tracking_number": number, "shipping_provider_id": "6617675021119438849"},
                )
            )
        advance(
            http, "7d3h"
        )  # collected at 11:00; attempts on days 2-4 at 11:00; returns fail day 7 at 11:00
        for order_id in (wanted, abandoned):
            failed = view(http, order_id)["failed_delivery"]
            assert failed["return_status"] == "SELLER_DELIVERY_FAILED" and failed["alert"] is True
        notice = view(http, abandoned)["failed_delivery"]
        notices = http.get(
            "/sandbox/events", params={"kind": "package.destruction_notice", "subject": abandoned}
        ).json()["events"]
        assert len(notices) == 1 and notice["destroy_at"] is not None
        advance(http, "3d")  # the seller claimed the first parcel after two days
        assert view(http, wanted)["failed_delivery"]["return_status"] == "RETURNING_TO_SELLER"
        advance(http, "5d")
        refresh(tts, http)
        assert view(http, abandoned)["failed_delivery"]["return_status"] == "DESTROYED"
        gone = order_of(tts, abandoned)
        assert gone["status"] == "CANCELLED" and gone["cancel_reason"] == "package_scrap"
        destroyed_at = [
            e["at"]
            for e in http.get(
                "/sandbox/events", params={"kind": "package.return_status_changed", "subject": abandoned}
            ).json()["events"]
            if e["data"]["return_status"] == "DESTROYED"
        ]
        assert destroyed_at == [notice["destroy_at"]]  # exactly seven days after the notice
        # once destroyed, the date stays: when it was destroyed; and the order shows its refund
        destroyed = view(http, abandoned)
        assert destroyed["failed_delivery"]["destroy_at"] == notice["destroy_at"]
        assert destroyed["refund"] == {
            "amount": gone["payment"]["total_amount"],
            "currency": gone["payment"]["currency"],
            "time": notice["destroy_at"],
        }
        page = http.get(f"/web/orders/{abandoned}").text
        assert "Destroyed on" in page and "Refunded" in page and gone["payment"]["total_amount"] in page
        assert view(http, wanted)["failed_delivery"]["return_status"] == "DELIVERED_BACK_TO_SELLER"
        assert order_of(tts, wanted)["cancel_reason"] == "returned_to_shipper_other"


@pytest.mark.parametrize("mark", ["[three-failed-attempts]", "[return-fails]"])
def test_magic_address_lines_send_platform_parcels_back(mark):
    text = f"""scenario: magic
setup: {{start: 2026-03-02T09:00:00Z}}
orders:
  parcel: {{status: AWAITING_SHIPMENT, shipping_type: TIKTOK, buyer: {{address_line2: "{mark}"}}}}
"""
    with Sandbox().app.test_client() as http:
        order_id = load(http, text).json()["orders"]["parcel"]["order_id"]
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        package = order_of(tts, order_id)["packages"][0]["id"]
        data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {}))
        advance(http, "8d")
        expected = (
            "DELIVERED_BACK_TO_SELLER" if mark == "[three-failed-attempts]" else "SELLER_DELIVERY_FAILED"
        )
        assert view(http, order_id)["failed_delivery"]["return_status"] == expected


def test_claiming_or_rejecting_a_parcel_at_the_wrong_time_is_refused(http):
    text = """scenario: early
setup: {start: 2026-03-02T09:00:00Z}
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
steps:
  - {at: 1h, do: [{seller_claims_parcel: {order: parcel}}]}
  - {at: 2h, do: [{seller_rejects_parcel: {order: parcel}}]}
"""
    assert load(http, text).status_code == 201
    advance(http, "3h")
    results = [(e["action"], e["result"]) for e in report(http, "early")["timeline"] if "action" in e]
    assert results == [("seller_claims_parcel", "skipped"), ("seller_rejects_parcel", "skipped")]


def test_a_parcel_on_its_normal_way_back_is_not_tagged_unmoved():
    """Between "Returning to sender" and its arrival no tracking event comes (the 72-hour return
    journey): that quiet is the trip itself, not an unmoved parcel."""
    text = """scenario: quiet-return
setup: {start: 2026-03-02T09:00:00Z}
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, buyer: {address_line2: "[three-failed-attempts]"}}
"""
    with Sandbox().app.test_client() as http:
        order_id = load(http, text).json()["orders"]["parcel"]["order_id"]
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        package = order_of(tts, order_id)["packages"][0]["id"]
        data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {}))
        seen = []
        for _ in range(8 * 24):  # hour by hour, until the parcel is back
            advance(http, "1h")
            shown = view(http, order_id)
            status = (shown.get("failed_delivery") or {}).get("return_status")
            seen.append((status, "Unmoved tracking event" in shown["logistics_issue_tags"]))
        returning = [unmoved for status, unmoved in seen if status == "RETURNING_TO_SELLER"]
        assert len(returning) >= 70  # the whole trip back was watched
        assert not any(returning)
        assert seen[-1][0] == "DELIVERED_BACK_TO_SELLER"
