"""One tenant's universe: its clock, its state, its queue of timed rules and its random generator.

Every change goes through the world under its lock and is answered by a domain ``Outcome``: the
events are recorded (and handed to listeners) and the deadlines put on the queue. The world is the
only thing that moves time forward, and when it does it fires every due rule in time order.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox import fakes
from sandbox.clock import VirtualClock, wall_now
from sandbox.domain import aftersales, authorization, cancellations, orders, packages, rules, tickets
from sandbox.domain.authorization import Grants
from sandbox.domain.carrier import Shipment
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation
from sandbox.domain.logistics import Logistics, seller_delivers
from sandbox.domain.orders import Order, OrderStatus
from sandbox.domain.packages import HandoverMethod, Package, PackageStatus
from sandbox.domain.search import Ordered
from sandbox.domain.uploads import (
    MAX_EVIDENCE_FILES,
    EvidenceRefused,
    Uploads,
    evidence_type,
    proof_of_delivery,
)
from sandbox.durations import LATEST
from sandbox.faults import Decision, FaultBook, FaultedRequest
from sandbox.journal import DEFAULT_CAP, Journal, JournalEntry
from sandbox.scenarios.engine import ScenarioRun
from sandbox.scenarios.model import Scenario
from sandbox.webhooks import Webhooks

EVENT_LOG_CAP = 100_000


@dataclass(frozen=True)
class Shop:
    id: str
    name: str
    region: str
    seller_type: str
    cipher: str
    code: str
    warehouse_id: str


@dataclass(frozen=True)
class WorldProfile:
    """Everything a world is rebuilt from on reset: same profile, same world."""

    seed: int
    region: str
    order_count: int
    shop: Shop
    seller_open_id: str
    seller_name: str
    access_token: str
    refresh_token: str
    start: datetime | None = None  # None: the wall time when the world is built
    frozen: bool = False


@dataclass(order=True, slots=True)
class _Queued:
    due: datetime
    seq: int
    rule: str = field(compare=False)
    subject: str = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class RecordedEvent:
    seq: int
    event: DomainEvent


_STOCK_CACHE: OrderedDict[tuple[int, str, int], tuple[fakes.Stock, Any]] = OrderedDict()
_STOCK_CACHE_SIZE = 32
_STOCK_LOCK = threading.Lock()


def _stock(rng: random.Random, seed: int, region: str, buyers: int) -> fakes.Stock:
    """The shop's stock, drawn first from the freshly seeded generator. A reset draws the same
    stock again, so it is kept, with the generator's state after the draw: a hit leaves the
    generator exactly where a fresh draw would, so worlds stay byte-identical."""
    key = (seed, region, buyers)
    with _STOCK_LOCK:
        cached = _STOCK_CACHE.get(key)
        if cached is not None:
            _STOCK_CACHE.move_to_end(key)
    if cached is None:
        stock = fakes.shop_stock(rng, region, buyers)
        with _STOCK_LOCK:
            _STOCK_CACHE[key] = (stock, rng.getstate())
            while len(_STOCK_CACHE) > _STOCK_CACHE_SIZE:
                _STOCK_CACHE.popitem(last=False)
        return stock
    stock, state = cached
    rng.setstate(state)
    return stock


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building a world allocates its whole order book (millions of objects for a large one) and
    no garbage: the cyclic collector would rescan the growing heap again and again for nothing,
    half the time of seeding 100,000 orders. It is paused while a world is built.

    Afterwards the new objects would still be walked by the young generations' next collections
    (about a second per million objects) before reaching the oldest one. When nothing else is
    frozen, freezing and at once unfreezing moves them there directly, walking nothing; a process
    that froze objects itself (the server, after seeding) keeps them frozen and pays the walk."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


_COUNTERS = ("_seq", "_event_seq", "_request_seq")


def counter_value(counter: Iterator[int]) -> int:
    """The next number an ``itertools.count`` gives, without taking it."""
    match = re.fullmatch(r"count\((\d+)\)", repr(counter))
    if match is None:
        raise ValueError(f"not a counter: {counter!r}")
    return int(match.group(1))


class ScenarioConflict(RuleViolation):
    """A valid scenario that cannot join this world as it stands (names the place in the file)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


