"""The QA web page in a real browser: Debian's Chromium driven by Playwright, against a server on
localhost (tests/web/conftest.py). Screenshots of the main pages are saved to
test-artifacts/screenshots/ ($TTS_SCREENSHOTS to put them elsewhere)."""

from __future__ import annotations

import httpx
import pytest

from sandbox.client import SignedClient
from tests.helpers import ROOT

# expect waits until the page shows it (a count read at once can see the page before a click's answer).
sync_api = pytest.importorskip("playwright.sync_api")


def tab_counts(page) -> dict[str, int]:
    counts = {}
    for link in page.locator("nav.tabs a[data-tab]").all():
        counts[link.get_attribute("data-tab")] = int(link.locator(".count").inner_text())
    return counts


def test_tab_and_to_do_counts_match_the_seller_center_api(page, served, shot):
    _, server = served
    page.goto(f"{server.base}/web/orders")
    api = httpx.get(f"{server.base}/seller-center/orders").json()
    assert tab_counts(page) == api["tab_counts"]
    todos = {
        card.get_attribute("data-todo"): int(card.locator(".count").inner_text())
        for card in page.locator("a.todo-card").all()
    }
    assert todos == api["todo_counts"]
    sync_api.expect(page.locator("#total")).to_have_text(f"{api['total']} orders", use_inner_text=True)
    sync_api.expect(page.locator("nav.tabs a[data-all] .count")).to_have_text(
        str(api["total"]), use_inner_text=True
    )
    shot(page, "manage-orders")
    page.get_by_role("link", name="Pending shipping").click()
    rows = page.locator("table.orders tbody tr[data-order]")
    sync_api.expect(rows).to_have_count(api["tab_counts"]["pending_shipping"])
    statuses = [r.locator("td.status .order-status span") for r in rows.all()]
    assert {s.inner_text() for s in statuses} == {"Awaiting shipment"}  # the seller's words
    assert {s.get_attribute("title") for s in statuses} == {"AWAITING_SHIPMENT"}  # the API's on hover


def test_search_by_order_id_and_several_at_once(page, served):
    _, server = served
    listed = httpx.get(f"{server.base}/seller-center/orders", params={"page_size": 3}).json()["orders"]
    page.goto(f"{server.base}/web/orders")
    page.get_by_label("Search").fill(listed[0]["order_id"])
    page.get_by_role("button", name="Apply").click()
    assert [r.get_attribute("data-order") for r in page.locator("tbody tr[data-order]").all()] == [
        listed[0]["order_id"]
    ]
    page.get_by_label("Search").fill(f"{listed[1]['order_id']}, {listed[2]['line_items'][0]['seller_sku']}")
    page.get_by_role("button", name="Apply").click()
    shown = {r.get_attribute("data-order") for r in page.locator("tbody tr[data-order]").all()}
    assert {listed[1]["order_id"], listed[2]["order_id"]} <= shown
    page.get_by_label("View").select_option("card")
    page.get_by_role("button", name="Apply").click()
    sync_api.expect(page.locator("article.card")).to_have_count(len(shown))


def test_the_clock_advances_moves_an_order_between_tabs_and_reports_bad_input(page, served, shot):
    _, server = served
    page.goto(f"{server.base}/web/orders?tab=processing")
    on_hold = [r.get_attribute("data-order") for r in page.locator("tbody tr[data-order]").all()]
    assert on_hold
    page.get_by_role("button", name="Advance 1h").click()
    sync_api.expect(page.get_by_role("status")).to_have_text("Advanced 1h", use_inner_text=True)
    assert "tab=processing" in page.url
    sync_api.expect(page.locator(f"tr[data-order='{on_hold[0]}']")).to_have_count(
        0
    )  # out of the remorse window
    page.get_by_role("link", name="Pending shipping").click()
    sync_api.expect(page.locator(f"tr[data-order='{on_hold[0]}']")).to_have_count(1)
    page.get_by_label("Advance by").fill("soon")
    page.get_by_role("button", name="Advance", exact=True).click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("not a duration", use_inner_text=True)
    sync_api.expect(page.locator("#now")).to_have_text(
        "2026-03-02 10:00:00 UTC", use_inner_text=True
    )  # nothing half-applied
    page.get_by_role("link", name="All").click()
    page.get_by_role("button", name="Advance 1d").click()
    changed = page.locator("tr.changed")
    assert changed.count() >= 1  # the rows the day changed, marked with what changed
    assert all(c.locator(".changes").inner_text() for c in changed.all())
    shot(page, "changed-rows")
    page.get_by_role("button", name="Resume").click()
    sync_api.expect(page.locator("#clock-state")).to_have_text("running", use_inner_text=True)
    sync_api.expect(page.locator("tr.changed")).to_have_count(
        0
    )  # the marks are for the page the clock came back to


