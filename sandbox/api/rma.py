"""Return merchandise authorizations (202604): the packages of goods authorized to come back to the
seller, each with its line items and the return request (the SKU return request) behind it."""

from __future__ import annotations

from typing import Any

from sandbox.api.listing import page_of
from sandbox.api.render_aftersales import authorization
from sandbox.api.render_returns import of_world_202602
from sandbox.domain import rma
from sandbox.http.context import current, json_object

DEFAULT_PAGE_SIZE = 20
_FIELD_SORT = {"CREATE_TIME": "create_time", "UPDATE_TIME": "update_time"}


def _render(world: Any, fields: set[str]) -> Any:
    as_202602 = of_world_202602(world)

    def render(item: rma.Rma) -> dict[str, Any]:
        return authorization(item, as_202602(item.record) if fields else None, fields)

    return render


def _filter(filters: dict[str, Any]) -> rma.RmaFilter:
    ids = {
        name: tuple(filters.get(name, ()))
        for name in ("rma_ids", "package_ids", "statuses", "aftersales_request_ids", "main_order_ids")
    }
    for name in ("rma_ids", "package_ids", "aftersales_request_ids"):
        rma.check_ids(name, ids[name])
    times = filters.get("time", {})
    create, update = times.get("create_time", {}), times.get("update_time", {})
    return rma.RmaFilter(
        **ids,
        create_time_ge=create.get("min_unix_time_inclusive"),
        create_time_lt=create.get("max_unix_time_exclusive"),
        update_time_ge=update.get("min_unix_time_inclusive"),
        update_time_lt=update.get("max_unix_time_exclusive"),
    )


def search_return_merchandise_authorizations(body: Any = None, **_: Any) -> dict[str, Any]:
    request = json_object(body)  # locale is accepted: the sandbox answers in English
    where = _filter(request.get("filters", {}))
    sort, pagination = request.get("sort", {}), request.get("pagination", {})
    paging = {
        "page_size": pagination.get("page_size", DEFAULT_PAGE_SIZE),
        "page_token": pagination.get("page_token", ""),
        "sort_field": _FIELD_SORT[sort.get("sort_field", "CREATE_TIME")],
        "sort_order": sort.get("sort_order", "DESC"),
    }
    fields = set(request.get("whitelisted_data_fields", []))
    with current().world.session() as world:
        records = world.return_merchandise_authorizations()
        answer = page_of(
            world, "return_merchandise_authorizations", records, where, _render(world, fields), paging
        )
    if not answer["data"]["return_merchandise_authorizations"]:
        del answer["data"]["return_merchandise_authorizations"]  # omitted when none matches
    return answer
