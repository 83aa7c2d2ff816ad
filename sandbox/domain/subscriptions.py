"""The Open API's rules for webhook subscriptions (the deliveries are in ``sandbox.webhooks``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sandbox.domain.events import RuleViolation


def checked_address(address: str) -> str:
    """A subscription's address: an http(s) URL with a host."""
    address = address.strip()
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleViolation(
            f"address '{address[:100]}' is not an http(s) URL such as http://127.0.0.1:9000/hook"
        )
    return address


def not_subscribed(event_type: str) -> RuleViolation:
    return RuleViolation(f"no webhook is subscribed to {event_type}")
