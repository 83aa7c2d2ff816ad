"""The timed platform rules a world's queue can fire, by name.

Each entry finds its subject in the world and calls the domain rule with the instant it was due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.domain import aftersales, authorization, fulfillment, orders, tickets
from sandbox.domain.events import Outcome
from sandbox.scenarios.engine import END_RULE, EXPECTATION_RULE, SEP, STEP_RULE

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
    "ship_within_24_hours": _on_order(fulfillment.ship_within_24_hours),
    "stocking_timeout": _on_order(fulfillment.stocking_timeout),
    "delivery_window_passes": _with_package(fulfillment.delivery_window_passes),
    "parcel_deemed_lost": _with_package(fulfillment.parcel_deemed_lost),
    "untracked_reminder": _untracked_reminder,
    "untracked_auto_cancel": _untracked_auto_cancel,
    "carrier_return_arrives": _carrier_return_arrives,
    "failed_return_destroyed": _failed_return_destroyed,
    "seller_shipped_update_due": _seller_shipped_update_due,
    "scenario_starts": _scenario_starts,
    "carrier_progress": _carrier_progress,
    "platform_follows_shipment": _platform_follows_shipment,
    "order_completes": _on_order(fulfillment.order_completes),
    "completed_order_locks": _on_order(fulfillment.completed_order_locks),
    STEP_RULE: _scenario_step,
    EXPECTATION_RULE: _scenario_expectation_due,
    END_RULE: _scenario_ends,
    "remorse_window_ends": _on_order(orders.remorse_window_ends),
    "buyer_cancel_auto_approved": _on_order(orders.buyer_cancel_auto_approved),
    aftersales.AUTO_APPROVE_RULE: _return_auto_approved,
    tickets.RESPOND_RULE: _ticket_responds,
    "access_token_expires": _access_token_expires,
    "refresh_token_expires": _refresh_token_expires,
}
