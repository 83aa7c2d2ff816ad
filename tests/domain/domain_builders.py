"""Domain objects built by hand for the rule tests: an order, its package, its carrier shipment.

Nothing here goes through HTTP, a world or a clock: every instant is explicit, and the rules are
the domain's own functions. The helpers only set up state the way the world would reach it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sandbox.domain import carrier, deadlines, orders, packages, rules, split, tickets
from sandbox.domain.carrier import STANDARD_PLAN, Shipment, TrackingEvent
from sandbox.domain.events import Deadline, DomainEvent, Outcome
from sandbox.domain.logistics import Logistics
from sandbox.domain.orders import Address, LineItem, Order, OrderStatus, Payment, ShippingType
from sandbox.domain.packages import HandoverMethod, Package

# A Monday morning: business-day arithmetic in the ticket tests counts from here.
PLACED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAID = PLACED + timedelta(minutes=5)
SHIPPED_AT = PAID + timedelta(days=1)

ORDER_ID = "576000000000000001"
PACKAGE_ID = "115400000000000001"
TRACKING_NUMBER = "TTS000000000000001"
PROVIDER = ("6617675021119438849", "USPS")
OTHER_PROVIDER = ("6617675021119438850", "UPS")
CARRIERS = (PROVIDER, OTHER_PROVIDER)
WAREHOUSE = "Sandbox Shop warehouse"
TOTAL = "21.60"
CURRENCY = "USD"


def address(**changes: str) -> Address:
    fields = {
        "name": "Ada Lovelace",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone_number": "(555)***-**12",
        "address_line1": "12 Analytical Row",
        "address_line2": "",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "region_code": "US",
    }
    fields.update(changes)
    return Address(**fields)


def line_item(index: int = 1, weight_grams: int = 500) -> LineItem:
    return LineItem(
        id=f"5770000000000000{index}",
        sku_id=f"1729000000000000{index}",
        product_id="1729000000000000000",
        product_name="Ceramic Pour-Over Coffee Set",
        sku_name="Black",
        seller_sku=f"SKU-{index}",
        original_price="20.00",
        sale_price="20.00",
        currency=CURRENCY,
        sku_image="https://example.invalid/sku.png",
        weight_grams=weight_grams,
    )


def new_order(
    *,
    order_id: str = ORDER_ID,
    placed: datetime = PLACED,
    shipping_type: ShippingType = ShippingType.TIKTOK,
    recipient: Address | None = None,
    items: int = 1,
) -> Order:
    """An UNPAID order, as the buyer places it."""
    return Order(
        id=order_id,
        shop_id="7494000000000000001",
        status=OrderStatus.UNPAID,
        create_time=placed,
        update_time=placed,
        user_id="7494000000000000002",
        buyer_email="v000000000001@scs2.tiktok.com",
        buyer_message="",
        shipping_type=shipping_type,
        delivery_option_id="7091146663229654785",
        delivery_option_name="Standard shipping",
        warehouse_id="7068000000000000001",
        recipient_address=recipient or address(),
        payment=Payment(
            currency=CURRENCY,
            sub_total="20.00",
            shipping_fee="0.00",
            seller_discount="0.00",
            platform_discount="0.00",
            tax="1.60",
            total_amount=TOTAL,
            original_total_product_price="20.00",
            original_shipping_fee="0.00",
        ),
        line_items=[line_item(i + 1) for i in range(items)],
    )


def awaiting_shipment(
    *,
    order_id: str = ORDER_ID,
    placed: datetime = PLACED,
    paid: datetime = PAID,
    shipping_type: ShippingType = ShippingType.TIKTOK,
    recipient: Address | None = None,
) -> Order:
    """A paid order past its remorse window ("Pending shipping")."""
    order = new_order(order_id=order_id, placed=placed, shipping_type=shipping_type, recipient=recipient)
    orders.pay(order, paid)
    orders.remorse_window_ends(order, paid + deadlines.REMORSE_WINDOW)
    return order


def new_package(
    order: Order, *, weight_grams: int | None = None, dimension_cm: tuple[int, int, int] = (20, 15, 10)
) -> Package:
    """The order's package, as the world opens it for an order awaiting shipment."""
    weight = sum(i.weight_grams for i in order.line_items) if weight_grams is None else weight_grams
    package = Package(
        id=PACKAGE_ID,
        order_id=order.id,
        shop_id=order.shop_id,
        shipping_type=order.shipping_type,
        create_time=order.paid_time or order.create_time,
        update_time=order.paid_time or order.create_time,
        weight_grams=weight,
        dimension_cm=dimension_cm,
    )
    order.package_ids = [package.id]
    return package


