"""Control plane: export a tenant as a snapshot file, import one (replacing or creating a tenant)."""

from __future__ import annotations

from typing import Any

from sandbox.durations import iso
from sandbox.http.context import current
from sandbox.http.envelope import ControlError
from sandbox.persistence import SnapshotError, dump_tenant, load_tenant
from sandbox.tenants import TenantRefused


def export_snapshot(**_: Any) -> tuple[bytes, int, dict[str, str]]:
    tenant = current().tenant
    assert tenant is not None
    data = dump_tenant(tenant)
    return (
        data,
        200,
        {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{tenant.app_key}.snapshot"',
        },
    )


def import_snapshot(body: Any = None, **_: Any) -> tuple[dict[str, Any], int]:
    data = body if isinstance(body, bytes) else b""
    if not data:
        raise ControlError(400, "invalid_snapshot", "send the snapshot file as the request body")
    try:
        tenant = load_tenant(data)
    except SnapshotError as exc:
        raise ControlError(400, "invalid_snapshot", f"not imported: {exc}") from exc
    control = current().control
    try:
        replaced = control.import_tenant(tenant)
    except TenantRefused as exc:
        raise ControlError(409, "too_many_tenants", exc.message) from exc
    return {**tenant.credentials(), "replaced": replaced, "now": iso(tenant.world.now())}, 201