class World:
    def __init__(self, profile: WorldProfile, *, journal_cap: int = DEFAULT_CAP):
        self.profile = profile
        self.journal_cap = journal_cap
        self.base_profile = profile  # what unloading every scenario goes back to
        self.lock = threading.RLock()
        self.listeners: list[Callable[[RecordedEvent], None]] = []
        self.request_listeners: list[Callable[[JournalEntry], None]] = []
        # Subscriptions outlive a reset (they are the client's settings); the outbox does not.
        self.webhooks = Webhooks()
        # Scenarios loaded into this world, with their start as an offset from the world's start:
        # a reset rebuilds the world and runs them again from the same instants.
        self.loaded: list[tuple[Scenario, timedelta]] = []
        self._build()

    # ----- building and resetting -------------------------------------------------------------
    def _build(self) -> None:
        with _collector_paused():
            self._build_world()

    def _build_world(self) -> None:
        p = self.profile
        start = (p.start or wall_now()).replace(microsecond=0).astimezone(UTC)
        self.started_at = start
        # Without a chosen start the clock is the wall clock itself (offset zero), so that a test
        # freezing time in-process moves the world to exactly that instant.
        self.clock = VirtualClock(frozen_at=start if p.frozen else None, start=start if p.start else None)
        self.rng = random.Random(p.seed)
        self.shops = {p.shop.id: p.shop}
        self.grants = Grants()
        self._queue: list[_Queued] = []
        self._queued_by_key: dict[tuple[str, str], list[_Queued]] = {}
        self._seq = itertools.count(1)
        self._event_seq = itertools.count(1)
        self._request_seq = itertools.count(1)
        self.events: deque[RecordedEvent] = deque(maxlen=EVENT_LOG_CAP)
        self.events_dropped = 0
        self.journal = Journal(self.journal_cap)
        self.faults = FaultBook(p.seed)
        self.stock = _stock(self.rng, p.seed, p.region, min(p.order_count, 200))
        seeded, pending = fakes.seed_orders(
            self.rng,
            self.stock,
            shop_id=p.shop.id,
            warehouse_id=p.shop.warehouse_id,
            start=start,
            count=p.order_count,
        )
        self.orders: dict[str, Order] = {o.id: o for o in seeded}
        self._by_creation: tuple[dict[str, Order], Ordered] | None = None
        self.logistics = Logistics(
            self.orders, self.rng, self.stock.market.carriers, f"{p.shop.name} warehouse"
        )
        self.cancellations: dict[str, cancellations.Cancellation] = {}
        self.open_cancellations: dict[str, cancellations.Cancellation] = {}  # by order
        for order in seeded:
            if order.status is OrderStatus.CANCELLED and order.cancel_time is not None:
                cancellations.follow(
                    self.cancellations,
                    order,
                    DomainEvent(order.cancel_time, "order.status_changed", order.id, {"to": "CANCELLED"}),
                    self.rng,
                    self.open_cancellations,
                )
        self.returns: dict[str, aftersales.ReturnRequest] = {}
        self.uploads = Uploads()
        self.desk = tickets.Desk()
        for order in seeded:
            opened, journey = self.logistics.seed(order, start)
            self.apply(opened)
            pending += journey.deadlines
        _, _, granted = authorization.grant_pair(
            self.grants, p.seller_open_id, start, p.access_token, p.refresh_token
        )
        self.scenarios: dict[str, ScenarioRun] = {}
        self.apply(Outcome(deadlines=pending).extend(granted))
        for scenario, offset in self.loaded:
            run = ScenarioRun(scenario, self, start + offset)
            self.scenarios[scenario.name] = run
            if offset:
                # Loaded after the world's start: it joins again at the same instant.
                self.apply(Outcome(deadlines=[Deadline(run.start, rules.SCENARIO_STARTS, scenario.name)]))
            else:
                self.apply(run.attach())

    # ----- pickling (persistence and snapshots) ------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """Everything but the lock and the listeners (a process's own), with counters as numbers."""
        state = dict(self.__dict__)
        del state["lock"], state["listeners"], state["request_listeners"]
        for name in _COUNTERS:
            state[name] = counter_value(state[name])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in _COUNTERS:
            self.__dict__[name] = itertools.count(state[name])
        self.lock = threading.RLock()
        self.listeners = []
        self.request_listeners = []
        for delivery in self.webhooks.deliveries.values():
            delivery.in_flight = False  # an attempt cut short by a stop is made again

    def _rebuild(self) -> None:
        """Build anew, or leave the world exactly as it was if building fails."""
        saved = dict(self.__dict__)
        outbox = self.webhooks.discard_deliveries()
        try:
            self._build()
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            self.webhooks.deliveries = outbox
            raise

    def reset(self) -> None:
        with self.lock:
            self._rebuild()

    # ----- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def sync(self) -> None:
        """Fire every rule due by the current virtual time (running clocks move on their own)."""
        with self.lock:
            self._fire_until(self.clock.now())

    def advance_to(self, target: datetime) -> int:
        """Move forward to ``target``, firing due rules in time order; returns how many fired."""
        with self.lock:
            if target < self.clock.now():
                self.clock.set_forward(target)  # raises ClockError: time only moves forward
            fired = self._fire_until(target)
            self.clock.set_forward(max(target, self.clock.now()))
            return fired

    def freeze(self, at: datetime | None = None) -> None:
        with self.lock:
            if at is not None and at < self.clock.now():
                self.clock.set_forward(at)  # raises ClockError before anything changes
            self._fire_until(self.clock.now())
            self.clock.freeze()
            if at is not None:
                self.advance_to(at)

    def resume(self) -> None:
        with self.lock:
            self.clock.resume()

    def pending_deadlines(self) -> list[Deadline]:
        with self.lock:
            live = sorted(q for q in self._queue if not q.cancelled)
            return [Deadline(q.due, q.rule, q.subject) for q in live]

    def _fire_until(self, until: datetime) -> int:
        from sandbox.timed_rules import TIMED_RULES

        fired = 0
        while self._queue and self._queue[0].due <= until:
            item = heapq.heappop(self._queue)
            self._forget(item)
            if item.cancelled:
                continue
            if item.due > self.clock.now():
                self.clock.set_forward(item.due)
            self.apply(TIMED_RULES[item.rule](self, item.subject, item.due))
            fired += 1
        return fired

    # ----- applying outcomes -----------------------------------------------------------------
    def apply(self, outcome: Outcome) -> None:
        """Make an Outcome happen: the only place a world changes its queue and its event log and
        tells its listeners. Cancellations first, then new deadlines, then the events in order."""
        for rule, subject in outcome.cancel:
            for queued in self._queued_by_key.pop((rule, subject), []):
                queued.cancelled = True
        moved: list[Deadline] = []
        for rule, subject, to in outcome.moved:
            for queued in sorted(q for q in self._queued_by_key.pop((rule, subject), []) if not q.cancelled):
                queued.cancelled = True
                if to is not None:
                    moved.append(Deadline(queued.due, rule, to))
        for deadline in [*outcome.deadlines, *moved]:
            queued = _Queued(deadline.due, next(self._seq), deadline.rule, deadline.subject)
            heapq.heappush(self._queue, queued)
            self._queued_by_key.setdefault((deadline.rule, deadline.subject), []).append(queued)
        for event in outcome.events:
            if len(self.events) == self.events.maxlen:
                self.events_dropped += 1
            recorded = RecordedEvent(next(self._event_seq), event)
            self.events.append(recorded)
            self._follow(event)
            self.webhooks.notify(self, recorded, self.profile.shop.id)
            for listener in self.listeners:
                listener(recorded)
            for run in list(self.scenarios.values()):
                self.apply(run.on_event(recorded))

    def _follow(self, event: DomainEvent) -> None:
        """The platform's own consequences of an order changing status: a package to ship once it
        awaits shipment, no package to ship once it is cancelled; and the cancellation records."""
        order = self.orders.get(event.subject)
        if order is None or not event.kind.startswith("order."):
            return
        cancellations.follow(self.cancellations, order, event, self.rng, self.open_cancellations)
        if event.kind != "order.status_changed":
            return
        if event.data["to"] == OrderStatus.AWAITING_SHIPMENT.value:
            self.apply(self.logistics.open_package(order, event.at)[1])
        elif event.data["to"] == OrderStatus.CANCELLED.value:
            package = self.logistics.package_of(order)
            if package is not None:
                package.status = PackageStatus.CANCELLED
                package.update_time = event.at

    def _forget(self, item: _Queued) -> None:
        siblings = self._queued_by_key.get((item.rule, item.subject))
        if siblings and item in siblings:
            siblings.remove(item)
            if not siblings:
                del self._queued_by_key[(item.rule, item.subject)]

    @contextmanager
    def session(self) -> Iterator[World]:
        """Hold the world's lock with every due rule fired: the way every operation starts.

        Rules that came due during the operation (a reaction scheduled for "now") fire before the
        lock is released.
        """
        with self.lock:
            self._fire_until(self.clock.now())
            yield self
            self._fire_until(self.clock.now())

    def record_request(self, **fields: Any) -> JournalEntry:
        """Journal a client request at the current virtual time and tell whoever listens."""
        with self.session():
            entry = JournalEntry(seq=self.journal.next_seq(), at=self.clock.now(), **fields)
            self.journal.append(entry)
            for listener in self.request_listeners:
                listener(entry)
            for run in list(self.scenarios.values()):
                self.apply(run.on_request(entry))
            return entry

    def decide_faults(self, request: FaultedRequest, wall: float) -> Decision:
        """What the tenant's injected faults make of a request, by the current virtual time."""
        with self.lock:
            return self.faults.decide(request, self.clock.now(), wall)

    # ----- scenarios -------------------------------------------------------------------------
    def load_scenario(self, scenario: Scenario) -> ScenarioRun:
        """Load a validated scenario, all or nothing. One with ``setup`` starts a fresh world (and
        drops the scenarios loaded before); one without joins the current world from now on."""
        with self.lock:
            if scenario.setup is not None:
                s = scenario.setup
                saved = (self.profile, self.loaded)
                self.profile = replace(
                    self.profile,
                    seed=s.seed,
                    region=s.region,
                    order_count=s.background_orders,
                    start=s.start,
                    frozen=s.frozen,
                )
                self.loaded = [(scenario, timedelta(0))]
                try:
                    self._rebuild()
                except Exception:
                    self.profile, self.loaded = saved
                    raise
                return self.scenarios[scenario.name]
            self._fire_until(self.clock.now())
            now = self.clock.now()
            if scenario.name in self.scenarios:
                raise ScenarioConflict(
                    "scenario",
                    f"a scenario named '{scenario.name}' is already loaded: "
                    "unload the tenant's scenarios with DELETE /sandbox/scenarios (a reset replays them), "
                    "or give this one a setup to start a fresh world",
                )
            for step in scenario.steps:
                first = now + step.at if isinstance(step.at, timedelta) else step.at
                if isinstance(step.at, datetime) and step.at < now:
                    raise ScenarioConflict(
                        f"steps[{step.index}].at",
                        f"step '{step.name}' is due at "
                        f"{step.at.isoformat()}, before the world's current time {now.isoformat()}",
                    )
                if first is not None and first + step.repeat_every * (step.repeat_count - 1) > LATEST:
                    raise ScenarioConflict(
                        f"steps[{step.index}].at",
                        f"step '{step.name}' would run after the end of the sandbox's time range",
                    )
            self.loaded.append((scenario, now - self.started_at))
            run = ScenarioRun(scenario, self, now)
            self.scenarios[scenario.name] = run
            self.apply(run.attach())
            return run

    def start_scenario(self, name: str) -> Outcome:
        run = self.scenarios.get(name)
        return run.attach() if run is not None and not run.attached else Outcome()

    def unload_scenarios(self) -> None:
        """Drop every scenario and go back to the tenant's plain seeded world."""
        with self.lock:
            saved = (self.profile, self.loaded)
            self.profile, self.loaded = self.base_profile, []
            try:
                self._rebuild()
            except Exception:
                self.profile, self.loaded = saved
                raise

    def next_request_id(self) -> str:
        # Deterministic: derived from virtual time and a per-world counter, like the platform's
        # timestamp-prefixed request IDs.
        return self.clock.now().strftime("%Y%m%d%H%M%S") + f"{next(self._request_seq):020X}"

    # ----- orders ----------------------------------------------------------------------------
    def orders_by_creation(self) -> Ordered:
        """Every order sorted by (create_time, ID), kept until an order is added: orders are never
        removed here and their create_time never changes."""
        cached = self._by_creation
        if cached is None or cached[0] is not self.orders or len(cached[1].records) != len(self.orders):
            ranked = sorted(((o.create_time, o.id), o) for o in self.orders.values())
            index = Ordered("create_time", [k for k, _ in ranked], [o for _, o in ranked])
            self._by_creation = cached = (self.orders, index)
        return cached[1]

    def order(self, order_id: str) -> Order:
        return orders.find(self.orders, order_id)

    def pay_order(self, order_id: str) -> Order:
        with self.session():
            order = self.order(order_id)
            self.apply(orders.pay(order, self.clock.now()))
            return order

    def buyer_cancels(self, order_id: str, reason: str | None = None) -> Order:
        with self.session():
            order = self.order(order_id)
            at = self.clock.now()
            outcome = orders.buyer_cancels(order, at, reason) if reason else orders.buyer_cancels(order, at)
            self.apply(outcome)
            return order

    # ----- returns and refunds -------------------------------------------------------------------
    def buyer_requests_return(
        self, order_id: str, kind: aftersales.ReturnType, reason: str
    ) -> aftersales.ReturnRequest:
        with self.session():
            record, outcome = aftersales.buyer_requests(
                self.returns, self.order(order_id), kind, reason, self.clock.now(), self.rng
            )
            self.apply(outcome)
            return record

    def buyer_ships_return(self, order_id: str) -> aftersales.ReturnRequest:
        with self.session():
            record = aftersales.of_order(self.returns, self.order(order_id).id)
            self.apply(aftersales.buyer_ships(record, self.clock.now(), self.return_tracking_number()))
            return record

    def buyer_cancels_return(self, order_id: str) -> aftersales.ReturnRequest:
        with self.session():
            record = aftersales.of_order(self.returns, self.order(order_id).id)
            self.apply(aftersales.buyer_cancels(record, self.clock.now()))
            return record

    def return_tracking_number(self) -> str:
        return fakes.digits(self.rng, 22, "9405")

    # ----- authorization ---------------------------------------------------------------------
    def issue_auth_code(self) -> authorization.AuthCode:
        with self.session():
            return authorization.issue_auth_code(
                self.grants, self.profile.seller_open_id, self.clock.now(), self.rng
            )

    def exchange_auth_code(self, code: str) -> tuple[authorization.AccessToken, authorization.RefreshToken]:
        with self.session():
            access, refresh, outcome = authorization.exchange_auth_code(
                self.grants, code, self.clock.now(), self.rng
            )
            self.apply(outcome)
            return access, refresh

    def refresh_access_token(
        self, refresh_token: str
    ) -> tuple[authorization.AccessToken, authorization.RefreshToken]:
        with self.session():
            access, refresh, outcome = authorization.refresh_access_token(
                self.grants, refresh_token, self.clock.now(), self.rng
            )
            self.apply(outcome)
            return access, refresh

    # ----- logistics tickets -----------------------------------------------------------------
    def raise_ticket(
        self,
        order_id: str,
        category: str | None,
        tag: str | None,
        description: str,
        evidence: list[tuple[bytes, str]],
    ) -> tickets.Ticket:
        """A seller's ticket about an order's logistics issue, all checked before anything is kept."""
        with self.session():
            ticket, outcome = self.new_ticket(
                order_id, category, tag, description, evidence, self.clock.now()
            )
            self.apply(outcome)
            return ticket

    def new_ticket(
        self,
        order_id: str,
        category: str | None,
        tag: str | None,
        description: str,
        evidence: list[tuple[bytes, str]],
        at: datetime,
    ) -> tuple[tickets.Ticket, Outcome]:
        order = self.order(order_id)
        chosen = tickets.category_for(category, tag)
        if len(evidence) > MAX_EVIDENCE_FILES:
            raise EvidenceRefused(
                "too_many_files",
                f"{len(evidence)} evidence files: a ticket takes at most {MAX_EVIDENCE_FILES}",
            )
        for data, name in evidence:
            evidence_type(data, name)
        package = self.logistics.package_of(order)
        tickets.check_can_raise(
            chosen,
            order,
            package,
            self.logistics.tags(order, at),
            self.desk.open_of(order.id),
            len(self.desk.of_order(order.id)),
            at,
        )
        assert package is not None
        scripted = self.desk.scripted.pop(order.id, None)
        ticket = tickets.Ticket(
            id=fakes.digits(self.rng, 16, "7"),
            order_id=order.id,
            package_id=package.id,
            category=chosen,
            description=description,
            evidence=[self.uploads.evidence(data, name, at) for data, name in evidence],
            created_at=at,
            respond_by=tickets.respond_by(at, scripted),
            tag=tag or tickets.CATEGORIES[chosen].tag,
            scripted=scripted,
        )
        while ticket.id in self.desk.tickets:
            ticket.id = fakes.digits(self.rng, 16, "7")
        self.desk.tickets[ticket.id] = ticket
        return ticket, tickets.raise_ticket(ticket, at)

    def ticket(self, ticket_id: str) -> tickets.Ticket:
        found = self.desk.tickets.get(ticket_id)
        if found is None:
            raise tickets.TicketRefused("unknown_ticket", f"ticket {ticket_id} not found in this tenant")
        return found

    def answer_ticket(
        self,
        ticket: tickets.Ticket,
        at: datetime,
        resolution: tickets.Resolution | None = None,
        note: str | None = None,
    ) -> Outcome:
        """The logistics provider answers: the rules (or a scenario's script) decide, the parcel follows."""
        order = self.orders[ticket.order_id]
        package = self.logistics.packages[ticket.package_id]
        shipment = self.logistics.shipments.get(package.tracking_number) if package.tracking_number else None
        outcome = tickets.answer(
            ticket, order, package, shipment, self.logistics.tags(order, at), at, resolution, note
        )
        if ticket.category is tickets.Category.FAILED_RETURN_PACKAGE and any(
            e.kind == "package.return_status_changed" for e in outcome.events
        ):
            outcome.extend(
                self.logistics.carrier_note(
                    package, "The seller asked for the parcel (ticket): returning again", at
                )
            )
        return outcome

    def script_ticket(self, order_id: str, scripted: tickets.ScriptedAnswer, at: datetime) -> Outcome:
        """A scenario's answer for the order's ticket in process, or for its next one."""
        order = self.order(order_id)
        open_now = self.desk.open_of(order.id)
        if open_now:
            return tickets.reschedule(open_now[0], scripted, at)
        self.desk.scripted[order.id] = scripted
        return Outcome()

    # ----- operations that may be refused after recording something -------------------------------
    def _attempt(self, outcome: Callable[[], Outcome]) -> None:
        """Apply what an operation answers; if the rules refuse it, apply what the refusal
        itself records (a rejected label stays rejected) and refuse."""
        try:
            answered = outcome()
        except RuleViolation as refused:
            if refused.recorded is not None:
                self.apply(refused.recorded)
            raise
        self.apply(answered)

    # ----- fulfillment -------------------------------------------------------------------------
    def order_in_shop(self, order_id: str) -> Order:
        """An order named by a fulfillment operation (which answers the fulfillment code)."""
        return orders.find_for_fulfillment(self.orders, order_id)

    def ship_package(
        self,
        package_id: str,
        *,
        handover: HandoverMethod | None = None,
        slot: tuple[datetime, datetime] | None = None,
        tracking_number: str = "",
        provider_id: str = "",
    ) -> Package:
        with self.session():
            package = self.logistics.package(package_id)
            self._attempt(
                lambda: self.logistics.ship(
                    package,
                    self.clock.now(),
                    handover=handover,
                    slot=slot,
                    tracking_number=tracking_number,
                    provider_id=provider_id,
                )
            )
            return package

    def batch_ship_packages(self, requests: list[ShipRequest]) -> list[tuple[str, RuleViolation]]:
        """Ship several packages of one logistics type; answers the refusals, by package ID."""
        with self.session():
            found = [self.logistics.packages.get(r.package_id) for r in requests]
            packages.check_one_logistics_type(p for p in found if p is not None)
            refused = []
            for request in requests:
                try:
                    self.ship_package(
                        request.package_id,
                        handover=request.handover,
                        slot=request.slot,
                        tracking_number=request.tracking_number,
                        provider_id=request.provider_id,
                    )
                except RuleViolation as exc:
                    refused.append((request.package_id, exc))
            return refused

    def mark_package_shipped(
        self, order_id: str, line_item_ids: list[str], tracking_number: str, provider_id: str
    ) -> tuple[Order, Package]:
        with self.session():
            order = self.order_in_shop(order_id)
            at = self.clock.now()
            package, opened = self.logistics.package_to_mark_shipped(order, line_item_ids, at)
            self.apply(opened)
            self._attempt(
                lambda: self.logistics.ship(
                    package,
                    at,
                    handover=None,
                    slot=None,
                    tracking_number=tracking_number,
                    provider_id=provider_id,
                )
            )
            return order, package

    def update_package_shipping_info(self, package_id: str, tracking_number: str, provider_id: str) -> None:
        with self.session():
            package = self.logistics.package(package_id)
            self.apply(
                self.logistics.update_shipping_info(package, tracking_number, provider_id, self.clock.now())
            )

    def update_order_shipping_info(self, order_id: str, tracking_number: str, provider_id: str) -> None:
        with self.session():
            package = self.logistics.package_to_update(self.order_in_shop(order_id))
            self.apply(
                self.logistics.update_shipping_info(package, tracking_number, provider_id, self.clock.now())
            )

    def create_package_label(
        self, order_id: str, service_id: str, weight_grams: int, dimension_cm: tuple[int, int, int]
    ) -> tuple[Order, Package]:
        """The US flow: buy the platform label first, with the seller's weight and size."""
        with self.session():
            order = self.order_in_shop(order_id)
            package = self.logistics.package_to_label(order)
            self._attempt(
                lambda: self.logistics.create_label(
                    package, service_id, weight_grams, dimension_cm, self.clock.now()
                )
            )
            return order, package

    def deliver_packages(self, reports: list[DeliveryReport]) -> list[tuple[str, RuleViolation]]:
        """Sellers who deliver themselves report each package's outcome; answers the refusals."""
        with self.session():
            refused = []
            for report in reports:
                try:
                    package = self.logistics.package(report.package_id)
                    if report.file_url:
                        proof_of_delivery(self.uploads, report.upload_id, report.file_type)
                    self.apply(
                        seller_delivers(
                            self.logistics,
                            package,
                            report.delivery_type,
                            report.file_url,
                            report.fail_reason,
                            self.clock.now(),
                        )
                    )
                except RuleViolation as exc:
                    refused.append((report.package_id, exc))
            return refused

    # ----- the carrier's own API ---------------------------------------------------------------
    def create_carrier_shipment(
        self, provider_id: str, weight_grams: int, destination_city: str, order_id: str = ""
    ) -> Shipment:
        with self.session():
            provider = self.logistics.provider(provider_id or self.logistics.providers()[0].id)
            shipment, outcome = self.logistics.create_carrier_shipment(
                provider, weight_grams, destination_city, self.clock.now(), order_id
            )
            self.apply(outcome)
            return shipment

    def schedule_pickups(self, shipments: list[Shipment], window: tuple[datetime, datetime]) -> None:
        """Book one pickup window for several shipments, all or nothing."""
        with self.session():
            now = self.clock.now()
            for shipment in shipments:
                self.logistics.check_pickup(shipment, window, now)
            for shipment in shipments:
                self.apply(self.logistics.schedule_pickup(shipment, window, now))

    # ----- cancellations -----------------------------------------------------------------------
    def approve_cancellation(self, cancel_id: str) -> None:
        with self.session():
            record = cancellations.pending(self.cancellations, cancel_id)
            self.apply(cancellations.seller_approves(self.orders[record.order_id], self.clock.now()))

    def reject_cancellation(self, cancel_id: str, reason: str) -> None:
        with self.session():
            record = cancellations.pending(self.cancellations, cancel_id)
            self.apply(cancellations.seller_rejects(self.orders[record.order_id], self.clock.now(), reason))

    def seller_cancels_order(self, order_id: str, reason: str) -> cancellations.Cancellation:
        with self.session():
            order = self.order(order_id)
            self.apply(cancellations.seller_cancels(order, self.clock.now(), reason))
            return next(
                r
                for r in self.cancellations.values()
                if r.order_id == order.id and r.status is cancellations.CancelStatus.COMPLETE
            )

    # ----- the seller's answers to returns -----------------------------------------------------
    def approve_return(self, return_id: str) -> None:
        with self.session():
            record = aftersales.find(self.returns, return_id)
            self.apply(aftersales.seller_approves(record, self.clock.now()))

    def reject_return(self, return_id: str, reason: str, comment: str) -> None:
        with self.session():
            record = aftersales.find(self.returns, return_id)
            self.apply(aftersales.seller_rejects(record, self.clock.now(), reason, comment))

    # ----- scenarios' hooks --------------------------------------------------------------------
    def seed_order(self, order: Order, start: datetime) -> Outcome:
        """Take in an order a scenario declares: its package opens at once, and the rest of its
        journey up to the scenario's start is answered for the scenario to queue."""
        self.orders[order.id] = order
        opened, journey = self.logistics.seed(order, start)
        self.apply(opened)
        return journey

    def run_action(self, outcome: Callable[[], Outcome]) -> None:
        """A scenario step's action: its Outcome applied, or refused as a whole."""
        self.apply(outcome())


@dataclass(frozen=True)
class ShipRequest:
    package_id: str
    handover: HandoverMethod | None = None
    slot: tuple[datetime, datetime] | None = None
    tracking_number: str = ""
    provider_id: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    package_id: str
    delivery_type: str
    file_url: str = ""
    file_type: str = ""
    fail_reason: str = ""
    upload_id: str | None = None  # the upload a file_url of this tenant points to
