"""What a scenario step can make happen: each action is a domain rule applied to a named order.

An action declares the JSON Schema of its arguments (the scenario schema is built from these), which
arguments name scenario orders, and the function that applies it. Later capabilities add theirs with
``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.domain import aftersales, carrier, orders, packages, tickets
from sandbox.domain.carrier import AttemptFailure
from sandbox.domain.codes import Code
from sandbox.domain.events import Outcome
from sandbox.domain.packages import Package, RejectionReason
from sandbox.durations import InvalidDuration, InvalidInstant, parse_duration, parse_instant

if TYPE_CHECKING:
    from sandbox.world import World

Act = Callable[["World", dict[str, Any], datetime], Outcome]


class InvalidArgs(ValueError):
    """Arguments the schema lets through but the action refuses: the loader says where."""

    def __init__(self, arg: str, problem: str, expected: str, *, key: bool = False):
        super().__init__(problem)
        self.arg = arg
        self.problem = problem
        self.expected = expected
        self.key = key  # point at the argument's key rather than its value


@dataclass(frozen=True)
class Action:
    name: str
    summary: str
    args: dict[str, Any]  # JSON Schema of the arguments object
    order_args: tuple[str, ...]  # arguments that name a scenario order (resolved to its ID)
    act: Act  # answers the action's Outcome; the world applies it
    # Checks at load what the schema cannot say; raises InvalidArgs.
    check: Callable[[dict[str, Any]], None] | None = None


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


# ----- labels and tracking -----------------------------------------------------------------------
DURATION = {"type": "string", "pattern": r"^(?=\d)(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"}


# Which of an order's packages an action acts on: the first unless the order was split.
PACKAGE_REF = {
    "type": "integer",
    "minimum": 1,
    "default": 1,
    "description": "Which of the order's packages (1 for the first), once it was split.",
}


def _package(world: World, args: dict[str, Any]) -> Package:
    return world.logistics.package_for(world.order(args["order"]), args.get("package", 1))


UNTIL_EXPECTED = "a duration after the step such as 30m or 2h, or an ISO 8601 instant"


def _rejection_end(raw: str) -> timedelta | datetime:
    """A scripted rejection's ``until``: a duration after the step's instant, or an instant, as a
    step's ``at`` is written."""
    text = raw.strip()
    if text.isdigit():
        raise InvalidArgs("until", f"'{raw}' has no unit", UNTIL_EXPECTED)
    if text[:1].isdigit() and text[-1:].lower() in "wdhms" and "-" not in text:
        try:
            after = parse_duration(text)
        except InvalidDuration as exc:
            raise InvalidArgs("until", str(exc), UNTIL_EXPECTED) from None
        if not after:
            raise InvalidArgs("until", f"a rejection until '{raw}' refuses no label request", UNTIL_EXPECTED)
        return after
    try:
        return parse_instant(text)
    except InvalidInstant as exc:
        raise InvalidArgs(
            "until", f"'{raw}' is neither a duration nor an instant ({exc})", UNTIL_EXPECTED
        ) from None


def _check_reject_label(args: dict[str, Any]) -> None:
    if "count" in args and "until" in args:
        raise InvalidArgs(
            "until",
            "`count` and `until` cannot go together",
            "either count (the next N label requests) or until (a time), or neither (until fix_label_issue)",
            key=True,
        )
    if "until" in args:
        _rejection_end(args["until"])


