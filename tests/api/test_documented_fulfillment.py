"""Fulfillment and logistics answers read with the published reference's models, and what they
say checked against the rest of the shop: the package's addresses are the order's and the
warehouse's, its line items the order's, prices add up, tracking codes follow the events."""

from __future__ import annotations

from typing import Any

from tiktok_shop_api.generated.models import (
    BatchShipPackagesResponse,
    GetEligibleShippingServicesResponse,
    GetOrderTrackingResponse,
    GetPackageDetailResponse,
    GetWarehouseDeliveryOptionsResponse,
    GetWarehouseListResponse,
    SearchPackageResponse,
    UpdatePackageDeliveryStatusResponse,
    UploadProofOfDeliveryFileResponse,
    UploadProofOfDeliveryImageResponse,
)

from tests.helpers import PNG, advance, data, envelope, first_order, load, refresh, upload

PACKAGE = "/fulfillment/202309/packages/{}"
RECIPIENT_FIELDS = ("name", "phone_number", "full_address", "postal_code", "region_code", "address_line1")


def _order(tts: Any, order_id: str) -> dict[str, Any]:
    return dict(data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0])


def _warehouse(tts: Any) -> Any:
    answer = GetWarehouseListResponse.from_dict(envelope(tts.get("/logistics/202309/warehouses")))
    assert answer.code == 0 and len(answer.data.warehouses) == 1
    return answer.data.warehouses[0]


def _detail(tts: Any, package_id: str) -> Any:
    answer = GetPackageDetailResponse.from_dict(envelope(tts.get(PACKAGE.format(package_id))))
    assert answer.code == 0
    return answer.data


def test_a_package_carries_the_order_s_buyer_items_and_the_warehouse_s_address(tts):
    order = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")
    order = _order(tts, order["id"])
    package_id = order["packages"][0]["id"]
    warehouse = _warehouse(tts)

    before = _detail(tts, package_id)
    assert (before.package_status, before.package_sub_status) == ("TO_FULFILL", "STOCKING")
    for name in RECIPIENT_FIELDS:
        assert getattr(before.recipient_address, name) == order["recipient_address"][name], name
    sender = warehouse.address
    assert before.sender_address.name == sender.contact_person
    assert before.sender_address.phone_number == sender.phone_number
    assert before.sender_address.full_address == sender.full_address
    assert before.sender_address.postal_code == sender.postal_code
    assert sender.city in sender.full_address and sender.region_code in sender.full_address
    assert before.warehouse_id == warehouse.id == order["warehouse_id"]
    assert before.delivery_option_id == order["delivery_option_id"]
    assert before.delivery_option_name == order["delivery_option_name"]
    options = GetWarehouseDeliveryOptionsResponse.from_dict(
        envelope(tts.get(f"/logistics/202309/warehouses/{warehouse.id}/delivery_options"))
    ).data.delivery_options
    assert before.delivery_option_id in {o.id for o in options}

    items = order["line_items"]
    assert before.order_line_item_ids == [item["id"] for item in items]
    (entry,) = before.orders
    assert entry.id == order["id"]
    assert sum(sku.quantity for sku in entry.skus) == len(items)
    assert {sku.id for sku in entry.skus} == {item["sku_id"] for item in items}
    assert before.has_multi_skus == (len(entry.skus) > 1)
    assert before.note_tag == ("BUYER_NOTED" if order["buyer_message"] else "BUYER_UNNOTED")
    assert before.insurance.is_purchased is False

    slots = data(tts.get(PACKAGE.format(package_id) + "/handover_time_slots"))["pickup_slots"]
    slot = {"start_time": slots[0]["start_time"], "end_time": slots[0]["end_time"]}
    assert (
        data(
            tts.post(PACKAGE.format(package_id) + "/ship", {"handover_method": "PICKUP", "pickup_slot": slot})
        )
        == {}
    )
    after = _detail(tts, package_id)
    assert (after.package_status, after.package_sub_status) == ("PROCESSING", "RTS")
    assert (after.pickup_slot.start_time, after.pickup_slot.end_time) == (
        slot["start_time"],
        slot["end_time"],
    )
    shipped = _order(tts, order["id"])
    assert after.tracking_number == shipped["tracking_number"]
    assert after.shipping_provider_id == shipped["shipping_provider_id"]
    assert after.create_time <= after.update_time


