"""What the gateway learned about a request (tenant, shop), handed to the handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from connexion import context as connexion_context

if TYPE_CHECKING:
    from sandbox.app import Sandbox
    from sandbox.tenants import Tenant
    from sandbox.world import Shop, World

CONTEXT_KEY = "tts"


@dataclass(frozen=True)
class RequestContext:
    sandbox: Sandbox
    tenant: Tenant | None = None
    shop: Shop | None = None

    @property
    def world(self) -> World:
        assert self.tenant is not None, "operation has no tenant"
        return self.tenant.world


def current() -> RequestContext:
    ctx: RequestContext = connexion_context.context[CONTEXT_KEY]
    return ctx
