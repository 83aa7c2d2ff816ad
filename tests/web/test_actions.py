"""The QA page's actions without a browser: each goes through the world's operation the Open API
uses and is journaled as that operation; a refusal is shown beside its form with what was typed,
changes nothing, and is never a 500."""

from __future__ import annotations

import re

from sandbox.domain.aftersales import ReturnStatus, ReturnType
from sandbox.domain.codes import Code
from sandbox.domain.logistics import SELLER_NUMBER_MARKS
from sandbox.web import labels
from tests import helpers
from tests.helpers import ROOT, order


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


ONE_BUYER = """
scenario: one-buyer-two-orders
description: Ada orders a tote, then a mug an hour later; Grace orders a scarf.
setup: {start: 2026-03-02T09:00:00Z, seed: 11, background_orders: 0}
orders:
  tote: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 3h, buyer: {account: ada}}
  mug: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 2h, buyer: {account: ada}}
  scarf: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK, age: 1h, buyer: {account: grace}}
until: 21d
"""


def one_buyer(http) -> dict[str, str]:
    loaded = helpers.load(http, ONE_BUYER)
    assert loaded.status_code == 201, loaded.text
    return {name: ref["order_id"] for name, ref in loaded.json()["orders"].items()}


def split_fields(page: str) -> list[str]:
    return re.findall(r'<select id="(package_of_\d+)"', page)


def test_splitting_an_order_on_the_page_is_the_apis_confirm_order_split(http, tts, sandbox):
    load(http, "oversized-parcel")
    anvils = sandbox.tenants.default.world.scenarios["oversized-parcel"].refs["anvils"]
    page = http.get(f"/web/orders/{anvils}").text
    fields = split_fields(page)
    assert "Split order" in page and len(fields) == 3  # one choice per unit, one package each

    # All three in one package is no split: refused beside the form, the choices kept.
    refused = post(http, f"/web/orders/{anvils}/split", data={f: "2" for f in fields})
    assert refused.status_code == 400
    error = re.search(r'id="split-error">([^<]*)</p>', refused.text)
    assert error and "at least two" in error.group(1)
    assert refused.text.count('<option value="2" selected>') == 3
    bad = post(http, f"/web/orders/{anvils}/split", data={fields[0]: "first", fields[1]: "2"})
    assert bad.status_code == 400 and "is not a package number" in bad.text
    assert len(order(tts, anvils)["packages"]) == 1  # nothing changed

    split = post(http, f"/web/orders/{anvils}/split", data={fields[0]: "1", fields[1]: "2", fields[2]: "2"})
    assert split.status_code == 303 and "split+into+2+packages" in split.headers["location"]
    packages = order(tts, anvils)["packages"]
    assert len(packages) == 2
    codes = [e["code"] for e in journal(http, "confirm_order_split")]
    assert codes == [Code.INVALID_REQUEST, Code.INVALID_REQUEST, 0]
    assert journal(http, "confirm_order_split")[-1]["path"] == f"/web/orders/{anvils}/split"


def test_a_split_orders_packages_are_each_shipped_from_the_page(http, tts, sandbox):
    load(http, "oversized-parcel")
    anvils = sandbox.tenants.default.world.scenarios["oversized-parcel"].refs["anvils"]
    fields = split_fields(http.get(f"/web/orders/{anvils}").text)
    post(http, f"/web/orders/{anvils}/split", data={f: str(n) for n, f in enumerate(fields, 1)})
    shipped = []
    for _ in range(3):
        page = http.get(f"/web/orders/{anvils}").text
        package_id = re.search(r'id="ship-form".*?name="package_id" value="(\d+)"', page, re.S).group(1)
        answer = post(
            http, f"/web/orders/{anvils}/ship", data={"package_id": package_id, "handover_method": "DROP_OFF"}
        )
        assert answer.status_code == 303, answer.text
        shipped.append(package_id)
    assert len(set(shipped)) == 3
    assert 'id="ship-form"' not in http.get(f"/web/orders/{anvils}").text  # nothing left to ship
    assert order_status(tts, anvils) == "AWAITING_COLLECTION"


