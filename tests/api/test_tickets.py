"""Logistics tickets in the Seller Center: raised from an order's logistics issue, "Ticket in process"
until the logistics provider answers, then "Ticket closed" with a resolution that acts on the parcel;
evidence kept byte for byte; refusals that create nothing."""

from __future__ import annotations

import pytest

from sandbox.app import Sandbox
from sandbox.client import SignedClient
from sandbox.domain.uploads import MAX_EVIDENCE_BYTES
from tests.helpers import (
    DELIVERED_NOT_UPDATED,
    EVIDENCE_PNG,
    ROOT,
    advance,
    created,
    data,
    delivered_not_updated,
    load,
    raise_ticket,
    report,
    seller_center_row,
)

UNMOVED = "Unmoved tracking event"
PDF = b"%PDF-1.4\n" + bytes(reversed(range(256))) * 3 + b"\n%%EOF"

SCENARIO = """scenario: tickets
setup:
  start: 2026-03-02T09:00:00Z
orders:
  parcel: {{status: AWAITING_SHIPMENT, shipping_type: TIKTOK}}
steps:
  - when: {{event: carrier.tracking_event, order: parcel, detail_code: InTransit_001}}
    do: [{{stall_tracking: {{order: parcel, for: 10d}}}}]
{extra}"""


def start(extra: str = ""):
    http = Sandbox().app.test_client()
    http.__enter__()
    response = load(http, SCENARIO.format(extra=extra))
    assert response.status_code == 201, response.text
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    order_id = report(http, "tickets")["orders"]["parcel"]["order_id"]
    package_id = http.get(f"/sandbox/orders/{order_id}").json()["package"]["id"]
    data(tts.post(f"/fulfillment/202309/packages/{package_id}/ship", {"handover_method": "DROP_OFF"}))
    return http, tts, order_id


def ticket(http, ticket_id):
    response = http.get(f"/seller-center/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    return response.json()


def tracking(http, order_id):
    return [t["detail_code"] for t in http.get(f"/sandbox/orders/{order_id}").json()["tracking"]]


def failed_delivery(http, order_id):
    return http.get(f"/sandbox/orders/{order_id}").json()["failed_delivery"]


def test_stuck_tracking_ticket_is_in_process_then_closed_with_tracking_moving_again():
    http, tts, order_id = start()
    advance(http, "6h")  # dropped off and picked up at 15:00 on Monday; then nothing moves
    advance(http, "2d1s")
    assert seller_center_row(http, order_id)["logistics_issue_tags"] == [UNMOVED]
    assert seller_center_row(http, order_id)["logistics_ticket"] is None
    before = tracking(http, order_id)

    raised = created(
        raise_ticket(
            http, order_id, logistics_issue_tag=UNMOVED, description="No tracking update for two days"
        )
    )
    assert raised["category"] == "UNMOVED_TRACKING_EVENT"
    assert raised["category_path"] == [
        "Complaints & Dispute (Logistic related)",
        "Delivery process inquiry",
        "Unmoved tracking event",
    ]
    assert (raised["status"], raised["status_label"]) == ("TICKET_IN_PROCESS", "Ticket in process")
    assert raised["create_time"] == "2026-03-04T15:00:01Z"
    assert raised["respond_by"] == "2026-03-06T15:00:01Z"  # 2 business days: Wednesday to Friday
    shown = seller_center_row(http, order_id)["logistics_ticket"]
    assert shown == {
        "ticket_id": raised["ticket_id"],
        "status": "TICKET_IN_PROCESS",
        "status_label": "Ticket in process",
        "resolution": None,
    }
    in_process = http.get("/seller-center/orders", params={"logistics_ticket_status": "TICKET_IN_PROCESS"})
    assert [o["order_id"] for o in in_process.json()["orders"]] == [order_id]

    advance(http, "1d")
    assert ticket(http, raised["ticket_id"])["status"] == "TICKET_IN_PROCESS"
    assert tracking(http, order_id) == before  # still unmoved while the ticket is in process
    advance(http, "1d")
    closed = ticket(http, raised["ticket_id"])
    assert (closed["status"], closed["status_label"], closed["resolution"]) == (
        "TICKET_CLOSED",
        "Ticket closed",
        "RESOLVED",
    )
    assert closed["close_time"] == "2026-03-06T15:00:01Z"
    assert "moving again" in closed["resolution_note"]
    assert tracking(http, order_id)[len(before)] == "InTransit_002"  # the journey resumed at once
    assert seller_center_row(http, order_id)["logistics_issue_tags"] == []
    assert seller_center_row(http, order_id)["logistics_ticket"]["status_label"] == "Ticket closed"
    listed = http.get("/seller-center/tickets", params={"status": "TICKET_CLOSED"}).json()
    assert [t["ticket_id"] for t in listed["tickets"]] == [raised["ticket_id"]]
    assert http.get("/seller-center/tickets", params={"status": "TICKET_IN_PROCESS"}).json()["total"] == 0
    advance(http, "2d")
    assert data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]["status"] == (
        "DELIVERED"
    )
    kinds = [
        e["kind"]
        for e in http.get("/sandbox/events", params={"subject": order_id}).json()["events"]
        if e["kind"].startswith("ticket.")
    ]
    assert kinds == ["ticket.raised", "ticket.closed"]


