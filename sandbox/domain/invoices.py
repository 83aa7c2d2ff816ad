"""The fiscal invoice of a package (Upload Invoice, fulfillment 202502): in Brazil a local seller's
goods travel with their nota fiscal eletrônica (NF-e), and the seller uploads it to the platform,
one per package, naming the package's orders.

The docs: "Upload the invoice document. **Note**: Applicable only for local sellers in the Brazil
market." Each invoice is the package ID, its ``order_ids``, the ``file_type`` (only ``XML`` is
documented: the NF-e's own XML) and the ``file``, "Base64 encoding of the invoice file to upload.
Max file size: 1MB". Errors are the invoice's own ("Invoice-level upload errors ... each entry
identifies the affected package and order IDs"): the other invoices of the request are kept.

What the sandbox checks of an NF-e, from the invalid reasons the docs give (the invoice status
change webhook's ``invalid_reason``: "The NFe file or access key is invalid", "The access key
already exists. You cannot upload an invoice with duplicate access key"): the file is base64 of
XML with an ``infNFe`` element whose ``Id`` is ``NFe`` and the 44-digit access key (or a
``chNFe`` element holding it), the key's model is 55 (NF-e) and its check digit is right; no other
package of the shop has an invoice with that key. The package must be the shop's and not
cancelled, and ``order_ids`` must be exactly the package's orders (one nota fiscal covers what one
parcel carries). A package's invoice uploaded again replaces the one before (a corrected NF-e).

Order list and order detail show each Brazilian order's ``need_upload_invoice``, and the buyer's
``cpf`` ("CPF (invoice number), used to issue an invoice") with ``cpf_name``.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree

from sandbox.domain import combine
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import Order, OrderStatus
from sandbox.domain.packages import Package, PackageStatus

# "Applicable only for local sellers in the Brazil market."
INVOICE_MARKETS = frozenset({"BR"})
# The documented file_type values: "Possible values: - `XML`".
FILE_TYPES = ("XML",)
# "Max file size: 1MB" (of the file itself, before base64).
MAX_FILE_BYTES = 1024 * 1024
# "When `invoices` is provided, include 1 to 500 items."
MAX_INVOICES = 500
# The NF-e model in an access key (positions 21-22): 55 is the NF-e (65, the consumer's NFC-e, is
# a shop till's receipt, not what a parcel travels with).
NFE_MODEL = "55"

# need_upload_invoice, as the order list and detail document it.
UNKNOWN = "UNKNOWN"  # "Currently unable to confirm whether an invoice is needed": not paid yet
NEED_INVOICE = "NEED_INVOICE"
NO_NEED = "NO_NEED"  # a cancelled order ships nothing
INVOICE_UPLOADED = "INVOICE_UPLOADED"

_ACCESS_KEY = re.compile(r"[0-9]{44}")


@dataclass(frozen=True)
class InvoiceEntry:
    """One invoice of the request, as the seller gave it."""

    package_id: str
    order_ids: tuple[str, ...]
    file_type: str
    file: str  # base64


@dataclass(frozen=True)
class Invoice:
    """A package's nota fiscal, as the platform keeps it."""

    package_id: str
    order_ids: tuple[str, ...]
    file_type: str
    access_key: str
    content: bytes
    uploaded_at: datetime


@dataclass(frozen=True)
class InvoiceError:
    """Why one invoice of a request was refused: an entry of the answer's ``errors``."""

    code: Code
    message: str
    package_id: str
    order_ids: tuple[str, ...]


@dataclass
class Invoices:
    """Every package's invoice in a world (pickled with it)."""

    by_package: dict[str, Invoice] = field(default_factory=dict)

    def key_holder(self, access_key: str) -> str | None:
        """The package whose invoice has this access key, if any."""
        return next((p for p, i in self.by_package.items() if i.access_key == access_key), None)

    def keep(self, invoice: Invoice) -> None:
        self.by_package[invoice.package_id] = invoice

    def covers(self, order: Order) -> bool:
        """Whether an invoice of one of the order's packages names it."""
        found = (self.by_package.get(p) for p in order.package_ids)
        return any(invoice is not None and order.id in invoice.order_ids for invoice in found)


def check_digit(first_43: str) -> int:
    """The access key's last digit: modulo 11 of the digits weighted 2 to 9 from the right."""
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(reversed(first_43)))
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


