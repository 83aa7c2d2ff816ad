"""One tenant's universe: its clock, its state, its queue of timed rules and its random generator.

Every change goes through the world under its lock and is answered by a domain ``Outcome``: the
events are recorded (and handed to listeners) and the deadlines put on the queue. The world is the
only thing that moves time forward, and when it does it fires every due rule in time order.

This core holds the state and what every operation goes through (building, pickling, the clock,
the queue, ``apply``, the session); the operations are in the modules beside it, one family each
(``world.py`` lists them).
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, cast

from sandbox import fakes
from sandbox.clock import VirtualClock, wall_now
from sandbox.counters import counter_value
from sandbox.domain import aftersales, authorization, cancellations, markets, orders, rules, tickets
from sandbox.domain.authorization import Grants
from sandbox.domain.events import Deadline, DomainEvent, Outcome
from sandbox.domain.external_orders import ExternalOrders
from sandbox.domain.logistics import Logistics
from sandbox.domain.order_counts import OrderCounts
from sandbox.domain.orders import Order, OrderStatus
from sandbox.domain.packages import PackageStatus
from sandbox.domain.search import Ordered
from sandbox.domain.uploads import Uploads
from sandbox.faults import FaultBook
from sandbox.journal import CAUSING_REQUEST, DEFAULT_CAP, Journal, JournalEntry
from sandbox.scenarios.engine import ScenarioRun
from sandbox.scenarios.model import Scenario
from sandbox.webhooks import Webhooks
from sandbox.world.building import PROGRESS_EVERY, collector_paused, report_progress, shop_stock
from sandbox.world.profile import WorldProfile
from sandbox.world.records import EVENT_LOG_CAP, RecordedEvent, _Queued

if TYPE_CHECKING:
    from sandbox.world.world import World

_COUNTERS = ("_seq", "_event_seq", "_request_seq")
# Kept up to date from the queue and the events, never pickled: rebuilt from the state on loading.
_DERIVED = ("_live_by_rule", "_order_counts", "_queued_by_key", "_lines_cancelled")
NEXT_DEADLINES = 5  # how many of the next deadlines the clock shows
ADVANCE_PROGRESS_EVERY = 256  # rules fired between two updates of an advance's progress
PAUSE_COLLECTOR_AFTER = 256  # rules fired at once before the rest are fired with the collector paused


def _queued_seq(queued: _Queued) -> int:
    return queued.seq


@dataclass
class Advancing:
    """How far a clock advance has got. The advance holds the world's lock throughout (an advance
    of a month over a large shop fires rules for seconds); this record is read without it."""

    began: datetime  # the virtual instant the advance started from
    target: datetime
    reached: datetime  # the due instant of the last rule fired, as of the last update
    fired: int = 0
    pending: int = 0  # live deadlines on the queue, as of the last update

    @property
    def percent(self) -> float:
        span = (self.target - self.began).total_seconds()
        done = (self.reached - self.began).total_seconds()
        return round(100.0 * done / span, 1) if span > 0 else 100.0


class WorldCore:
    """The state and the machinery every family of operations runs on (their classes subclass it,
    so each sees the whole state; ``World`` joins them)."""

    def __init__(self, profile: WorldProfile, *, journal_cap: int = DEFAULT_CAP):
        self.profile = profile
        self.journal_cap = journal_cap
        self.base_profile = profile  # what unloading every scenario goes back to
        self.lock = threading.RLock()
        self.advancing: Advancing | None = None  # a clock advance under way (see Advancing)
        self.listeners: list[Callable[[RecordedEvent], None]] = []
        self.request_listeners: list[Callable[[JournalEntry], None]] = []
        # Subscriptions outlive a reset (they are the client's settings); the outbox does not.
        self.webhooks = Webhooks()
        # Scenarios loaded into this world, with their start as an offset from the world's start:
        # a reset rebuilds the world and runs them again from the same instants.
        self.loaded: list[tuple[Scenario, timedelta]] = []
        self._build()

    @property
    def _whole(self) -> World:
        """This world as its scenarios, its outbox and its timed rules take it: a core is only
        ever built as part of a ``World``."""
        return cast("World", self)

    # ----- building and resetting -------------------------------------------------------------
    def _build(self) -> None:
        with collector_paused(long_lived=True):
            self._build_world()
            # The counters are counted once here, then kept: no reading of a big world pays it.
            steps = 2 * self.profile.order_count + 1
            report_progress(steps - 1, steps)
            self._whole.order_counts()
            report_progress(steps, steps)

    def _build_world(self) -> None:
        # The attributes are set in the order snapshots have always held them: the same world
        # pickles to the same bytes.
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
        self._derived_anew()
        self._seq = itertools.count(1)
        self._event_seq = itertools.count(1)
        self._request_seq = itertools.count(1)
        self.events: deque[RecordedEvent] = deque(maxlen=EVENT_LOG_CAP)
        self.events_dropped = 0
        self.journal = Journal(self.journal_cap)
        self.faults = FaultBook(p.seed)
        self.stock = shop_stock(self.rng, p.seed, p.region, min(p.order_count, 200))
        steps = 2 * p.order_count + 1
        seeded, pending = fakes.seed_orders(
            self.rng,
            self.stock,
            shop_id=p.shop.id,
            warehouse_id=p.shop.warehouse_id,
            start=start,
            count=p.order_count,
            progress=lambda drawn: report_progress(drawn, steps),
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
                    self._lines_cancelled,
                )
        self.returns: dict[str, aftersales.ReturnRequest] = {}
        self.uploads = Uploads()
        self.desk = tickets.Desk()
        for done, order in enumerate(seeded):
            if done % PROGRESS_EVERY == 0:
                report_progress(p.order_count + done, steps)
            opened, journey = self.logistics.seed(order, start)
            self.apply(opened)
            pending += journey.deadlines
        _, _, granted = authorization.grant_pair(
            self.grants, p.seller_open_id, start, p.access_token, p.refresh_token
        )
        self.scenarios: dict[str, ScenarioRun] = {}
        self.apply(Outcome(deadlines=pending).extend(granted))
        for scenario, offset in self.loaded:
            run = ScenarioRun(scenario, self._whole, start + offset)
            self.scenarios[scenario.name] = run
            if offset:
                # Loaded after the world's start: it joins again at the same instant.
                self.apply(Outcome(deadlines=[Deadline(run.start, rules.SCENARIO_STARTS, scenario.name)]))
            else:
                self.apply(run.attach())
        # Added after the attributes snapshots have always held: older snapshots get an empty book.
        self.external_orders = ExternalOrders()
        self.market_records = markets.MarketRecords()
        # The idempotency keys of after-sales reviews (202609) applied: key -> the decision sent.
        self.review_keys: dict[str, str] = {}

    # ----- pickling (persistence and snapshots) ------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """Everything but the lock and the listeners (a process's own), with counters as numbers."""
        state = dict(self.__dict__)
        del state["lock"], state["listeners"], state["request_listeners"]
        state.pop("advancing", None)
        for name in _DERIVED:
            state.pop(name, None)
        for name in _COUNTERS:
            state[name] = counter_value(state[name])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("external_orders", ExternalOrders())
        self.__dict__.setdefault("market_records", markets.MarketRecords())  # snapshots from before them
        self.__dict__.setdefault("review_keys", {})
        for name in _COUNTERS:
            self.__dict__[name] = itertools.count(state[name])
        self.lock = threading.RLock()
        self.advancing = None
        self.listeners = []
        self.request_listeners = []
        for delivery in self.webhooks.deliveries.values():
            delivery.in_flight = False  # an attempt cut short by a stop is made again
        self._derived_anew()

    def _derived_anew(self) -> None:
        """What is kept beside the state so that reading it costs nothing at any size: the live
        deadlines by rule (from the queue as it stands), the Seller Center's counters (built at
        their first reading, then kept up to date from the events) and the cancelled line items."""
        live: Counter[str] = Counter()
        by_key: dict[tuple[str, str], list[_Queued]] = {}
        for queued in sorted((q for q in self._queue if not q.cancelled), key=_queued_seq):
            live[queued.rule] += 1
            by_key.setdefault((queued.rule, queued.subject), []).append(queued)
        self._live_by_rule = live
        # The live rules of each (rule, subject), in the order they were queued: what cancelling
        # or moving a subject's rules finds them by.
        self._queued_by_key = by_key
        self._order_counts = OrderCounts()
        # The line items each order had cancelled on their own (none yet while the world is built).
        records = self.__dict__.get("cancellations", {})
        self._lines_cancelled = cancellations.lines_cancelled_by_order(records)

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
            began = self.clock.now()
            self.advancing = Advancing(began, target, began, pending=self.pending_count())
            # A long advance allocates what it records (events, tracking, journal) and little
            # garbage; the collector, run over and over by those allocations, would rescan them
            # all each time, holding every other tenant's requests for the length of a scan.
            try:
                with collector_paused():
                    fired = self._fire_until(target)
            finally:
                self.advancing = None
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
        """Every live deadline in time order: a sort of the whole queue (the clock's answer uses
        ``next_deadlines`` and ``pending_by_rule``, which cost nothing at any size)."""
        with self.lock:
            live = sorted(q for q in self._queue if not q.cancelled)
            return [Deadline(q.due, q.rule, q.subject) for q in live]

    def next_deadlines(self, count: int = NEXT_DEADLINES) -> list[Deadline]:
        """The first ``count`` live deadlines in time order, walking the heap from its top: only
        the items that could come before them are looked at, not the whole queue."""
        with self.lock:
            queue = self._queue
            found: list[Deadline] = []
            frontier = [(queue[0], 0)] if queue else []
            while frontier and len(found) < count:
                item, index = heapq.heappop(frontier)
                if not item.cancelled:
                    found.append(Deadline(item.due, item.rule, item.subject))
                for child in (2 * index + 1, 2 * index + 2):
                    if child < len(queue):
                        heapq.heappush(frontier, (queue[child], child))
            return found

    def pending_by_rule(self) -> dict[str, int]:
        """How many live deadlines each rule has on the queue, kept as they are queued, fired and
        cancelled."""
        with self.lock:
            return {rule: n for rule, n in sorted(self._live_by_rule.items()) if n}

    def pending_count(self) -> int:
        with self.lock:
            return sum(self._live_by_rule.values())

    def _fire_until(self, until: datetime) -> int:
        from sandbox.timed_rules import TIMED_RULES

        fired = 0
        if not self._queue or self._queue[0].due > until:
            return fired
        cause = CAUSING_REQUEST.set(None)  # the clock causes what timed rules do, not a call
        paused = ExitStack()
        try:
            while self._queue and self._queue[0].due <= until:
                if fired == PAUSE_COLLECTOR_AFTER:
                    # A backlog (the rules a big world's first request finds due, a clock that ran
                    # on): what it records would be walked by the collector, all of it at each full
                    # collection, holding the interpreter from every other tenant meanwhile.
                    paused.enter_context(collector_paused())
                item = heapq.heappop(self._queue)
                self._forget(item)
                if item.cancelled:
                    continue
                self._live_by_rule[item.rule] -= 1
                if item.due > self.clock.now():
                    self.clock.set_forward(item.due)
                self.apply(TIMED_RULES[item.rule](self._whole, item.subject, item.due))
                fired += 1
                if fired % ADVANCE_PROGRESS_EVERY == 0 and self.advancing is not None:
                    self._progressed(self.advancing, item.due, fired)
        finally:
            paused.close()
            CAUSING_REQUEST.reset(cause)
        return fired

    def _progressed(self, advancing: Advancing, reached: datetime, fired: int) -> None:
        advancing.pending = sum(self._live_by_rule.values())
        advancing.fired = fired
        advancing.reached = reached  # last: a reader that sees it sees the counts that go with it

    # ----- applying outcomes -----------------------------------------------------------------
    def apply(self, outcome: Outcome) -> None:
        """Make an Outcome happen: the only place a world changes its queue and its event log and
        tells its listeners. Cancellations first, then new deadlines, then the events in order."""
        if outcome.empty:
            return
        live = self._live_by_rule
        for rule, subject in outcome.cancel:
            for queued in self._queued_by_key.pop((rule, subject), []):
                if not queued.cancelled:
                    queued.cancelled = True
                    live[rule] -= 1
        moved: list[Deadline] = []
        for rule, subject, to in outcome.moved:
            for queued in sorted(q for q in self._queued_by_key.pop((rule, subject), []) if not q.cancelled):
                queued.cancelled = True
                live[rule] -= 1
                if to is not None:
                    moved.append(Deadline(queued.due, rule, to))
        for deadline in [*outcome.deadlines, *moved]:
            queued = _Queued(deadline.due, next(self._seq), deadline.rule, deadline.subject)
            heapq.heappush(self._queue, queued)
            self._queued_by_key.setdefault((deadline.rule, deadline.subject), []).append(queued)
            live[deadline.rule] += 1
        for event in outcome.events:
            self._order_counts.touched(event)
            if len(self.events) == self.events.maxlen:
                self.events_dropped += 1
            recorded = RecordedEvent(next(self._event_seq), event)
            self.events.append(recorded)
            self._follow(event)
            self.webhooks.notify(self._whole, recorded, self.profile.shop.id)
            for listener in self.listeners:
                listener(recorded)
            for run in list(self.scenarios.values()):
                reaction = run.on_event(recorded)
                if not reaction.empty:  # most answer nothing: a clock advance asks thousands
                    self.apply(reaction)

    def _follow(self, event: DomainEvent) -> None:
        """The platform's own consequences of an order changing status: a package to ship once it
        awaits shipment, no package to ship once it is cancelled; and the cancellation records."""
        order = self.orders.get(event.subject)
        if order is None or not event.kind.startswith("order."):
            return
        cancellations.follow(
            self.cancellations, order, event, self.rng, self.open_cancellations, self._lines_cancelled
        )
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
    def session(self) -> Iterator[Self]:
        """Hold the world's lock with every due rule fired: the way every operation starts.

        Rules that came due during the operation (a reaction scheduled for "now") fire before the
        lock is released.
        """
        with self.lock:
            self._fire_until(self.clock.now())
            yield self
            self._fire_until(self.clock.now())

    # ----- the lookup every family of operations starts from ------------------------------------
    def order(self, order_id: str) -> Order:
        return orders.find(self.orders, order_id)
