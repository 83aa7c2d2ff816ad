"""The seller's own return label (202405 shipping_documents): the tracking number and carrier a
buyer ships an approved return on, with the printed label or QR code."""

from __future__ import annotations

from typing import Any

from sandbox.domain import request_lines
from sandbox.domain.aftersales import ReturnDocument
from sandbox.http.context import current
from sandbox.http.envelope import success


def _listed(value: Any) -> list[str]:
    """A query array, sent comma-joined or repeated."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _sent(upload: Any) -> bool:
    return upload is not None and upload != ""


def _return_of_line(world: Any, line_id: str) -> str:
    """The return a return line item ID (SKU_RETURN_ORDER) belongs to; an unknown ID stays itself,
    to be refused as not found."""
    for record in world.returns.values():
        for item_id in record.line_item_ids:
            if request_lines.line_item_id(record.id, item_id, "return") == line_id:
                return str(record.id)
    return line_id


def upload_return_shipping_information(
    return_ids: Any = None,
    return_id_type: str = "RMA",
    body: Any = None,
    return_shipping_label: Any = None,
    return_qr_code: Any = None,
    **_: Any,
) -> dict[str, Any]:
    form = body if isinstance(body, dict) else {}  # the multipart's text fields; its files come apart
    ids = _listed(return_ids)
    document = (
        ReturnDocument.SHIPPING_LABEL
        if _sent(return_shipping_label)
        else ReturnDocument.QR_CODE
        if _sent(return_qr_code)
        else None
    )
    with current().world.session() as world:
        if return_id_type == "SKU_RETURN_ORDER":
            ids = [_return_of_line(world, i) for i in ids]
        world.provide_return_shipping(
            ids, str(form.get("tracking_number", "")), str(form.get("return_provider_id", "")), document
        )
        return success(world.next_request_id(), {})
