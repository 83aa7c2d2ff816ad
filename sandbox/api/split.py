"""Splitting an order into several packages (fulfillment 202309): whether it can be split, and
the split itself."""

from __future__ import annotations

from typing import Any

from sandbox.domain import split
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def get_split_attributes(order_ids: list[str], **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        verdicts = world.split_attributes(list(dict.fromkeys(order_ids)))
        found = []
        for order, reason in verdicts:
            entry: dict[str, Any] = {"order_id": order.id, "can_split": not reason, "must_split": False}
            if reason:
                entry["reason"] = reason
            found.append(entry)
        return success(world.next_request_id(), {"split_attributes": found})


def _groups(request: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The groups as either version of the body names them: ``splittable_groups`` with line item
    IDs, or ``splittable_groups_v2`` with ``order_line_list``."""
    first = [(g["id"], list(g["order_line_item_ids"])) for g in request.get("splittable_groups") or []]
    second = [
        (g["id"], [line["order_line_id"] for line in g["order_line_list"]])
        for g in request.get("splittable_groups_v2") or []
    ]
    return split.named_groups(first, second)


def confirm_order_split(order_id: str, body: Any, **_: Any) -> dict[str, Any]:
    groups = _groups(json_object(body))
    with current().world.session() as world:
        made = world.split_order(order_id, groups)
        packages = [{"splittable_group_id": group_id, "id": package.id} for group_id, package in made]
        return success(world.next_request_id(), {"packages": packages})
