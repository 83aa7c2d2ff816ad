"""What the gateway learned about a request (tenant, shop), handed to the handlers.

A platform handler reads its tenant's world from here (``current().world``) and nothing else of
the sandbox. The control plane's handlers also reach ``current().control``: the few things of the
sandbox they act on beyond one tenant (``sandbox.http.host.ControlPlane``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.http.connexion_private import current_context

if TYPE_CHECKING:
    from sandbox.http.host import ControlPlane
    from sandbox.tenants import Tenant
    from sandbox.world import Shop, World

CONTEXT_KEY = "tts"


@dataclass(frozen=True)
class RequestContext:
    control: ControlPlane  # for the control plane's handlers only
    tenant: Tenant | None = None
    shop: Shop | None = None
    base_url: str = ""  # as the client reached the server, for links it is given

    @property
    def world(self) -> World:
        assert self.tenant is not None, "operation has no tenant"
        return self.tenant.world


def current() -> RequestContext:
    ctx: RequestContext = current_context()[CONTEXT_KEY]
    return ctx


def json_object(body: Any) -> dict[str, Any]:
    """The validated JSON body, or ``{}`` when the client sent none.

    Connexion hands an omitted optional body over as its raw bytes (the schema default is not
    decoded without a JSON content type), so anything but a dict here means "no body".
    """
    return dict(body) if isinstance(body, dict) else {}
