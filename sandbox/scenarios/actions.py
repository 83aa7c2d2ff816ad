"""What a scenario step can make happen: each action is a domain rule applied to a named order.

An action declares the JSON Schema of its arguments (the scenario schema is built from these), which
arguments name scenario orders, and the function that applies it. Later capabilities add theirs with
``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.domain import orders
from sandbox.domain.events import Outcome

if TYPE_CHECKING:
    from sandbox.world import World

Apply = Callable[["World", dict[str, Any], datetime], Outcome]


@dataclass(frozen=True)
class Action:
    name: str
    summary: str
    args: dict[str, Any]  # JSON Schema of the arguments object
    order_args: tuple[str, ...]  # arguments that name a scenario order (resolved to its ID)
    apply: Apply


ACTIONS: dict[str, Action] = {}


def register(action: Action) -> Action:
    ACTIONS[action.name] = action
    return action


ORDER_REF = {"type": "string", "description": "The name of an order declared under `orders`."}


def _pay(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    return orders.pay(world.order(args["order"]), at)


def _buyer_cancel(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    reason = args.get("reason")
    order = world.order(args["order"])
    return orders.buyer_cancels(order, at, reason) if reason else orders.buyer_cancels(order, at)


register(
    Action(
        "pay",
        "The buyer pays an UNPAID order: ON_HOLD for the one-hour remorse window, then AWAITING_SHIPMENT.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF},
        },
        ("order",),
        _pay,
    )
)
register(
    Action(
        "buyer_cancel",
        "The buyer cancels before shipment: at once while UNPAID or ON_HOLD, as a request the seller "
        "must answer within 48 h once AWAITING_SHIPMENT (approved automatically otherwise).",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {
                "order": ORDER_REF,
                "reason": {"type": "string", "minLength": 1, "maxLength": 200},
            },
        },
        ("order",),
        _buyer_cancel,
    )
)
