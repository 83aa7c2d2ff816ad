"""Bundled scenarios played from the QA page alone, as a new user would with only a browser: load
the scenario, arrange shipment, print the label, re-create a rejected label, split an oversized
order into packages, answer the buyer, and advance the clock day by day. No API call from the
test: clicks and form fills only."""

from __future__ import annotations

import re

import pytest

# Waits until the page shows it (a count read at once can see the page before a click's answer).
expect = pytest.importorskip("playwright.sync_api").expect


def load(page, base: str, name: str) -> None:
    page.goto(f"{base}/web/scenarios")
    page.get_by_label("Bundled scenario").select_option(name)
    page.get_by_role("button", name="Load scenario").click()
    expect(page.get_by_role("status")).to_have_text(f"Loaded {name}", use_inner_text=True)
    expect(page.get_by_role("heading", name=name)).to_have_count(1)


def open_order(page, scenario: str, ref: str) -> str:
    """Follow the scenario's link to the order it calls ``ref``; answers the order's ID."""
    page.goto(page.url.split("/web/")[0] + "/web/scenarios")
    section = page.get_by_role("region", name=f"Scenario {scenario}")
    link = section.locator("li", has_text=f"{ref}:").get_by_role("link")
    order_id = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", name=f"Order {order_id}")).to_have_count(1)
    return order_id


def advance(page, by: str = "1d") -> None:
    page.get_by_role("button", name=f"Advance {by}").click()
    expect(page.get_by_role("status")).to_have_text(f"Advanced {by}", use_inner_text=True)


def expectation(page, name: str) -> str:
    row = page.locator("#expectations tr", has_text=name)
    return row.locator(".expectation-status").inner_text()


def test_three_failed_attempts_from_the_page_alone(page, served, shot):
    _, server = served
    load(page, server.base, "three-failed-attempts")
    shot(page, "scenario-loaded")
    parcel = open_order(page, "three-failed-attempts", "parcel")
    assert expectation(page, "the client ships the parcel within a day") == "pending"
    seen = []

    def look() -> None:
        returning = page.locator("#return-status")
        state = (
            page.locator("#tabs").inner_text(),
            page.locator("#order-status").inner_text(),
            returning.inner_text() if returning.count() else "",
        )
        if not seen or seen[-1] != state:
            seen.append(state)

    look()
    page.get_by_label("Drop-off at a carrier point").check()
    page.get_by_role("button", name="Arrange shipment").click()
    expect(page.get_by_role("status")).to_have_text("Shipment arranged", use_inner_text=True)
    # The page's shipment is the client's ship_package: the scenario counts it.
    assert expectation(page, "the client ships the parcel within a day") == "passed"
    pdf = page.context.expect_event("response", lambda r: r.url.endswith(".pdf"))
    with pdf as printed, page.expect_popup() as tab:
        page.get_by_role("button", name="Print label").click()  # the label opens in a new tab
    assert printed.value.status == 200 and printed.value.headers["content-type"] == "application/pdf"
    assert tab.value.url == printed.value.url  # Chromium's viewer shows the label
    tab.value.close()
    look()
    changed_on_return = ""
    for _ in range(9):
        advance(page)
        look()
        if "Delivered Back to Seller" in seen[-1] and not changed_on_return:
            changed_on_return = page.locator("#changed").inner_text()
    assert seen == [
        ("Pending shipping", "Awaiting shipment", ""),
        ("Shipped", "Awaiting collection", ""),  # arranged from the page
        ("Shipped", "In transit", ""),
        ("Failed Delivery", "In transit", "Returning to Seller"),  # the third attempt failed on day 4
        ("Canceled, Failed Delivery", "Cancelled", "Delivered Back to Seller"),  # and refunded
    ]
    assert [t.get_attribute("title") for t in page.locator("#tabs span").all()] == [
        "canceled",
        "failed_delivery",
    ]
    # What the clock move changed, on the order's page.
    assert "Delivered Back to Seller" in changed_on_return and "Status: Cancelled" in changed_on_return
    assert "Refunded" in changed_on_return
    assert page.locator("#order-status span").get_attribute("title") == "CANCELLED"
    attempts = page.locator("ol.attempts li").all_inner_texts()
    assert len(attempts) == 3 and all("failed: Addressee not available" in a for a in attempts)
    expect(page.locator("#failed-attempts")).to_have_text("3", use_inner_text=True)
    reason = page.locator("#cancel-reason")
    expect(reason).to_have_text("Platform: Returned to sender: not delivered", use_inner_text=True)
    assert reason.locator("span").last.get_attribute("title") == "returned_to_shipper_other"
    refund = page.locator("#refund-summary").inner_text()
    assert re.fullmatch(r"\d+\.\d\d USD, 2026-03-\d\d \d\d:\d\d:\d\d UTC", refund), refund
    timeline = page.locator("#timeline li").all_inner_texts()
    assert sum("Delivery attempted: addressee not available" in line for line in timeline) == 3
    assert any("Delivered back to the sender" in line for line in timeline)
    assert expectation(page, "the client never ships the order again") == "pending"  # not shipped again
    shot(page, "order-detail")

    page.get_by_role("link", name="Failed Delivery").first.click()
    row = page.locator(f"tr[data-order='{parcel}']")
    expect(row.locator("td.return-status")).to_contain_text("Delivered Back to Seller", use_inner_text=True)
    expect(row.locator("td.attempts")).to_have_text("3", use_inner_text=True)
    expect(row.locator(".cancel-reason")).to_have_text(
        "Returned to sender: not delivered", use_inner_text=True
    )
    assert refund.split(",")[0] in row.locator("td.refund").inner_text()
    page.get_by_label("Returning to Seller").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(f"tr[data-order='{parcel}']")).to_have_count(0)  # filtered out
    page.get_by_label("Returning to Seller").uncheck()
    page.get_by_label("Delivered Back to Seller").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(f"tr[data-order='{parcel}']")).to_have_count(1)
    shot(page, "failed-delivery")

    page.get_by_role("link", name="Manage Orders").first.click()
    facts = page.locator(f"tr[data-order='{parcel}'] td.status").inner_text()
    assert "Cancelled" in facts and "3 failed attempts" in facts and "Delivered Back to Seller" in facts
    assert refund.split(",")[0] in facts


