from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from sandbox.client import SignedClient


def first_order(tts: SignedClient, **filters: Any) -> dict[str, Any]:
    body = tts.post("/order/202309/orders/search", filters, params={"page_size": 100}).json()
    assert body["code"] == 0, body
    return dict(body["data"]["orders"][0])


def envelope(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def data(response: Any) -> dict[str, Any]:
    body = envelope(response)
    assert body["code"] == 0, body
    return dict(body.get("data", {}))


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def status_of(tts: SignedClient, order_id: str) -> str:
    return str(data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]["status"])


def tracking(tts: SignedClient, order_id: str, version: str = "fulfillment/202309") -> list[dict[str, Any]]:
    return list(data(tts.get(f"/{version}/orders/{order_id}/tracking"))["tracking"])


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
