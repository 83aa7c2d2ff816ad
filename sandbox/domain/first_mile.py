"""First-mile bundles: a seller sending several orders' parcels to the TikTok Shop warehouse in one
bundle (fulfillment 202407 ``bundles`` and 202510 ``first_mile_bundle``, one rule for both).

The reference: "Each of the orders must exist and be RTS and shipping label printed", "The orders
belong to a single group of TikTok Shop service districts ... Group 2: DE, FR, IT, ES", "You can not
create first mile bundles for US/UK orders using this API". Each order is judged on its own: the
bundle holds the ones that can go, the others come back in ``errors`` ("Check this array and
``first_mile_bundle_id`` even when the top-level response code is 0"); with none that can go, no
bundle is made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import Order, OrderStatus, ShippingType
from sandbox.domain.packages import HandoverMethod, LabelStatus, Package

# "Group 2: DE, FR, IT, ES" (the sandbox has no IT shop; group 1's markets are not sandbox markets).
FIRST_MILE_BUNDLE_MARKETS = frozenset({"DE", "FR", "ES"})
# "Maximum: 9,999 order IDs per request."
MAX_BUNDLE_ORDERS = 9_999
PHONE_TAIL = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Bundle:
    id: str
    order_ids: tuple[str, ...]
    handover_method: HandoverMethod
    shipping_provider_id: str
    tracking_number: str
    create_time: datetime


@dataclass(frozen=True)
class BundleRequest:
    order_ids: list[str]
    handover_method: HandoverMethod
    shipping_provider_id: str = ""
    tracking_number: str = ""
    phone_tail_number: str = ""


def check_handover(request: BundleRequest, carriers: Collection[str]) -> None:
    """A drop-off names the registered provider, the bundle's tracking number and the last four
    digits of the sender's phone ("Required when handover_method == DROP_OFF")."""
    if len(request.order_ids) > MAX_BUNDLE_ORDERS:
        raise RuleViolation(f"at most {MAX_BUNDLE_ORDERS} orders per bundle", code=Code.INVALID_REQUEST)
    if request.handover_method is not HandoverMethod.DROP_OFF:
        return
    missing = [
        name
        for name in ("shipping_provider_id", "tracking_number", "phone_tail_number")
        if not getattr(request, name)
    ]
    if missing:
        raise RuleViolation(
            f"a DROP_OFF bundle needs {', '.join(missing)}", code=Code.BUNDLE_DROP_OFF_INCOMPLETE
        )
    if request.shipping_provider_id not in carriers:
        raise RuleViolation(
            f"shipping provider {request.shipping_provider_id} is not registered in this market",
            code=Code.BUNDLE_DROP_OFF_INCOMPLETE,
        )
    if not PHONE_TAIL.fullmatch(request.phone_tail_number):
        raise RuleViolation("phone_tail_number is the last 4 digits", code=Code.BUNDLE_DROP_OFF_INCOMPLETE)


def ready_for_bundle(
    order: Order | None, order_id: str, packages: list[Package], bundled: Mapping[str, str]
) -> None:
    """Why an order cannot go into a bundle, if it cannot: unknown, already in one, or not ready
    to ship with its label printed (awaiting collection, the platform's label created)."""
    if order is None:
        raise RuleViolation(f"order {order_id} not found in this shop", code=Code.ORDER_NOT_IN_SHOP)
    if order_id in bundled:
        raise RuleViolation(
            f"order {order_id} is already in first-mile bundle {bundled[order_id]}",
            code=Code.ALREADY_IN_BUNDLE,
        )
    ready = (
        order.status is OrderStatus.AWAITING_COLLECTION
        and order.shipping_type is ShippingType.TIKTOK
        and bool(packages)
        and all(p.label_status is LabelStatus.CREATED for p in packages)
    )
    if not ready:
        raise RuleViolation(
            f"order {order_id} is {order.status.value}: a bundle takes orders ready to ship "
            "(AWAITING_COLLECTION) with the platform's shipping label printed",
            code=Code.NOT_READY_FOR_BUNDLE,
        )


def create_bundle(
    bundles: dict[str, Bundle],
    bundled: dict[str, str],
    orders: Mapping[str, Order],
    packages: Mapping[str, list[Package]],
    request: BundleRequest,
    new_id: Callable[[], str],
    at: datetime,
) -> tuple[Bundle | None, list[tuple[str, RuleViolation]]]:
    """Bundle the orders that can go; answers the bundle (None when none could) and the refusals
    by order ID. ``packages``: each named order's packages; ``new_id`` draws the bundle's ID."""
    taken: list[str] = []
    refused: list[tuple[str, RuleViolation]] = []
    for order_id in dict.fromkeys(request.order_ids):
        try:
            ready_for_bundle(orders.get(order_id), order_id, packages.get(order_id, []), bundled)
        except RuleViolation as exc:
            refused.append((order_id, exc))
            continue
        taken.append(order_id)
    if not taken:
        return None, refused
    bundle = Bundle(
        new_id(),
        tuple(taken),
        request.handover_method,
        request.shipping_provider_id,
        request.tracking_number,
        at,
    )
    bundles[bundle.id] = bundle
    bundled.update(dict.fromkeys(taken, bundle.id))
    return bundle, refused
