"""Which documented response fields the sandbox fills: drives one world through its states, calls
every served Open API operation, and counts, for each, the documented leaf fields of ``data``
(`bench/reference.py`) that came back filled at least once against those never filled.

Run: ``.venv/bin/python bench/field_coverage.py`` (add ``--missing`` to list every unfilled
field). The suite runs it too (`tests/contract/test_field_coverage.py`) and fails if coverage drops.

A field counts as filled when some answer holds it with a value: not null, not an empty string,
list or object. Fields that cannot apply to the sandbox's markets are listed in
``NOT_APPLICABLE`` with the reason, and count as neither.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.contract import NOT_IN_REFERENCE  # noqa: E402
from bench.reference import operations  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Documented fields that cannot apply to the sandbox's markets (the US and UK shops it serves), by
# operation path and leaf path, with the reason. They count as neither filled nor unfilled. One
# table per API area, merged below.
_BRAZIL = "Brazil only (invoices, CPF, payment institutions)"
_INDONESIA = "Indonesia only"
_SEA = "Southeast Asia only"
_TWO_LINES = "US and UK addresses have two street lines: lines 3 and 4 stay empty"
_ORDER_FIELDS = {
    "orders[].cpf": _BRAZIL,
    "orders[].cpf_name": _BRAZIL,
    "orders[].need_upload_invoice": _BRAZIL,
    "orders[].commerce_platform": _INDONESIA + " (Tokopedia)",
    "orders[].pick_up_cut_off_time": _SEA,
    "orders[].fast_dispatch_sla_time": "Thailand and the Philippines only",
    "orders[].order_rights[]": _SEA,
    "orders[].fulfillment_priority_level": _SEA,
    "orders[].recommended_shipping_time": _SEA,
    "orders[].instore_pickup_sla_time": _SEA,
    "orders[].fast_rts_sla_time": _SEA,
    "orders[].fast_collection_sla_time": _SEA,
    "orders[].payment.small_order_fee": "Thailand only",
    "orders[].payment.buyer_service_fee": _INDONESIA,
    "orders[].payment.shipping_insurance_fee": _INDONESIA,
    "orders[].payment.distance_shipping_fee": _INDONESIA + " (Horizon+ outside Java)",
    "orders[].payment.distance_fee": _INDONESIA + " (Horizon+)",
    "orders[].line_items[].pfand_fee": "Germany only (bottle deposit)",
    "orders[].line_items[].small_order_fee": "Thailand only",
    "orders[].line_items[].buyer_service_fee": _INDONESIA,
    "orders[].line_items[].distance_shipping_fee": _INDONESIA + " (Horizon+ outside Java)",
    "orders[].line_items[].distance_fee": _INDONESIA + " (Horizon+)",
    "orders[].line_items[].shipping_vat_amount": "EU markets only",
    "orders[].line_items[].shipping_vat_rate": "EU markets only",
    "orders[].recipient_address.first_name_local_script": "Japan only (katakana)",
    "orders[].recipient_address.last_name_local_script": "Japan only (katakana)",
    "orders[].recipient_address.address_line3": _TWO_LINES,
    "orders[].recipient_address.address_line4": _TWO_LINES,
}
NOT_APPLICABLE_ORDERS: dict[str, dict[str, str]] = {
    "/order/202309/orders/search": _ORDER_FIELDS,
    "/order/202507/orders": {
        **_ORDER_FIELDS,
        "orders[].payment_auth_code": _BRAZIL,
        "orders[].channel_entity_national_registry_id": _BRAZIL,
    },
}
_BRAZIL_LINES = "the Brazilian market's extra address lines; US and UK addresses have two"
_JAPAN_NAMES = "the Japanese market's kanji and kana names"
NOT_APPLICABLE_FULFILLMENT: dict[str, dict[str, str]] = {
    "/fulfillment/202309/packages/{package_id}": {
        "last_mile_tracking_number": "cross-border orders only: the sandbox's shops are local sellers",
        "biz_extension_tags[]": "its one documented tag, NON_MCF, concerns multi-channel fulfillment orders, "
        "which the sandbox's shops do not take",
        "recipient_address.address_line3": _BRAZIL_LINES,
        "recipient_address.address_line4": _BRAZIL_LINES,
        "sender_address.address_line3": _BRAZIL_LINES,
        "sender_address.address_line4": _BRAZIL_LINES,
    },
    "/logistics/202309/warehouses": {
        "warehouses[].address.address_line3": _BRAZIL_LINES,
        "warehouses[].address.address_line4": _BRAZIL_LINES,
        "warehouses[].address.first_name": _JAPAN_NAMES,
        "warehouses[].address.last_name": _JAPAN_NAMES,
        "warehouses[].address.first_name_local_script": _JAPAN_NAMES,
        "warehouses[].address.last_name_local_script": _JAPAN_NAMES,
        "warehouses[].address.distict": "below the state, US and UK addresses name only the city "
        "(the orders' district_info has no district level either)",
        "warehouses[].address.town": "below the state, US and UK addresses name only the city",
    },
}
NOT_APPLICABLE_RETURNS: dict[str, dict[str, str]] = {}
# Documented webhook payload fields that cannot apply, by webhook type and leaf path, with the reason.
NOT_APPLICABLE_WEBHOOKS: dict[int, dict[str, str]] = {}
NOT_APPLICABLE: dict[str, dict[str, str]] = {
    **NOT_APPLICABLE_ORDERS,
    **NOT_APPLICABLE_FULFILLMENT,
    **NOT_APPLICABLE_RETURNS,
}

# Documented fields that could apply but the sandbox does not fill yet, by operation path and leaf
# path, with what it lacks. They count as unfilled; the suite fails if a field goes unfilled
# without being listed here, or is listed here while it is filled.
_ORDERS_NOT_FILLED = {
    "orders[].replaced_order_id": "no replacement orders: a replacement request is refused",
    "orders[].exchange_source_order_id": "no exchange orders",
    "orders[].consultation_id": "no ePharmacy products, so no consultations",
    "orders[].line_items[].unboxing_sku_code": "no blind-box products in the catalogue",
    "orders[].line_items[].unboxing_case_list[].unbox_sku": "no blind-box products in the catalogue",
    "orders[].line_items[].unboxing_case_list[].unbox_sku_type": "no blind-box products in the catalogue",
}
_NO_MUST_SPLIT = "the sandbox sets no mandatory split limits: must_split is always false"
NOT_FILLED: dict[str, dict[str, str]] = {
    "/fulfillment/202309/orders/split_attributes": {
        "split_attributes[].must_split_reasons[].type": _NO_MUST_SPLIT,
        "split_attributes[].must_split_reasons[].category_id": _NO_MUST_SPLIT,
        "split_attributes[].must_split_reasons[].max_count": _NO_MUST_SPLIT,
    },
    "/fulfillment/202309/combinable_packages/search": {
        "next_page_token": "the run's one group of combinable orders fits on one page"
    },
    "/order/202309/orders/search": _ORDERS_NOT_FILLED,
    "/order/202507/orders": _ORDERS_NOT_FILLED,
    "/fulfillment/202309/packages/{package_id}/handover_time_slots": {
        "drop_off_point_url": "the fake carrier has no page of drop-off points to link to",
    },
    "/fulfillment/202610/orders/{order_id}/packages": {
        "warning.message": "no request the sandbox accepts calls for a warning",
    },
    "/return_refund/202602/returns/search": {
        "return_orders[].arbitration_status": "no arbitration: a buyer cannot appeal a seller's decision",
        "return_orders[].combined_return_id": "a return covers one order: returns are never combined",
    },
}

Answers = dict[tuple[str, str], list[Any]]


class Driver:
    """A sandbox and a signed client, recording every answer's ``data`` by (method, route)."""

    def __init__(self) -> None:
        from sandbox.app import Sandbox
        from sandbox.client import SignedClient

        self.sandbox = Sandbox(freeze_at=START)
        self.http = self.sandbox.app.test_client()
        self.http.__enter__()
        tenant = self.http.get("/sandbox/tenants/default").json()
        self.tts = SignedClient.for_tenant(self.http, tenant)
        self.refresh_token = str(tenant["refresh_token"])
        self.answers: Answers = defaultdict(list)

    def refresh(self) -> None:
        """A new access token, as a real client takes one before the week-long one expires."""
        answer = self.http.get(
            "/api/v2/token/refresh",
            params={
                "app_key": self.tts.app_key,
                "app_secret": self.tts.app_secret,
                "refresh_token": self.refresh_token,
                "grant_type": "refresh_token",
            },
        ).json()
        assert answer["code"] == 0, answer
        self.tts.access_token = answer["data"]["access_token"]
        self.refresh_token = answer["data"]["refresh_token"]

    def call(self, method: str, route: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        """Call ``path`` (``route`` with its IDs filled) and keep its ``data``."""
        shop = not path.startswith(("/authorization/", "/seller/"))  # seller-level calls name no shop
        sent = None if method == "get" else (body if body is not None else {})
        response = self.tts.call(method.upper(), path, params=params, body=sent, shop=shop)
        answer = response.json()
        if answer.get("code") == 0:
            self.answers[(method, route)].append(answer.get("data"))
        return dict(answer)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method.upper(), path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def load(self, name: str) -> dict[str, Any]:
        text = (ROOT / "scenarios" / name).read_text()
        return dict(
            self.control(
                "post",
                "/sandbox/scenarios",
                content=text.encode(),
                headers={"content-type": "application/yaml"},
            )
        )

    def advance(self, by: str) -> None:
        self.control("post", "/sandbox/clock/advance", json={"by": by})


# Each step drives part of the world and calls the operations of one area. A new served operation
# is reached by adding its calls to the step of its area.
Step = Callable[[Driver], None]
STEPS: list[Step] = []


def step(fn: Step) -> Step:
    STEPS.append(fn)
    return fn


def _order_ids(d: Driver, **filters: Any) -> list[str]:
    found = d.call(
        "post", "/order/202309/orders/search", "/order/202309/orders/search", filters, page_size=50
    )
    return [o["id"] for o in found.get("data", {}).get("orders", [])]


@step
def shops_and_orders(d: Driver) -> None:
    d.call("get", "/authorization/202309/shops", "/authorization/202309/shops")
    d.call("get", "/seller/202309/shops", "/seller/202309/shops")
    for status in (
        "UNPAID",
        "ON_HOLD",
        "AWAITING_SHIPMENT",
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
        "COMPLETED",
        "CANCELLED",
    ):
        ids = _order_ids(d, order_status=status)
        if ids:
            d.call("get", "/order/202507/orders", "/order/202507/orders", ids=",".join(ids[:20]))
    # A buyer's pending cancellation request (the scenario's), and one short page (its cursor).
    for order_id in _order_ids(d, is_buyer_request_cancel=True)[:5]:
        d.call("get", "/order/202507/orders", "/order/202507/orders", ids=order_id)
    d.call("post", "/order/202309/orders/search", "/order/202309/orders/search", {}, page_size=2)
    for client, app_key in _market_shops(d):
        _whole_order_book(d, client, app_key)


# The scenarios' worlds hold a handful of orders; a US and a UK shop of their own, with a few
# hundred seeded orders, show every kind of order (bundles, pre-orders, LIVE sessions, UK
# addresses...). Their clocks move on a day after each round.


def _market_shops(d: Driver) -> list[tuple[Any, str]]:
    from sandbox.client import SignedClient

    # Kept on the driver: a table by id() would hand a later driver, given a freed one's id, shops
    # of a sandbox that is gone.
    found: list[tuple[Any, str]] | None = d.__dict__.get("market_shops")
    if found is None:
        shops = []
        for region, seed in (("US", 7), ("GB", 8)):
            credentials = d.control(
                "post",
                "/sandbox/tenants",
                json={
                    "name": f"coverage-{region}",
                    "seed": seed,
                    "region": region,
                    "order_count": 150,
                    "start": START.isoformat(),
                    "frozen": True,
                },
            )
            shops.append((SignedClient.for_tenant(d.http, credentials), credentials["app_key"]))
        d.__dict__["market_shops"] = found = shops
    return found


def _call_on(
    d: Driver, client: Any, method: str, route: str, body: Any = None, **params: Any
) -> dict[str, Any]:
    answer = client.call(method.upper(), route, params=params, body=body).json()
    if answer.get("code") == 0:
        d.answers[(method, route)].append(answer.get("data"))
    return dict(answer)


def _whole_order_book(d: Driver, client: Any, app_key: str) -> None:
    """Every order of one shop, searched and read in both detail versions; then one buyer asks to
    cancel, one pays, and the shop's clock moves on a day."""
    tenant = {"x-sandbox-tenant": app_key}
    orders: list[dict[str, Any]] = []
    token = ""
    while True:
        found = _call_on(
            d, client, "post", "/order/202309/orders/search", {}, page_size=100, page_token=token
        )
        orders += found["data"]["orders"]
        token = found["data"]["next_page_token"]
        if not token:
            break
    ids = [o["id"] for o in orders]
    for start in range(0, len(ids), 50):
        chunk = ",".join(ids[start : start + 50])
        _call_on(d, client, "get", "/order/202507/orders", ids=chunk)
        _call_on(d, client, "get", "/order/202309/orders", ids=chunk)
    waiting = [
        o["id"] for o in orders if o["status"] == "AWAITING_SHIPMENT" and not o["is_buyer_request_cancel"]
    ]
    unpaid = [o["id"] for o in orders if o["status"] == "UNPAID"]
    if waiting:
        d.control("post", f"/sandbox/orders/{waiting[0]}/buyer-cancel", json={}, headers=tenant)
    if unpaid:
        d.control("post", f"/sandbox/orders/{unpaid[0]}/pay", headers=tenant)
    d.control("post", "/sandbox/clock/advance", json={"by": "1d"}, headers=tenant)


TRACKING = ("/fulfillment/202309/orders/{order_id}/tracking", "/logistics/202604/orders/{order_id}/tracking")


@step
def packages_and_logistics(d: Driver) -> None:
    found = d.call(
        "post", "/fulfillment/202309/packages/search", "/fulfillment/202309/packages/search", {}, page_size=50
    )
    d.call(
        "post", "/fulfillment/202309/packages/search", "/fulfillment/202309/packages/search", {}, page_size=5
    )
    if not d.answers[("post", "/fulfillment/202309/packages/ship")]:
        ship_and_deliver(d)  # once, at the first clock position: later ones see the parcels move on
    for package in found.get("data", {}).get("packages", []):
        route = "/fulfillment/202309/packages/{package_id}"
        d.call("get", route, route.format(package_id=package["id"]))
        slots = "/fulfillment/202309/packages/{package_id}/handover_time_slots"
        d.call("get", slots, slots.format(package_id=package["id"]))
    for order_id in _order_ids(d, order_status="AWAITING_COLLECTION", shipping_type="TIKTOK")[:5]:
        route = "/fulfillment/202309/packages/{package_id}/shipping_documents"
        for package_id in _package_ids(d, order_id):
            d.call("get", route, route.format(package_id=package_id), document_type="SHIPPING_LABEL")
    for order_id in (
        _order_ids(d, order_status="IN_TRANSIT")[:5] + _order_ids(d, order_status="DELIVERED")[:5]
    ):
        for route in TRACKING:
            d.call("get", route, route.format(order_id=order_id))
    warehouses = d.call("get", "/logistics/202309/warehouses", "/logistics/202309/warehouses")
    for warehouse in warehouses.get("data", {}).get("warehouses", []):
        route = "/logistics/202309/warehouses/{warehouse_id}/delivery_options"
        options = d.call("get", route, route.format(warehouse_id=warehouse["id"]))
        for option in options.get("data", {}).get("delivery_options", []):
            route = "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers"
            d.call("get", route, route.format(delivery_option_id=option["id"]))


@step
def split_and_combine(d: Driver) -> None:
    """Split attributes of orders in several statuses; one order of several line items split."""
    route = "/fulfillment/202309/orders/split_attributes"
    waiting = _order_ids(d, order_status="AWAITING_SHIPMENT")[:10]
    shipped = _order_ids(d, order_status="IN_TRANSIT")[:2]
    if waiting or shipped:
        d.call("get", route, route, order_ids=",".join(waiting + shipped))
    _combine(d)
    if d.answers[("post", "/fulfillment/202309/orders/{order_id}/split")]:
        return  # once: the split order's packages then go their own way
    orders = (
        d.call("get", "/order/202309/orders", "/order/202309/orders", ids=",".join(waiting))
        if waiting
        else {}
    )
    for order in orders.get("data", {}).get("orders", []):
        lines = [item["id"] for item in order["line_items"]]
        if len(lines) > 1:
            groups = [
                {"id": "first", "order_line_item_ids": lines[:1]},
                {"id": "rest", "order_line_item_ids": lines[1:]},
            ]
            split = "/fulfillment/202309/orders/{order_id}/split"
            d.call("post", split, split.format(order_id=order["id"]), {"splittable_groups": groups})
            return


_ONE_BUYER = """scenario: one-buyer-orders
orders:
  first: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 3h, buyer: {account: ada}}
  second: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h, buyer: {account: ada}}
"""


def _combine(d: Driver) -> None:
    """Orders of one buyer combined into one package, and one of them taken out again (once)."""
    combine = "/fulfillment/202309/packages/combine"
    if d.answers[("post", combine)]:
        return
    yaml = {"content-type": "application/yaml"}
    d.control("post", "/sandbox/scenarios", content=_ONE_BUYER.encode(), headers=yaml)
    search = "/fulfillment/202309/combinable_packages/search"
    found = d.call("get", search, search, page_size=5).get("data", {}).get("combinable_packages", [])
    if not found:
        return
    group = found[0]
    items = [{"id": group["id"], "order_ids": group["order_ids"]}, {"id": "1154000000000000001"}]
    d.call("post", combine, combine, {"combinable_packages": items})  # the second is refused
    uncombine = "/fulfillment/202309/packages/{package_id}/uncombine"
    d.call(
        "post", uncombine, uncombine.format(package_id=group["id"]), {"order_ids": group["order_ids"][-1:]}
    )


@step
def seller_feed(d: Driver) -> None:
    """A seller-shipped order in transit, tracked by the seller's own feed (one event pushed)."""
    route = "/fulfillment/202609/order/sof/track/update"
    if d.answers[("post", route)]:
        return
    for order_id in _order_ids(d, order_status="AWAITING_COLLECTION", shipping_type="SELLER")[:1]:
        now = int(datetime.fromisoformat(d.control("get", "/sandbox/clock")["now"]).timestamp())
        track = {"action_code": 201, "occur_time": now, "description": "Collected by our own van"}
        d.call("post", route, route, {"country": "US", "order_id": order_id, "tracks": [track]})


@step
def price_details(d: Driver) -> None:
    """The price breakdown of a few orders in several statuses."""
    route = "/order/202407/orders/{order_id}/price_detail"
    for status in ("UNPAID", "AWAITING_SHIPMENT", "DELIVERED", "CANCELLED"):
        for order_id in _order_ids(d, order_status=status)[:2]:
            d.call("get", route, route.format(order_id=order_id))


# Neither applies to the sandbox's checkout: it runs no promotion (every order's seller and
# platform discounts are 0.00), so an activity listed here would contradict the order's payment.
_NO_PROMOTION = "the sandbox's checkout runs no promotion (discounts are 0.00): the lists are empty"
NOT_APPLICABLE.update(
    {
        "/order/202407/orders/{order_id}/price_detail": {
            "distance_shipping_fee": _INDONESIA + " (Horizon+ outside Java)",
            "distance_fee": _INDONESIA + " (Horizon+)",
            "line_items[].distance_shipping_fee": _INDONESIA + " (Horizon+ outside Java)",
            "line_items[].distance_fee": _INDONESIA + " (Horizon+)",
            **{
                f"line_items[].seller_funded_{kind}_promotions[].{leaf}": _NO_PROMOTION
                for kind in ("product", "shipping")
                for leaf in ("activity_id", "discount_amount", "discount_type")
            },
        }
    }
)


@step
def external_orders(d: Driver) -> None:
    """One order attached to an OMS order (with a second order refused), read back and searched."""
    add, get = "/order/202406/orders/external_orders", "/order/202406/orders/{order_id}/external_orders"
    search = "/order/202406/orders/external_order_search"
    for order_id in _order_ids(d, order_status="AWAITING_SHIPMENT")[:1]:
        shown = d.call("get", "/order/202309/orders", "/order/202309/orders", ids=order_id)
        lines = [item["id"] for o in shown.get("data", {}).get("orders", []) for item in o["line_items"]]
        reference = {
            "id": "SO-1001",
            "platform": "SHOPIFY",
            "line_items": [{"id": f"SO-1001-{n}", "origin_id": line} for n, line in enumerate(lines)],
        }
        unknown = {"id": "576460000000000001", "external_order": {**reference, "id": "SO-1002"}}
        d.call("post", add, add, {"orders": [{"id": order_id, "external_order": reference}, unknown]})
        d.call("get", get, get.format(order_id=order_id), platform="SHOPIFY")
        d.call("post", search, search, {}, platform="SHOPIFY", external_order_id="SO-1001")


@step
def seller_profile(d: Driver) -> None:
    """The seller's global product permission, shop group, global warehouses and the category
    assets it authorized the app for (seller-level calls: no shop cipher)."""
    for route in (
        "/seller/202309/permissions",
        "/seller/202601/shop_groups",
        "/logistics/202309/global_warehouses",
        "/authorization/202405/category_assets",
    ):
        answer = d.tts.call("GET", route, shop=False).json()
        if answer.get("code") == 0:
            d.answers[("get", route)].append(answer.get("data"))


_LOCAL_SELLER = "the sandbox's sellers are local sellers of one market"
NOT_APPLICABLE.update(
    {
        "/seller/202309/permissions": {
            "permissions[]": _LOCAL_SELLER
            + ": MANAGE_GLOBAL_PRODUCT is a cross-border seller's (an empty list)",
        },
        "/seller/202601/shop_groups": {
            "shop_group_data.shop_group.source": _LOCAL_SELLER + ", in no product interoperability group "
            "(a US seller's MX store, a cross-border seller's)",
            "shop_group_data.shop_group.shop_group_name": _LOCAL_SELLER
            + ", in no product interoperability group",
        },
    }
)


def _package_ids(d: Driver, order_id: str) -> list[str]:
    orders = d.call("get", "/order/202507/orders", "/order/202507/orders", ids=order_id)
    return [p["id"] for o in orders.get("data", {}).get("orders", []) for p in o.get("packages", [])]


def _upload(d: Driver, route: str, content: bytes, name: str, content_type: str) -> dict[str, Any]:
    """A signed multipart upload (its body is left out of the signature), kept like ``Driver.call``."""
    import time

    from sandbox.signing import sign

    query = {"app_key": d.tts.app_key, "timestamp": str(int(time.time())), "shop_cipher": d.tts.shop_cipher}
    query["sign"] = sign(d.tts.app_secret, route, query, b"", "multipart/form-data")
    answer = d.http.post(
        route,
        params=query,
        files={"data": (name, content, content_type)},
        headers={"x-tts-access-token": d.tts.access_token},
    ).json()
    if answer.get("code") == 0:
        d.answers[("post", route)].append(answer.get("data"))
    return dict(answer)


# A proof-of-delivery picture: a PNG header that says 640 x 480.
_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    + (640).to_bytes(4, "big")
    + (480).to_bytes(4, "big")
    + b"\x08\x02\x00\x00\x00"
    + b"\x00" * 20
)