def _failed_returns():
    http = Sandbox().app.test_client()
    http.__enter__()
    text = (ROOT / "scenarios/ticket-rescues-parcel.yaml").read_text()
    refs = load(http, text, source="ticket-rescues-parcel.yaml").json()["orders"]
    tts = SignedClient.for_tenant(http, http.get("/sandbox/tenants/default").json())
    ids = {name: refs[name]["order_id"] for name in ("rescued", "late")}
    for number, order_id in (("RESCUE-1", ids["rescued"]), ("LATE-1", ids["late"])):
        data(
            tts.post(
                f"/fulfillment/202309/orders/{order_id}/packages",
                {"tracking_number": number, "shipping_provider_id": "6617675021119438849"},
            )
        )
    advance(http, "7d3h")  # the returns fail on day 7 at 11:00: destroyed on day 14 at 11:00
    for order_id in ids.values():
        assert failed_delivery(http, order_id)["return_status"] == "SELLER_DELIVERY_FAILED"
        assert failed_delivery(http, order_id)["destroy_at"] == "2026-03-16T11:00:00Z"
    return http, ids


def test_failed_return_package_ticket_within_seven_days_brings_the_parcel_back_instead_of_destroying_it():
    http, ids = _failed_returns()
    order_id = ids["rescued"]
    advance(http, "6d")  # day 13, one day before the destruction
    raised = created(
        raise_ticket(http, order_id, category="FAILED_RETURN_PACKAGE", description="Please return it")
    )
    # The scenario's provider answers a day later: after the destruction instant, which waits for it.
    assert raised["respond_by"] == "2026-03-16T12:00:00Z"
    failed = http.get(
        "/seller-center/failed-deliveries", params={"logistics_ticket_status": "TICKET_IN_PROCESS"}
    ).json()["failed_deliveries"]
    assert [(f["order_id"], f["logistics_ticket"]["status_label"]) for f in failed] == [
        (order_id, "Ticket in process")
    ]
    advance(http, "1d")
    closed = ticket(http, raised["ticket_id"])
    assert (closed["status"], closed["resolution"]) == ("TICKET_CLOSED", "RESOLVED")
    assert closed["resolution_note"] == "We will bring the parcel back to your warehouse."
    assert failed_delivery(http, order_id)["return_status"] == "RETURNING_TO_SELLER"
    advance(http, "3d")  # past the old destruction instant; the carrier's way back takes 72 h
    assert failed_delivery(http, order_id)["return_status"] == "DELIVERED_BACK_TO_SELLER"
    late = failed_delivery(http, ids["late"])["return_status"]
    assert late == "DESTROYED"  # no ticket for the other one: destroyed on day 14
    kinds = [e["kind"] for e in http.get("/sandbox/events", params={"subject": order_id}).json()["events"]]
    assert "package.return_status_changed" in kinds
    statuses = [
        e["data"]["return_status"]
        for e in http.get(
            "/sandbox/events", params={"subject": order_id, "kind": "package.return_status_changed"}
        ).json()["events"]
    ]
    assert "DESTROYED" not in statuses


def test_the_same_ticket_on_day_eight_is_too_late():
    http, ids = _failed_returns()
    advance(http, "7d")  # day 14 11:00 has passed: the parcel was destroyed
    response = raise_ticket(http, ids["late"], category="FAILED_RETURN_PACKAGE", description="Please")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "too_late"
    assert "destroyed at 2026-03-16T11:00:00Z" in error["message"] and "within 7 days" in error["message"]
    assert http.get("/seller-center/tickets").json()["total"] == 0
    assert report(http, "ticket-rescues-parcel")["orders"]["late"]["order_id"] == ids["late"]


