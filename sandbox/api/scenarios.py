"""Control plane: load scenarios, read their timelines and expectations reports."""

from __future__ import annotations

from typing import Any

from sandbox.domain.events import RuleViolation
from sandbox.http.context import current
from sandbox.http.envelope import ControlError
from sandbox.scenarios import ScenarioError
from sandbox.scenarios.engine import ScenarioRun
from sandbox.world import ScenarioConflict


def _world() -> Any:
    tenant = current().tenant
    assert tenant is not None
    return tenant.world


def load_scenario(body: Any = None, source: str = "<request>", **_: Any) -> tuple[dict[str, Any], int]:
    # An empty body parses as an empty document, which the parser refuses with its position.
    text = body if isinstance(body, str | bytes) else ""
    control = current().control
    try:
        scenario = control.parse_scenario(text, source)
    except ScenarioError as exc:
        raise ControlError(400, "invalid_scenario", str(exc), exc.as_dict()) from exc
    world = _world()
    try:
        run = world.load_scenario(scenario)
    except ScenarioConflict as exc:
        line, column = scenario.position(exc.path)
        where = {
            "file": source,
            "line": line,
            "column": column,
            "path": exc.path,
            "problem": exc.message,
            "expected": "a scenario that fits the tenant's current world",
        }
        raise ControlError(
            409, "scenario_conflict", f"{source}:{line}:{column}: {exc.message}", where
        ) from exc
    except RuleViolation as exc:
        raise ControlError(409, "scenario_conflict", exc.message) from exc
    with world.session():
        return run.report(), 201


def _run(name: str) -> ScenarioRun:
    run: ScenarioRun | None = _world().scenarios.get(name)
    if run is None:
        loaded = ", ".join(sorted(_world().scenarios)) or "none"
        raise ControlError(
            404, "unknown_scenario", f"no scenario named '{name}' is loaded (loaded: {loaded})"
        )
    return run


def list_scenarios(**_: Any) -> dict[str, Any]:
    with _world().session() as world:
        return {"scenarios": [run.report() for run in world.scenarios.values()]}


def get_scenario(name: str, **_: Any) -> dict[str, Any]:
    with _world().session():
        return _run(name).report()


def get_scenario_junit(name: str, **_: Any) -> tuple[str, int, dict[str, str]]:
    with _world().session():
        return _run(name).junit(), 200, {"Content-Type": "application/xml"}


def unload_scenarios(**_: Any) -> tuple[dict[str, Any], int]:
    _world().unload_scenarios()
    return {"scenarios": []}, 200
