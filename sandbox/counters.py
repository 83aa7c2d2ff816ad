"""Sequence counters that pickle: worlds and journals number things with ``itertools.count``."""

from __future__ import annotations

import re
from collections.abc import Iterator


def counter_value(counter: Iterator[int]) -> int:
    """The next number an ``itertools.count`` gives, without taking it: snapshots keep the number,
    because a count pickles as a call, which a snapshot may not hold."""
    match = re.fullmatch(r"count\((\d+)\)", repr(counter))
    if match is None:
        raise ValueError(f"not a counter: {counter!r}")
    return int(match.group(1))
