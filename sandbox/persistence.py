"""Keeping tenants' worlds on disk, and moving one world between sandboxes as a snapshot.

A tenant is written whole, as a snapshot, after every request that reached it and before the answer
goes out: an answered request is on disk. Each write goes to a temporary file that is flushed to
the disk and then renamed over the old one, so a file is always either the old state or the new
one, even after a kill -9 or a power cut. The registry (which tenants exist, in which order) is a
small JSON file written the same way.

Snapshots are pickles read by a restricted unpickler that only builds the sandbox's own classes
and a few standard types; still, load only snapshots from sources you trust.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import re
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sandbox import __version__
from sandbox.durations import iso, parse_instant
from sandbox.tenants import Tenant, TenantRegistry
from sandbox.world import World

SNAPSHOT_MAGIC = b"tts-sandbox-snapshot\n"
# 2: orders, line items, packages, shipments and queued rules are pickled as slotted objects.
# 3: the packages and shipments live in sandbox.domain.logistics, a store that holds no world.
# A pickle names each class by module and name, so moving or renaming a class a snapshot holds is a
# new format (the world's classes keep sandbox.world as their module: see sandbox/world/__init__.py).
SNAPSHOT_FORMAT = 3
SNAPSHOT_MEDIA_TYPE = "application/vnd.tts-sandbox.snapshot"
REGISTRY_FILE = "tenants.json"
TENANTS_DIR = "tenants"
TENANT_SUFFIX = ".snapshot"
APP_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_HEADER_BYTES = 4096

# What a snapshot may name besides the sandbox's own classes.
_STANDARD = {
    "builtins": {"set", "frozenset", "bytearray", "complex", "range", "slice"},
    "collections": {"OrderedDict", "deque"},
    "copyreg": {"_reconstructor"},
    "datetime": {"datetime", "date", "time", "timedelta", "timezone"},
    "decimal": {"Decimal"},
    "random": {"Random"},
}


class SnapshotError(ValueError):
    """A snapshot (or a state file) that cannot be read; the message says why."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name in _STANDARD.get(module, ()):
            return super().find_class(module, name)
        if module.startswith("sandbox.") and "." not in name and not name.startswith("__"):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise SnapshotError(f"it names {module}.{name}, which a sandbox snapshot never holds")