def _reject_label(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    end = _rejection_end(args["until"]) if "until" in args else None
    return packages.arm_label_rejection(
        _package(world, args),
        RejectionReason(args["reason"]),
        at,
        count=args.get("count"),
        until=at + end if isinstance(end, timedelta) else end,
    )


def _fix_label_issue(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    return packages.fix_label_issue(_package(world, args), world.order(args["order"]), at)


def _update_buyer_address(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    changes = {k: v for k, v in args.items() if k != "order"}
    return orders.update_recipient_address(world.order(args["order"]), changes, at)


def _stall_tracking(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    shipment = world.logistics.shipment_for(world.order(args["order"]))
    return carrier.stall(shipment, at, parse_duration(args["for"]))


def _hold_status_update(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    package = _package(world, args)
    until = at + parse_duration(args["for"])
    return packages.hold_status_update(package, args["milestone"], until, args["for"], at)


register(
    Action(
        "reject_label",
        "The carrier refuses the shipping labels of the order's package with this reason, as the "
        "Seller Center's Rejected Shipping Labels: for the next count label requests, or until a "
        "time, or (neither) until fix_label_issue; then the real rules decide again.",
        {
            "type": "object",
            "required": ["order", "reason"],
            "additionalProperties": False,
            "properties": {
                "order": ORDER_REF,
                "package": PACKAGE_REF,
                "reason": {"enum": ["BUYER_ADDRESS_ISSUE", "PRODUCTS_OVERSIZED", "CARRIER_ORDER_ERROR"]},
                "count": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "How many label requests of the package are refused (not with until).",
                },
                "until": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Until when label requests are refused: a duration after the step "
                    "(30m, 2h) or an ISO 8601 instant (not with count).",
                },
            },
        },
        ("order",),
        _reject_label,
        _check_reject_label,
    )
)
register(
    Action(
        "fix_label_issue",
        "The seller resolves the scripted cause of the package's label rejection (a reject_label, or "
        "the carrier's own order error); a real cause (an incomplete address, an oversized package) "
        "still refuses the label until the order or the package changes.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF, "package": PACKAGE_REF},
        },
        ("order",),
        _fix_label_issue,
    )
)
register(
    Action(
        "update_buyer_address",
        "The buyer corrects the shipping address before shipment (any of its fields).",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "minProperties": 2,
            "properties": {
                "order": ORDER_REF,
                **{
                    k: {"type": "string"}
                    for k in (
                        "address_line1",
                        "address_line2",
                        "city",
                        "state",
                        "postal_code",
                        "phone_number",
                    )
                },
            },
        },
        ("order",),
        _update_buyer_address,
    )
)
register(
    Action(
        "stall_tracking",
        "The carrier stops moving the order's parcel for a while: an unmoved tracking event.",
        {
            "type": "object",
            "required": ["order", "for"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF, "for": DURATION},
        },
        ("order",),
        _stall_tracking,
    )
)
register(
    Action(
        "hold_status_update",
        "The carrier moves on but the platform does not update the order at a milestone for a while: "
        "picked_up (picked up but logistics status not updated) or delivered (delivered but logistics "
        "not updated).",
        {
            "type": "object",
            "required": ["order", "milestone", "for"],
            "additionalProperties": False,
            "properties": {
                "order": ORDER_REF,
                "package": PACKAGE_REF,
                "milestone": {"enum": ["picked_up", "delivered"]},
                "for": DURATION,
            },
        },
        ("order",),
        _hold_status_update,
    )
)


# ----- failed deliveries and returns to seller ---------------------------------------------------
def _fail_delivery_attempts(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    reason = AttemptFailure(args.get("reason", "ADDRESSEE_NOT_AVAILABLE"))
    return world.logistics.plan_failed_attempts(_package(world, args), reason, args.get("count", 3), at)


def _fail_collections(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    return world.logistics.plan_missed_collections(_package(world, args), args.get("count", 2), at)


def _fail_return_delivery(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    return world.logistics.plan_failed_return(_package(world, args))


def _seller_claims_parcel(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    return world.logistics.seller_claims_parcel(_package(world, args), at)


def _seller_rejects_parcel(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    return world.logistics.seller_rejects_parcel(_package(world, args), at)


register(
    Action(
        "fail_delivery_attempts",
        "The carrier's next delivery attempts of the order's parcel fail (default 3, addressee not "
        "available); after the third failed attempt the parcel goes back to the seller.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {
                "order": ORDER_REF,
                "package": PACKAGE_REF,
                "count": {"type": "integer", "minimum": 1, "maximum": 3, "default": 3},
                "reason": {
                    "enum": ["ADDRESSEE_NOT_AVAILABLE", "BUSINESS_CLOSED", "ADDRESS_ISSUE", "REFUSED"],
                    "default": "ADDRESSEE_NOT_AVAILABLE",
                },
            },
        },
        ("order",),
        _fail_delivery_attempts,
    )
)
register(
    Action(
        "fail_collections",
        "The carrier misses the parcel's next collections (default 2). It comes back the next day "
        "after a miss; after the second miss the parcel is deemed lost, the order cancelled "
        "(package_lost) and the buyer refunded.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {
                "order": ORDER_REF,
                "package": PACKAGE_REF,
                "count": {"type": "integer", "minimum": 1, "maximum": 2, "default": 2},
            },
        },
        ("order",),
        _fail_collections,
    )
)
register(
    Action(
        "fail_return_delivery",
        "The carrier will not manage to deliver the parcel back to the seller: Seller Delivery Failed, "
        "and the 7-day destroy window.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF, "package": PACKAGE_REF},
        },
        ("order",),
        _fail_return_delivery,
    )
)
register(
    Action(
        "seller_claims_parcel",
        "The seller asks for a parcel the carrier failed to deliver back (a ticket or a call, within "
        "the 7 days): it is not destroyed, the carrier brings it back.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF, "package": PACKAGE_REF},
        },
        ("order",),
        _seller_claims_parcel,
    )
)
register(
    Action(
        "seller_rejects_parcel",
        "The seller rejects the returning parcel: the platform has it destroyed.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF, "package": PACKAGE_REF},
        },
        ("order",),
        _seller_rejects_parcel,
    )
)


