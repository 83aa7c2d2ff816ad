"""One tenant's universe: its clock, its state, its queue of timed rules and its random generator.

The names other modules use, handed on from the modules of this package (``world.py`` says which
family of operations lives where).
"""

from sandbox.counters import counter_value
from sandbox.world.fulfillment import DeliveryReport, ShipRequest
from sandbox.world.profile import Shop, WorldProfile
from sandbox.world.records import EVENT_LOG_CAP, RecordedEvent, _Queued
from sandbox.world.scenarios import ScenarioConflict
from sandbox.world.world import World

# Snapshots (format 3) name the classes they hold by module, and these were defined in
# sandbox.world before it became a package: keeping it as their home keeps the snapshots written
# before loading, and the ones written now byte for byte what the same world always wrote.
for _pickled in (World, Shop, WorldProfile, RecordedEvent, _Queued):
    _pickled.__module__ = __name__
del _pickled

__all__ = [
    "EVENT_LOG_CAP",
    "DeliveryReport",
    "RecordedEvent",
    "ScenarioConflict",
    "ShipRequest",
    "Shop",
    "World",
    "WorldProfile",
    "counter_value",
]
