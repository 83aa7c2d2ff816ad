"""The QA page's actions without a browser: each goes through the world's operation the Open API
uses and is journaled as that operation; a refusal is shown beside its form with what was typed,
changes nothing, and is never a 500."""

from __future__ import annotations

import re

from sandbox.domain.aftersales import ReturnStatus, ReturnType
from sandbox.domain.codes import Code
from sandbox.domain.logistics import SELLER_NUMBER_MARKS
from sandbox.web import labels
from tests.helpers import ROOT


def post(http, path: str, **options):
    """A form sent as a browser sends it: the redirect that answers it is not followed."""
    return http.post(path, follow_redirects=False, **options)


def journal(http, operation: str) -> list[dict]:
    found = http.get("/sandbox/journal", params={"surface": "seller-center", "operation": operation})
    assert found.status_code == 200, found.text
    return found.json()["entries"]


def load(http, name: str) -> None:
    loaded = post(http, "/web/scenarios", data={"bundled": name})
    assert loaded.status_code == 303 and loaded.headers["location"].endswith(f"Loaded+{name}")


def order_status(tts, order_id: str) -> str:
    answer = tts.get("/order/202309/orders", params={"ids": [order_id]}).json()
    return answer["data"]["orders"][0]["status"]


def package_of(sandbox, order_id: str) -> str:
    world = sandbox.tenants.default.world
    return world.logistics.package_in_view(world.orders[order_id]).id


def test_arranging_shipment_on_the_page_is_the_apis_ship_package(http, tts, sandbox):
    load(http, "three-failed-attempts")
    run = sandbox.tenants.default.world.scenarios["three-failed-attempts"]
    parcel = run.refs["parcel"]
    page = http.get(f"/web/orders/{parcel}").text
    assert "Arrange shipment" in page and "Add shipment information" not in page

    shipped = post(
        http,
        f"/web/orders/{parcel}/ship",
        data={"package_id": package_of(sandbox, parcel), "handover_method": "DROP_OFF"},
    )
    assert shipped.status_code == 303 and "Shipment+arranged" in shipped.headers["location"]
    assert order_status(tts, parcel) == "AWAITING_COLLECTION"
    [entry] = journal(http, "ship_package")
    assert entry["code"] == 0 and entry["path"] == f"/web/orders/{parcel}/ship"
    assert "handover_method=DROP_OFF" in entry["body"]
    report = http.get("/sandbox/scenarios/three-failed-attempts").json()
    ships = next(e for e in report["expectations"] if e["name"].startswith("the client ships"))
    assert ships["status"] == "passed"

    printed = post(http, f"/web/orders/{parcel}/label", data={"package_id": package_of(sandbox, parcel)})
    assert printed.status_code == 303 and "/sandbox/documents/" in printed.headers["location"]
    assert http.get(printed.headers["location"]).headers["content-type"] == "application/pdf"
    assert [e["code"] for e in journal(http, "get_shipping_document")] == [0]


def test_a_refused_form_keeps_what_was_typed_and_changes_nothing(http, tts, sandbox):
    load(http, "three-failed-attempts")
    parcel = sandbox.tenants.default.world.scenarios["three-failed-attempts"].refs["parcel"]
    package_id = package_of(sandbox, parcel)
    refused = post(
        http,
        f"/web/orders/{parcel}/ship",
        data={"package_id": package_id, "handover_method": "PICKUP", "pickup_slot": "tomorrow"},
    )
    assert refused.status_code == 400
    error = re.search(r'<p class="problem" role="alert" id="ship-error">([^<]*)</p>', refused.text)
    assert error and "is not a pickup slot" in error.group(1)
    assert re.search(r'value="PICKUP" checked', refused.text)  # the choice kept beside the error
    for slot in ("99999999999999999999-1", "-"):  # beyond any calendar, or no numbers at all
        beyond = post(
            http,
            f"/web/orders/{parcel}/ship",
            data={"package_id": package_id, "handover_method": "PICKUP", "pickup_slot": slot},
        )
        assert beyond.status_code == 400 and "is not a pickup slot" in beyond.text
    assert order_status(tts, parcel) == "AWAITING_SHIPMENT"
    assert [e["code"] for e in journal(http, "ship_package")] == [Code.INVALID_REQUEST] * 3

    # The label cannot be printed before the shipment is arranged: the platform's refusal.
    label = post(http, f"/web/orders/{parcel}/label", data={"package_id": package_id})
    assert label.status_code == 400 and 'role="alert"' in label.text
    assert journal(http, "get_shipping_document")[0]["code"] != 0
    for path in (f"/web/orders/{parcel}/cancellations/1/maybe", f"/web/orders/{parcel}/returns/1/maybe"):
        answer = post(http, path)
        assert answer.status_code == 400 and "is not an answer" in answer.text
    unknown = post(http, "/web/orders/123/ship", data={"package_id": "9"})
    assert unknown.status_code == 404 and 'class="error-page"' in unknown.text


