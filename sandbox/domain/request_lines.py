"""The IDs of a cancellation's or return's line items, and of the bundle parts under them.

Each is derived from the request's ID and the order line's (or the bundle part's) ID, so the same
request shows the same IDs on every call and in every process, and an ID a client sends back (the
202609 review names return line items) leads to its order line again."""

from __future__ import annotations

import random
from collections.abc import Iterator

from sandbox.domain import order_details as details
from sandbox.domain.orders import LineItem


def derived_id(*seed: str, lead: str = "4", count: int = 18) -> str:
    """A numeric ID of ``count`` digits, the same for the same seed (a generator of its own, so the
    world's draws are untouched)."""
    rng = random.Random(":".join(seed))
    return lead + "".join(str(rng.randrange(10)) for _ in range(count - len(lead)))


def line_item_id(record_id: str, order_line_item_id: str, prefix: str) -> str:
    """The ID of a cancellation's or return's line item (``prefix`` "cancel" or "return")."""
    return derived_id(record_id, order_line_item_id, f"{prefix}_line_item")


def sub_line_item_id(record_id: str, sub_order_line_item_id: str, prefix: str) -> str:
    """The ID of a part of a virtual bundle's line under a cancellation's or return's line item."""
    return derived_id(record_id, sub_order_line_item_id, f"{prefix}_sub_line_item")


def sub_line_item_ids(record_id: str, item: LineItem, prefix: str) -> Iterator[str]:
    """The IDs of the bundle parts under the request's line item of ``item`` (none for an
    ordinary SKU)."""
    for index in range(len(details.bundle_parts(item))):
        yield sub_line_item_id(record_id, details.sub_item_id(item, index), prefix)
