"""What tests in several folders share: fixed instants, envelope readers, the common client moves,
and servers on a free port.

The one module tests import besides the package itself: no test imports another test module or
``conftest``. Heavy imports (the app, uvicorn, pypdf) happen inside the helpers that need them, so
the domain tests, which use none of them, start without loading the web stack.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.app import Sandbox
    from sandbox.client import SignedClient
    from sandbox.world import World

ROOT = Path(__file__).resolve().parent.parent

# Every test world starts frozen at a fixed instant: tests never depend on the wall clock.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def seeded_world(orders: int, *, seed: int = 7, shop_id: str = "7494000000000000001") -> World:
    """A shop's world on its own, without a sandbox around it: seeded, frozen at START."""
    from sandbox.tenants import _profile
    from sandbox.world import World

    profile = _profile(
        seed,
        "US",
        orders,
        shop_id=shop_id,
        cipher="ROW_test",
        access_token="TTP_access",
        refresh_token="TTP_refresh",
        name="Test shop",
        start=START,
        frozen=True,
    )
    return World(profile)


FREEZE = "2026-03-02T09:00:00Z"  # START, as the command line takes it


# --- Envelopes ----------------------------------------------------------------------------------


def ok(response: Any) -> dict[str, Any]:
    """The ``data`` of a successful envelope, failing the test with the envelope otherwise."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0, body
    assert body["message"] == "Success"
    return dict(body["data"])


def error_code(response: Any) -> int:
    """The code of an error envelope, which carries nothing but code, message and request id."""
    body = response.json()
    assert set(body) == {"code", "message", "request_id"}, body
    assert body["code"] != 0
    return int(body["code"])


def envelope(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def data(response: Any) -> dict[str, Any]:
    body = envelope(response)
    assert body["code"] == 0, body
    return dict(body.get("data", {}))


# --- Orders, tracking and tokens over the Open API ---------------------------------------------


def first_order(tts: SignedClient, **filters: Any) -> dict[str, Any]:
    body = tts.post("/order/202309/orders/search", filters, params={"page_size": 100}).json()
    assert body["code"] == 0, body
    return dict(body["data"]["orders"][0])


def seller_provider(tts: Any) -> str:
    """A carrier a seller who ships with their own may name."""
    warehouse = data(tts.get("/logistics/202309/warehouses"))["warehouses"][0]["id"]
    options = data(tts.get(f"/logistics/202309/warehouses/{warehouse}/delivery_options"))["delivery_options"]
    option = next(o for o in options if o["type"] == "SEND_BY_SELLER")
    providers = data(tts.get(f"/logistics/202309/delivery_options/{option['id']}/shipping_providers"))
    return str(providers["shipping_providers"][0]["id"])


def status_of(tts: SignedClient, order_id: str) -> str:
    return str(data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]["status"])


def tracking(tts: SignedClient, order_id: str, version: str = "fulfillment/202309") -> list[dict[str, Any]]:
    return list(data(tts.get(f"/{version}/orders/{order_id}/tracking"))["tracking"])


def carrier_events(http: Any, tracking_number: str) -> list[dict[str, Any]]:
    """The fake carrier's own events for a parcel, oldest first."""
    response = http.get(f"/carrier/v1/tracking/{tracking_number}")
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def refresh(tts: SignedClient, http: Any) -> None:
    """Refresh the access token as a real client does once a week of virtual time has passed."""
    answer = http.get(
        "/api/v2/token/refresh",
        params={
            "app_key": tts.app_key,
            "app_secret": tts.app_secret,
            "refresh_token": "TTP_sandbox_refresh_token",
            "grant_type": "refresh_token",
        },
    ).json()
    assert answer["code"] == 0, answer
    tts.access_token = answer["data"]["access_token"]


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


# A proof-of-delivery picture: a PNG header that says 640 x 480.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR"
    + (640).to_bytes(4, "big")
    + (480).to_bytes(4, "big")
    + b"\x08\x02\x00\x00\x00"
    + b"\x00" * 20
)


def upload(
    tts: SignedClient, path: str, content: bytes, name: str = "pod.png", content_type: str = "image/png"
) -> Any:
    """A signed multipart upload: the body of a multipart request is not part of the signature."""
    from sandbox.signing import sign

    query = {"app_key": tts.app_key, "timestamp": str(int(time.time())), "shop_cipher": tts.shop_cipher}
    query["sign"] = sign(tts.app_secret, path, query, b"", "multipart/form-data")
    return tts.http.post(
        path,
        params=query,
        files={"data": (name, content, content_type)},
        headers={"x-tts-access-token": tts.access_token},
    )


# --- Scenarios and the clock over the control plane --------------------------------------------


def load(http: Any, text: str, source: str = "<test>", tenant: str | None = None) -> Any:
    headers = {"content-type": "application/yaml"}
    if tenant:
        headers["X-Sandbox-Tenant"] = tenant
    return http.post("/sandbox/scenarios", params={"source": source}, content=text.encode(), headers=headers)


def advance(http: Any, by: str) -> dict[str, Any]:
    response = http.post("/sandbox/clock/advance", json={"by": by})
    assert response.status_code == 200, response.text
    return dict(response.json())


