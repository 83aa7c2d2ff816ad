"""Webhooks as the platform sends them: subscriptions per event type, and an outbox of deliveries.

A domain event becomes a notification (``{"type", "tts_notification_id", "shop_id", "timestamp",
"data"}``) for each subscribed event type it concerns; the notification waits in the outbox until a
dispatcher (sandbox.dispatcher) sends it. Every attempt is kept. A receiver must answer 200 within
3 seconds; otherwise the platform retries after 2 minutes, 30 minutes, 3 hours and 12 hours of the
tenant's virtual time (each counted from the previous attempt's due time), then gives up.

Deliveries are due in virtual time: with the clock frozen a retry waits until the clock is advanced
past it, so tests see retries at exact instants. Nothing here sends anything or holds a socket;
the world's lock is never held while a receiver is being called.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sandbox.domain import orders

if TYPE_CHECKING:
    from sandbox.world import RecordedEvent, World

# The platform's event types and their numbers in the payload's "type".
EVENT_TYPES: dict[str, int] = {
    "ORDER_STATUS_CHANGE": 1,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
}
RECEIVER_TIMEOUT_SECONDS = 3.0
RETRY_AFTER = (timedelta(minutes=2), timedelta(minutes=30), timedelta(hours=3), timedelta(hours=12))
FINISHED_KEPT = 10_000  # delivered or abandoned deliveries kept for inspection; pending ones never dropped
RESPONSE_KEPT = 512  # characters of a receiver's answer kept per attempt

# Package changes a seller's system must hear about (shipping, tracking corrections, failed
# deliveries and returns), each with who made it (``role_type``); order status changes travel as
# ORDER_STATUS_CHANGE. The documented ``sc_type`` values name combines and splits, which none of
# these is: they carry none (an address update, below, carries ADDRESS_UPDATE_SPLIT; splits and
# combines carry theirs, from _REPACKING).
_PACKAGE_EVENTS = {
    "package.shipped": "ROLE_SELLER",
    "package.shipping_info_updated": "ROLE_SELLER",
    "package.delivery_failed": "ROLE_SYSTEM",
    "package.return_status_changed": "ROLE_SYSTEM",
    "package.label_rejected": "ROLE_SYSTEM",
}
# The seller repacking orders: the event, the packages it names (comma-joined) and its sc_type.
_REPACKING = {
    "order.split": ("to", "SPLIT"),
    "package.combined": ("package_id", "COMBINE"),
    "package.uncombined": ("from", "CANCEL_COMBINE"),
}
_AUTHORIZATION_EVENTS = frozenset({"authorization.seller_deauthorized", "authorization.expiration_upcoming"})
# Where the webhooks' documented values differ from the order and cancellation APIs' own.
_ORDER_STATUS = {"CANCELLED": "CANCEL"}
_CANCEL_STATUS = {"CANCELLATION_REQUEST_CANCEL": "CANCELLATION_REQUEST_CANCELLED"}
_WHEN = "%Y-%m-%d %H:%M:%S UTC"
_CANCELLATION_EVENTS = frozenset(
    {"order.buyer_cancel_requested", "order.buyer_cancel_rejected", "order.status_changed"}
)


class DeliveryState(StrEnum):
    PENDING = "PENDING"  # waiting for its first attempt or a retry
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # every retry failed: the platform gave up


@dataclass
class Subscription:
    event_type: str
    address: str
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class Attempt:
    number: int
    due: datetime  # virtual time the attempt was due
    sent_at: datetime  # virtual time when it was sent
    wall: datetime
    status_code: int | None  # None: no answer (refused, timed out)
    latency_ms: float
    error: str = ""
    response: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code == 200


@dataclass
class Delivery:
    id: str
    seq: int
    event_type: str
    address: str
    body: bytes
    event_at: datetime
    order_id: str
    next_due: datetime | None
    state: DeliveryState = DeliveryState.PENDING
    attempts: list[Attempt] = field(default_factory=list)
    in_flight: bool = False
    failures: int = 0  # failed attempts of the automatic schedule
    manual: bool = False  # the next attempt is a redelivery asked for on the control plane

    @property
    def type(self) -> int:
        return EVENT_TYPES[self.event_type]


class RedeliveryRefused(Exception):
    """A delivery still on its way cannot be sent again by hand."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The ``Authorization`` header: hex HMAC-SHA256 keyed by the app secret over app_key + body."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def notifications(world: World, recorded: RecordedEvent) -> list[tuple[str, str, dict[str, Any]]]:
    """What the platform would notify for one domain event: (event type, order ID, data), each
    ``data`` with the documented payload's fields."""
    event = recorded.event
    at = int(event.at.timestamp())
    if event.kind in _AUTHORIZATION_EVENTS:
        return _authorization_notifications(world, event.kind, event.at, event.data)
    order = world.orders.get(event.subject) or world.orders.get(str(event.data.get("order_id", "")))
    if order is None:
        return []
    found: list[tuple[str, str, dict[str, Any]]] = []
    if event.kind == "order.status_changed":
        found.append(
            (
                "ORDER_STATUS_CHANGE",
                order.id,
                {
                    "order_id": order.id,
                    "order_status": _ORDER_STATUS.get(event.data["to"], event.data["to"]),
                    "is_on_hold_order": orders.on_hold_order(order),
                    "update_time": at,
                },
            )
        )
    if event.kind == "order.recipient_address_updated":
        found.append(("RECIPIENT_ADDRESS_UPDATE", order.id, {"order_id": order.id, "update_time": at}))
        if order.package_ids:
            # "Triggers when a package is updated (e.g., combined, split, or address changed)".
            found.append(
                (
                    "PACKAGE_UPDATE",
                    order.id,
                    _package_update(world, order.package_ids, at, "ROLE_USER", "ADDRESS_UPDATE_SPLIT"),
                )
            )
    if event.kind in _PACKAGE_EVENTS:
        package_id = str(event.data.get("package_id", ""))
        found.append(
            (
                "PACKAGE_UPDATE",
                order.id,
                _package_update(world, [package_id], at, _PACKAGE_EVENTS[event.kind]),
            )
        )
    if event.kind in _REPACKING:
        key, sc_type = _REPACKING[event.kind]
        names = str(event.data.get(key, "")).split(",")
        if event.kind == "package.uncombined":
            names = [*names, str(event.data["package_id"])]  # the combined package, then the new one
        found.append(("PACKAGE_UPDATE", order.id, _package_update(world, names, at, "ROLE_SELLER", sc_type)))
    if event.kind in _CANCELLATION_EVENTS:
        record = _latest_cancellation(world, order.id, event.at)
        if record is not None:
            found.append(
                (
                    "CANCELLATION_STATUS_CHANGE",
                    order.id,
                    {
                        "order_id": order.id,
                        "cancellations_role": record.initiator.value,
                        "cancel_status": _CANCEL_STATUS.get(record.status.value, record.status.value),
                        "cancel_id": record.id,
                        "create_time": int(record.create_time.timestamp()),
                    },
                )
            )
    if event.kind == "return.status_changed":
        record = world.returns.get(str(event.data["return_id"]))
        if record is not None:
            found.append(
                (
                    "RETURN_STATUS_CHANGE",
                    order.id,
                    {
                        "order_id": order.id,
                        "return_role": record.records[-1].role.value if record.records else "BUYER",
                        "return_type": record.type.value,
                        "return_status": str(event.data["return_status"]),
                        "return_id": record.id,
                        "create_time": int(record.create_time.timestamp()),
                        "update_time": at,
                    },
                )
            )
    return found


