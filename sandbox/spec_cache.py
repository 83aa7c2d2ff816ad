"""The OpenAPI specs in a prepared form, so that a start does not parse YAML.

Parsing the four YAML specs, deep-copying them for each build, and connexion's own deep copy
and resolution of their ``$ref``s were a third of the time from `tts-sandbox serve` to its first
answer. The prepared form of a spec file is two JSON documents: the spec as parsed, and the spec
as connexion resolves it for routing and validation (its defaults set, every ``$ref`` replaced by
what it names). orjson reads both in a few milliseconds, and each read is a fresh copy, so no
build shares (or deep-copies) another's dicts.

They are kept in a cache folder (TTS_SANDBOX_CACHE_DIR, else the user's cache folder), named by a
hash of the YAML file's bytes, of connexion's version and of this format: an edited spec or
another install of connexion gets its own, never a stale one. Where no folder is writable the specs are
parsed each start, as before; the answers are the same either way.
"""

from __future__ import annotations

import copy
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

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


def cache_dir() -> Path:
    configured = os.environ.get("TTS_SANDBOX_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tiktok-shop-sandbox"


def prepare(path: Path) -> PreparedSpec:
    """The prepared form of the spec file at ``path``: read from the cache, or made and stored."""
    text = path.read_bytes()
    key = hashlib.sha256(b"%s\0%s\0%s" % (FORMAT.encode(), _connexion_stamp().encode(), text)).hexdigest()
    stored = cache_dir() / f"{path.stem}-{key[:24]}"
    try:
        return PreparedSpec(
            path.name, (stored / "parsed.json").read_bytes(), (stored / "resolved.json").read_bytes()
        )
    except OSError:
        pass
    prepared = _made(path.name, text)
    if prepared.unprepared is None:
        _store(stored, prepared)
    return prepared


def _connexion_stamp() -> str:
    """What tells one install of connexion's spec resolution from another (reading its version
    from the package metadata would cost more than the rest of the lookup)."""
    from connexion import json_schema, spec

    stamps = [os.stat(module.__file__ or "") for module in (json_schema, spec)]
    return ";".join(f"{s.st_size}:{s.st_mtime_ns}" for s in stamps)


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


def _store(folder: Path, prepared: PreparedSpec) -> None:
    """Written whole or not at all (a file renamed into place), so that a start running
    alongside never reads half of one; a folder that cannot be written is left alone."""
    assert prepared.resolved is not None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, data in (("resolved.json", prepared.resolved), ("parsed.json", prepared.parsed)):
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{file_name}.")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, folder / file_name)
    except OSError:
        return