def report(http: Any, name: str) -> dict[str, Any]:
    response = http.get(f"/sandbox/scenarios/{name}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def order(tts: SignedClient, order_id: str) -> dict[str, Any]:
    body = tts.get("/order/202309/orders", params={"ids": [order_id]}).json()
    assert body["code"] == 0, body
    return dict(body["data"]["orders"][0])


def expectation_statuses(rep: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["status"] for e in rep["expectations"]}


# --- Logistics tickets in the Seller Center -----------------------------------------------------

DELIVERED_NOT_UPDATED = "Delivered but logistics not updated"
EVIDENCE_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

_DELIVERED_NOT_UPDATED_SCENARIO = """scenario: tickets
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
steps:
  - when: {event: package.shipped, order: parcel}
    do: [{hold_status_update: {order: parcel, milestone: delivered, for: 10d}}]
"""


def raise_ticket(http: Any, order_id: str | None = None, files: Any = (), **fields: Any) -> Any:
    """The New Ticket page: a multipart form, with evidence files if any."""
    form = [(k, (None, v)) for k, v in {"order_id": order_id, **fields}.items() if v is not None]
    form += [("evidence", f) for f in files]
    return http.post("/seller-center/tickets", files=form or [("description", (None, ""))])


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return dict(response.json())


def seller_center_row(http: Any, order_id: str) -> dict[str, Any]:
    [found] = http.get("/seller-center/orders", params={"search": order_id}).json()["orders"]
    return dict(found)


def delivered_not_updated() -> tuple[Any, SignedClient, str]:
    """A world whose parcel was delivered two days ago while the platform still shows it in transit."""
    from sandbox.app import Sandbox
    from sandbox.client import SignedClient

    http = Sandbox().app.test_client()
    http.__enter__()
    assert load(http, _DELIVERED_NOT_UPDATED_SCENARIO).status_code == 201
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    order_id = report(http, "tickets")["orders"]["parcel"]["order_id"]
    package_id = http.get(f"/sandbox/orders/{order_id}").json()["package"]["id"]
    data(tts.post(f"/fulfillment/202309/packages/{package_id}/ship", {"handover_method": "DROP_OFF"}))
    advance(http, "2d6h")
    assert seller_center_row(http, order_id)["logistics_issue_tags"] == [DELIVERED_NOT_UPDATED]
    return http, tts, order_id


# --- Servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`tts-sandbox serve` in a child process on a free port, until it answers its health check."""
    import httpx

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30  # generous: only guards against a hung start
        while True:
            try:
                if httpx.get(f"{base}/sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            if time.monotonic() > deadline:  # a hung start, not a speed target
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def cli(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *args], check=True, capture_output=True, text=True
    ).stdout


class Server:
    """A sandbox served by uvicorn on a free localhost port, in a thread of the test process."""

    def __init__(self, sandbox: Sandbox):
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(sandbox.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:  # a hung start, not a speed target
                raise RuntimeError("the server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


NOT_IN_MARKET = 21011116  # the operation does not apply to the shop's market


def market_shop(http: Any, region: str, seed: int = 7) -> SignedClient:
    """A signed client of a new tenant whose shop is in ``region``, with 60 orders, frozen at START."""
    from sandbox.client import SignedClient

    settings = {"seed": seed, "region": region, "order_count": 60, "start": START.isoformat(), "frozen": True}
    return SignedClient.for_tenant(http, http.post("/sandbox/tenants", json=settings).json())


def awaiting_shipment(tts: SignedClient, shipping_type: str = "TIKTOK") -> list[str]:
    body = {"order_status": "AWAITING_SHIPMENT", "shipping_type": shipping_type}
    return [
        o["id"]
        for o in data(tts.post("/order/202309/orders/search", body, params={"page_size": 50}))["orders"]
    ]


def drop_off(tts: SignedClient, order_id: str) -> None:
    """Arrange the shipment of the order's package by drop-off: its label is created."""
    detail = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
    data(
        tts.post(
            f"/fulfillment/202309/packages/{detail['packages'][0]['id']}/ship",
            {"handover_method": "DROP_OFF"},
        )
    )


def delivered(tts: SignedClient, index: int = 0) -> dict[str, Any]:
    """One of the delivered orders (the buyer may ask for a return)."""
    body = tts.post("/order/202309/orders/search", {"order_status": "DELIVERED"}, params={"page_size": 50})
    return dict(body.json()["data"]["orders"][index])


def buyer_return(http: Any, order_id: str, **body: Any) -> dict[str, Any]:
    """The buyer asks for a return or a refund of the order (the control plane's buyer)."""
    response = http.post(f"/sandbox/orders/{order_id}/buyer-return", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def returns(tts: SignedClient, version: str = "202309", **filters: Any) -> list[dict[str, Any]]:
    """Every return the returns search of ``version`` finds with ``filters``."""
    answer = data(tts.post(f"/return_refund/{version}/returns/search", filters, params={"page_size": 50}))
    assert answer["total_count"] == len(answer["return_orders"])
    return list(answer["return_orders"])
