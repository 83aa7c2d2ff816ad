"""A shop's unpaid orders expire: 15 days after placement the platform cancels every order still
UNPAID ("automatically canceled by the TikTok system after 15 days of order placement"), with its
reason and the ORDER_STATUS_CHANGE webhook, and without a refund."""

from __future__ import annotations

import json
from datetime import timedelta

from sandbox.domain import cancellations, rules
from sandbox.domain.orders import UNPAID_CANCEL_REASON, CancellationInitiator, OrderStatus
from sandbox.world import World
from tests.helpers import START, seeded_world


def new_world(orders: int = 200) -> World:
    return seeded_world(orders)


def unpaid(world: World) -> list[str]:
    return [o.id for o in world.orders.values() if o.status is OrderStatus.UNPAID]


def test_each_seeded_unpaid_order_has_its_cancellation_queued_15_days_after_placement():
    world = new_world()
    waiting = unpaid(world)
    queued = {d.subject: d.due for d in world.pending_deadlines() if d.rule == rules.UNPAID_AUTO_CANCEL}

    assert waiting and sorted(queued) == sorted(waiting)
    assert all(queued[i] == world.orders[i].create_time + timedelta(days=15) for i in waiting)


def test_unpaid_orders_are_cancelled_by_the_platform_after_15_days_with_the_webhook():
    world = new_world()
    world.webhooks.subscribe("ORDER_STATUS_CHANGE", "http://127.0.0.1:9/hook", START)
    waiting = unpaid(world)

    world.advance_to(START + timedelta(days=14))
    assert unpaid(world) == waiting  # placed less than 15 days ago: still waiting for payment

    world.advance_to(START + timedelta(days=15))
    assert unpaid(world) == []
    for order_id in waiting:
        order = world.orders[order_id]
        assert order.status is OrderStatus.CANCELLED
        assert order.cancel_reason == UNPAID_CANCEL_REASON
        assert order.cancellation_initiator is CancellationInitiator.SYSTEM
        assert order.cancel_time == order.create_time + timedelta(days=15)
        assert order.refund_time is None  # nothing was paid
    sent = [json.loads(d.body)["data"] for d in world.webhooks.deliveries.values()]
    cancelled = {d["order_id"] for d in sent if d["order_status"] == "CANCEL"}
    assert set(waiting) <= cancelled
    refunded = [r.event for r in world.events if r.event.kind == "order.refunded"]
    assert not {e.subject for e in refunded} & set(waiting)
    records = [r for r in world.cancellations.values() if r.order_id in waiting]
    assert len(records) == len(waiting)
    assert {(r.initiator, r.reason, r.status) for r in records} == {
        (CancellationInitiator.SYSTEM, UNPAID_CANCEL_REASON, cancellations.CancelStatus.COMPLETE)
    }


def test_an_unpaid_order_paid_before_the_end_of_the_window_is_not_cancelled_for_it():
    world = new_world()
    order_id = unpaid(world)[0]
    world.pay_order(order_id)

    assert not [
        d for d in world.pending_deadlines() if d.rule == rules.UNPAID_AUTO_CANCEL and d.subject == order_id
    ]
    world.advance_to(START + timedelta(days=15, hours=1))
    order = world.orders[order_id]
    assert order.cancel_reason != UNPAID_CANCEL_REASON


def test_a_shop_of_thousands_of_orders_has_no_unpaid_order_left_after_16_days():
    world = new_world(orders=3_000)
    assert len(unpaid(world)) > 100

    world.advance_to(START + timedelta(days=16))
    assert unpaid(world) == []