def test_rejected_label_re_created_from_the_page(page, served, shot):
    _, server = served
    load(page, server.base, "rejected-label")
    open_order(page, "rejected-label", "lamp")
    # A pickup in the second slot offered: the carrier rejects the label (no postal code).
    page.get_by_label("Pickup", exact=True).check()
    slots = page.get_by_label("Pickup slot")
    second = slots.locator("option").nth(1).get_attribute("value")
    slots.select_option(second)
    page.get_by_role("button", name="Arrange shipment").click()
    error = page.locator("#ship-error")
    assert "address" in error.inner_text().lower()
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"  # in red
    assert (
        page.locator("#label-status").inner_text().startswith("Rejected Shipping Label: Buyer address issue")
    )
    # What was typed is kept beside the error.
    assert page.get_by_label("Pickup", exact=True).is_checked()
    assert page.get_by_label("Pickup slot").input_value() == second
    shot(page, "rejected-label")

    advance(page, "1h")
    page.get_by_role("button", name="Re-create shipping label").click()  # the address is not fixed yet
    assert "address" in page.locator("#ship-error").inner_text().lower()
    assert expectation(page, "the client re-requests the lamp's label within 24 hours") == "pending"
    advance(page, "1h")  # the buyer adds the postal code two hours after the rejection
    page.get_by_label("Drop-off at a carrier point").check()
    page.get_by_role("button", name="Re-create shipping label").click()
    expect(page.get_by_role("status")).to_have_text("Shipping label re-created", use_inner_text=True)
    expect(page.locator("#label-status")).to_have_text("Label created", use_inner_text=True)
    assert expectation(page, "the client re-requests the lamp's label within 24 hours") == "passed"
    expect(page.locator("#order-status")).to_have_text("Awaiting collection", use_inner_text=True)

    open_order(page, "rejected-label", "kettle")
    page.get_by_role("button", name="Arrange shipment").click()
    assert "carrier" in page.locator("#ship-error").inner_text().lower()
    expect(page.locator("#label-status")).to_contain_text("Carrier order error", use_inner_text=True)
    advance(page, "1h")  # the carrier's systems recover
    page.get_by_role("button", name="Re-create shipping label").click()
    expect(page.get_by_role("status")).to_have_text("Shipping label re-created", use_inner_text=True)
    page.get_by_role("link", name="Scenarios").click()
    statuses = page.locator("section.scenario tbody tr td:nth-child(2)").all_inner_texts()
    assert statuses == ["passed", "passed"]


