"""A parsed, validated scenario: plain data the engine runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox.domain.orders import OrderStatus, ShippingType


@dataclass(frozen=True)
class Setup:
    """A fresh world for the scenario: loading it replaces the tenant's world."""

    start: datetime | None
    frozen: bool
    seed: int
    region: str
    background_orders: int


@dataclass(frozen=True)
class LineItemDecl:
    product_name: str | None
    sku_name: str | None
    seller_sku: str | None
    price: str | None
    quantity: int


@dataclass(frozen=True)
class OrderDecl:
    name: str
    status: OrderStatus
    shipping_type: ShippingType | None
    age: timedelta | None  # placed this long before the scenario starts
    line_items: tuple[LineItemDecl, ...]
    buyer: dict[str, str]


@dataclass(frozen=True)
class Ref:
    """A value known only once the scenario runs: a declared order's ID (``order``), one of its
    package IDs (``package``) or tracking numbers (``tracking_number``), or a field of the event
    that armed the expectation (``event``)."""

    kind: str  # order, package, tracking_number, event
    name: str  # the order's name, or the event's field

    def describe(self) -> str:
        return f"the arming event's {self.name}" if self.kind == "event" else f"{self.kind} of '{self.name}'"


@dataclass(frozen=True)
class Condition:
    """One condition on a client's request: a field (``path.NAME``, ``query.NAME`` or
    ``body.a.b``, a list's items reached by ``[]``) compared with a value."""

    field: str
    op: str  # equals, not, in, not_in, lt, lte, gt, gte, exists
    value: Any  # a literal, a Ref, or a tuple of them (in, not_in)

    def describe(self) -> str:
        def shown(value: Any) -> str:
            if isinstance(value, Ref):
                return value.describe()
            if isinstance(value, tuple):
                return "[" + ", ".join(shown(v) for v in value) + "]"
            return repr(value)

        return f"{self.field} {self.op} {shown(self.value)}"


@dataclass(frozen=True)
class Trigger:
    """Something to react to: a domain event, a call by the client under test, or a step of the
    scenario running (``step``, its name)."""

    event: str | None = None
    client_calls: str | None = None
    order: str | None = None
    where: dict[str, str] = field(default_factory=dict)  # event data that must match
    step: str | None = None
    request: tuple[Condition, ...] = ()  # conditions on the client's call

    def describe(self) -> str:
        if self.step is not None:
            return f"step '{self.step}'"
        what = f"event {self.event}" if self.event else f"client calls {self.client_calls}"
        extra = "".join(f", {k}={v}" for k, v in self.where.items())
        extra += "".join(f", {c.describe()}" for c in self.request)
        return what + (f" for order '{self.order}'" if self.order else "") + extra


@dataclass(frozen=True)
class ActionCall:
    action: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Step:
    index: int
    name: str
    at: timedelta | datetime | None  # after the scenario start, or an instant
    when: Trigger | None
    after: timedelta
    times: int  # how many trigger occurrences to react to
    repeat_count: int
    repeat_every: timedelta
    actions: tuple[ActionCall, ...]


@dataclass(frozen=True)
class Expectation:
    index: int
    name: str
    kind: str  # "within" (the client must call) or "never" (the client must not call)
    operation: str  # for messages: the operations, joined with "or"
    order: str | None
    within: timedelta | None
    after: Trigger | None
    operations: tuple[str, ...] = ()  # any of these counts
    # Judged once per arming occurrence, each with its own verdict (otherwise armed once).
    each: bool = False
    # Which calls count: successful ones, failed ones, or any (client_never_calls: any).
    counting: str = "successful"
    request: tuple[Condition, ...] = ()  # conditions every counted call meets


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    source: str  # file name, or "<request>"
    setup: Setup | None
    orders: tuple[OrderDecl, ...]
    steps: tuple[Step, ...]
    expectations: tuple[Expectation, ...]
    until: timedelta | None
    text: str  # the YAML it was parsed from
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> (line, column)

    def position(self, path: str) -> tuple[int, int]:
        return self.positions.get(path, (1, 1))
