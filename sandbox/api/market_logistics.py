"""Logistics operations served in some markets only (``sandbox/domain/markets.py``,
``sandbox/domain/shipping_templates.py``): the shop's shipping templates, whether one exists for a
warehouse and which can carry a product of some weight and size."""

from __future__ import annotations

from typing import Any

from sandbox.domain import shipping_templates
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def check_shipping_template_existence(biz_warehouse_id: str, **_: Any) -> dict[str, Any]:
    # shop_id is accepted: the shop is the one shop_cipher names.
    with current().world.session() as world:
        exists = world.shipping_template_exists(str(biz_warehouse_id))
        return success(world.next_request_id(), {"template_exist": exists})


def get_shipping_template_availability(body: Any = None, **_: Any) -> dict[str, Any]:
    """A GET with a JSON body, as the platform documents it."""
    product = (json_object(body) if body else {}).get("product_attribute") or {}
    weight = product.get("weight") or {}
    size = product.get("dimension") or {}
    grams = shipping_templates.GRAMS_PER_UNIT
    cms = shipping_templates.CM_PER_UNIT
    weight_g = shipping_templates.measure(weight.get("weight"), weight.get("unit", 1), grams, "weight")
    sides = tuple(
        shipping_templates.measure(size.get(side), size.get("unit", 1), cms, side)
        for side in ("length", "width", "height")
    )
    with current().world.session() as world:
        found = world.shipping_template_availability(weight_g, (sides[0], sides[1], sides[2]))
        templates = []
        for a in found:
            t = a.template
            entry: dict[str, Any] = {
                "template_is_available": not a.unreachable,
                "template": {
                    "template_name": t.name,
                    "template_id": t.id,
                    "is_default": t.is_default,
                    "template_party": t.party,
                },
            }
            if a.unreachable:
                reasons = [{"filter_type": kind, "reason": why} for kind, why in a.unreachable]
                entry["service_unreachable_reason"] = [{"service_id": t.service_id, "filter_reason": reasons}]
            templates.append(entry)
        return success(world.next_request_id(), {"templates": templates})
