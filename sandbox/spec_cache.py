"""The OpenAPI specs in a prepared form, so that a start does not parse YAML.

Parsing the four YAML specs, deep-copying them for each build, and connexion's own deep copy
and resolution of their ``$ref``s were a third of the time from `tts-sandbox serve` to its first
answer. The prepared form of a spec file is two JSON documents: the spec as parsed, and the spec
as connexion resolves it for routing and validation (its defaults set, every ``$ref`` replaced by
what it names). orjson reads both in a few milliseconds, and each read is a fresh copy, so no
build shares (or deep-copies) another's dicts.

They are kept in the cache folder (sandbox.cache_files), named by a hash of the YAML file's
bytes, of connexion's install and of this format: an edited spec or another connexion gets its
own, never a stale one. Where no folder is writable the specs are parsed each start, as before;
the answers are the same either way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sandbox import cache_files

FORMAT = "1"  # bump when what is stored changes


@dataclass(frozen=True)
class PreparedSpec:
    name: str
    parsed: bytes  # the spec as parsed from YAML, as JSON
    resolved: bytes | None  # as connexion resolves it (connexion_private.resolve_spec), as JSON
    unprepared: dict[str, Any] | None = None  # a spec JSON cannot hold: kept as parsed

    def spec(self) -> dict[str, Any]:
        """A fresh copy of the parsed spec."""
        if self.unprepared is not None:
            return copy.deepcopy(self.unprepared)
        loaded: dict[str, Any] = orjson.loads(self.parsed)
        return loaded

    def resolved_spec(self) -> dict[str, Any] | None:
        """A fresh copy of the resolved spec, or None for connexion to resolve it itself."""
        if self.resolved is None:
            return None
        loaded: dict[str, Any] = orjson.loads(self.resolved)
        return loaded


def prepare(path: Path) -> PreparedSpec:
    """The prepared form of the spec file at ``path``: read from the cache, or made and stored."""
    text = path.read_bytes()
    from connexion import json_schema, spec

    # connexion's resolution is part of what is stored: another install of it gets its own.
    made_by = ";".join(cache_files.installed(m.__name__) for m in (json_schema, spec))
    name = f"specs/{path.stem}-{cache_files.key(FORMAT, made_by, text)}"
    parsed, resolved = cache_files.read(f"{name}.parsed.json"), cache_files.read(f"{name}.resolved.json")
    if parsed is not None and resolved is not None:
        return PreparedSpec(path.name, parsed, resolved)
    prepared = _made(path.name, text)
    if prepared.resolved is not None:
        cache_files.write(f"{name}.resolved.json", prepared.resolved)
        cache_files.write(f"{name}.parsed.json", prepared.parsed)
    return prepared


def _made(name: str, text: bytes) -> PreparedSpec:
    import yaml

    from sandbox.http.connexion_private import resolve_spec

    # libyaml's loader is several times faster than the pure-Python one connexion would use.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(text, Loader=loader)
    try:
        parsed = orjson.dumps(spec)
    except TypeError:
        parsed = b""
    if not parsed or orjson.loads(parsed) != spec:
        # Not JSON through and through (a YAML date, a number as a key): no prepared form can
        # stand for it, and connexion is given the parsed spec, as before.
        return PreparedSpec(name, b"", None, unprepared=spec)
    return PreparedSpec(name, parsed, orjson.dumps(resolve_spec(orjson.loads(parsed))))
