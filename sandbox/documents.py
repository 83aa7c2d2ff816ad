"""Shipping documents as real PDF files: a 4x6 label with the tracking number, a packing slip.

A minimal PDF writer (one font, text lines) keeps the sandbox free of a PDF dependency while
producing files any reader opens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox import links
from sandbox.domain.deadlines import DOCUMENT_LINK_LIFETIME

PAGE_SIZES = {"A6": (298, 420), "A5": (420, 595)}


def _escape(text: str) -> bytes:
    # A PDF string in the base font's WinAnsi (cp1252) encoding; escape the delimiters.
    safe = text.encode("cp1252", "replace")
    return safe.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def pdf(pages: Sequence[Sequence[tuple[int, str]]], size: str = "A6") -> bytes:
    """A PDF with one page per entry; each page is a list of (font size, line of text)."""
    width, height = PAGE_SIZES.get(size, PAGE_SIZES["A6"])
    objects: list[bytes] = []
    page_ids = []
    font_id = 3
    next_id = 4
    bodies: list[tuple[int, bytes]] = []
    for lines in pages:
        page_id, content_id = next_id, next_id + 1
        next_id += 2
        page_ids.append(page_id)
        y = height - 36
        stream = [b"BT"]
        for size_pt, text in lines:
            stream.append(f"/F1 {size_pt} Tf 1 0 0 1 24 {y} Tm (".encode() + _escape(text) + b") Tj")
            y -= size_pt + 8
        stream.append(b"ET")
        content = b"\n".join(stream)
        bodies.append(
            (
                page_id,
                (
                    f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
                    f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>"
                ).encode(),
            )
        )
        bodies.append((content_id, b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"))
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ] + [body for _, body in sorted(bodies)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# ----- links -----------------------------------------------------------------------------------
DOCUMENT_TYPES = ("SHIPPING_LABEL", "PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP")
DOCUMENTS_PATH = "/sandbox/documents/"
# A first-mile bundle's waybill: its link names the bundle where a label's names the package.
BUNDLE_WAYBILL = "FIRST_MILE_WAYBILL"


def document_link(
    base_url: str, tenant: Any, package_id: str, document_type: str, size: str, now: datetime
) -> str:
    expires = int((now + DOCUMENT_LINK_LIFETIME).timestamp())
    token = links.sign(tenant.app_key, tenant.app_secret, [package_id, document_type, size, expires])
    return f"{base_url}{DOCUMENTS_PATH}{token}.pdf"


@dataclass(frozen=True)
class LinkedDocument:
    app_key: str
    package_id: str
    document_type: str
    size: str
    expires: datetime


def read_link(token: str, secret_of: Callable[[str], str | None]) -> LinkedDocument:
    """Check a document link's token (``payload.mac.pdf``)."""
    app_key, fields = links.read(token, secret_of)
    try:
        package_id, document_type, size, expires = fields
        return LinkedDocument(
            app_key, str(package_id), str(document_type), str(size), datetime.fromtimestamp(int(expires), UTC)
        )
    except (ValueError, TypeError, OverflowError):
        raise links.BadLink("this is not a document link the sandbox issued") from None


def render_document(document_type: str, size: str, package: Any, order: Any) -> bytes:
    label = [
        (14, f"{package.shipping_provider_name or 'Carrier'}  -  STANDARD"),
        (10, "SHIP TO:"),
        (12, order.recipient_address.name),
        (10, order.recipient_address.address_line1),
        (10, order.recipient_address.address_line2),
        (
            10,
            " ".join(
                (
                    order.recipient_address.city,
                    order.recipient_address.state,
                    order.recipient_address.postal_code,
                )
            ),
        ),
        (10, order.recipient_address.region_code),
        (10, ""),
        (16, f"TRACKING: {package.tracking_number}"),
        (9, f"Package {package.id}  Order {order.id}"),
        (9, f"Weight {package.weight_grams} g"),
    ]
    slip = [(14, "PACKING SLIP"), (10, f"Order {order.id}"), (10, f"Package {package.id}"), (10, "")]
    slip += [
        (9, f"1 x {item.product_name} - {item.sku_name} ({item.seller_sku})") for item in order.line_items
    ]
    pages = {
        "SHIPPING_LABEL": [label],
        "PACKING_SLIP": [slip],
        "SHIPPING_LABEL_AND_PACKING_SLIP": [label, slip],
    }[document_type]
    return pdf(pages, size)


def render_waybill(bundle: Any) -> bytes:
    """The waybill of a first-mile bundle: what goes to the TikTok Shop warehouse, and how."""
    lines = [
        (14, "FIRST-MILE BUNDLE WAYBILL"),
        (10, f"Bundle {bundle.id}"),
        (10, f"Handover {bundle.handover_method.value}"),
    ]
    if bundle.tracking_number:
        lines.append((10, f"TRACKING: {bundle.tracking_number}"))
    lines += [(10, f"{len(bundle.order_ids)} orders:")] + [(9, f"Order {o}") for o in bundle.order_ids]
    return pdf([lines[i : i + 30] for i in range(0, len(lines), 30)], "A5")
