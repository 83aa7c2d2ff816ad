"""The seller's authorization of the app in webhooks: SELLER_DEAUTHORIZATION when the seller
deauthorizes it (its tokens refused until it is authorized again), and
UPCOMING_AUTHORIZATION_EXPIRATION over the last 30 days of the authorization, daily at 0:00, until
the seller authorizes the app again. Every delivery is signed and parses with its documented model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiktok_shop_api.generated.models import (
    SellerDeauthorizationWebhook,
    UpcomingAuthorizationExpirationWebhook,
)
from tiktok_shop_api.webhooks import Webhooks

from sandbox.dispatcher import Answer, Dispatcher
from sandbox.domain import deadlines
from tests.helpers import START, advance, data

WEBHOOKS = "/event/202309/webhooks"
SHOPS = "/authorization/202309/shops"


def subscribe(tts, *event_types):
    for event_type in event_types:
        body = {"address": "https://erp.example.com/hooks", "event_type": event_type}
        assert data(tts.call("PUT", WEBHOOKS, body=body)) == {}


def shops(tts):
    return tts.call("GET", SHOPS, shop=False)  # a seller-level call names no shop


def received(sandbox, credentials):
    """Every due delivery, answered 200, verified against the app secret and parsed."""
    bodies = []

    def send(address, headers, body):
        bodies.append((headers["Authorization"], body))
        return Answer(200)

    Dispatcher(sandbox.tenants.all, send=send).run_due()
    return [
        Webhooks.verify_and_parse(
            app_key=credentials["app_key"],
            app_secret=credentials["app_secret"],
            raw_body=body,
            signature=signature,
        )
        for signature, body in bodies
    ]


def authorize_again(http, credentials):
    code = http.post("/sandbox/auth-codes").json()["auth_code"]
    answer = http.get(
        "/api/v2/token/get",
        params={
            "app_key": credentials["app_key"],
            "app_secret": credentials["app_secret"],
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    ).json()
    assert answer["code"] == 0, answer
    return answer["data"]


def test_a_seller_deauthorizing_the_app_is_notified_and_its_tokens_are_refused_until_authorized_again(
    tts, http, sandbox
):
    credentials = http.get("/sandbox/tenants/default").json()
    subscribe(tts, "SELLER_DEAUTHORIZATION", "ORDER_STATUS_CHANGE")
    assert [s["id"] for s in data(shops(tts))["shops"]] == [credentials["shop"]["id"]]
    advance(http, "5m")

    gone = http.post(f"/sandbox/tenants/{credentials['app_key']}/deauthorize")
    assert gone.status_code == 200
    assert gone.json() == {
        "app_key": credentials["app_key"],
        "shop_id": credentials["shop"]["id"],
        "deauthorized_at": "2026-03-02T09:05:00Z",
    }
    again = http.post(f"/sandbox/tenants/{credentials['app_key']}/deauthorize")
    assert again.status_code == 409 and again.json()["error"]["type"] == "not_authorized"
    unknown = http.post("/sandbox/tenants/no_such_app/deauthorize")
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "unknown_tenant"

    [notice] = [e for e in received(sandbox, credentials) if e.type_ == 6]
    assert isinstance(notice, SellerDeauthorizationWebhook)
    assert notice.shop_id == credentials["shop"]["id"]
    assert notice.timestamp == int(START.timestamp()) + 300
    assert credentials["shop"]["id"] in notice.data.message and notice.tts_notification_id

    # The tokens are refused: the shop is no longer listed, no shop call answers, nor does a refresh.
    refused = shops(tts).json()
    assert refused["code"] == 36009004 and "deauthorized" in refused["message"]
    assert tts.post("/order/202309/orders/search", {}, params={"page_size": 1}).json()["code"] == 36009004
    refresh = http.get(
        "/api/v2/token/refresh",
        params={
            "app_key": credentials["app_key"],
            "app_secret": credentials["app_secret"],
            "refresh_token": credentials["refresh_token"],
            "grant_type": "refresh_token",
        },
    ).json()
    assert refresh["code"] == 36009004 and "deauthorized" in refresh["message"]
    # While deauthorized, the app hears nothing else of the shop.
    advance(http, "1d")
    assert received(sandbox, credentials) == []

    tokens = authorize_again(http, credentials)
    tts.access_token = tokens["access_token"]
    assert [s["id"] for s in data(shops(tts))["shops"]] == [credentials["shop"]["id"]]
    assert data(tts.post("/order/202309/orders/search", {}, params={"page_size": 1}))["total_count"] > 0
    advance(http, "2d")
    assert {e.type_ for e in received(sandbox, credentials)} == {1}  # order changes are heard again
    tts.access_token = credentials["access_token"]
    assert shops(tts).json()["code"] == 36009004  # the old token stays revoked


def test_the_authorization_expiry_is_warned_daily_at_midnight_over_its_last_30_days(tts, http, sandbox):
    credentials = http.get("/sandbox/tenants/default").json()
    subscribe(tts, "UPCOMING_AUTHORIZATION_EXPIRATION")
    expires = START + deadlines.REFRESH_TOKEN_LIFETIME
    opens = expires - deadlines.AUTHORIZATION_EXPIRY_WARNING
    assert [
        d
        for d in http.get("/sandbox/deadlines").json()["deadlines"]
        if d["rule"] == "authorization_expiry_warning"
    ] == [
        {
            "due": "2027-01-31T09:00:00Z",
            "rule": "authorization_expiry_warning",
            "subject": credentials["refresh_token"],
        }
    ]
    http.post("/sandbox/clock/advance", json={"to": (opens - timedelta(seconds=1)).isoformat()})
    assert received(sandbox, credentials) == []

    advance(http, "1s")  # the window opens: the first warning
    [first] = received(sandbox, credentials)
    assert isinstance(first, UpcomingAuthorizationExpirationWebhook)
    assert first.timestamp == int(opens.timestamp())
    assert first.shop_id == credentials["shop"]["id"]
    assert first.data.expiration_time == str(int(expires.timestamp()))
    assert "2027-03-02 09:00:00 UTC" in first.data.message

    advance(http, "2d")  # then at each 0:00 UTC
    daily = received(sandbox, credentials)
    assert [datetime.fromtimestamp(e.timestamp, UTC).isoformat() for e in daily] == [
        "2027-02-01T00:00:00+00:00",
        "2027-02-02T00:00:00+00:00",
    ]
    assert {e.data.expiration_time for e in daily} == {first.data.expiration_time}
    assert len({e.tts_notification_id for e in [first, *daily]}) == 3

    # Authorizing again ends the warnings: the new authorization lasts another 365 days.
    tokens = authorize_again(http, credentials)
    assert tokens["refresh_token_expire_in"] == int((opens + timedelta(days=2)).timestamp()) + int(
        deadlines.REFRESH_TOKEN_LIFETIME.total_seconds()
    )
    advance(http, "40d")
    assert received(sandbox, credentials) == []


def test_without_a_new_authorization_the_warnings_stop_at_the_expiry(tts, http, sandbox):
    credentials = http.get("/sandbox/tenants/default").json()
    subscribe(tts, "UPCOMING_AUTHORIZATION_EXPIRATION")
    expires = START + deadlines.REFRESH_TOKEN_LIFETIME
    http.post("/sandbox/clock/advance", json={"to": (expires + timedelta(days=3)).isoformat()})
    warnings = received(sandbox, credentials)
    # The window opens at 09:00 on the 30th day before; then 30 midnights, the last the expiry's day.
    assert len(warnings) == 31
    stamps = [e.timestamp for e in warnings]
    assert stamps == sorted(stamps) and max(stamps) < int(expires.timestamp())
    assert datetime.fromtimestamp(stamps[-1], UTC).isoformat() == "2027-03-02T00:00:00+00:00"


def test_grants_pickled_before_deauthorization_existed_still_load():
    import pickle

    from sandbox.domain.authorization import AccessToken, Grants, RefreshToken

    grants = Grants()
    grants.access["a"] = AccessToken("a", "seller", START)
    grants.refresh["r"] = RefreshToken("r", "seller", START)
    for older in (grants, grants.access["a"], grants.refresh["r"]):  # as a format-3 snapshot holds them
        older.__dict__.pop("deauthorized_at", None)
        older.__dict__.pop("revoked", None)
    loaded = pickle.loads(pickle.dumps(grants))
    assert loaded.authorized and not loaded.access["a"].revoked and not loaded.refresh["r"].revoked