# Orders for the mutating fulfillment operations, joined to the world the scenarios left: a
# pickup, drop-offs whose parcels come back to the seller or are lost, and a seller-shipped order.
_FULFILLMENT_ORDERS = """scenario: fulfillment-coverage
orders:
  pickup: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
  dropoff: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
  returned: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
  lost: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
  own: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2h}
  own_later: {status: AWAITING_SHIPMENT, shipping_type: SELLER, age: 2h}
  labelled: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h}
steps:
  - name: the parcels that will not arrive
    at: 0s
    do:
      - fail_delivery_attempts: {order: returned, count: 3, reason: ADDRESSEE_NOT_AVAILABLE}
      - fail_collections: {order: lost, count: 2}
"""


def ship_and_deliver(d: Driver) -> None:
    """The mutating fulfillment operations, once each with valid input: shipping services, a
    pickup, a batch with one package already shipped (a per-package error), proof of delivery
    uploaded and reported for a seller-shipped package, beside a platform-shipped one (refused)."""
    loaded = d.control(
        "post",
        "/sandbox/scenarios",
        content=_FULFILLMENT_ORDERS.encode(),
        headers={"content-type": "application/yaml"},
    )
    orders = {name: o["order_id"] for name, o in loaded["orders"].items()}
    packages = {name: o["package_ids"][0] for name, o in loaded["orders"].items()}
    detail = d.call("get", "/order/202507/orders", "/order/202507/orders", ids=orders["pickup"])
    items = [item["id"] for item in detail["data"]["orders"][0]["line_items"]]
    route = "/fulfillment/202309/orders/{order_id}/shipping_services/query"
    d.call(
        "post",
        route,
        route.format(order_id=orders["pickup"]),
        {
            "order_line_item_ids": items[:1],
            "order_line_list": [{"order_line_id": i} for i in items[1:]],
            "weight": {"value": "1.2", "unit": "POUND"},
            "dimension": {"length": "10", "width": "8", "height": "4", "unit": "INCH"},
        },
    )
    slots = "/fulfillment/202309/packages/{package_id}/handover_time_slots"
    offered = d.call("get", slots, slots.format(package_id=packages["pickup"]))["data"]["pickup_slots"][0]
    slot = {"start_time": offered["start_time"], "end_time": offered["end_time"]}
    route = "/fulfillment/202309/packages/{package_id}/ship"
    d.call(
        "post",
        route,
        route.format(package_id=packages["pickup"]),
        {"handover_method": "PICKUP", "pickup_slot": slot},
    )
    route = "/fulfillment/202309/packages/ship"
    batch = [
        {"id": packages[name], "handover_method": "DROP_OFF"} for name in ("dropoff", "returned", "lost")
    ]
    batch.append({"id": packages["pickup"], "handover_method": "DROP_OFF"})  # already shipped: refused
    d.call("post", route, route, {"packages": batch})
    image = _upload(d, "/fulfillment/202309/images/upload", _PNG, "pod.png", "image/png")
    _upload(d, "/fulfillment/202309/files/upload", b"%PDF-1.4\n%%EOF\n", "pod.pdf", "application/pdf")
    warehouse_id = d.call("get", "/logistics/202309/warehouses", "/logistics/202309/warehouses")["data"][
        "warehouses"
    ][0]["id"]
    route = "/logistics/202309/warehouses/{warehouse_id}/delivery_options"
    options = d.call("get", route, route.format(warehouse_id=warehouse_id))["data"]["delivery_options"]
    own = next(o["id"] for o in options if o["type"] == "SEND_BY_SELLER")
    route = "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers"
    provider = d.call("get", route, route.format(delivery_option_id=own))["data"]["shipping_providers"][0][
        "id"
    ]
    route = "/fulfillment/202309/orders/{order_id}/packages"
    shipped = d.call(
        "post",
        route,
        route.format(order_id=orders["own"]),
        {"tracking_number": "VAN-1001", "shipping_provider_id": provider},
    )
    route = "/fulfillment/202309/packages/deliver"
    d.call(
        "post",
        route,
        route,
        {
            "packages": [
                {
                    "id": shipped["data"]["package_id"],
                    "delivery_type": "DELIVERY_SUCCESS",
                    "file_type": "IMG",
                    "file_url": image["data"]["url"],
                },
                {
                    "id": packages["dropoff"],
                    "delivery_type": "DELIVERY_FAILED",
                    "fail_delivery_reason": "UNABLE_RECEIVE",
                },
            ]
        },
    )
    later_versions(d, orders, provider)


