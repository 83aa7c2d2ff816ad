"""What keeps building a world fast without changing a byte of it: the shops' stock drawn once per
profile and shared, and the garbage collector paused while a large order book is allocated."""

from __future__ import annotations

import gc
import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sandbox import fakes

# Told how far building a world has got, as (done, total) steps: the orders drawn, then each one's
# package and journey, then the counters (twice the orders, plus one). The command line shows it.
BUILD_PROGRESS: ContextVar[Callable[[int, int], None] | None] = ContextVar("BUILD_PROGRESS", default=None)
PROGRESS_EVERY = fakes.SEED_PROGRESS_EVERY  # orders between two reports


def report_progress(done: int, total: int) -> None:
    told = BUILD_PROGRESS.get()
    if told is not None:
        told(done, total)


_STOCK_CACHE: OrderedDict[tuple[int, str, int], tuple[fakes.Stock, Any]] = OrderedDict()
_STOCK_CACHE_SIZE = 32
_STOCK_LOCK = threading.Lock()


def shop_stock(rng: random.Random, seed: int, region: str, buyers: int) -> fakes.Stock:
    """The shop's stock, drawn first from the freshly seeded generator. A reset draws the same
    stock again, so it is kept, with the generator's state after the draw: a hit leaves the
    generator exactly where a fresh draw would, so worlds stay byte-identical."""
    key = (seed, region, buyers)
    with _STOCK_LOCK:
        cached = _STOCK_CACHE.get(key)
        if cached is not None:
            _STOCK_CACHE.move_to_end(key)
    if cached is None:
        stock = fakes.shop_stock(rng, region, buyers)
        with _STOCK_LOCK:
            _STOCK_CACHE[key] = (stock, rng.getstate())
            while len(_STOCK_CACHE) > _STOCK_CACHE_SIZE:
                _STOCK_CACHE.popitem(last=False)
        return stock
    stock, state = cached
    rng.setstate(state)
    return stock


class _Frozen:
    """Whether this process keeps its worlds frozen (see ``keep_frozen``). Kept here, not asked of
    the collector: ``gc.get_freeze_count()`` walks every frozen object to count them, half a second
    at 200,000 orders, at the end of every paused section."""

    kept = False


def keep_frozen() -> None:
    """Freeze every object now (the server's worlds, once built), and from now on what a paused
    section makes too (see ``collector_paused``)."""
    gc.freeze()
    _Frozen.kept = True


@contextmanager
def collector_paused(*, long_lived: bool = False) -> Iterator[None]:
    """Building a world allocates its whole order book (millions of objects for a large one) and
    no garbage: the cyclic collector would rescan the growing heap again and again for nothing,
    half the time of seeding 100,000 orders. It is paused while a world is built.

    Afterwards the new objects would still be walked by the young generations' next collections
    (about a second per million objects) before reaching the oldest one. When nothing else is
    frozen, freezing and at once unfreezing moves them there directly, walking nothing. A process
    that froze objects itself (the server, after seeding: ``keep_frozen``) keeps them frozen, and
    freezes what was made meanwhile too: the young generations' next collection would walk it all
    at once, in the middle of some request of any tenant (half a second after an advance of a day over 200,000
    orders). What is built ``long_lived`` (a world) is frozen once what it replaced (a reset's
    old world) is collected; otherwise nothing is collected first (that would walk the heap), so
    the price is that a reference cycle that was already garbage when the section ended is kept."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not _Frozen.kept:
            gc.freeze()
            gc.unfreeze()
        else:
            if long_lived:
                gc.collect()
            gc.freeze()
        gc.enable()
