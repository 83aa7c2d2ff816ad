"""The house rules, checked on the source: each kind of thing has one room.

HTTP (sandbox.http, the handlers in sandbox.api) -> world (the sandbox.world package, the only
caller of ``apply``) -> domain (sandbox.domain: every rule, every error code, every timed rule's name).
"""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import yaml

from sandbox.domain import rules
from sandbox.domain.codes import Code
from sandbox.http.context import RequestContext
from sandbox.timed_rules import TIMED_RULES

PACKAGE = Path(__file__).resolve().parent.parent / "sandbox"
SPECS = PACKAGE.parent / "openapi"


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


def imported_modules(path: str, text: str) -> set[str]:
    """Every module a source file imports, by its absolute name: relative imports resolved, and
    ``from sandbox import app`` counted as ``sandbox.app`` too."""
    package = path.removesuffix(".py").split("/")[:-1]
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_http_package_does_not_import_the_app():
    # sandbox.app builds the pipeline out of sandbox.http, which knows the sandbox only by the
    # protocols of sandbox/http/host.py: not even a type-checking import goes back up.
    found = {
        path: sorted(
            m for m in imported_modules(path, text) if m == "sandbox.app" or m.startswith("sandbox.app.")
        )
        for path, text in sources().items()
        if path.startswith("sandbox/http/")
    }
    assert {path: modules for path, modules in found.items() if modules} == {}


def operation_modules(spec: str) -> set[str]:
    """The handler modules of a spec's operations (``control.advance_clock`` -> ``control``)."""
    paths = yaml.safe_load((SPECS / spec).read_text(encoding="utf-8"))["paths"]
    return {
        operation["operationId"].split(".")[0]
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def test_platform_handlers_reach_only_their_tenant():
    # The request context carries the tenant, its world and shop, and, for the control plane, a
    # ControlPlane (sandbox/http/host.py); never the Sandbox. Only the control plane's handlers
    # (openapi/sandbox.yaml) and the token endpoints (unsigned: they look up the app their query
    # names) reach current().control; the platform's (Open API, carrier, Seller Center) do not.
    assert "sandbox" not in {f.name for f in fields(RequestContext)}
    control_plane = operation_modules("sandbox.yaml") | {"tokens"}
    platform = set().union(
        *map(operation_modules, ("tiktok-shop.yaml", "carrier.yaml", "seller-center.yaml"))
    )
    assert not (platform - {"tokens"}) & control_plane
    attributes = {
        Path(path).stem: {node.attr for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Attribute)}
        for path, text in sources().items()
        if path.startswith("sandbox/api/")
    }
    assert {module for module, names in attributes.items() if "sandbox" in names} == set()
    reaching = {module for module, names in attributes.items() if "control" in names}
    assert reaching and reaching <= control_plane, reaching - control_plane


def test_what_the_world_calls_names_the_world_for_types_only():
    """Scenario runs, the webhook outbox and the timed rules take the world as a parameter; an
    import of it outside ``if TYPE_CHECKING:`` would be a real loop of imports."""
    callees = [p for p in sorted(PACKAGE.rglob("*.py")) if p.parts[-2] == "scenarios"]
    callees += [PACKAGE / "timed_rules.py", PACKAGE / "webhooks.py", PACKAGE / "journal.py"]
    for path in callees:
        tree = ast.parse(path.read_text())
        guarded = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sandbox.world"):
                assert id(node) in guarded, (
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports the world"
                )
