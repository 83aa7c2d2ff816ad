"""Every bundled scenario: valid against the published schema, loadable three ways, and run end to
end by a signed client, checking the world's state and the expectations report."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from jsonschema import Draft202012Validator

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from sandbox.scenarios.schema import SCHEMA_PATH, build_schema
from tests.helpers import ROOT, advance, expectation_statuses, load, order, report

BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
SEARCH = "/order/202309/orders/search"


def test_published_schema_matches_the_code():
    assert json.loads(SCHEMA_PATH.read_text()) == build_schema()


def test_there_are_bundled_scenarios():
    assert {p.name for p in BUNDLED} >= {
        "happy-path.yaml",
        "buyer-cancellation.yaml",
        "rejected-label.yaml",
        "stuck-tracking.yaml",
    }


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_validates_against_the_published_schema(path):
    schema = json.loads(SCHEMA_PATH.read_text())
    data = _plain(path)
    errors = list(Draft202012Validator(schema).iter_errors(data))
    assert not errors, [e.message for e in errors]


def _plain(path: Path) -> object:
    """The YAML as plain data, with instants as strings (as any YAML 1.2 reader sees them)."""
    from sandbox.scenarios.loader import _Loader

    return yaml.load(path.read_text(), Loader=_Loader)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_loads_over_http(path):
    with Sandbox().app.test_client() as http:
        response = load(http, path.read_text(), source=path.name)
        assert response.status_code == 201, response.text
        name = response.json()["name"]
        assert [s["name"] for s in http.get("/sandbox/scenarios").json()["scenarios"]] == [name]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_loads_from_python(path):
    sandbox = Sandbox()
    run = sandbox.load_scenario(path)
    assert sandbox.tenants.default.world.scenarios[run.scenario.name] is run
    assert run.report()["orders"]


def signed(http):
    return SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())


def test_happy_path_attentive_client_passes():
    from tests.helpers import pdf_text, refresh

    with Sandbox().app.test_client() as http:
        rep = load(http, (ROOT / "scenarios/happy-path.yaml").read_text()).json()
        mug = rep["orders"]["mug"]["order_id"]
        tts = signed(http)
        assert order(tts, mug)["status"] == "UNPAID"
        assert http.get("/sandbox/clock").json()["now"] == "2026-03-02T09:00:00Z"
        advance(http, "10m")
        assert order(tts, mug)["status"] == "ON_HOLD"
        advance(http, "1h")
        # The client's poll: find what awaits shipment, then fetch its details.
        waiting = tts.post(SEARCH, {"order_status": "AWAITING_SHIPMENT"}, params={"page_size": 50}).json()
        ids = [o["id"] for o in waiting["data"]["orders"]]
        assert mug in ids
        detail = order(tts, mug)
        assert detail["status"] == "AWAITING_SHIPMENT"
        assert detail["paid_time"] == 1772442600  # 09:10
        assert [i["seller_sku"] for i in detail["line_items"]] == ["MUG-WHT", "MUG-WHT"]
        assert detail["payment"]["sub_total"] == "28.00"
        assert detail["recipient_address"]["name"] == "Ada Lovelace"
        package = detail["packages"][0]["id"]
        advance(http, "5h")
        shipped = tts.post(
            f"/fulfillment/202309/packages/{package}/ship", {"handover_method": "DROP_OFF"}
        ).json()
        assert shipped["code"] == 0, shipped
        label = tts.get(
            f"/fulfillment/202309/packages/{package}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        ).json()["data"]
        assert label["tracking_number"] in pdf_text(
            http.get(label["doc_url"].removeprefix("http://testserver")).content
        )
        assert order(tts, mug)["status"] == "AWAITING_COLLECTION"
        advance(http, "6h")
        assert order(tts, mug)["status"] == "IN_TRANSIT"
        advance(http, "48h")
        assert order(tts, mug)["status"] == "DELIVERED"
        advance(http, "7d")
        refresh(tts, http)
        assert order(tts, mug)["status"] == "COMPLETED"
        rep = report(http, "happy-path")
        assert expectation_statuses(rep) == {
            "the client fetches the order once it awaits shipment": "passed",
            "the client ships the package within 48 hours": "passed",
            "the client prints the shipping label before the carrier collects": "passed",
        }
        assert rep["expectations"][0]["met_at"] == "2026-03-02T10:10:00Z"
        assert rep["orders"]["mug"]["package_ids"] == [package]
        assert rep["orders"]["mug"]["tracking_numbers"] == [label["tracking_number"]]
        advance(http, "5d")
        rep = report(http, "happy-path")
        assert rep["state"] == "ended" and rep["summary"] == {
            "passed": 3,
            "failed": 0,
            "pending": 0,
            "skipped": 0,
        }
        junit = ElementTree.fromstring(http.get("/sandbox/scenarios/happy-path/junit").content)
        assert junit.get("failures") == "0" and len(junit.findall("testcase")) == 3


def test_happy_path_idle_client_fails_with_a_reason():
    with Sandbox().app.test_client() as http:
        load(http, (ROOT / "scenarios/happy-path.yaml").read_text())
        advance(http, "3h")
        rep = report(http, "happy-path")
        expectation = rep["expectations"][0]
        assert expectation["status"] == "failed"
        assert expectation["due"] == "2026-03-02T11:10:00Z"
        assert "within 1h" in expectation["reason"]
        junit = ElementTree.fromstring(http.get("/sandbox/scenarios/happy-path/junit").content)
        assert junit.get("failures") == "1"  # the other two are still pending: skipped in JUnit
        assert "within 1h" in junit.find("testcase/failure").get("message")


def test_buyer_cancellation_end_to_end():
    with Sandbox().app.test_client() as http:
        rep = load(http, (ROOT / "scenarios/buyer-cancellation.yaml").read_text()).json()
        hasty, regret = rep["orders"]["hasty"]["order_id"], rep["orders"]["regret"]["order_id"]
        tts = signed(http)
        assert order(tts, hasty)["status"] == "ON_HOLD"
        assert order(tts, regret)["status"] == "AWAITING_SHIPMENT"

        advance(http, "20m")  # 09:20: the first buyer cancels inside the remorse window
        cancelled = order(tts, hasty)
        assert cancelled["status"] == "CANCELLED"
        assert cancelled["cancellation_initiator"] == "BUYER"
        assert cancelled["cancel_reason"] == "Ordered by mistake"
        assert cancelled["cancel_time"] == 1772443200  # 09:20

        advance(http, "100m")  # 11:00: the second buyer asks to cancel
        requested = tts.post(SEARCH, {"is_buyer_request_cancel": True}, params={"page_size": 50}).json()
        assert [o["id"] for o in requested["data"]["orders"]] == [regret]
        pending = order(tts, regret)
        assert pending["status"] == "AWAITING_SHIPMENT"
        assert pending["cancel_order_sla_time"] == 1772449200 + 48 * 3600

        advance(http, "47h59m")
        assert order(tts, regret)["status"] == "AWAITING_SHIPMENT"
        advance(http, "1m")  # 48 h after the request, unanswered: approved
        approved = order(tts, regret)
        assert (
            approved["status"] == "CANCELLED"
            and approved["cancel_reason"] == "Found a better price elsewhere"
        )

        assert (
            expectation_statuses(report(http, "buyer-cancellation"))[
                "the client never ships the order cancelled at once"
            ]
            == "pending"
        )  # until the scenario ends
        advance(http, "1d")
        rep = report(http, "buyer-cancellation")
        assert expectation_statuses(rep) == {
            "the client sees the cancellation request": "passed",
            "the client notices the order cancelled inside the remorse window": "passed",
            "the client never ships the order cancelled at once": "passed",
            "the client never ships the order whose buyer asked to cancel": "passed",
        }
        events = [
            (e["at"], e["order"], e["data"].get("to"))
            for e in rep["timeline"]
            if e.get("event") in ("order.status_changed", "order.buyer_cancel_requested")
        ]
        assert events == [
            ("2026-03-02T09:20:00Z", "hasty", "CANCELLED"),
            ("2026-03-02T11:00:00Z", "regret", None),
            ("2026-03-04T11:00:00Z", "regret", "CANCELLED"),
        ]


def test_serve_loads_scenarios_from_the_command_line(tmp_path):
    import subprocess
    import sys

    from tests.helpers import free_port, server

    with server("--scenario", str(ROOT / "scenarios/buyer-cancellation.yaml")) as (base, _):
        import httpx

        rep = httpx.get(f"{base}/sandbox/scenarios/buyer-cancellation").json()
        assert rep["started_at"] == "2026-03-02T09:00:00Z" and set(rep["orders"]) == {"hasty", "regret"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: bad\nsteps: [{at: 1h, do: [{explode: {}}]}]\n")
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "serve", "--port", str(free_port()), "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stderr and "unknown action 'explode'" in result.stderr


def test_rejected_label_end_to_end():
    with Sandbox().app.test_client() as http:
        rep = load(http, (ROOT / "scenarios/rejected-label.yaml").read_text()).json()
        tts = signed(http)
        lamp, kettle = rep["orders"]["lamp"]["order_id"], rep["orders"]["kettle"]["order_id"]
        packages = {
            name: order(tts, oid)["packages"][0]["id"] for name, oid in (("lamp", lamp), ("kettle", kettle))
        }
        ship = "/fulfillment/202309/packages/{}/ship"
        for name in packages:
            refused = tts.post(ship.format(packages[name]), {"handover_method": "DROP_OFF"}).json()
            assert refused["code"] == 21011104
        assert (
            http.get(f"/sandbox/orders/{lamp}").json()["package"]["rejection"]["reason"]
            == "BUYER_ADDRESS_ISSUE"
        )
        assert (
            http.get(f"/sandbox/orders/{kettle}").json()["package"]["rejection"]["reason"]
            == "CARRIER_ORDER_ERROR"
        )
        advance(http, "1h")  # the carrier recovered; the address is still incomplete
        assert tts.post(ship.format(packages["kettle"]), {}).json()["code"] == 0
        assert tts.post(ship.format(packages["lamp"]), {}).json()["code"] == 21011104
        advance(http, "1h")  # the buyer has added the postal code
        assert order(tts, lamp)["recipient_address"]["postal_code"] == "22202"
        assert tts.post(ship.format(packages["lamp"]), {}).json()["code"] == 0
        assert order(tts, lamp)["status"] == order(tts, kettle)["status"] == "AWAITING_COLLECTION"
        rep = report(http, "rejected-label")
        assert rep["summary"]["passed"] == 2 and rep["summary"]["failed"] == 0


def test_stuck_tracking_end_to_end():
    with Sandbox().app.test_client() as http:
        rep = load(http, (ROOT / "scenarios/stuck-tracking.yaml").read_text()).json()
        tts = signed(http)
        ids = {name: ref["order_id"] for name, ref in rep["orders"].items()}
        for oid in ids.values():
            package = order(tts, oid)["packages"][0]["id"]
            assert tts.post(f"/fulfillment/202309/packages/{package}/ship", {}).json()["code"] == 0

        def tags(name):
            return http.get(f"/sandbox/orders/{ids[name]}").json()["logistics_issue_tags"]

        advance(http, "6h")  # all three collected
        assert tags("unmoved") == []  # it has just moved
        tracking = tts.get(f"/fulfillment/202309/orders/{ids['unmoved']}/tracking").json()["data"]["tracking"]
        assert tracking[0]["description"].startswith("Picked up by the carrier")
        assert order(tts, ids["unshipped"])["status"] == "AWAITING_COLLECTION"
        advance(http, "25h")
        assert tags("unshipped") == ["Picked up but logistics status not updated"]
        advance(http, "24h")  # 55 h: the third parcel was delivered at 54 h
        assert tags("undelivered") == ["Delivered but logistics not updated"]
        assert order(tts, ids["undelivered"])["status"] == "IN_TRANSIT"
        assert tags("unshipped") == []  # the platform caught up at 48 h
        assert tags("unmoved") == ["Unmoved tracking event"]  # no movement since 6 h
        advance(http, "3d")
        assert tags("unmoved") == [] and tags("undelivered") == []
        assert order(tts, ids["undelivered"])["status"] == "DELIVERED"
        rep = report(http, "stuck-tracking")
        assert rep["summary"]["failed"] == 0 and rep["summary"]["passed"] == 4
