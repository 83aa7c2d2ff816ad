"""Checks a signed Open API request as the platform does, and finds its tenant and shop.

The order of the checks: app_key, sign present, timestamp window, signature, access token, then the
shop_cipher rules. Each failure answers the platform's error code. A bad signature also carries a
sandbox-only hint: the string the sandbox expected to be signed (never the secret).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sandbox import signing
from sandbox.domain import deadlines
from sandbox.domain.codes import Code
from sandbox.http.envelope import ApiError
from sandbox.tenants import Tenant, TenantRegistry
from sandbox.world import Shop

STRING_TO_SIGN_HEADER = "X-Tts-Sandbox-String-To-Sign"
_HINT_LIMIT = 4096


class AuthLevel(StrEnum):
    APP = "app"  # unsigned, app credentials in the query (token endpoints)
    SELLER = "seller"  # signed, access token, no shop_cipher (/authorization, /seller)
    SHOP = "shop"  # signed, access token, shop_cipher (order, fulfillment, logistics, ...)


@dataclass(frozen=True)
class Verified:
    tenant: Tenant
    shop: Shop | None


def _hint(text: str) -> str:
    # Header values must be printable ASCII: escape the rest (non-ASCII, CR, LF, tabs) as Python
    # would, and cut very long bodies.
    escaped = "".join(
        c
        if " " <= c <= "~"
        else c.encode("ascii", "backslashreplace").decode()
        if ord(c) > 127
        else repr(c)[1:-1]
        for c in text
    )
    return escaped if len(escaped) <= _HINT_LIMIT else escaped[:_HINT_LIMIT] + "...(cut)"


def verify(
    registry: TenantRegistry,
    level: AuthLevel,
    *,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    content_type: str,
    wall_now: datetime,
) -> Verified:
    """``query``: the query's (name, value) pairs as sent; a repeated key is signed once per value."""
    params = dict(query)
    app_key = params.get("app_key", "")
    if not app_key:
        raise ApiError(Code.INVALID_REQUEST, "Invalid request: app_key is missing")
    tenant = registry.get(app_key)
    if tenant is None:
        raise ApiError(
            Code.INVALID_REQUEST, f"Invalid request: app_key '{app_key}' is not an app of this sandbox"
        )
    given = params.get("sign", "")
    if not given:
        raise ApiError(Code.INVALID_REQUEST, "Invalid request: sign is missing")
    _check_timestamp(params.get("timestamp", ""), wall_now)
    expected = signing.sign(tenant.app_secret, path, query, body, content_type)
    if not signing.signatures_match(expected, given):
        text = signing.string_to_sign(path, query, body, content_type)
        raise ApiError(
            Code.INVALID_SIGN,
            "Invalid sign. Sandbox hint: the string the sandbox signed (before wrapping it in the "
            f"app secret) is in the {STRING_TO_SIGN_HEADER} response header",
            headers={STRING_TO_SIGN_HEADER: _hint(text)},
        )
    token_value = headers.get("x-tts-access-token", "")
    if not token_value:
        raise ApiError(Code.INVALID_REQUEST, "Invalid request: the x-tts-access-token header is missing")
    with tenant.world.session() as world:
        token = world.grants.access.get(token_value)
        if token is None:
            raise ApiError(Code.INVALID_REQUEST, "Invalid request: access token is invalid")
        if token.revoked:
            raise ApiError(
                Code.INVALID_REQUEST,
                "Invalid request: access token is invalid (the seller deauthorized the app; a new "
                "authorization gives new tokens)",
            )
        if token.expired:
            raise ApiError(Code.TOKEN_EXPIRED, "Access token is expired, please refresh it")
    cipher = params.get("shop_cipher")
    if level is AuthLevel.SELLER:
        if cipher:
            raise ApiError(Code.INVALID_REQUEST, "Invalid request: this API does not take shop_cipher")
        return Verified(tenant, None)
    if not cipher:
        raise ApiError(Code.SHOP_CIPHER_MISSING, "shop_cipher is required for this API")
    shop = next((s for s in tenant.world.shops.values() if s.cipher == cipher), None)
    if shop is None:
        owner = next((t for t in registry.all() if t.shop.cipher == cipher), None)
        if owner is not None:
            raise ApiError(
                Code.NOT_SHOP_OWNER, "The shop_cipher does not belong to a shop this token can access"
            )
        raise ApiError(Code.INVALID_REQUEST, "Invalid request: shop_cipher is invalid")
    return Verified(tenant, shop)


def _check_timestamp(raw: str, wall_now: datetime) -> None:
    if not raw:
        raise ApiError(Code.INVALID_REQUEST, "Invalid request: timestamp is missing")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise ApiError(Code.INVALID_REQUEST, "Invalid request: timestamp must be Unix seconds")
    stamp = int(raw)
    now = wall_now.timestamp()
    if stamp < now - deadlines.TIMESTAMP_MAX_AGE.total_seconds():
        raise ApiError(
            Code.INVALID_REQUEST,
            f"Invalid request: timestamp {stamp} is more than 5 minutes old (server time {int(now)})",
        )
    if stamp > now + deadlines.TIMESTAMP_MAX_SKEW_AHEAD.total_seconds():
        raise ApiError(
            Code.INVALID_REQUEST,
            f"Invalid request: timestamp {stamp} is more than 30 seconds ahead (server time {int(now)})",
        )
