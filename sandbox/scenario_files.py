"""Where scenario files are found: a path, the places a caller names, or the bundled scenarios.

Kept apart from sandbox.scenarios (which loads the schema and the engine) so that the pytest
plugin can import it without slowing every test session's start.
"""

from __future__ import annotations

from pathlib import Path

_BESIDE = Path(__file__).resolve().parent.parent / "scenarios"
# The repository's scenarios/ folder, or the copy an installed package carries.
BUNDLED = (
    _BESIDE if (_BESIDE / "schema.json").is_file() else Path(__file__).resolve().parent / "bundled_scenarios"
)


def find_scenario(name: str, *places: Path) -> Path | None:
    """The scenario file ``name``: as a path, else in each of ``places``, else the bundled
    scenario of that name (``three-failed-attempts.yaml``, or ``three-failed-attempts``); None if
    there is none."""
    candidates = [Path(name), *(place / name for place in places), BUNDLED / name]
    if not name.endswith((".yaml", ".yml")):
        candidates.append(BUNDLED / f"{name}.yaml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def bundled_names() -> list[str]:
    """The bundled scenarios' names, as find_scenario takes them (``three-failed-attempts``)."""
    return sorted(path.stem for path in BUNDLED.glob("*.yaml"))
