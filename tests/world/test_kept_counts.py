"""What a world keeps so that reading it costs the same at any size: the Manage Orders counters
(kept from the events, always equal to a recount over every order), the clock's next deadlines and
its live deadlines by rule (kept as rules are queued, fired and cancelled)."""

from __future__ import annotations

import dataclasses
import pickle
import random
from collections import Counter
from datetime import timedelta

from sandbox.domain import aftersales, carrier, manage_orders, rules
from sandbox.domain.events import Deadline, Outcome, RuleViolation
from sandbox.domain.manage_orders import Tab, ToDo
from sandbox.domain.orders import OrderStatus
from sandbox.domain.returns import ReturnStatus
from sandbox.world import World
from tests.helpers import seeded_world


def new_world(orders: int) -> World:
    return seeded_world(orders, seed=11, shop_id="7494000000000000011")


def recount(world: World) -> tuple[dict[str, int], dict[str, int]]:
    return manage_orders.counts(world.order_rows(), world.now())


def some(rng: random.Random, world: World, *statuses: OrderStatus) -> str | None:
    found = [o.id for o in world.orders.values() if o.status in statuses]
    return rng.choice(found) if found else None


def one_step(rng: random.Random, world: World) -> None:
    """One thing a seller, a buyer or the clock does, to a random order; refusals change nothing."""
    kind = rng.randrange(11)
    try:
        if kind == 0:
            world.advance_to(world.now() + timedelta(hours=rng.choice([1, 6, 20, 30, 72])))
        elif kind == 1 and (order_id := some(rng, world, OrderStatus.UNPAID)):
            world.pay_order(order_id)
        elif kind == 2 and (order_id := some(rng, world, OrderStatus.AWAITING_SHIPMENT)):
            package = world.logistics.package_of(world.orders[order_id])
            if package is not None:
                world.ship_package(package.id)
        elif kind == 3 and (order_id := some(rng, world, OrderStatus.AWAITING_SHIPMENT, OrderStatus.UNPAID)):
            world.buyer_cancels(order_id)
        elif kind == 4 and (order_id := some(rng, world, OrderStatus.AWAITING_SHIPMENT)):
            world.seller_cancels_order(order_id, "seller_out_of_stock")
        elif kind == 5 and (order_id := some(rng, world, OrderStatus.DELIVERED, OrderStatus.COMPLETED)):
            kind_of = rng.choice(list(aftersales.ReturnType))
            world.buyer_requests_return(order_id, kind_of, "damaged")
        elif kind == 6:
            waiting = [r for r in world.returns.values() if r.status in aftersales.AWAITING_SELLER]
            if waiting:
                world.approve_return(rng.choice(waiting).id)
        elif kind == 7:
            combinable = world.combinable_packages()
            if combinable:
                package, orders = combinable[0]
                world.combine_packages([(package.id, [o.id for o in orders])])
        elif kind == 8:
            waiting = [c for c in world.open_cancellations.values()]
            if waiting:
                world.approve_cancellation(rng.choice(waiting).id)
        elif kind == 9 and (order_id := some(rng, world, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED)):
            world.raise_ticket(order_id, None, None, "where is it?", [])
        elif kind == 10 and (
            order_id := some(rng, world, OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT)
        ):
            # The carrier's next attempts fail, as a scenario's step plans them: the parcel goes back.
            package = world.logistics.package_of(world.orders[order_id])
            if package is not None:
                with world.session():
                    failure = carrier.AttemptFailure.ADDRESSEE_NOT_AVAILABLE
                    world.run_action(
                        lambda: world.logistics.plan_failed_attempts(package, failure, 3, world.now())
                    )
    except RuleViolation:
        pass


def test_the_kept_counters_equal_a_recount_after_many_random_operations():
    world = new_world(150)
    rng = random.Random(20)
    seen: Counter[str] = Counter()
    for step in range(300):
        one_step(rng, world)
        if step % 3 == 0:
            kept = world.order_counts()
            assert kept == recount(world), f"after step {step}"
            for name, value in kept[1].items():
                seen[name] += bool(value)
    # The walk went through every counter, so each was checked while it counted something.
    assert all(seen[todo.value] for todo in ToDo), seen
    assert world.order_counts() == recount(world)
    assert world.return_status_counts() == recount_returns(world)
    assert sum(world.return_status_counts().values()), "no parcel went back: the walk missed Failed Delivery"


