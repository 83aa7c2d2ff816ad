"""What the request pipeline and the handlers need from the sandbox that runs them, as protocols.

``sandbox.app`` builds the pipeline out of this package, so this package does not import it back:
it says here what it uses, and ``sandbox.app.Sandbox`` provides that without naming these classes
(``Sandbox._build_app`` hands itself over as a ``Host`` and a ``ControlPlane``, where mypy checks
that it fits). A protocol has only the members its users read, so what a stage or a handler can
reach is written here and grows only on purpose.

Every member is read when a request needs it, not copied when the pipeline is built: a test may
replace the tenants or the wall clock of a sandbox whose app already exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sandbox.dispatcher import Dispatcher
    from sandbox.faults import RateLimiter, WallClock
    from sandbox.scenarios import Scenario
    from sandbox.tenants import Tenant, TenantRegistry


class Host(Protocol):
    """What the pipeline's stages (gateway, guards, persister, prepared operations, error
    rendering) read from the sandbox that runs them."""

    @property
    def tenants(self) -> TenantRegistry:
        """Every tenant, by app_key; requests that name none count on the default one."""
        ...

    @property
    def mirror_http_status(self) -> bool:
        """Answer platform errors with their HTTP status instead of the platform's 200."""
        ...

    @property
    def wall_clock(self) -> WallClock:
        """Wall time of the rate limits (the server's, and those injected as faults)."""
        ...

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The platform's requests-per-second limit, when the server enforces it."""
        ...

    @property
    def inline(self) -> bool:
        """In-process mode: every handler runs on the caller's thread."""
        ...

    def persist(self, tenant: Tenant) -> None:
        """Write the tenant whole to the data directory (nothing without one); requests are
        logged by the persister instead (see sandbox.http.persister)."""
        ...


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
