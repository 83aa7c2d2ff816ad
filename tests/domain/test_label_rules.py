"""Rejected Shipping Labels: "if the platform receives an error code from the carriers, the shipping
labels may be rejected", error types "Buyer address issue", "Products are oversized", "Carrier order
error"; "the platform will provide the error reason and suggest next steps"; then "Re-create
Shipping Labels" (sandbox/domain/packages.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import PAID, PROVIDER, address, awaiting_shipment, new_package, only, shipped_order

from sandbox.domain import packages, split
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.domain.orders import OrderStatus, ShippingType
from sandbox.domain.packages import HandoverMethod, LabelStatus, RejectionReason

AT = PAID + timedelta(hours=5)


def _package(*, weight_grams=None, dimension_cm=(20, 15, 10), **address_changes):
    order = awaiting_shipment(recipient=address(**address_changes))
    return order, new_package(order, weight_grams=weight_grams, dimension_cm=dimension_cm)


def test_a_complete_address_and_a_small_parcel_get_a_label():
    order, package = _package()

    assert packages.label_problem(package, order, AT) is None


@pytest.mark.parametrize("changes", [{"postal_code": ""}, {"postal_code": "   "}, {"address_line1": ""}])
def test_buyer_address_issue_when_the_address_is_incomplete(changes):
    order, package = _package(**changes)

    assert packages.label_problem(package, order, AT) is RejectionReason.BUYER_ADDRESS_ISSUE


@pytest.mark.parametrize(
    ("weight_grams", "dimension_cm", "oversized"),
    [
        (30_000, (120, 40, 40), False),  # at the delivery option's limits
        (30_001, (20, 15, 10), True),  # over 30 kg
        (500, (121, 15, 10), True),  # a side over 120 cm
        (500, (20, 15, 121), True),
    ],
)
def test_products_are_oversized_past_30_kg_or_120_cm(weight_grams, dimension_cm, oversized):
    order, package = _package(weight_grams=weight_grams, dimension_cm=dimension_cm)

    expected = RejectionReason.PRODUCTS_OVERSIZED if oversized else None
    assert packages.label_problem(package, order, AT) is expected


def test_carrier_order_error_from_the_carrier_mark_in_the_address():
    order, package = _package(address_line2="Apt 4 [carrier-error]")

    assert packages.label_problem(package, order, AT) is RejectionReason.CARRIER_ORDER_ERROR


def test_the_first_problem_is_the_reason_and_curing_it_shows_the_next():
    order, package = _package(postal_code="", weight_grams=45_000, address_line2="[carrier-error]")

    assert packages.label_problem(package, order, AT) is RejectionReason.BUYER_ADDRESS_ISSUE
    order.recipient_address.postal_code = "40202"  # the buyer updates the address
    assert packages.label_problem(package, order, AT) is RejectionReason.PRODUCTS_OVERSIZED
    package.weight_grams = 12_000  # repacked
    assert packages.label_problem(package, order, AT) is RejectionReason.CARRIER_ORDER_ERROR
    packages.fix_label_issue(package, order, AT)  # the carrier's own error, resolved
    assert packages.label_problem(package, order, AT) is None


def test_a_rejection_armed_by_a_scenario_comes_before_the_parcel_own_problems():
    order, package = _package(postal_code="")
    packages.arm_label_rejection(package, RejectionReason.CARRIER_ORDER_ERROR, AT)

    assert packages.label_problem(package, order, AT) is RejectionReason.CARRIER_ORDER_ERROR


def _request_label(package, order, at):
    """One label request: the carrier's answer, and the refusal counted as the logistics does."""
    problem = packages.label_problem(package, order, at)
    if problem is not None:
        packages.label_refused(package, problem, at)
    return problem


def test_a_rejection_for_the_next_two_label_requests_then_the_real_rules_decide():
    order, package = _package()
    armed = packages.arm_label_rejection(package, RejectionReason.CARRIER_ORDER_ERROR, AT, count=2)

    assert only(armed, "package.label_rejection_armed").data == {
        "package_id": package.id,
        "reason": "CARRIER_ORDER_ERROR",
        "count": 2,
    }
    answers = [_request_label(package, order, AT + timedelta(minutes=m)) for m in (1, 2, 3)]
    assert answers == [RejectionReason.CARRIER_ORDER_ERROR, RejectionReason.CARRIER_ORDER_ERROR, None]
    assert package.forced_rejections == []