def dump_tenant(tenant: Tenant) -> bytes:
    """The tenant (credentials and whole world) as a snapshot: a header line, then the pickle."""
    world = tenant.world
    with world.lock:
        header = {
            "format": SNAPSHOT_FORMAT,
            "sandbox_version": __version__,
            "app_key": tenant.app_key,
            "now": iso(world.now()),
        }
        body = pickle.dumps(tenant, protocol=pickle.HIGHEST_PROTOCOL)
    return SNAPSHOT_MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def load_tenant(data: bytes) -> Tenant:
    """The tenant a snapshot holds, checked; raises ``SnapshotError`` saying what is wrong."""
    if not data.startswith(SNAPSHOT_MAGIC):
        raise SnapshotError("not a tts-sandbox snapshot (it does not start with the snapshot header)")
    line_end = data.find(b"\n", len(SNAPSHOT_MAGIC), len(SNAPSHOT_MAGIC) + MAX_HEADER_BYTES)
    if line_end < 0:
        raise SnapshotError("the snapshot's header line is missing or too long")
    try:
        header = json.loads(data[len(SNAPSHOT_MAGIC) : line_end])
    except ValueError:
        raise SnapshotError("the snapshot's header line is not JSON") from None
    if not isinstance(header, dict):
        raise SnapshotError("the snapshot's header line is not a JSON object")
    if header.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            f"snapshot format {header.get('format')!r} is not the one this sandbox reads "
            f"({SNAPSHOT_FORMAT}); it was written by tts-sandbox {header.get('sandbox_version', '?')}"
        )
    try:
        tenant = _Unpickler(io.BytesIO(data[line_end + 1 :])).load()
    except SnapshotError:
        raise
    except Exception as exc:  # a truncated or altered pickle fails in many ways
        raise SnapshotError(f"the snapshot is damaged ({type(exc).__name__}: {exc})") from None
    if not isinstance(tenant, Tenant) or not isinstance(tenant.world, World):
        raise SnapshotError("the snapshot does not hold a tenant")
    if not isinstance(tenant.app_key, str) or not APP_KEY.match(tenant.app_key):
        raise SnapshotError("the snapshot's app_key is not a plain name")
    if tenant.app_key != header.get("app_key"):
        raise SnapshotError("the snapshot's header and contents name different tenants")
    try:
        tenant.world.pending_deadlines()
        tenant.world.now()
    except Exception as exc:
        raise SnapshotError(f"the snapshot's world is incomplete ({type(exc).__name__}: {exc})") from None
    return tenant


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: all of it or none of it, on disk when this returns."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class Store:
    """A data directory: ``tenants.json`` (the registry) and ``tenants/APP_KEY.snapshot`` files."""

    def __init__(self, data_dir: str | Path):
        self.root = Path(data_dir)
        self.tenants_dir = self.root / TENANTS_DIR
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._written: dict[str, bytes] = {}  # digest of each tenant's last write
        self._registry_written = b""

    def prepare(self) -> None:
        try:
            self.tenants_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SnapshotError(
                f"{self.tenants_dir}: cannot create the data directory: {exc.strerror}"
            ) from None

    @property
    def registry_file(self) -> Path:
        return self.root / REGISTRY_FILE

    def exists(self) -> bool:
        return self.registry_file.is_file()

    def tenant_file(self, app_key: str) -> Path:
        return self.tenants_dir / f"{app_key}{TENANT_SUFFIX}"

    def _lock_of(self, app_key: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(app_key, threading.Lock())

    # ----- writing ---------------------------------------------------------------------------
    def save_tenant(self, tenant: Tenant) -> bool:
        """Write the tenant if it changed since its last write; True if it was written."""
        with self._lock_of(tenant.app_key):
            data = dump_tenant(tenant)
            digest = hashlib.sha256(data).digest()
            if self._written.get(tenant.app_key) == digest:
                return False
            write_atomically(self.tenant_file(tenant.app_key), data)
            self._written[tenant.app_key] = digest
            return True

    def save_registry(self, registry: TenantRegistry) -> None:
        """Write the registry, after every tenant it names that has never been written."""
        with self._lock_of("\0registry"):
            tenants = registry.all()
            for tenant in tenants:
                if tenant.app_key not in self._written:
                    self.save_tenant(tenant)
            data = json.dumps(registry_state(registry, tenants), indent=1).encode()
            if data != self._registry_written:
                write_atomically(self.registry_file, data)
                self._registry_written = data

    def save_all(self, registry: TenantRegistry) -> None:
        for tenant in registry.all():
            self.save_tenant(tenant)
        self.save_registry(registry)

    # ----- reading ---------------------------------------------------------------------------
    def load(self) -> tuple[list[Tenant], dict[str, Any]]:
        """Every tenant the registry names, in order, and the registry's own settings."""
        try:
            registry = json.loads(self.registry_file.read_bytes())
            keys = registry["tenants"]
            if not isinstance(keys, list) or not all(isinstance(k, str) and APP_KEY.match(k) for k in keys):
                raise ValueError("'tenants' is not a list of app keys")
            settings = {
                "created": int(registry["created"]),
                "start": parse_instant(registry["start"]) if registry.get("start") else None,
                "frozen": bool(registry["frozen"]),
            }
        except OSError as exc:
            raise SnapshotError(f"{self.registry_file}: cannot read: {exc.strerror}") from None
        except Exception as exc:
            raise SnapshotError(f"{self.registry_file}: not a tenants registry ({exc})") from None
        tenants = []
        for app_key in keys:
            path = self.tenant_file(app_key)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None
            try:
                tenant = load_tenant(data)
            except SnapshotError as exc:
                raise SnapshotError(f"{path}: {exc}") from None
            if tenant.app_key != app_key:
                raise SnapshotError(f"{path}: holds tenant '{tenant.app_key}', not '{app_key}'")
            self._written[app_key] = hashlib.sha256(data).digest()
            tenants.append(tenant)
        return tenants, settings


def registry_state(registry: TenantRegistry, tenants: Iterable[Tenant]) -> dict[str, Any]:
    start = registry.defaults["start"]
    return {
        "format": SNAPSHOT_FORMAT,
        "tenants": [t.app_key for t in tenants],
        "created": registry.created,
        "start": iso(start) if isinstance(start, datetime) else None,
        "frozen": bool(registry.defaults["frozen"]),
    }