def test_search_shows_the_same_line_items_and_filters_on_to_fulfill(tts):
    order = _order(tts, first_order(tts, order_status="AWAITING_SHIPMENT")["id"])
    package_id = order["packages"][0]["id"]
    found = SearchPackageResponse.from_dict(
        envelope(
            tts.post(
                "/fulfillment/202309/packages/search",
                {"package_status": "TO_FULFILL"},
                params={"page_size": 50},
            )
        )
    ).data
    assert found.total_count >= 1 and all(p.status == "TO_FULFILL" for p in found.packages)
    (mine,) = [p for p in found.packages if p.id == package_id]
    assert mine.order_line_item_ids == [item["id"] for item in order["line_items"]]
    assert mine.orders[0].id == order["id"]
    processing = data(
        tts.post(
            "/fulfillment/202309/packages/search", {"package_status": "PROCESSING"}, params={"page_size": 50}
        )
    )["packages"]
    assert package_id not in {p["id"] for p in processing}


def test_tracking_events_carry_one_action_code_per_kind_of_event(tts, http):
    order = first_order(tts, order_status="IN_TRANSIT")
    answer = GetOrderTrackingResponse.from_dict(
        envelope(tts.get(f"/fulfillment/202309/orders/{order['id']}/tracking"))
    ).data.tracking
    assert answer, "an order in transit has tracking events"
    times = [t.update_time_millis for t in answer]
    assert times == sorted(times, reverse=True)
    by_description: dict[str, set[int]] = {}
    for event in answer:
        by_description.setdefault(event.description.split(",")[0], set()).add(event.action_code)
        assert 100 <= event.action_code < 800
    assert all(len(codes) == 1 for codes in by_description.values()), by_description
    picked_up = [t for t in answer if t.description.startswith("Picked up by the carrier")]
    assert [t.action_code for t in picked_up] == [201]


