"""Today's clients on the newer versions the sandbox serves: every body is built with the published
reference's models (the `tiktok-shop-api` package, generated from the official documents), sent
and signed by the reference's own client, and every answer is parsed with its response models,
with no field the documented model lacks, so that a drift from the documented shape fails here.
The journeys are the 202309 ones: the same world operations, the same outcome."""

from __future__ import annotations

import time
from typing import Any

import attrs
import pytest
from tiktok_shop_api import TikTokShop, TikTokShopError
from tiktok_shop_api.generated.models import (
    ConfirmOrderSplitRequestSplittableGroupsV2OrderLineList as OrderLine,
)
from tiktok_shop_api.generated.models import (
    CreatePackagesRequest,
    CreatePackagesRequestDimension,
    CreatePackagesRequestDimensionUnit,
    CreatePackagesRequestWeight,
    CreatePackagesRequestWeightUnit,
    GetOrderDetailResponse,
    MarkPackageAsShippedRequest,
    RejectReturnRequest,
    RejectReturnRequestDecision,
    ShippingInfoList,
    UpdatePackageShippingInfoRequest,
)
from tiktok_shop_api.generated.types import Unset

from sandbox.signing import sign
from tests.helpers import (
    advance,
    carrier_events,
    data,
    envelope,
    first_order,
    load,
    report,
    seller_provider,
    status_of,
)

SCENARIO = """scenario: documented-versions
setup:
  start: 2026-03-02T09:00:00Z
orders:
  lamp-and-shade:
    status: AWAITING_SHIPMENT
    shipping_type: SELLER
    line_items: [{product_name: Desk Lamp, price: "20.00"}, {product_name: Lamp Shade, price: "9.00"}]
  by-platform:
    status: AWAITING_SHIPMENT
    shipping_type: TIKTOK
"""


@pytest.fixture
def shop(http: Any) -> TikTokShop:
    """The published reference's client, for the default tenant's shop, on the in-process app."""
    credentials = http.get("/sandbox/tenants/default").json()
    return TikTokShop(
        credentials["app_key"],
        credentials["app_secret"],
        credentials["access_token"],
        credentials["shop"]["cipher"],
        base_url="http://testserver",
        transport=http._transport,  # the test client's in-process transport
    )


def documented(model: Any) -> Any:
    """``model`` (a parsed answer), once no object in it holds a field its documented model lacks
    (the reference's models keep unknown fields aside, in ``additional_properties``)."""
    if attrs.has(type(model)):
        extra = sorted(model.additional_properties)
        assert not extra, f"{type(model).__name__} has undocumented fields {extra}"
        for field in attrs.fields(type(model)):
            if field.name != "additional_properties":
                documented(getattr(model, field.name))
    elif isinstance(model, list):
        for item in model:
            documented(item)
    return model


def refused(call: Any) -> TikTokShopError:
    with pytest.raises(TikTokShopError) as error:
        call()
    return error.value


def orders(tts: Any, **filters: Any) -> list[dict[str, Any]]:
    found = data(tts.post("/order/202309/orders/search", filters, params={"page_size": 100}))["orders"]
    return list(found)


def detail(tts: Any, order_id: str) -> dict[str, Any]:
    return dict(data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0])


def shipping_info(number: str, provider: str) -> list[ShippingInfoList]:
    return [ShippingInfoList(tracking_number=number, shipping_provider_id=provider)]


def mark_shipped(shop: TikTokShop, order: dict[str, Any], number: str, provider: str) -> Any:
    body = MarkPackageAsShippedRequest(
        order_line_list=[OrderLine(order_line_id=item["id"]) for item in order["line_items"]],
        shipping_info_list=shipping_info(number, provider),
    )
    return documented(shop.fulfillment.mark_package_as_shipped(order["id"], body=body))