def test_combining_and_uncombining_on_the_page_are_the_apis(http, tts, sandbox):
    ids = one_buyer(http)
    world = sandbox.tenants.default.world
    tote_package = package_of(sandbox, ids["tote"])
    page = http.get(f"/web/orders/{ids['mug']}").text
    assert 'id="combine-form"' in page and f'value="{tote_package}"' in page  # the API's group
    assert f'name="order_ids" value="{ids["mug"]}" checked' in page
    assert 'id="combine-form"' not in http.get(f"/web/orders/{ids['scarf']}").text  # no other order
    assert 'id="uncombine-form"' not in page

    nothing = post(http, f"/web/orders/{ids['mug']}/combine", data={"package_id": tote_package})
    assert nothing.status_code == 400 and 'id="combine-error"' in nothing.text
    assert f'value="{ids["mug"]}" >' in nothing.text  # unticked, as it was sent
    foreign = post(
        http,
        f"/web/orders/{ids['mug']}/combine",
        data={"package_id": tote_package, "order_ids": ids["scarf"]},
    )
    assert foreign.status_code == 400 and "another buyer" in foreign.text
    assert f'value="{ids["scarf"]}" checked' not in foreign.text  # the scarf is not offered
    assert package_of(sandbox, ids["mug"]) != tote_package  # nothing changed

    combined = post(
        http, f"/web/orders/{ids['mug']}/combine", data={"package_id": tote_package, "order_ids": ids["mug"]}
    )
    assert combined.status_code == 303 and "Orders+combined" in combined.headers["location"]
    assert package_of(sandbox, ids["mug"]) == tote_package
    assert [o.id for o in world.logistics.orders_in(world.logistics.package(tote_package))] == [
        ids["tote"],
        ids["mug"],
    ]
    assert [e["code"] for e in journal(http, "combine_package")] == [
        Code.INVALID_REQUEST,
        Code.NOT_COMBINABLE,
        0,
    ]
    page = http.get(f"/web/orders/{ids['tote']}").text
    assert 'id="uncombine-form"' in page and 'id="combine-form"' not in page

    wrong = post(
        http,
        f"/web/orders/{ids['tote']}/uncombine",
        data={"package_id": tote_package, "order_ids": ids["scarf"]},
    )
    assert wrong.status_code == 400 and 'id="uncombine-error"' in wrong.text
    assert f'value="{ids["scarf"]}"' not in wrong.text.split('id="uncombine-form"')[1].split("</form>")[0]
    taken = post(
        http,
        f"/web/orders/{ids['tote']}/uncombine",
        data={"package_id": tote_package, "order_ids": ids["mug"]},
    )
    assert taken.status_code == 303 and "taken+out" in taken.headers["location"]
    assert package_of(sandbox, ids["mug"]) not in (tote_package, "")
    assert [e["code"] for e in journal(http, "uncombine_packages")] == [Code.NOT_COMBINABLE, 0]
    assert f"package_id={tote_package}" in journal(http, "uncombine_packages")[-1]["body"]
    assert 'id="combine-form"' in http.get(f"/web/orders/{ids['mug']}").text  # combinable again


def test_split_and_combine_are_offered_only_where_the_world_accepts_them(http, tts, sandbox):
    ids = one_buyer(http)
    tote_package = package_of(sandbox, ids["tote"])
    page = http.get(f"/web/orders/{ids['tote']}").text
    assert 'id="split-form"' not in page  # one line item: nothing to split
    shipped = post(
        http,
        f"/web/orders/{ids['tote']}/ship",
        data={"package_id": tote_package, "handover_method": "DROP_OFF"},
    )
    assert shipped.status_code == 303
    for name in ("tote", "mug"):  # a shipped package can take no other order
        assert 'id="combine-form"' not in http.get(f"/web/orders/{ids[name]}").text
    late = post(
        http, f"/web/orders/{ids['mug']}/combine", data={"package_id": tote_package, "order_ids": ids["mug"]}
    )
    assert late.status_code == 400 and "already been shipped" in late.text
    assert post(http, "/web/orders/123/split", data={}).status_code == 404
