"""Brazilian packages' fiscal invoices (the nota fiscal each package travels with): uploaded by the
seller, kept with the world's market records, shown as each order's ``need_upload_invoice``."""

from __future__ import annotations

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

    def invoice_need(self, order: Order) -> str | None:
        """The order's need_upload_invoice: in the markets that take invoices only."""
        with self.session():
            if self.profile.shop.region not in invoices.INVOICE_MARKETS:
                return None
            return invoices.need_upload_invoice(order, self.market_records.invoices)
