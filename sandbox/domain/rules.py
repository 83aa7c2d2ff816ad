"""The name of every timed rule a world's queue can hold, defined once.

A ``Deadline`` names its rule with one of these; ``sandbox.timed_rules`` maps each to what
fires it. The windows themselves, with their sources, are in ``sandbox.domain.deadlines``.
"""

from __future__ import annotations

# Orders
REMORSE_WINDOW_ENDS = "remorse_window_ends"
BUYER_CANCEL_AUTO_APPROVED = "buyer_cancel_auto_approved"
SHIP_WITHIN_24_HOURS = "ship_within_24_hours"
STOCKING_TIMEOUT = "stocking_timeout"
UNTRACKED_REMINDER = "untracked_reminder"
UNTRACKED_AUTO_CANCEL = "untracked_auto_cancel"
UNPAID_AUTO_CANCEL = "unpaid_auto_cancel"
ORDER_COMPLETES = "order_completes"
COMPLETED_ORDER_LOCKS = "completed_order_locks"
# Parcels and the carrier
CARRIER_PROGRESS = "carrier_progress"
PLATFORM_FOLLOWS_SHIPMENT = "platform_follows_shipment"
SELLER_SHIPPED_UPDATE_DUE = "seller_shipped_update_due"
DELIVERY_WINDOW_PASSES = "delivery_window_passes"
PARCEL_DEEMED_LOST = "parcel_deemed_lost"
CARRIER_RETURN_ARRIVES = "carrier_return_arrives"
FAILED_RETURN_DESTROYED = "failed_return_destroyed"
# Returns, tickets, authorization
RETURN_AUTO_APPROVED = "return_auto_approved"
TICKET_RESPONDS = "ticket_responds"
ACCESS_TOKEN_EXPIRES = "access_token_expires"
REFRESH_TOKEN_EXPIRES = "refresh_token_expires"
AUTHORIZATION_EXPIRY_WARNING = "authorization_expiry_warning"
# Scenarios
SCENARIO_STARTS = "scenario_starts"
SCENARIO_STEP = "scenario_step"
SCENARIO_EXPECTATION_DUE = "scenario_expectation_due"
SCENARIO_ENDS = "scenario_ends"

ALL: tuple[str, ...] = tuple(
    value for name, value in dict(globals()).items() if name.isupper() and name != "ALL"
)
