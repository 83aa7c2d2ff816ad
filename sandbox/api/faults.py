"""Control plane: injected faults of the tenant (latency, errors, throttling, rate limits)."""

from __future__ import annotations

from typing import Any

from sandbox.faults import InvalidFault
from sandbox.http.context import current, json_object
from sandbox.http.envelope import ControlError
from sandbox.world import World


def _world() -> World:
    tenant = current().tenant
    assert tenant is not None
    return tenant.world


def create_fault(body: dict[str, Any], **_: Any) -> tuple[dict[str, Any], int]:
    with _world().session() as world:
        now = world.now()
        try:
            fault = world.faults.inject(json_object(body), now)
        except InvalidFault as exc:
            raise ControlError(400, "invalid_fault", str(exc)) from exc
        return fault.describe(now), 201


def list_faults(**_: Any) -> dict[str, Any]:
    with _world().session() as world:
        now = world.now()
        return {"faults": [f.describe(now) for f in world.faults.live(now)]}


def delete_fault(fault_id: str, **_: Any) -> dict[str, Any]:
    with _world().session() as world:
        if not world.faults.remove(fault_id):
            raise ControlError(
                404, "unknown_fault", f"no fault '{fault_id}' in this tenant (expired ones are forgotten)"
            )
        return {"deleted": fault_id}


def clear_faults(**_: Any) -> dict[str, Any]:
    with _world().session() as world:
        return {"deleted": world.faults.clear()}