def recount_returns(world: World) -> dict[str, int]:
    found = Counter(r.return_status.value for r in world.order_rows() if r.return_status is not None)
    return {status.value: found[status.value] for status in ReturnStatus}


def test_a_listed_tab_or_to_do_holds_what_a_full_filter_finds_in_the_same_order():
    world = new_world(150)
    rng = random.Random(7)
    for _ in range(120):
        one_step(rng, world)
    assert sum(world.return_status_counts().values()), "no parcel went back: Failed Delivery left unlisted"
    now = world.now()
    rows = world.order_rows()
    for tab, todo in [
        (None, None),
        (Tab.PENDING_SHIPPING, None),
        (None, ToDo.STOCKING_TIMEOUT),
        (Tab.SHIPPED, ToDo.AUTOMATIC_CANCELLATION_WITHIN_24_HOURS),
        (Tab.CANCELED, None),
    ]:
        for returns in (frozenset(), frozenset(ReturnStatus), frozenset({ReturnStatus.RETURNING_TO_SELLER})):
            where = manage_orders.OrderListFilter(tab=tab, todo=todo, return_statuses=set(returns))
            matched = [r for r in rows if where.matches(r, now)]
            expected = manage_orders.sorted_rows(matched, "create_time", True)
            total, walked = world.listed_orders(tab, todo, True, returns)
            assert total == len(expected), (tab, todo, returns)
            assert [o.id for o in walked] == [r.order.id for r in expected]


def test_counters_kept_across_a_snapshot_and_a_reset():
    world = new_world(60)
    rng = random.Random(3)
    for _ in range(60):
        one_step(rng, world)
    loaded = pickle.loads(pickle.dumps(world))
    assert loaded.order_counts() == recount(loaded) == world.order_counts()
    for _ in range(30):
        one_step(rng, loaded)
    assert loaded.order_counts() == recount(loaded)
    world.reset()
    assert world.order_counts() == recount(world)


def test_an_order_a_scenario_adds_is_counted():
    world = new_world(10)
    tabs, _ = world.order_counts()
    order = next(iter(world.orders.values()))
    world.orders["576000000000000001"] = dataclasses.replace(
        order, id="576000000000000001"
    )  # as seed_order does
    after, _ = world.order_counts()
    assert sum(after.values()) == sum(tabs.values()) + 1
    assert world.order_counts() == recount(world)


# ----- the clock ---------------------------------------------------------------------------------
def live_by_rule(world: World) -> dict[str, int]:
    return dict(sorted(Counter(d.rule for d in world.pending_deadlines()).items()))


def test_the_next_deadlines_are_the_first_of_all_pending_in_order():
    world = new_world(80)
    rng = random.Random(5)
    for _ in range(80):
        one_step(rng, world)
        assert world.next_deadlines(5) == world.pending_deadlines()[:5]
        assert world.pending_by_rule() == live_by_rule(world)
        assert world.pending_count() == len(world.pending_deadlines())


def test_live_deadlines_by_rule_follow_what_is_queued_fired_and_cancelled():
    world = new_world(5)
    at = world.now() + timedelta(hours=1)
    with world.session():
        before = world.pending_by_rule().get(rules.STOCKING_TIMEOUT, 0)
        world.apply(
            Outcome(
                deadlines=[
                    Deadline(at, rules.STOCKING_TIMEOUT, "nobody-1"),
                    Deadline(at, rules.STOCKING_TIMEOUT, "nobody-2"),
                ]
            )
        )
    assert world.pending_by_rule()[rules.STOCKING_TIMEOUT] == before + 2
    with world.session():
        world.apply(Outcome(cancel=[(rules.STOCKING_TIMEOUT, "nobody-1")]))
    assert world.pending_by_rule()[rules.STOCKING_TIMEOUT] == before + 1
    assert Deadline(at, rules.STOCKING_TIMEOUT, "nobody-1") not in world.next_deadlines(1000)
    assert world.pending_by_rule() == live_by_rule(world)
