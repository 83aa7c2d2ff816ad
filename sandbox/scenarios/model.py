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
class Trigger:
    """Something to react to: a domain event, or a call by the client under test."""

    event: str | None = None
    client_calls: str | None = None
    order: str | None = None
    where: dict[str, str] = field(default_factory=dict)  # event data that must match

    def describe(self) -> str:
        what = f"event {self.event}" if self.event else f"client calls {self.client_calls}"
        extra = "".join(f", {k}={v}" for k, v in self.where.items())
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
