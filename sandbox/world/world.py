"""The world handlers, scenarios and timed rules talk to: one tenant's universe, composed of its
core and one module per family of operations.

- ``core.py``: building and resetting, pickling, the clock (now, sync, advance_to, freeze, resume),
  the queue of timed rules and ``apply``, the session every operation runs in, and the order
  lookup every family starts from.
- ``requests.py``: the client's requests journaled, met by injected faults, given request IDs.
- ``orders.py``: the order book by creation, and what buyers do (pay, cancel, ask for and send
  back returns).
- ``tokens.py``: auth codes, access and refresh tokens.
- ``tickets.py``: logistics tickets raised, answered, scripted.
- ``fulfillment.py``: shipping packages, shipping information, labels, the seller's own deliveries.
- ``carrier.py``: the carrier's own API (shipments, pickups).
- ``aftersales.py``: the seller's answers to cancellations and returns.
- ``external_orders.py``: the orders' references in the seller's own systems.
- ``markets.py``: operations served in some markets only (bundles, customs, coverage...).
- ``invoices.py``: Brazilian packages' fiscal invoices.
- ``scenarios.py``: loading and unloading scenarios, and the hooks their engine calls.

Each family's methods run under ``session()`` and change the world only through ``apply``.
"""

from __future__ import annotations

from sandbox.world.aftersales import AftersalesOperations
from sandbox.world.carrier import CarrierOperations
from sandbox.world.external_orders import ExternalOrderOperations
from sandbox.world.fulfillment import FulfillmentOperations
from sandbox.world.invoices import InvoiceOperations
from sandbox.world.markets import MarketOperations
from sandbox.world.orders import OrderOperations
from sandbox.world.requests import RequestOperations
from sandbox.world.scenarios import ScenarioOperations
from sandbox.world.tickets import TicketOperations
from sandbox.world.tokens import TokenOperations


class World(
    RequestOperations,
    OrderOperations,
    TokenOperations,
    TicketOperations,
    FulfillmentOperations,
    CarrierOperations,
    AftersalesOperations,
    MarketOperations,
    ScenarioOperations,
    ExternalOrderOperations,
    InvoiceOperations,
):
    """One tenant's universe: its clock, its state, its queue of timed rules and its generator."""
