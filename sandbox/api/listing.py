"""One page of a search, answered in the envelope every search endpoint shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sandbox.domain.search import Filter, Ordered, search
from sandbox.http.envelope import success
from sandbox.world import World


def page_of(
    world: World,
    key: str,
    records: Iterable[Any],
    where: Filter,
    render: Callable[[Any], dict[str, Any]],
    paging: dict[str, Any],
    ordered: Ordered | None = None,
) -> dict[str, Any]:
    """Search `records` (or walk the `ordered` index of them), render one page of them under `key`,
    with the cursor and total."""
    page = search(records, where, ordered=ordered, **paging)
    return success(
        world.next_request_id(),
        {
            key: [render(r) for r in page.items],
            "next_page_token": page.next_page_token,
            "total_count": page.total_count,
        },
    )
