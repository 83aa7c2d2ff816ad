"""The carrier's own API: shipments opened directly with the carrier, and pickups booked for them."""

from __future__ import annotations

from datetime import datetime

from sandbox.domain.carrier import Shipment
from sandbox.world.core import WorldCore


class CarrierOperations(WorldCore):
    def create_carrier_shipment(
        self, provider_id: str, weight_grams: int, destination_city: str, order_id: str = ""
    ) -> Shipment:
        with self.session():
            provider = self.logistics.provider(provider_id or self.logistics.providers()[0].id)
            shipment, outcome = self.logistics.create_carrier_shipment(
                provider, weight_grams, destination_city, self.clock.now(), order_id
            )
            self.apply(outcome)
            return shipment

    def schedule_pickups(self, shipments: list[Shipment], window: tuple[datetime, datetime]) -> None:
        """Book one pickup window for several shipments, all or nothing."""
        with self.session():
            now = self.clock.now()
            for shipment in shipments:
                self.logistics.check_pickup(shipment, window, now)
            for shipment in shipments:
                self.apply(self.logistics.schedule_pickup(shipment, window, now))
