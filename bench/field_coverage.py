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
NOT_APPLICABLE_ORDERS: dict[str, dict[str, str]] = {}
NOT_APPLICABLE_FULFILLMENT: dict[str, dict[str, str]] = {}
NOT_APPLICABLE_RETURNS: dict[str, dict[str, str]] = {}
# Documented webhook payload fields that cannot apply, by webhook type and leaf path, with the reason.
NOT_APPLICABLE_WEBHOOKS: dict[int, dict[str, str]] = {}
NOT_APPLICABLE: dict[str, dict[str, str]] = {
    **NOT_APPLICABLE_ORDERS,
    **NOT_APPLICABLE_FULFILLMENT,
    **NOT_APPLICABLE_RETURNS,
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
        self.tts = SignedClient.for_tenant(self.http, self.http.get("/sandbox/tenants/default").json())
        self.answers: Answers = defaultdict(list)

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


TRACKING = ("/fulfillment/202309/orders/{order_id}/tracking", "/logistics/202604/orders/{order_id}/tracking")


@step
def packages_and_logistics(d: Driver) -> None:
    found = d.call(
        "post", "/fulfillment/202309/packages/search", "/fulfillment/202309/packages/search", {}, page_size=50
    )
    for package in found.get("data", {}).get("packages", [])[:20]:
        route = "/fulfillment/202309/packages/{package_id}"
        d.call("get", route, route.format(package_id=package["id"]))
        slots = "/fulfillment/202309/packages/{package_id}/handover_time_slots"
        d.call("get", slots, slots.format(package_id=package["id"]))
    for order_id in (
        _order_ids(d, order_status="IN_TRANSIT")[:5] + _order_ids(d, order_status="DELIVERED")[:5]
    ):
        for route in (
            "/fulfillment/202309/orders/{order_id}/tracking",
            "/logistics/202604/orders/{order_id}/tracking",
        ):
            d.call("get", route, route.format(order_id=order_id))
    warehouses = d.call("get", "/logistics/202309/warehouses", "/logistics/202309/warehouses")
    for warehouse in warehouses.get("data", {}).get("warehouses", []):
        route = "/logistics/202309/warehouses/{warehouse_id}/delivery_options"
        options = d.call("get", route, route.format(warehouse_id=warehouse["id"]))
        for option in options.get("data", {}).get("delivery_options", []):
            route = "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers"
            d.call("get", route, route.format(delivery_option_id=option["id"]))


@step
def returns_and_cancellations(d: Driver) -> None:
    for version in ("202602",):
        d.call(
            "post",
            f"/return_refund/{version}/cancellations/search",
            f"/return_refund/{version}/cancellations/search",
            {},
            page_size=50,
        )
        found = d.call(
            "post",
            f"/return_refund/{version}/returns/search",
            f"/return_refund/{version}/returns/search",
            {},
            page_size=50,
        )
        for ret in found.get("data", {}).get("return_orders", [])[:10]:
            route = "/return_refund/202309/returns/{return_id}/records"
            d.call("get", route, route.format(return_id=ret["return_id"]))
    for order_id in _order_ids(d, order_status="DELIVERED")[:5] + _order_ids(d, order_status="COMPLETED")[:5]:
        route = "/return_refund/202602/orders/{order_id}/aftersale_eligibility"
        d.call("get", route, route.format(order_id=order_id))
    d.call("get", "/return_refund/202309/reject_reasons", "/return_refund/202309/reject_reasons")


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
        for order_id in _order_ids(d, order_status="DELIVERED")[:1]:  # a buyer asks for a refund
            d.control("post", f"/sandbox/orders/{order_id}/buyer-return", json={"type": "REFUND"})
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
                print(f"         never filled: {leaf}")
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
