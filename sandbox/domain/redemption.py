"""Redemption information of virtual goods (Submit Redemption Information, fulfillment 202601): the
seller hands the platform, per order line, the voucher the buyer redeems (a code, a URL, or a code
with its PIN) and how to redeem it; the platform fulfils the line by mailing it to the buyer.

The whole request is refused for an order not of the shop (``ORDER_NOT_IN_SHOP``), not paid
yet (``REDEEM_ORDER_NOT_PAID``) or cancelled (``ORDER_NOT_SHIPPABLE``), and for a line named twice;
any other failure is the line's own: it answers a non-zero ``status_code`` and the other lines are
kept ("For partial failure usage, if some of order line id in the request fail, it will be recorded
with a none zero status_code").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from sandbox import fakes
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import Order, OrderStatus, find_for_fulfillment

# Submit Redemption Information: "Order line items for which to submit redemption information."
# (no market named): every market of the sandbox.
REDEMPTION_MARKETS = frozenset(fakes.REGIONS)

# The reference's redeem_type: "'CODE' - type code, 'URL' - type url, 'CODE_PIN' - type pin and code".
REDEEM_TYPES = ("CODE", "URL", "CODE_PIN")
# "Set the redeem data to this field with the maximum number of characters 1200."
REDEEM_DATA_MAX = 1200


@dataclass(frozen=True)
class Redemption:
    """What the seller submitted for an order line, and when."""

    order_id: str
    order_line_id: str
    redeem_type: str
    redeem_data: str
    redeem_instruction_info: str
    source_unique_id: str
    submitted_at: datetime

    def same_details(self, other: Redemption) -> bool:
        return (self.redeem_type, self.redeem_data, self.redeem_instruction_info) == (
            other.redeem_type,
            other.redeem_data,
            other.redeem_instruction_info,
        )


@dataclass(frozen=True)
class RedeemEntry:
    """One entry of the request's order_info_list."""

    order_line_id: str
    redeem_type: str
    redeem_data: str
    redeem_instruction_info: str
    source_unique_id: str


def _web_url(text: object) -> bool:
    if not isinstance(text, str):
        return False
    parsed = urlparse(text)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _data_fits(entry: RedeemEntry) -> bool:
    """Whether the redeem data is what its type says: a code, a web address, or the JSON object
    {"type": "CODE_PIN", "code": ..., "pin": ...}."""
    data = entry.redeem_data.strip()
    if not data or len(entry.redeem_data) > REDEEM_DATA_MAX:
        return False
    if entry.redeem_type == "CODE":
        return True
    if entry.redeem_type == "URL":
        return _web_url(data)
    try:
        parsed = json.loads(data)
    except ValueError:
        return False
    return (
        isinstance(parsed, dict)
        and parsed.get("type") == "CODE_PIN"
        and all(isinstance(parsed.get(key), str) and parsed[key] for key in ("code", "pin"))
    )


def _instruction_fits(text: str) -> bool:
    """Absent, or a JSON object whose instruction_url (when given) is a web address."""
    if not text:
        return True
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return isinstance(parsed, dict) and (
        "instruction_url" not in parsed or _web_url(parsed["instruction_url"])
    )


def check_order(orders: Mapping[str, Order], order_id: str, entries: list[RedeemEntry]) -> Order:
    """The order the request names, refused whole when it cannot take redemption information."""
    order = find_for_fulfillment(orders, order_id)
    if order.status is OrderStatus.UNPAID:
        raise RuleViolation(f"order {order.id} is not paid yet", code=Code.REDEEM_ORDER_NOT_PAID)
    if order.status is OrderStatus.CANCELLED:
        raise RuleViolation(f"order {order.id} is cancelled", code=Code.ORDER_NOT_SHIPPABLE)
    seen: set[str] = set()
    for entry in entries:
        if entry.order_line_id in seen:
            raise RuleViolation(f"order {order.id}: order line {entry.order_line_id} is named twice")
        seen.add(entry.order_line_id)
    return order


def submit(
    redemptions: dict[str, tuple[Redemption, ...]],
    orders: Mapping[str, Order],
    order_id: str,
    entries: list[RedeemEntry],
    now: datetime,
) -> list[tuple[str, int]]:
    """Keep each line's redemption (the newest in force, the earlier ones after it in
    ``redemptions[line]``); answers each line's status code, 0 for kept. A submission again with a
    source_unique_id the line already has, and the same details, is the same submission: kept once.
    The same source_unique_id with other details is refused (``REDEEM_SOURCE_ID_REUSED``)."""
    order = check_order(orders, order_id, entries)
    lines = {item.id for item in order.line_items}
    statuses: list[tuple[str, int]] = []
    for entry in entries:
        code = 0
        given = Redemption(
            order.id,
            entry.order_line_id,
            entry.redeem_type,
            entry.redeem_data,
            entry.redeem_instruction_info,
            entry.source_unique_id,
            now,
        )
        history = redemptions.get(entry.order_line_id, ())
        earlier = next(
            (r for r in history if entry.source_unique_id and r.source_unique_id == entry.source_unique_id),
            None,
        )
        if entry.order_line_id not in lines:
            code = int(Code.LINE_ITEM_NOT_IN_ORDER)
        elif entry.redeem_type not in REDEEM_TYPES or not _data_fits(entry):
            code = int(Code.REDEEM_DATA_INVALID)
        elif not _instruction_fits(entry.redeem_instruction_info):
            code = int(Code.REDEEM_INSTRUCTION_INVALID)
        elif earlier is not None:
            if not earlier.same_details(given):
                code = int(Code.REDEEM_SOURCE_ID_REUSED)
        else:
            redemptions[entry.order_line_id] = (given, *history)
        statuses.append((entry.order_line_id, code))
    return statuses
