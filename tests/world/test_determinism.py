"""Same seed, same start, same calls: the same bytes."""

from __future__ import annotations

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import START

SEARCH = "/order/202309/orders/search"


def run(seed: int) -> list[bytes]:
    sandbox = Sandbox(seed=seed, freeze_at=START)
    pages = []
    with sandbox.app.test_client() as http:
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        token = ""
        while True:
            params = {"page_size": 15, **({"page_token": token} if token else {})}
            response = tts.post(SEARCH, {}, params=params)
            pages.append(response.content)
            token = response.json()["data"]["next_page_token"]
            if not token:
                break
        http.post("/sandbox/clock/advance", json={"by": "2h"})
        pages.append(
            tts.post(SEARCH, {"order_status": "AWAITING_SHIPMENT"}, params={"page_size": 100}).content
        )
    return pages


def test_same_seed_gives_byte_identical_responses():
    assert run(42) == run(42)


def test_another_seed_gives_another_shop():
    assert run(42)[0] != run(43)[0]
