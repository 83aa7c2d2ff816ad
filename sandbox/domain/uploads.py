"""Files a client uploads (proof of delivery images and PDFs): checked, kept in the world, bounded."""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_KEPT = 200  # per world; the oldest are dropped
# Evidence attached to a logistics ticket: images or PDF files, kept with the ticket.
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
EVIDENCE_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")

_IMAGE_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(frozen=True)
class Upload:
    id: str
    name: str
    content_type: str
    data: bytes
    at: datetime
    width: int = 0
    height: int = 0


class EvidenceRefused(RuleViolation):
    """An evidence file the ticket desk does not take; ``reason`` is empty, too_large or wrong_type."""

    def __init__(self, reason: str, message: str):
        super().__init__(message, code=Code.UPLOAD_REFUSED)
        self.reason = reason


def image_type(data: bytes) -> str | None:
    for signature, content_type in _IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def png_size(data: bytes) -> tuple[int, int]:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 0, 0


class Uploads:
    def __init__(self) -> None:
        self.files: OrderedDict[str, Upload] = OrderedDict()
        self._next = 1

    def _keep(self, upload: Upload) -> Upload:
        self.files[upload.id] = upload
        while len(self.files) > MAX_KEPT:
            self.files.popitem(last=False)
        return upload

    def _id(self) -> str:
        upload_id = f"upl{self._next:08d}"
        self._next += 1
        return upload_id

    def add_image(self, data: bytes, at: datetime) -> Upload:
        if not data:
            raise RuleViolation("the image is empty", code=Code.UPLOAD_REFUSED)
        if len(data) > MAX_IMAGE_BYTES:
            raise RuleViolation(
                f"images are limited to {MAX_IMAGE_BYTES // (1024 * 1024)} MB", code=Code.UPLOAD_REFUSED
            )
        content_type = image_type(data)
        if content_type is None:
            raise RuleViolation("only JPEG, PNG and WEBP images are accepted", code=Code.UPLOAD_REFUSED)
        width, height = png_size(data)
        return self._keep(Upload(self._id(), "image", content_type, data, at, width, height))

    def add_file(self, data: bytes, name: str, at: datetime) -> Upload:
        if not data:
            raise RuleViolation("the file is empty", code=Code.UPLOAD_REFUSED)
        if len(data) > MAX_FILE_BYTES:
            raise RuleViolation(
                f"files are limited to {MAX_FILE_BYTES // (1024 * 1024)} MB", code=Code.UPLOAD_REFUSED
            )
        if not data.startswith(b"%PDF-"):
            raise RuleViolation("only PDF files are accepted", code=Code.UPLOAD_REFUSED)
        safe = "".join(c for c in name if c.isalnum() or c in "._- ")[:100] or "file.pdf"
        return self._keep(Upload(self._id(), safe, "application/pdf", data, at))

    def evidence(self, data: bytes, name: str, at: datetime) -> Upload:
        """A ticket's evidence file, checked like any upload. The ticket keeps it (not this bounded
        store), so it stays downloadable for as long as the ticket exists."""
        content_type = evidence_type(data, name)
        safe = "".join(c for c in name if c.isalnum() or c in "._- ")[:100] or "evidence"
        width, height = png_size(data)
        return Upload(self._id(), safe, content_type, data, at, width, height)


def evidence_type(data: bytes, name: str) -> str:
    """The content type of an acceptable evidence file, judged by its bytes; refused otherwise."""
    label = name or "evidence"
    if not data:
        raise EvidenceRefused("empty", f"evidence file '{label}' is empty")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRefused(
            "too_large",
            f"evidence file '{label}' is {len(data)} bytes: each file is limited to "
            f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB ({MAX_EVIDENCE_BYTES} bytes)",
        )
    content_type = image_type(data) or ("application/pdf" if data.startswith(b"%PDF-") else None)
    if content_type is None:
        raise EvidenceRefused(
            "wrong_type",
            f"evidence file '{label}' is not a JPEG, PNG or WEBP image or a PDF file "
            "(judged by its content, not its name)",
        )
    return content_type


def proof_of_delivery(uploads: Uploads, upload_id: str | None, file_type: str) -> Upload:
    """The uploaded file a delivery report points to, of the type it says."""
    upload = uploads.files.get(upload_id or "")
    if upload is None:
        raise RuleViolation(
            "file_url must be a URL answered by images/upload or files/upload", code=Code.NOT_DELIVERABLE
        )
    expected = "application/pdf" if file_type == "PDF" else "image/"
    if file_type and not upload.content_type.startswith(expected):
        raise RuleViolation(
            f"file_type {file_type} does not match the uploaded {upload.content_type}",
            code=Code.NOT_DELIVERABLE,
        )
    return upload
