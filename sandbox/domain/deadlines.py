"""The platform's named time windows, one place each.

Sources: the Seller Center articles in the project's seed documents and the Open API reference.
"""

from __future__ import annotations

from datetime import timedelta

# "Processing: orders that can be flexibly canceled one hour after the buyers' payment. Order
# status will be updated to 'Pending Shipping' after one hour."
REMORSE_WINDOW = timedelta(hours=1)

# The shipping deadline ("the date within which the shipping needs to be confirmed"): the
# platform's default handling time. Orders due within "Shipping within 24 hours" show on the
# seller's to-do list; missing it is "Stocking timeout" (late shipment).
HANDLING_TIME = timedelta(days=3)
SHIP_WITHIN_24_HOURS = timedelta(hours=24)

# After the shipping deadline the carrier must collect the parcel within this window.
COLLECTION_WINDOW = timedelta(days=2)

# Estimated delivery window from payment; past it a platform-shipped parcel is "Delayed".
DELIVERY_WINDOW = timedelta(days=10)

# A buyer's cancellation request on a paid order waits for the seller; unanswered, the platform
# approves it automatically ("Requested cancellation: orders canceled by users need to be reviewed
# by sellers in a timely manner").
BUYER_CANCEL_RESPONSE_WINDOW = timedelta(hours=48)

# Access tokens last 7 days, refresh tokens much longer; an auth code lasts 30 minutes, once.
ACCESS_TOKEN_LIFETIME = timedelta(days=7)
REFRESH_TOKEN_LIFETIME = timedelta(days=365)
AUTH_CODE_LIFETIME = timedelta(minutes=30)
# The seller's authorization of the app lasts as long as its refresh token: once that expires the
# seller must authorize the app again. UPCOMING_AUTHORIZATION_EXPIRATION "triggers 30 days before
# authorization expiration, with daily notifications at 0:00 until re-authorization is completed"
# (the event type's documentation in the Open API reference, GET /event/202309/webhooks). The
# sandbox sends the first when the window opens, then one at each 0:00 UTC before the expiry.
AUTHORIZATION_EXPIRY_WARNING = timedelta(days=30)

# Request timestamps are accepted from 5 minutes before to 30 seconds after server (wall) time.
TIMESTAMP_MAX_AGE = timedelta(minutes=5)
TIMESTAMP_MAX_SKEW_AHEAD = timedelta(seconds=30)

# Fulfillment. A shipping document's link is valid for 24 hours; a seller may change a package's
# tracking information once, within 72 hours of shipping it.
DOCUMENT_LINK_LIFETIME = timedelta(hours=24)
SHIPPING_INFO_UPDATE_WINDOW = timedelta(hours=72)

# "If it's been more than 24 hours since your order was picked up and the status has not been
# updated to 'Shipped', you can create a ticket" (Picked up but logistics status not updated).
PICKED_UP_NOT_UPDATED_AFTER = timedelta(hours=24)
# "For both shipping types, you must ensure that the package is collected in a timely manner and
# that within 120 hours, the Order Status is updated": a package still awaiting collection 120
# hours after it was shipped counts as unmoved.
STATUS_UPDATE_WINDOW = timedelta(hours=120)
# "If the status is still not updated within 2 business days, you can contact our seller support":
# a parcel with no tracking movement for two days shows the "Unmoved tracking event" tag.
UNMOVED_TRACKING_AFTER = timedelta(days=2)
# "Within 48 hours, you should update your Order Status to Shipped once the items are collected."
SELLER_SHIPPED_UPDATE_WINDOW = timedelta(hours=48)

# A delivered order completes when the buyer's window to raise a problem closes (the sandbox's
# default: the articles give no figure); "no further operations can be performed on [completed
# orders] beyond 14 days".
COMPLETION_AFTER_DELIVERY = timedelta(days=7)
COMPLETED_ORDER_LOCK = timedelta(days=14)

# After delivery a buyer may ask for a return or a refund until the completed order locks (the
# sandbox's default: the articles give no figure of their own, and "no further operations can be
# performed on [completed orders] beyond 14 days").
AFTERSALE_WINDOW = COMPLETION_AFTER_DELIVERY + COMPLETED_ORDER_LOCK
# "Return/refund requested: orders for which users request returns or refunds need to be reviewed
# in a timely manner": unanswered, the platform approves the request (the sandbox's default, the
# same 48 hours as a buyer's cancellation request).
RETURN_RESPONSE_WINDOW = timedelta(hours=48)

# Failed deliveries. "A package that has not been successfully delivered after three attempts" goes
# back to the seller; the carrier tries again the next day after each failure; the way back takes
# about three days. For a failed return package "the logistics service provider will destroy the
# package after 7 days" unless the seller asks for it.
MAX_DELIVERY_ATTEMPTS = 3
NEXT_ATTEMPT_AFTER = timedelta(hours=20)  # out for delivery again the next morning
RETURN_JOURNEY = timedelta(hours=72)
DESTROY_WINDOW = timedelta(days=7)

# "TikTok orders that have been placed but have not been marked with a Tracking Status Update will be
# automatically canceled by the TikTok system after 15 days of order placement"; the seller is
# reminded daily over the last days ("Automatic cancellation within 24 hours" on the to-do list).
UNTRACKED_AUTO_CANCEL = timedelta(days=15)
UNTRACKED_REMINDER_DAYS = 3
# The same rule covers orders never paid: "If the customer paid beforehand, their payment will be
# refunded at once", so an order placed but not paid is cancelled too, 15 days after its placement,
# with nothing to refund (the articles give no shorter payment window).
UNPAID_AUTO_CANCEL = UNTRACKED_AUTO_CANCEL

# "If the intended recipient fails to acknowledge receipt after 12 days of order creation, the
# package is deemed lost" (the order is then cancelled and the buyer refunded).
LOST_IF_NOT_ACKNOWLEDGED = timedelta(days=12)

# "If the carrier fails to ship your product twice, the item is deemed lost": a collection the carrier
# misses is tried again the next day; the second miss makes the parcel lost.
FAILED_COLLECTIONS_LOST = 2
NEXT_COLLECTION_AFTER = timedelta(hours=24)

# Logistics tickets. "After receiving the ticket, the logistics provider will contact you to resolve
# the issue"; "if the status is still not updated within 2 business days, you can contact our seller
# support": the sandbox's provider answers a ticket within 2 business days (Monday to Friday), and a
# scenario can script another answer or time. A seller asking for a failed return package must
# "submit an online ticket within 7 days" (DESTROY_WINDOW above).
TICKET_RESPONSE_BUSINESS_DAYS = 2
