"""The house rules, checked on the source: each kind of thing has one room.

HTTP (sandbox.http, the handlers in sandbox.api) -> world (the sandbox.world package, the only
caller of ``apply``) -> domain (sandbox.domain: every rule, every error code, every timed rule's name).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sandbox.domain import rules
from sandbox.domain.codes import Code
from sandbox.timed_rules import TIMED_RULES

PACKAGE = Path(__file__).resolve().parent.parent / "sandbox"


def sources() -> dict[str, str]:
    return {str(p.relative_to(PACKAGE.parent)): p.read_text() for p in sorted(PACKAGE.rglob("*.py"))}


def calls(text: str, name: str) -> list[int]:
    """Lines that call ``name`` (as a function or a method)."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                found.append(node.lineno)
    return found


def imports(text: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_only_the_world_applies_outcomes():
    applying = {path: lines for path, text in sources().items() if (lines := calls(text, "apply"))}
    outside = {path: lines for path, lines in applying.items() if not path.startswith("sandbox/world/")}
    assert outside == {}, f"apply() called outside the world package (sandbox/world/): {outside}"
    assert "sandbox/world/core.py" in applying, "the world's core no longer applies outcomes"


def test_rules_are_refused_only_in_the_domain():
    raised = {
        path: lines
        for path, text in sources().items()
        if not path.startswith("sandbox/domain/") and (lines := calls(text, "RuleViolation"))
    }
    assert raised == {}, raised


def test_platform_error_codes_are_numbers_only_in_the_codes_module():
    # Every code the sandbox answers has eight digits or starts with 10 (the gateway's six).
    literal = re.compile(r"(?<![\w.])(10\d{4}|[2-9]\d{7})(?![\w.])")
    found = {
        path: literal.findall(text)
        for path, text in sources().items()
        if path != "sandbox/domain/codes.py" and literal.search(text)
    }
    assert found == {}, found


def test_every_code_is_defined_once():
    values = [c.value for c in Code]
    assert len(values) == len(set(values))
    assert all(c.message for c in Code)


def test_timed_rule_names_are_spelled_only_in_their_module():
    spelled = re.compile(r"[\"'](" + "|".join(rules.ALL) + r")[\"']")
    found = {
        path: spelled.findall(text)
        for path, text in sources().items()
        if path != "sandbox/domain/rules.py" and spelled.search(text)
    }
    # The Seller Center's to-do list has a "stocking_timeout" entry of its own (a list, not a rule).
    assert found == {"sandbox/domain/manage_orders.py": ["stocking_timeout"]}, found


def test_every_timed_rule_has_what_fires_it():
    assert set(TIMED_RULES) == set(rules.ALL)


UPPER = {"sandbox.http", "sandbox.api", "sandbox.web", "sandbox.app", "sandbox.views"}


def test_imports_point_down_only():
    for path, text in sources().items():
        found = imports(text)
        upward = {m for m in found if ".".join(m.split(".")[:2]) in UPPER}
        if path.startswith("sandbox/domain/"):
            assert not {
                m for m in found if m.startswith("sandbox.") and not m.startswith("sandbox.domain")
            } - {
                "sandbox.durations",
                "sandbox.fakes",
            }, (path, found)
        if path.startswith(("sandbox/world/", "sandbox/scenarios/")) or path == "sandbox/timed_rules.py":
            assert not upward, (path, upward)
        if path.startswith("sandbox/web/"):
            assert not {m for m in found if m.startswith("sandbox.api")}, (path, found)