def _package_update(
    world: World, package_ids: list[str], at: int, role_type: str, sc_type: str = ""
) -> dict[str, Any]:
    """PACKAGE_UPDATE's data: the packages concerned, each with the orders it holds."""
    listed = []
    for package_id in package_ids:
        package = world.logistics.packages.get(package_id)
        held = [o.id for o in world.logistics.orders_in(package)] if package is not None else []
        listed.append({"package_id": package_id, "order_id_list": held})
    data: dict[str, Any] = {"sc_type": sc_type} if sc_type else {}
    data.update({"role_type": role_type, "package_list": listed, "update_time": at})
    return data


def _authorization_notifications(
    world: World, kind: str, at: datetime, data: dict[str, Any]
) -> list[tuple[str, str, dict[str, Any]]]:
    shop = world.profile.shop
    if kind == "authorization.seller_deauthorized":
        message = (
            f"The seller deauthorized the app for shop {shop.name} ({shop.id}) at "
            f"{at.strftime(_WHEN)}: its tokens no longer work until the seller authorizes the app again."
        )
        return [("SELLER_DEAUTHORIZATION", "", {"message": message})]
    expires = datetime.fromtimestamp(int(data["expires_at"]), UTC)
    message = (
        f"The authorization of the app by shop {shop.name} ({shop.id}) expires at "
        f"{expires.strftime(_WHEN)}: ask the seller to authorize the app again before then."
    )
    # Documented as a string: the expiry's Unix seconds.
    return [
        (
            "UPCOMING_AUTHORIZATION_EXPIRATION",
            "",
            {"message": message, "expiration_time": str(data["expires_at"])},
        )
    ]