def test_a_seller_shipped_order_takes_its_carrier_and_tracking_number(http, tts, sandbox):
    load(http, "buyer-cancellation")
    regret = sandbox.tenants.default.world.scenarios["buyer-cancellation"].refs["regret"]
    page = http.get(f"/web/orders/{regret}").text
    assert "Add shipment information" in page and "Arrange shipment" not in page
    assert all(prefix in page for prefix in SELLER_NUMBER_MARKS)  # the magic values, as a hint
    provider = re.search(
        r'<select id="shipping_provider_id" name="shipping_provider_id">\s*<option value="([^"]+)"', page
    )
    assert provider
    shipped = post(
        http,
        f"/web/orders/{regret}/ship",
        data={
            "package_id": package_of(sandbox, regret),
            "shipping_provider_id": provider.group(1),
            "tracking_number": "SBXREFUSED42",
        },
    )
    assert shipped.status_code == 303 and "Shipment+information+added" in shipped.headers["location"]
    detail = tts.get("/order/202309/orders", params={"ids": [regret]}).json()["data"]["orders"][0]
    assert detail["tracking_number"] == "SBXREFUSED42"


def test_answering_the_buyers_cancellation_request(http, tts, sandbox):
    load(http, "buyer-cancellation")
    regret = sandbox.tenants.default.world.scenarios["buyer-cancellation"].refs["regret"]
    post(http, "/web/clock", data={"action": "advance", "by": "2h"})
    page = http.get(f"/web/orders/{regret}").text
    cancel_id = re.search(r'data-cancel="(\d+)"', page).group(1)
    assert "seller_reject_cancel_buyer_agreed" in page  # the reasons the platform offers

    approved = post(http, f"/web/orders/{regret}/cancellations/{cancel_id}/approve")
    assert approved.status_code == 303 and "Cancellation+approved" in approved.headers["location"]
    assert order_status(tts, regret) == "CANCELLED"
    again = post(
        http,
        f"/web/orders/{regret}/cancellations/{cancel_id}/reject",
        data={"reject_reason": "seller_reject_cancel_buyer_agreed"},
    )
    assert again.status_code == 400 and "only a pending request" in again.text
    assert [e["code"] for e in journal(http, "approve_cancellation")] == [0]
    assert [e["code"] for e in journal(http, "reject_cancellation")] == [Code.CANCELLATION_NOT_PENDING]


def test_answering_the_buyers_return_requests(http, sandbox):
    world = sandbox.tenants.default.world
    delivered = [o for o in world.orders.values() if o.status.value in ("DELIVERED", "COMPLETED")]
    first = world.buyer_requests_return(delivered[0].id, ReturnType.REFUND, "Wrong size")
    second = world.buyer_requests_return(delivered[1].id, ReturnType.REFUND, "Arrived damaged")
    page = http.get(f"/web/orders/{first.order_id}").text
    assert f'data-return="{first.id}"' in page and "Refund only" in page

    rejected = post(
        http,
        f"/web/orders/{first.order_id}/returns/{first.id}/reject",
        data={"reject_reason": "not a reason", "comment": "kept"},
    )
    assert rejected.status_code == 400 and 'value="kept"' in rejected.text  # the comment kept
    assert world.returns[first.id].status is ReturnStatus.PENDING
    reason = re.search(r'<select id="return-reject-\d+" name="reject_reason"><option value="([^"]+)"', page)
    rejected = post(
        http,
        f"/web/orders/{first.order_id}/returns/{first.id}/reject",
        data={"reject_reason": reason.group(1), "comment": "It matches the photos"},
    )
    assert rejected.status_code == 303
    assert world.returns[first.id].status is ReturnStatus.REJECTED
    approved = post(http, f"/web/orders/{second.order_id}/returns/{second.id}/approve")
    assert approved.status_code == 303 and "Request+approved" in approved.headers["location"]
    assert world.returns[second.id].status is ReturnStatus.COMPLETE  # refund only: refunded at once
    assert [e["code"] for e in journal(http, "reject_return")] == [Code.INVALID_REJECT_REASON, 0]
    assert [e["code"] for e in journal(http, "approve_return")] == [0]


