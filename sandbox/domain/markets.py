"""Operations the platform serves in some markets only, and the records they keep.

A shop is in one of the sandbox's markets (``sandbox/fakes.py`` ``MARKETS``: US, GB, DE, FR, ES,
MX; a tenant's shop takes its region). Each operation's market rule is one constant below, quoting
the reference (the ``tiktok-shop-api`` package's docs of the operation); where the reference names
no market, the operation is served in every market of the sandbox. In a shop of another market the
operation answers ``NOT_IN_MARKET``, as seller-pushed tracking does (``seller_feed.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sandbox import fakes
from sandbox.domain.carrier import Shipment
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import ShippingType
from sandbox.domain.packages import HandoverMethod, Package

# Every market a sandbox shop can be in: the rule of the operations whose docs name no market.
SANDBOX_MARKETS = frozenset(fakes.REGIONS)

# Check TikTok Shipping and Collection by TikTok Coverage: "Available only in the **US Market**."
TIKTOK_COVERAGE_MARKETS = frozenset({"US"})
# Check Shipping Template Existence: "Checks whether the authenticated shop has a shipping template
# for the specified business warehouse." (no market named)
TEMPLATE_EXISTENCE_MARKETS = SANDBOX_MARKETS


def check_market(region: str, markets: Collection[str], operation: str) -> None:
    """Refuse an operation the shop's market does not have."""
    if region not in markets:
        raise RuleViolation(
            f"{operation} is served in {', '.join(sorted(markets))} only; this shop is in {region}",
            code=Code.NOT_IN_MARKET,
        )


# ----- shipping templates --------------------------------------------------------------------------
def template_exists(warehouse_ids: Collection[str], biz_warehouse_id: str) -> bool:
    """A shop has one shipping template per warehouse of its own (the one its delivery options
    come from); any other warehouse has none."""
    return biz_warehouse_id in warehouse_ids


# ----- TikTok Shipping coverage ----------------------------------------------------------------------
def tiktok_coverage(
    shipments: Mapping[str, Shipment], packages: Mapping[str, Package], tracking_number: str
) -> tuple[bool, bool]:
    """Whether a tracking number is covered by TikTok Shipping (a parcel of the shop whose label the
    platform bought) and by Collection by TikTok (such a parcel the platform's carrier collects:
    handed over by pickup). A number the platform did not issue is covered by neither."""
    shipment = shipments.get(tracking_number)
    package = packages.get(shipment.package_id) if shipment is not None else None
    if package is None or package.shipping_type is not ShippingType.TIKTOK:
        return False, False
    return True, package.handover_method is HandoverMethod.PICKUP
