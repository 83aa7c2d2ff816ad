"""Building a big world tells how far it has got: the orders drawn, their packages and journeys,
then the counters, in steps that only go forward and end at the whole."""

from __future__ import annotations

import pickle

from sandbox.world import World
from sandbox.world.building import BUILD_PROGRESS
from tests.helpers import seeded_world


def build(orders: int) -> World:
    return seeded_world(orders, seed=5, shop_id="7494000000000000005")


def test_seeding_reports_its_progress_forward_to_the_end():
    told: list[tuple[int, int]] = []
    token = BUILD_PROGRESS.set(lambda done, total: told.append((done, total)))
    try:
        world = build(12_000)
    finally:
        BUILD_PROGRESS.reset(token)
    totals = {total for _, total in told}
    assert totals == {2 * 12_000 + 1}
    done = [d for d, _ in told]
    assert done == sorted(done) and done[-1] == 2 * 12_000 + 1
    assert 5_000 in done and 12_000 + 10_000 in done  # some orders drawn, some journeys made
    assert len(world.orders) == 12_000


def test_a_watched_build_makes_the_same_world():
    told: list[tuple[int, int]] = []
    token = BUILD_PROGRESS.set(lambda done, total: told.append((done, total)))
    try:
        watched = build(50)
    finally:
        BUILD_PROGRESS.reset(token)
    assert pickle.dumps(watched) == pickle.dumps(build(50))
