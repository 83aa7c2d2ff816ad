"""Seller-pushed tracking (fulfillment 202609): the tracking events of parcels the seller delivers
itself, each answered on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.domain.seller_feed import PushedEvent
from sandbox.http.context import current, json_object
from sandbox.http.envelope import success


def _pushed(track: dict[str, Any]) -> PushedEvent:
    return PushedEvent(
        action_code=track["action_code"],
        occur_time=datetime.fromtimestamp(track["occur_time"], UTC),
        description=track.get("description", ""),
        tracking_no=track.get("tracking_no", ""),
        failed_reason=track.get("failed_reason", ""),
        city=(track.get("location") or {}).get("city", ""),
    )


def update_tracking_status(body: Any, **_: Any) -> dict[str, Any]:
    request = json_object(body)
    tracks = request["tracks"]
    pushed = [_pushed(track) for track in tracks]
    with current().world.session() as world:
        answers = world.push_seller_tracking(request["order_id"], request.get("country", ""), pushed)
        results = []
        for track, (refused, number) in zip(tracks, answers, strict=True):
            results.append(
                {
                    "action_code": track["action_code"],
                    "occur_time": track["occur_time"],
                    "description": track.get("description", ""),
                    "tracking_no": track.get("tracking_no") or number,
                    "code": int(refused.code) if refused is not None else 0,
                    "message": refused.message if refused is not None else "Success",
                }
            )
        return success(world.next_request_id(), {"track_results": results})
