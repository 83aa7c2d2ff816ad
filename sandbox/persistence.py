"""Keeping tenants' worlds on disk, and moving one world between sandboxes as a snapshot.

A data directory is one SQLite database, ``sandbox.db`` (WAL, ``synchronous=FULL``), holding:

- ``tenants``: every tenant, in order, with the number of its latest snapshot (the format below)
  and the sequence number of the last logged request that snapshot includes;
- ``snapshot_parts``: each snapshot in parts of ``SNAPSHOT_PART_BYTES``, committed one at a time
  before a small transaction makes the snapshot its tenant's;
- ``log``: the requests that reached a tenant since its snapshot, as they came (method, path,
  query, headers, body) with the wall instant they were handled at; the world is deterministic,
  so replaying them in order on the snapshot rebuilds the tenant exactly;
- ``meta``: the format and the registry's own settings.

A request's row is committed before its answer leaves (``sandbox.http.persister``); rows from
concurrent requests share one commit, made by the log's own thread (see ``sandbox.log_writer``).
After ``SNAPSHOT_EVERY`` rows of one tenant, or once its rows since the snapshot weigh as much as the
snapshot, the tenant is written whole again (by a forked copy: see ``BACKGROUND_SNAPSHOTS``) and its
older rows dropped: one snapshot per that many changes, so a change costs the same at any world
size and a restart replays a bounded number of rows.

Snapshots are pickles read by a restricted unpickler that only builds the sandbox's own classes
and a few standard types; still, load only snapshots from sources you trust.
"""

from __future__ import annotations

import asyncio
import contextlib
import copyreg
import dataclasses
import io
import json
import logging
import operator
import os
import pickle
import queue
import re
import sqlite3
import sys
import threading
import warnings
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

from sandbox import __version__
from sandbox.durations import iso, parse_instant
from sandbox.log_writer import LogWriter
from sandbox.tenants import Tenant, TenantRegistry
from sandbox.world import World
from sandbox.world.building import collector_paused

_log = logging.getLogger("sandbox.persistence")
# What a write answers: done once it is committed (a loop's future for rows logged on a loop).
Committed = Future[None] | asyncio.Future[None]

SNAPSHOT_MAGIC = b"tts-sandbox-snapshot\n"
# 2: orders, line items, packages, shipments and queued rules are pickled as slotted objects.
# 3: the packages and shipments live in sandbox.domain.logistics, a store that holds no world.
# 4: the sandbox's slotted records (orders, line items, packages, tracking events, queued rules...)
#    are pickled as their class, their slot names (once per class) and a tuple of values: half the
#    time and two thirds of the size of pickle's own slot-by-slot state, which 3 holds (still read).
# A pickle names each class by module and name, so moving or renaming a class a snapshot holds is a
# new format (the world's classes keep sandbox.world as their module: see sandbox/world/__init__.py).
SNAPSHOT_FORMAT = 4
READ_FORMATS = frozenset({3, 4})
SNAPSHOT_MEDIA_TYPE = "application/vnd.tts-sandbox.snapshot"
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
        if module == __name__ and name == _slotted_record.__name__:
            return _slotted_record
        if name in _STANDARD.get(module, ()):
            return super().find_class(module, name)
        if module.startswith("sandbox.") and "." not in name and not name.startswith("__"):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise SnapshotError(f"it names {module}.{name}, which a sandbox snapshot never holds")


class _Reducers(dict[type, Any]):
    """How each class is pickled, decided at its first instance: the sandbox's slotted dataclasses
    as ``_slotted_record``, the rest as pickle does."""

    def __init__(self) -> None:
        super().__init__()
        self._own_way: set[type] = set()  # classes pickle's own way is kept for: decided once

    def __missing__(self, cls: type) -> Any:
        if cls not in self._own_way:
            names = _record_slots(cls)
            reducer = copyreg.dispatch_table.get(cls) if names is None else _record_reducer(cls, names)
            if reducer is not None:
                self[cls] = reducer
                return reducer
            self._own_way.add(cls)
        raise KeyError(cls)


def _record_slots(cls: type) -> tuple[str, ...] | None:
    if not (cls.__module__.startswith("sandbox.") and dataclasses.is_dataclass(cls)):
        return None
    if "__dict__" in dir(cls) or not hasattr(cls, "__slots__"):
        return None
    if cls.__reduce__ is not object.__reduce__ or cls.__reduce_ex__ is not object.__reduce_ex__:
        return None  # the class says how it is pickled (sandbox.journal's entries)
    getstate = getattr(cls, "__getstate__", None)
    if getattr(getstate, "__module__", "").startswith("sandbox."):
        return None
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__slots__", ()):
            if name not in names and not name.startswith("__"):
                names.append(name)
    return tuple(names)


