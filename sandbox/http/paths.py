"""Where each surface lives and the headers that pick a tenant: one place for every prefix."""

from __future__ import annotations

TENANT_HEADER = "x-sandbox-tenant"
CARRIER_KEY_HEADER = "x-api-key"
CONTROL_PREFIX = "/sandbox"
CARRIER_PREFIX = "/carrier"
SELLER_CENTER_PREFIX = "/seller-center"
WEB_PREFIX = "/web"  # the QA page: plain Flask routes, no operation behind them
JSON = "application/json"


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def is_carrier_path(path: str) -> bool:
    return path == CARRIER_PREFIX or path.startswith(CARRIER_PREFIX + "/")


def is_seller_center_path(path: str) -> bool:
    return path == SELLER_CENTER_PREFIX or path.startswith(SELLER_CENTER_PREFIX + "/")


def is_web_path(path: str) -> bool:
    return path == WEB_PREFIX or path.startswith(WEB_PREFIX + "/")


def is_json_surface_path(path: str) -> bool:
    """Paths that answer errors in plain JSON rather than the platform's envelope."""
    return is_control_path(path) or is_carrier_path(path) or is_seller_center_path(path)
