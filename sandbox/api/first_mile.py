"""First-mile bundles (fulfillment 202407 ``bundles`` and 202510 ``first_mile_bundle``): several
orders' parcels sent to the TikTok Shop warehouse in one bundle. Both versions take the same body
and answer the same way (``sandbox/domain/first_mile.py``)."""

from __future__ import annotations

from typing import Any

from sandbox.documents import BUNDLE_WAYBILL, document_link
from sandbox.domain.first_mile import BundleRequest
from sandbox.domain.packages import HandoverMethod
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def create_first_mile_bundle(body: Any, **_: Any) -> dict[str, Any]:
    raw = json_object(body)
    request = BundleRequest(
        order_ids=list(raw["order_ids"]),
        handover_method=HandoverMethod(raw["handover_method"]),
        shipping_provider_id=raw.get("shipping_provider_id", ""),
        tracking_number=raw.get("tracking_number", ""),
        phone_tail_number=raw.get("phone_tail_number", ""),
    )
    ctx = current()
    with ctx.world.session() as world:
        bundle, refused = world.create_first_mile_bundle(request)
        answer: dict[str, Any] = {}
        if bundle is not None:
            answer["first_mile_bundle_id"] = bundle.id
            now = world.now()
            answer["url"] = document_link(ctx.base_url, ctx.tenant, bundle.id, BUNDLE_WAYBILL, "A5", now)
        if refused:
            answer["errors"] = [
                {"code": exc.code, "message": exc.message, "detail": {"order_id": order_id}}
                for order_id, exc in refused
            ]
        return success(world.next_request_id(), answer)


def create_first_mile_bundle_202510(body: Any, **_: Any) -> dict[str, Any]:
    return create_first_mile_bundle(body)
