"""Brazilian packages' fiscal invoices (the nota fiscal each package travels with): uploaded by the
seller, kept with the world's market records, shown as each order's ``need_upload_invoice``."""

from __future__ import annotations

from collections.abc import Callable

from sandbox.domain import invoices, markets
from sandbox.domain.orders import Order
from sandbox.world.core import WorldCore


class InvoiceOperations(WorldCore):
    def upload_invoices(self, entries: list[invoices.InvoiceEntry]) -> list[invoices.InvoiceError]:
        """Keep each acceptable invoice with its package; answers the refused ones."""
        with self.session():
            markets.check_market(self.profile.shop.region, invoices.INVOICE_MARKETS, "invoice upload")
            return invoices.upload(
                self.market_records.invoices,
                self.logistics.packages,
                self.orders,
                entries,
                self.clock.now(),
            )

    def invoice_needs(self) -> Callable[[Order], str] | None:
        """What tells an order's need_upload_invoice, in the markets that take invoices only. The
        caller is in a session already (it renders a page of orders with it)."""
        if self.profile.shop.region not in invoices.INVOICE_MARKETS:
            return None
        kept = self.market_records.invoices
        return lambda order: invoices.need_upload_invoice(order, kept)
