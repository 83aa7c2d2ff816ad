"""Every YAML example in scenarios/README.md is a valid scenario, and its Python example runs."""

from __future__ import annotations

import re

import pytest

from sandbox.app import Sandbox
from tests.helpers import ROOT

DOC = (ROOT / "scenarios" / "README.md").read_text()
EXAMPLES = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)


def test_the_guide_has_an_example_per_construct():
    text = "\n".join(EXAMPLES)
    for construct in (
        "setup:",
        "orders:",
        "line_items:",
        "buyer:",
        "at:",
        "repeat:",
        "when:",
        "after:",
        "times:",
        "client_calls:",
        "client_never_calls:",
        "until:",
        "pay:",
        "buyer_cancel:",
    ):
        assert construct in text, construct


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.split("\n", 1)[0])
def test_guide_example_is_a_valid_scenario_that_loads(example):
    sandbox = Sandbox(order_count=0)
    run = sandbox.load_scenario(example)
    assert run.scenario.name


def test_guide_python_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    for block in re.findall(r"```python\n(.*?)```", DOC, flags=re.S):
        exec(compile(block, "scenarios/README.md", "exec"), {})


def test_guide_lists_every_action_and_event():
    from sandbox.domain.events import EVENT_KINDS
    from sandbox.scenarios.actions import ACTIONS

    for name in ACTIONS:
        assert f"| `{name}` |" in DOC
    for kind in EVENT_KINDS:
        assert f"`{kind}`" in DOC


def test_guide_lists_every_operation_a_client_can_call():
    section = DOC.split("### Operations the client can call")[1]
    listed = set(re.findall(r"`([a-z_]+)`", section))
    assert listed == Sandbox(order_count=0).operations