def new_shipment(order: Order, package: Package, at: datetime) -> Shipment:
    """The carrier's shipment for the package, with its "information received" event."""
    shipment = Shipment(
        tracking_number=TRACKING_NUMBER,
        provider_id=PROVIDER[0],
        provider_name=PROVIDER[1],
        origin_city="Sandbox Shop warehouse",
        destination_city=order.recipient_address.city,
        weight_grams=package.weight_grams,
        created_at=at,
        order_id=order.id,
        package_id=package.id,
    )
    carrier.open_shipment(shipment, at)
    return shipment


def ship(order: Order, package: Package, at: datetime = SHIPPED_AT) -> Shipment:
    """Label made and shipment arranged (drop-off): the order awaits collection."""
    shipment = new_shipment(order, package, at)
    packages.label_created(package, shipment.tracking_number, PROVIDER, at)
    packages.arrange(package, order, at, HandoverMethod.DROP_OFF, None)
    split.order_follows_packages(order, [package], at)
    carrier.schedule_collection(shipment, at + carrier.DROP_OFF_COLLECTED_AFTER)
    return shipment


@dataclass
class Shipped:
    order: Order
    package: Package
    shipment: Shipment


def shipped_order(*, at: datetime = SHIPPED_AT, shipping_type: ShippingType = ShippingType.TIKTOK) -> Shipped:
    """An order shipped at ``at``, its parcel waiting for the carrier to collect it."""
    order = awaiting_shipment(shipping_type=shipping_type)
    package = new_package(order)
    return Shipped(order, package, ship(order, package, at))


def carrier_progress_due(outcome: Outcome) -> datetime | None:
    """When the outcome asks the carrier to move next, if it does."""
    dues = [d.due for d in outcome.deadlines if d.rule == "carrier_progress"]
    return dues[-1] if dues else None


def drive(
    shipment: Shipment, start: datetime, *, until: str | None = None, steps: int = 20
) -> tuple[Outcome, datetime]:
    """Fire the carrier's progress from ``start``, each time when the last step asked for it next,
    until an event with the detail code ``until`` happens or the carrier asks for nothing more.
    Answers everything that happened and the instant of the last step."""
    total, at = Outcome(), start
    for _ in range(steps):
        _, outcome = carrier.progress(shipment, at)
        total.extend(outcome)
        reached = until is not None and any(e.data.get("detail_code") == until for e in outcome.events)
        due = carrier_progress_due(outcome)
        if reached or due is None:
            return total, at
        at = due
    raise AssertionError(f"the carrier did not reach {until} in {steps} steps")


def event_at(shipment: Shipment, detail_code: str, at: datetime) -> TrackingEvent:
    """Add a tracking event of the carrier's plan to the shipment, at ``at`` (a shortcut through
    the carrier's journey)."""
    planned = next(p for p in STANDARD_PLAN if p.detail_code == detail_code)
    event = TrackingEvent(
        at, planned.status, planned.detail_code, planned.message, shipment.where(planned.location)
    )
    shipment.events.append(event)
    shipment.next_step = STANDARD_PLAN.index(planned) + 1
    if shipment.collected_at is None:
        shipment.collected_at = at
    return event


# Evidence files: the rules only ask whether a ticket has any, so a name stands for a file.
EVIDENCE = ["buyer-confirmation.png"]


def new_ticket(
    category: tickets.Category,
    at: datetime,
    *,
    evidence: list[str] | None = None,
    ticket_id: str = "7300000000000000001",
) -> tickets.Ticket:
    return tickets.Ticket(
        id=ticket_id,
        order_id=ORDER_ID,
        package_id=PACKAGE_ID,
        category=category,
        description="The parcel was picked up but the order still shows awaiting collection.",
        evidence=list(evidence or []),  # type: ignore[arg-type]
        created_at=at,
        respond_by=tickets.respond_by(at, None),
        tag=tickets.CATEGORIES[category].tag,
    )


