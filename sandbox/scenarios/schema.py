"""The scenario format as a JSON Schema, built from the action registry.

``scenarios/schema.json`` is this schema written out (``python -m sandbox.scenarios.schema``); a test
keeps the file and the code in step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sandbox.domain.events import EVENT_KINDS
from sandbox.domain.orders import OrderStatus, ShippingType
from sandbox.fakes import REGIONS
from sandbox.scenarios.actions import ACTIONS

DURATION_PATTERN = r"^(?=\d)(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
# Statuses a scenario can declare an order in (later capabilities add shipped ones).
DECLARABLE_STATUSES = (OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT)
SCHEMA_PATH = Path(__file__).resolve().parent.parent.parent / "scenarios" / "schema.json"


def _duration(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": DURATION_PATTERN, "description": description}


def _operations(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 10},
        ],
    }


_SCALAR = {"type": ["string", "number", "boolean"]}
_REF = {
    "type": "object",
    "description": "A declared order's ID, one of its package IDs or tracking numbers, or a field "
    "of the event that armed the expectation.",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "order": {"type": "string"},
        "package": {"type": "string"},
        "tracking_number": {"type": "string"},
        "event": {"type": "string"},
    },
    "additionalProperties": False,
}
_VALUE = {"anyOf": [_SCALAR, _REF]}
_CONDITION = {
    "description": "A literal or a ref (the field equals it), or one operator with its value.",
    "anyOf": [
        _SCALAR,
        _REF,
        {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "equals": _VALUE,
                "not": _VALUE,
                "in": {"type": "array", "items": _VALUE, "minItems": 1, "maxItems": 100},
                "not_in": {"type": "array", "items": _VALUE, "minItems": 1, "maxItems": 100},
                "lt": {"type": "number"},
                "lte": {"type": "number"},
                "gt": {"type": "number"},
                "gte": {"type": "number"},
                "exists": {"type": "boolean"},
            },
        },
    ],
}
_REQUEST = {
    "type": "object",
    "description": "Conditions on the call: path.NAME, query.NAME or body.a.b (a list's items: "
    "body.items[].id) -> a condition. Every one must hold.",
    "maxProperties": 20,
    "propertyNames": {"pattern": r"^(path|query|body)\.[A-Za-z0-9_\-\[\].]+$"},
    "additionalProperties": _CONDITION,
}


def _trigger(description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "additionalProperties": {"type": ["string", "number", "boolean"]},
        "properties": {
            "event": {"enum": sorted(EVENT_KINDS), "description": "A domain event kind."},
            "client_calls": {
                "type": "string",
                "description": "An Open API operation name, e.g. get_order_detail.",
            },
            "order": {"type": "string", "description": "Only about this declared order."},
            "step": {"type": "string", "description": "A step of this scenario, by its name, when it runs."},
            "request": {**_REQUEST, "description": "Only calls that meet these conditions (client_calls)."},
        },
        "oneOf": [{"required": ["event"]}, {"required": ["client_calls"]}, {"required": ["step"]}],
    }


def build_schema() -> dict[str, Any]:
    action_item = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "description": "One action: its name as the only key, its arguments as the value.",
        "propertyNames": {"enum": sorted(ACTIONS)},
        "properties": {
            name: {**action.args, "description": action.summary} for name, action in sorted(ACTIONS.items())
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tiktok-shop-sandbox.local/scenario.schema.json",
        "title": "tiktok-shop-sandbox scenario",
        "type": "object",
        "required": ["scenario"],
        "additionalProperties": False,
        "properties": {
            "scenario": {"type": "string", "pattern": NAME_PATTERN, "description": "The scenario's name."},
            "description": {"type": "string"},
            "until": _duration("How long the scenario lasts; `never` expectations pass when it ends."),
            "setup": {
                "type": "object",
                "additionalProperties": False,
                "description": "A fresh world for this scenario (replaces the tenant's world).",
                "properties": {
                    "start": {"type": "string", "description": "ISO 8601 start instant (default: now)."},
                    "frozen": {"type": "boolean", "default": True},
                    "seed": {"type": "integer", "default": 42},
                    "region": {"enum": list(REGIONS), "default": "US"},
                    "background_orders": {"type": "integer", "minimum": 0, "maximum": 20000, "default": 0},
                },
            },
            "orders": {
                "type": "object",
                "description": "Named orders placed in the shop when the scenario loads.",
                "maxProperties": 1000,
                "propertyNames": {"pattern": NAME_PATTERN},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["status"],
                    "properties": {
                        "status": {"enum": [s.value for s in DECLARABLE_STATUSES]},
                        "shipping_type": {"enum": [t.value for t in ShippingType]},
                        "age": _duration("Placed this long before the scenario starts."),
                        "line_items": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 50,
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "product_name": {"type": "string", "minLength": 1},
                                    "sku_name": {"type": "string"},
                                    "seller_sku": {"type": "string"},
                                    "price": {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"},
                                    "quantity": {
                                        "type": "integer",
                                        "minimum": 1,
                                        "maximum": 20,
                                        "default": 1,
                                    },
                                },
                            },
                        },
                        "buyer": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                key: {"type": "string"}
                                for key in (
                                    "account",
                                    "name",
                                    "phone_number",
                                    "address_line1",
                                    "address_line2",
                                    "city",
                                    "state",
                                    "postal_code",
                                    "region_code",
                                )
                            },
                        },
                    },
                },
            },
            "steps": {
                "type": "array",
                "maxItems": 500,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["do"],
                    "properties": {
                        "name": {"type": "string"},
                        "at": {
                            "type": "string",
                            "description": "A duration after the scenario start (2h, 3d) "
                            "or an ISO 8601 instant.",
                        },
                        "when": _trigger("React to this instead of a time."),
                        "after": _duration("Delay after the trigger (default 0)."),
                        "times": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 1000,
                            "default": 1,
                            "description": "How many occurrences of the trigger to react to.",
                        },
                        "repeat": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["count", "every"],
                            "properties": {
                                "count": {"type": "integer", "minimum": 1, "maximum": 1000},
                                "every": _duration("Interval between repetitions."),
                            },
                        },
                        "do": {"type": "array", "minItems": 1, "maxItems": 50, "items": action_item},
                    },
                },
            },
            "expect": {
                "type": "array",
                "maxItems": 500,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "client_calls": _operations(
                            "The client must call this operation (or one of these)..."
                        ),
                        "within": _duration("...within this long after `after` (or the scenario start)."),
                        "client_never_calls": _operations(
                            "The client must not call this operation (nor these)."
                        ),
                        "order": {
                            "type": "string",
                            "description": "Only calls that mention this order count.",
                        },
                        "after": {
                            "description": "Start judging when this happens: an event, a call, a "
                            "step, or `start` (the default).",
                            "anyOf": [
                                {"const": "start"},
                                _trigger("Start judging when this happens."),
                            ],
                        },
                        "each": {
                            "type": "boolean",
                            "description": "Judge every occurrence of `after`, each with its own "
                            "verdict (default: the first only).",
                        },
                        "counting": {
                            "enum": ["successful", "failed", "any"],
                            "description": "Which calls count: successful ones (client_calls' "
                            "default), failed ones, or any (client_never_calls' default).",
                        },
                        "request": _REQUEST,
                    },
                    "oneOf": [
                        {"required": ["client_calls", "within"]},
                        {"required": ["client_never_calls"]},
                    ],
                },
            },
        },
    }


def main() -> int:
    text = json.dumps(build_schema(), indent=2) + "\n"
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        return 0 if SCHEMA_PATH.read_text() == text else 1
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
