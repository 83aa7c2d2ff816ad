"""Sellers authorizing apps: auth codes, access tokens and refresh tokens, on virtual time.

The seller's authorization of the app lasts as long as its refresh token (a refresh gives a new
access token, not a longer authorization). Over the last ``AUTHORIZATION_EXPIRY_WARNING`` (30 days)
the platform warns every day at 0:00 until the seller authorizes the app again (a new auth code);
a seller may also deauthorize the app, which revokes every token until the next authorization.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sandbox.domain import deadlines, rules
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation

# Error codes of the authorization endpoints.


@dataclass
class AccessToken:
    value: str
    open_id: str
    expires_at: datetime
    expired: bool = False
    revoked: bool = False  # the seller deauthorized the app


@dataclass
class RefreshToken:
    value: str
    open_id: str
    expires_at: datetime
    expired: bool = False
    revoked: bool = False  # the seller deauthorized the app


@dataclass
class AuthCode:
    value: str
    open_id: str
    expires_at: datetime
    used: bool = False


@dataclass
class Grants:
    """Every credential a world has issued, by value."""

    access: dict[str, AccessToken] = field(default_factory=dict)
    refresh: dict[str, RefreshToken] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    # When the seller deauthorized the app; None while it is authorized (a plain default, so that
    # snapshots written before deauthorization existed still load).
    deauthorized_at: datetime | None = None

    @property
    def authorized(self) -> bool:
        return self.deauthorized_at is None


def _token(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40))


def grant_pair(
    grants: Grants, open_id: str, at: datetime, access_value: str, refresh_value: str
) -> tuple[AccessToken, RefreshToken, Outcome]:
    access = AccessToken(access_value, open_id, at + deadlines.ACCESS_TOKEN_LIFETIME)
    refresh = RefreshToken(refresh_value, open_id, at + deadlines.REFRESH_TOKEN_LIFETIME)
    grants.access[access.value] = access
    grants.refresh[refresh.value] = refresh
    outcome = Outcome(
        events=[
            DomainEvent(
                at,
                "authorization.token_issued",
                open_id,
                {"access_token_expires_at": int(access.expires_at.timestamp())},
            )
        ],
        deadlines=[
            Deadline(access.expires_at, rules.ACCESS_TOKEN_EXPIRES, access.value),
            Deadline(refresh.expires_at, rules.REFRESH_TOKEN_EXPIRES, refresh.value),
            Deadline(
                refresh.expires_at - deadlines.AUTHORIZATION_EXPIRY_WARNING,
                rules.AUTHORIZATION_EXPIRY_WARNING,
                refresh.value,
            ),
        ],
    )
    return access, refresh, outcome


def issue_auth_code(grants: Grants, open_id: str, at: datetime, rng: random.Random) -> AuthCode:
    code = AuthCode(_token(rng, "ROW_sandbox_code_"), open_id, at + deadlines.AUTH_CODE_LIFETIME)
    grants.codes[code.value] = code
    return code


def exchange_auth_code(
    grants: Grants, code_value: str, at: datetime, rng: random.Random
) -> tuple[AccessToken, RefreshToken, Outcome]:
    """An auth code works once, within its 30 minutes."""
    code = grants.codes.get(code_value)
    if code is None:
        raise RuleViolation("auth_code is invalid: get one from POST /sandbox/auth-codes")
    if code.used:
        raise RuleViolation("auth_code was already used: an auth code works once")
    if at >= code.expires_at:
        raise RuleViolation("auth_code expired: an auth code is valid for 30 minutes")
    code.used = True
    # A new authorization: the warnings about the previous one's expiry stop, and a deauthorized
    # app is authorized again.
    earlier = [r.value for r in grants.refresh.values() if r.open_id == code.open_id]
    access, refresh, outcome = grant_pair(
        grants, code.open_id, at, _token(rng, "TTP_"), _token(rng, "TTP_r_")
    )
    outcome.cancel += [(rules.AUTHORIZATION_EXPIRY_WARNING, value) for value in earlier]
    grants.deauthorized_at = None
    return access, refresh, outcome


def refresh_access_token(
    grants: Grants, refresh_value: str, at: datetime, rng: random.Random
) -> tuple[AccessToken, RefreshToken, Outcome]:
    """A refresh gives a new access token for another 7 days; the refresh token stays the same."""
    refresh = grants.refresh.get(refresh_value)
    if refresh is None:
        raise RuleViolation("refresh_token is invalid")
    if refresh.revoked:
        raise RuleViolation(
            "refresh_token is invalid: the seller deauthorized the app and must authorize it again "
            "(a new auth code)"
        )
    if refresh.expired:
        raise RuleViolation(
            "refresh_token expired: the seller must authorize the app again", code=Code.TOKEN_EXPIRED
        )
    access = AccessToken(_token(rng, "TTP_"), refresh.open_id, at + deadlines.ACCESS_TOKEN_LIFETIME)
    grants.access[access.value] = access
    return (
        access,
        refresh,
        Outcome(
            events=[
                DomainEvent(
                    at,
                    "authorization.token_refreshed",
                    refresh.open_id,
                    {"access_token_expires_at": int(access.expires_at.timestamp())},
                )
            ],
            deadlines=[Deadline(access.expires_at, rules.ACCESS_TOKEN_EXPIRES, access.value)],
        ),
    )


def access_token_expires(grants: Grants, value: str, at: datetime) -> Outcome:
    token = grants.access.get(value)
    if token is None or token.expired:
        return Outcome()
    token.expired = True
    return Outcome(events=[DomainEvent(at, "authorization.access_token_expired", token.open_id)])


def refresh_token_expires(grants: Grants, value: str, at: datetime) -> Outcome:
    token = grants.refresh.get(value)
    if token is None or token.expired:
        return Outcome()
    token.expired = True
    return Outcome(events=[DomainEvent(at, "authorization.refresh_token_expired", token.open_id)])


def deauthorize(grants: Grants, open_id: str, at: datetime) -> Outcome:
    """The seller deauthorizes the app: every token is revoked until the next authorization."""
    if not grants.authorized:
        raise RuleViolation(
            "the seller already deauthorized the app: authorize it again first (POST /sandbox/auth-codes, "
            "then GET /api/v2/token/get)"
        )
    for access in grants.access.values():
        access.revoked = access.revoked or access.open_id == open_id
    for refresh in grants.refresh.values():
        refresh.revoked = refresh.revoked or refresh.open_id == open_id
    grants.deauthorized_at = at
    return Outcome(
        events=[DomainEvent(at, "authorization.seller_deauthorized", open_id)],
        cancel=[
            (rules.AUTHORIZATION_EXPIRY_WARNING, r.value)
            for r in grants.refresh.values()
            if r.open_id == open_id
        ],
    )


def next_midnight(at: datetime) -> datetime:
    """The first 0:00 UTC after ``at``."""
    day = at.astimezone(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=UTC)


def authorization_expiry_warning(grants: Grants, value: str, at: datetime) -> Outcome:
    """The authorization behind refresh token ``value`` expires within 30 days: warn now, and again
    at the next 0:00 while it still stands (a new authorization or a deauthorization ends it)."""
    token = grants.refresh.get(value)
    if token is None or token.expired or token.revoked or at >= token.expires_at:
        return Outcome()
    if any(
        r.open_id == token.open_id and r.expires_at > token.expires_at and not r.revoked
        for r in grants.refresh.values()
    ):
        return Outcome()  # authorized again since: that authorization has its own warnings
    following = next_midnight(at)
    return Outcome(
        events=[
            DomainEvent(
                at,
                "authorization.expiration_upcoming",
                token.open_id,
                {"expires_at": int(token.expires_at.timestamp())},
            )
        ],
        deadlines=[Deadline(following, rules.AUTHORIZATION_EXPIRY_WARNING, value)]
        if following < token.expires_at
        else [],
    )


# ----- category assets -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CategoryAsset:
    """A business category a partner authorized the app for, in one target market."""

    cipher: str
    target_market: str
    category_id: int
    category_name: str


def category_asset_cipher(app_key: str, market: str, category_id: int) -> str:
    """The category asset's cipher: opaque to the app ("you do not need to decrypt it"), the same
    for one app, market and category in every world."""
    digest = hashlib.sha256(f"{app_key}|{market}|{category_id}".encode()).hexdigest()
    return f"CA_{digest[:32]}"


def authorized_category_assets(
    app_key: str, markets: Iterable[tuple[str, Iterable[tuple[int, str]]]]
) -> list[CategoryAsset]:
    """ "Access is granted based on business categories": the sandbox's seller is the partner, and
    authorizing the app grants it every category the seller's shops sell in, one asset per category
    and shop market. ``markets``: each shop's market with the categories of its catalogue."""
    found: dict[tuple[str, int], CategoryAsset] = {}
    for market, categories in markets:
        for category_id, name in categories:
            key = (market, category_id)
            if key not in found:
                cipher = category_asset_cipher(app_key, market, category_id)
                found[key] = CategoryAsset(cipher, market, category_id, name)
    return sorted(found.values(), key=lambda a: (a.target_market, a.category_id))