def kinds(outcome: Outcome) -> list[str]:
    return [e.kind for e in outcome.events]


def only(outcome: Outcome, kind: str) -> DomainEvent:
    found = [e for e in outcome.events if e.kind == kind]
    assert len(found) == 1, f"expected one {kind} event, got {kinds(outcome)}"
    return found[0]


def deadline(outcome: Outcome, rule: str) -> Deadline:
    found = [d for d in outcome.deadlines if d.rule == rule]
    assert len(found) == 1, f"expected one {rule} deadline, got {[d.rule for d in outcome.deadlines]}"
    return found[0]


# ----- a shop's logistics store, built by hand -------------------------------------------------------
def logistics_of(*shop_orders: Order, seed: int = 7) -> Logistics:
    """The packages and shipments store over these orders (the world's order book), drawing its
    package IDs and tracking numbers from a seeded generator."""
    return Logistics({o.id: o for o in shop_orders}, random.Random(seed), CARRIERS, WAREHOUSE)


class CarrierQueue:
    """The carrier's timed rules of a ``Logistics``, fired in time order the way the world's queue
    fires them: cancellations first, then moved rules, then new deadlines. The order rules
    (reminders, the shipping deadline, completion) are left out: the other rule tests cover them."""

    def __init__(self, logistics: Logistics):
        self.fires: dict[str, Callable[[str, datetime], Outcome]] = {
            rules.CARRIER_PROGRESS: logistics.carrier_progress,
            rules.PLATFORM_FOLLOWS_SHIPMENT: logistics.platform_follows_shipment,
            rules.SELLER_SHIPPED_UPDATE_DUE: logistics.seller_shipped_update_due,
            rules.CARRIER_RETURN_ARRIVES: logistics.return_arrives,
            rules.FAILED_RETURN_DESTROYED: logistics.failed_return_destroyed,
        }
        self.pending: list[Deadline] = []

    def add(self, outcome: Outcome) -> Outcome:
        self.pending = [d for d in self.pending if (d.rule, d.subject) not in outcome.cancel]
        for rule, subject, to in outcome.moved:
            self.pending = [
                Deadline(d.due, rule, to) if (d.rule, d.subject) == (rule, subject) else d
                for d in self.pending
                if (d.rule, d.subject) != (rule, subject) or to is not None
            ]
        self.pending += [d for d in outcome.deadlines if d.rule in self.fires]
        return outcome

    def run(self, until: datetime) -> Outcome:
        """Fire every carrier rule due up to ``until``; answers everything that happened."""
        total = Outcome()
        while due := sorted((d for d in self.pending if d.due <= until), key=lambda d: d.due):
            self.pending.remove(due[0])
            total.extend(self.add(self.fires[due[0].rule](due[0].subject, due[0].due)))
        return total

    def next_due(self, rule: str) -> datetime:
        return min(d.due for d in self.pending if d.rule == rule)


@dataclass
class Journey:
    """An order, its package in a hand-built ``Logistics``, and the carrier's queued rules."""

    logistics: Logistics
    order: Order
    package: Package
    queue: CarrierQueue

    @property
    def shipment(self) -> Shipment:
        return self.logistics.shipments[self.package.tracking_number]

    def ship(self, at: datetime = SHIPPED_AT, *, seller_number: str = "") -> Outcome:
        """Platform shipping, dropped off; or seller shipping with the seller's tracking number."""
        outcome = self.logistics.ship(
            self.package,
            at,
            handover=None,
            slot=None,
            tracking_number=seller_number,
            provider_id=PROVIDER[0] if seller_number else "",
        )
        return self.queue.add(outcome)


def journey(*, address_line2: str = "", shipping_type: ShippingType = ShippingType.TIKTOK) -> Journey:
    """An order pending shipping (the buyer's second address line as given), its package opened
    when the order was released to the seller; not shipped yet."""
    order = awaiting_shipment(shipping_type=shipping_type, recipient=address(address_line2=address_line2))
    logistics = logistics_of(order)
    package, _ = logistics.open_package(order, PAID + deadlines.REMORSE_WINDOW)
    return Journey(logistics, order, package, CarrierQueue(logistics))
