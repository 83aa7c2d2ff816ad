"""Signed webhooks: subscriptions, deliveries in order, retries on the virtual clock, redelivery,
and a dispatcher that never makes an API request wait for a receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from sandbox.dispatcher import Answer, Dispatcher
from sandbox.inprocess import InProcessSandbox
from tests.helpers import ROOT, advance, data, load

WEBHOOKS = "/event/202309/webhooks"


class Receiver:
    """A real HTTP receiver on localhost that answers with the statuses it is told to."""

    def __init__(self, statuses=(), delay: float = 0.0):
        self.statuses = list(statuses)
        self.delay = delay
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tiktok/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self):
        return [json.loads(body) for _, body in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=(), delay=0.0):
        made.append(Receiver(statuses, delay))
        return made[-1]

    yield make
    for r in made:
        r.close()


def subscribe(tts, address, *event_types):
    for event_type in event_types:
        assert data(tts.call("PUT", WEBHOOKS, body={"address": address, "event_type": event_type})) == {}


def signed(http):
    return SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())


def seller_cancels_an_order(http, address):
    """Subscribe to cancellations, then cancel an order awaiting shipment: one notification."""
    tts = signed(http)
    subscribe(tts, address, "CANCELLATION_STATUS_CHANGE")
    search = tts.post(
        "/order/202309/orders/search", {"order_status": "AWAITING_SHIPMENT"}, params={"page_size": 1}
    )
    order = data(search)["orders"][0]["id"]
    data(
        tts.post("/return_refund/202309/cancellations", {"order_id": order, "cancel_reason": "Out of stock"})
    )


def dispatch(http):
    return http.post("/sandbox/webhooks/dispatch").json()["attempted"]


def deliveries(http, **params):
    return http.get("/sandbox/webhooks/deliveries", params=params).json()["deliveries"]


def test_a_receiver_gets_an_orders_whole_life_signed_and_in_order(receiver):
    hook = receiver()
    with Sandbox().app.test_client() as http:
        credentials = http.get("/sandbox/tenants/default").json()
        tts = signed(http)
        subscribe(tts, hook.url, "ORDER_STATUS_CHANGE", "PACKAGE_UPDATE")
        listed = data(tts.get(WEBHOOKS))
        assert {(w["event_type"], w["address"]) for w in listed["webhooks"]} == {
            ("ORDER_STATUS_CHANGE", hook.url),
            ("PACKAGE_UPDATE", hook.url),
        }
        mug = load(http, (ROOT / "scenarios/happy-path.yaml").read_text()).json()["orders"]["mug"]["order_id"]
        advance(http, "2h")  # paid at 10 min, out of the remorse window an hour later
        package = data(tts.get("/order/202309/orders", params={"ids": [mug]}))["orders"][0]["packages"][0][
            "id"
        ]
        data(tts.post(f"/fulfillment/202309/packages/{package}/ship", {}))
        for _ in range(12):
            advance(http, "1d")
            assert dispatch(http) >= 0
        dispatch(http)

    def order_ids(payload):  # a package update names its packages' orders, the others their order
        if payload["type"] == 4:
            return {o for package in payload["data"]["package_list"] for o in package["order_id_list"]}
        return {payload["data"]["order_id"]}

    mine = [(h, p) for (h, _), p in zip(hook.received, hook.payloads(), strict=True) if mug in order_ids(p)]
    for headers, body in hook.received:  # the reference recipe: HMAC-SHA256(app_secret, app_key + body)
        expected = hmac.new(
            credentials["app_secret"].encode(), credentials["app_key"].encode() + body, hashlib.sha256
        ).hexdigest()
        assert headers["Authorization"] == expected
        assert headers["Content-Type"] == "application/json"
    statuses = [p["data"]["order_status"] for _, p in mine if p["type"] == 1]
    assert statuses == [
        "ON_HOLD",
        "AWAITING_SHIPMENT",
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
        "COMPLETED",
    ]
    package_updates = [p for _, p in mine if p["type"] == 4]
    assert [[pk["package_id"] for pk in p["data"]["package_list"]] for p in package_updates] == [[package]]
    assert all(p["data"]["package_list"][0]["order_id_list"] == [mug] for p in package_updates)
    stamps = [p["timestamp"] for _, p in mine]
    assert stamps == sorted(stamps)  # in the order things happened
    first = mine[0][1]
    assert set(first) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"}
    assert first["shop_id"] == credentials["shop"]["id"]
    assert first["data"]["update_time"] == first["timestamp"] == 1772442600  # paid at 09:10
    assert len({p["tts_notification_id"] for p in hook.payloads()}) == len(hook.received)  # no duplicates


def test_a_receiver_failing_twice_gets_the_retries_at_the_right_virtual_times(receiver):
    hook = receiver(statuses=[500, 503])
    with Sandbox(freeze_at="2026-03-02T09:00:00Z").app.test_client() as http:
        seller_cancels_an_order(http, hook.url)
        assert dispatch(http) == 1  # at 09:00, answered 500
        advance(http, "1m59s")
        assert dispatch(http) == 0  # the first retry is due two minutes after the first attempt
        advance(http, "1s")
        assert dispatch(http) == 1  # 09:02, answered 503
        advance(http, "29m59s")
        assert dispatch(http) == 0
        advance(http, "1s")
        assert dispatch(http) == 1  # 09:32, answered 200
        advance(http, "1d")
        assert dispatch(http) == 0  # delivered: nothing more
        [delivery] = deliveries(http)
    assert delivery["state"] == "DELIVERED" and delivery["event_type"] == "CANCELLATION_STATUS_CHANGE"
    assert [(a["due"], a["status_code"]) for a in delivery["attempts"]] == [
        ("2026-03-02T09:00:00Z", 500),
        ("2026-03-02T09:02:00Z", 503),
        ("2026-03-02T09:32:00Z", 200),
    ]
    assert all(a["latency_ms"] >= 0 and a["response"] == "ok" for a in delivery["attempts"])
    bodies = {body for _, body in hook.received}
    assert len(hook.received) == 3 and len(bodies) == 1  # the same notification each time
    payload = hook.payloads()[0]
    assert payload["type"] == 11 and payload["data"]["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert payload["data"]["cancellations_role"] == "SELLER"


def test_after_the_last_retry_the_platform_gives_up_and_a_redelivery_is_one_attempt(receiver):
    hook = receiver(statuses=[500] * 6)
    with Sandbox(freeze_at="2026-03-02T09:00:00Z").app.test_client() as http:
        seller_cancels_an_order(http, hook.url)
        [pending] = deliveries(http)
        too_early = http.post(f"/sandbox/webhooks/deliveries/{pending['id']}/redeliver")
        assert too_early.status_code == 409 and too_early.json()["error"]["type"] == "delivery_pending"
        for by in ("0s", "2m", "30m", "3h", "12h", "1d"):
            advance(http, by)
            dispatch(http)
        [given_up] = deliveries(http)
        assert given_up["state"] == "FAILED" and given_up["next_attempt_due"] is None
        assert [a["due"][11:16] for a in given_up["attempts"]] == [
            "09:00",
            "09:02",
            "09:32",
            "12:32",
            "00:32",
        ]
        again = http.post(f"/sandbox/webhooks/deliveries/{given_up['id']}/redeliver").json()
        assert again["state"] == "PENDING"
        assert dispatch(http) == 1 and dispatch(http) == 0
        [after] = deliveries(http)
        assert after["state"] == "FAILED" and len(after["attempts"]) == 6  # one more, then no retries
        unknown = http.post("/sandbox/webhooks/deliveries/123/redeliver")
        assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "unknown_delivery"


def test_a_slow_receiver_times_out_and_never_blocks_api_requests(monkeypatch, receiver):
    import sandbox.dispatcher as dispatcher_module

    monkeypatch.setattr(dispatcher_module, "RECEIVER_TIMEOUT_SECONDS", 0.2)
    hook = receiver(delay=0.5)
    sandbox = Sandbox(freeze_at="2026-03-02T09:00:00Z")
    with sandbox.app.test_client() as http:
        tts = signed(http)
        subscribe(tts, hook.url, "ORDER_STATUS_CHANGE")
        advance(http, "1d")  # orders move on: deliveries wait in the outbox
        release = threading.Event()
        started = threading.Event()
        hung_up: list[bool] = []

        def send(address, headers, body):
            started.set()
            release.wait(30)  # a receiver that hangs until told otherwise
            hung_up.append(True)
            return Answer(200)

        hung = Dispatcher(sandbox.tenants.all, send=send)
        worker = threading.Thread(target=hung.run_due)
        worker.start()
        assert started.wait(30)
        assert data(tts.post("/order/202309/orders/search", {}, params={"page_size": 5}))["total_count"] > 0
        assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
        assert hung_up == []  # both answered while the receiver still hangs
        release.set()
        worker.join(5)
        # The real sender gives up on a receiver that does not answer within the timeout.
        advance(http, "1d")
        dispatch(http)
        timed_out = [
            d for d in deliveries(http) if d["attempts"] and d["attempts"][-1]["status_code"] is None
        ]
        assert timed_out and "no answer within 0.2 s" in timed_out[0]["attempts"][-1]["error"]


def test_the_server_dispatcher_thread_delivers_without_being_asked(receiver):
    hook = receiver()
    sandbox = Sandbox(freeze_at="2026-03-02T09:00:00Z")
    with sandbox.app.test_client() as http:
        subscribe(signed(http), hook.url, "ORDER_STATUS_CHANGE")
        advance(http, "1d")
        sandbox.dispatcher.start(interval=0.01)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(d["state"] == "PENDING" for d in deliveries(http)):
                time.sleep(0.02)
        finally:
            sandbox.dispatcher.stop()
        sent = deliveries(http)
    assert sent and all(d["state"] == "DELIVERED" for d in sent)
    assert len(hook.received) == len(sent)


def test_subscriptions_survive_a_reset_and_the_outbox_does_not():
    with Sandbox(freeze_at="2026-03-02T09:00:00Z").app.test_client() as http:
        tts = signed(http)
        subscribe(tts, "http://127.0.0.1:9/hook", "ORDER_STATUS_CHANGE")
        advance(http, "1d")
        before = deliveries(http)
        assert any(d["event_time"] > "2026-03-02T09:00:00Z" for d in before)
        assert http.post("/sandbox/reset").status_code == 200
        # The rebuilt world starts again at 09:00: only what happens at its first instant is sent.
        after = deliveries(http)
        assert all(d["event_time"] <= "2026-03-02T09:00:00Z" and d["state"] == "PENDING" for d in after)
        assert not {d["id"] for d in after} & {
            d["id"] for d in before if d["event_time"] > "2026-03-02T09:00:00Z"
        }
        assert [w["event_type"] for w in data(tts.get(WEBHOOKS))["webhooks"]] == ["ORDER_STATUS_CHANGE"]


def test_unsubscribing_and_bad_subscriptions():
    with Sandbox(freeze_at="2026-03-02T09:00:00Z").app.test_client() as http:
        tts = signed(http)
        subscribe(tts, "http://127.0.0.1:9/a", "PACKAGE_UPDATE")
        subscribe(tts, "http://127.0.0.1:9/b", "PACKAGE_UPDATE")  # replaces the address
        assert [w["address"] for w in data(tts.get(WEBHOOKS))["webhooks"]] == ["http://127.0.0.1:9/b"]
        assert data(tts.call("DELETE", WEBHOOKS, body={"event_type": "PACKAGE_UPDATE"})) == {}
        assert data(tts.get(WEBHOOKS)) == {"webhooks": [], "total_count": 0}
        for body in (
            {"address": "ftp://example.com/x", "event_type": "PACKAGE_UPDATE"},
            {"address": "http://127.0.0.1:9/a", "event_type": "TRACKING_UPDATE"},
            {"address": 7, "event_type": "PACKAGE_UPDATE"},
        ):
            answer = tts.call("PUT", WEBHOOKS, body=body).json()
            assert answer["code"] == 36009004, answer
        gone = tts.call("DELETE", WEBHOOKS, body={"event_type": "PACKAGE_UPDATE"}).json()
        assert gone["code"] == 36009004 and "no webhook" in gone["message"]
        assert data(tts.get(WEBHOOKS))["total_count"] == 0  # nothing half-applied


def test_other_tenants_events_stay_with_them():
    with Sandbox(freeze_at="2026-03-02T09:00:00Z").app.test_client() as http:
        subscribe(signed(http), "http://127.0.0.1:9/hook", "ORDER_STATUS_CHANGE")
        other = http.post("/sandbox/tenants", json={"order_count": 20}).json()
        advance(http, "1d")
        http.post("/sandbox/clock/advance", json={"by": "1d"}, headers={"X-Sandbox-Tenant": other["app_key"]})
        mine = deliveries(http)
        theirs = http.get(
            "/sandbox/webhooks/deliveries", headers={"X-Sandbox-Tenant": other["app_key"]}
        ).json()
        assert mine and theirs["deliveries"] == []
        default_shop = http.get("/sandbox/tenants/default").json()["shop"]["id"]
        assert {d["payload"]["shop_id"] for d in mine} == {default_shop}


def test_in_process_deliveries_are_captured_and_answered_without_a_socket():
    with InProcessSandbox(freeze_at="2026-03-02T09:00:00Z") as tts:
        client = tts.client()
        buyer_order = data(
            client.post("/order/202309/orders/search", {"order_status": "DELIVERED"}, params={"page_size": 1})
        )["orders"][0]["id"]
        subscribe(client, "https://erp.example.com/tiktok/webhooks", "RETURN_STATUS_CHANGE")
        asked = tts.http.post(f"/sandbox/orders/{buyer_order}/buyer-return", json={"type": "REFUND"})
        assert asked.status_code == 200
        [captured] = tts.webhook_deliveries(event_type="RETURN_STATUS_CHANGE")
        assert captured["state"] == "PENDING" and captured["payload"]["type"] == 12
        assert captured["payload"]["data"]["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
        seen = []
        assert tts.deliver_webhooks(lambda headers, body: seen.append(json.loads(body)) or 200) == 1
        assert seen == [captured["payload"]]
        assert tts.webhook_deliveries()[0]["state"] == "DELIVERED"


def test_same_world_same_notifications():
    def run():
        with Sandbox(freeze_at="2026-03-02T09:00:00Z").app.test_client() as http:
            subscribe(signed(http), "http://127.0.0.1:9/hook", "ORDER_STATUS_CHANGE", "PACKAGE_UPDATE")
            load(http, (ROOT / "scenarios/three-failed-attempts.yaml").read_text())
            advance(http, "10d")
            return [(d["id"], d["payload"]) for d in deliveries(http)]

    first = run()
    assert first and first == run()