def later_versions(d: Driver, orders: dict[str, str], provider: str) -> None:
    """The newer versions' own bodies: a seller-shipped order marked shipped through 202610 naming
    its line items, and a US label bought through 202512 with the seller's weight and size."""
    detail = d.call("get", "/order/202507/orders", "/order/202507/orders", ids=orders["own_later"])
    lines = [{"order_line_id": item["id"]} for item in detail["data"]["orders"][0]["line_items"]]
    route = "/fulfillment/202610/orders/{order_id}/packages"
    d.call(
        "post",
        route,
        route.format(order_id=orders["own_later"]),
        {
            "shipping_info_list": [{"tracking_number": "VAN-2001", "shipping_provider_id": provider}],
            "order_line_list": lines,
        },
    )
    route = "/fulfillment/202309/orders/{order_id}/shipping_services/query"
    weight = {"value": "2", "unit": "POUND"}
    dimension = {"length": "12", "width": "8", "height": "4", "unit": "INCH"}
    offered = d.call(
        "post", route, route.format(order_id=orders["labelled"]), {"weight": weight, "dimension": dimension}
    )
    services = offered.get("data", {}).get("shipping_services", [])
    if services:  # US shops buy platform labels; others are offered none
        route = "/fulfillment/202512/packages"
        body = {
            "ship_type": "1",
            "order_id": orders["labelled"],
            "shipping_service_id": services[0]["id"],
            "weight": weight,
            "dimension": dimension,
        }
        d.call("post", route, route, body)


