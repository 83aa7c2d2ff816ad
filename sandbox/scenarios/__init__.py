"""YAML scenarios: script a tenant's world in virtual time and state what the client should do."""

from sandbox.scenarios.loader import ScenarioError, parse_scenario
from sandbox.scenarios.model import Scenario

__all__ = ["Scenario", "ScenarioError", "parse_scenario"]
