"""Tenants: apps (app_key and app_secret) with a seller, one shop, and a world of their own.

A default tenant with well-known credentials exists from start-up so that a newcomer's first
request works. Other tenants are created on the control plane; each is isolated by its
credentials and has its own clock.
"""

from __future__ import annotations

import random
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from sandbox.fakes import REGIONS, digits
from sandbox.journal import DEFAULT_CAP
from sandbox.world import Shop, World, WorldProfile


class TenantRefused(Exception):
    """A tenant the sandbox cannot create or take in (bad options, the tenant limit)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


DEFAULT_SEED = 42
DEFAULT_REGION = "US"
DEFAULT_ORDER_COUNT = 40
MAX_ORDER_COUNT = 200_000
MAX_TENANTS = 1_000

# The default tenant's documented, well-known credentials.
DEFAULT_APP_KEY = "sandbox_app_key"
DEFAULT_APP_SECRET = "sandbox_app_secret"
DEFAULT_ACCESS_TOKEN = "TTP_sandbox_access_token"
DEFAULT_REFRESH_TOKEN = "TTP_sandbox_refresh_token"
DEFAULT_SHOP_CIPHER = "ROW_sandbox_shop_cipher"
DEFAULT_SHOP_ID = "7495000000000000001"


@dataclass
class Tenant:
    app_key: str
    app_secret: str
    name: str
    world: World

    @property
    def shop(self) -> Shop:
        return self.world.profile.shop

    def credentials(self) -> dict[str, object]:
        p = self.world.profile
        return {
            "name": self.name,
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "access_token": p.access_token,
            "refresh_token": p.refresh_token,
            "seller": {"open_id": p.seller_open_id, "name": p.seller_name},
            "shop": {
                "id": p.shop.id,
                "name": p.shop.name,
                "region": p.shop.region,
                "seller_type": p.shop.seller_type,
                "cipher": p.shop.cipher,
                "code": p.shop.code,
            },
            "seed": p.seed,
            "order_count": p.order_count,
        }


def _profile(
    seed: int,
    region: str,
    order_count: int,
    *,
    shop_id: str,
    cipher: str,
    access_token: str,
    refresh_token: str,
    name: str,
    start: datetime | None,
    frozen: bool,
) -> WorldProfile:
    # From the seed alone, so that two tenants created with one seed hold the same shop data.
    rng = random.Random(f"shop:{seed}")
    shop = Shop(
        id=shop_id,
        name=name,
        region=region,
        seller_type="LOCAL",
        cipher=cipher,
        code=f"{region}LC{digits(rng, 5)}",
        warehouse_id=digits(rng, 19, "7068"),
    )
    return WorldProfile(
        seed=seed,
        region=region,
        order_count=order_count,
        shop=shop,
        seller_open_id=f"sandbox-{digits(rng, 12)}",
        seller_name=name,
        access_token=access_token,
        refresh_token=refresh_token,
        start=start,
        frozen=frozen,
    )


def validate_world_options(seed: object, region: object, order_count: object) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TenantRefused("seed must be an integer")
    if region not in REGIONS:
        raise TenantRefused(f"region must be one of {', '.join(REGIONS)}")
    if (
        not isinstance(order_count, int)
        or isinstance(order_count, bool)
        or not 0 <= order_count <= MAX_ORDER_COUNT
    ):
        raise TenantRefused(f"order_count must be an integer from 0 to {MAX_ORDER_COUNT}")


class TenantRegistry:
    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        region: str = DEFAULT_REGION,
        order_count: int = DEFAULT_ORDER_COUNT,
        start: datetime | None = None,
        frozen: bool = False,
        journal_cap: int = DEFAULT_CAP,
        restored: list[Tenant] | None = None,
        created: int = 0,
    ):
        """A registry with the default tenant built from the options, or, given ``restored``
        tenants (read back from a data directory), exactly those tenants and no seeding."""
        validate_world_options(seed, region, order_count)
        self.journal_cap = journal_cap
        self._lock = threading.Lock()
        self._by_app_key: dict[str, Tenant] = {}
        self.defaults: dict[str, object] = {"start": start, "frozen": frozen}
        self.created = created  # tenants created without a seed so far (each takes the next seed)
        if restored is not None:
            self._by_app_key = {t.app_key: t for t in restored}
            found = self._by_app_key.get(DEFAULT_APP_KEY)
            if found is None:
                raise ValueError(f"the restored tenants have no default tenant ({DEFAULT_APP_KEY})")
            self.default = found
            return
        profile = _profile(
            seed,
            region,
            order_count,
            shop_id=DEFAULT_SHOP_ID,
            cipher=DEFAULT_SHOP_CIPHER,
            access_token=DEFAULT_ACCESS_TOKEN,
            refresh_token=DEFAULT_REFRESH_TOKEN,
            name="Sandbox Shop",
            start=start,
            frozen=frozen,
        )
        self.default = Tenant(
            DEFAULT_APP_KEY, DEFAULT_APP_SECRET, "default", World(profile, journal_cap=journal_cap)
        )
        self._by_app_key[DEFAULT_APP_KEY] = self.default

    def put(self, tenant: Tenant) -> Tenant | None:
        """Add a tenant, or replace the one with its app_key (the default one included); returns
        the tenant it replaced."""
        with self._lock:
            replaced = self._by_app_key.get(tenant.app_key)
            if replaced is None and len(self._by_app_key) >= MAX_TENANTS:
                raise TenantRefused(f"this sandbox already has {MAX_TENANTS} tenants, its limit")
            self._by_app_key[tenant.app_key] = tenant
            if tenant.app_key == DEFAULT_APP_KEY:
                self.default = tenant
            return replaced

    def get(self, app_key: str) -> Tenant | None:
        return self._by_app_key.get(app_key)

    def all(self) -> list[Tenant]:
        with self._lock:
            return list(self._by_app_key.values())

    def create(
        self,
        *,
        name: str | None = None,
        seed: int | None = None,
        region: str = DEFAULT_REGION,
        order_count: int = DEFAULT_ORDER_COUNT,
        start: datetime | None = None,
        frozen: bool | None = None,
    ) -> Tenant:
        with self._lock:
            if len(self._by_app_key) >= MAX_TENANTS:
                raise TenantRefused(f"this sandbox already has {MAX_TENANTS} tenants, its limit")
            # Without a seed, each new tenant gets the next one: its own shop, still reproducible.
            if seed is None:
                self.created += 1
                seed = self.default.world.profile.seed + self.created
        validate_world_options(seed, region, order_count)
        # Credentials are random (they must not collide); the world inside depends on the seed only.
        token = secrets.token_hex(8)
        app_key = f"sbx{secrets.token_hex(6)}"
        shop_id = "7495" + str(secrets.randbelow(10**15)).zfill(15)
        profile = _profile(
            seed,
            region,
            order_count,
            shop_id=shop_id,
            cipher=f"ROW_{secrets.token_urlsafe(18)}",
            access_token=f"TTP_{secrets.token_urlsafe(30)}",
            refresh_token=f"TTP_r_{secrets.token_urlsafe(30)}",
            name=name or f"Sandbox Shop {token[:6]}",
            start=start if start is not None else self.defaults["start"],  # type: ignore[arg-type]
            frozen=bool(self.defaults["frozen"]) if frozen is None else frozen,
        )
        tenant = Tenant(
            app_key, secrets.token_hex(20), name or app_key, World(profile, journal_cap=self.journal_cap)
        )
        with self._lock:
            self._by_app_key[app_key] = tenant
        return tenant
