"""The bundled oversized-parcel scenario, written from the guide alone: three anvils of 20 kg in one parcel are refused as
oversized ("Products are oversized"), the seller repacks them into smaller packages (Splitting
Order into Multiple Packages); its expectations: re-request the label within an hour of each
rejection, never ship a refused package as it was. A correct client passes; a slow one and a
careless one each fail on the right expectation, with the occurrence and the call named."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from tests.helpers import ROOT, advance, load, report

REPACKING = (ROOT / "scenarios" / "oversized-parcel.yaml").read_text()
SHIP = "/fulfillment/202309/packages/{}/ship"
SPLIT = "/fulfillment/202309/orders/{}/split"


class Seller:
    """A client of the sandbox shipping the anvils, as a seller's software would."""

    def __init__(self) -> None:
        self.http = Sandbox().app.test_client()
        self.http.__enter__()
        assert load(self.http, REPACKING).status_code == 201
        self.tts = SignedClient.for_tenant(self.http, self.http.get("/sandbox/tenants/default").json())
        self.order_id = report(self.http, "oversized-parcel")["orders"]["anvils"]["order_id"]

    def packages(self) -> list[dict[str, Any]]:
        detail = self.tts.get("/order/202309/orders", params={"ids": [self.order_id]}).json()
        return list(detail["data"]["orders"][0]["packages"])

    def lines(self) -> list[str]:
        detail = self.tts.get("/order/202309/orders", params={"ids": [self.order_id]}).json()
        return [i["id"] for i in detail["data"]["orders"][0]["line_items"]]

    def ship(self, package_id: str) -> int:
        return int(self.tts.post(SHIP.format(package_id), {"handover_method": "DROP_OFF"}).json()["code"])

    def repack(self, *groups: list[str]) -> list[str]:
        """Split the order's anvils into these groups of line items: the new packages' IDs."""
        body = {"splittable_groups": [{"id": str(i), "order_line_item_ids": g} for i, g in enumerate(groups)]}
        answer = self.tts.post(SPLIT.format(self.order_id), body).json()
        assert answer["code"] == 0, answer
        return [p["id"] for p in answer["data"]["packages"]]

    def wait(self, by: str) -> None:
        advance(self.http, by)

    def verdicts(self) -> list[tuple[str, int, str]]:
        self.wait("1d")
        rows = report(self.http, "oversized-parcel")["expectations"]
        return [(e["name"].split(" ")[2], e["occurrence"], e["status"]) for e in rows]

    def failed(self) -> dict[str, Any]:
        (row,) = [e for e in report(self.http, "oversized-parcel")["expectations"] if e["status"] == "failed"]
        return row

    def close(self) -> None:
        self.http.__exit__(None, None, None)


@pytest.fixture
def seller():
    client = Seller()
    yield client
    client.close()


def correct(seller: Seller, pause: str = "10m") -> None:
    """Ship; refused, repack in two and ship the package still too heavy; refused, repack one
    anvil a package; ship them all."""
    (whole,) = [p["id"] for p in seller.packages()]
    first, second, third = seller.lines()
    seller.wait("5m")
    assert seller.ship(whole) == 21011104  # 60 kg
    seller.wait("10m")
    _, two_anvils = seller.repack([first], [second, third])
    assert seller.ship(two_anvils) == 21011104  # still 40 kg
    seller.wait(pause)
    for package in seller.repack([first], [second], [third]):
        assert seller.ship(package) == 0


def test_a_client_that_repacks_after_each_rejection_passes_every_occurrence(seller):
    correct(seller)
    assert seller.verdicts() == [
        ("re-requests", 1, "passed"),
        ("re-requests", 2, "passed"),
        ("never", 1, "passed"),
        ("never", 2, "passed"),
    ]


def test_a_slow_client_fails_the_second_rejection_it_answered_too_late(seller):
    correct(seller, pause="2h")
    assert seller.verdicts() == [
        ("re-requests", 1, "passed"),
        ("re-requests", 2, "failed"),
        ("never", 1, "passed"),
        ("never", 2, "passed"),
    ]
    failed = seller.failed()
    assert failed["occurrence"] == 2
    assert "within 1h of event package.label_rejected" in failed["reason"]
    assert "occurrence 2, at 2026-03-02T09:15:00Z" in failed["reason"]


def test_a_careless_client_that_ships_the_refused_package_again_fails_never(seller):
    (whole,) = [p["id"] for p in seller.packages()]
    seller.wait("5m")
    assert seller.ship(whole) == 21011104
    seller.wait("10m")
    assert seller.ship(whole) == 21011104  # the same 60 kg parcel again
    assert seller.verdicts()[:3] == [
        ("re-requests", 1, "passed"),  # a re-request it was
        ("re-requests", 2, "failed"),  # and nothing after the second rejection
        ("never", 1, "failed"),
    ]
    rows = report(seller.http, "oversized-parcel")["expectations"]
    never = next(e for e in rows if e["name"].startswith("the client never") and e["occurrence"] == 1)
    assert (
        never["reason"]
        == f"the client called POST {SHIP.format(whole)} at 2026-03-02T09:15:00Z (code 21011104)"
    )
    assert never["call"] in never["reason"]
    junit = seller.http.get("/sandbox/scenarios/oversized-parcel/junit").text
    assert (
        "the client never ships a refused package as it was (occurrence 1, armed 2026-03-02T09:05:00Z)"
        in junit
    )
