"""Conditions on a client's call (an expectation's or a trigger's `request`): path, query and body
fields against literals, refs and operators; a list's items reached by `[]`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sandbox.journal import JournalEntry
from sandbox.scenarios.conditions import hold
from sandbox.scenarios.model import Condition, Ref

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
BODY = {
    "handover_method": "DROP_OFF",
    "weight": {"value": "31000", "unit": "GRAM"},
    "line_items": [{"id": "11", "quantity": 1}, {"id": "12", "quantity": 3}],
    "gift": False,
}


def call(**body: object) -> JournalEntry:
    return JournalEntry(
        seq=1,
        at=AT,
        wall=AT,
        operation="ship_package",
        method="POST",
        path="/fulfillment/202309/packages/1001/ship",
        query={"page_size": "20", "shop_cipher": "c"},
        body=json.dumps({**BODY, **body}),
        status=200,
        code=0,
        path_params={"package_id": "1001"},
    )


def resolve(kind: str, name: str) -> list[str]:
    return {("package", "parcel"): ["1001", "1002"], ("order", "parcel"): ["576"]}.get((kind, name), [])


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        (Condition("path.package_id", "equals", "1001"), True),
        (Condition("path.package_id", "equals", Ref("package", "parcel")), True),  # one of its packages
        (Condition("path.package_id", "equals", Ref("order", "parcel")), False),
        (Condition("path.package_id", "not", Ref("event", "package_id")), False),  # the refused one
        (Condition("query.page_size", "gte", 20), True),
        (Condition("query.page_size", "gt", 20), False),
        (Condition("body.weight.value", "gt", 30000), True),
        (Condition("body.weight.value", "lte", 30000), False),
        (Condition("body.handover_method", "in", ("PICKUP", "DROP_OFF")), True),
        (Condition("body.handover_method", "not_in", ("PICKUP", "DROP_OFF")), False),
        (Condition("body.line_items[].id", "equals", "12"), True),  # one item of the list
        (Condition("body.line_items[].quantity", "gte", 3), True),
        (Condition("body.line_items[].id", "not", "13"), True),  # none of them
        (Condition("body.line_items[].id", "not", "12"), False),
        (Condition("body.gift", "equals", False), True),
        (Condition("body.tracking_number", "exists", False), True),
        (Condition("body.tracking_number", "equals", "X"), False),
        (Condition("body.tracking_number", "not", "X"), True),  # a field absent is not the value
        (Condition("body.weight.unit", "lt", 5), False),  # not a number: no ordering holds
    ],
)
def test_a_condition_on_the_call(condition: Condition, holds: bool):
    assert hold([condition], call(), resolve, {"package_id": "1001"}) is holds


def test_every_condition_must_hold_and_a_body_that_is_not_json_has_no_fields():
    both = [Condition("path.package_id", "equals", "1001"), Condition("body.gift", "equals", True)]
    assert not hold(both, call(), resolve, None)
    assert hold(both[:1], call(), resolve, None)
    broken = JournalEntry(
        seq=2,
        at=AT,
        wall=AT,
        operation="x",
        method="POST",
        path="/",
        query={},
        body="{not json",
        status=200,
        code=0,
    )
    assert hold([Condition("body.a", "exists", False)], broken, resolve, None)
    assert not hold([Condition("body.a", "equals", "1")], broken, resolve, None)
