"""Downloads of shipping documents: the links that shipping_documents hands out."""

from __future__ import annotations

from typing import Any

from sandbox import links
from sandbox.documents import BUNDLE_WAYBILL, read_link, render_document, render_waybill
from sandbox.domain.packages import LabelStatus
from sandbox.durations import iso
from sandbox.http.context import current
from sandbox.http.envelope import ControlError
from sandbox.links import BadLink


def _secret_of(app_key: str) -> str | None:
    tenant = current().control.tenants.get(app_key)
    return tenant.app_secret if tenant else None


def download_document(token: str, **_: Any) -> tuple[bytes, int, dict[str, str]]:
    tenants = current().control.tenants
    try:
        link = read_link(token, _secret_of)
    except BadLink as exc:
        raise ControlError(404, "unknown_document", str(exc)) from exc
    tenant = tenants.get(link.app_key)
    assert tenant is not None
    with tenant.world.session() as world:
        if world.now() > link.expires:
            raise ControlError(
                410,
                "link_expired",
                f"this document link expired at {iso(link.expires)} "
                "(links last 24 hours of virtual time): ask shipping_documents for a new one",
            )
        if link.document_type == BUNDLE_WAYBILL:
            bundle = world.market_records.bundles.get(link.package_id)
            if bundle is None:
                gone = "this link's bundle is gone (the world was reset)"
                raise ControlError(404, "unknown_document", gone)
            return render_waybill(bundle), 200, {"Content-Type": "application/pdf"}
        package = world.logistics.packages.get(link.package_id)
        if package is None or not package.arranged or package.label_status is not LabelStatus.CREATED:
            raise ControlError(
                404,
                "unknown_document",
                "this link's package has no shipping label any more "
                "(the world was reset, or the label was rejected)",
            )
        document = render_document(link.document_type, link.size, package, world.orders[package.order_id])
        return document, 200, {"Content-Type": "application/pdf"}


def download_file(token: str, **_: Any) -> tuple[bytes, int, dict[str, str]]:
    """An uploaded file, by the link the upload answered."""
    tenants = current().control.tenants
    try:
        app_key, fields = links.read(token, _secret_of)
    except BadLink as exc:
        raise ControlError(404, "unknown_file", str(exc)) from exc
    tenant = tenants.get(app_key)
    assert tenant is not None
    with tenant.world.session() as world:
        upload = world.uploads.files.get(str(fields[0])) if fields else None
        if upload is None:
            raise ControlError(
                404,
                "unknown_file",
                "this file is no longer kept (world reset, or among the oldest of more than 200 uploads)",
            )
        return upload.data, 200, {"Content-Type": upload.content_type}
