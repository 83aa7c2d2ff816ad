"""Every error code the sandbox answers on the platform's paths, defined once.

Each code carries the HTTP status it maps to when the server runs with ``--http-error-status`` (the
platform itself answers business errors with HTTP 200, and throttling with 429 whatever the flag),
and the message it answers with when nothing more precise is known (an injected fault's default).

The first group is the platform's own, from the reference (signing, tokens, the gateway). The
reference names 21011028 (package not in the shop) and 21008111 (order not in the shop) for
fulfillment; the platform publishes no codes for the other refusals of the fulfillment, returns and
cancellations operations, so the sandbox uses these, documented in the spec. A code is an ``int``:
compare and send it as one.
"""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    http_status: int
    message: str

    def __new__(cls, value: int, http_status: int = 400, message: str = "") -> Code:
        member = int.__new__(cls, value)
        member._value_ = value
        member.http_status = http_status
        member.message = message
        return member

    SUCCESS = 0, 200, "Success"

    # ----- the platform's gateway: signing, tokens, paths, limits ------------------------------------
    NOT_SHOP_OWNER = 101000, 403, "The token or shop_cipher does not belong to the shop"
    TOKEN_EXPIRED = 105002, 401, "Access token is expired"
    NO_API_SCOPE = 105005, 403, "The app has no scope for this API"
    INVALID_SIGN = 106001, 401, "Invalid sign"
    SHOP_CIPHER_MISSING = 106013, 400, "shop_cipher is missing"
    TOO_MANY_REQUESTS = 36009002, 429, "Too many requests"
    INTERNAL_ERROR = 36009003, 500, "Internal error"
    INVALID_REQUEST = 36009004, 400, "Invalid request"
    INVALID_PATH = 36009009, 404, "Invalid path"
    INVALID_METHOD = 36009010, 405, "Invalid method"
    UNKNOWN_VERSION = 36009014, 404, "Unknown API version"

    # ----- orders ----------------------------------------------------------------------------------------
    ORDER_NOT_FOUND = 25007006, 404, "Order not found"
    EXTERNAL_LINE_ITEM_NOT_IN_ORDER = 25007007, 400, "The line item is not one of the order's"
    EXTERNAL_ORDER_REPEATED = 25007008, 400, "The order or line item is named twice"

    # ----- fulfillment: packages, labels, documents, delivery ------------------------------------------
    ORDER_NOT_IN_SHOP = 21008111, 400, "The order does not belong to the shop"
    PACKAGE_NOT_FOUND = 21011028, 400, "The package does not belong to the shop"
    PACKAGE_ALREADY_SHIPPED = 21011101, 400, "The package is already shipped"
    WRONG_SHIPPING_TYPE = 21011102, 400, "The order's shipping type does not allow this"
    ORDER_NOT_SHIPPABLE = 21011103, 400, "The order cannot be shipped"
    LABEL_REJECTED = 21011104, 400, "The carrier rejected the shipping label"
    DOCUMENT_NOT_AVAILABLE = 21011105, 400, "The shipping document is not available"
    SHIPPING_INFO_NOT_UPDATABLE = 21011106, 400, "The shipping information cannot be updated"
    INVALID_PICKUP_SLOT = 21011107, 400, "Invalid pickup slot"
    MIXED_LOGISTICS_TYPES = 21011108, 400, "The packages have different logistics types"
    NOT_DELIVERABLE = 21011109, 400, "The address is not deliverable"
    ORDER_LOCKED = 21011110, 400, "The order is locked"
    UPLOAD_REFUSED = 21011111, 400, "The file was refused"
    RETURN_NOT_ALLOWED = 21011112, 400, "The return is not allowed"
    ORDER_NOT_SPLITTABLE = 21011113, 400, "The order cannot be split"
    LINE_ITEM_NOT_IN_ORDER = 21011114, 400, "The line item does not belong to the order"
    NOT_COMBINABLE = 21011115, 400, "The packages cannot be combined"
    NOT_IN_MARKET = 21011116, 400, "The operation is not available in the shop's market"

    # ----- fulfillment: operations served in some markets only (domain/markets.py) -------------------
    CUSTOMS_NOT_REQUIRED = 21011120, 400, "The order needs no customs clearance information"
    CUSTOMS_SHARES_NOT_WHOLE = 21011121, 400, "The customs clearance shares do not add up to 100%"
    SKU_NOT_IN_SHOP = 21011122, 400, "The SKU is not one of the shop's"
    POD_NOT_FOUND = 21011123, 400, "No print-on-demand customisation for the order line"
    # First-mile bundles (sandbox/domain/first_mile.py).
    BUNDLE_DROP_OFF_INCOMPLETE = 21011130, 400, "Incomplete drop-off bundle"
    NOT_READY_FOR_BUNDLE = 21011131, 400, "The order is not ready to ship with its label printed"
    ALREADY_IN_BUNDLE = 21011132, 400, "The order is already in a first-mile bundle"
    # Redemption information of virtual goods (sandbox/domain/redemption.py).
    REDEEM_DATA_INVALID = 21011150, 400, "The redeem data does not fit its redeem type"
    REDEEM_INSTRUCTION_INVALID = (
        21011151,
        400,
        "The redemption instruction is not a JSON object with a web address",
    )
    REDEEM_SOURCE_ID_REUSED = (
        21011152,
        400,
        "The source_unique_id was submitted with other redemption details",
    )
    REDEEM_ORDER_NOT_PAID = 21011153, 400, "The order is not paid yet"
    # Fiscal invoices of Brazilian packages (sandbox/domain/invoices.py).
    INVOICE_ORDERS_NOT_THE_PACKAGES = 21011160, 400, "The order IDs are not the package's orders"
    INVOICE_PACKAGE_CANCELLED = 21011161, 400, "The package is cancelled"
    INVOICE_FILE_INVALID = 21011162, 400, "The invoice file is not a valid NF-e XML"
    INVOICE_ACCESS_KEY_DUPLICATE = 21011163, 400, "The NF-e access key is already another package's invoice"

    # ----- cancellations ---------------------------------------------------------------------------------
    CANCELLATION_NOT_FOUND = 25007101, 400, "Cancellation not found"
    CANCELLATION_NOT_PENDING = 25007102, 400, "The cancellation is not pending"
    ORDER_NOT_CANCELLABLE = 25007103, 400, "The order cannot be cancelled"

    # ----- returns and refunds ---------------------------------------------------------------------------
    RETURN_NOT_FOUND = 25007201, 400, "Return not found"
    RETURN_STATUS_NOT_ALLOWED = 25007202, 400, "The return's status does not allow this"
    ORDER_NOT_ELIGIBLE = 25007203, 400, "The order is not eligible for after-sales"
    INVALID_REJECT_REASON = 25007204, 400, "Invalid reject reason"
    INVALID_PARTIAL_REFUND = 25007205, 400, "Invalid partial refund"
    INVALID_AFTERSALES_REASON = 25007206, 400, "The reason does not apply to this request"
    LINE_ITEM_ALREADY_REFUNDED = 25007207, 400, "The line item is already cancelled or refunded"
    RETURN_PROVIDER_NOT_FOUND = 25007210, 400, "The return shipping provider is not one of the shop's"
    REVIEW_LINE_ITEM_NOT_IN_REQUEST = 25007211, 400, "The line item is not one of the request's"
    REVIEW_NOT_WHOLE = 25007212, 400, "Every line item of the request needs the one decision"
    IDEMPOTENCY_KEY_REUSED = 25007213, 400, "The idempotency key was sent with another decision"


# The codes an injected fault may answer with: every error code but the unknown version (a property
# of the path, not of a request).
FAULT_CODES: tuple[Code, ...] = tuple(c for c in Code if c not in (Code.SUCCESS, Code.UNKNOWN_VERSION))


def http_status(code: int, mirror_http_status: bool) -> int:
    """The HTTP status an answer with ``code`` goes out with."""
    if code == Code.TOO_MANY_REQUESTS:
        return 429  # throttling is a real HTTP 429 on the platform
    if not mirror_http_status:
        return 200
    known = Code._value2member_map_.get(code)
    return known.http_status if isinstance(known, Code) else 400