def test_scenarios_page_and_tenant_switcher(page, served, shot):
    sandbox, server = served
    sandbox.load_scenario(ROOT / "scenarios/happy-path.yaml")
    other = sandbox.tenants.create(name="second shop", order_count=3)
    page.goto(f"{server.base}/web/scenarios")
    sync_api.expect(page.get_by_role("heading", name="happy-path")).to_have_count(1)
    assert page.locator("section.scenario table tbody tr").count() >= 1
    shot(page, "scenarios")
    with page.expect_navigation():  # the switcher switches on change
        page.get_by_label("Tenant").select_option(other.app_key)
    sync_api.expect(page.locator("#total")).to_have_text("3 orders", use_inner_text=True)
    page.goto(f"{server.base}/web/scenarios")  # the cookie keeps the chosen tenant
    sync_api.expect(page.locator("main")).to_contain_text("No scenario loaded", use_inner_text=True)


def test_raising_a_ticket_from_an_orders_logistics_issue_tag(page, served, tmp_path, shot):
    sandbox, server = served
    run = sandbox.load_scenario(ROOT / "scenarios/stuck-tracking.yaml")
    unmoved = run.refs["unmoved"]
    with httpx.Client(base_url=server.base) as http:
        tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
        detail = tts.get("/order/202309/orders", params={"ids": [unmoved]}).json()["data"]["orders"][0]
        assert (
            tts.post(f"/fulfillment/202309/packages/{detail['packages'][0]['id']}/ship", {}).json()["code"]
            == 0
        )
    page.goto(f"{server.base}/web/orders/{unmoved}")
    for _ in range(3):  # collected at 15:00, then quiet: tagged after two days without movement
        page.get_by_role("button", name="Advance 1d").click()
    sync_api.expect(page.locator("form.ticket-form")).to_have_count(1)
    assert page.get_by_label("Logistics issue").input_value() == "Unmoved tracking event"
    evidence = tmp_path / "tracking.png"
    evidence.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    page.get_by_label("Description").fill("No tracking movement for two days")
    page.get_by_label("Evidence").set_input_files(str(evidence))
    page.get_by_role("button", name="Raise ticket").click()
    sync_api.expect(page.locator("#ticket-status")).to_have_text("Ticket in process", use_inner_text=True)
    sync_api.expect(page.get_by_role("status")).to_have_text("Ticket raised", use_inner_text=True)
    shot(page, "ticket")
    link = page.locator("dd a", has_text="tracking.png")
    assert httpx.get(server.base + link.get_attribute("href")).content == evidence.read_bytes()
    page.get_by_role("button", name="Advance 7d").click()
    sync_api.expect(page.locator("#ticket-status")).to_have_text("Ticket closed", use_inner_text=True)
    assert page.locator("#resolution").inner_text().startswith("RESOLVED")
    page.get_by_role("link", name="Tickets").first.click()
    assert page.locator("tr[data-ticket] td.ticket-status").all_inner_texts() == ["Ticket closed"]
    shot(page, "tickets")
    page.goto(f"{server.base}/web/orders/{unmoved}")
    sync_api.expect(page.locator("#tickets")).to_contain_text("Ticket closed", use_inner_text=True)
    # The tag is gone: a second ticket is refused with the reason, and nothing is created.
    refused = httpx.post(
        f"{server.base}/web/orders/{unmoved}/tickets",
        data={"logistics_issue_tag": "Unmoved tracking event", "description": "again"},
        follow_redirects=True,
    )
    message = refused.text.split('<p class="problem" role="alert">')[1].split("</p>")[0]
    assert refused.status_code == 400 and "Unmoved tracking event" in message, message
    journaled = httpx.get(f"{server.base}/sandbox/journal", params={"operation": "create_ticket"}).json()
    assert [e["status"] for e in journaled["entries"]] == [201, 422]  # as the Seller Center's API
    page.goto(f"{server.base}/web/tickets")
    sync_api.expect(page.locator("tr[data-ticket]")).to_have_count(1)
