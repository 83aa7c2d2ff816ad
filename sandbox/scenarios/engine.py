"""A scenario running in a world: its orders placed, its steps on the world's queue, its reactions
to domain events and client calls, and its expectations judged in virtual time.

Everything here runs under the world's lock, called by the world.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from sandbox import fakes
from sandbox.domain import rules
from sandbox.domain.events import Deadline, Outcome, RuleViolation
from sandbox.domain.orders import OrderStatus
from sandbox.durations import LATEST, format_duration, iso
from sandbox.faults import InvalidFault
from sandbox.journal import CAUSING_REQUEST
from sandbox.scenarios import conditions
from sandbox.scenarios.actions import ACTIONS
from sandbox.scenarios.model import Expectation, OrderDecl, Scenario, Step, Trigger

if TYPE_CHECKING:
    from sandbox.journal import JournalEntry
    from sandbox.world import RecordedEvent, World

TIMELINE_CAP = 10_000  # oldest entries dropped beyond it, and counted
SEP = "|"

# How long before the scenario start a declared order was placed, when it does not say.
DEFAULT_AGE = {
    OrderStatus.UNPAID: timedelta(minutes=10),
    OrderStatus.ON_HOLD: timedelta(minutes=20),
    OrderStatus.AWAITING_SHIPMENT: timedelta(hours=3),
}


# An expectation judged per occurrence gets at most this many verdicts; later occurrences are
# counted, not judged.
MAX_OCCURRENCES = 1000


@dataclass
class ExpectationState:
    """One verdict: of an expectation, or of one occurrence of an expectation judged ``each``."""

    spec: Expectation
    status: str = "pending"  # pending, passed, failed, skipped
    armed_at: datetime | None = None
    due: datetime | None = None
    met_at: datetime | None = None
    reason: str = ""
    occurrence: int = 0  # 1, 2... for an expectation judged each time; 0 otherwise
    call: str = ""  # the call that met or broke it
    # What armed it: the event's data (for conditions on "the arming event's" fields), and the
    # client request that caused that event (that request neither meets nor breaks it).
    armed_by: dict[str, Any] | None = None
    cause: object = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["cause"] = None  # a request of this process: never the cause of a later one
        return state


class ScenarioRun:
    def __init__(self, scenario: Scenario, world: World, start: datetime):
        self.scenario = scenario
        self.world = world
        self.start = start
        self.ends_at = start + scenario.until if scenario.until is not None else None
        self.ended = False
        self.attached = False
        self.timeline_dropped = 0
        self.refs: dict[str, str] = {}  # declared name -> order ID
        self._names: dict[str, str] = {}  # order ID -> declared name
        self._accounts: dict[str, fakes.Buyer] = {}  # buyer account -> the buyer its orders share
        self.timeline: list[dict[str, Any]] = []
        self.reactions: dict[int, int] = {}
        self.expectations = [ExpectationState(e, occurrence=int(e.each)) for e in scenario.expectations]
        self.occurrences_dropped: dict[int, int] = {}  # expectation index -> beyond MAX_OCCURRENCES

    # ----- loading ---------------------------------------------------------------------------
    def attach(self) -> Outcome:
        """Place the orders and arm the steps; answers the deadlines to queue."""
        self.attached = True
        outcome = Outcome()
        for decl in self.scenario.orders:
            outcome.extend(self._place(decl))
        for step in self.scenario.steps:
            if step.at is not None:
                first = self.start + step.at if isinstance(step.at, timedelta) else step.at
                outcome.deadlines += self._occurrences(step, first)
        for position, state in enumerate(self.expectations):
            if state.spec.after is None:
                outcome.deadlines += self._arm(position, self.start)
        if self.ends_at is not None:
            outcome.deadlines.append(Deadline(self.ends_at, rules.SCENARIO_ENDS, self.scenario.name))
        return outcome

    def _place(self, decl: OrderDecl) -> Outcome:
        world, rng = self.world, self.world.rng
        stock = world.stock
        age = decl.age if decl.age is not None else DEFAULT_AGE[decl.status]
        created = self.start - age
        paid = None if decl.status is OrderStatus.UNPAID else created + min(timedelta(minutes=2), age / 2)
        units: list[fakes.Sku] = []
        for item in decl.line_items:
            base = rng.choice(stock.skus)
            sku = replace(
                base,
                product_name=item.product_name or base.product_name,
                sku_name=item.sku_name if item.sku_name is not None else base.sku_name,
                seller_sku=item.seller_sku or base.seller_sku,
                price=Decimal(item.price) if item.price else base.price,
            )
            units += [sku] * item.quantity
        buyer = rng.choice(stock.buyers)
        overrides = dict(decl.buyer)
        account = overrides.pop("account", "")
        if account:  # the orders of one account are one buyer's: they can be combined
            buyer = self._accounts.get(account) or self._new_account(account, buyer, stock)
        if overrides:
            if "name" in overrides:
                first, _, last = overrides["name"].partition(" ")
                overrides.update(first_name=first, last_name=last)
            buyer = replace(buyer, address=replace(buyer.address, **overrides))
        shop = world.profile.shop
        order, running = fakes.new_order(
            rng,
            stock,
            order_id=fakes.new_order_id(rng, world.orders),
            shop_id=shop.id,
            warehouse_id=shop.warehouse_id,
            status=decl.status,
            created=created,
            paid=paid,
            units=units or fakes.random_units(rng, stock),
            buyer=buyer,
            shipping_type=decl.shipping_type or fakes.random_shipping_type(rng),
        )
        journey = world.seed_order(order, self.start)
        self.refs[decl.name] = order.id
        self._names[order.id] = decl.name
        return Outcome(deadlines=running).extend(journey)

    def _new_account(self, account: str, drawn: fakes.Buyer, stock: fakes.Stock) -> fakes.Buyer:
        """The buyer of a new account: the one drawn, unless another account has it already (then
        another of the shop's buyers, or a new one)."""
        taken = {b.user_id for b in self._accounts.values()}
        buyer = drawn
        if drawn.user_id in taken:
            free = [b for b in stock.buyers if b.user_id not in taken]
            buyer = free[0] if free else fakes.new_buyer(self.world.rng, stock.market)
        self._accounts[account] = buyer
        return buyer

    def _note(self, entry: dict[str, Any]) -> dict[str, Any]:
        if len(self.timeline) >= TIMELINE_CAP:
            self.timeline.pop(0)
            self.timeline_dropped += 1
        self.timeline.append(entry)
        return entry

    def _occurrences(self, step: Step, first: datetime) -> list[Deadline]:
        # Repetitions past the end of the sandbox's time range (or of the scenario) never happen.
        last = min(LATEST, self.ends_at) if self.ends_at is not None else LATEST
        return [
            Deadline(
                first + k * step.repeat_every,
                rules.SCENARIO_STEP,
                SEP.join((self.scenario.name, str(step.index), str(k))),
            )
            for k in range(step.repeat_count)
            if first + k * step.repeat_every <= last
        ]

    def _arm(
        self, position: int, at: datetime, armed_by: dict[str, Any] | None = None, cause: object = None
    ) -> list[Deadline]:
        state = self.expectations[position]
        state.armed_at, state.armed_by, state.cause = at, armed_by, cause
        if state.spec.kind != "within" or state.spec.within is None:
            return []
        state.due = at + state.spec.within
        return [Deadline(state.due, rules.SCENARIO_EXPECTATION_DUE, self._due_subject(position))]

    def _due_subject(self, position: int) -> str:
        return SEP.join((self.scenario.name, str(position)))

    def _arm_again(self, spec: Expectation) -> int | None:
        """A new verdict for another occurrence of an expectation judged each time: its position,
        or None past MAX_OCCURRENCES (then counted)."""
        taken = [s for s in self.expectations if s.spec.index == spec.index]
        if taken[-1].armed_at is None:
            return self.expectations.index(taken[-1])
        if len(taken) >= MAX_OCCURRENCES:
            self.occurrences_dropped[spec.index] = self.occurrences_dropped.get(spec.index, 0) + 1
            return None
        self.expectations.append(ExpectationState(spec, occurrence=len(taken) + 1))
        return len(self.expectations) - 1

    # ----- firing ----------------------------------------------------------------------------
    def fire_step(self, index: int, occurrence: int, at: datetime) -> Outcome:
        if self.ended:
            return Outcome()
        step = self.scenario.steps[index]
        for call in step.actions:
            action = ACTIONS[call.action]
            args = {k: (self.refs[v] if k in action.order_args else v) for k, v in call.args.items()}
            entry: dict[str, Any] = {
                "at": iso(at),
                "step": step.name,
                "action": call.action,
                "args": dict(call.args),
            }
            if step.repeat_count > 1:
                entry["repetition"] = occurrence + 1
            # Listed before the events it causes, completed once applied.
            self._note(entry)
            try:
                self.world.run_action(partial(action.act, self.world, args, at))
                entry["result"] = "done"
            except RuleViolation as exc:
                entry.update(result="skipped", detail=exc.message)
            except InvalidFault as exc:
                entry.update(result="skipped", detail=f"{call.action}: {exc}")
        return self._triggered(at, step=step.name)

    def expectation_due(self, position: int, at: datetime) -> Outcome:
        state = self.expectations[position]
        if state.status == "pending":
            spec = state.spec
            state.status = "failed"
            about = f" mentioning order '{spec.order}'" if spec.order else ""
            about += "".join(f", {c.describe()}" for c in spec.request)
            since = f"{spec.after.describe()}" if spec.after else "the scenario start"
            if state.occurrence:
                since += f" (occurrence {state.occurrence}, at {iso(state.armed_at or at)})"
            within = format_duration(spec.within) if spec.within is not None else ""
            counted = {"successful": "successful ", "failed": "failed ", "any": ""}[spec.counting]
            state.reason = f"no {counted}{spec.operation} call{about} within {within} of {since}"
            self._note_expectation(state, at)
        return Outcome()

    def end(self, at: datetime) -> Outcome:
        """The scenario is over: steps still to come are dropped, expectations get their verdicts."""
        self.ended = True
        for state in self.expectations:
            if state.status != "pending":
                continue
            if state.spec.kind == "never" and state.armed_at is not None:
                state.status, state.met_at = "passed", at
                state.reason = f"no {state.spec.operation} call until the scenario ended"
            elif state.armed_at is None:
                state.status = "skipped"
                trigger = state.spec.after.describe() if state.spec.after else "trigger"
                state.reason = f"{trigger} never happened"
            else:
                state.status = "skipped"
                state.reason = "the scenario ended before this expectation's deadline"
            self._note_expectation(state, at)
        self._note({"at": iso(at), "step": "scenario ends", "result": "done"})
        prefix = self.scenario.name + SEP
        cancelled = [
            (d.rule, d.subject)
            for d in self.world.pending_deadlines()
            if d.rule in (rules.SCENARIO_STEP, rules.SCENARIO_EXPECTATION_DUE)
            and d.subject.startswith(prefix)
        ]
        return Outcome(cancel=cancelled)

    def _note_expectation(self, state: ExpectationState, at: datetime) -> None:
        entry: dict[str, Any] = {
            "at": iso(at),
            "expectation": state.spec.name,
            "result": state.status,
            "detail": state.reason,
        }
        if state.occurrence:
            entry["occurrence"] = state.occurrence
        self._note(entry)

    # ----- reacting --------------------------------------------------------------------------
    def _matches(
        self,
        trigger: Trigger,
        *,
        event: RecordedEvent | None = None,
        request: JournalEntry | None = None,
        step: str | None = None,
    ) -> bool:
        if step is not None:
            return trigger.step == step
        if event is not None:
            e = event.event
            if trigger.event != e.kind:
                return False
            if trigger.order is not None and self.refs[trigger.order] not in (
                e.subject,
                e.data.get("order_id"),
            ):
                return False
            return all(str(e.data.get(k)) == v for k, v in trigger.where.items())
        assert request is not None
        if trigger.client_calls != request.operation or not request.succeeded:
            return False
        if trigger.order is not None and not request.mentions(self._identifiers(trigger.order)):
            return False
        return conditions.hold(trigger.request, request, self._resolve, None)

    def _resolve(self, kind: str, name: str) -> list[str]:
        """The IDs a scenario ref stands for now: an order's ID, its packages' IDs, its tracking
        numbers (a split order has several)."""
        order = self.world.orders[self.refs[name]]
        if kind == "order":
            return [order.id]
        packages = self.world.logistics.packages_of(order)
        if kind == "package":
            return [p.id for p in packages] or list(order.package_ids)
        numbers = [p.tracking_number for p in packages if p.tracking_number]
        return numbers or ([order.tracking_number] if order.tracking_number else [])

    def _identifiers(self, name: str) -> list[str]:
        order = self.world.orders[self.refs[name]]
        returns = [r.id for r in self.world.returns.values() if r.order_id == order.id]
        return [order.id, *order.package_ids, order.tracking_number, *returns]

    def _triggered(self, at: datetime, **happening: Any) -> Outcome:
        outcome = Outcome()
        for step in self.scenario.steps:
            if step.when is None or self.reactions.get(step.index, 0) >= step.times:
                continue
            if self._matches(step.when, **happening):
                self.reactions[step.index] = self.reactions.get(step.index, 0) + 1
                outcome.deadlines += self._occurrences(step, at + step.after)
        for spec in self.scenario.expectations:
            if spec.after is None or (not spec.each and self.expectations[spec.index].armed_at is not None):
                continue  # armed from the start, or once and for all
            if not self._matches(spec.after, **happening):
                continue
            # what armed it, taken only for an expectation it arms (an advance meets thousands)
            event = happening.get("event")
            armed_by = dict(event.event.data) if event is not None else None
            cause = CAUSING_REQUEST.get() if event is not None else None
            if spec.each:
                position = self._arm_again(spec)
                if position is not None:
                    outcome.deadlines += self._arm(position, at, armed_by, cause)
            else:
                outcome.deadlines += self._arm(spec.index, at, armed_by, cause)
        return outcome

    def on_event(self, recorded: RecordedEvent) -> Outcome:
        """What the scenario makes of an event: its timeline, and the reactions it arms."""
        if self.ended or not self.attached:
            return Outcome()
        event = recorded.event
        name = self._names.get(event.subject) or self._names.get(str(event.data.get("order_id", "")))
        if name is not None:
            self._note({"at": iso(event.at), "event": event.kind, "order": name, "data": dict(event.data)})
        return self._triggered(event.at, event=recorded)

    def on_request(self, entry: JournalEntry) -> Outcome:
        """What the scenario makes of a client's request: expectations met or broken, reactions."""
        if self.ended or not self.attached:
            return Outcome()
        met = Outcome()
        cause = CAUSING_REQUEST.get()
        for position, state in enumerate(self.expectations):
            spec = state.spec
            if state.status != "pending" or state.armed_at is None or entry.operation not in spec.operations:
                continue
            if cause is not None and state.cause is cause:
                continue  # this very call caused the event that armed it
            if not _counted(spec.counting, entry):
                continue
            if spec.order is not None and not entry.mentions(self._identifiers(spec.order)):
                continue
            if not conditions.hold(spec.request, entry, self._resolve, state.armed_by):
                continue
            state.met_at, state.call = entry.at, _describe_call(entry)
            if spec.kind == "within":
                state.status, state.reason = "passed", state.call
                met.cancel.append((rules.SCENARIO_EXPECTATION_DUE, self._due_subject(position)))
            else:
                state.status, state.reason = "failed", f"the client called {state.call}"
            self._note_expectation(state, entry.at)
        return met.extend(self._triggered(entry.at, request=entry))

    # ----- reporting -------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        orders = {}
        for name, order_id in self.refs.items():
            order = self.world.orders[order_id]
            orders[name] = {
                "order_id": order.id,
                "status": order.status.value,
                "package_ids": list(order.package_ids),
                "tracking_numbers": [order.tracking_number] if order.tracking_number else [],
            }
        prefix = self.scenario.name + SEP
        pending: list[dict[str, Any]] = []
        for deadline in self.world.pending_deadlines():
            if deadline.rule == rules.SCENARIO_STEP and deadline.subject.startswith(prefix):
                index = int(deadline.subject.split(SEP)[1])
                pending.append({"due": iso(deadline.due), "step": self.scenario.steps[index].name})
        expectations = []
        for s in sorted(self.expectations, key=lambda s: (s.spec.index, s.occurrence)):
            shown: dict[str, Any] = {
                "name": s.spec.name,
                "status": s.status,
                "reason": s.reason,
                "kind": "client_calls" if s.spec.kind == "within" else "client_never_calls",
                "operation": s.spec.operation,
                "order": s.spec.order,
                "armed_at": iso(s.armed_at) if s.armed_at else None,
                "due": iso(s.due) if s.due else None,
                "met_at": iso(s.met_at) if s.met_at else None,
                "counting": s.spec.counting,
                "call": s.call or None,
            }
            if s.spec.each:
                shown["occurrence"] = s.occurrence or 1
                if s.occurrence == 1 and s.spec.index in self.occurrences_dropped:
                    shown["occurrences_not_judged"] = self.occurrences_dropped[s.spec.index]
            expectations.append(shown)
        for step in self.scenario.steps:
            reacted = self.reactions.get(step.index, 0)
            if step.when is not None and reacted < step.times and not self.ended:
                pending.append(
                    {
                        "due": None,
                        "step": step.name,
                        "waiting_for": step.when.describe(),
                        "reactions_left": step.times - reacted,
                    }
                )
        summary = {
            k: sum(1 for s in self.expectations if s.status == k)
            for k in ("passed", "failed", "pending", "skipped")
        }
        return {
            "name": self.scenario.name,
            "description": self.scenario.description,
            "source": self.scenario.source,
            "state": "ended" if self.ended else ("running" if self.attached else "waiting"),
            "started_at": iso(self.start),
            "ends_at": iso(self.ends_at) if self.ends_at else None,
            "orders": orders,
            "timeline": list(self.timeline),
            "timeline_dropped": self.timeline_dropped,
            "pending": pending,
            "expectations": expectations,
            "summary": summary,
        }

    def junit(self) -> str:
        """JUnit XML; text is cleaned of characters XML cannot hold (YAML can)."""
        suite = ElementTree.Element(
            "testsuite", name=f"scenario {self.scenario.name}", tests=str(len(self.expectations))
        )
        counts = {"failures": 0, "skipped": 0}
        for state in sorted(self.expectations, key=lambda s: (s.spec.index, s.occurrence)):
            name = state.spec.name
            if state.spec.each:
                armed = f", armed {iso(state.armed_at)}" if state.armed_at else ""
                name += f" (occurrence {state.occurrence or 1}{armed})"
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"scenario.{self.scenario.name}", name=_xml_text(name)
            )
            if state.status == "failed":
                counts["failures"] += 1
                ElementTree.SubElement(case, "failure", message=_xml_text(state.reason)).text = _xml_text(
                    state.reason
                )
            elif state.status in ("pending", "skipped"):
                counts["skipped"] += 1
                ElementTree.SubElement(case, "skipped", message=_xml_text(state.reason or "still pending"))
        suite.set("failures", str(counts["failures"]))
        suite.set("skipped", str(counts["skipped"]))
        suite.set("errors", "0")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ElementTree.tostring(suite, encoding="unicode")
            + "\n"
        )


def _counted(counting: str, entry: JournalEntry) -> bool:
    """Whether the call is one the expectation counts: successful, failed, or any."""
    return counting == "any" or entry.succeeded == (counting == "successful")


def _describe_call(entry: JournalEntry) -> str:
    answer = f"code {entry.code}" if entry.code is not None else f"HTTP {entry.status}"
    return f"{entry.method} {entry.path} at {iso(entry.at)} ({answer})"


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)
