"""Upload Invoice (fulfillment 202502): the nota fiscal of Brazilian packages."""

from __future__ import annotations

from typing import Any

from sandbox.domain import invoices
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def upload_invoice(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    entries = [
        invoices.InvoiceEntry(
            invoice["package_id"], tuple(invoice["order_ids"]), invoice["file_type"], invoice["file"]
        )
        for invoice in request.get("invoices") or []
    ]
    with current().world.session() as world:
        refused = world.upload_invoices(entries)
        errors = [
            {
                "code": int(error.code),
                "message": error.message,
                "detail": {"package_id": error.package_id, "order_ids": list(error.order_ids)},
            }
            for error in refused
        ]
        return success(world.next_request_id(), {"errors": errors})