def _record_reducer(cls: type, names: tuple[str, ...]) -> Any:
    # attrgetter reads the slots in C: a snapshot reduces a hundred thousand records and more.
    values = operator.attrgetter(*names) if len(names) > 1 else lambda r: (getattr(r, names[0]),)

    def reduce(record: Any) -> tuple[Any, ...]:
        return _slotted_record, (cls, names, values(record))

    return reduce


def _slotted_record(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """A slotted record from a snapshot; a class with an upgrade of its own for older snapshots
    (``__setstate__`` written in the sandbox) gets its slots through it."""
    checked = _CHECKED.get(cls)
    if checked is None or checked[0] is not names:  # a snapshot names each class's slots once
        checked = _CHECKED[cls] = (names, _check_record(cls, names))
    if len(values) != len(names):
        raise SnapshotError(f"it holds a {cls.__name__} of {len(values)} values for {len(names)} names")
    record = cls.__new__(cls)  # type: ignore[call-overload]
    upgrade = checked[1]
    if upgrade is not None:
        upgrade(record, (None, dict(zip(names, values, strict=True))))
        return record
    for _ in map(_set_slot, repeat(record, len(names)), names, values):
        pass  # set in C, one slot after another
    return record


def _check_record(cls: Any, names: Any) -> Any:
    """Whether a snapshot's record can be rebuilt (its class's slots hold its names), and the
    class's own upgrade for older snapshots if it has one (a ``__setstate__`` written in the sandbox)."""
    known = _record_slots(cls) if isinstance(cls, type) else None
    if known is None or not isinstance(names, tuple) or not set(names) <= set(known):
        raise SnapshotError(f"it holds a record of {getattr(cls, '__name__', cls)!r} it cannot rebuild")
    upgrade = cls.__dict__.get("__setstate__")
    if upgrade is not None and getattr(upgrade, "__module__", "").startswith("sandbox."):
        return upgrade
    return None


_set_slot = object.__setattr__
_CHECKED: dict[Any, tuple[Any, Any]] = {}  # class -> the slot names last checked, and its upgrade


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
        out = io.BytesIO()
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = _REDUCERS
        # Pickling leaves no garbage the counts do not free, and the collector, run over and over by
        # its allocations, would take as long again as the pickling (see collector_paused).
        with collector_paused():
            pickler.dump(tenant)
    return SNAPSHOT_MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + out.getvalue()


_REDUCERS = _Reducers()


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
    if header.get("format") not in READ_FORMATS:
        raise SnapshotError(
            f"snapshot format {header.get('format')!r} is not one this sandbox reads "
            f"({' or '.join(map(str, sorted(READ_FORMATS)))}); "
            f"it was written by tts-sandbox {header.get('sandbox_version', '?')}"
        )
    try:
        # A world of 10,000 orders is some 200,000 objects: with the collector paused, a quarter of
        # the time (it would rescan the growing heap at every few hundred of them).
        with collector_paused():
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
    try:  # the queue's top and the clock read, as the first request will (a sort of it all would not)
        tenant.world.next_deadlines(1)
        tenant.world.now()
    except Exception as exc:
        raise SnapshotError(f"the snapshot's world is incomplete ({type(exc).__name__}: {exc})") from None
    return tenant


DATABASE_FILE = "sandbox.db"
# The database's own layout (the snapshots inside it are SNAPSHOT_FORMAT). 2: a snapshot is written
# in parts (snapshot_parts), each committed on its own, so that no commit waits for megabytes; a
# database of format 1 (each snapshot in its tenant's row) is read, and taken to 2 at its opening.
STORE_FORMAT = 2
READ_STORE_FORMATS = ("1", "2")
SNAPSHOT_PART_BYTES = 1 << 20
# A tenant is written whole again after this many logged changes (or sooner, once its rows since
# the last snapshot weigh as much as the snapshot): the bound on what a restart replays.
SNAPSHOT_EVERY = 1000
CHECKPOINT_EVERY = 1000  # rows committed on event loops between two checkpoints by the writer thread
# Where fork exists, the snapshot a tenant is due for after so many changes is pickled by a forked
# copy of the process: the copy holds the world as it was at that instant and pickles it on another
# core, so that the tenant's next requests wait for the fork (a few milliseconds) and not for the
# pickling (about 0.1 s per thousand orders). Elsewhere it is pickled in the tenant's turn.
BACKGROUND_SNAPSHOTS = sys.platform == "linux" and hasattr(os, "fork")
# The files of the format before the database (a registry and one snapshot file per tenant).
OLD_REGISTRY_FILE = "tenants.json"
OLD_TENANTS_DIR = "tenants"
OLD_SUFFIX = ".snapshot"
MIGRATED_SUFFIX = ".migrated"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (
    app_key TEXT PRIMARY KEY, position INTEGER NOT NULL, snapshot BLOB NOT NULL, seq INTEGER NOT NULL,
    parts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS snapshot_parts (
    snapshot INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (snapshot, part)
);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY, app_key TEXT NOT NULL, wall TEXT NOT NULL, mono REAL NOT NULL,
    method TEXT NOT NULL, path TEXT NOT NULL, query BLOB NOT NULL, headers TEXT NOT NULL,
    body BLOB NOT NULL, throttled INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_of_tenant ON log (app_key, seq);
"""


@dataclass(frozen=True)
class Change:
    """A request as the log keeps it: everything needed to handle it again the same way."""

    wall: datetime  # the wall instant it was handled at (pinned for the whole request)
    mono: float  # the sandbox's monotonic wall clock then (injected rate limits count with it)
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    throttled: bool = False  # refused by the server's rate limit (--rate-limit), whose window is not kept

    def mono_clock(self) -> float:
        return self.mono

    @property
    def size(self) -> int:
        return (
            len(self.body) + len(self.query) + len(self.path) + sum(len(k) + len(v) for k, v in self.headers)
        )


@dataclass
class _Job:
    sql: list[tuple[str, tuple[Any, ...]]]
    checkpoint: bool = False  # copy the write-ahead log into the database file afterwards
    # Statements committed one at a time before ``sql`` (a snapshot's parts), so that the rows the
    # loops commit meanwhile do not wait for the whole of it.
    parts: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    done: Future[None] = field(default_factory=Future)


class Store:
    """A data directory: one SQLite database of tenants' snapshots and the requests logged since.

    One writer thread owns the writes: it takes every job queued while it was busy and commits them
    in one transaction (a group commit), so concurrent requests share one fsync."""

    def __init__(self, data_dir: str | Path):
        self.root = Path(data_dir)
        self.database = self.root / DATABASE_FILE
        self.replaying = False  # the sandbox is handling logged requests again: log nothing
        self.notes: list[str] = []  # what opening did (a migration, leftovers removed), said at start
        self._db: sqlite3.Connection | None = None
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._seq = 0  # the last sequence number given to a row
        self._rows: dict[str, int] = {}  # per tenant: rows logged since its snapshot
        self._bytes: dict[str, int] = {}  # and their size
        self._snapshot_bytes: dict[str, int] = {}
        self._written: dict[str, Tenant] = {}  # the tenant object the database holds, by app_key
        self._positions: dict[str, int] = {}
        self._settings = b""
        self._settings_key: tuple[Any, ...] | None = None  # the registry as last written
        self._attempted: set[str] = set()  # tenants whose outbox the dispatcher changed
        self._unsaved: set[str] = set()  # a row of theirs failed: a snapshot, not a row, comes next
        self._generations: dict[str, int] = {}  # per tenant: snapshots taken (the newest one wins)
        self._background: dict[str, threading.Thread] = {}  # per tenant: a snapshot being pickled
        self._db_lock = threading.Lock()  # the connection is the writer thread's and the log's
        self._log: LogWriter | None = None  # commits the rows (see ``log``)
        self._since_checkpoint = 0  # rows committed by the log since the writer last checkpointed
        self._snapshot_id = 0  # the last number given to a snapshot's parts

    # ----- opening ---------------------------------------------------------------------------
    def open(self) -> None:
        """Create or open the database, clean what a crash left, migrate the older format."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SnapshotError(f"{self.root}: cannot create the data directory: {exc.strerror}") from None
        self._clean_leftovers()
        try:
            db = sqlite3.connect(self.database, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: each commit is fsynced before it returns, so an answered change survives a power
            # cut, not only a crash of the process (NORMAL would only fsync at checkpoints).
            db.execute("PRAGMA synchronous=FULL")
            # Checkpoints (copying the log into the database file) are the writer thread's, never
            # a commit's on an event loop (after a snapshot of megabytes, that would hold it).
            db.execute("PRAGMA wal_autocheckpoint=0")
            db.executescript(_SCHEMA)
            found = db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise SnapshotError(f"{self.database}: not a sandbox database ({exc})") from None
        if found is not None and found[0] not in READ_STORE_FORMATS:
            raise SnapshotError(
                f"{self.database}: a data directory of format {found[0]}, not one this sandbox "
                f"reads ({' or '.join(READ_STORE_FORMATS)})"
            )
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(tenants)")}
            if "parts" not in columns:  # format 1: every snapshot in its tenant's row
                db.execute("ALTER TABLE tenants ADD COLUMN parts INTEGER NOT NULL DEFAULT 0")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(STORE_FORMAT),))
            # The parts of a snapshot a kill cut short: no tenant names them.
            cut = db.execute("DELETE FROM snapshot_parts WHERE snapshot NOT IN (SELECT parts FROM tenants)")
            if cut.rowcount:
                self.notes.append(f"removed {cut.rowcount} part(s) of a snapshot an interrupted write left")
            self._snapshot_id = int(
                db.execute(
                    "SELECT max(coalesce((SELECT max(snapshot) FROM snapshot_parts), 0), "
                    "coalesce((SELECT max(parts) FROM tenants), 0))"
                ).fetchone()[0]
            )
        except sqlite3.DatabaseError as exc:
            raise SnapshotError(f"{self.database}: not a sandbox database ({exc})") from None
        self._db = db
        self._log = LogWriter(db, self._db_lock, failed=self._unsaved.update, committed=self._rows_committed)
        if (self.root / OLD_REGISTRY_FILE).is_file():
            self._migrate()
        self._writer = threading.Thread(target=self._write_loop, name="data-dir writer", daemon=True)
        self._writer.start()

    def _clean_leftovers(self) -> None:
        # The older format wrote each file through a temporary one; a kill could leave it behind.
        removed = [*self.root.glob(".*.tmp"), *(self.root / OLD_TENANTS_DIR).glob(".*.tmp")]
        for path in removed:
            path.unlink(missing_ok=True)
        if removed:
            self.notes.append(f"removed {len(removed)} temporary file(s) left by an interrupted write")

    def _migrate(self) -> None:
        """Move a data directory of the older format (tenants.json and tenants/*.snapshot) into the
        database, then rename the old files (*.migrated): they are no longer read."""
        assert self._db is not None
        old_registry = self.root / OLD_REGISTRY_FILE
        if self._count() == 0:
            tenants, settings = read_old_format(self.root)
            self._db.execute("BEGIN")
            for position, tenant in enumerate(tenants):
                self._db.execute(
                    "INSERT INTO tenants (app_key, position, snapshot, seq) VALUES (?, ?, ?, 0)",
                    (tenant.app_key, position, dump_tenant(tenant)),
                )
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('registry', ?)", (json.dumps(_plain(settings)),)
            )
            self._db.execute("COMMIT")
            self.notes.append(
                f"migrated {len(tenants)} tenant(s) from the older format ({OLD_REGISTRY_FILE} and "
                f"{OLD_TENANTS_DIR}/*{OLD_SUFFIX}) into {DATABASE_FILE}; "
                f"the old files were renamed *{MIGRATED_SUFFIX}"
            )
        old_registry.rename(old_registry.with_name(old_registry.name + MIGRATED_SUFFIX))
        old_tenants = self.root / OLD_TENANTS_DIR
        if old_tenants.is_dir():
            old_tenants.rename(old_tenants.with_name(old_tenants.name + MIGRATED_SUFFIX))

    def _count(self) -> int:
        assert self._db is not None
        return int(self._db.execute("SELECT count(*) FROM tenants").fetchone()[0])

    def exists(self) -> bool:
        """The database holds a sandbox's tenants (a start loads them instead of seeding)."""
        return self._db is not None and self._count() > 0

    # ----- reading ---------------------------------------------------------------------------
    def load(self) -> tuple[list[tuple[Tenant, list[Change]]], dict[str, Any]]:
        """Every tenant in order with the changes logged since its snapshot, and the registry's
        settings. The caller replays the changes (``sandbox.app.Sandbox``)."""
        assert self._db is not None
        where = f"{self.database}"
        try:
            raw = self._db.execute("SELECT value FROM meta WHERE key='registry'").fetchone()
            settings = (
                _settings(json.loads(raw[0])) if raw else {"created": 0, "start": None, "frozen": False}
            )
            rows = self._db.execute(
                "SELECT app_key, position, snapshot, seq, parts FROM tenants ORDER BY position"
            )
            loaded = []
            for app_key, position, data, seq, parts in rows.fetchall():
                if parts:
                    data = b"".join(
                        part
                        for (part,) in self._db.execute(
                            "SELECT data FROM snapshot_parts WHERE snapshot=? ORDER BY part", (parts,)
                        )
                    )
                try:
                    tenant = load_tenant(data)
                except SnapshotError as exc:
                    raise SnapshotError(f"{where}: tenant {app_key}: {exc}") from None
                if tenant.app_key != app_key:
                    raise SnapshotError(f"{where}: the row of '{app_key}' holds tenant '{tenant.app_key}'")
                changes = [
                    _change(row)
                    for row in self._db.execute(
                        "SELECT wall, mono, method, path, query, headers, body, throttled FROM log "
                        "WHERE app_key=? AND seq>? ORDER BY seq",
                        (app_key, seq),
                    )
                ]
                self._written[app_key] = tenant
                self._positions[app_key] = position
                self._snapshot_bytes[app_key] = len(data)
                self._rows[app_key] = len(changes)
                self._bytes[app_key] = sum(c.size for c in changes)
                loaded.append((tenant, changes))
            top = self._db.execute("SELECT max(seq) FROM log").fetchone()[0] or 0
            kept = self._db.execute("SELECT max(seq) FROM tenants").fetchone()[0] or 0
            self._seq = max(int(top), int(kept))
        except sqlite3.DatabaseError as exc:
            raise SnapshotError(f"{where}: cannot read ({exc})") from None
        except (KeyError, ValueError, TypeError) as exc:
            raise SnapshotError(f"{where}: damaged ({type(exc).__name__}: {exc})") from None
        self._settings = json.dumps(_plain(settings)).encode()
        return loaded, settings

    # ----- writing ---------------------------------------------------------------------------
    def log(self, tenant: Tenant, change: Change) -> Committed:
        """Append a request that reached ``tenant``; done once it is committed. Call it in the
        tenant's turn (``sandbox.http.persister``), so that rows are in the order of their effects.

        The row is committed by the log's thread (``sandbox.log_writer``) with the rows logged
        while it was busy, and the returned future (the loop's, on an event loop) is settled once
        that commit is on disk: the caller's loop goes on meanwhile."""
        app_key = tenant.app_key
        headers = json.dumps([[k.decode("latin-1"), v.decode("latin-1")] for k, v in change.headers])
        wall = iso_micro(change.wall)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        waiter: Committed = loop.create_future() if loop is not None else Future()
        with self._lock:  # numbered and appended at once: the log commits in this order
            self._seq += 1
            self._rows[app_key] = self._rows.get(app_key, 0) + 1
            self._bytes[app_key] = self._bytes.get(app_key, 0) + change.size
            values = (
                *(self._seq, app_key, wall, change.mono, change.method, change.path, change.query),
                *(headers, change.body, int(change.throttled)),
            )
            try:
                if self._log is None:
                    raise OSError("closed")
                self._log.append(values, waiter, loop)
            except OSError:
                waiter.set_exception(SnapshotError(f"{self.database}: the data directory is closed"))
        return waiter

    def _rows_committed(self, count: int) -> None:
        self._since_checkpoint += count
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self._since_checkpoint = 0
            self._submit([], checkpoint=True)

    def must_write_whole(self, tenant: Tenant) -> bool:
        """Whether the tenant's next change is written as a snapshot instead of a row: the database
        does not hold this tenant object yet (created, imported), or a write of its failed."""
        key = tenant.app_key
        return key in self._unsaved or self._written.get(key) is not tenant

    def needs_snapshot(self, tenant: Tenant) -> bool:
        """Whether the tenant is due to be written whole (called in its turn, after ``log``)."""
        key = tenant.app_key
        if self.must_write_whole(tenant):
            return True
        if key in self._background:
            return False  # the one being pickled covers the rows so far; the next is counted anew
        rows = self._rows.get(key, 0)
        return rows >= SNAPSHOT_EVERY or (
            rows > 0 and self._bytes.get(key, 0) >= self._snapshot_bytes.get(key, 0)
        )

    def snapshot(self, tenant: Tenant, position: int | None = None) -> Future[None]:
        """Write the tenant whole and drop its older rows (in its turn: no row of it is pending)."""
        data = dump_tenant(tenant)
        key = tenant.app_key
        with self._lock:
            seq = self._seq
            self._rows[key] = 0
            self._bytes[key] = 0
            self._snapshot_bytes[key] = len(data)
            self._written[key] = tenant
            self._unsaved.discard(key)
            self._generations[key] = self._generations.get(key, 0) + 1
            if position is None:
                position = self._positions.get(key, len(self._positions))
            self._positions[key] = position
            self._snapshot_id += 1
            parts, sql = _snapshot_sql(key, position, data, seq, self._snapshot_id)
            return self._submit(sql, key, parts=parts)

    def snapshot_in_background(self, tenant: Tenant) -> None:
        """The snapshot a tenant is due for after so many changes (in its turn, after ``log``),
        pickled by a forked copy of the process (see ``BACKGROUND_SNAPSHOTS``) and written once it
        arrives. The rows it covers stay in the log until then: a crash meanwhile loses nothing, the
        restart only replays more. If the copy fails, the tenant's next change writes it whole."""
        key = tenant.app_key
        if not BACKGROUND_SNAPSHOTS:
            self.snapshot(tenant)
            return
        if key in self._background:
            return
        read_end, write_end = os.pipe()
        with tenant.world.lock:  # nothing changes the world while it is copied
            with self._lock:
                seq = self._seq
                self._rows[key] = 0
                self._bytes[key] = 0
                generation = self._generations[key] = self._generations.get(key, 0) + 1
                position = self._positions.setdefault(key, len(self._positions))
            # The copy runs only dump_tenant and leaves: it takes no lock another thread could hold
            # (the world's is held by this thread, which is the copy's only one).
            with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
                pid = os.fork()
            if pid == 0:  # pragma: no cover (the copy's exit code and bytes are checked instead)
                _pickle_in_copy(tenant, read_end, write_end)
        os.close(write_end)
        landing = threading.Thread(
            target=self._land,
            args=(tenant, pid, read_end, generation, position, seq),
            name=f"snapshot of {key}",
            daemon=True,
        )
        self._background[key] = landing
        landing.start()

    def _land(
        self, tenant: Tenant, pid: int, read_end: int, generation: int, position: int, seq: int
    ) -> None:
        key = tenant.app_key
        chunks = []
        with open(read_end, "rb") as source:
            while chunk := source.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        data = b"".join(chunks)
        made = os.waitstatus_to_exitcode(status) == 0 and data.startswith(SNAPSHOT_MAGIC)
        with self._lock:
            del self._background[key]
            # A snapshot taken since (a tenant imported over this one, a clean stop) is newer.
            if self._generations.get(key) != generation or self._written.get(key) is not tenant:
                return
            if not made:
                _log.error("the snapshot of tenant %s could not be made (exit status %s)", key, status)
                self._unsaved.add(key)
                return
            self._snapshot_bytes[key] = len(data)
            self._snapshot_id += 1
            parts, sql = _snapshot_sql(key, position, data, seq, self._snapshot_id)
            self._submit(sql, key, parts=parts)

    def registry_changed(self, registry: TenantRegistry) -> bool:
        """Whether ``sync_registry`` has anything to write (cheap: no tenant is serialized)."""
        tenants = registry.all()
        if len(tenants) != len(self._written):
            return True
        if _settings_key(registry) != self._settings_key:
            return True
        return any(self._written.get(t.app_key) is not t for t in tenants)

    def sync_registry(self, registry: TenantRegistry) -> Future[None] | None:
        """Bring the database's tenants in line with the registry: a snapshot of each tenant it does
        not hold yet (created, imported), none of those it no longer has, and the settings."""
        tenants = registry.all()
        done = None
        for position, tenant in enumerate(tenants):
            if (
                self._written.get(tenant.app_key) is not tenant
                or self._positions.get(tenant.app_key) != position
            ):
                done = self.snapshot(tenant, position)
        present = {t.app_key for t in tenants}
        for gone in [k for k in self._written if k not in present]:
            with self._lock:
                del self._written[gone]
                self._positions.pop(gone, None)
            done = self._submit(
                [
                    (_DROP_PARTS, (gone,)),
                    ("DELETE FROM tenants WHERE app_key=?", (gone,)),
                    ("DELETE FROM log WHERE app_key=?", (gone,)),
                ]
            )
        settings = json.dumps(_plain(registry_settings(registry))).encode()
        self._settings_key = _settings_key(registry)
        if settings != self._settings:
            self._settings = settings
            done = self._submit(
                [("INSERT OR REPLACE INTO meta VALUES ('registry', ?)", (settings.decode(),))]
            )
        return done

    def save_all(self, registry: TenantRegistry) -> None:
        """Every tenant written whole, and the registry; on disk when this returns."""
        for position, tenant in enumerate(registry.all()):
            self.snapshot(tenant, position)
        self.sync_registry(registry)
        self.flush()

    def outbox_changed(self, tenant: Tenant) -> None:
        """The dispatcher recorded webhook attempts of the tenant (not logged: see ``checkpoint``)."""
        self._attempted.add(tenant.app_key)

    def checkpoint(self, registry: TenantRegistry) -> None:
        """On a clean stop: every tenant changed since its snapshot (by logged requests, or by the
        dispatcher's attempts) written whole; on disk when this returns."""
        for tenant in registry.all():
            if self._rows.get(tenant.app_key) or tenant.app_key in self._attempted:
                self.snapshot(tenant)
        self._attempted.clear()
        self.flush()

    def flush(self) -> None:
        """Wait until everything submitted so far is committed, snapshots being pickled in the
        background included (raises if it could not be)."""
        for landing in list(self._background.values()):
            landing.join()
        if self._log is not None:
            self._log.flush()
        self._submit([]).result()

    def close(self) -> None:
        for landing in list(self._background.values()):
            landing.join()
        if self._log is not None:
            self._log.close()  # its last rows committed first
            self._log = None
        if self._writer is not None:
            self._jobs.put(None)
            self._writer.join()
            self._writer = None
        if self._db is not None:
            self._db.close()
            self._db = None

    def _submit(
        self,
        sql: list[tuple[str, tuple[Any, ...]]],
        tenant: str | None = None,
        *,
        checkpoint: bool = False,
        parts: list[tuple[str, tuple[Any, ...]]] | None = None,
    ) -> Future[None]:
        job = _Job(sql, checkpoint or bool(sql), parts or [])
        if self._writer is None:
            job.done.set_exception(SnapshotError(f"{self.database}: the data directory is closed"))
            return job.done
        if tenant is not None:
            # A snapshot of it that could not be written: its next write is a whole snapshot.
            job.done.add_done_callback(lambda f: self._failed(f, tenant))
        self._jobs.put(job)
        return job.done

    def _failed(self, done: Future[None], tenant: str) -> None:
        if done.exception() is not None:
            self._unsaved.add(tenant)

    @staticmethod
    def _commit(db: sqlite3.Connection, batch: list[_Job]) -> Exception | None:
        """Commit a batch of jobs in one transaction; the error if it could not be."""
        try:
            if all(not job.sql for job in batch):
                return None  # waiting for what was before them
            db.execute("BEGIN")
            for job in batch:
                for statement, args in job.sql:
                    db.execute(statement, args)
            db.execute("COMMIT")
        except Exception as exc:
            with contextlib.suppress(Exception):
                db.execute("ROLLBACK")
            return exc
        return None

    def _write_loop(self) -> None:
        assert self._db is not None
        db = self._db
        checkpointer: sqlite3.Connection | None = None
        while True:
            first = self._jobs.get()
            if first is None:
                break
            batch = [first]
            stop = False
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            cut: dict[int, Exception] = {}
            for index, job in enumerate(batch):
                for statement, args in job.parts:
                    try:
                        with self._db_lock:
                            _commit_unsynced(db, statement, args)
                    except Exception as exc:
                        cut[index] = exc  # its parts are left to the next start's cleaning
                        break
            whole = [job for index, job in enumerate(batch) if index not in cut]
            with self._db_lock:
                failed = self._commit(db, whole) if whole else None
            for index, job in enumerate(batch):
                error = cut.get(index, failed)
                if error is None:
                    job.done.set_result(None)
                else:
                    job.done.set_exception(error)
            if any(job.checkpoint for job in batch):
                # On a connection of its own: a checkpoint runs beside the commits (WAL), so the
                # loops' rows do not wait for megabytes of a snapshot to be copied.
                with contextlib.suppress(sqlite3.Error):  # a reader in the way: next time
                    if checkpointer is None:
                        checkpointer = sqlite3.connect(self.database, isolation_level=None)
                    checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
            if stop:
                break
        if checkpointer is not None:
            checkpointer.close()


