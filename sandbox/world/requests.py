"""The client's requests as the world sees them: journaled at the virtual time (where scenarios
watch them), met by the tenant's injected faults, and given the platform's request IDs."""

from __future__ import annotations

from typing import Any

from sandbox.faults import Decision, FaultedRequest
from sandbox.journal import JournalEntry
from sandbox.world.core import WorldCore


class RequestOperations(WorldCore):
    def record_request(self, **fields: Any) -> JournalEntry:
        """Journal a client request at the current virtual time and tell whoever listens."""
        with self.session():
            entry = JournalEntry(seq=self.journal.next_seq(), at=self.clock.now(), **fields)
            self.journal.append(entry)
            for listener in self.request_listeners:
                listener(entry)
            for run in list(self.scenarios.values()):
                self.apply(run.on_request(entry))
            return entry

    def decide_faults(self, request: FaultedRequest, wall: float) -> Decision:
        """What the tenant's injected faults make of a request, by the current virtual time."""
        with self.lock:
            return self.faults.decide(request, self.clock.now(), wall)

    def next_request_id(self) -> str:
        # Deterministic: derived from virtual time and a per-world counter, like the platform's
        # timestamp-prefixed request IDs.
        return self.clock.now().strftime("%Y%m%d%H%M%S") + f"{next(self._request_seq):020X}"
