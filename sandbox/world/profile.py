"""What a world is built from: its shop and its profile (same profile, same world)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Shop:
    id: str
    name: str
    region: str
    seller_type: str
    cipher: str
    code: str
    warehouse_id: str


@dataclass(frozen=True)
class WorldProfile:
    """Everything a world is rebuilt from on reset: same profile, same world."""

    seed: int
    region: str
    order_count: int
    shop: Shop
    seller_open_id: str
    seller_name: str
    access_token: str
    refresh_token: str
    start: datetime | None = None  # None: the wall time when the world is built
    frozen: bool = False
