"""The tests' own house rules: a folder per layer or way in, and one module of shared helpers.

No test imports another test module or ``conftest``: what two files share lives in
``tests/helpers.py``, and the domain tests' builders stay in their folder.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FOLDERS = {"domain", "world", "http", "api", "contract", "scenarios", "cli", "inprocess", "web", "docs"}
SHARED = {"helpers.py", "conftest.py", "test_layers.py", "test_layout.py"}


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_test_file_sits_in_a_layer_folder():
    loose = {p.name for p in TESTS.glob("*.py")} - SHARED
    assert not loose, f"put these in one of the folders {sorted(FOLDERS)}: {sorted(loose)}"
    assert {p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))} <= FOLDERS


def test_no_test_imports_another_test_module_or_conftest():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for module in imported_modules(path):
            last = module.rsplit(".", 1)[-1]
            if (
                last == "conftest"
                or last.startswith("test_")
                or (module.startswith("tests.") and module != "tests.helpers")
            ):
                offenders.append(f"{path.relative_to(TESTS)} imports {module}")
            elif module == "domain_builders" and path.parent.name != "domain":
                offenders.append(f"{path.relative_to(TESTS)} imports the domain tests' builders")
    assert not offenders, "share through tests/helpers.py instead:\n" + "\n".join(offenders)


def test_the_domain_tests_load_no_web_stack():
    """They run in seconds because nothing they import reaches the app, the world or HTTP."""
    heavy = (
        "sandbox.app",
        "sandbox.world",
        "sandbox.http",
        "sandbox.api",
        "sandbox.inprocess",
        "flask",
        "connexion",
    )
    for path in sorted((TESTS / "domain").glob("*.py")):
        reached = {m for m in imported_modules(path) if m.startswith(heavy)}
        assert not reached, f"{path.name} imports {sorted(reached)}"
    # The shared helpers may reach them only from inside a function, when a test calls it.
    loaded = {m for m in imported_at_load(TESTS / "helpers.py") if m.startswith(heavy)}
    assert not loaded, f"helpers.py imports {sorted(loaded)} as it loads"


def imported_at_load(path: Path) -> set[str]:
    """What a module imports as it is loaded: its top-level imports, not those in functions or
    under ``if TYPE_CHECKING``."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found
