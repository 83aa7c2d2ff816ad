"""After-sales requests (return_refund 202603): what the buyer (or the seller on the buyer's
behalf) asked for, as one request over the SKU-level return it opened.

Each return or refund request of the world is one after-sales request with the same ID; its status
says where the request's review stands, its SKU return request is the return itself."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.domain.aftersales import ReturnRequest, ReturnStatus
from sandbox.domain.search import _one_of, _Timed

# Waiting for the seller's (or the platform's) review: the request, or a partial refund offer the
# buyer has yet to answer (rejected, it comes back to the seller). Every other status follows a
# review. A request is submitted when it is made: none is ever INIT.
_UNDER_REVIEW = frozenset({ReturnStatus.PENDING, ReturnStatus.AWAITING_BUYER_RESPONSE})

SORT_FIELDS = {"CREATE_TIME": "create_time", "UPDATE_TIME": "update_time"}
DEFAULT_PAGE_SIZE = 20


def request_status(record: ReturnRequest) -> str:
    return "PENDING_REQUEST_REVIEW" if record.status in _UNDER_REVIEW else "REQUEST_REVIEW_COMPLETED"


@dataclass(frozen=True)
class AftersalesFilter(_Timed):
    """The body's filters but the buyers' (the world knows whose order a return is)."""

    aftersales_request_ids: tuple[str, ...] = ()
    aftersales_request_statuses: tuple[str, ...] = ()
    return_types: tuple[str, ...] = ()
    main_order_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checks = self._time_checks()
        checks += _one_of(lambda r: r.id, self.aftersales_request_ids)
        checks += _one_of(request_status, self.aftersales_request_statuses)
        checks += _one_of(lambda r: r.type.value, self.return_types)
        checks += _one_of(lambda r: r.order_id, self.main_order_ids)
        object.__setattr__(self, "_checks", checks)
