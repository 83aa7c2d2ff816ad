"""The QA page's Export CSV: the orders of the tenant the page shows (its switcher, or ?tenant=),
not the default tenant's."""

from __future__ import annotations

import csv
import io
import re


def order_ids_in(text: str) -> set[str]:
    return {row["Order ID"] for row in csv.DictReader(io.StringIO(text))}


def test_export_csv_exports_the_tenant_the_page_shows(http):
    other = http.post("/sandbox/tenants", json={"seed": 99, "order_count": 12}).json()["app_key"]
    page = http.get("/web/orders", params={"tenant": other}).text
    link = re.search(r'href="(/web/orders/export[^"]*)"', page)
    assert link, "the page links to its own export"

    exported = http.get(link.group(1).replace("&amp;", "&"))  # the page's cookie names the tenant
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    theirs = http.get("/seller-center/orders/export", headers={"X-Sandbox-Tenant": other}).text
    default = http.get("/seller-center/orders/export").text
    assert order_ids_in(exported.text) == order_ids_in(theirs) != order_ids_in(default)
    assert exported.headers["x-export-orders"] == "12"

    by_query = http.get("/web/orders/export", params={"tenant": other, "tab": "unpaid"})
    unpaid = http.get(
        "/seller-center/orders/export", params={"tab": "unpaid"}, headers={"X-Sandbox-Tenant": other}
    )
    assert order_ids_in(by_query.text) == order_ids_in(unpaid.text)


def test_an_inverted_time_returned_range_lists_nothing_beside_its_error(http):
    page = http.get(
        "/web/orders",
        params={
            "tab": "failed_delivery",
            "time_returned_from": "2026-03-10T00:00",
            "time_returned_to": "2026-03-01T00:00",
        },
    ).text
    assert 'class="problem" role="alert"' in page
    assert '<p class="total" id="total">0 orders</p>' in page
    assert "data-order=" not in page  # no row: not every order, COMPLETED ones included
