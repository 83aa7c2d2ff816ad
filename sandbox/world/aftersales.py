"""The seller's answers to the buyer: cancellations approved or rejected, orders cancelled by the
seller, returns approved or rejected."""

from __future__ import annotations

from sandbox.domain import aftersales, cancellations
from sandbox.world.core import WorldCore


class AftersalesOperations(WorldCore):
    # ----- cancellations -----------------------------------------------------------------------
    def approve_cancellation(self, cancel_id: str) -> None:
        with self.session():
            record = cancellations.pending(self.cancellations, cancel_id)
            self.apply(cancellations.seller_approves(self.orders[record.order_id], self.clock.now()))

    def reject_cancellation(self, cancel_id: str, reason: str) -> None:
        with self.session():
            record = cancellations.pending(self.cancellations, cancel_id)
            self.apply(cancellations.seller_rejects(self.orders[record.order_id], self.clock.now(), reason))

    def seller_cancels_order(self, order_id: str, reason: str) -> cancellations.Cancellation:
        with self.session():
            order = self.order(order_id)
            self.apply(cancellations.seller_cancels(order, self.clock.now(), reason))
            return next(
                r
                for r in self.cancellations.values()
                if r.order_id == order.id and r.status is cancellations.CancelStatus.COMPLETE
            )

    # ----- returns -----------------------------------------------------------------------------
    def approve_return(self, return_id: str) -> None:
        with self.session():
            record = aftersales.find(self.returns, return_id)
            self.apply(aftersales.seller_approves(record, self.clock.now()))

    def reject_return(self, return_id: str, reason: str, comment: str, decision: str | None = None) -> None:
        with self.session():
            record = aftersales.find(self.returns, return_id)
            self.apply(aftersales.seller_rejects(record, self.clock.now(), reason, comment, decision))