def _latest_cancellation(world: World, order_id: str, at: datetime) -> Any:
    """The order's cancellation record this event just created or moved, if any."""
    touched = [r for r in world.cancellations.values() if r.order_id == order_id and r.update_time == at]
    return max(touched, key=lambda r: r.create_time) if touched else None


class Webhooks:
    """One tenant's subscriptions and outbox. Callers hold the world's lock."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, Subscription] = {}
        self.deliveries: OrderedDict[str, Delivery] = OrderedDict()
        self.finished_dropped = 0
        self._seq = 0

    # ----- subscriptions ---------------------------------------------------------------------
    def subscribe(self, event_type: str, address: str, at: datetime) -> None:
        current = self.subscriptions.get(event_type)
        if current is not None:
            current.address, current.update_time = address, at
        else:
            self.subscriptions[event_type] = Subscription(event_type, address, at, at)

    def unsubscribe(self, event_type: str) -> bool:
        return self.subscriptions.pop(event_type, None) is not None

    # ----- the outbox ------------------------------------------------------------------------
    def notify(self, world: World, recorded: RecordedEvent, shop_id: str) -> None:
        if not self.subscriptions:
            return
        for event_type, order_id, data in notifications(world, recorded):
            subscription = self.subscriptions.get(event_type)
            if subscription is None:
                continue
            if not world.grants.authorized and event_type != "SELLER_DEAUTHORIZATION":
                continue  # a deauthorized app hears nothing more of the shop until authorized again
            self._seq += 1
            notification_id = _notification_id(shop_id, recorded.seq, event_type)
            payload = {
                "type": EVENT_TYPES[event_type],
                "tts_notification_id": notification_id,
                "shop_id": shop_id,
                "timestamp": int(recorded.event.at.timestamp()),
                "data": data,
            }
            body = json.dumps(payload, separators=(",", ":")).encode()
            self.deliveries[notification_id] = Delivery(
                notification_id,
                self._seq,
                event_type,
                subscription.address,
                body,
                recorded.event.at,
                order_id,
                next_due=recorded.event.at,
            )
        self._trim()

    def due(self, now: datetime) -> list[Delivery]:
        """Deliveries whose attempt is due by ``now`` (virtual), oldest first; marked in flight."""
        ready = [
            d
            for d in self.deliveries.values()
            if d.state is DeliveryState.PENDING
            and not d.in_flight
            and d.next_due is not None
            and d.next_due <= now
        ]
        ready.sort(key=lambda d: (d.next_due, d.seq))
        for delivery in ready:
            delivery.in_flight = True
        return ready

    def record(self, delivery: Delivery, attempt: Attempt) -> None:
        """The result of an attempt: delivered, a retry scheduled, or given up."""
        delivery.in_flight = False
        delivery.attempts.append(attempt)
        manual, delivery.manual = delivery.manual, False
        if attempt.succeeded:
            delivery.state, delivery.next_due = DeliveryState.DELIVERED, None
        elif not manual and delivery.failures < len(RETRY_AFTER):
            delivery.next_due = attempt.due + RETRY_AFTER[delivery.failures]
            delivery.failures += 1
        else:
            delivery.state, delivery.next_due = DeliveryState.FAILED, None

    def redeliver(self, delivery: Delivery, now: datetime) -> None:
        """Send a delivered or abandoned notification again now: one attempt, no automatic retries."""
        if delivery.state is DeliveryState.PENDING:
            raise RedeliveryRefused(
                f"delivery {delivery.id} is still pending (next attempt due "
                f"{delivery.next_due.isoformat() if delivery.next_due else 'now'}): redeliver it once it "
                "was delivered or abandoned"
            )
        delivery.state, delivery.next_due, delivery.manual = DeliveryState.PENDING, now, True

    def discard_deliveries(self) -> OrderedDict[str, Delivery]:
        """Start an empty outbox (a reset world); returns the old one so a failed reset can restore it."""
        old, self.deliveries = self.deliveries, OrderedDict()
        return old

    def _trim(self) -> None:
        if len(self.deliveries) <= FINISHED_KEPT:
            return
        finished = len(self.deliveries) - sum(
            1 for d in self.deliveries.values() if d.state is DeliveryState.PENDING
        )
        if finished <= FINISHED_KEPT:
            return
        for key in [k for k, d in self.deliveries.items() if d.state is not DeliveryState.PENDING][
            : finished - FINISHED_KEPT
        ]:
            del self.deliveries[key]
            self.finished_dropped += 1


def _notification_id(shop_id: str, event_seq: int, event_type: str) -> str:
    """Deterministic (same world, same events, same IDs) and unique per event and type."""
    digest = hashlib.sha256(f"{shop_id}:{event_seq}:{event_type}".encode()).hexdigest()
    return str(int(digest[:15], 16)).zfill(19)[-19:]