def _commit_unsynced(db: sqlite3.Connection, statement: str, args: tuple[Any, ...]) -> None:
    """One part of a snapshot, committed without its own sync: only the transaction that makes the
    snapshot the tenant's must be on disk with every part, and its sync (or any log row's after
    this) covers the parts written before it. Synced one by one, each megabyte held the log's next
    commit, and the answers waiting on it, for as long as the disk took."""
    db.execute("PRAGMA synchronous=OFF")
    try:
        db.execute(statement, args)
    finally:
        db.execute("PRAGMA synchronous=FULL")


_DROP_PARTS = "DELETE FROM snapshot_parts WHERE snapshot = (SELECT parts FROM tenants WHERE app_key=?)"
_ADD_PART = "INSERT INTO snapshot_parts VALUES (?, ?, ?)"
Statements = list[tuple[str, tuple[Any, ...]]]


def _snapshot_sql(
    key: str, position: int, data: bytes, seq: int, snapshot: int
) -> tuple[Statements, Statements]:
    """A snapshot as its parts (each committed on its own), then the transaction that makes it the
    tenant's: its older parts and the rows it includes dropped."""
    parts: Statements = [
        (
            "INSERT INTO snapshot_parts VALUES (?, ?, ?)",
            (snapshot, index, data[start : start + SNAPSHOT_PART_BYTES]),
        )
        for index, start in enumerate(range(0, len(data), SNAPSHOT_PART_BYTES))
    ]
    return parts, [
        (_DROP_PARTS, (key,)),
        (
            "INSERT OR REPLACE INTO tenants (app_key, position, snapshot, seq, parts) VALUES (?, ?, ?, ?, ?)",
            (key, position, b"", seq, snapshot),
        ),
        ("DELETE FROM log WHERE app_key=? AND seq<=?", (key, seq)),
    ]


