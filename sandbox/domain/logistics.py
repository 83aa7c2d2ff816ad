"""A world's packages, the carrier's shipments, and the operations on them.

A store and its rules: it holds no world. Every operation answers a domain ``Outcome`` that the
world applies (a refusal that changes something, such as a rejected label, carries its Outcome on
the ``RuleViolation``). Platform-shipped packages get their label and tracking number from the fake carrier;
seller-shipped packages are tracked through it too, by the number the seller uploads, so the
TikTok side and the carrier side always tell the same story.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox import fakes
from sandbox.domain import (
    carrier,
    combine,
    deadlines,
    fulfillment,
    packages,
    returns,
    rules,
    seller_feed,
    split,
)
from sandbox.domain.carrier import STANDARD_PLAN, AttemptFailure, Shipment, TrackingEvent
from sandbox.domain.codes import Code
from sandbox.domain.events import Deadline, DomainEvent, Outcome, RuleViolation
from sandbox.domain.orders import Order, OrderStatus, ShippingType, find_for_fulfillment
from sandbox.domain.packages import HandoverMethod, LabelStatus, Package, PackageStatus

# Magic values (documented in docs/reference/magic-values.md): text in the buyer's second address
# line, or in a seller's tracking number, that sends the carrier down a path without any scenario.
STALL_MARK = "[stall]"  # tracking stops for 5 days after pickup
NO_PICKUP_UPDATE_MARK = "[no-status-update]"  # the platform misses the pickup for 3 days
NO_DELIVERY_UPDATE_MARK = "[delivered-not-updated]"  # the platform misses the delivery for 3 days
FAILED_ATTEMPTS_MARK = "[three-failed-attempts]"  # three failed attempts, back to the seller
REFUSED_MARK = "[refused]"  # the buyer refuses three times: back to the seller, "refused"
RETURN_FAILS_MARK = "[return-fails]"  # three failed attempts, and the way back fails too
MAGIC_STALL = timedelta(days=5)
MAGIC_HOLD = timedelta(days=3)
# Seller tracking numbers starting with these prefixes do the same.
SELLER_NUMBER_MARKS = {
    "SBXSTALL": STALL_MARK,
    "SBXNOPICKUPUPDATE": NO_PICKUP_UPDATE_MARK,
    "SBXNODELIVERYUPDATE": NO_DELIVERY_UPDATE_MARK,
    "SBX3FAIL": FAILED_ATTEMPTS_MARK,
    "SBXREFUSED": REFUSED_MARK,
    "SBXRETURNFAIL": RETURN_FAILS_MARK,
}

# A seller-shipped parcel is in its carrier's hands shortly after the seller uploads the number.
SELLER_CARRIER_COLLECTS_AFTER = timedelta(hours=2)
# Pickup slots offered for a package: three days ahead, morning and afternoon.
SLOT_HOURS = ((9, 12), (13, 18))


@dataclass(frozen=True)
class Provider:
    id: str
    name: str


@dataclass(frozen=True)
class ShippingService:
    id: str
    name: str
    provider: Provider
    price: str
    delivery_days: tuple[int, int]


class Logistics:
    """The packages of a shop's orders and the carrier's shipments. ``orders`` is the world's own
    order book (read only here); ``rng`` the world's generator, for the numbers it gives out."""

    def __init__(
        self,
        orders: Mapping[str, Order],
        rng: random.Random,
        carriers: tuple[tuple[str, str], ...],
        warehouse: str,
    ):
        self.orders = orders
        self.rng = rng
        self.carriers = carriers
        self.warehouse = warehouse  # where the carrier collects the shop's parcels
        self.packages: dict[str, Package] = {}
        self.shipments: dict[str, Shipment] = {}

    def providers(self) -> list[Provider]:
        return [Provider(i, n) for i, n in self.carriers]

    def provider(self, provider_id: str) -> Provider:
        for p in self.providers():
            if p.id == provider_id:
                return p
        known = ", ".join(f"{p.id} ({p.name})" for p in self.providers())
        raise RuleViolation(f"shipping_provider_id {provider_id} is not a provider of this shop: {known}")

    # ----- packages --------------------------------------------------------------------------
    def package(self, package_id: str) -> Package:
        found = self.packages.get(package_id)
        if found is None:
            raise RuleViolation(f"package {package_id} not found in this shop", code=Code.PACKAGE_NOT_FOUND)
        return found

    def package_of(self, order: Order) -> Package | None:
        """The order's first package (its only one, unless it was split)."""
        return self.packages.get(order.package_ids[0]) if order.package_ids else None

    def packages_of(self, order: Order) -> list[Package]:
        """Every package of the order, in the order the platform made them."""
        return [self.packages[p] for p in order.package_ids if p in self.packages]

    def package_in_view(self, order: Order) -> Package | None:
        """The package the Seller Center's order row shows: of a split order, the first that failed
        delivery (the Failed Delivery tab lists it), else the first."""
        found = self.packages_of(order)
        failed = next((p for p in found if p.return_status is not None), None)
        return failed or (found[0] if found else None)

    def siblings(self, package: Package) -> list[Package]:
        """The other packages of the package's order (none unless it was split)."""
        order = self.orders.get(package.order_id)
        return [p for p in self.packages_of(order) if p.id != package.id] if order else []

    def open_package(self, order: Order, at: datetime) -> tuple[Package, Outcome]:
        """Every order awaiting shipment has a package the seller ships, and its shipping deadlines."""
        existing = self.package_of(order)
        if existing is not None:
            return existing, Outcome()
        package_id = order.package_ids[0] if order.package_ids else fakes.digits(self.rng, 18, "1154")
        package = split.package_of_lines(package_id, order, order.line_items, at)
        self.packages[package.id] = package
        order.package_ids = [package.id]
        if order.status is not OrderStatus.AWAITING_SHIPMENT:
            return package, Outcome()
        timed = fulfillment.untracked_deadlines(order) + fulfillment.shipping_deadline_rules(order)
        return package, Outcome(deadlines=timed)

    def _new_package_id(self) -> str:
        package_id = fakes.digits(self.rng, 18, "1154")
        while package_id in self.packages:
            package_id = fakes.digits(self.rng, 18, "1154")
        return package_id

    def split_order(
        self, order: Order, groups: list[list[str]], at: datetime
    ) -> tuple[list[Package], Outcome]:
        """The order, none of it shipped, in one package per group of line items, each with its
        own weight and size, label and journey ahead."""
        split.check_split(order, self.packages_of(order), groups)
        return self._split(order, self.packages_of(order), groups, at)

    def _split(
        self, order: Order, old: list[Package], groups: list[list[str]], at: datetime
    ) -> tuple[list[Package], Outcome]:
        split.check_groups(order, old, groups)
        made, outcome = split.split(order, old, groups, [self._new_package_id() for _ in groups], at)
        for package in old:
            del self.packages[package.id]
        for package in made:
            self.packages[package.id] = package
        return made, outcome

    def _shipment_of(self, order: Order) -> Shipment | None:
        package = self.package_of(order)
        return self.shipments.get(package.tracking_number) if package and package.tracking_number else None

    def untracked_reminder(self, order_id: str, at: datetime) -> Outcome:
        order = self.orders.get(order_id)
        return fulfillment.untracked_reminder(order, self._shipment_of(order), at) if order else Outcome()

    def on_order_package(self, rule: Any, order_id: str, at: datetime) -> Outcome:
        """An order's timed rule, for each of its packages (a split order's each go their own way)."""
        order = self.orders.get(order_id)
        if order is None:
            return Outcome()
        found = self.packages_of(order)
        if not found:
            return rule(order, None, at)
        outcome = Outcome()
        for package in found:
            outcome.extend(rule(order, package, at, self.siblings(package)))
        return outcome

    def untracked_auto_cancel(self, order_id: str, at: datetime) -> Outcome:
        order = self.orders.get(order_id)
        return fulfillment.untracked_auto_cancel(order, self._shipment_of(order), at) if order else Outcome()

    def _order(self, package: Package) -> Order:
        return self.orders[package.order_id]

    # ----- combined packages -------------------------------------------------------------------
    def orders_in(self, package: Package) -> list[Order]:
        """Every order the package holds (several when orders were combined into it)."""
        return combine.orders_in(package, self.orders[package.order_id])

    def combinable(self) -> list[tuple[Package, list[Order]]]:
        """The shop's orders that could go out as one package, grouped under the package to
        combine them into."""
        candidates = []
        for order in self.orders.values():
            found = self.packages_of(order)
            if not combine.cannot_combine_reason(order, found):
                candidates.append((order, found[0]))
        return combine.combinable_groups(candidates)

    def combinable_with(self, order: Order) -> tuple[Package, list[Order]] | None:
        """The group of ``combinable`` that holds the order, if any: found among the orders of
        its buyer alone (the groups share a buyer), so that one order's page does not group the
        whole shop."""
        if combine.cannot_combine_reason(order, self.packages_of(order)):
            return None
        key = combine.combine_key(order)
        candidates = []
        for other in self.orders.values():
            if other.user_id != order.user_id or combine.combine_key(other) != key:
                continue
            found = self.packages_of(other)
            if not combine.cannot_combine_reason(other, found):
                candidates.append((other, found[0]))
        groups = combine.combinable_groups(candidates)
        return groups[0] if groups else None

    def combine(self, package_id: str, order_ids: list[str], at: datetime) -> tuple[Package, Outcome]:
        """The orders named (every order combinable with the package, when none is) go out in the
        package ``package_id``; their own packages are gone."""
        package = self.package(package_id)
        held = self.orders_in(package)
        if not order_ids:
            group = next((orders for p, orders in self.combinable() if p.id == package.id), [])
            order_ids = [o.id for o in group]
        joining = []
        for order_id in dict.fromkeys(order_ids):
            order = find_for_fulfillment(self.orders, order_id)
            if order not in held:
                joining.append((order, self.packages_of(order)))
        outcome = combine.combine(package, held, joining, at)
        for _, old in joining:
            for gone in old:
                self.packages.pop(gone.id, None)
        return package, outcome

    def uncombine(self, package_id: str, order_ids: list[str], at: datetime) -> tuple[list[Package], Outcome]:
        """Orders taken out of a combined package, each into a package of its own; answers the
        combined package and the packages made."""
        package = self.package(package_id)
        held = self.orders_in(package)
        combine.check_uncombine(package, held, order_ids)
        new_ids = [self._new_package_id() for _ in combine.leaving(held, order_ids)]
        made, outcome = combine.uncombine(package, held, order_ids, new_ids, at)
        for own in made:
            self.packages[own.id] = own
        return [package, *made], outcome

    # ----- shipping --------------------------------------------------------------------------
    def handover_time_slots(self, package: Package, now: datetime) -> list[tuple[datetime, datetime]]:
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        slots = []
        for offset in range(1, 4):
            for start, end in SLOT_HOURS:
                base = day + timedelta(days=offset)
                slots.append((base.replace(hour=start), base.replace(hour=end)))
        return slots

    def ship(
        self,
        package: Package,
        at: datetime,
        *,
        handover: HandoverMethod | None,
        slot: tuple[datetime, datetime] | None,
        tracking_number: str = "",
        provider_id: str = "",
    ) -> Outcome:
        """Ship a package: arrange the platform's carrier, or record the seller's own shipment."""
        order = self._order(package)
        packages.check_shippable(package, order)
        if package.shipping_type is ShippingType.SELLER:
            if not tracking_number or not provider_id:
                raise RuleViolation(
                    "a seller-shipped package needs self_shipment.tracking_number and "
                    "self_shipment.shipping_provider_id",
                    code=Code.WRONG_SHIPPING_TYPE,
                )
            return self._seller_ships(package, order, tracking_number, self.provider(provider_id), at)
        if tracking_number:
            raise RuleViolation(
                "this order uses platform shipping: the platform's carrier provides the "
                "tracking number; send handover_method instead of self_shipment",
                code=Code.WRONG_SHIPPING_TYPE,
            )
        handover = handover or HandoverMethod.DROP_OFF
        if handover is HandoverMethod.PICKUP:
            offered = self.handover_time_slots(package, at)
            if slot is None or slot not in offered:
                choices = ", ".join(f"{int(s.timestamp())}-{int(e.timestamp())}" for s, e in offered[:3])
                raise RuleViolation(
                    "pickup_slot must be one of the package's handover time slots "
                    f"(GET .../handover_time_slots), e.g. {choices}",
                    code=Code.INVALID_PICKUP_SLOT,
                )
        problem = (
            packages.label_problem(package, order, at)
            if package.label_status is not LabelStatus.CREATED
            else None
        )
        if problem is not None:
            raise packages.label_refused(package, problem, at)
        existing = (
            self.shipments.get(package.tracking_number)
            if package.label_status is LabelStatus.CREATED
            else None
        )
        outcome = Outcome()
        if existing is not None:
            shipment = existing  # the label bought earlier (202512 create package)
        else:
            provider = self.providers()[0]
            shipment = self._open_shipment(order, package, provider, self._platform_number(), at)
            outcome.extend(
                packages.label_created(package, shipment.tracking_number, (provider.id, provider.name), at)
            )
            outcome.extend(carrier.open_shipment(shipment, at))
        slot = slot if handover is HandoverMethod.PICKUP else None  # a drop-off has no slot
        outcome.extend(packages.arrange(package, order, at, handover, slot))
        outcome.extend(split.order_follows_packages(order, self.packages_of(order), at))

        collect_at = (
            slot[0] + carrier.PICKUP_COLLECTED_AFTER_SLOT_START
            if handover is HandoverMethod.PICKUP and slot
            else at + carrier.DROP_OFF_COLLECTED_AFTER
        )
        shipment.pickup_window = slot
        outcome.extend(carrier.schedule_collection(shipment, collect_at))
        outcome.extend(self._magic(order, package, shipment, order.recipient_address.address_line2, at))
        return outcome

    def _seller_ships(
        self, package: Package, order: Order, tracking_number: str, provider: Provider, at: datetime
    ) -> Outcome:
        shipment = self.shipments.get(tracking_number)
        outcome = Outcome()
        if shipment is None:
            shipment = self._open_shipment(order, package, provider, tracking_number, at)
            outcome.extend(carrier.open_shipment(shipment, at))
            outcome.extend(carrier.schedule_collection(shipment, at + SELLER_CARRIER_COLLECTS_AFTER))
        else:
            if (shipment.package_id and shipment.package_id != package.id) or shipment.order_id not in (
                "",
                order.id,
            ):
                raise RuleViolation(f"tracking number {tracking_number} belongs to another package")
            self._check_same_carrier(shipment, provider)
            if shipment.collected_at is None and shipment.collection_due is None:
                # A label bought from the carrier with no pickup booked: the seller drops the parcel off.
                outcome.extend(carrier.schedule_collection(shipment, at + SELLER_CARRIER_COLLECTS_AFTER))
        shipment.order_id, shipment.package_id = order.id, package.id
        package.tracking_number = tracking_number
        package.shipping_provider_id, package.shipping_provider_name = provider.id, provider.name
        outcome.extend(packages.arrange(package, order, at, HandoverMethod.DROP_OFF, None))
        outcome.extend(split.order_follows_packages(order, self.packages_of(order), at))
        marks = " ".join(
            mark for key, mark in SELLER_NUMBER_MARKS.items() if tracking_number.upper().startswith(key)
        )
        outcome.extend(self._magic(order, package, shipment, marks, at))
        # The carrier may have moved already (a label bought from it earlier): catch up.
        outcome.extend(fulfillment.follow_shipment(order, package, shipment, at, self.siblings(package)))
        return outcome

    def seller_pushes_tracking(
        self, order: Order, pushed: list[seller_feed.PushedEvent], market: tuple[str, str], at: datetime
    ) -> tuple[list[tuple[RuleViolation | None, str]], Outcome]:
        """The seller's own tracking events for its parcels (each event answered on its own, with
        the tracking number of the parcel it is for): the
        order and its package follow them, back to the seller too. ``market``: the shop's region
        and the country the request names."""
        shipped_any = any(p.arranged for p in self.packages_of(order))
        seller_feed.check_feed_applies(order, shipped_any, *market)
        answers: list[tuple[RuleViolation | None, str]] = []
        outcome = Outcome()
        for event in pushed:
            shipped = [p for p in self.packages_of(order) if p.arranged]
            # The package the event's tracking number names (the first shipped one without a number).
            package = next((p for p in shipped if p.tracking_number == event.tracking_no), shipped[0])
            shipment = self.shipments.get(package.tracking_number)
            refused = (
                seller_feed.refusal(shipment, event, at)
                if shipment is not None
                else RuleViolation(f"package {package.id} is not shipped yet", code=Code.ORDER_NOT_SHIPPABLE)
            )
            answers.append((refused, package.tracking_number))
            if refused is not None or shipment is None:
                continue
            outcome.extend(seller_feed.push(shipment, event))
            outcome.extend(self._follow_feed(order, package, shipment, at))
        return answers, outcome

    def _follow_feed(self, order: Order, package: Package, shipment: Shipment, at: datetime) -> Outcome:
        siblings = self.siblings(package)
        if shipment.last_detail_code == carrier.RETURNING and package.return_status is None:
            return returns.returning_to_seller(package, at)
        if shipment.last_detail_code == carrier.RETURNED:
            outcome = Outcome()
            if package.return_status is None:
                outcome.extend(returns.returning_to_seller(package, at))
            reason = returns.cancel_reason(shipment)
            return outcome.extend(returns.delivered_back_to_seller(order, package, reason, at, siblings))
        return fulfillment.follow_shipment(order, package, shipment, at, siblings)

    def _platform_number(self) -> str:
        number = fakes.digits(self.rng, 18, "TTS")
        while number in self.shipments:
            number = fakes.digits(self.rng, 18, "TTS")
        return number

    def _open_shipment(
        self,
        order: Order | None,
        package: Package | None,
        provider: Provider,
        tracking_number: str,
        at: datetime,
        weight: int | None = None,
    ) -> Shipment:
        shipment = Shipment(
            tracking_number=tracking_number,
            provider_id=provider.id,
            provider_name=provider.name,
            origin_city=self.warehouse,
            destination_city=order.recipient_address.city if order else "Destination",
            weight_grams=weight if weight is not None else (package.weight_grams if package else 500),
            created_at=at,
            order_id=order.id if order else "",
            package_id=package.id if package else "",
        )
        self.shipments[tracking_number] = shipment
        return shipment

    def _magic(self, order: Order, package: Package, shipment: Shipment, marks: str, at: datetime) -> Outcome:
        outcome = Outcome()
        if STALL_MARK in marks:
            shipment.stall_after_pickup = MAGIC_STALL
        if REFUSED_MARK in marks:
            package.failures_ahead = [AttemptFailure.REFUSED] * deadlines.MAX_DELIVERY_ATTEMPTS
        elif FAILED_ATTEMPTS_MARK in marks or RETURN_FAILS_MARK in marks:
            package.failures_ahead = [
                AttemptFailure.ADDRESSEE_NOT_AVAILABLE
            ] * deadlines.MAX_DELIVERY_ATTEMPTS
        if RETURN_FAILS_MARK in marks:
            package.return_fails = True
        self._hand_over_plans(package, shipment)
        collected = shipment.collection_due or at
        if NO_PICKUP_UPDATE_MARK in marks:
            package.status_holds[fulfillment.PICKED_UP_HOLD] = collected + MAGIC_HOLD
        if NO_DELIVERY_UPDATE_MARK in marks:
            delivered = collected + STANDARD_PLAN[-1].after
            package.status_holds[fulfillment.DELIVERED_HOLD] = delivered + MAGIC_HOLD
        return outcome

    def package_to_mark_shipped(
        self, order: Order, line_item_ids: list[str], at: datetime
    ) -> tuple[Package, Outcome]:
        """Seller shipping: the package the order leaves in with the seller's carrier (opened now
        if it has none yet), once the request fits the order; ``ship`` does the rest."""
        if order.shipping_type is not ShippingType.SELLER:
            raise RuleViolation(
                f"order {order.id} uses platform shipping: ship its package instead",
                code=Code.WRONG_SHIPPING_TYPE,
            )
        all_items = {item.id for item in order.line_items}
        unknown = [i for i in line_item_ids if i not in all_items]
        if unknown:
            raise RuleViolation(
                f"line items not in order {order.id}: {', '.join(unknown)}", code=Code.LINE_ITEM_NOT_IN_ORDER
            )
        outcome = Outcome()
        if not self.packages_of(order):
            packages.check_shippable(
                Package("", order.id, order.shop_id, order.shipping_type, at, at, 0, (0, 0, 0)), order
            )
            _, outcome = self.open_package(order, at)
        package, split_outcome = self.package_holding(order, line_item_ids, at)
        return package, outcome.extend(split_outcome)

    def package_holding(
        self, order: Order, line_item_ids: list[str], at: datetime
    ) -> tuple[Package, Outcome]:
        """The package that holds exactly these line items of the order (all of them when none is
        named): one it has, or one split off an unshipped package for them."""
        named = set(line_item_ids)
        held = {p.id: {i.id for i in split.lines_of(order, p)} for p in self.packages_of(order)}
        exact = [pid for pid, lines in held.items() if not named or lines == named]
        if exact:
            return self.packages[exact[0]], Outcome()
        # Some lines of an unshipped package: they leave in a package of their own ("Splitting
        # Order into Multiple Packages"), the rest stay behind to ship later.
        whole = next((pid for pid, lines in held.items() if named < lines), None)
        if whole is None:
            raise RuleViolation(
                "the line items named are not one package's, nor part of one unshipped package: "
                "name the line items of one package (GET .../packages/{package_id} lists them)",
                code=Code.ORDER_NOT_SPLITTABLE,
            )
        rest = [i.id for i in order.line_items if i.id in held[whole] and i.id not in named]
        made, outcome = self._split(
            order, [self.packages[whole]], [[i for i in line_item_ids if i in named], rest], at
        )
        return made[0], outcome

    def update_shipping_info(
        self, package: Package, tracking_number: str, provider_id: str, at: datetime
    ) -> Outcome:
        """A seller corrects a shipped package's tracking number. The carrier's side follows: the
        shipment carries on under the new number, or a label bought from the carrier for it takes
        over; a number that belongs to another package is refused."""
        order = self._order(package)
        if order.locked:
            raise RuleViolation(f"order {order.id} is completed and locked", code=Code.ORDER_LOCKED)
        provider = self.provider(provider_id)
        old = self.shipments.get(package.tracking_number)
        taken = self.shipments.get(tracking_number)
        if taken is not None and taken is not old:
            if taken.package_id or taken.order_id not in ("", order.id):
                raise RuleViolation(
                    f"tracking number {tracking_number} belongs to another package",
                    code=Code.SHIPPING_INFO_NOT_UPDATABLE,
                )
            self._check_same_carrier(taken, provider)
        outcome = packages.update_shipping_info(
            package, order, tracking_number, (provider.id, provider.name), at
        )
        if taken is not None and taken is not old:
            # A label bought from the carrier: the package now travels with it.
            if old is not None:
                outcome.extend(self._retire(old))
            taken.order_id, taken.package_id = order.id, package.id
            if taken.collected_at is None and taken.collection_due is None:
                outcome.extend(carrier.schedule_collection(taken, at + SELLER_CARRIER_COLLECTS_AFTER))
            return outcome.extend(
                fulfillment.follow_shipment(order, package, taken, at, self.siblings(package))
            )
        if old is not None:
            outcome.extend(self._renumber(old, tracking_number, provider))
        return outcome

    def _renumber(self, shipment: Shipment, number: str, provider: Provider) -> Outcome:
        """The same parcel under a corrected number: its history and its next steps move along."""
        previous = shipment.tracking_number
        del self.shipments[previous]
        shipment.tracking_number, shipment.provider_id, shipment.provider_name = (
            number,
            provider.id,
            provider.name,
        )
        self.shipments[number] = shipment
        return self._requeue(previous, number)

    def _retire(self, shipment: Shipment) -> Outcome:
        """A shipment no package follows any more: it stays on record, going nowhere."""
        shipment.package_id = ""
        shipment.next_step = len(STANDARD_PLAN)
        return self._requeue(shipment.tracking_number, None)

    def _requeue(self, previous: str, number: str | None) -> Outcome:
        """The carrier's pending steps for a shipment follow it to its new number (or end)."""
        return Outcome(
            moved=[
                (rule, previous, number) for rule in (rules.CARRIER_PROGRESS, rules.SELLER_SHIPPED_UPDATE_DUE)
            ]
        )

    def _check_same_carrier(self, shipment: Shipment, provider: Provider) -> None:
        if shipment.provider_id and shipment.provider_id != provider.id:
            raise RuleViolation(
                f"tracking number {shipment.tracking_number} is a {shipment.provider_name} "
                f"label: shipping_provider_id must be {shipment.provider_id}",
                code=Code.WRONG_SHIPPING_TYPE,
            )

    # ----- US platform labels (create the label first, hand over later) ----------------------
    def shipping_services(self, weight_grams: int) -> list[ShippingService]:
        services = []
        for provider in self.providers():
            for kind, days, base in (("Ground", (3, 5), 499), ("Express", (1, 2), 1299)):
                cents = base + weight_grams // 100 * (8 if kind == "Ground" else 15)
                services.append(
                    ShippingService(
                        f"{provider.id}-{kind.upper()}",
                        f"{provider.name} {kind}",
                        provider,
                        f"{cents // 100}.{cents % 100:02d}",
                        days,
                    )
                )
        return services

    def shipping_service(self, service_id: str, weight_grams: int) -> ShippingService:
        """The service named, or without a name the default one (the first offered)."""
        services = self.shipping_services(weight_grams)
        if not service_id:
            return services[0]
        service = next((s for s in services if s.id == service_id), None)
        if service is None:
            raise RuleViolation(
                f"shipping_service_id {service_id} is not offered: query shipping_services first"
            )
        return service

    def create_label(
        self,
        package: Package,
        service_id: str,
        weight_grams: int | None,
        dimension_cm: tuple[int, int, int] | None,
        at: datetime,
    ) -> Outcome:
        """Buy the label for a platform-shipped package with the seller's own weight and size
        (None: the package's own), with the service named (or the default one)."""
        order = self._order(package)
        packages.check_shippable(package, order)
        if package.shipping_type is not ShippingType.TIKTOK:
            raise RuleViolation("labels are bought only for platform shipping", code=Code.WRONG_SHIPPING_TYPE)
        if package.label_status is LabelStatus.CREATED:
            raise RuleViolation(
                f"package {package.id} already has a label ({package.tracking_number})",
                code=Code.PACKAGE_ALREADY_SHIPPED,
            )
        weight = package.weight_grams if weight_grams is None else weight_grams
        service = self.shipping_service(service_id, weight)
        package.weight_grams = weight
        if dimension_cm is not None:
            package.dimension_cm = dimension_cm
        problem = packages.label_problem(package, order, at)
        if problem is not None:
            raise packages.label_refused(package, problem, at)
        shipment = self._open_shipment(order, package, service.provider, self._platform_number(), at)
        outcome = packages.label_created(
            package, shipment.tracking_number, (service.provider.id, service.provider.name), at
        )
        return outcome.extend(carrier.open_shipment(shipment, at))

    # ----- documents -------------------------------------------------------------------------
    def check_document_available(self, package: Package) -> None:
        """Only for platform shipping, after shipment is arranged, before the carrier collects."""
        if package.shipping_type is not ShippingType.TIKTOK:
            raise RuleViolation(
                "shipping documents exist only for platform shipping; seller-shipped "
                "packages use the seller's own carrier label",
                code=Code.WRONG_SHIPPING_TYPE,
            )
        if package.label_status is LabelStatus.REJECTED:
            reason = package.rejection.value if package.rejection else "unknown"
            raise RuleViolation(
                f"the shipping label was rejected ({reason}); fix it and ship again",
                code=Code.LABEL_REJECTED,
            )
        if not package.arranged:
            raise RuleViolation(
                "arrange shipment first (POST .../packages/{id}/ship)", code=Code.DOCUMENT_NOT_AVAILABLE
            )
        if (
            package.collected_at is not None
            or self._order(package).status is not OrderStatus.AWAITING_COLLECTION
        ):
            raise RuleViolation(
                "the carrier has collected the package: documents are no longer available",
                code=Code.DOCUMENT_NOT_AVAILABLE,
            )

    # ----- the carrier's side ----------------------------------------------------------------
    def carrier_progress(self, tracking_number: str, at: datetime) -> Outcome:
        shipment = self.shipments.get(tracking_number)
        if shipment is None:
            return Outcome()
        event, outcome = carrier.progress(shipment, at)
        package = self.packages.get(shipment.package_id)
        if package is not None and shipment.returning and package.return_status is None:
            outcome.extend(returns.returning_to_seller(package, at))
        elif package is not None and carrier.failed_to_ship_twice(shipment):
            outcome.extend(
                fulfillment.carrier_failed_to_ship_twice(
                    self._order(package), package, at, self.siblings(package)
                )
            )
        elif package is not None:
            outcome.extend(
                fulfillment.follow_shipment(
                    self._order(package), package, shipment, at, self.siblings(package)
                )
            )
        elif (
            event is not None and event.detail_code == carrier.PICKED_UP and shipment.order_id in self.orders
        ):
            # The seller's carrier has the parcel of an order the seller has not marked shipped yet.
            due = at + fulfillment.deadlines.SELLER_SHIPPED_UPDATE_WINDOW
            outcome.deadlines.append(Deadline(due, rules.SELLER_SHIPPED_UPDATE_DUE, tracking_number))
        return outcome

    def return_arrives(self, tracking_number: str, at: datetime) -> Outcome:
        shipment = self.shipments.get(tracking_number)
        package = self.packages.get(shipment.package_id) if shipment else None
        if shipment is None or package is None:
            return Outcome()
        event, outcome = carrier.return_arrives(shipment, at)
        if event.detail_code == carrier.RETURNED:
            return outcome.extend(
                returns.delivered_back_to_seller(
                    self._order(package), package, returns.cancel_reason(shipment), at, self.siblings(package)
                )
            )
        return outcome.extend(returns.seller_delivery_failed(package, at))

    def failed_return_destroyed(self, package_id: str, at: datetime) -> Outcome:
        package = self.packages.get(package_id)
        if package is None:
            return Outcome()
        outcome = returns.failed_return_destroyed(self._order(package), package, at, self.siblings(package))
        return (
            outcome.extend(self.carrier_note(package, "Destroyed by the carrier", at))
            if outcome.events
            else outcome
        )

    def carrier_note(self, package: Package, message: str, at: datetime) -> Outcome:
        """A line in the parcel's tracking for what happened to it on the way back."""
        shipment = self.shipments.get(package.tracking_number) if package.tracking_number else None
        if shipment is None:
            return Outcome()
        event = TrackingEvent(
            at, carrier.TrackingStatus.EXCEPTION, carrier.RETURN_NOTE, message, shipment.origin_city
        )
        shipment.events.append(event)
        return Outcome(events=[carrier.recorded(shipment, event)])

    def _hand_over_plans(self, package: Package, shipment: Shipment) -> None:
        """What a scenario or a magic value planned for the package's delivery, for its carrier."""
        shipment.failures_ahead += package.failures_ahead
        package.failures_ahead = []
        shipment.return_fails = shipment.return_fails or package.return_fails
        shipment.missed_collections_ahead += package.missed_collections_ahead
        package.missed_collections_ahead = 0

    def package_to_update(self, order: Order) -> Package:
        """The package whose shipping information an order-level update corrects."""
        package = self.package_of(order)
        if package is None:
            raise RuleViolation(f"order {order.id} has no package yet", code=Code.SHIPPING_INFO_NOT_UPDATABLE)
        return package

    def package_to_label(self, order: Order) -> Package:
        """The package a platform label is bought for (the 202512 create package)."""
        package = self.package_of(order)
        if package is None:
            raise RuleViolation(
                f"order {order.id} is {order.status.value}: it has no package to label",
                code=Code.ORDER_NOT_SHIPPABLE,
            )
        return package

    def package_to_label_202512(
        self,
        ship_type: str,
        order: Order,
        line_item_ids: list[str],
        combined: list[Order],
        service_id: str,
        weight_grams: int | None,
        at: datetime,
    ) -> tuple[Package, Outcome]:
        """The package the 202512 create package buys a label for: the order's (ship_type 1), one
        of some of its line items, split off (2), or one the orders are combined into (3). Checked
        before anything moves: a refused request splits or combines nothing."""
        if ship_type == packages.ShipType.ONE_ORDER:
            return self.package_to_label(order), Outcome()
        package = self.package_to_label(order)
        if order.shipping_type is not ShippingType.TIKTOK:
            raise RuleViolation("labels are bought only for platform shipping", code=Code.WRONG_SHIPPING_TYPE)
        packages.check_shippable(package, order)
        if ship_type == packages.ShipType.SPLIT:
            unknown = sorted(set(line_item_ids) - {i.id for i in order.line_items})
            if unknown:
                raise RuleViolation(
                    f"line items not in order {order.id}: {', '.join(unknown)}",
                    code=Code.LINE_ITEM_NOT_IN_ORDER,
                )
            lines = [i for i in order.line_items if i.id in line_item_ids]
            self.shipping_service(service_id, weight_grams or split.measures(lines)[0])
            return self.package_holding(order, line_item_ids, at)
        lines = [i for o in combined for i in o.line_items]
        self.shipping_service(service_id, weight_grams or split.measures(lines)[0])
        return self.combine(package.id, [o.id for o in combined], at)

    def package_for(self, order: Order, number: int = 1) -> Package:
        """The order's ``number``-th package (the first unless it was split), for an action that
        needs one (a scenario's)."""
        found = self.packages_of(order)
        if not found:
            raise RuleViolation(f"order {order.id} has no package yet (it is {order.status.value})")
        if not 1 <= number <= len(found):
            raise RuleViolation(f"order {order.id} has {len(found)} package(s): there is no package {number}")
        return found[number - 1]

    def shipment_for(self, order: Order) -> Shipment:
        """The carrier's shipment of the order's parcel, once the carrier has it."""
        shipment = self.shipments.get(self.package_for(order).tracking_number)
        if shipment is None:
            raise RuleViolation(f"order {order.id} is not with the carrier yet: ship it first")
        return shipment

    def plan_failed_attempts(
        self, package: Package, reason: AttemptFailure, count: int, at: datetime
    ) -> Outcome:
        """The carrier's next ``count`` delivery attempts of the parcel fail for ``reason``."""
        shipment = self.shipments.get(package.tracking_number) if package.tracking_number else None
        if shipment is not None and (shipment.has(carrier.DELIVERED) or shipment.returning):
            raise RuleViolation(f"package {package.id} is past its delivery attempts")
        package.failures_ahead += [reason] * count
        if shipment is not None and package.arranged:
            self._hand_over_plans(package, shipment)
        data = {"package_id": package.id, "count": count, "reason": reason.value}
        return Outcome(events=[DomainEvent(at, "package.failed_attempts_planned", package.order_id, data)])

    def plan_missed_collections(self, package: Package, count: int, at: datetime) -> Outcome:
        """The carrier misses the parcel's next ``count`` collections."""
        shipment = self.shipments.get(package.tracking_number) if package.tracking_number else None
        if shipment is not None and shipment.collected_at is not None:
            raise RuleViolation(f"package {package.id} has already been collected by the carrier")
        package.missed_collections_ahead += count
        if shipment is not None and package.arranged:
            self._hand_over_plans(package, shipment)
        data = {"package_id": package.id, "count": count}
        return Outcome(events=[DomainEvent(at, "package.failed_collections_planned", package.order_id, data)])

    def plan_failed_return(self, package: Package) -> Outcome:
        """The carrier will not manage to deliver the parcel back to the seller."""
        package.return_fails = True
        shipment = self.shipments.get(package.tracking_number) if package.tracking_number else None
        if shipment is not None and package.arranged:
            self._hand_over_plans(package, shipment)
        return Outcome()

    def seller_claims_parcel(self, package: Package, at: datetime) -> Outcome:
        """The seller asks for a parcel the carrier failed to deliver back: it comes back."""
        outcome = returns.seller_claims_parcel(package, at)
        return outcome.extend(
            self.carrier_note(package, "The seller asked for the parcel: returning again", at)
        )

    def seller_rejects_parcel(self, package: Package, at: datetime) -> Outcome:
        """The seller rejects the returning parcel: the platform has it destroyed."""
        outcome = returns.seller_rejects_parcel(
            self.orders[package.order_id], package, at, self.siblings(package)
        )
        # Destroyed: the parcel's return, if it is on its way, never arrives back at the seller.
        outcome.cancel.append((rules.CARRIER_RETURN_ARRIVES, package.tracking_number))
        return outcome.extend(self.carrier_note(package, "Rejected by the seller: destroyed", at))

    def seller_delivery_failed_view(self, package: Package) -> dict[str, Any]:
        shipment = self.shipments.get(package.tracking_number) if package.tracking_number else None
        return {
            "return_status": package.return_status.value if package.return_status else None,
            "return_started_at": package.return_started_at,
            "returned_at": package.returned_at,
            "destroy_at": package.destroy_at,
            "attempts": list(shipment.attempts) if shipment else [],
        }

    def seller_shipped_update_due(self, tracking_number: str, at: datetime) -> Outcome:
        shipment = self.shipments.get(tracking_number)
        order = self.orders.get(shipment.order_id) if shipment else None
        if shipment is None or order is None or shipment.package_id:
            return Outcome()  # marked shipped in time
        return fulfillment.seller_shipped_update_overdue(order, tracking_number, at)

    def platform_follows_shipment(self, package_id: str, at: datetime) -> Outcome:
        package = self.packages.get(package_id)
        shipment = self.shipments.get(package.tracking_number) if package else None
        if package is None or shipment is None:
            return Outcome()
        return fulfillment.follow_shipment(
            self._order(package), package, shipment, at, self.siblings(package)
        )

    def create_carrier_shipment(
        self, provider: Provider, weight_grams: int, destination_city: str, at: datetime, order_id: str = ""
    ) -> tuple[Shipment, Outcome]:
        """A label bought from the carrier directly (seller shipping)."""
        number = self._platform_number().replace("TTS", "CAR", 1)
        shipment = self._open_shipment(None, None, provider, number, at, weight_grams)
        shipment.destination_city = destination_city or "Destination"
        shipment.order_id = order_id
        return shipment, carrier.open_shipment(shipment, at)

    def schedule_pickup(self, shipment: Shipment, window: tuple[datetime, datetime], at: datetime) -> Outcome:
        self.check_pickup(shipment, window, at)
        shipment.pickup_window = window
        return carrier.schedule_collection(shipment, window[0] + carrier.PICKUP_COLLECTED_AFTER_SLOT_START)

    def check_pickup(self, shipment: Shipment, window: tuple[datetime, datetime], at: datetime) -> None:
        """A pickup is booked once, for a window ahead that ends after it starts."""
        if shipment.collected_at is not None or shipment.collection_due is not None:
            raise RuleViolation(f"shipment {shipment.tracking_number} already has a pickup or was collected")
        if window[0] < at or window[1] <= window[0]:
            raise RuleViolation("the pickup window must start in the future and end after it starts")

    def tags(self, order: Order, now: datetime) -> list[str]:
        package = self.package_of(order)
        shipment = (
            self.shipments.get(package.tracking_number) if package and package.tracking_number else None
        )
        return fulfillment.logistics_issue_tags(order, package, shipment, now)

    def parcel_of(self, order: Order) -> Shipment | None:
        """The carrier's shipment of the order's package, once it has one."""
        package = self.package_of(order)
        if package is None or not package.tracking_number:
            return None
        return self.shipments.get(package.tracking_number)

    def tracking_of(self, order: Order) -> list[TrackingEvent]:
        package = self.package_of(order)
        shipment = (
            self.shipments.get(package.tracking_number) if package and package.tracking_number else None
        )
        return list(shipment.events) if shipment else []

    # ----- seeding ---------------------------------------------------------------------------
    def seed(self, order: Order, start: datetime) -> tuple[Outcome, Outcome]:
        """Packages, shipments and running rules for a generated order already past payment: what
        opening its package plans (applied at once, as for a new order) and the rest of its
        journey up to the start (applied with the world's other seeded rules)."""
        if order.status in (OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
            return Outcome(), Outcome()
        package, opened = self.open_package(order, order.paid_time or order.create_time)
        if order.status is OrderStatus.AWAITING_SHIPMENT:
            return opened, Outcome()
        assert order.rts_time is not None
        provider = Provider(order.shipping_provider_id, order.shipping_provider)
        package.tracking_number = order.tracking_number
        package.shipping_provider_id, package.shipping_provider_name = provider.id, provider.name
        package.arranged_at = order.rts_time
        package.handover_method = HandoverMethod.DROP_OFF
        package.label_status = (
            LabelStatus.CREATED if order.shipping_type is ShippingType.TIKTOK else LabelStatus.NOT_CREATED
        )
        shipment = self._open_shipment(order, package, provider, order.tracking_number, order.rts_time)
        shipment.events.append(
            TrackingEvent(
                order.rts_time,
                carrier.TrackingStatus.INFO_RECEIVED,
                "InfoReceived_001",
                "Shipment information received",
                shipment.origin_city,
            )
        )
        outcome = Outcome()
        if order.collection_time is None:
            outcome.extend(
                carrier.schedule_collection(
                    shipment, max(start, order.rts_time + carrier.DROP_OFF_COLLECTED_AFTER)
                )
            )
            return opened, outcome
        # Replay the journey up to the start; what lies ahead stays on the queue.
        shipment.collected_at = package.collected_at = order.collection_time
        package.status = PackageStatus.FULFILLING
        for planned in STANDARD_PLAN:
            when = order.collection_time + planned.after
            if order.delivery_time is not None:
                when = (
                    order.delivery_time
                    if planned.detail_code == carrier.DELIVERED
                    else min(when, order.delivery_time)
                )
            elif when > start or planned.detail_code == carrier.DELIVERED:
                # Not delivered yet at the start: the rest of the journey lies ahead.
                outcome.deadlines.append(
                    Deadline(max(when, start), rules.CARRIER_PROGRESS, shipment.tracking_number)
                )
                break
            shipment.events.append(
                TrackingEvent(
                    when,
                    planned.status,
                    planned.detail_code,
                    planned.message,
                    shipment.where(planned.location),
                )
            )
            shipment.next_step += 1
        if order.delivery_time is not None:
            package.delivered_at = order.delivery_time
            package.status = PackageStatus.COMPLETED
            if order.status is OrderStatus.DELIVERED:
                due = max(start, order.delivery_time + fulfillment.deadlines.COMPLETION_AFTER_DELIVERY)
                outcome.deadlines.append(Deadline(due, rules.ORDER_COMPLETES, order.id))
            else:
                completed = order.delivery_time + fulfillment.deadlines.COMPLETION_AFTER_DELIVERY
                due = max(start, completed + fulfillment.deadlines.COMPLETED_ORDER_LOCK)
                outcome.deadlines.append(Deadline(due, rules.COMPLETED_ORDER_LOCKS, order.id))
        return opened, outcome


def seller_delivers(
    logistics: Logistics, package: Package, delivery_type: str, file_url: str, fail_reason: str, at: datetime
) -> Outcome:
    """Sellers who deliver themselves report the outcome, with proof of delivery."""
    order = logistics._order(package)
    if order.locked:
        raise RuleViolation(f"order {order.id} is completed and locked", code=Code.ORDER_LOCKED)
    if package.shipping_type is not ShippingType.SELLER:
        raise RuleViolation(
            "only seller-shipped packages report their own delivery", code=Code.WRONG_SHIPPING_TYPE
        )
    if delivery_type == "UPDATE_POD":
        if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) or not file_url:
            raise RuleViolation(
                "UPDATE_POD needs a delivered package and a file_url", code=Code.NOT_DELIVERABLE
            )
        package.proof_of_delivery.append(file_url)
        return Outcome()
    if order.status not in (OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT):
        raise RuleViolation(
            f"order {order.id} is {order.status.value}: only a shipped package can be "
            "reported delivered or failed",
            code=Code.NOT_DELIVERABLE,
        )
    if delivery_type == "DELIVERY_FAILED":
        if not fail_reason:
            raise RuleViolation("DELIVERY_FAILED needs a fail_delivery_reason", code=Code.NOT_DELIVERABLE)
        return Outcome(
            events=[
                DomainEvent(
                    at, "package.delivery_failed", order.id, {"package_id": package.id, "reason": fail_reason}
                )
            ]
        )
    if not file_url:
        raise RuleViolation(
            "DELIVERY_SUCCESS needs proof of delivery: file_url from images/upload or files/upload",
            code=Code.NOT_DELIVERABLE,
        )
    package.proof_of_delivery.append(file_url)
    shipment = logistics.shipments.get(package.tracking_number)
    if shipment is not None and not shipment.has(carrier.DELIVERED):
        event = TrackingEvent(
            at,
            carrier.TrackingStatus.DELIVERED,
            carrier.DELIVERED,
            "Delivered by the seller (proof of delivery)",
            shipment.destination_city,
        )
        shipment.events.append(event)
        shipment.next_step = len(STANDARD_PLAN)
        outcome = Outcome(events=[carrier.recorded(shipment, event)])
    else:
        outcome = Outcome()
    siblings = logistics.siblings(package)
    if package.collected_at is None:
        package.collected_at = at
        order.collection_time = order.collection_time or at
        outcome.extend(split.order_follows_packages(order, [package, *siblings], at))
    return outcome.extend(fulfillment.deliver(order, package, at, at, siblings))