# ----- returns and refunds -----------------------------------------------------------------------
def _buyer_requests_return(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    kind = aftersales.ReturnType(args.get("type", "RETURN_AND_REFUND"))
    reason = args.get("reason", "Item not as described")
    _, outcome = aftersales.buyer_requests(
        world.returns, world.order(args["order"]), kind, reason, at, world.rng
    )
    return outcome


def _buyer_ships_return(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    record = aftersales.of_order(world.returns, world.order(args["order"]).id)
    return aftersales.buyer_ships(record, at, world.return_tracking_number())


def _buyer_cancels_return(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    record = aftersales.of_order(world.returns, world.order(args["order"]).id)
    return aftersales.buyer_cancels(record, at)


register(
    Action(
        "buyer_requests_return",
        "The buyer of a delivered order asks for a return and refund (RETURN_AND_REFUND) or a refund "
        "only (REFUND); the seller must answer within 48 h, or the platform approves it.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {
                "order": ORDER_REF,
                "type": {"enum": ["RETURN_AND_REFUND", "REFUND"], "default": "RETURN_AND_REFUND"},
                "reason": {"type": "string", "minLength": 1, "maxLength": 200},
            },
        },
        ("order",),
        _buyer_requests_return,
    )
)
register(
    Action(
        "buyer_ships_return",
        "The buyer sends the item of an approved return back, with a return tracking number.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF},
        },
        ("order",),
        _buyer_ships_return,
    )
)
register(
    Action(
        "buyer_cancels_return",
        "The buyer withdraws a return or refund request before shipping anything back.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF},
        },
        ("order",),
        _buyer_cancels_return,
    )
)