def test_loading_a_scenario_from_the_page(http, sandbox):
    page = http.get("/web/scenarios").text
    assert all(f"<option >{n}</option>" in page for n in ("happy-path", "rejected-label"))
    unknown = post(http, "/web/scenarios", data={"bundled": "../../etc/passwd"})
    assert unknown.status_code == 400 and "is not a bundled scenario" in unknown.text
    broken = post(
        http,
        "/web/scenarios",
        files={"file": ("mine.yaml", b"scenario: mine\nsteps: [\n", "application/yaml")},
    )
    assert broken.status_code == 400
    assert re.search(r'id="scenario-error">mine\.yaml:\d+:\d+', broken.text)
    assert sandbox.tenants.default.world.scenarios == {}  # nothing half-loaded

    uploaded = post(
        http,
        "/web/scenarios",
        files={"file": ("mine.yaml", (ROOT / "scenarios/happy-path.yaml").read_bytes(), "application/yaml")},
    )
    assert uploaded.status_code == 303
    assert list(sandbox.tenants.default.world.scenarios) == ["happy-path"]


def test_a_clock_move_marks_the_rows_it_changed(http):
    advanced = post(
        http, "/web/clock", data={"action": "advance", "by": "7d", "next": "/web/orders?page_size=100"}
    )
    location = advanced.headers["location"]
    assert re.search(r"changes=\d+-\d+", location) and "page_size=100" in location
    page = http.get(location).text
    changed = re.findall(r'<tr data-order="(\d+)" class="changed">', page)
    assert changed, "a week changes some orders"
    assert re.search(r'<small class="changes" title="changed by the last clock move">Status: \w', page)
    # The mark is for the page the clock sent back to, not kept in its links.
    assert "changes=" not in re.search(r'<input type="hidden" name="next" value="([^"]*)"', page).group(1)


def test_the_clock_shows_seconds_and_the_pager_keeps_size_and_view(http):
    post(http, "/web/clock", data={"action": "resume"})
    page = http.get("/web/orders", params={"view": "card", "page_size": "20"}).text
    now = re.search(r'<strong id="now"[^>]*>([^<]*)</strong>', page).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", now), now  # no microseconds
    tab = re.search(r'<a href="([^"]*)" class="" data-tab="shipped">', page).group(1)
    assert "view=card" in tab  # the card view kept across tabs
    small = http.get("/web/orders", params={"page_size": "20", "page": "2"}).text
    assert 'id="page-of">Page 2 of 2<' in small  # 40 orders, 20 a page
    big = http.get("/web/orders", params={"page_size": "50"}).text
    assert 'id="page-of">Page 1 of 1<' in big and big.count("<tr data-order=") == 40
    assert re.search(r'data-all>All <span class="count">40</span>', big)
    assert http.get("/web/orders", params={"page": "x", "page_size": "7"}).status_code == 200


def test_every_magic_tracking_prefix_has_its_words():
    assert set(labels.MAGIC_TRACKING) == set(SELLER_NUMBER_MARKS)


def test_error_pages_wear_the_pages_dress(http):
    for path in ("/web/orders/123", "/web/nowhere"):
        answer = http.get(path)
        assert answer.status_code == 404
        assert "/web/static/style.css" in answer.text and "error-page" in answer.text
