"""Webhook subscriptions (``/event/202309/webhooks``); the deliveries themselves are in
sandbox.webhooks and sandbox.dispatcher."""

from __future__ import annotations

from typing import Any

from sandbox.domain import subscriptions
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def get_webhooks(**_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        subscriptions = [
            {
                "event_type": s.event_type,
                "address": s.address,
                # Documented in Unix milliseconds (most of the API's times are seconds).
                "create_time": int(s.create_time.timestamp()) * 1000,
                "update_time": int(s.update_time.timestamp()) * 1000,
            }
            for s in world.webhooks.subscriptions.values()
        ]
        return success(
            world.next_request_id(), {"webhooks": subscriptions, "total_count": len(subscriptions)}
        )


def update_webhook(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    address = subscriptions.checked_address(request["address"])
    with current().world.session() as world:
        world.webhooks.subscribe(request["event_type"], address, world.now())
        return success(world.next_request_id(), {})


def delete_webhook(body: Any, **_: Any) -> dict[str, Any]:
    event_type = json_object(body)["event_type"]
    with current().world.session() as world:
        if not world.webhooks.unsubscribe(event_type):
            raise subscriptions.not_subscribed(event_type)
        return success(world.next_request_id(), {})
