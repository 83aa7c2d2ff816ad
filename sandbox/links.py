"""Links the sandbox hands out (label PDFs, uploaded files): the tenant and what is linked, signed
with the tenant's app secret. Unforgeable, and the same for the same calls, since links are part of
deterministic answers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any


class BadLink(ValueError):
    pass


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def sign(app_key: str, app_secret: str, fields: list[Any]) -> str:
    raw = json.dumps([app_key, *fields], separators=(",", ":")).encode()
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{payload}.{_mac(app_secret, payload)}"


def read(token: str, secret_of: Callable[[str], str | None]) -> tuple[str, list[Any]]:
    """The app_key and fields of a token this sandbox signed; ``secret_of`` finds an app's secret."""
    try:
        payload, mac = token.split(".")[:2]
        values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if not isinstance(values, list) or not values or not isinstance(values[0], str):
            raise ValueError
    except (ValueError, TypeError, binascii.Error):
        raise BadLink("this is not a link the sandbox issued") from None
    secret = secret_of(values[0])
    if secret is None or not hmac.compare_digest(_mac(secret, payload), mac):
        raise BadLink("this is not a link the sandbox issued") from None
    return values[0], values[1:]