def test_a_rejection_for_a_count_steps_aside_for_a_real_cause_of_its_own():
    order, package = _package(weight_grams=45_000)
    packages.arm_label_rejection(package, RejectionReason.CARRIER_ORDER_ERROR, AT, count=1)

    assert _request_label(package, order, AT) is RejectionReason.CARRIER_ORDER_ERROR
    assert _request_label(package, order, AT) is RejectionReason.PRODUCTS_OVERSIZED
    assert package.rejection is RejectionReason.PRODUCTS_OVERSIZED


def test_a_rejection_until_an_instant_refuses_before_it_and_not_after():
    order, package = _package()
    end = AT + timedelta(hours=2)
    armed = packages.arm_label_rejection(package, RejectionReason.PRODUCTS_OVERSIZED, AT, until=end)

    assert only(armed, "package.label_rejection_armed").data["until"] == "2026-03-02T16:05:00Z"
    before = end - timedelta(seconds=1)
    assert _request_label(package, order, before) is RejectionReason.PRODUCTS_OVERSIZED
    assert _request_label(package, order, before) is RejectionReason.PRODUCTS_OVERSIZED  # not counted
    assert _request_label(package, order, end) is None


def test_a_rejection_lasts_for_a_count_or_until_a_later_instant_never_both():
    _, package = _package()
    for kwargs in ({"count": 2, "until": AT + timedelta(hours=1)}, {"count": 0}, {"until": AT}):
        with pytest.raises(RuleViolation):
            packages.arm_label_rejection(package, RejectionReason.CARRIER_ORDER_ERROR, AT, **kwargs)
    assert package.forced_rejections == []


def test_without_count_or_until_a_rejection_holds_until_the_seller_fixes_it():
    order, package = _package()
    packages.arm_label_rejection(package, RejectionReason.BUYER_ADDRESS_ISSUE, AT)

    later = AT + timedelta(days=30)
    assert [_request_label(package, order, later) for _ in range(5)] == [
        RejectionReason.BUYER_ADDRESS_ISSUE
    ] * 5
    fixed = packages.fix_label_issue(package, order, later)
    assert only(fixed, "package.label_issue_fixed").data["reason"] == "BUYER_ADDRESS_ISSUE"
    assert packages.label_problem(package, order, later) is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"weight_grams": 45_000}, RejectionReason.PRODUCTS_OVERSIZED),
        ({"dimension_cm": (130, 20, 20)}, RejectionReason.PRODUCTS_OVERSIZED),
        ({"postal_code": ""}, RejectionReason.BUYER_ADDRESS_ISSUE),
    ],
)
def test_fixing_a_scripted_cause_never_waives_a_real_one(changes, reason):
    order, package = _package(**changes)
    packages.arm_label_rejection(package, RejectionReason.CARRIER_ORDER_ERROR, AT)
    assert _request_label(package, order, AT) is RejectionReason.CARRIER_ORDER_ERROR

    packages.fix_label_issue(package, order, AT)
    assert _request_label(package, order, AT) is reason
    # With no scripted cause left, fixing again is refused: the real cause is not the seller's to waive.
    with pytest.raises(RuleViolation) as refused:
        packages.fix_label_issue(package, order, AT)
    assert reason.value in refused.value.message
    assert packages.label_problem(package, order, AT) is reason


def test_a_scripted_rejection_that_ran_out_has_nothing_left_to_fix():
    order, package = _package()
    packages.arm_label_rejection(package, RejectionReason.PRODUCTS_OVERSIZED, AT, count=1)
    assert _request_label(package, order, AT) is RejectionReason.PRODUCTS_OVERSIZED

    with pytest.raises(RuleViolation) as refused:
        packages.fix_label_issue(package, order, AT)
    assert "already gone" in refused.value.message
    assert _request_label(package, order, AT) is None


def test_a_package_with_no_rejection_has_nothing_to_fix():
    order, package = _package()
    with pytest.raises(RuleViolation) as refused:
        packages.fix_label_issue(package, order, AT)
    assert "no rejected label" in refused.value.message


@pytest.mark.parametrize("reason", list(RejectionReason))
def test_a_rejected_shipping_label_shows_its_reason(reason):
    order, package = _package()
    outcome = packages.reject_label(package, reason, AT)

    event = only(outcome, "package.label_rejected")
    assert (event.at, event.subject) == (AT, order.id)
    assert event.data == {"package_id": package.id, "reason": reason.value}
    assert package.label_status is LabelStatus.REJECTED
    assert package.rejection is reason
    assert package.update_time == AT