def test_delivered_but_not_updated_with_evidence_updates_the_status_and_the_evidence_round_trips():
    http, tts, order_id = delivered_not_updated()
    raised = created(
        raise_ticket(
            http,
            order_id,
            files=[
                ("doorstep.png", EVIDENCE_PNG, "image/png"),
                ("buyer-confirmation.pdf", PDF, "application/pdf"),
            ],
            category="DELIVERED_NOT_UPDATED",
            description="The buyer confirmed receipt",
        )
    )
    assert [(e["name"], e["content_type"], e["size"]) for e in raised["evidence"]] == [
        ("doorstep.png", "image/png", len(EVIDENCE_PNG)),
        ("buyer-confirmation.pdf", "application/pdf", len(PDF)),
    ]
    for evidence, original in zip(raised["evidence"], (EVIDENCE_PNG, PDF), strict=True):
        download = http.get(evidence["url"])
        assert download.status_code == 200
        assert download.content == original
        assert download.headers["content-type"] == evidence["content_type"]
    missing = http.get(f"/seller-center/tickets/{raised['ticket_id']}/evidence/upl99999999")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "unknown_evidence"
    advance(http, "2d")
    closed = ticket(http, raised["ticket_id"])
    assert closed["resolution"] == "RESOLVED" and "DELIVERED" in closed["resolution_note"]
    assert data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]["status"] == (
        "DELIVERED"
    )
    assert http.get(raised["evidence"][1]["url"]).content == PDF  # still kept after closing


def test_delivered_but_not_updated_without_evidence_is_closed_unverified():
    http, tts, order_id = delivered_not_updated()
    raised = created(
        raise_ticket(http, order_id, logistics_issue_tag=DELIVERED_NOT_UPDATED, description="Delivered")
    )
    advance(http, "2d")
    closed = ticket(http, raised["ticket_id"])
    assert closed["resolution"] == "REJECTED" and "no evidence" in closed["resolution_note"]
    assert data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]["status"] == (
        "IN_TRANSIT"
    )


@pytest.mark.parametrize(
    ("files", "status", "kind"),
    [
        (
            [("huge.png", EVIDENCE_PNG[:8] + b"\0" * (MAX_EVIDENCE_BYTES - 7), "image/png")],
            413,
            "evidence_too_large",
        ),
        ([("notes.png", b"just some text, named like an image", "image/png")], 415, "evidence_wrong_type"),
        ([("empty.pdf", b"", "application/pdf")], 400, "evidence_empty"),
        ([(f"p{i}.png", EVIDENCE_PNG, "image/png") for i in range(6)], 400, "evidence_too_many_files"),
    ],
    ids=["oversized", "wrong-type", "empty", "too-many"],
)
def test_evidence_limits_are_enforced_and_nothing_is_created(files, status, kind):
    http, _tts, order_id = start()
    advance(http, "2d6h1s")
    response = raise_ticket(http, order_id, files=files, category="UNMOVED_TRACKING_EVENT", description="x")
    assert response.status_code == status, response.text
    assert response.json()["error"]["type"] == kind
    assert http.get("/seller-center/tickets").json()["total"] == 0
    assert seller_center_row(http, order_id)["logistics_ticket"] is None


def test_an_evidence_file_at_the_limit_is_accepted():
    http, _tts, order_id = start()
    advance(http, "2d6h1s")
    exact = EVIDENCE_PNG[:8] + b"\0" * (MAX_EVIDENCE_BYTES - 8)
    raised = created(
        raise_ticket(
            http, order_id, files=[("big.png", exact, "image/png")], category="UNMOVED_TRACKING_EVENT"
        )
    )
    assert http.get(raised["evidence"][0]["url"]).content == exact


