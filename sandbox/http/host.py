"""What the handlers need from the sandbox that runs them, as protocols.

``sandbox.app`` builds the HTTP stack out of this package, so this package does not import it
back: it says here what it uses, and ``sandbox.app.Sandbox`` provides that without naming these
classes (mypy checks that it fits where the sandbox is handed over). A protocol has only the
members its users read, so what a handler can reach is written here and grows only on purpose.

Every member is read when a request needs it: a test may replace the tenants of a sandbox whose
app already exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sandbox.dispatcher import Dispatcher
    from sandbox.scenarios import Scenario
    from sandbox.tenants import Tenant, TenantRegistry


class ControlPlane(Protocol):
    """What the control plane's handlers reach beyond the tenant of their request.

    Handlers of the platform's API have none of it: they read their tenant's world and shop
    from the request context. The control plane lists, creates and imports tenants, parses
    scenarios against the Open API's operations and runs the webhook dispatcher; the token
    endpoints and the document links look up the tenant their request names.
    """

    @property
    def tenants(self) -> TenantRegistry: ...

    @property
    def dispatcher(self) -> Dispatcher:
        """Sends the tenants' due webhooks (``run_due()``)."""
        ...

    def parse_scenario(self, text: str | bytes, source: str) -> Scenario:
        """A scenario checked against the operations the sandbox serves; raises ScenarioError."""
        ...

    def import_tenant(self, tenant: Tenant) -> bool:
        """Put an imported tenant in place and write it; True if it replaced one. Raises
        TenantRefused when the sandbox is full."""
        ...
