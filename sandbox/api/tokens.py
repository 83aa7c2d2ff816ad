"""Token endpoints of the auth host: unsigned, app credentials in the query."""

from __future__ import annotations

from typing import Any

from sandbox.domain.authorization import AccessToken, RefreshToken
from sandbox.domain.codes import Code
from sandbox.http.context import current
from sandbox.http.envelope import ApiError, success
from sandbox.tenants import Tenant

GRANTED_SCOPES = [
    "seller.authorization.info",
    "seller.order.info",
    "seller.fulfillment.basic",
    "seller.logistics",
    "seller.return_refund.basic",
    "seller.shop.info",
]


def _tenant(app_key: str, app_secret: str) -> Tenant:
    tenant = current().control.tenants.get(app_key)
    if tenant is None or tenant.app_secret != app_secret:
        raise ApiError(Code.INVALID_REQUEST, "Invalid request: app_key or app_secret is wrong")
    return tenant


def _token_data(tenant: Tenant, access: AccessToken, refresh: RefreshToken) -> dict[str, Any]:
    profile = tenant.world.profile
    return {
        "access_token": access.value,
        "access_token_expire_in": int(access.expires_at.timestamp()),
        "refresh_token": refresh.value,
        "refresh_token_expire_in": int(refresh.expires_at.timestamp()),
        "open_id": profile.seller_open_id,
        "seller_name": profile.seller_name,
        "seller_base_region": profile.region,
        "user_type": 0,
        "granted_scopes": GRANTED_SCOPES,
    }


def get_access_token(app_key: str, app_secret: str, auth_code: str, **_: Any) -> dict[str, Any]:
    tenant = _tenant(app_key, app_secret)
    access, refresh = tenant.world.exchange_auth_code(auth_code)
    return success(tenant.world.next_request_id(), _token_data(tenant, access, refresh))


def refresh_access_token(app_key: str, app_secret: str, refresh_token: str, **_: Any) -> dict[str, Any]:
    tenant = _tenant(app_key, app_secret)
    access, refresh = tenant.world.refresh_access_token(refresh_token)
    return success(tenant.world.next_request_id(), _token_data(tenant, access, refresh))
