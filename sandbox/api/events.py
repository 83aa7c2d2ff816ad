"""Webhook subscriptions (``/event/202309/webhooks``); the deliveries themselves are in
sandbox.webhooks and sandbox.dispatcher."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sandbox.domain.events import RuleViolation
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def get_webhooks(**_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        subscriptions = [
            {
                "event_type": s.event_type,
                "address": s.address,
                "create_time": int(s.create_time.timestamp()),
                "update_time": int(s.update_time.timestamp()),
            }
            for s in world.webhooks.subscriptions.values()
        ]
        return success(
            world.next_request_id(), {"webhooks": subscriptions, "total_count": len(subscriptions)}
        )


def update_webhook(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    address = request["address"].strip()
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleViolation(
            f"address '{address[:100]}' is not an http(s) URL such as http://127.0.0.1:9000/hook"
        )
    with current().world.session() as world:
        world.webhooks.subscribe(request["event_type"], address, world.now())
        return success(world.next_request_id(), {})


def delete_webhook(body: Any, **_: Any) -> dict[str, Any]:
    event_type = json_object(body)["event_type"]
    with current().world.session() as world:
        if not world.webhooks.unsubscribe(event_type):
            raise RuleViolation(f"no webhook is subscribed to {event_type}")
        return success(world.next_request_id(), {})