@step
def returns_and_cancellations(d: Driver) -> None:
    _aftersale_requests(d)
    cancel_search = "/return_refund/202602/cancellations/search"
    d.call("post", cancel_search, cancel_search, {}, page_size=50)
    d.call("post", cancel_search, cancel_search, {"cancel_types": ["BUYER_CANCEL"]}, page_size=2)
    return_search = "/return_refund/202602/returns/search"
    found = d.call("post", return_search, return_search, {}, page_size=50)
    d.call("post", return_search, return_search, {}, page_size=1)
    for ret in found.get("data", {}).get("return_orders", [])[:10]:
        route = "/return_refund/202309/returns/{return_id}/records"
        d.call("get", route, route.format(return_id=ret["return_id"]))
    route = "/return_refund/202602/orders/{order_id}/aftersale_eligibility"
    for status in ("AWAITING_SHIPMENT", "DELIVERED", "COMPLETED"):
        for order_id in _order_ids(d, order_status=status)[:3]:
            d.call("get", route, route.format(order_id=order_id))
            d.call("get", route, route.format(order_id=order_id), initiate_aftersale_user="SELLER")
    d.call("get", "/return_refund/202309/reject_reasons", "/return_refund/202309/reject_reasons")


# What buyers ask for, in turn, on the delivered orders the driver meets, and how the seller answers.
# A request that ends rejected or withdrawn leaves the order open to the next one.
_RETURN_PLAN = (
    ("RETURN_AND_REFUND", "No longer needed", "rejected"),
    ("RETURN_AND_REFUND", "Wrong size", "withdrawn"),
    ("RETURN_AND_REFUND", "Missing parts or accessories", "receipt_rejected"),
    ("RETURN_AND_REFUND", "Wrong item sent", "direct"),  # refunded at once, the buyer keeps the item
    ("REFUND", "Defective or does not work", "pending"),  # approved by the platform after 48 hours
    ("RETURN_AND_REFUND", "Arrived damaged", "received"),  # shipped back, received at the next position
    ("REFUND", "Item not as described", "refunded"),
)
_APPROVE = "/return_refund/202309/returns/{return_id}/approve"
_REJECT = "/return_refund/202309/returns/{return_id}/reject"


def _reject(d: Driver, return_id: str) -> None:
    route = "/return_refund/202309/reject_reasons"
    reasons = d.call("get", route, route, return_or_cancel_id=return_id)
    names = [r["name"] for r in reasons.get("data", {}).get("reasons", [])]
    body = {"reject_reason": names[0], "comment": "The photos show the item unused and intact"}
    d.call("post", _REJECT, _REJECT.format(return_id=return_id), body)


def _aftersale_requests(d: Driver) -> None:
    """Buyers open requests on the delivered orders met so far and the seller answers each way
    (approve, reject, refund at once; a package received at the next clock position), and buyers
    cancel waiting orders, the seller approving one and rejecting one, and cancelling one itself."""
    state: dict[str, Any] = d.__dict__.setdefault("aftersales", {"next": 0, "to_receive": [], "cancels": 0})
    for return_id in state["to_receive"]:
        d.call(
            "post", _APPROVE, _APPROVE.format(return_id=return_id), {"decision": "APPROVE_RECEIVED_PACKAGE"}
        )
    state["to_receive"] = []
    for order_id in _order_ids(d, order_status="DELIVERED") + _order_ids(d, order_status="COMPLETED"):
        while state["next"] < len(_RETURN_PLAN):
            kind, reason, answer = _RETURN_PLAN[state["next"]]
            body = {"type": kind, "reason": reason}
            asked = d.http.post(f"/sandbox/orders/{order_id}/buyer-return", json=body)
            if asked.status_code != 200:
                break
            state["next"] += 1
            return_id = asked.json()["return_id"]
            approve = _APPROVE.format(return_id=return_id)
            if answer == "rejected":
                _reject(d, return_id)
                continue
            if answer == "withdrawn":
                d.control("post", f"/sandbox/orders/{order_id}/buyer-return/cancel")
                continue
            if answer in ("receipt_rejected", "received"):
                d.call("post", approve, approve, {"decision": "APPROVE_RETURN"})
                d.control("post", f"/sandbox/orders/{order_id}/buyer-return/ship")
                if answer == "receipt_rejected":
                    _reject(d, return_id)
                    continue
                state["to_receive"].append(return_id)
            elif answer == "refunded":
                d.call("post", approve, approve, {"decision": "APPROVE_REFUND"})
            elif answer == "direct":
                d.call("post", approve, approve, {"decision": "DIRECT_REFUND"})
            break  # the order has a request in progress, or was refunded
    if state["cancels"]:
        return
    waiting = _order_ids(d, order_status="AWAITING_SHIPMENT")
    if len(waiting) < 4:
        return
    state["cancels"] = 1
    for order_id in waiting[:3]:  # the third is left pending
        d.control("post", f"/sandbox/orders/{order_id}/buyer-cancel", json={"reason": "Ordered by mistake"})
    search = "/return_refund/202602/cancellations/search"
    pending = d.call("post", search, search, {"order_ids": waiting[:2]}, page_size=10)
    for n, record in enumerate(pending.get("data", {}).get("cancellations", [])):
        verb = "approve" if n == 0 else "reject"
        route = f"/return_refund/202309/cancellations/{{cancel_id}}/{verb}"
        body = {} if verb == "approve" else {"reject_reason": "seller_reject_cancel_already_packed"}
        d.call("post", route, route.format(cancel_id=record["cancel_id"]), body)
    detail = d.call("get", "/order/202507/orders", "/order/202507/orders", ids=waiting[3])
    lines = [i["id"] for o in detail.get("data", {}).get("orders", []) for i in o["line_items"]]
    route = "/return_refund/202602/cancellations"
    body = {
        "order_id": waiting[3],
        "cancel_reason": "seller_cancel_reason_out_of_stock",
        "order_line_list": [{"order_line_item_id": i} for i in lines],
    }
    d.call("post", route, route, body)