# ----- mark as shipped, 202610 --------------------------------------------------------------------
def test_seller_shipping_through_202610_goes_as_through_202309(tts, http, shop):
    first, second = orders(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")[:2]
    provider = seller_provider(tts)
    old = data(
        tts.post(
            f"/fulfillment/202309/orders/{first['id']}/packages",
            {"tracking_number": "OLDCLIENT-1", "shipping_provider_id": provider},
        )
    )
    answer = mark_shipped(shop, second, "NEWCLIENT-1", provider)

    assert answer.code == 0
    assert answer.data.order_id == second["id"]
    assert answer.data.order_line_item_ids == [item["id"] for item in second["line_items"]]
    assert answer.data.package_id == detail(tts, second["id"])["packages"][0]["id"]
    assert isinstance(answer.data.warning, Unset)
    assert sorted(old) == ["order_id", "order_line_item_ids", "package_id"]  # the same fields
    journeys = []
    for order, number in ((first, "OLDCLIENT-1"), (second, "NEWCLIENT-1")):
        shipped = detail(tts, order["id"])
        assert shipped["status"] == "AWAITING_COLLECTION"
        assert (shipped["tracking_number"], shipped["shipping_provider_id"]) == (number, provider)
        assert {item["tracking_number"] for item in shipped["line_items"]} == {number}
        assert [e["detail_code"] for e in carrier_events(http, number)] == ["InfoReceived_001"]
    advance(http, "3h")
    for order, number in ((first, "OLDCLIENT-1"), (second, "NEWCLIENT-1")):
        assert status_of(tts, order["id"]) == "IN_TRANSIT"
        journeys.append([(e["status"], e["detail_code"]) for e in carrier_events(http, number)])
    assert journeys[0] == journeys[1] and len(journeys[1]) > 1


def test_the_202610_body_names_real_line_items_and_one_tracking_number_and_refusals_change_nothing(
    tts, http, shop
):
    assert load(http, SCENARIO).status_code == 201
    loaded = report(http, "documented-versions")["orders"]
    order_id, platform_id = loaded["lamp-and-shade"]["order_id"], loaded["by-platform"]["order_id"]
    order = detail(tts, order_id)
    lamp, shade = (item["id"] for item in order["line_items"])
    provider = seller_provider(tts)

    def ship(lines: list[str], info: list[ShippingInfoList]) -> TikTokShopError:
        body = MarkPackageAsShippedRequest(
            order_line_list=[OrderLine(order_line_id=line) for line in lines], shipping_info_list=info
        )
        return refused(lambda: shop.fulfillment.mark_package_as_shipped(order_id, body=body))

    not_ours = ship([lamp, "999999999999999999"], shipping_info("TRY-1", provider))
    assert not_ours.code == 21011114 and "999999999999999999" in str(not_ours)
    two_numbers = ship([lamp, shade], shipping_info("TRY-3", provider) + shipping_info("TRY-4", provider))
    assert two_numbers.code == 36009004 and "shipping_info_list" in str(two_numbers)
    old_body = envelope(
        tts.post(
            f"/fulfillment/202610/orders/{order_id}/packages",
            {"tracking_number": "TRY-5", "shipping_provider_id": provider},
        )
    )
    assert old_body["code"] == 36009004 and "tracking_number" in old_body["message"]
    no_number = envelope(tts.post(f"/fulfillment/202610/orders/{order_id}/packages", {}))
    assert no_number["code"] == 36009004 and "shipping_info_list" in no_number["message"]
    wrong_type = refused(
        lambda: shop.fulfillment.mark_package_as_shipped(
            platform_id,
            body=MarkPackageAsShippedRequest(shipping_info_list=shipping_info("TRY-6", provider)),
        )
    )
    assert wrong_type.code == 21011102

    # Nothing of the refused calls was applied.
    assert detail(tts, order_id)["status"] == "AWAITING_SHIPMENT"
    assert "tracking_number" not in detail(tts, order_id)
    for number in ("TRY-1", "TRY-3", "TRY-4", "TRY-5", "TRY-6"):
        assert http.get(f"/carrier/v1/tracking/{number}").status_code == 404

    # Every line item, or none named at all, ships the order.
    whole = documented(
        shop.fulfillment.mark_package_as_shipped(
            order_id, body=MarkPackageAsShippedRequest(shipping_info_list=shipping_info("LAMP-1", provider))
        )
    )
    assert whole.data.order_line_item_ids == [lamp, shade]
    assert status_of(tts, order_id) == "AWAITING_COLLECTION"


# ----- shipping info update, 202610 ---------------------------------------------------------------
def test_the_shipping_info_update_through_202610_renumbers_the_parcel_once(tts, http, shop):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")
    provider = seller_provider(tts)
    package_id = mark_shipped(shop, order, "TYPO-1", provider).data.package_id
    advance(http, "3h")
    history = carrier_events(http, "TYPO-1")

    body = UpdatePackageShippingInfoRequest(shipping_info_list=shipping_info("FIXED-1", provider))
    answer = documented(shop.fulfillment.update_package_shipping_info(package_id, body=body))
    assert answer.code == 0 and answer.data.additional_properties == {}

    package = data(tts.get(f"/fulfillment/202309/packages/{package_id}"))
    assert (package["tracking_number"], package["shipping_provider_id"]) == ("FIXED-1", provider)
    assert detail(tts, order["id"])["tracking_number"] == "FIXED-1"
    assert carrier_events(http, "FIXED-1") == history  # the same parcel, under its corrected number
    parcel = documented(shop.logistics.get_logistics_tracking(order["id"])).data.logistics_details[0]
    assert parcel.newest_tracking_no == "FIXED-1"
    assert {t.tracking_no for t in parcel.track_list} == {"FIXED-1"}

    again = UpdatePackageShippingInfoRequest(shipping_info_list=shipping_info("FIXED-2", provider))
    assert refused(lambda: shop.fulfillment.update_package_shipping_info(package_id, body=again)).code == (
        21011106
    )
    old_body = envelope(
        tts.post(
            f"/fulfillment/202610/packages/{package_id}/shipping_info/update",
            {"tracking_number": "FIXED-3", "shipping_provider_id": provider},
        )
    )
    assert old_body["code"] == 36009004 and "tracking_number" in old_body["message"]
    assert data(tts.get(f"/fulfillment/202309/packages/{package_id}"))["tracking_number"] == "FIXED-1"


# ----- US platform labels, 202512 -----------------------------------------------------------------
def test_us_labels_through_202512_buy_the_label_with_the_sellers_weight_and_size(tts, http, shop):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")
    package_id = detail(tts, order["id"])["packages"][0]["id"]
    services = data(
        tts.post(
            f"/fulfillment/202309/orders/{order['id']}/shipping_services/query",
            {
                "weight": {"value": "2", "unit": "POUND"},
                "dimension": {"length": "12", "width": "8", "height": "4", "unit": "INCH"},
            },
        )
    )["shipping_services"]
    express = next(s for s in services if s["name"].endswith("Express"))
    body = CreatePackagesRequest(
        ship_type="1",
        order_id=order["id"],
        shipping_service_id=express["id"],
        weight=CreatePackagesRequestWeight(value="2", unit=CreatePackagesRequestWeightUnit.POUND),
        dimension=CreatePackagesRequestDimension(
            length="12", width="8", height="4", unit=CreatePackagesRequestDimensionUnit.INCH
        ),
    )
    created = documented(shop.fulfillment.create_packages(body=body)).data

    package = data(tts.get(f"/fulfillment/202309/packages/{package_id}"))
    assert created.package_id == package_id and created.create_time == package["create_time"]
    assert (created.weight.value, created.weight.unit) == ("907", "GRAM")  # 2 lb, as the sandbox keeps it
    assert created.dimension.to_dict() == {"length": "30", "width": "20", "height": "10", "unit": "CM"}
    assert (
        package["weight"] == created.weight.to_dict() and package["dimension"] == created.dimension.to_dict()
    )
    # The service bought is the one offered: every field the created package documents for it
    # (the offer also documents its fee breakdown, which the created package does not).
    info = created.shipping_service_info.to_dict()
    assert set(info) >= {"id", "name", "shipping_provider_id", "price", "currency"}
    assert info == {k: express[k] for k in info}
    number = package["tracking_number"]
    assert number and package["shipping_provider_id"] == express["shipping_provider_id"]
    assert status_of(tts, order["id"]) == "AWAITING_SHIPMENT"

    assert refused(lambda: shop.fulfillment.create_packages(body=body)).code == 21011101
    # Handing it over keeps the label bought with the service.
    assert (
        data(tts.post(f"/fulfillment/202309/packages/{package_id}/ship", {"handover_method": "DROP_OFF"}))
        == {}
    )
    assert data(tts.get(f"/fulfillment/202309/packages/{package_id}"))["tracking_number"] == number
    assert status_of(tts, order["id"]) == "AWAITING_COLLECTION"


def test_202512_without_a_service_or_a_size_uses_the_default_and_the_packages_own(tts, shop):
    order = orders(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")[1]
    package_id = detail(tts, order["id"])["packages"][0]["id"]
    before = data(tts.get(f"/fulfillment/202309/packages/{package_id}"))
    created = documented(
        shop.fulfillment.create_packages(body=CreatePackagesRequest(ship_type="1", order_id=order["id"]))
    ).data
    assert created.weight.to_dict() == before["weight"] and created.dimension.to_dict() == before["dimension"]
    grams = before["weight"]["value"]
    offered = data(
        tts.post(
            f"/fulfillment/202309/orders/{order['id']}/shipping_services/query",
            {"weight": {"value": grams, "unit": "GRAM"}, "dimension": {**before["dimension"]}},
        )
    )["shipping_services"]
    default = next(s for s in offered if s["is_default"])
    assert created.shipping_service_info.id == default["id"]


def test_202512_refuses_a_package_of_foreign_line_items_or_of_orders_of_other_buyers(tts, http, shop):
    first, *others = orders(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")
    buyer = detail(tts, first["id"])["user_id"]
    second = next(o for o in others if detail(tts, o["id"])["user_id"] != buyer)
    foreign = detail(tts, second["id"])["line_items"][0]["id"]
    split = CreatePackagesRequest.from_dict(
        {"ship_type": "2", "order_id": first["id"], "order_line_item": [{"order_line_id": foreign}]}
    )
    combined = CreatePackagesRequest.from_dict(
        {"ship_type": "3", "order_list_ids": [first["id"], second["id"]]}
    )
    for body, code in ((split, 21011114), (combined, 21011115)):
        error = refused(lambda body=body: shop.fulfillment.create_packages(body=body))
        assert error.code == code
    no_order = refused(lambda: shop.fulfillment.create_packages(body=CreatePackagesRequest(ship_type="1")))
    assert no_order.code == 36009004 and "order_id" in str(no_order)
    kilograms = envelope(
        tts.post(
            "/fulfillment/202512/packages",
            {"ship_type": "1", "order_id": first["id"], "weight": {"value": "2", "unit": "KILOGRAM"}},
        )
    )
    assert kilograms["code"] == 36009004 and "KILOGRAM" in kilograms["message"]
    for order in (first, second):
        view = http.get(f"/sandbox/orders/{order['id']}").json()
        assert view["package"]["label_status"] == "NOT_CREATED" and len(view["packages"]) == 1


# ----- return rejection, 202606 -------------------------------------------------------------------
def buyer_asks(http: Any, order_id: str, kind: str) -> str:
    response = http.post(
        f"/sandbox/orders/{order_id}/buyer-return", json={"type": kind, "reason": "Wrong size"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["return_id"])


def reasons(tts: Any, return_id: str) -> list[str]:
    found = data(tts.get("/return_refund/202309/reject_reasons", params={"return_or_cancel_id": return_id}))
    return [r["name"] for r in found["reasons"]]


def the_return(tts: Any, return_id: str) -> dict[str, Any]:
    answer = data(
        tts.post(
            "/return_refund/202309/returns/search", {"return_ids": [return_id]}, params={"page_size": 10}
        )
    )
    [record] = answer["return_orders"]
    return dict(record)


def test_return_rejection_through_202606_takes_the_decision_that_fits(tts, http, shop):
    delivered = orders(tts, order_status="DELIVERED")
    return_id = buyer_asks(http, delivered[0]["id"], "RETURN_AND_REFUND")
    refund_id = buyer_asks(http, delivered[1]["id"], "REFUND")
    reason = reasons(tts, return_id)[0]

    def reject(target: str, decision: RejectReturnRequestDecision, **fields: Any) -> Any:
        body = RejectReturnRequest(decision=decision, reject_reason=reason, **fields)
        return shop.return_and_refund.reject_return(target, body=body, idempotency_key=f"{target}-{decision}")

    wrong = refused(lambda: reject(return_id, RejectReturnRequestDecision.REJECT_REFUND))
    assert wrong.code == 25007202 and "REJECT_RETURN" in str(wrong)
    partial = refused(
        lambda: reject(return_id, RejectReturnRequestDecision.OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG)
    )
    assert partial.code == 25007202 and "shipped back" in str(partial)  # nothing received yet
    replacement = refused(lambda: reject(return_id, RejectReturnRequestDecision.REJECT_REPLACEMENT))
    assert replacement.code == 25007202
    no_decision = envelope(
        tts.post(f"/return_refund/202606/returns/{return_id}/reject", {"reject_reason": reason})
    )
    assert no_decision["code"] == 36009004 and "decision" in no_decision["message"]
    assert the_return(tts, return_id)["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"

    answer = documented(
        reject(return_id, RejectReturnRequestDecision.REJECT_RETURN, comment="Item as described")
    )
    assert answer.code == 0 and answer.data.additional_properties == {}
    rejected = the_return(tts, return_id)
    assert rejected["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"
    assert (rejected["reject_reason"], rejected["reject_comment"]) == (reason, "Item as described")
    documented(reject(refund_id, RejectReturnRequestDecision.REJECT_REFUND))
    assert the_return(tts, refund_id)["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"
    done = refused(lambda: reject(return_id, RejectReturnRequestDecision.REJECT_RETURN))
    assert done.code == 25007202


def test_a_partial_refund_offered_through_202606_for_the_package_received_back(tts, http, shop):
    """The seller received the item back and offers part of the refund instead of rejecting the
    package: the buyer rejects (the package is the seller's to decide again), then accepts one."""
    order = orders(tts, order_status="DELIVERED")[0]
    return_id = buyer_asks(http, order["id"], "RETURN_AND_REFUND")
    data(tts.post(f"/return_refund/202309/returns/{return_id}/approve", {}))
    assert http.post(f"/sandbox/orders/{order['id']}/buyer-return/ship").status_code == 200
    assert the_return(tts, return_id)["return_status"] == "BUYER_SHIPPED_ITEM"
    reason = reasons(tts, return_id)[0]
    total = order["payment"]["total_amount"]

    def offer(amount: str) -> Any:
        body = {
            "decision": "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
            "reject_reason": reason,
            "partial_refund_amount": {"partial_refund_total": amount, "currency": "USD"},
        }
        return envelope(tts.post(f"/return_refund/202606/returns/{return_id}/reject", body))

    too_much = offer(f"{float(total) + 1:.2f}")
    assert too_much["code"] == 25007205
    assert the_return(tts, return_id)["return_status"] == "BUYER_SHIPPED_ITEM"  # nothing changed
    assert offer("2.00")["code"] == 0
    offered = the_return(tts, return_id)
    assert offered["return_status"] == "AWAITING_BUYER_RESPONSE"
    rejected = http.post(f"/sandbox/orders/{order['id']}/buyer-return/partial-refund/reject")
    assert rejected.status_code == 200 and rejected.json()["return_status"] == "BUYER_SHIPPED_ITEM"

    assert offer("3.00")["code"] == 0
    accepted = http.post(f"/sandbox/orders/{order['id']}/buyer-return/partial-refund/accept")
    assert accepted.status_code == 200, accepted.text
    refunded = the_return(tts, return_id)
    assert refunded["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert refunded["refund_amount"]["refund_total"] == "3.00"


# ----- tracking, 202604 ---------------------------------------------------------------------------
def test_tracking_through_202604_has_the_documented_shape_and_the_202309_events(tts, http, shop):
    order = first_order(tts, order_status="IN_TRANSIT")
    shipped = detail(tts, order["id"])
    advance(http, "1d")
    by_parcel = documented(shop.logistics.get_logistics_tracking(order["id"])).data
    events = documented(shop.fulfillment.get_order_tracking(order["id"])).data.tracking

    assert by_parcel.order_id == order["id"]
    [parcel] = by_parcel.logistics_details
    assert parcel.newest_tracking_no == shipped["tracking_number"]
    assert parcel.carrier_name == shipped["shipping_provider"]
    assert len(parcel.track_list) > 1
    assert [(t.description, t.update_time_millis) for t in parcel.track_list] == [
        (e.description, e.update_time_millis) for e in events
    ]
    assert {t.tracking_no for t in parcel.track_list} == {shipped["tracking_number"]}
    carrier = carrier_events(http, shipped["tracking_number"])
    assert [t.description for t in reversed(parcel.track_list)] == [
        f"{e['message']}, {e['location']}" for e in carrier
    ]

    waiting = first_order(tts, order_status="AWAITING_SHIPMENT")
    none_yet = documented(shop.logistics.get_logistics_tracking(waiting["id"])).data
    assert (none_yet.order_id, none_yet.logistics_details) == (waiting["id"], [])
    assert refused(lambda: shop.logistics.get_logistics_tracking("576000000000000000")).code == 21008111


# ----- handover time slots ------------------------------------------------------------------------
def test_handover_slots_spell_the_field_as_documented(tts, shop):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")
    package_id = detail(tts, order["id"])["packages"][0]["id"]
    slots = documented(shop.fulfillment.get_package_handover_time_slots(package_id)).data
    assert slots.can_pickup and slots.can_drop_off and slots.can_van_collection is False
    assert slots.pickup_slots and all(slot.avaliable is True for slot in slots.pickup_slots)


# ----- query arrays -------------------------------------------------------------------------------
def test_order_detail_takes_ids_as_a_repeated_key_or_comma_joined_signed_either_way(tts, shop):
    first, second = (first_order(tts, order_status=s)["id"] for s in ("AWAITING_SHIPMENT", "IN_TRANSIT"))
    # The reference's client sends a list as a repeated key (ids=A&ids=B) and signs every value.
    repeated = shop.orders.get_order_detail(ids=[second, first])
    assert [o.id for o in repeated.data.orders] == [second, first]
    for version in ("202309", "202507"):
        path = f"/order/{version}/orders"
        for params in (
            [("ids", first), ("ids", second)],
            {"ids": [first, second]},
            {"ids": f"{first},{second}"},
        ):
            answer = GetOrderDetailResponse.from_dict(tts.get(path, params=params).json())
            assert answer.code == 0 and [o.id for o in answer.data.orders] == [first, second], (
                version,
                params,
            )

    # A client that signs only one value of a repeated key is told its signature is wrong.
    query = [("app_key", tts.app_key), ("timestamp", str(int(time.time()))), ("shop_cipher", tts.shop_cipher)]
    last_only = sign(tts.app_secret, "/order/202309/orders", dict([*query, ("ids", second)]))
    sent = [*query, ("ids", first), ("ids", second), ("sign", last_only)]
    bad = tts.http.get("/order/202309/orders", params=sent, headers={"x-tts-access-token": tts.access_token})
    assert bad.json()["code"] == 106001
    assert f"ids{first}ids{second}" in bad.headers["x-tts-sandbox-string-to-sign"]
