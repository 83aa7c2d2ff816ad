"""Return merchandise authorizations (RMAs): the platform's authorization for goods coming back to
the seller in one package.

The sandbox derives one RMA from each return-and-refund request the seller (or the platform,
unanswered) approved for the item to travel back; refund-only requests and returns refunded with
the buyer keeping the item have none, and neither has a request closed (cancelled) on the way.
Its parent after-sales request is the buyer's request that made the return, so
``aftersales_request_id`` is the return's ID. The RMA's ID and the ID of its return package are
derived from the return's ID: the same on every call and in every process.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sandbox.domain.aftersales import ReturnRequest, ReturnStatus, ships_back
from sandbox.domain.events import RuleViolation
from sandbox.domain.search import _one_of, _Timed


class RmaStatus(StrEnum):
    INIT = "INIT"  # never shown: an RMA exists once its return is approved
    AWAITING_BUYER_RETURN = "AWAITING_BUYER_RETURN"
    RETURN_IN_TRANSIT = "RETURN_IN_TRANSIT"  # never shown: a shipped return is the seller's to review
    PENDING_PACKAGE_REVIEW = "PENDING_PACKAGE_REVIEW"
    PACKAGE_REVIEW_COMPLETED = "PACKAGE_REVIEW_COMPLETED"


# The return's status, as its RMA's: the buyer ships the item back, the seller reviews the package
# (in the sandbox it is at hand once shipped: the seller may accept or refuse it at once), then the
# review is done (accepted and refunded, refused, or answered with a partial refund offer).
_STATUS = {
    ReturnStatus.AWAITING_BUYER_SHIP: RmaStatus.AWAITING_BUYER_RETURN,
    ReturnStatus.BUYER_SHIPPED: RmaStatus.PENDING_PACKAGE_REVIEW,
    ReturnStatus.AWAITING_BUYER_RESPONSE: RmaStatus.PACKAGE_REVIEW_COMPLETED,
    ReturnStatus.RECEIPT_REJECTED: RmaStatus.PACKAGE_REVIEW_COMPLETED,
    ReturnStatus.SUCCESS: RmaStatus.PACKAGE_REVIEW_COMPLETED,
    ReturnStatus.COMPLETE: RmaStatus.PACKAGE_REVIEW_COMPLETED,
}


def _derived_id(seed: str, lead: str) -> str:
    """An 18-digit ID, the same for the same seed (a generator of its own: the world's draws are
    untouched)."""
    rng = random.Random(seed)
    return lead + "".join(str(rng.randrange(10)) for _ in range(18 - len(lead)))


@dataclass(frozen=True)
class Rma:
    id: str
    package_id: str  # the return package the buyer sends back
    aftersales_request_id: str  # the return's ID
    status: RmaStatus
    order_id: str
    create_time: datetime  # when the return was approved
    update_time: datetime  # the return's last change
    record: ReturnRequest


def of_return(record: ReturnRequest) -> Rma | None:
    """The RMA of a return, or None when no goods are authorized to come back."""
    status = _STATUS.get(record.status)
    if status is None or not ships_back(record):
        return None
    approved = next(r.at for r in record.records if r.event == "REQUEST_APPROVED")
    return Rma(
        id=_derived_id(f"{record.id}:rma", "7"),
        package_id=_derived_id(f"{record.id}:rma_package", "1"),
        aftersales_request_id=record.id,
        status=status,
        order_id=record.order_id,
        create_time=approved,
        update_time=record.update_time,
        record=record,
    )


def all_of(records: dict[str, ReturnRequest]) -> list[Rma]:
    return [rma for rma in map(of_return, records.values()) if rma is not None]


@dataclass(frozen=True)
class RmaFilter(_Timed):
    """The search's filters: each list given restricts to its values; times are whole seconds."""

    rma_ids: tuple[str, ...] = ()
    package_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    aftersales_request_ids: tuple[str, ...] = ()
    main_order_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checks = self._time_checks()
        checks += _one_of(lambda r: r.id, self.rma_ids)
        checks += _one_of(lambda r: r.package_id, self.package_ids)
        checks += _one_of(lambda r: r.status.value, self.statuses)
        checks += _one_of(lambda r: r.aftersales_request_id, self.aftersales_request_ids)
        checks += _one_of(lambda r: r.order_id, self.main_order_ids)
        object.__setattr__(self, "_checks", checks)


_INT64_MAX = 2**63 - 1


def check_ids(field_name: str, ids: tuple[str, ...]) -> None:
    """IDs are base-10 integers that fit a signed 64-bit integer (the spec checks the digits)."""
    for value in ids:
        if int(value) > _INT64_MAX:
            raise RuleViolation(f"{field_name} '{value}' does not fit a signed 64-bit integer")
