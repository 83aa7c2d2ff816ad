"""Committing the data directory's log rows on a thread of their own, in the order they were
logged, and telling each row's waiter once its commit is on disk.

A commit with ``synchronous=FULL`` writes the write-ahead log and syncs it: a fraction of a
millisecond, several while a snapshot's megabytes go to the same disk. Made on an event loop, that
is time during which no other request of any tenant moves; made here, the loop only queues the row
and is told when it is durable. The rows queued while a commit runs share the next one (a group
commit). One thread commits every row, in the order of their sequence numbers, so the log on disk
is always a prefix of the log as the world saw it: a crash can lose the last rows, never one in
the middle whose successors were kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

_INSERT_ROWS = "INSERT INTO log VALUES "
_ROW_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_ROWS_PER_INSERT = 3000  # SQLite binds at most 32,766 values in one statement

Waiter = asyncio.Future[None] | Future[None]


@dataclass
class _Pending:
    # The row: (seq, app_key, wall, mono, method, path, query, headers, body, throttled); None for
    # a barrier, settled once every row appended before it is committed.
    values: tuple[Any, ...] | None
    waiter: Waiter
    loop: asyncio.AbstractEventLoop | None  # the waiter's loop (None: a thread's future)


class LogWriter:
    """The thread that commits log rows. ``append`` is called in sequence order (the store holds
    its lock while it numbers a row and appends it)."""

    def __init__(
        self,
        db: sqlite3.Connection,
        db_lock: threading.Lock,
        *,
        failed: Callable[[set[str]], None],
        committed: Callable[[int], None],
    ):
        self._db = db
        self._db_lock = db_lock  # the connection is the writer thread's too (snapshots)
        self._failed = failed  # the tenants whose rows could not be written
        self._committed = committed  # how many rows were just committed
        self._cond = threading.Condition()
        self._pending: list[_Pending] = []
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="data-dir log", daemon=True)
        self._thread.start()

    def append(
        self, values: tuple[Any, ...] | None, waiter: Waiter, loop: asyncio.AbstractEventLoop | None
    ) -> None:
        with self._cond:
            if self._stopped:
                raise OSError("the data directory is closed")
            self._pending.append(_Pending(values, waiter, loop))
            if len(self._pending) == 1:
                self._cond.notify()

    def flush(self) -> None:
        """Until every row appended so far is committed (raises if one could not be)."""
        done: Future[None] = Future()
        self.append(None, done, None)
        done.result()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopped:
                    self._cond.wait()
                batch, self._pending = self._pending, []
            if not batch:  # stopped, and nothing left
                return
            rows = [p.values for p in batch if p.values is not None]
            error = self._commit(rows) if rows else None
            if error is None:
                self._committed(len(rows))
            else:
                self._failed({row[1] for row in rows})
            _settle(batch, error)

    def _commit(self, rows: list[tuple[Any, ...]]) -> Exception | None:
        db = self._db
        try:
            with self._db_lock:
                if len(rows) <= _ROWS_PER_INSERT:  # one statement: its own transaction
                    db.execute(_INSERT_ROWS + ", ".join([_ROW_VALUES] * len(rows)), _flat(rows))
                    return None
                db.execute("BEGIN")
                try:
                    for start in range(0, len(rows), _ROWS_PER_INSERT):
                        chunk = rows[start : start + _ROWS_PER_INSERT]
                        db.execute(_INSERT_ROWS + ", ".join([_ROW_VALUES] * len(chunk)), _flat(chunk))
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
        except Exception as exc:
            return exc
        return None


def _flat(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [value for row in rows for value in row]


def _settle(batch: list[_Pending], error: Exception | None) -> None:
    """Each waiter told on its own loop (one call per loop), or at once for a thread's future."""
    on_loops: dict[asyncio.AbstractEventLoop, list[Waiter]] = {}
    for pending in batch:
        if pending.loop is None:
            _set(pending.waiter, error)
        else:
            on_loops.setdefault(pending.loop, []).append(pending.waiter)
    for loop, waiters in on_loops.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: no one waits for its answers
            loop.call_soon_threadsafe(_set_all, waiters, error)


def _set_all(waiters: list[Waiter], error: Exception | None) -> None:
    for waiter in waiters:
        _set(waiter, error)


def _set(waiter: Waiter, error: Exception | None) -> None:
    if waiter.done():
        return
    if error is None:
        waiter.set_result(None)
    else:
        waiter.set_exception(error)
