"""The fake carrier's own API: shipments and labels, tracking, pickups, delivery attempts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.documents import pdf
from sandbox.domain.carrier import Shipment
from sandbox.domain.events import RuleViolation
from sandbox.durations import iso
from sandbox.http.context import current, json_object
from sandbox.http.envelope import ControlError
from sandbox.world import World


def _shipment(world: World, tracking_number: str) -> Shipment:
    shipment = world.logistics.shipments.get(tracking_number)
    if shipment is None:
        raise ControlError(404, "unknown_shipment", f"no shipment has tracking number {tracking_number}")
    return shipment


def _render(shipment: Shipment, base_url: str) -> dict[str, Any]:
    last = shipment.events[-1] if shipment.events else None
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": {"id": shipment.provider_id, "name": shipment.provider_name},
        "status": shipment.status.value,
        "status_detail": shipment.last_detail_code,
        "order_id": shipment.order_id or None,
        "package_id": shipment.package_id or None,
        "weight_grams": shipment.weight_grams,
        "origin": shipment.origin_city,
        "destination": shipment.destination_city,
        "created_at": iso(shipment.created_at),
        "updated_at": iso(last.at) if last else iso(shipment.created_at),
        "label_url": f"{base_url}/carrier/v1/shipments/{shipment.tracking_number}/label",
        "pickup": (
            {"window_start": iso(shipment.pickup_window[0]), "window_end": iso(shipment.pickup_window[1])}
            if shipment.pickup_window
            else None
        ),
        "events": [
            {
                "status": e.status.value,
                "detail_code": e.detail_code,
                "message": e.message,
                "location": e.location,
                "time": iso(e.at),
            }
            for e in shipment.events
        ],
    }


def create_shipment(body: Any, **_: Any) -> tuple[dict[str, Any], int]:
    request = json_object(body)
    ctx = current()
    with ctx.world.session() as world:
        try:
            shipment = world.create_carrier_shipment(
                request.get("carrier_id", ""),
                request["weight_grams"],
                request.get("destination_city", ""),
                request.get("order_id", ""),
            )
        except RuleViolation as exc:
            raise ControlError(400, "unknown_carrier", exc.message) from exc
        return _render(shipment, ctx.base_url), 201


def get_shipment(tracking_number: str, **_: Any) -> dict[str, Any]:
    ctx = current()
    with ctx.world.session() as world:
        return _render(_shipment(world, tracking_number), ctx.base_url)


def get_label(tracking_number: str, **_: Any) -> tuple[bytes, int, dict[str, str]]:
    with current().world.session() as world:
        shipment = _shipment(world, tracking_number)
        document = pdf(
            [
                [
                    (14, f"{shipment.provider_name}  -  GROUND"),
                    (10, f"FROM: {shipment.origin_city}"),
                    (10, f"TO: {shipment.destination_city}"),
                    (16, f"TRACKING: {shipment.tracking_number}"),
                    (9, f"Weight {shipment.weight_grams} g"),
                ]
            ]
        )
        return document, 200, {"Content-Type": "application/pdf"}


def get_tracking(tracking_number: str, **_: Any) -> dict[str, Any]:
    ctx = current()
    with ctx.world.session() as world:
        rendered = _render(_shipment(world, tracking_number), ctx.base_url)
        return {k: rendered[k] for k in ("tracking_number", "carrier", "status", "status_detail", "events")}


def get_attempts(tracking_number: str, **_: Any) -> dict[str, Any]:
    with current().world.session() as world:
        shipment = _shipment(world, tracking_number)
        return {
            "tracking_number": tracking_number,
            "attempts": [
                {
                    "number": i + 1,
                    "time": iso(a.at),
                    "result": "DELIVERED" if a.delivered else "FAILED",
                    "reason": a.failure.value if a.failure else None,
                }
                for i, a in enumerate(shipment.attempts)
            ],
        }


def schedule_pickup(body: Any, **_: Any) -> tuple[dict[str, Any], int]:
    request = json_object(body)
    window = (
        datetime.fromtimestamp(request["window_start"], UTC),
        datetime.fromtimestamp(request["window_end"], UTC),
    )
    ctx = current()
    with ctx.world.session() as world:
        numbers = request["tracking_numbers"]
        if len(set(numbers)) != len(numbers):
            raise ControlError(400, "duplicate_tracking_number", "each tracking number may appear once")
        shipments = [_shipment(world, number) for number in numbers]
        for shipment in shipments:  # all or nothing
            if shipment.collected_at is not None or shipment.collection_due is not None:
                raise ControlError(
                    409,
                    "already_scheduled",
                    f"shipment {shipment.tracking_number} already has a pickup or was collected",
                )
        if window[0] < world.now() or window[1] <= window[0]:
            raise ControlError(
                400, "invalid_window", "the pickup window must start in the future and end after it starts"
            )
        world.schedule_pickups(shipments, window)
        return {
            "tracking_numbers": [s.tracking_number for s in shipments],
            "window_start": iso(window[0]),
            "window_end": iso(window[1]),
        }, 201