@pytest.mark.parametrize(
    ("reason", "advice"),
    [
        (RejectionReason.BUYER_ADDRESS_ISSUE, "ask the buyer to update it"),
        (RejectionReason.PRODUCTS_OVERSIZED, "split it into smaller packages or repack it"),
        (RejectionReason.CARRIER_ORDER_ERROR, "wait a few minutes"),
    ],
)
def test_each_rejection_reason_suggests_a_next_step_then_re_create_the_label(reason, advice):
    assert set(packages.NEXT_STEP) == set(RejectionReason)
    assert advice in packages.NEXT_STEP[reason]
    assert "re-create the shipping label" in packages.NEXT_STEP[reason]


def test_re_creating_the_label_clears_the_rejection():
    _, package = _package()
    packages.reject_label(package, RejectionReason.CARRIER_ORDER_ERROR, AT)
    later = AT + timedelta(minutes=10)
    outcome = packages.label_created(package, "TTS000000000000002", PROVIDER, later)

    assert only(outcome, "package.label_created").data == {
        "package_id": package.id,
        "tracking_number": "TTS000000000000002",
    }
    assert package.label_status is LabelStatus.CREATED
    assert package.rejection is None
    assert (package.shipping_provider_id, package.shipping_provider_name) == PROVIDER


def test_only_one_logistics_type_can_be_selected_per_batch():
    platform = new_package(awaiting_shipment())
    seller = new_package(awaiting_shipment(shipping_type=ShippingType.SELLER))

    packages.check_one_logistics_type([platform, platform])
    with pytest.raises(RuleViolation) as refused:
        packages.check_one_logistics_type([platform, seller])
    assert refused.value.code == Code.MIXED_LOGISTICS_TYPES


def test_a_cancelled_locked_or_already_shipped_order_cannot_be_shipped():
    order, package = _package()
    packages.check_shippable(package, order)

    order.status = OrderStatus.CANCELLED
    with pytest.raises(RuleViolation) as cancelled:
        packages.check_shippable(package, order)
    shipped = shipped_order()
    with pytest.raises(RuleViolation) as again:
        packages.check_shippable(shipped.package, shipped.order)
    order, package = _package()
    order.locked = True
    with pytest.raises(RuleViolation) as locked:
        packages.check_shippable(package, order)

    assert cancelled.value.code == Code.ORDER_NOT_SHIPPABLE
    assert again.value.code == Code.PACKAGE_ALREADY_SHIPPED
    assert locked.value.code == Code.ORDER_LOCKED


def test_arranging_shipment_puts_the_order_awaiting_collection():
    order, package = _package()
    packages.label_created(package, "TTS000000000000002", PROVIDER, AT)
    outcome = packages.arrange(package, order, AT, HandoverMethod.DROP_OFF, None)
    outcome.extend(split.order_follows_packages(order, [package], AT))

    assert [e.kind for e in outcome.events] == ["package.shipped", "order.status_changed"]
    assert outcome.events[0].data == {
        "package_id": package.id,
        "tracking_number": "TTS000000000000002",
        "shipping_type": "TIKTOK",
    }
    assert outcome.events[1].data == {"from": "AWAITING_SHIPMENT", "to": "AWAITING_COLLECTION"}
    assert order.status is OrderStatus.AWAITING_COLLECTION
    assert order.rts_time == package.arranged_at == AT
    assert order.tracking_number == "TTS000000000000002"
    assert {item.tracking_number for item in order.line_items} == {"TTS000000000000002"}


def test_a_package_saved_before_scripted_rejections_had_counts_still_refuses_until_fixed():
    import pickle
    from datetime import UTC, datetime

    from sandbox.domain.orders import ShippingType
    from sandbox.domain.packages import Package, RejectionReason, ScriptedRejection

    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    package = Package("1", "2", "3", ShippingType.TIKTOK, at, at, 1000, (20, 20, 10))
    _, slots = package.__reduce_ex__(2)[2]  # pickled slot by slot
    slots = {**slots, "forced_rejections": [RejectionReason.PRODUCTS_OVERSIZED]}  # as before counts
    del slots["orders"]  # and before combined packages
    old = Package.__new__(Package)
    old.__setstate__((None, slots))
    (scripted,) = old.forced_rejections
    assert scripted == ScriptedRejection(RejectionReason.PRODUCTS_OVERSIZED)
    assert scripted.refuses(at) and old.orders == []
    assert pickle.loads(pickle.dumps(old)).forced_rejections == [scripted]
