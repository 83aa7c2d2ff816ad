"""The control plane's view of webhook deliveries: list them, redeliver one, dispatch now."""

from __future__ import annotations

import json
from typing import Any

from sandbox.dispatcher import headers_for
from sandbox.durations import iso
from sandbox.http.context import current
from sandbox.http.envelope import ControlError
from sandbox.tenants import Tenant
from sandbox.webhooks import Delivery, RedeliveryRefused


def _tenant() -> Tenant:
    tenant = current().tenant
    assert tenant is not None
    return tenant


def _render(delivery: Delivery, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_type": delivery.event_type,
        "type": delivery.type,
        "address": delivery.address,
        "state": delivery.state.value,
        "order_id": delivery.order_id,
        "event_time": iso(delivery.event_at),
        "next_attempt_due": iso(delivery.next_due) if delivery.next_due else None,
        "payload": json.loads(delivery.body),
        "signature": headers_for(tenant, delivery)["Authorization"],
        "attempts": [
            {
                "number": a.number,
                "due": iso(a.due),
                "sent_at": iso(a.sent_at),
                "wall_time": iso(a.wall),
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
                "response": a.response,
            }
            for a in delivery.attempts
        ],
    }


def list_deliveries(
    state: str | None = None,
    event_type: str | None = None,
    order_id: str | None = None,
    limit: int = 1000,
    **_: Any,
) -> dict[str, Any]:
    tenant = _tenant()
    with tenant.world.session() as world:
        outbox = world.webhooks
        chosen = [
            d
            for d in outbox.deliveries.values()
            if (state is None or d.state.value == state)
            and (event_type is None or d.event_type == event_type)
            and (order_id is None or d.order_id == order_id)
        ]
        chosen.sort(key=lambda d: d.seq)
        return {
            "deliveries": [_render(d, tenant) for d in chosen[:limit]],
            "dropped": outbox.finished_dropped,
        }


def redeliver(delivery_id: str, **_: Any) -> dict[str, Any]:
    tenant = _tenant()
    with tenant.world.session() as world:
        delivery = world.webhooks.deliveries.get(delivery_id)
        if delivery is None:
            raise ControlError(404, "unknown_delivery", f"no webhook delivery {delivery_id} in this tenant")
        try:
            world.webhooks.redeliver(delivery, world.now())
        except RedeliveryRefused as exc:
            raise ControlError(409, "delivery_pending", exc.message) from exc
        return _render(delivery, tenant)


def dispatch(**_: Any) -> dict[str, Any]:
    return {"attempted": current().control.dispatcher.run_due()}