# ----- injected faults ---------------------------------------------------------------------------
def _inject_fault(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    world.faults.inject(args, at)  # an InvalidFault skips the step, as a refused rule does
    return Outcome()


def _fault_args() -> dict[str, Any]:
    from sandbox.faults import ERROR_CODES, MAX_LATENCY_MS

    latency = {"type": "integer", "minimum": 0, "maximum": MAX_LATENCY_MS}
    return {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": ["latency", "error", "throttle", "rate_limit"]},
            "path": {"type": "string", "description": "A glob over the whole request path."},
            "operation": {"type": "string", "description": "An operation name, e.g. ship_package."},
            "method": {"type": "string"},
            "count": {"type": "integer", "minimum": 1, "description": "The next N matching requests."},
            "from": {"type": "string", "description": "ISO 8601 instant the fault starts at."},
            "until": {"type": "string", "description": "ISO 8601 instant the fault ends at."},
            "for": {**DURATION, "description": "How long the fault lasts from the step (or from)."},
            "latency_ms": latency,
            "min_ms": latency,
            "max_ms": latency,
            "seed": {"type": "integer", "minimum": 0},
            "code": {"enum": sorted(ERROR_CODES)},
            "message": {"type": "string", "minLength": 1},
            "qps": {"type": "integer", "minimum": 1, "maximum": 100_000},
        },
    }


# ----- logistics tickets -------------------------------------------------------------------------
TICKET_RESOLUTION = {"enum": ["RESOLVED", "REJECTED"]}
TICKET_NOTE = {"type": "string", "minLength": 1, "maxLength": 500}


def _ticket_outcome(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    scripted = tickets.ScriptedAnswer(
        resolution=tickets.Resolution(args["resolution"]) if "resolution" in args else None,
        after=parse_duration(args["after"]) if "after" in args else None,
        note=args.get("note"),
    )
    return world.script_ticket(args["order"], scripted, at)


def _resolve_ticket(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    ticket = tickets.in_process(world.desk, world.order(args["order"]).id)
    resolution = tickets.Resolution(args.get("resolution", "RESOLVED"))
    return world.answer_ticket(ticket, at, resolution, args.get("note"))


def _raise_ticket(world: World, args: dict[str, Any], at: datetime) -> Outcome:
    _, outcome = world.new_ticket(
        args["order"], args["category"], None, args.get("description", "Raised by the scenario"), [], at
    )
    return outcome


register(
    Action(
        "inject_fault",
        "The tenant's API misbehaves: added latency (latency_ms, or min_ms/max_ms), an error answer "
        f"with a platform code, throttling (429, {Code.TOO_MANY_REQUESTS.value}) or the real rate "
        "limit (qps), for the requests matching path/operation/method, for the next count of them "
        "and/or a window.",
        _fault_args(),
        (),
        _inject_fault,
    )
)
register(
    Action(
        "ticket_outcome",
        "Scripts the logistics provider's answer to the order's ticket in process, or to its next "
        "ticket: the resolution (RESOLVED acts on the parcel, REJECTED changes nothing), how long "
        "after the ticket is raised it comes (default 2 business days), and the note the seller reads.",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "minProperties": 2,
            "properties": {
                "order": ORDER_REF,
                "resolution": TICKET_RESOLUTION,
                "after": DURATION,
                "note": TICKET_NOTE,
            },
        },
        ("order",),
        _ticket_outcome,
    )
)
register(
    Action(
        "resolve_ticket",
        "The logistics provider answers the order's ticket in process now (default RESOLVED).",
        {
            "type": "object",
            "required": ["order"],
            "additionalProperties": False,
            "properties": {"order": ORDER_REF, "resolution": TICKET_RESOLUTION, "note": TICKET_NOTE},
        },
        ("order",),
        _resolve_ticket,
    )
)
register(
    Action(
        "raise_ticket",
        "The seller raises a logistics ticket about the order (without evidence), as the Seller Center "
        "would: refused (skipped) unless the order has the matching logistics issue.",
        {
            "type": "object",
            "required": ["order", "category"],
            "additionalProperties": False,
            "properties": {
                "order": ORDER_REF,
                "category": {
                    "enum": [
                        "PICKED_UP_NOT_UPDATED",
                        "UNMOVED_TRACKING_EVENT",
                        "DELIVERED_NOT_UPDATED",
                        "FAILED_RETURN_PACKAGE",
                    ]
                },
                "description": {"type": "string", "minLength": 1, "maxLength": 2000},
            },
        },
        ("order",),
        _raise_ticket,
    )
)
