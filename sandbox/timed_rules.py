"""The timed platform rules a world's queue can fire, by name.

Each entry finds its subject in the world and calls the domain rule with the instant it was due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.domain import aftersales, authorization, fulfillment, orders, rules
from sandbox.domain.events import Outcome
from sandbox.scenarios.engine import SEP

if TYPE_CHECKING:
    from sandbox.world import World

TimedRule = Callable[["World", str, datetime], Outcome]


def _on_order(rule: Callable[[orders.Order, datetime], Outcome]) -> TimedRule:
    def fire(world: World, order_id: str, at: datetime) -> Outcome:
        order = world.orders.get(order_id)
        return rule(order, at) if order is not None else Outcome()

    return fire


def _access_token_expires(world: World, value: str, at: datetime) -> Outcome:
    return authorization.access_token_expires(world.grants, value, at)


def _refresh_token_expires(world: World, value: str, at: datetime) -> Outcome:
    return authorization.refresh_token_expires(world.grants, value, at)


def _authorization_expiry_warning(world: World, value: str, at: datetime) -> Outcome:
    return authorization.authorization_expiry_warning(world.grants, value, at)


def _scenario_step(world: World, subject: str, at: datetime) -> Outcome:
    name, index, occurrence = subject.split(SEP)
    run = world.scenarios.get(name)
    return run.fire_step(int(index), int(occurrence), at) if run else Outcome()


def _scenario_expectation_due(world: World, subject: str, at: datetime) -> Outcome:
    name, index = subject.split(SEP)
    run = world.scenarios.get(name)
    return run.expectation_due(int(index), at) if run else Outcome()


def _scenario_ends(world: World, name: str, at: datetime) -> Outcome:
    run = world.scenarios.get(name)
    return run.end(at) if run else Outcome()


def _carrier_progress(world: World, tracking_number: str, at: datetime) -> Outcome:
    return world.logistics.carrier_progress(tracking_number, at)


def _platform_follows_shipment(world: World, package_id: str, at: datetime) -> Outcome:
    return world.logistics.platform_follows_shipment(package_id, at)


def _scenario_starts(world: World, name: str, at: datetime) -> Outcome:
    return world.start_scenario(name)


def _seller_shipped_update_due(world: World, tracking_number: str, at: datetime) -> Outcome:
    return world.logistics.seller_shipped_update_due(tracking_number, at)


def _carrier_return_arrives(world: World, tracking_number: str, at: datetime) -> Outcome:
    return world.logistics.return_arrives(tracking_number, at)


def _failed_return_destroyed(world: World, package_id: str, at: datetime) -> Outcome:
    return world.logistics.failed_return_destroyed(package_id, at)


def _untracked_reminder(world: World, order_id: str, at: datetime) -> Outcome:
    return world.logistics.untracked_reminder(order_id, at)


def _untracked_auto_cancel(world: World, order_id: str, at: datetime) -> Outcome:
    return world.logistics.untracked_auto_cancel(order_id, at)


def _return_auto_approved(world: World, return_id: str, at: datetime) -> Outcome:
    record = world.returns.get(return_id)
    return aftersales.auto_approved(record, at) if record is not None else Outcome()


def _ticket_responds(world: World, ticket_id: str, at: datetime) -> Outcome:
    ticket = world.desk.tickets.get(ticket_id)
    return world.answer_ticket(ticket, at) if ticket is not None else Outcome()


def _with_package(rule: Callable[[orders.Order, Any, datetime], Outcome]) -> TimedRule:
    def fire(world: World, order_id: str, at: datetime) -> Outcome:
        return world.logistics.on_order_package(rule, order_id, at)

    return fire


TIMED_RULES: dict[str, TimedRule] = {
    rules.SHIP_WITHIN_24_HOURS: _on_order(fulfillment.ship_within_24_hours),
    rules.STOCKING_TIMEOUT: _on_order(fulfillment.stocking_timeout),
    rules.DELIVERY_WINDOW_PASSES: _with_package(fulfillment.delivery_window_passes),
    rules.PARCEL_DEEMED_LOST: _with_package(fulfillment.parcel_deemed_lost),
    rules.UNTRACKED_REMINDER: _untracked_reminder,
    rules.UNTRACKED_AUTO_CANCEL: _untracked_auto_cancel,
    rules.UNPAID_AUTO_CANCEL: _on_order(orders.unpaid_auto_cancel),
    rules.CARRIER_RETURN_ARRIVES: _carrier_return_arrives,
    rules.FAILED_RETURN_DESTROYED: _failed_return_destroyed,
    rules.SELLER_SHIPPED_UPDATE_DUE: _seller_shipped_update_due,
    rules.SCENARIO_STARTS: _scenario_starts,
    rules.CARRIER_PROGRESS: _carrier_progress,
    rules.PLATFORM_FOLLOWS_SHIPMENT: _platform_follows_shipment,
    rules.ORDER_COMPLETES: _on_order(fulfillment.order_completes),
    rules.COMPLETED_ORDER_LOCKS: _on_order(fulfillment.completed_order_locks),
    rules.SCENARIO_STEP: _scenario_step,
    rules.SCENARIO_EXPECTATION_DUE: _scenario_expectation_due,
    rules.SCENARIO_ENDS: _scenario_ends,
    rules.REMORSE_WINDOW_ENDS: _on_order(orders.remorse_window_ends),
    rules.BUYER_CANCEL_AUTO_APPROVED: _on_order(orders.buyer_cancel_auto_approved),
    rules.RETURN_AUTO_APPROVED: _return_auto_approved,
    rules.TICKET_RESPONDS: _ticket_responds,
    rules.ACCESS_TOKEN_EXPIRES: _access_token_expires,
    rules.REFRESH_TOKEN_EXPIRES: _refresh_token_expires,
    rules.AUTHORIZATION_EXPIRY_WARNING: _authorization_expiry_warning,
}
