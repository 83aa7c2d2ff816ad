"""The seller's own return label (202405 shipping_documents): the tracking number and carrier the
buyer ships an approved return on, seen through both returns searches."""

from __future__ import annotations

import time
from typing import Any

from sandbox.signing import sign
from tests.helpers import data, envelope

PATH = "/return_refund/202405/returns/shipping_documents"
RETURNS = "/return_refund/202309/returns"
USPS, UPS = "6617675021119438849", "6617675021119438850"


def delivered(tts: Any, index: int = 0) -> dict[str, Any]:
    body = tts.post("/order/202309/orders/search", {"order_status": "DELIVERED"}, params={"page_size": 50})
    return dict(body.json()["data"]["orders"][index])


def request(http: Any, order_id: str, **body: Any) -> dict[str, Any]:
    """The buyer asks for a return (the control plane plays the buyer)."""
    response = http.post(f"/sandbox/orders/{order_id}/buyer-return", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def buyer(http: Any, order_id: str, action: str) -> dict[str, Any]:
    response = http.post(f"/sandbox/orders/{order_id}/buyer-return/{action}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def the_return(tts: Any, return_id: str) -> dict[str, Any]:
    """The return as the 202309 search shows it."""
    answer = data(tts.post(f"{RETURNS}/search", {"return_ids": [return_id]}, params={"page_size": 10}))
    (record,) = answer["return_orders"]
    return dict(record)


def upload(tts: Any, return_ids: list[str], files: dict[str, Any], **query: str) -> Any:
    """A signed multipart call (the body is left out of the signature), as the SDK sends it."""
    params: dict[str, Any] = {"app_key": tts.app_key, "timestamp": str(int(time.time()))}
    params.update(shop_cipher=tts.shop_cipher, **query)
    signed = {**params, "return_ids": ",".join(return_ids)}
    params["sign"] = sign(tts.app_secret, PATH, signed, b"", "multipart/form-data")
    params["return_ids"] = ",".join(return_ids)
    return tts.http.post(PATH, params=params, files=files, headers={"x-tts-access-token": tts.access_token})


def fields(tracking: str, provider: str, **extra: Any) -> dict[str, Any]:
    return {
        "tracking_number": (None, tracking.encode(), "text/plain"),
        "return_provider_id": (None, provider.encode(), "text/plain"),
        **extra,
    }


def approved_return(tts: Any, http: Any, index: int = 0) -> tuple[str, str]:
    order = delivered(tts, index)
    return_id = request(http, order["id"], type="RETURN_AND_REFUND", reason="Wrong size")["return_id"]
    assert data(tts.post(f"{RETURNS}/{return_id}/approve", {})) == {}
    return order["id"], return_id


def the_return_202602(tts: Any, return_id: str) -> dict[str, Any]:
    answer = data(
        tts.post(
            "/return_refund/202602/returns/search", {"return_ids": [return_id]}, params={"page_size": 10}
        )
    )
    (record,) = answer["return_orders"]
    return dict(record)


def test_the_buyer_ships_the_return_on_the_sellers_label(tts, http):
    order_id, return_id = approved_return(tts, http)
    label = {"return_shipping_label": ("label.pdf", b"%PDF-1.4 label", "application/pdf")}
    assert data(upload(tts, [return_id], fields("1Z999AA10123456784", UPS, **label))) == {}

    waiting = the_return_202602(tts, return_id)
    assert waiting["return_status"] == "AWAITING_BUYER_SHIP"
    assert waiting["return_tracking_number"] == "1Z999AA10123456784"
    assert (waiting["return_provider_id"], waiting["return_provider_name"]) == (UPS, "UPS")
    assert waiting["return_method"] == "SELLER_SHIPPED"
    assert waiting["return_shipping_document_type"] == "SHIPPING_LABEL"
    assert the_return(tts, return_id)["return_tracking_number"] == "1Z999AA10123456784"

    shipped = buyer(http, order_id, "ship")
    assert shipped["return_status"] == "BUYER_SHIPPED_ITEM"
    assert shipped["return_tracking_number"] == "1Z999AA10123456784"
    after = the_return_202602(tts, return_id)
    assert after["return_status"] == "BUYER_SHIPPED_ITEM" and after["return_provider_name"] == "UPS"


def test_a_qr_code_for_returns_named_by_their_line_items(tts, http):
    _, return_id = approved_return(tts, http)
    line_id = the_return_202602(tts, return_id)["return_line_items"][0]["return_line_item_id"]
    qr = {"return_qr_code": ("qr.png", b"\x89PNG qr", "image/png")}
    answer = upload(
        tts, [line_id], fields("9405500000000000000001", USPS, **qr), return_id_type="SKU_RETURN_ORDER"
    )
    assert data(answer) == {}
    record = the_return_202602(tts, return_id)
    assert record["return_shipping_document_type"] == "QR_CODE" and record["return_provider_name"] == "USPS"


def test_bad_input_is_refused_and_changes_nothing(tts, http):
    _, good = approved_return(tts, http, 0)
    pending_order = delivered(tts, 1)
    pending = request(http, pending_order["id"], type="RETURN_AND_REFUND", reason="Wrong size")["return_id"]

    assert envelope(upload(tts, ["4999999999999999999"], fields("T1", USPS)))["code"] == 25007201
    assert envelope(upload(tts, [good, pending], fields("T2", USPS)))["code"] == 25007202
    assert envelope(upload(tts, [good], fields("T3", "123")))["code"] == 25007210
    missing = upload(tts, [good], {"tracking_number": (None, b"T4", "text/plain")})
    assert envelope(missing)["code"] == 36009004  # no return_provider_id
    for record in (the_return_202602(tts, good), the_return_202602(tts, pending)):
        assert "return_tracking_number" not in record and record.get("return_method") != "SELLER_SHIPPED"