def test_answering_a_buyers_cancellation_and_shipping_it_oneself(page, served, shot):
    _, server = served
    load(page, server.base, "buyer-cancellation")
    open_order(page, "buyer-cancellation", "regret")
    expect(page.locator("#actions .cancellation")).to_have_count(0)
    page.get_by_label("Advance by").fill("2h")
    page.get_by_role("button", name="Advance", exact=True).click()
    expect(page.locator("#cancel-reason")).to_have_text("Found a better price elsewhere", use_inner_text=True)
    assert page.locator("#cancel-reason").locator("xpath=preceding-sibling::dt[1]").inner_text() == (
        "Cancellation requested"
    )
    # Only the expectations about this order (not the other buyer's).
    assert page.locator("#expectations td:nth-child(2)").all_inner_texts() == [
        "the client sees the cancellation request",
        "the client never ships the order whose buyer asked to cancel",
    ]
    cancellation = page.locator("#actions .cancellation")
    expect(cancellation).to_contain_text(
        "Cancellation requested by the buyer: Found a better price elsewhere", use_inner_text=True
    )
    shot(page, "cancellation-request")
    cancellation.get_by_label("Reason").select_option(label="The buyer agreed to keep the order")
    page.get_by_role("button", name="Reject cancellation").click()
    expect(page.get_by_role("status")).to_have_text("Cancellation rejected", use_inner_text=True)
    expect(page.locator("#actions .cancellation")).to_have_count(0)
    expect(page.locator("#order-status")).to_have_text("Awaiting shipment", use_inner_text=True)

    # Seller shipping: the shipment information, with the magic values offered.
    page.get_by_text("Magic tracking numbers").click()
    expect(page.locator("#magic-hint")).to_contain_text("SBX3FAIL", use_inner_text=True)
    page.get_by_label("Tracking number").fill("SBX3FAIL0001")
    page.get_by_role("button", name="Add shipment information").click()
    expect(page.get_by_role("status")).to_have_text("Shipment information added", use_inner_text=True)
    expect(page.locator("#order-status")).to_have_text("Awaiting collection", use_inner_text=True)
    expect(page.locator("dl.summary", has_text="Tracking number")).to_contain_text(
        "SBX3FAIL0001", use_inner_text=True
    )
    shot(page, "seller-shipping")
    # The scenario saw the client ship an order whose buyer had asked to cancel.
    assert expectation(page, "the client never ships the order whose buyer asked to cancel") == "failed"


def test_oversized_parcel_split_and_shipped_from_the_page(page, served, shot):
    _, server = served
    load(page, server.base, "oversized-parcel")
    open_order(page, "oversized-parcel", "anvils")
    page.get_by_label("Drop-off at a carrier point").check()
    page.get_by_role("button", name="Arrange shipment").click()
    expect(page.locator("#label-status")).to_contain_text("Products oversized", use_inner_text=True)
    assert "weight" in page.locator("#ship-error").inner_text()

    # Two anvils in the first package, one in the second: the form shows one choice per unit.
    choices = page.locator("#split-form select")
    expect(choices).to_have_count(3)
    choices.nth(1).select_option(label="Package 1")
    choices.nth(2).select_option(label="Package 2")
    page.get_by_role("button", name="Split order").click()
    expect(page.get_by_role("status")).to_have_text("Order split into 2 packages", use_inner_text=True)
    expect(page.locator("#packages tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Arrange shipment").click()  # 40 kg: refused again
    assert "weight" in page.locator("#ship-error").inner_text()
    assert page.locator("#ship-error").evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"

    # One anvil a package (the form's own choice), and each package shipped in turn.
    page.get_by_role("button", name="Split order").click()
    expect(page.get_by_role("status")).to_have_text("Order split into 3 packages", use_inner_text=True)
    shot(page, "split-order")
    for _ in range(3):
        page.get_by_role("button", name="Arrange shipment").click()
        expect(page.get_by_role("status")).to_have_text("Shipment arranged", use_inner_text=True)
    expect(page.locator("#order-status")).to_have_text("Awaiting collection", use_inner_text=True)
    expect(page.locator("#ship-form")).to_have_count(0)
    statuses = page.locator("#expectations .expectation-status").all_inner_texts()
    assert statuses and "failed" not in statuses
