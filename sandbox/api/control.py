"""Control plane: tenants, virtual time, reset, auth codes and buyer actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox import __version__
from sandbox.clock import ClockError
from sandbox.domain.codes import Code
from sandbox.domain.events import RuleViolation
from sandbox.durations import InvalidDuration, iso, parse_duration
from sandbox.http.context import current, json_object
from sandbox.http.envelope import ControlError, instant_param
from sandbox.tenants import Tenant, TenantRefused
from sandbox.views import order_view
from sandbox.world import World

if TYPE_CHECKING:
    from sandbox.world.core import Advancing

Response = tuple[dict[str, Any], int]


def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__, "tenants": len(current().control.tenants.all())}


def list_tenants(**_: Any) -> dict[str, Any]:
    return {"tenants": [t.credentials() for t in current().control.tenants.all()]}


def get_default_tenant(**_: Any) -> dict[str, Any]:
    return current().control.tenants.default.credentials()


def get_tenant(app_key: str, **_: Any) -> dict[str, Any]:
    tenant = current().control.tenants.get(app_key)
    if tenant is None:
        raise ControlError(404, "unknown_tenant", f"no tenant has app_key '{app_key}'")
    return tenant.credentials()


def deauthorize_tenant(app_key: str, **_: Any) -> dict[str, Any]:
    tenant = current().control.tenants.get(app_key)
    if tenant is None:
        raise ControlError(404, "unknown_tenant", f"no tenant has app_key '{app_key}'")
    try:
        at = tenant.world.deauthorize()
    except RuleViolation as exc:
        raise ControlError(409, "not_authorized", exc.message) from exc
    return {"app_key": tenant.app_key, "shop_id": tenant.shop.id, "deauthorized_at": iso(at)}


def create_tenant(body: dict[str, Any] | None = None, **_: Any) -> Response:
    options = json_object(body)
    if "start" in options:
        options["start"] = instant_param(options["start"], "start")
    try:
        tenant = current().control.tenants.create(**options)
    except TenantRefused as exc:
        raise ControlError(400, "invalid_tenant", exc.message) from exc
    return tenant.credentials(), 201


def _tenant() -> Tenant:
    tenant = current().tenant
    assert tenant is not None
    return tenant


def _clock_state(world: World, fired: int | None = None) -> dict[str, Any]:
    # Read from what the world keeps (the heap's top, the live deadlines by rule): the same cost
    # at any size, where sorting every pending deadline held the world for seconds.
    upcoming = world.next_deadlines()
    by_rule = world.pending_by_rule()
    now = world.now()
    state: dict[str, Any] = {
        "tenant": _tenant().app_key,
        "now": iso(now),
        "now_unix": int(now.timestamp()),
        "frozen": world.clock.frozen,
        "started_at": iso(world.started_at),
        "pending_deadlines": sum(by_rule.values()),
        "next_deadline": iso(upcoming[0].due) if upcoming else None,
        "next_deadlines": [{"due": iso(d.due), "rule": d.rule, "subject": d.subject} for d in upcoming],
        "pending_by_rule": by_rule,
    }
    if fired is not None:
        state["fired"] = fired
    return state


def get_clock(**_: Any) -> dict[str, Any]:
    world = _tenant().world
    if not world.lock.acquire(blocking=False):
        # A long advance holds the world: answer how far it has got instead of waiting for it.
        advancing = world.advancing
        if advancing is not None:
            return _advancing_state(world, advancing)
        world.lock.acquire()
    try:
        with world.session():
            return _clock_state(world)
    finally:
        world.lock.release()


def _advancing_state(world: World, advancing: Advancing) -> dict[str, Any]:
    """The clock while an advance is under way, from the advance's own record (the next deadlines
    and the counts by rule are left out: reading them needs the world the advance is changing)."""
    reached = advancing.reached
    return {
        "tenant": _tenant().app_key,
        "now": iso(reached),
        "now_unix": int(reached.timestamp()),
        "frozen": world.clock.frozen,
        "started_at": iso(world.started_at),
        "pending_deadlines": advancing.pending,
        "advancing": {
            "from": iso(advancing.began),
            "to": iso(advancing.target),
            "reached": iso(reached),
            "fired": advancing.fired,
            "percent": advancing.percent,
        },
    }


def freeze_clock(body: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    raw_at = json_object(body).get("at")
    at = instant_param(raw_at, "at")
    with _tenant().world.session() as world:
        try:
            world.freeze(at)
        except ClockError as exc:
            raise ControlError(409, "clock_backwards", str(exc)) from exc
        return _clock_state(world)


def advance_clock(body: dict[str, Any], **_: Any) -> dict[str, Any]:
    by, to = json_object(body).get("by"), json_object(body).get("to")
    if (by is None) == (to is None):
        raise ControlError(
            400,
            "invalid_advance",
            "give exactly one of 'by' (a duration such as '2h' or '3d12h') and 'to' (an ISO 8601 instant)",
        )
    with _tenant().world.session() as world:
        if by is not None:
            try:
                delta = parse_duration(by)
            except InvalidDuration as exc:
                raise ControlError(400, "invalid_duration", str(exc)) from exc
            target = world.now() + delta
        else:
            target = instant_param(to, "to")
        try:
            fired = world.advance_to(target)
        except ClockError as exc:
            raise ControlError(409, "clock_backwards", str(exc)) from exc
        return _clock_state(world, fired)


def resume_clock(**_: Any) -> dict[str, Any]:
    with _tenant().world.session() as world:
        world.resume()
        return _clock_state(world)


def reset(**_: Any) -> dict[str, Any]:
    world = _tenant().world
    world.reset()
    with world.session():
        return _clock_state(world)


def list_deadlines(limit: int | None = None, **_: Any) -> dict[str, Any]:
    with _tenant().world.session() as world:
        pending = world.pending_deadlines() if limit is None else world.next_deadlines(limit)
        return {"deadlines": [{"due": iso(d.due), "rule": d.rule, "subject": d.subject} for d in pending]}


def list_events(
    after: int = 0, kind: str | None = None, subject: str | None = None, limit: int = 1000, **_: Any
) -> dict[str, Any]:
    with _tenant().world.session() as world:
        picked = []
        for recorded in world.events:
            e = recorded.event
            if recorded.seq <= after or (kind and e.kind != kind) or (subject and e.subject != subject):
                continue
            picked.append(
                {
                    "seq": recorded.seq,
                    "at": iso(e.at),
                    "kind": e.kind,
                    "subject": e.subject,
                    "data": e.data,
                }
            )
            if len(picked) >= limit:
                break
        return {"events": picked, "dropped": world.events_dropped}


def create_auth_code(**_: Any) -> Response:
    code = _tenant().world.issue_auth_code()
    return {"auth_code": code.value, "expires_at": iso(code.expires_at)}, 201


def _order_state(order: Any) -> dict[str, Any]:
    sla = order.cancel_order_sla_time
    return {
        "id": order.id,
        "status": order.status.value,
        "update_time": int(order.update_time.timestamp()),
        "is_buyer_request_cancel": order.is_buyer_request_cancel,
        "cancel_order_sla_time": int(sla.timestamp()) if sla else None,
    }


def _order_action(action: Any, order_id: str, *args: Any) -> dict[str, Any]:
    try:
        return _order_state(action(order_id, *args))
    except RuleViolation as exc:
        status, kind = (
            (404, "unknown_order") if exc.code == Code.ORDER_NOT_FOUND else (409, "illegal_transition")
        )
        raise ControlError(status, kind, exc.message) from exc


def pay_order(order_id: str, **_: Any) -> dict[str, Any]:
    return _order_action(_tenant().world.pay_order, order_id)


def buyer_cancel_order(order_id: str, body: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    return _order_action(_tenant().world.buyer_cancels, order_id, json_object(body).get("reason"))


def _return_action(action: Any, order_id: str, *args: Any) -> dict[str, Any]:
    try:
        record = action(order_id, *args)
    except RuleViolation as exc:
        status, kind = (
            (404, "unknown_order") if exc.code == Code.ORDER_NOT_FOUND else (409, "illegal_transition")
        )
        raise ControlError(status, kind, exc.message) from exc
    due = record.response_due
    return {
        "return_id": record.id,
        "order_id": record.order_id,
        "return_status": record.status.value,
        "return_type": record.type.value,
        "return_tracking_number": record.return_tracking_number,
        "seller_response_deadline": int(due.timestamp()) if due else None,
    }


def buyer_request_return(order_id: str, body: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    from sandbox.domain.aftersales import ReturnType

    request = json_object(body)
    kind = ReturnType(request.get("type", "RETURN_AND_REFUND"))
    reason = request.get("reason", "Item not as described")
    return _return_action(_tenant().world.buyer_requests_return, order_id, kind, reason)


def buyer_edit_return(order_id: str, body: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    from sandbox.domain.aftersales import ReturnType

    request = json_object(body)
    kind = ReturnType(request.get("type", "RETURN_AND_REFUND"))
    reason = request.get("reason", "Item not as described")
    return _return_action(_tenant().world.buyer_edits_return, order_id, kind, reason)


def buyer_ship_return(order_id: str, **_: Any) -> dict[str, Any]:
    return _return_action(_tenant().world.buyer_ships_return, order_id)


def buyer_cancel_return(order_id: str, **_: Any) -> dict[str, Any]:
    return _return_action(_tenant().world.buyer_cancels_return, order_id)


def buyer_accept_partial_refund(order_id: str, **_: Any) -> dict[str, Any]:
    return _return_action(_tenant().world.buyer_accepts_partial_refund, order_id)


def buyer_reject_partial_refund(order_id: str, **_: Any) -> dict[str, Any]:
    return _return_action(_tenant().world.buyer_rejects_partial_refund, order_id)


def get_order_view(order_id: str, **_: Any) -> dict[str, Any]:
    with _tenant().world.session() as world:
        return order_view(world, order_id)