_BUNDLE_NAMES = ("Pour-Over Coffee Set", "Hair Clip Set")  # the catalogue's virtual bundles


@step
def bundles_and_partial_refunds(d: Driver) -> None:
    """On the US shop (whose seeded orders hold virtual bundles), once: a buyer cancels an order
    with a bundle, another asks to return one and edits the request; the seller offers a partial
    refund, which the buyer rejects, then a second, which the buyer accepts."""
    state: dict[str, bool] = d.__dict__.setdefault("bundle_aftersales", {"cancel": False, "return": False})
    client, app_key = _market_shops(d)[0]
    tenant = {"x-sandbox-tenant": app_key}

    def call(method: str, route: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        answer = client.call(method.upper(), path, params=params, body=body).json()
        if answer.get("code") == 0:
            d.answers[(method, route)].append(answer.get("data"))
        return dict(answer)

    def with_bundle(status: str) -> list[str]:
        found = call(
            "post",
            "/order/202309/orders/search",
            "/order/202309/orders/search",
            {"order_status": status},
            page_size=100,
        )
        return [
            o["id"]
            for o in found.get("data", {}).get("orders", [])
            if any(i["product_name"].endswith(_BUNDLE_NAMES) for i in o["line_items"])
            and not o.get("is_buyer_request_cancel")
        ]

    eligibility = "/return_refund/202602/orders/{order_id}/aftersale_eligibility"
    if not state["cancel"]:
        waiting = with_bundle("AWAITING_SHIPMENT")
        if waiting:
            state["cancel"] = True
            call("get", eligibility, eligibility.format(order_id=waiting[0]))
            d.control("post", f"/sandbox/orders/{waiting[0]}/buyer-cancel", json={}, headers=tenant)
            search = "/return_refund/202602/cancellations/search"
            call("post", search, search, {"order_ids": [waiting[0]]}, page_size=10)
    if state["return"]:
        return
    for order_id in with_bundle("DELIVERED"):
        asked = d.http.post(
            f"/sandbox/orders/{order_id}/buyer-return",
            json={"type": "RETURN_AND_REFUND", "reason": "Missing parts or accessories"},
            headers=tenant,
        )
        if asked.status_code != 200:
            continue
        state["return"] = True
        call("get", eligibility, eligibility.format(order_id=order_id))
        first_id = asked.json()["return_id"]
        edited = d.control(
            "post",
            f"/sandbox/orders/{order_id}/buyer-return/edit",
            json={"type": "RETURN_AND_REFUND", "reason": "Arrived damaged"},
            headers=tenant,
        )
        return_id = edited["return_id"]
        search = "/return_refund/202602/returns/search"
        call("post", search, search, {"return_ids": [first_id, return_id]}, page_size=10)
        (pending,) = call("post", search, search, {"return_ids": [return_id]}, page_size=10)["data"][
            "return_orders"
        ]
        amount = pending["refund_amount"]
        approve = _APPROVE.format(return_id=return_id)
        for share, answer in (("0.25", "reject"), ("0.5", "accept")):
            offered = (Decimal(amount["refund_total"]) * Decimal(share)).quantize(Decimal("0.01"))
            body = {
                "decision": "OFFER_PARTIAL_REFUND",
                "partial_refund": {"currency": amount["currency"], "amount": str(offered)},
            }
            call("post", _APPROVE, approve, body)
            call("post", search, search, {"seller_proposed_return_type": ["PARTIAL_REFUND"]}, page_size=10)
            d.control(
                "post", f"/sandbox/orders/{order_id}/buyer-return/partial-refund/{answer}", headers=tenant
            )
            call("post", search, search, {"return_ids": [return_id]}, page_size=10)
        break


@step
def aftersales_of_line_items(d: Driver) -> None:
    """Refund estimates for a cancellation and for returns of one line item; once, the seller
    creates a return of one line item of a delivered order and a refund of another's."""
    state: dict[str, Any] = d.__dict__.setdefault("seller_returns", {"created": []})
    calculate = "/return_refund/202602/refunds/calculate"
    decisions = "/return_refund/202601/decision_eligibility"
    returns = d.call(
        "post",
        "/return_refund/202602/returns/search",
        "/return_refund/202602/returns/search",
        {},
        page_size=50,
    )
    cancels = d.call(
        "post",
        "/return_refund/202602/cancellations/search",
        "/return_refund/202602/cancellations/search",
        {},
        page_size=50,
    )
    ids = [r["return_id"] for r in returns.get("data", {}).get("return_orders", [])][:10]
    ids += [c["cancel_id"] for c in cancels.get("data", {}).get("cancellations", [])][:5]
    review = "/return_refund/202606/review_decision"
    for record_id in ids:
        d.call("get", decisions, decisions, return_or_cancel_id=record_id)
        d.call("get", review, review, seller_id=1, return_or_cancel_id=record_id)
    for order_id in _order_ids(d, order_status="AWAITING_SHIPMENT")[:2]:
        body = {
            "order_id": order_id,
            "request_type": "CANCEL",
            "reason_name": "seller_cancel_reason_out_of_stock",
        }
        d.call("post", calculate, calculate, body)
    if state["created"]:
        return
    orders = d.call(
        "post",
        "/order/202309/orders/search",
        "/order/202309/orders/search",
        {"order_status": "DELIVERED"},
        page_size=50,
    )
    create = "/return_refund/202602/returns"
    plan = [("RETURN_AND_REFUND", "return_reason_wrong_size"), ("REFUND", "return_reason_arrived_damaged")]
    for order in orders.get("data", {}).get("orders", []):
        if len(order["line_items"]) < 2 or not plan:
            continue
        kind, reason = plan[0]
        line = order["line_items"][0]
        body = {
            "order_id": order["id"],
            "request_type": kind,
            "reason_name": reason,
            "order_line_list": [{"order_line_item_id": line["id"]}],
        }
        if d.call("post", calculate, calculate, body).get("code") != 0:
            continue
        d.call(
            "post",
            calculate,
            calculate,
            {**body, "order_line_list": [], "skus": [{"sku_id": line["sku_id"], "quantity": 1}]},
        )
        created = d.call(
            "post",
            create,
            create,
            {
                "order_id": order["id"],
                "return_type": kind,
                "return_reason": reason,
                "order_line_item_ids": [line["id"]],
            },
        )
        if created.get("code") == 0:
            plan.pop(0)
            state["created"].append(created["data"]["return_id"])


NOT_FILLED.update(
    {
        "/return_refund/202606/review_decision": {
            "line_items[].sub_return_line_item_id": "the sandbox decides a virtual bundle's line as a whole",
        }
    }
)
_ONE_REQUEST = "the call names one return or cancellation: a failure is the answer's own code, never partial"
NOT_APPLICABLE.update(
    {
        "/return_refund/202606/review_decision": {
            "errors[].code": _ONE_REQUEST,
            "errors[].message": _ONE_REQUEST,
        }
    }
)


@step
def market_coverage_and_templates(d: Driver) -> None:
    """A US parcel's TikTok Shipping coverage, and whether the shop has a template for its warehouse."""
    route = "/fulfillment/202508/tts_tracking_validation"
    if not d.answers[("get", route)]:
        for order_id in _order_ids(d, order_status="AWAITING_COLLECTION", shipping_type="TIKTOK")[:3]:
            detail = d.call("get", "/order/202309/orders", "/order/202309/orders", ids=order_id)
            for found in detail.get("data", {}).get("orders", []):
                if found.get("tracking_number"):
                    d.call("get", route, route, tracking_number=found["tracking_number"])
    exist = "/logistics/202606/seller_template/template_exist"
    if not d.answers[("get", exist)]:
        warehouses = d.call("get", "/logistics/202309/warehouses", "/logistics/202309/warehouses")
        for warehouse in warehouses.get("data", {}).get("warehouses", []):
            d.call("get", exist, exist, biz_warehouse_id=warehouse["id"])


@step
def market_customs(d: Driver) -> None:
    """Orders' customs requirements in the US market shop, before and after the seller says what a
    LIVE-listing or virtual-bundle line really holds."""
    query = "/fulfillment/202607/orders/customs_info/query"
    submit = "/fulfillment/202607/orders/customs_info/submit"
    client, _ = _market_shops(d)[0]
    search = "/order/202309/orders/search"
    found = _call_on(d, client, "post", search, {"order_status": "AWAITING_SHIPMENT"}, page_size=50)
    order_ids = [o["id"] for o in found.get("data", {}).get("orders", [])]
    if not order_ids:
        return
    _call_on(d, client, "post", query, {"order_ids": order_ids})
    if d.answers[("post", submit)]:
        return
    detail = _call_on(d, client, "get", "/order/202507/orders", ids=",".join(order_ids))
    for order in detail.get("data", {}).get("orders", []):
        lines = [i for i in order["line_items"] if i.get("product_listing_type") or i.get("sub_item_info")]
        if not lines:
            continue
        entries = [
            {
                "order_line_id": line["id"],
                "item_detail": [{"sku_id": line["sku_id"], "qty": 1, "price_percent": 100}],
            }
            for line in lines
        ]
        _call_on(d, client, "post", submit, {"order_list": [{"order_id": order["id"], "item_list": entries}]})
        _call_on(d, client, "post", query, {"order_ids": [order["id"]]})
        return


@step
def market_pod_details(d: Driver) -> None:
    """The buyer's print-on-demand customisation of a personalised line, through both paths."""
    routes = ("/fulfillment/202606/pod_details/get", "/order/202606/pod_details/search")
    if all(d.answers[("post", route)] for route in routes):
        return
    client, _ = _market_shops(d)[0]
    found = _call_on(d, client, "post", "/order/202309/orders/search", {}, page_size=50)
    order_ids = [o["id"] for o in found.get("data", {}).get("orders", [])]
    detail = _call_on(d, client, "get", "/order/202507/orders", ids=",".join(order_ids))
    for order in detail.get("data", {}).get("orders", []):
        lines = [
            {
                "order_line_id": i["id"],
                "product_id": i["product_id"],
                "sku_id": i["sku_id"],
                "pod_order_data_id": i["pod_info_id"],
            }
            for i in order["line_items"]
            if i.get("pod_info_id")
        ]
        if lines:
            for route in routes:
                _call_on(d, client, "post", route, {"main_order_id": order["id"], "query_order_lines": lines})
            return


@step
def market_blind_boxes(d: Driver) -> None:
    """The seller opens a US order line's blind box (a normal product and a gift, in the batch shape
    that wins over the legacy one) and the order detail shows what it revealed."""
    route = "/order/202605/orders/blind_box_result/callback"
    if d.answers[("post", route)]:
        return
    client, _ = _market_shops(d)[0]
    found = _call_on(d, client, "post", "/order/202309/orders/search", {}, page_size=50)
    orders = found.get("data", {}).get("orders", [])
    skus = {(i["product_id"], i["sku_id"]) for o in orders for i in o["line_items"]}
    if not orders or len(skus) < 2:
        return
    (normal_product, normal_sku), (gift_product, gift_sku) = sorted(skus)[:2]
    line_id = orders[0]["line_items"][0]["id"]
    opened = 1772442000000
    body = {
        "main_order_id": orders[0]["id"],
        "blind_box_results": [
            {
                "order_line_id": line_id,
                "blind_result_product_id": normal_product,
                "blind_result_sku_id": normal_sku,
                "blind_open_time": opened,
            }
        ],
        "blind_batch_box_results": [
            {
                "order_line_id": line_id,
                "blind_box_order_line_list": [
                    {
                        "blind_result_product_id": normal_product,
                        "blind_result_sku_id": normal_sku,
                        "blind_open_time": opened,
                        "product_type": "NORMAL",
                    },
                    {
                        "blind_result_product_id": gift_product,
                        "blind_result_sku_id": gift_sku,
                        "blind_open_time": opened,
                        "product_type": "GIFT",
                    },
                ],
            }
        ],
    }
    _call_on(d, client, "post", route, body)
    _call_on(d, client, "get", "/order/202507/orders", ids=orders[0]["id"])


# Order detail (202507) shows what an opened blind box revealed; the order search does not.
NOT_FILLED["/order/202507/orders"] = {k: v for k, v in _ORDERS_NOT_FILLED.items() if "unboxing" not in k}
NOT_FILLED["/order/202309/orders/search"] = {
    k: "blind box opening results are shown by order detail 202507 only" if "unboxing" in k else v
    for k, v in _ORDERS_NOT_FILLED.items()
}


@step
def webhooks(d: Driver) -> None:
    d.call(
        "put",
        "/event/202309/webhooks",
        "/event/202309/webhooks",
        {"event_type": "ORDER_STATUS_CHANGE", "address": "https://example.test/hook"},
    )
    d.call("get", "/event/202309/webhooks", "/event/202309/webhooks")


# The webhook types the sandbox sends; the coverage report counts their delivered payloads.
SENT_WEBHOOKS = {
    "ORDER_STATUS_CHANGE": 1,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
}
# drive()'s last clock position (1d + 3d + 7d + 14d after the start): the authorization's expiry
# is reached only then, since time does not go back for the other steps.
_LAST_POSITION = timedelta(days=25)
# A buyer correcting an address before shipment (RECIPIENT_ADDRESS_UPDATE and PACKAGE_UPDATE).
_ADDRESS_SCENARIO = """
scenario: coverage-address-update
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
steps:
  - name: the buyer corrects the street
    at: 1m
    do:
      - update_buyer_address: {order: parcel, address_line1: 12 Harbour Row}
"""


def _webhook_route(webhook_type: int) -> tuple[str, str]:
    """Where delivered payloads are kept among the answers: beside the operations, by type."""
    return ("webhook", str(webhook_type))


@step
def first_mile_bundles(d: Driver) -> None:
    """A DE shop's orders shipped by drop-off (ready to ship, labels printed) and bundled for the
    TikTok Shop warehouse (both versions), with an order still awaiting shipment among them (its
    refusal fills ``errors``)."""
    from sandbox.client import SignedClient

    client: Any = d.__dict__.get("bundle_shop")
    if client is None:
        settings = {
            "name": "coverage-DE",
            "seed": 9,
            "region": "DE",
            "order_count": 80,
            "start": START.isoformat(),
        }
        credentials = d.control("post", "/sandbox/tenants", json=settings)
        d.__dict__["bundle_shop"] = client = SignedClient.for_tenant(d.http, credentials)
    body = {"order_status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"}
    found = client.post("/order/202309/orders/search", body, params={"page_size": 5}).json()
    waiting = [o["id"] for o in found.get("data", {}).get("orders", [])]
    ready = []
    for order_id in waiting[1:]:
        detail = client.get("/order/202309/orders", params={"ids": [order_id]}).json()
        package_id = detail["data"]["orders"][0]["packages"][0]["id"]
        shipped = client.post(
            f"/fulfillment/202309/packages/{package_id}/ship", {"handover_method": "DROP_OFF"}
        )
        if shipped.json().get("code") == 0:
            ready.append(order_id)
    for route, chosen in (
        ("/fulfillment/202407/bundles", ready[:2]),
        ("/fulfillment/202510/first_mile_bundle", ready[2:]),
    ):
        if chosen:
            _call_on(
                d, client, "post", route, {"order_ids": chosen + waiting[:1], "handover_method": "PICKUP"}
            )


@step
def shipping_template_availability(d: Driver) -> None:
    """The GB shop's templates for a product small enough for both and one too big and heavy for
    the platform's carrier (a GET with a body)."""
    client, _ = _market_shops(d)[1]
    route = "/logistics/202510/seller_templates"
    for weight, side in (("2", "40"), ("45", "130")):
        product = {
            "weight": {"weight": weight, "unit": 4},
            "dimension": {"length": side, "width": "30", "height": "20", "unit": 1},
        }
        _call_on(d, client, "get", route, {"product_attribute": product})


_UNSUPPORTED = "documented as not yet supported: ignore this field"


@step
def aftersales_search(d: Driver) -> None:
    """Every after-sales request with all its data, then by status, type and order, and paged."""
    route = "/return_refund/202603/aftersales/search"
    everything = ["LINE_ITEMS", "SKU_RETURN_REQUESTS", "RETURN_MERCHANDISE_AUTHORIZATIONS"]
    found = d.call(
        "post", route, route, {"whitelisted_data_fields": everything, "pagination": {"page_size": 100}}
    )
    requests = found.get("data", {}).get("aftersales_requests", [])
    # the US shop's returns: virtual bundles, an edited request, partial refund offers
    client, _ = _market_shops(d)[0]
    _call_on(
        d, client, "post", route, {"whitelisted_data_fields": everything, "pagination": {"page_size": 100}}
    )
    for status in ("PENDING_REQUEST_REVIEW", "REQUEST_REVIEW_COMPLETED"):
        d.call("post", route, route, {"filters": {"aftersales_request_statuses": [status]}})
    order_ids = [line["main_order_id"] for r in requests[:3] for line in r.get("line_items", [])[:1]]
    if order_ids:
        d.call("post", route, route, {"filters": {"main_order_ids": order_ids, "return_types": ["REFUND"]}})
    d.call(
        "post",
        route,
        route,
        {"sort": {"sort_field": "UPDATE_TIME", "sort_order": "ASC"}, "pagination": {"page_size": 1}},
    )


NOT_FILLED.update(
    {
        "/return_refund/202603/aftersales/search": {
            "aftersales_requests[].sku_return_requests[].arbitration_status": (
                "no arbitration: a buyer cannot appeal a seller's decision"
            ),
            "aftersales_requests[].sku_return_requests[].combined_return_id": (
                "a return covers one order: returns are never combined"
            ),
        }
    }
)
NOT_APPLICABLE.update(
    {
        "/return_refund/202603/aftersales/search": {
            "aftersales_requests[].sku_return_requests[].reshipment_order_id": _UNSUPPORTED,
            **{
                f"aftersales_requests[].sku_return_requests[].exchange_order_lines[].{name}": _UNSUPPORTED
                for name in (
                    "order_line_id",
                    "sku_id",
                    "sku_name",
                    "product_name",
                    "seller_sku_name",
                    "product_image.url",
                    "product_image.width",
                    "product_image.height",
                    "price_detail.currency",
                    "price_detail.refund_total",
                    "price_detail.refund_subtotal",
                    "price_detail.refund_shipping_fee",
                    "price_detail.refund_tax",
                )
            },
        }
    }
)


@step
def redemption_info(d: Driver) -> None:
    """A voucher code with its PIN and how to redeem it, for the first line of an order awaiting
    shipment."""
    route = "/fulfillment/202601/redeem_info/callback"
    search = "/order/202309/orders/search"
    found = d.call("post", search, search, {"order_status": "AWAITING_SHIPMENT"}, page_size=1)
    for order in found.get("data", {}).get("orders", [])[:1]:
        redeem_info = {
            "redeem_type": "CODE_PIN",
            "redeem_data": '{"type": "CODE_PIN", "code": "12345", "pin": "abc"}',
            "redeem_instruction_info": '{"instruction_url": "https://example.com/redeem"}',
        }
        line = {
            "order_line_id": order["line_items"][0]["id"],
            "redeem_info": redeem_info,
            "source_unique_id": f"voucher-{order['id']}",
        }
        d.call("post", route, route, {"order_id": order["id"], "order_info_list": [line]})


@step
def return_merchandise_authorizations(d: Driver) -> None:
    """The RMAs of the returns other steps approved, with their line items and return requests; on
    the US shop, once: a bundle's return approved, shipped back and answered with a partial refund
    offer after the seller received it."""
    route = "/return_refund/202604/rma/search"
    fields = ["LINE_ITEMS", "SKU_RETURN_REQUESTS"]
    d.call("post", route, route, {"whitelisted_data_fields": fields, "pagination": {"page_size": 100}})
    d.call("post", route, route, {"pagination": {"page_size": 1}})
    client, app_key = _market_shops(d)[0]
    tenant = {"x-sandbox-tenant": app_key}
    state: dict[str, bool] = d.__dict__.setdefault("rma_bundle", {"done": False})
    if not state["done"]:
        found = _call_on(
            d, client, "post", "/order/202309/orders/search", {"order_status": "DELIVERED"}, page_size=100
        )
        for order in found.get("data", {}).get("orders", []):
            if not any(i["product_name"].endswith(_BUNDLE_NAMES) for i in order["line_items"]):
                continue
            asked = d.http.post(
                f"/sandbox/orders/{order['id']}/buyer-return",
                json={"type": "RETURN_AND_REFUND", "reason": "Arrived damaged"},
                headers=tenant,
            )
            if asked.status_code != 200:
                continue
            state["done"] = True
            edited = d.control(
                "post",
                f"/sandbox/orders/{order['id']}/buyer-return/edit",
                json={"type": "RETURN_AND_REFUND", "reason": "Missing parts or accessories"},
                headers=tenant,
            )
            return_id = edited["return_id"]
            client.call("POST", _APPROVE.format(return_id=return_id), body={})
            d.control("post", f"/sandbox/orders/{order['id']}/buyer-return/ship", headers=tenant)
            reasons = client.call(
                "GET", "/return_refund/202309/reject_reasons", params={"return_or_cancel_id": return_id}
            ).json()
            amount = (Decimal(order["payment"]["total_amount"]) / 2).quantize(Decimal("0.01"))
            body = {
                "decision": "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
                "reject_reason": reasons["data"]["reasons"][0]["name"],
                "partial_refund_amount": {
                    "partial_refund_total": str(amount),
                    "currency": order["payment"]["currency"],
                },
            }
            client.call("POST", f"/return_refund/202606/returns/{return_id}/reject", body=body)
            break
    _call_on(d, client, "post", route, {"whitelisted_data_fields": fields})


_RMA = "return_merchandise_authorizations[].sku_return_requests[]"
NOT_FILLED.update(
    {
        "/return_refund/202604/rma/search": {
            f"{_RMA}.arbitration_status": "no arbitration: a buyer cannot appeal a seller's decision",
            f"{_RMA}.combined_return_id": "a return covers one order: returns are never combined",
            f"{_RMA}.next_return_id": "a request edited into another is closed: it has no RMA",
            f"{_RMA}.seller_next_action_response[].deadline": (
                "an RMA's return awaits the buyer's shipment or the package's review: neither has a deadline"
            ),
        }
    }
)
NOT_APPLICABLE.update(
    {
        "/return_refund/202604/rma/search": {
            f"{_RMA}.reshipment_order_id": _UNSUPPORTED,
            **{
                f"{_RMA}.exchange_order_lines[].{leaf}": _UNSUPPORTED
                for leaf in (
                    "order_line_id",
                    "sku_id",
                    "sku_name",
                    "product_name",
                    "seller_sku_name",
                    "product_image.url",
                    "product_image.width",
                    "product_image.height",
                    "price_detail.currency",
                    "price_detail.refund_total",
                    "price_detail.refund_subtotal",
                    "price_detail.refund_shipping_fee",
                    "price_detail.refund_tax",
                )
            },
        }
    }
)


@step
def aftersales_review(d: Driver) -> None:
    """A pending request's whole approval, and a decision on a request that does not exist, which
    comes back in errors."""
    route, search = "/return_refund/202609/aftersales/review", "/return_refund/202603/aftersales/search"
    body = {
        "filters": {"aftersales_request_statuses": ["PENDING_REQUEST_REVIEW"]},
        "whitelisted_data_fields": ["LINE_ITEMS"],
        "pagination": {"page_size": 1},
    }
    decisions = []
    for request in d.call("post", search, search, body).get("data", {}).get("aftersales_requests", []):
        lines = [{"return_line_item_id": line["return_line_item_id"]} for line in request["line_items"]]
        decisions.append(
            {
                "request_id": request["id"],
                "line_item_decisions": [{"line_items": lines, "action": "APPROVE_REQUEST"}],
            }
        )
    unknown = [{"return_line_item_id": "1"}]
    decisions.append(
        {"request_id": "1", "line_item_decisions": [{"line_items": unknown, "action": "APPROVE_REQUEST"}]}
    )
    d.call("post", route, route, {"aftersales_request_decisions": decisions})


@step
def invoice_upload(d: Driver) -> None:
    """A BR shop uploads the NF-e of an order's package, and one for a package not of the shop (its
    refusal fills ``errors``); its orders, read again, show their invoice needs and the buyers' CPF."""
    import base64

    from sandbox.client import SignedClient
    from sandbox.domain.invoices import check_digit

    settings = {
        "name": "coverage-BR",
        "seed": 10,
        "region": "BR",
        "order_count": 40,
        "start": START.isoformat(),
    }
    client = SignedClient.for_tenant(d.http, d.control("post", "/sandbox/tenants", json=settings))
    search = "/order/202309/orders/search"
    body = {"order_status": "AWAITING_SHIPMENT"}
    found = client.post(search, body, params={"page_size": 2}).json().get("data", {}).get("orders", [])
    if found:
        order = found[0]
        first = "3526031234567800019555001000000001112345678"
        key = first + str(check_digit(first))
        nfe = "http://www.portalfiscal.inf.br/nfe"
        xml = f'<nfeProc xmlns="{nfe}"><NFe><infNFe Id="NFe{key}"/></NFe></nfeProc>'
        file = base64.b64encode(xml.encode()).decode()
        invoices = [
            {"package_id": package_id, "order_ids": [order["id"]], "file_type": "XML", "file": file}
            for package_id in (order["packages"][0]["id"], "115400000000000001")
        ]
        _call_on(d, client, "post", "/fulfillment/202502/invoice/upload", {"invoices": invoices})
    _call_on(d, client, "post", search, {}, page_size=50)
    ids = [o["id"] for o in found]
    if ids:
        for route in ("/order/202309/orders", "/order/202507/orders"):
            _call_on(d, client, "get", route, ids=ids)


# A Brazilian shop fills its orders' invoice needs and buyers' CPF.
for _route in ("/order/202309/orders/search", "/order/202507/orders"):
    NOT_APPLICABLE[_route] = {
        k: v
        for k, v in NOT_APPLICABLE[_route].items()
        if k not in ("orders[].need_upload_invoice", "orders[].cpf", "orders[].cpf_name")
    }


@step
def webhook_payloads(d: Driver) -> None:
    """Every sent webhook type subscribed (the outbox keeps the deliveries: no receiver needed); the
    seller deauthorizes and authorizes the app again at the first position, and the clock goes to
    the authorization's expiry window at the last; every delivered payload is kept by type."""
    loaded = {s["name"] for s in d.control("get", "/sandbox/scenarios")["scenarios"]}
    if "coverage-address-update" not in loaded:  # the first position
        for event_type in SENT_WEBHOOKS:
            d.call(
                "put",
                "/event/202309/webhooks",
                "/event/202309/webhooks",
                {"event_type": event_type, "address": "https://example.test/hooks"},
            )
        d.control(
            "post",
            "/sandbox/scenarios",
            content=_ADDRESS_SCENARIO.encode(),
            headers={"content-type": "application/yaml"},
        )
        d.advance("2m")
        for order_id in _order_ids(d, order_status="DELIVERED"):  # a buyer asks for a refund
            asked = d.http.post(f"/sandbox/orders/{order_id}/buyer-return", json={"type": "REFUND"})
            if asked.status_code < 300:  # the first order no earlier step has refunded
                break
        tenant = d.control("get", "/sandbox/tenants/default")
        d.control("post", f"/sandbox/tenants/{tenant['app_key']}/deauthorize")
        code = d.control("post", "/sandbox/auth-codes")["auth_code"]
        token = d.http.get(
            "/api/v2/token/get",
            params={
                "app_key": tenant["app_key"],
                "app_secret": tenant["app_secret"],
                "auth_code": code,
                "grant_type": "authorized_code",
            },
        ).json()
        d.tts.access_token = token["data"]["access_token"]
        d.refresh_token = token["data"]["refresh_token"]
    clock = d.control("get", "/sandbox/clock")
    started = datetime.fromisoformat(clock["started_at"])
    if datetime.fromisoformat(clock["now"]) - started >= _LAST_POSITION:
        expiry = datetime.fromtimestamp(token_expiry(d), UTC)
        d.control("post", "/sandbox/clock/advance", json={"to": (expiry - timedelta(days=29)).isoformat()})
    kept = {
        p["tts_notification_id"] for route, found in d.answers.items() if route[0] == "webhook" for p in found
    }
    for delivery in d.control("get", "/sandbox/webhooks/deliveries", params={"limit": 10000})["deliveries"]:
        payload = delivery["payload"]
        if payload["tts_notification_id"] not in kept:
            d.answers[_webhook_route(payload["type"])].append(payload)


def token_expiry(d: Driver) -> int:
    """The Unix time the tenant's current authorization (its newest refresh token) expires."""
    deadlines = d.control("get", "/sandbox/deadlines")["deadlines"]
    due = max(x["due"] for x in deadlines if x["rule"] == "refresh_token_expires")
    return int(datetime.fromisoformat(due).timestamp())


_RETURN_LABEL = "/return_refund/202405/returns/shipping_documents"


@step
def return_shipping_documents(d: Driver) -> None:
    """Once, on the first approved return awaiting the buyer's shipment: the seller gives the buyer
    its own return label (a tracking number, the order's carrier, a printed label)."""
    import time

    from sandbox.signing import sign

    state: dict[str, bool] = d.__dict__.setdefault("return_label", {"done": False})
    if state["done"]:
        return
    search = "/return_refund/202602/returns/search"
    waiting = d.call("post", search, search, {"return_status": ["AWAITING_BUYER_SHIP"]}, page_size=10)
    found = [
        r for r in waiting.get("data", {}).get("return_orders", []) if r["return_type"] == "RETURN_AND_REFUND"
    ]
    if not found:
        return
    state["done"] = True
    return_id, order_id = found[0]["return_id"], found[0]["order_id"]
    detail = d.call("get", "/order/202507/orders", "/order/202507/orders", ids=order_id)
    (order,) = detail["data"]["orders"]
    query = {"app_key": d.tts.app_key, "timestamp": str(int(time.time())), "shop_cipher": d.tts.shop_cipher}
    query["return_ids"] = return_id
    query["sign"] = sign(d.tts.app_secret, _RETURN_LABEL, query, b"", "multipart/form-data")
    form = {
        "tracking_number": (None, b"1Z999AA10123456784", "text/plain"),
        "return_provider_id": (None, str(order["shipping_provider_id"]).encode(), "text/plain"),
        "return_shipping_label": ("label.pdf", b"%PDF-1.4 return label", "application/pdf"),
    }
    headers = {"x-tts-access-token": d.tts.access_token}
    answer = d.http.post(_RETURN_LABEL, params=query, files=form, headers=headers).json()
    if answer.get("code") == 0:
        d.answers[("post", _RETURN_LABEL)].append(answer.get("data"))
    d.call("post", search, search, {"return_ids": [return_id]}, page_size=10)


def drive() -> Answers:
    """One world through its states: the bundled scenarios loaded, every step run at several clock
    positions (so orders are seen in every status, before and after their deadlines)."""
    import logging

    logging.getLogger("connexion").setLevel(logging.ERROR)  # its notes on multi-type bodies
    d = Driver()
    for name in (
        "three-failed-attempts.yaml",
        "buyer-cancellation.yaml",
        "happy-path.yaml",
        "return-to-seller-failed.yaml",
        "rejected-label.yaml",
    ):
        d.load(name)
    for advance in ("0s", "1d", "3d", "7d", "14d"):
        if advance != "0s":
            d.advance(advance)
            d.refresh()  # the access token lives a week of virtual time
        for fn in STEPS:
            fn(d)
    return d.answers


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every filled leaf path of a JSON value, in the reference's spelling (``a.b[].c``)."""
    if isinstance(value, dict):
        if not value and prefix:
            return
        for key, inner in value.items():
            yield from _paths(inner, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, prefix + "[]")
    elif _filled(value):
        yield prefix


def coverage(answers: Answers) -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    """For each served operation: (documented leaves, filled documented leaves)."""
    from bench.contract import served

    reference = operations()
    result = {}
    for op in served():
        key = (op.method, op.path)
        documented_op = reference.get(key)
        if key in NOT_IN_REFERENCE or documented_op is None or documented_op.data is None:
            continue
        skipped = set(NOT_APPLICABLE.get(op.path, {}))
        documented = set(documented_op.data.leaves()) - skipped - {""}
        seen: set[str] = set()
        for data in answers.get(key, []):
            seen.update(_paths(data))
        # A leaf documented as a free object is filled when anything under it is.
        filled = {leaf for leaf in documented if leaf in seen or any(s.startswith(leaf + ".") for s in seen)}
        result[key] = (documented, filled)
    return result


def webhook_coverage(answers: Answers) -> dict[int, tuple[set[str], set[str]]]:
    """For each sent webhook type: (documented payload leaves, those filled in some delivery)."""
    from bench.reference import webhook_models

    documented_models = webhook_models()
    result = {}
    for webhook_type in sorted(SENT_WEBHOOKS.values()):
        skipped = set(NOT_APPLICABLE_WEBHOOKS.get(webhook_type, {}))
        documented = set(documented_models[webhook_type].leaves()) - skipped
        seen: set[str] = set()
        for payload in answers.get(_webhook_route(webhook_type), []):
            seen.update(_paths(payload))
        filled = {leaf for leaf in documented if leaf in seen or any(s.startswith(leaf + ".") for s in seen)}
        result[webhook_type] = (documented, filled)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--missing", action="store_true", help="list every documented field never filled")
    args = parser.parse_args()
    answers = drive()
    table = coverage(answers)
    all_documented = sum(len(d) for d, _ in table.values())
    all_filled = sum(len(f) for _, f in table.values())
    for (method, path), (documented, filled) in table.items():
        share = len(filled) / len(documented) if documented else 1.0
        print(f"{method.upper():6} {path:75} {len(filled):4}/{len(documented):<4} {share:6.1%}")
        if args.missing:
            for leaf in sorted(documented - filled):
                reason = NOT_FILLED.get(path, {}).get(leaf, "no reason listed")
                print(f"         never filled: {leaf} ({reason})")
    print(f"overall {all_filled}/{all_documented} {all_filled / max(all_documented, 1):.1%}")
    print()
    names = {number: name for name, number in SENT_WEBHOOKS.items()}
    hooks = webhook_coverage(answers)
    for webhook_type, (documented, filled) in hooks.items():
        share = len(filled) / len(documented) if documented else 1.0
        label = f"webhook {webhook_type:>2} {names[webhook_type]}"
        print(f"{label:82} {len(filled):4}/{len(documented):<4} {share:6.1%}")
        if args.missing:
            for leaf in sorted(documented - filled):
                print(f"         never filled: {leaf}")
    hooks_documented = sum(len(d) for d, _ in hooks.values())
    hooks_filled = sum(len(f) for _, f in hooks.values())
    print(f"webhooks overall {hooks_filled}/{hooks_documented} {hooks_filled / max(hooks_documented, 1):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