def test_shipping_services_echo_the_package_and_their_prices_add_up(tts):
    order = _order(tts, first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")["id"])
    items = [item["id"] for item in order["line_items"]]
    weight = {"value": "1.5", "unit": "POUND"}
    dimension = {"length": "10", "width": "8", "height": "4", "unit": "INCH"}
    route = f"/fulfillment/202309/orders/{order['id']}/shipping_services/query"
    body = {
        "order_line_item_ids": items[:1],
        "order_line_list": [{"order_line_id": i, "sub_item_id": ""} for i in items[1:]],
        "weight": weight,
        "dimension": dimension,
    }
    answer = GetEligibleShippingServicesResponse.from_dict(envelope(tts.post(route, body))).data
    assert answer.order_id == order["id"] and answer.order_line_id == items
    assert (answer.weight.value, answer.weight.unit) == ("1.5", "POUND")
    assert (answer.dimension.length, answer.dimension.unit) == ("10", "INCH")
    assert sum(s.is_default for s in answer.shipping_services) == 1
    providers = {p["id"]: p["name"] for p in order_providers(tts)}
    for service in answer.shipping_services:
        fees = [service.shipping_fee, service.shipping_app_service_fee, service.signature_fee]
        assert round(sum(float(f) for f in fees), 2) == float(service.price)
        assert service.currency == order["payment"]["currency"]
        assert providers[service.shipping_provider_id] == service.shipping_provider_name
        assert service.earliest_delivery_days <= service.latest_delivery_days

    unknown = envelope(tts.post(route, {**body, "order_line_item_ids": ["1"]}))
    assert unknown["code"] == 36009004 and "1" in unknown["message"]
    extra = envelope(tts.post(route, {**body, "colour": "red"}))
    assert extra["code"] == 36009004 and "colour" in extra["message"]


def order_providers(tts: Any) -> list[dict[str, Any]]:
    warehouse = _warehouse(tts)
    options = data(tts.get(f"/logistics/202309/warehouses/{warehouse.id}/delivery_options"))[
        "delivery_options"
    ]
    route = "/logistics/202309/delivery_options/{}/shipping_providers"
    return list(data(tts.get(route.format(options[0]["id"])))["shipping_providers"])


def test_warehouse_and_delivery_options_are_documented_and_consistent(tts):
    warehouse = _warehouse(tts)
    assert warehouse.is_default and warehouse.effect_status == "ENABLED"
    assert warehouse.entity_id and warehouse.entity_id != warehouse.id
    latitude, longitude = (
        float(warehouse.address.geolocation.latitude),
        float(warehouse.address.geolocation.longitude),
    )
    assert -90 <= latitude <= 90 and -180 <= longitude <= 180
    assert warehouse.address.region_code == "US" and warehouse.address.region == "United States"
    assert _warehouse(tts).to_dict() == warehouse.to_dict()  # the same warehouse every time
    options = GetWarehouseDeliveryOptionsResponse.from_dict(
        envelope(tts.get(f"/logistics/202309/warehouses/{warehouse.id}/delivery_options"))
    ).data.delivery_options
    assert {o.type_ for o in options} == {"STANDARD", "SEND_BY_SELLER"}
    for option in options:
        assert option.platform == ["TIKTOK_SHOP"] and option.description
        assert option.dimension_limit.max_length == option.dimension_limit.max_width == 120
        assert option.weight_limit.min_weight < option.weight_limit.max_weight


def test_batch_errors_name_the_refused_package_and_delivery_accepts_a_verification_code(tts):
    first, second = (
        _order(tts, o["id"])["packages"][0]["id"]
        for o in data(
            tts.post(
                "/order/202309/orders/search",
                {"order_status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"},
                params={"page_size": 2},
            )
        )["orders"]
    )
    assert data(tts.post(PACKAGE.format(first) + "/ship", {"handover_method": "DROP_OFF"})) == {}
    batch = {
        "packages": [
            {"id": second, "handover_method": "DROP_OFF"},
            {"id": first, "handover_method": "DROP_OFF"},
        ]
    }
    errors = BatchShipPackagesResponse.from_dict(
        envelope(tts.post("/fulfillment/202309/packages/ship", batch))
    )
    assert [(e.code, e.detail.package_id) for e in errors.data.errors] == [(21011101, first)]
    assert _detail(tts, second).package_status == "PROCESSING"

    image = UploadProofOfDeliveryImageResponse.from_dict(
        envelope(upload(tts, "/fulfillment/202309/images/upload", PNG))
    ).data
    assert (image.width, image.height) == (640, 480) and image.url
    pdf = UploadProofOfDeliveryFileResponse.from_dict(
        envelope(
            upload(
                tts, "/fulfillment/202309/files/upload", b"%PDF-1.4\n%%EOF\n", "pod.pdf", "application/pdf"
            )
        )
    ).data
    assert pdf.name == "pod.pdf" and pdf.url

    own = first_order(tts, order_status="AWAITING_SHIPMENT", shipping_type="SELLER")
    provider = order_providers(tts)[0]["id"]
    package_id = data(
        tts.post(
            f"/fulfillment/202309/orders/{own['id']}/packages",
            {"tracking_number": "VAN-77", "shipping_provider_id": provider},
        )
    )["package_id"]
    report = {
        "packages": [
            {
                "id": package_id,
                "delivery_type": "DELIVERY_SUCCESS",
                "file_type": "IMG",
                "file_url": image.url,
                "verification_code": "4711",
            },
            {"id": first, "delivery_type": "DELIVERY_FAILED", "fail_delivery_reason": "UNABLE_RECEIVE"},
        ]
    }
    answer = UpdatePackageDeliveryStatusResponse.from_dict(
        envelope(tts.post("/fulfillment/202309/packages/deliver", report))
    )
    assert [(e.code, e.detail.package_id) for e in answer.data.errors] == [(21011102, first)]
    assert _detail(tts, package_id).package_status == "COMPLETED"
    assert _order(tts, own["id"])["status"] == "DELIVERED"


_RETURNED = """scenario: documented-returned-parcel
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
steps:
  - name: nobody is at home
    at: 0s
    do:
      - fail_delivery_attempts: {order: parcel, count: 3, reason: ADDRESSEE_NOT_AVAILABLE}
"""


def test_a_parcel_sent_back_to_the_seller_shows_the_exception(tts, http):
    loaded = load(http, _RETURNED).json()
    package_id = loaded["orders"]["parcel"]["package_ids"][0]
    assert data(tts.post(PACKAGE.format(package_id) + "/ship", {"handover_method": "DROP_OFF"})) == {}
    assert not _detail(tts, package_id).ship_exception_reason  # unset while all is well
    advance(http, "10d")
    refresh(tts, http)  # the access token lasts a week
    detail = _detail(tts, package_id)
    assert (detail.package_sub_status, detail.ship_exception_reason) == (
        "SHIP_EXCEPTION",
        "RETURNED_TO_SHIPPER",
    )
