"""The seller's answers to the buyer: cancellations approved or rejected, orders cancelled by the
seller, returns approved, rejected or answered with a partial refund offer; and the buyer's answer
to that offer; several after-sales requests reviewed at once (202609)."""

from __future__ import annotations

from sandbox.domain import aftersales, aftersales_review, cancellations, refunds, rma
from sandbox.domain.events import RuleViolation
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

    def seller_cancels_order(
        self,
        order_id: str,
        reason: str,
        line_item_ids: list[str] | None = None,
        skus: list[tuple[str, int]] | None = None,
    ) -> cancellations.Cancellation:
        """The seller cancels the order; the line items or SKUs it names, if any, must be all of it."""
        with self.session():
            order = self.order(order_id)
            if line_item_ids is not None or skus is not None:
                named = list(line_item_ids or []) + cancellations.lines_of_skus(order, skus or [])
                cancellations.cancels_whole_order(order, named)
            self.apply(cancellations.seller_cancels(order, self.clock.now(), reason))
            return next(
                r
                for r in self.cancellations.values()
                if r.order_id == order.id and r.status is cancellations.CancelStatus.COMPLETE
            )

    # ----- returns -----------------------------------------------------------------------------
    def approve_return(
        self,
        return_id: str,
        decision: aftersales.Decision | None = None,
        buyer_keep_item: bool = False,
        partial_refund: aftersales.PartialRefundOffer | None = None,
    ) -> None:
        with self.session():
            record = aftersales.find(self.returns, return_id)
            self.apply(
                aftersales.seller_decides(record, self.clock.now(), decision, buyer_keep_item, partial_refund)
            )

    def reject_return(
        self,
        return_id: str,
        reason: str,
        comment: str,
        decision: str | None = None,
        partial_refund: aftersales.PartialRefundOffer | None = None,
    ) -> None:
        with self.session():
            record = aftersales.find(self.returns, return_id)
            now = self.clock.now()
            self.apply(aftersales.seller_rejects(record, now, reason, comment, decision, partial_refund))

    def provide_return_shipping(
        self,
        return_ids: list[str],
        tracking_number: str,
        provider_id: str,
        document: aftersales.ReturnDocument | None = None,
    ) -> list[aftersales.ReturnRequest]:
        """The seller's own return label for these returns (202405 shipping_documents)."""
        with self.session():
            records = [aftersales.find(self.returns, i) for i in dict.fromkeys(return_ids)]
            self.apply(
                aftersales.seller_provides_return_shipping(
                    records, tracking_number, provider_id, self.logistics.carriers, document, self.clock.now()
                )
            )
            return records

    def buyer_accepts_partial_refund(self, order_id: str) -> aftersales.ReturnRequest:
        with self.session():
            record = aftersales.of_order(self.returns, self.order(order_id).id)
            self.apply(aftersales.buyer_accepts_partial_refund(record, self.clock.now()))
            return record

    def buyer_rejects_partial_refund(self, order_id: str) -> aftersales.ReturnRequest:
        with self.session():
            record = aftersales.of_order(self.returns, self.order(order_id).id)
            self.apply(aftersales.buyer_rejects_partial_refund(record, self.clock.now()))
            return record

    # ----- requests of some line items (202602) ------------------------------------------------
    def calculate_refund(
        self, order_id: str, kind: aftersales.RequestType, reason: str, lines: aftersales.NamedLines
    ) -> tuple[refunds.RefundAmount, dict[str, refunds.RefundAmount]]:
        """What a cancellation, refund or return of the named line items would give back now."""
        with self.session():
            order = self.order(order_id)
            chosen = aftersales.named_lines(order, *lines)
            return aftersales.calculate(self.returns, order, kind, reason, chosen, self.clock.now())

    def seller_creates_return(
        self,
        order_id: str,
        kind: aftersales.ReturnType,
        reason: str,
        lines: aftersales.NamedLines,
        refund_total: str = "",
        currency: str = "",
    ) -> aftersales.ReturnRequest:
        with self.session():
            order = self.order(order_id)
            chosen = aftersales.named_lines(order, *lines)
            record, outcome = aftersales.seller_creates(
                self.returns, order, kind, reason, chosen, self.clock.now(), self.rng, refund_total, currency
            )
            self.apply(outcome)
            return record

    def decision_verdicts(self, record_id: str, decisions: list[str]) -> list[aftersales.DecisionVerdict]:
        """Which decisions the seller may take on a return or cancellation now."""
        with self.session():
            chosen = decisions or list(aftersales.SELLER_DECISIONS)
            return aftersales.decision_verdicts(self.returns, self.cancellations, record_id, chosen)

    def review_decisions(
        self, record_id: str, decisions: list[str]
    ) -> tuple[list[aftersales.DecisionVerdict], aftersales.ReturnRequest | cancellations.Cancellation]:
        """The decisions a return or cancellation allows per line item (202606), and the record."""
        with self.session():
            chosen = decisions or list(aftersales.REVIEW_DECISIONS)
            verdicts = aftersales.decision_verdicts(self.returns, self.cancellations, record_id, chosen)
            record = self.returns.get(record_id) or self.cancellations[record_id]
            return verdicts, record

    # ----- return merchandise authorizations (202604) --------------------------------------------
    def return_merchandise_authorizations(self) -> list[rma.Rma]:
        """The RMAs of the shop's returns: one per return approved for the item to come back."""
        with self.session():
            return rma.all_of(self.returns)

    # ----- after-sales requests (202603) ---------------------------------------------------------
    def aftersales_requests(self, buyer_ids: list[str]) -> list[aftersales.ReturnRequest]:
        """The return requests an after-sales search looks through: those of the named buyers'
        orders, or all of them without any."""
        with self.session():
            if not buyer_ids:
                return list(self.returns.values())
            buyers = set(buyer_ids)
            return [r for r in self.returns.values() if self.orders[r.order_id].user_id in buyers]

    # ----- reviewing after-sales requests (202609) -----------------------------------------------
    def review_aftersales_requests(
        self, decisions: list[aftersales_review.RequestDecision]
    ) -> list[tuple[aftersales_review.RequestDecision, RuleViolation]]:
        """Each decision applied, or refused and changing nothing; the refused ones, with why. A
        decision already applied under its idempotency key is not applied again."""
        with self.session():
            refused = []
            for decision in decisions:
                try:
                    if aftersales_review.check_key(self.review_keys, decision):
                        continue
                    record = aftersales_review.find_request(self.returns, decision)
                    order = self.orders[record.order_id]
                    self.apply(aftersales_review.review(record, order, decision, self.clock.now()))
                except RuleViolation as refusal:
                    if refusal.recorded is not None:
                        self.apply(refusal.recorded)
                    refused.append((decision, refusal))
                    continue
                if decision.idempotency_key:
                    self.review_keys[decision.idempotency_key] = decision.fingerprint()
            return refused
