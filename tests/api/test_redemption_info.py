"""Submit Redemption Information (fulfillment 202601): the seller's voucher for each line of an
order is kept in the world, line by line, with each line's status code."""

from __future__ import annotations

import json
from typing import Any

from sandbox.client import SignedClient
from tests.helpers import data, error_code, first_order

CALLBACK = "/fulfillment/202601/redeem_info/callback"


def lines_of(tts: SignedClient, status: str) -> tuple[str, list[str]]:
    order = first_order(tts, order_status=status)
    return order["id"], [item["id"] for item in order["line_items"]]


def entry(line_id: str, redeem_type: str, redeem_data: str, **extra: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"redeem_type": redeem_type, "redeem_data": redeem_data}
    if "instruction" in extra:
        info["redeem_instruction_info"] = extra.pop("instruction")
    return {"order_line_id": line_id, "redeem_info": info, **extra}


def submit(tts: SignedClient, order_id: str, *entries: dict[str, Any]) -> dict[int, int]:
    found = data(tts.post(CALLBACK, {"order_id": order_id, "order_info_list": list(entries)}))
    return {i: s["status_code"] for i, s in enumerate(found["order_statuses"])}


def test_each_line_keeps_its_voucher_and_a_resubmission_is_kept_once(tts, sandbox):
    order_id, lines = lines_of(tts, "AWAITING_SHIPMENT")
    other_id, other_lines = lines_of(tts, "DELIVERED")
    pin = json.dumps({"type": "CODE_PIN", "code": "12345", "pin": "abc"})
    instruction = json.dumps({"instruction_url": "https://example.com/redeem"})
    body = {
        "order_id": order_id,
        "order_info_list": [
            entry(lines[0], "CODE_PIN", pin, instruction=instruction, source_unique_id="voucher-1"),
            entry(other_lines[0], "CODE", "abc12344"),
        ],
    }
    answer = data(tts.post(CALLBACK, body))
    assert answer == {
        "order_statuses": [
            {"order_line_id": lines[0], "status_code": 0},
            {"order_line_id": other_lines[0], "status_code": 21011114},
        ]
    }
    records = sandbox.tenant().world.market_records.redemptions
    [kept] = records[lines[0]]
    assert (kept.order_id, kept.redeem_type, kept.redeem_data) == (order_id, "CODE_PIN", pin)
    assert kept.redeem_instruction_info == instruction and kept.source_unique_id == "voucher-1"
    assert other_lines[0] not in records and other_id != order_id

    # The same submission again: the same answer, nothing added.
    assert data(tts.post(CALLBACK, body))["order_statuses"][0]["status_code"] == 0
    assert len(sandbox.tenant().world.market_records.redemptions[lines[0]]) == 1
    # The same source_unique_id with another code is refused; a new one takes over the line.
    assert submit(tts, order_id, entry(lines[0], "CODE", "other", source_unique_id="voucher-1")) == {
        0: 21011152
    }
    assert submit(
        tts, order_id, entry(lines[0], "URL", "https://shop.example/v/9", source_unique_id="v-2")
    ) == {0: 0}
    newest, earlier = sandbox.tenant().world.market_records.redemptions[lines[0]]
    assert (newest.redeem_type, newest.redeem_data) == ("URL", "https://shop.example/v/9")
    assert earlier == kept


def test_redeem_data_must_fit_its_type_line_by_line(tts, sandbox):
    order_id, lines = lines_of(tts, "AWAITING_SHIPMENT")
    line = lines[0]
    cases = [
        entry(line, "URL", "not a url"),
        entry(line, "CODE_PIN", json.dumps({"type": "CODE_PIN", "code": "1"})),
        entry(line, "CODE", "   "),
        entry(line, "VOUCHER", "abc"),
        {"order_line_id": line, "redeem_info": {"redeem_type": "CODE"}},
    ]
    for case in cases:
        assert submit(tts, order_id, case) == {0: 21011150}, case
    for instruction in ("not json", json.dumps({"instruction_url": "ftp://x"}), "[1]"):
        assert submit(tts, order_id, entry(line, "CODE", "abc", instruction=instruction)) == {0: 21011151}
    assert line not in sandbox.tenant().world.market_records.redemptions


def test_a_refused_request_keeps_nothing(tts, sandbox):
    order_id, lines = lines_of(tts, "AWAITING_SHIPMENT")
    unpaid_id, unpaid_lines = lines_of(tts, "UNPAID")
    cancelled_id, cancelled_lines = lines_of(tts, "CANCELLED")
    cases = [
        ("123456789", [entry(lines[0], "CODE", "abc")], 21008111),
        (unpaid_id, [entry(unpaid_lines[0], "CODE", "abc")], 21011153),
        (cancelled_id, [entry(cancelled_lines[0], "CODE", "abc")], 21011103),
        (order_id, [entry(lines[0], "CODE", "abc"), entry(lines[0], "CODE", "def")], 36009004),
        (order_id, [], 36009004),
    ]
    for order, entries, code in cases:
        response = tts.post(CALLBACK, {"order_id": order, "order_info_list": entries})
        assert error_code(response) == code, (order, entries)
    assert sandbox.tenant().world.market_records.redemptions == {}
