"""Scenarios in a world: loading one (into a fresh world or the current one), unloading them all,
and the hooks their engine calls back (a scenario's order taken in, a step's action applied)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sandbox.domain.events import Outcome, RuleViolation
from sandbox.domain.orders import Order
from sandbox.durations import LATEST
from sandbox.scenarios.engine import ScenarioRun
from sandbox.scenarios.model import Scenario
from sandbox.world.core import WorldCore


class ScenarioConflict(RuleViolation):
    """A valid scenario that cannot join this world as it stands (names the place in the file)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


class ScenarioOperations(WorldCore):
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
            run = ScenarioRun(scenario, self._whole, now)
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

    # ----- the engine's hooks ------------------------------------------------------------------
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