def valid_access_key(key: str) -> bool:
    return (
        _ACCESS_KEY.fullmatch(key) is not None
        and key[20:22] == NFE_MODEL
        and check_digit(key[:43]) == int(key[43])
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def read_nfe(file_type: str, text: str) -> tuple[str, bytes]:
    """The access key and the bytes of an uploaded NF-e, or why the file is refused."""

    def refused(why: str) -> RuleViolation:
        return RuleViolation(f"the invoice file {why}", code=Code.INVOICE_FILE_INVALID)

    if file_type not in FILE_TYPES:
        raise refused(f"type {file_type} is not one of {', '.join(FILE_TYPES)}")
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise refused("is not base64") from None
    if not content:
        raise refused("is empty")
    if len(content) > MAX_FILE_BYTES:
        raise refused(f"is {len(content)} bytes: at most {MAX_FILE_BYTES} (1 MB)")
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise refused("declares a DTD: an NF-e has none")
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise refused(f"is not XML ({error})") from None
    keys = [
        element.get("Id", "").removeprefix("NFe")
        for element in root.iter()
        if _local(element.tag) == "infNFe"
    ] + [(element.text or "").strip() for element in root.iter() if _local(element.tag) == "chNFe"]
    if not keys:
        raise refused("is not an NF-e: it has no infNFe element with the access key")
    key = keys[0]
    if not valid_access_key(key):
        raise refused(f"has access key {key!r}: not 44 digits of an NF-e (model 55) with its check digit")
    return key, content


def package_orders(package: Package, orders: Mapping[str, Order]) -> list[Order]:
    return combine.orders_in(package, orders[package.order_id])


def check_invoice(
    invoices: Invoices,
    packages: Mapping[str, Package],
    orders: Mapping[str, Order],
    entry: InvoiceEntry,
    keys_in_request: Mapping[str, str],
    at: datetime,
) -> Invoice:
    """The invoice an entry gives its package, checked; nothing is kept here. ``keys_in_request``
    are the access keys earlier invoices of the same request took (key -> package)."""
    package = packages.get(entry.package_id)
    if package is None:
        raise RuleViolation(f"package {entry.package_id} not found in this shop", code=Code.PACKAGE_NOT_FOUND)
    unknown = [o for o in entry.order_ids if o not in orders]
    if unknown:
        raise RuleViolation(
            f"order {', '.join(unknown)} does not belong to the shop", code=Code.ORDER_NOT_IN_SHOP
        )
    held = [o.id for o in package_orders(package, orders)]
    if sorted(set(entry.order_ids)) != sorted(held) or len(entry.order_ids) != len(held):
        raise RuleViolation(
            f"package {package.id} holds order {', '.join(held)}: order_ids must name exactly those",
            code=Code.INVOICE_ORDERS_NOT_THE_PACKAGES,
        )
    if package.status is PackageStatus.CANCELLED:
        raise RuleViolation(
            f"package {package.id} is cancelled: it needs no invoice", code=Code.INVOICE_PACKAGE_CANCELLED
        )
    key, content = read_nfe(entry.file_type, entry.file)
    holder = keys_in_request.get(key) or invoices.key_holder(key)
    if holder is not None and holder != package.id:
        raise RuleViolation(
            f"access key {key} is already the invoice of package {holder}",
            code=Code.INVOICE_ACCESS_KEY_DUPLICATE,
        )
    return Invoice(package.id, tuple(entry.order_ids), entry.file_type, key, content, at)


def upload(
    invoices: Invoices,
    packages: Mapping[str, Package],
    orders: Mapping[str, Order],
    entries: list[InvoiceEntry],
    at: datetime,
) -> list[InvoiceError]:
    """Keep each acceptable invoice; answers the refused ones. The whole request is refused, nothing
    kept, when it names no invoice, more than 500, or a package twice."""
    if not entries:
        raise RuleViolation("invoices is empty: give 1 to 500 invoices")
    if len(entries) > MAX_INVOICES:
        raise RuleViolation(f"{len(entries)} invoices: at most {MAX_INVOICES} in one request")
    named: set[str] = set()
    for entry in entries:
        if entry.package_id in named:
            raise RuleViolation(f"package {entry.package_id} is named twice")
        named.add(entry.package_id)
    accepted: list[Invoice] = []
    errors: list[InvoiceError] = []
    keys: dict[str, str] = {}
    for entry in entries:
        try:
            invoice = check_invoice(invoices, packages, orders, entry, keys, at)
        except RuleViolation as refused:
            errors.append(
                InvoiceError(Code(refused.code), refused.message, entry.package_id, entry.order_ids)
            )
            continue
        keys[invoice.access_key] = invoice.package_id
        accepted.append(invoice)
    for invoice in accepted:
        invoices.keep(invoice)
    return errors


def need_upload_invoice(order: Order, invoices: Invoices) -> str:
    """Whether the order still needs its invoice: uploaded once any of its packages has one ("If
    the order is split, it will be marked as uploaded once any sub-order's invoice is uploaded")."""
    if invoices.covers(order):
        return INVOICE_UPLOADED
    if order.status is OrderStatus.CANCELLED:
        return NO_NEED
    if order.status is OrderStatus.UNPAID:
        return UNKNOWN
    return NEED_INVOICE


def buyer_cpf(user_id: str) -> str:
    """The buyer's CPF (Brazil's taxpayer number, what the seller's NF-e names the buyer by): 11
    digits, the last two its check digits; the same on every order of the buyer, drawn from the
    buyer's ID (never from the world's generator)."""
    rng = random.Random(f"cpf:{user_id}")
    digits = [rng.randrange(10) for _ in range(9)]
    for weight in (10, 11):
        digits.append(sum(d * w for d, w in zip(digits, range(weight, 1, -1), strict=False)) * 10 % 11 % 10)
    return "".join(str(d) for d in digits)
