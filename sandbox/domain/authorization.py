"""Sellers authorizing apps: auth codes, access tokens and refresh tokens, on virtual time."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass
class RefreshToken:
    value: str
    open_id: str
    expires_at: datetime
    expired: bool = False


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
    return grant_pair(grants, code.open_id, at, _token(rng, "TTP_"), _token(rng, "TTP_r_"))


def refresh_access_token(
    grants: Grants, refresh_value: str, at: datetime, rng: random.Random
) -> tuple[AccessToken, RefreshToken, Outcome]:
    """A refresh gives a new access token for another 7 days; the refresh token stays the same."""
    refresh = grants.refresh.get(refresh_value)
    if refresh is None:
        raise RuleViolation("refresh_token is invalid")
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
