"""Many threads on one tenant at once leave its world consistent, and two tenants under load never
see each other's data.

The threads ship packages, search, advance the clock, raise tickets and load scenarios through the
app, each with its own client, all at once. Afterwards: every ship the sandbox acknowledged shows in
the package's state, each order's status history is an unbroken chain of legal moves that ends at
its current status, and the Seller Center's tab counts agree with the Open API's searches. The
assertions are about the world, never about timing; the work is bounded, so the test takes seconds.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import START

SHIPPERS = 4
ORDERS = 24
ROUNDS = 12

# The order lifecycle: an order only moves forward along it, or to CANCELLED; both ends are final.
LADDER = [
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
]
FINAL = {"COMPLETED", "CANCELLED"}
# Seller Center tabs and the Open API statuses they hold.
TABS = {
    "unpaid": ["UNPAID"],
    "processing": ["ON_HOLD"],
    "pending_shipping": ["AWAITING_SHIPMENT"],
    "shipped": ["AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED"],
    "completed": ["COMPLETED"],
    "canceled": ["CANCELLED"],
}


def _setup(name: str, seed: int) -> str:
    orders = "".join(f"  o{i}: {{status: AWAITING_SHIPMENT, shipping_type: TIKTOK}}\n" for i in range(ORDERS))
    setup = f"setup:\n  seed: {seed}\n  start: 2026-03-02T09:00:00Z\n  background_orders: 6\n"
    return f"scenario: {name}\n{setup}orders:\n{orders}"


class Load:
    """Runs workers at once, each with its own client, and collects what they saw go wrong."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.problems: list[str] = []
        self.lock = threading.Lock()
        self.start = threading.Barrier(1)
        self.workers: list[Callable[[Any], None]] = []

    def add(self, worker: Callable[[Any], None]) -> None:
        self.workers.append(worker)

    def check(self, response: Any, what: str) -> Any:
        """No answer under load may be a server error, whatever else it is."""
        body = (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        )
        if response.status_code >= 500 or (isinstance(body, dict) and body.get("code") == 36009003):
            with self.lock:
                self.problems.append(f"{what}: {response.status_code} {response.text[:200]}")
        return body

    def run(self) -> None:
        self.start = threading.Barrier(len(self.workers))

        def body(worker: Callable[[Any], None]) -> None:
            try:
                with self.sandbox.app.test_client() as http:
                    self.start.wait(timeout=30)
                    worker(http)
            except Exception as exc:  # pragma: no cover - reported below
                with self.lock:
                    self.problems.append(f"{worker.__name__}: {exc!r}")

        threads = [threading.Thread(target=body, args=(w,)) for w in self.workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a worker hung"
        assert not self.problems, self.problems


def _client(http: Any, credentials: dict[str, Any]) -> SignedClient:
    return SignedClient.for_tenant(http, credentials)


def _load_world(
    http: Any, name: str, tenant: str | None = None, seed: int = 42
) -> tuple[dict[str, Any], list[str]]:
    headers = {"content-type": "application/yaml", **({"X-Sandbox-Tenant": tenant} if tenant else {})}
    loaded = http.post("/sandbox/scenarios", content=_setup(name, seed).encode(), headers=headers)
    assert loaded.status_code == 201, loaded.text
    tenant_headers = {"X-Sandbox-Tenant": tenant} if tenant else {}
    credentials = http.get(f"/sandbox/tenants/{tenant}" if tenant else "/sandbox/tenants/default").json()
    report = http.get(f"/sandbox/scenarios/{name}", headers=tenant_headers).json()
    order_ids = [report["orders"][f"o{i}"]["order_id"] for i in range(ORDERS)]
    return credentials, order_ids


def _package_of(http: Any, order_id: str, tenant_headers: dict[str, str]) -> str:
    return str(http.get(f"/sandbox/orders/{order_id}", headers=tenant_headers).json()["package"]["id"])


def _all_orders(tts: SignedClient, **filters: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        params = {"page_size": 100, **({"page_token": token} if token else {})}
        data = tts.call("POST", "/order/202309/orders/search", params=params, body=filters).json()["data"]
        found += data["orders"]
        token = data.get("next_page_token") or ""
        if not token:
            return found


def _status_histories(http: Any, tenant_headers: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    events = http.get(
        "/sandbox/events", params={"kind": "order.status_changed", "limit": 10000}, headers=tenant_headers
    ).json()
    assert events["dropped"] == 0
    histories: dict[str, list[tuple[str, str]]] = {}
    for event in events["events"]:
        histories.setdefault(event["subject"], []).append((event["data"]["from"], event["data"]["to"]))
    return histories


def _legal(before: str, after: str) -> bool:
    if before in FINAL:
        return False
    if after == "CANCELLED":
        return True
    return before in LADDER and after in LADDER and LADDER.index(after) > LADDER.index(before)


def _assert_consistent(http: Any, tts: SignedClient, shipped: dict[str, str], tenant_headers: dict[str, str]):
    # No lost update: every acknowledged ship shows in the package.
    for package_id, order_id in shipped.items():
        package = tts.call("GET", f"/fulfillment/202309/packages/{package_id}").json()
        assert package["code"] == 0, package
        assert package["data"]["package_status"] != "TO_FULFILL", (
            package_id,
            package["data"]["package_status"],
        )
        assert order_id in {o["id"] for o in package["data"]["orders"]}
    orders = {o["id"]: o for o in _all_orders(tts)}
    for order_id in shipped.values():
        assert orders[order_id]["status"] != "AWAITING_SHIPMENT", order_id
    # Only legal transitions, in an unbroken chain that ends where the order stands now.
    for order_id, history in _status_histories(http, tenant_headers).items():
        if order_id not in orders:
            continue  # an order of a world a reset replaced
        for (_, after), (following, _) in pairwise(history):
            assert after == following, (order_id, history)
        for before, after in history:
            assert _legal(before, after), (order_id, history)
        assert history[-1][1] == orders[order_id]["status"], (order_id, history, orders[order_id]["status"])
    # Counts that add up: each Seller Center tab holds what the Open API's searches find.
    counts = http.get("/seller-center/orders/todo", headers=tenant_headers).json()["tab_counts"]
    by_status = Counter(o["status"] for o in orders.values())
    for tab, statuses in TABS.items():
        assert counts[tab] == sum(by_status[s] for s in statuses), (tab, counts, by_status)
        searched = sum(len(_all_orders(tts, order_status=s)) for s in statuses)
        assert counts[tab] == searched, (tab, counts[tab], searched)
    assert sum(counts[tab] for tab in TABS) == len(orders)


def test_many_threads_on_one_tenant_leave_its_world_consistent():
    sandbox = Sandbox(freeze_at=START)
    with sandbox.app.test_client() as http:
        credentials, order_ids = _load_world(http, "load")
        packages = {_package_of(http, order_id, {}): order_id for order_id in order_ids}
    shipped: dict[str, str] = {}
    load = Load(sandbox)
    package_list = sorted(packages)

    def shipper(index: int) -> Callable[[Any], None]:
        def ship(http: Any) -> None:
            tts = _client(http, credentials)
            # Every shipper tries every package: each must be shipped exactly once, whoever wins.
            for package_id in package_list[index::2] + package_list[(index + 1) % 2 :: 2]:
                body = load.check(
                    tts.call(
                        "POST",
                        f"/fulfillment/202309/packages/{package_id}/ship",
                        body={"handover_method": "DROP_OFF"},
                    ),
                    "ship",
                )
                if body.get("code") == 0:
                    with load.lock:
                        assert package_id not in shipped, f"{package_id} shipped twice"
                        shipped[package_id] = packages[package_id]

        ship.__name__ = f"shipper{index}"
        return ship

    def searcher(http: Any) -> None:
        tts = _client(http, credentials)
        for _ in range(ROUNDS):
            load.check(
                tts.call("POST", "/order/202309/orders/search", params={"page_size": 50}, body={}), "search"
            )
            load.check(http.get("/seller-center/orders", params={"tab": "shipped"}), "seller center")

    def clock(http: Any) -> None:
        for _ in range(ROUNDS // 2):
            load.check(http.post("/sandbox/clock/advance", json={"by": "2h"}), "advance")

    def tickets(http: Any) -> None:
        for order_id in order_ids[:ROUNDS]:
            form = [("order_id", (None, order_id)), ("category", (None, "DELIVERED_NOT_UPDATED"))]
            load.check(http.post("/seller-center/tickets", files=form), "ticket")

    def scenarios(http: Any) -> None:
        for i in range(ROUNDS // 2):
            text = f"scenario: extra{i}\norders:\n  x: {{status: UNPAID}}\n"
            response = http.post(
                "/sandbox/scenarios", content=text.encode(), headers={"content-type": "application/yaml"}
            )
            load.check(response, "scenario")
            assert response.status_code == 201, response.text

    for index in range(SHIPPERS):
        load.add(shipper(index))
    for worker in (searcher, clock, tickets, scenarios):
        load.add(worker)
    load.run()

    assert len(shipped) == ORDERS  # every package shipped, once
    with sandbox.app.test_client() as http:
        tts = _client(http, credentials)
        _assert_consistent(http, tts, shipped, {})
        # The scenario loads all landed: their orders are there, unpaid.
        report_orders = [
            http.get(f"/sandbox/scenarios/extra{i}").json()["orders"]["x"]["order_id"]
            for i in range(ROUNDS // 2)
        ]
        statuses = {o["id"]: o["status"] for o in _all_orders(tts)}
        assert all(statuses[order_id] == "UNPAID" for order_id in report_orders)


def test_two_tenants_under_load_never_see_each_others_data():
    sandbox = Sandbox(freeze_at=START)
    with sandbox.app.test_client() as http:
        created = http.post("/sandbox/tenants", json={"name": "other", "seed": 7})
        assert created.status_code == 201, created.text
        other_key = created.json()["app_key"]
        mine, my_orders = _load_world(http, "mine")
        theirs, their_orders = _load_world(http, "theirs", tenant=other_key, seed=7)
        my_packages = [_package_of(http, o, {}) for o in my_orders]
        their_packages = [_package_of(http, o, {"X-Sandbox-Tenant": other_key}) for o in their_orders]
    assert not set(my_orders) & set(their_orders)
    load = Load(sandbox)
    seen: dict[str, set[str]] = {"mine": set(), "theirs": set()}

    def worker(name: str, credentials: dict[str, Any], packages: list[str], foreign: list[str]) -> Any:
        def work(http: Any) -> None:
            tts = _client(http, credentials)
            for package_id, foreign_id in zip(packages, foreign, strict=True):
                ship = f"/fulfillment/202309/packages/{package_id}/ship"
                load.check(tts.call("POST", ship, body={"handover_method": "DROP_OFF"}), "ship")
                # The other tenant's package is not found with these credentials, nor shippable.
                answer = load.check(tts.call("GET", f"/fulfillment/202309/packages/{foreign_id}"), "peek")
                assert answer["code"] != 0, answer
                stolen = tts.call(
                    "POST",
                    f"/fulfillment/202309/packages/{foreign_id}/ship",
                    body={"handover_method": "DROP_OFF"},
                )
                assert load.check(stolen, "steal")["code"] != 0
                found = load.check(
                    tts.call("POST", "/order/202309/orders/search", params={"page_size": 100}, body={}),
                    "search",
                )
                with load.lock:
                    seen[name].update(o["id"] for o in found["data"]["orders"])

        work.__name__ = name
        return work

    for _ in range(2):
        load.add(worker("mine", mine, my_packages, their_packages))
        load.add(worker("theirs", theirs, their_packages, my_packages))
    load.run()

    assert set(my_orders) <= seen["mine"] and not seen["mine"] & set(their_orders)
    assert set(their_orders) <= seen["theirs"] and not seen["theirs"] & set(my_orders)
    with sandbox.app.test_client() as http:
        # Each tenant's packages were shipped by its own workers, and only those.
        for credentials, packages, orders, headers in (
            (mine, my_packages, my_orders, {}),
            (theirs, their_packages, their_orders, {"X-Sandbox-Tenant": other_key}),
        ):
            tts = _client(http, credentials)
            _assert_consistent(http, tts, dict(zip(packages, orders, strict=True)), headers)