def test_tickets_without_a_matching_issue_or_order_are_refused_and_nothing_is_created():
    http, _tts, order_id = start()
    advance(http, "6h")  # picked up just now: no logistics issue yet
    cases = [
        ({"category": "UNMOVED_TRACKING_EVENT"}, 400, "invalid_request"),  # no order ID
        ({"order_id": "576000000000000000", "category": "UNMOVED_TRACKING_EVENT"}, 404, "unknown_order"),
        ({"order_id": order_id, "category": "UNMOVED_TRACKING_EVENT"}, 422, "no_matching_logistics_issue"),
        ({"order_id": order_id, "category": "FAILED_RETURN_PACKAGE"}, 422, "no_matching_logistics_issue"),
        ({"order_id": order_id, "logistics_issue_tag": "Lost in space"}, 422, "unknown_tag"),
        ({"order_id": order_id}, 422, "category_required"),
        (
            {"order_id": order_id, "category": "FAILED_RETURN_PACKAGE", "logistics_issue_tag": UNMOVED},
            422,
            "category_mismatch",
        ),
        ({"order_id": order_id, "category": "LOST"}, 400, "invalid_request"),
    ]
    for fields, status, kind in cases:
        response = raise_ticket(http, **fields)
        assert (response.status_code, response.json()["error"]["type"]) == (status, kind), fields
        assert response.json()["error"]["message"]
    url_encoded = http.post("/seller-center/tickets", data={"order_id": order_id})
    assert url_encoded.status_code == 400 and "multipart/form-data" in url_encoded.text
    assert http.get("/seller-center/tickets").json()["total"] == 0
    unknown = http.get("/seller-center/tickets/7000000000000000")
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "unknown_ticket"
    advance(http, "2d1s")
    created(raise_ticket(http, order_id, category="UNMOVED_TRACKING_EVENT"))
    again = raise_ticket(http, order_id, category="UNMOVED_TRACKING_EVENT")
    assert again.status_code == 422 and again.json()["error"]["type"] == "ticket_in_process"


@pytest.mark.parametrize(
    "script",
    [
        "  - at: 0s\n    do: [{ticket_outcome: {order: parcel, resolution: REJECTED, after: 4h, "
        'note: "The carrier reports normal transit."}}]\n',
        "  - when: {event: ticket.raised, order: parcel}\n    after: 4h\n    do: [{resolve_ticket: "
        '{order: parcel, resolution: REJECTED, note: "The carrier reports normal transit."}}]\n',
    ],
    ids=["ticket_outcome", "resolve_ticket"],
)
def test_a_scenario_scripts_the_rejection_of_a_ticket(script):
    http, _tts, order_id = start(script)
    advance(http, "2d6h1s")
    before = tracking(http, order_id)
    raised = created(raise_ticket(http, order_id, category="UNMOVED_TRACKING_EVENT"))
    advance(http, "4h")
    closed = ticket(http, raised["ticket_id"])
    assert (closed["status"], closed["resolution"]) == ("TICKET_CLOSED", "REJECTED")
    assert closed["resolution_note"] == "The carrier reports normal transit."
    assert closed["close_time"] == "2026-03-04T19:00:01Z"
    assert tracking(http, order_id) == before  # rejected: nothing moves
    assert seller_center_row(http, order_id)["logistics_issue_tags"] == [UNMOVED]
    closed_rows = http.get("/seller-center/orders", params={"logistics_ticket_status": "TICKET_CLOSED"})
    assert [o["order_id"] for o in closed_rows.json()["orders"]] == [order_id]


def test_a_scenario_raises_a_ticket_and_the_categories_are_listed():
    http, _tts, order_id = start(
        "  - when: {event: carrier.tracking_stalled, order: parcel}\n    after: 2d1s\n"
        "    do: [{raise_ticket: {order: parcel, category: UNMOVED_TRACKING_EVENT}}]\n"
    )
    advance(http, "2d6h1s")
    [raised] = http.get("/seller-center/tickets", params={"order_id": order_id}).json()["tickets"]
    assert raised["status"] == "TICKET_IN_PROCESS"
    categories = http.get("/seller-center/tickets/categories").json()["categories"]
    assert [(c["category"], c["logistics_issue_tag"], c["evidence_needed"]) for c in categories] == [
        ("PICKED_UP_NOT_UPDATED", "Picked up but logistics status not updated", True),
        ("UNMOVED_TRACKING_EVENT", UNMOVED, False),
        ("DELIVERED_NOT_UPDATED", DELIVERED_NOT_UPDATED, True),
        ("FAILED_RETURN_PACKAGE", None, False),
    ]


def test_an_evidence_file_named_beyond_ascii_downloads_under_its_name():
    http, _tts, order_id = start()
    advance(http, "2d6h1s")
    raised = created(
        raise_ticket(
            http,
            order_id,
            files=[("写真 1.png", EVIDENCE_PNG, "image/png")],
            category="UNMOVED_TRACKING_EVENT",
        )
    )
    assert raised["evidence"][0]["name"] == "写真 1.png"
    download = http.get(raised["evidence"][0]["url"])
    assert download.status_code == 200 and download.content == EVIDENCE_PNG
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"__ 1.png\"; filename*=UTF-8''%E5%86%99%E7%9C%9F%201.png"
    )
