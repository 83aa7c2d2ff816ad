"""Files a start reads instead of redoing work whose result only depends on its inputs (the
parsed specs, the Faker pools): in a cache folder, TTS_SANDBOX_CACHE_DIR or else the user's cache
folder, each named by a hash of everything it was made from. A changed input gets its own file,
never a stale one; where nothing can be written, the work is done each start, with the same
result."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    configured = os.environ.get("TTS_SANDBOX_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tts-sandbox"


def key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def installed(module: str) -> str:
    """What tells one install of a library from another, found without importing it (the
    size and time of its files, which an upgrade changes)."""
    found = importlib.util.find_spec(module)
    files = [found.origin] if found is not None and found.origin else []
    return ";".join(f"{os.stat(f).st_size}:{os.stat(f).st_mtime_ns}" for f in files)


def read(name: str) -> bytes | None:
    try:
        return (cache_dir() / name).read_bytes()
    except OSError:
        return None


def write(name: str, data: bytes) -> None:
    """Written whole or not at all (a file renamed into place), so that a start running
    alongside never reads half of one; a folder that cannot be written is left alone."""
    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        return