def _pickle_in_copy(tenant: Tenant, read_end: int, write_end: int) -> None:
    """In the forked copy: send the tenant's snapshot down the pipe and exit, never returning to
    the server's code. Every other descriptor is closed first, so that the copy holds no socket a
    restarted server would need."""
    code = 1
    try:
        os.close(read_end)
        os.closerange(3, write_end)
        os.closerange(write_end + 1, os.sysconf("SC_OPEN_MAX"))
        data = dump_tenant(tenant)
        with open(write_end, "wb") as sink:
            sink.write(data)
        code = 0
    finally:
        os._exit(code)


def iso_micro(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


def _change(row: tuple[Any, ...]) -> Change:
    wall, mono, method, path, query, headers, body, throttled = row
    return Change(
        datetime.fromisoformat(wall),
        float(mono),
        method,
        path,
        bytes(query),
        [(k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(headers)],
        bytes(body),
        bool(throttled),
    )


def registry_settings(registry: TenantRegistry) -> dict[str, Any]:
    start = registry.defaults["start"]
    return {
        "created": registry.created,
        "start": start if isinstance(start, datetime) else None,
        "frozen": bool(registry.defaults["frozen"]),
    }


def _settings_key(registry: TenantRegistry) -> tuple[Any, ...]:
    """What ``registry_settings`` reads, compared as it is (every request asks, see ``registry_changed``)."""
    return (registry.created, registry.defaults["start"], registry.defaults["frozen"])


def _plain(settings: dict[str, Any]) -> dict[str, Any]:
    start = settings["start"]
    return {**settings, "start": iso(start) if isinstance(start, datetime) else None}


def _settings(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "created": int(raw["created"]),
        "start": parse_instant(raw["start"]) if raw.get("start") else None,
        "frozen": bool(raw["frozen"]),
    }


def read_old_format(root: Path) -> tuple[list[Tenant], dict[str, Any]]:
    """The tenants of a data directory of the older format: ``tenants.json`` (the registry) and
    ``tenants/APP_KEY.snapshot``; raises ``SnapshotError`` naming the file that cannot be read."""
    registry_file = root / OLD_REGISTRY_FILE
    try:
        registry = json.loads(registry_file.read_bytes())
        keys = registry["tenants"]
        if not isinstance(keys, list) or not all(isinstance(k, str) and APP_KEY.match(k) for k in keys):
            raise ValueError("'tenants' is not a list of app keys")
        settings = _settings(registry)
    except OSError as exc:
        raise SnapshotError(f"{registry_file}: cannot read: {exc.strerror}") from None
    except Exception as exc:
        raise SnapshotError(f"{registry_file}: not a tenants registry of the older format ({exc})") from None
    tenants = []
    for app_key in keys:
        path = root / OLD_TENANTS_DIR / f"{app_key}{OLD_SUFFIX}"
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
        tenants.append(tenant)
    return tenants, settings
