"""Storage adapters on one SQLite file (standard-library ``sqlite3``, WAL mode).

Several processes may open the same file: every write is one ``BEGIN IMMEDIATE``
transaction, so writers queue behind SQLite's lock (up to ``timeout`` seconds) instead of
failing half-way.  The three adapters may share one file; each opens its own connection.

The file is marked as ours with ``PRAGMA application_id`` and carries its layout version in
``PRAGMA user_version``.  A file that is not a database, belongs to another application, or
was written by a newer layout is refused with :class:`StorageError` before anything is
written to it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Literal, Sequence, Tuple, TypeVar, Union

from spec_kitty_events.models import ErrorEntry, Event, StorageError
from spec_kitty_events.storage import ClockStorage, ErrorStorage, EventStore
from spec_kitty_events.stores._common import (
    SCHEMA_VERSION,
    EventRow,
    OnConflict,
    check_clock_value,
    check_limit,
    check_node_id,
    check_on_conflict,
    conflict_error,
    distinct_rows,
    entry_from_body,
    error_body,
    event_from_body,
    same_content,
)

# "SKEV" in ASCII: tells our files apart from any other SQLite database.
APPLICATION_ID = 0x534B4556

Synchronous = Literal["FULL", "NORMAL"]
PathLike = Union[str, "os.PathLike[str]"]

_INT64_MAX = 2**63 - 1
_Self = TypeVar("_Self", bound="_SQLiteAdapter")

_SCHEMA = (
    """CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        aggregate_id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        lamport_clock INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX events_in_order ON events (lamport_clock, node_id, seq)",
    "CREATE INDEX events_by_aggregate ON events (aggregate_id, lamport_clock, node_id, seq)",
    "CREATE TABLE clocks (node_id TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE errors (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
    f"PRAGMA application_id = {APPLICATION_ID}",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)

_INSERT_EVENT = (
    "INSERT INTO events (event_id, aggregate_id, node_id, lamport_clock, event_type, body) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING"
)
# The row keeps its seq, so a replaced event keeps its first-save position among ties.
_REPLACE_EVENT = (
    "INSERT INTO events (event_id, aggregate_id, node_id, lamport_clock, event_type, body) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET "
    "aggregate_id = excluded.aggregate_id, node_id = excluded.node_id, "
    "lamport_clock = excluded.lamport_clock, event_type = excluded.event_type, "
    "body = excluded.body"
)
_KEEP_LARGER_CLOCK = "max(value, excluded.value)"
_ORDER = "ORDER BY lamport_clock, node_id, seq"


# --- clock values beyond SQLite's 64-bit integers ----------------------------------------------


def clock_to_column(value: int) -> Union[int, str]:
    """Store a Lamport clock so that SQLite's ordering is numeric ordering.

    ``Event.lamport_clock`` is unbounded, SQLite integers are 64-bit.  Larger values are kept
    as text: SQLite sorts every text after every integer, and the fixed-width length prefix
    makes text order equal numeric order among the large values themselves.  The ``~`` keeps
    the column's integer affinity from converting the text back.
    """
    if value <= _INT64_MAX:
        return value
    digits = format(value, "x")
    return f"~{len(digits):08x}{digits}"


def clock_from_column(stored: Union[int, str]) -> int:
    if isinstance(stored, int):
        return stored
    return int(stored[9:], 16)


# --- the connection ----------------------------------------------------------------------------


class _Database:
    """One connection to one file, serialized by a lock so a store can be shared by threads."""

    def __init__(self, path: PathLike, timeout: float, synchronous: Synchronous) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._conn = self._connect(timeout)
        try:
            self._prepare(synchronous)
        except BaseException:
            self._conn.close()
            raise

    def _connect(self, timeout: float) -> sqlite3.Connection:
        try:
            # isolation_level=None: transactions are begun explicitly, never implicitly.
            return sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StorageError(f"SQLite database {self.path}: cannot open: {exc}") from exc

    def _inspect(self) -> Tuple[int, int, int]:
        """Application id, layout version and object count; reading them writes nothing."""
        (app_id,) = self._conn.execute("PRAGMA application_id").fetchone()
        (version,) = self._conn.execute("PRAGMA user_version").fetchone()
        (objects,) = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return int(app_id), int(version), int(objects)

    def _check_ours(self, app_id: int, version: int, objects: int) -> bool:
        """True when the schema exists; raise for files that are not ours to touch."""
        if app_id == APPLICATION_ID:
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"SQLite database {self.path}: layout version {version} was written by a "
                    f"newer spec-kitty-events (this one reads up to {SCHEMA_VERSION})"
                )
            return True
        if app_id != 0 or objects:
            raise StorageError(
                f"SQLite database {self.path} belongs to another application "
                f"(application_id {app_id}, {objects} schema objects); refusing to use it"
            )
        return False

    def _prepare(self, synchronous: Synchronous) -> None:
        with self._translated("open"):
            if self._check_ours(*self._inspect()):
                self._configure(synchronous)
                return
            self._configure(synchronous)
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have created the schema while we waited for the lock.
                if not self._check_ours(*self._inspect()):
                    for statement in _SCHEMA:
                        self._conn.execute(statement)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _configure(self, synchronous: Synchronous) -> None:
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute(f"PRAGMA synchronous = {synchronous}")

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StorageError(f"SQLite database {self.path}: {action} failed: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        with self._lock, self._translated("write"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] = ()) -> List[Tuple[object, ...]]:
        with self._lock, self._translated("read"):
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class _SQLiteAdapter:
    """Opening, closing and ``with`` support shared by the three adapters."""

    def __init__(
        self, path: PathLike, *, timeout: float = 30.0, synchronous: Synchronous = "FULL"
    ) -> None:
        self._db = _Database(path, timeout, synchronous)

    @property
    def path(self) -> str:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- adapters ----------------------------------------------------------------------------------


class SQLiteEventStore(_SQLiteAdapter, EventStore):
    """Events in one SQLite file, loaded in ``(lamport_clock, node_id)`` order.

    Saving is idempotent by ``event_id``: the same event again is a no-op, the same id with
    different content raises :class:`StorageError` and writes nothing (``on_conflict=
    "replace"`` replaces it instead, as the in-memory store does).  ``synchronous="FULL"``
    (the default) survives power loss; ``"NORMAL"`` is faster and still survives a crashed or
    killed process.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        on_conflict: OnConflict = "raise",
        timeout: float = 30.0,
        synchronous: Synchronous = "FULL",
    ) -> None:
        self._replace = check_on_conflict(on_conflict)
        super().__init__(path, timeout=timeout, synchronous=synchronous)

    def save_event(self, event: Event) -> None:
        self.save_events([event])

    def save_events(self, events: Iterable[Event]) -> None:
        """Save a batch in one transaction: every event is stored, or none is."""
        rows = distinct_rows(events, replace=self._replace)
        if not rows:
            return
        with self._db.transaction() as conn:
            for row in rows:
                self._insert(conn, row)

    def _insert(self, conn: sqlite3.Connection, row: EventRow) -> None:
        inserted = conn.execute(
            _REPLACE_EVENT if self._replace else _INSERT_EVENT,
            (
                row.event_id,
                row.aggregate_id,
                row.node_id,
                clock_to_column(row.lamport_clock),
                row.event_type,
                row.body,
            ),
        ).rowcount
        if inserted:
            return
        (stored,) = conn.execute(
            "SELECT body FROM events WHERE event_id = ?", (row.event_id,)
        ).fetchone()
        if not same_content(stored, row.body):
            raise conflict_error(row.event_id)

    def load_events(self, aggregate_id: str) -> List[Event]:
        return self._events(
            f"SELECT event_id, body FROM events WHERE aggregate_id = ? {_ORDER}", (aggregate_id,)
        )

    def load_all_events(self) -> List[Event]:
        return self._events(f"SELECT event_id, body FROM events {_ORDER}")

    def count(self) -> int:
        """Number of stored events, without reading them."""
        ((total,),) = self._db.query("SELECT count(*) FROM events")
        assert isinstance(total, int)
        return total

    def _events(self, sql: str, params: Sequence[object] = ()) -> List[Event]:
        return [
            event_from_body(str(body), f"SQLite database {self.path}, event {event_id}")
            for event_id, body in self._db.query(sql, params)
        ]


class SQLiteClockStorage(_SQLiteAdapter, ClockStorage):
    """Per-node Lamport clock values in one SQLite file.

    ``save`` keeps the larger of the stored and the given value, atomically, so several
    processes saving one node's clock can never move it backwards.  ``monotonic=False``
    overwrites instead, as the in-memory storage does.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        monotonic: bool = True,
        timeout: float = 30.0,
        synchronous: Synchronous = "FULL",
    ) -> None:
        super().__init__(path, timeout=timeout, synchronous=synchronous)
        self._new_value = _KEEP_LARGER_CLOCK if monotonic else "excluded.value"

    def load(self, node_id: str) -> int:
        rows = self._db.query(
            "SELECT value FROM clocks WHERE node_id = ?", (check_node_id(node_id),)
        )
        if not rows:
            return 0
        stored = rows[0][0]
        assert isinstance(stored, (int, str))
        return clock_from_column(stored)

    def save(self, node_id: str, clock_value: int) -> None:
        value = clock_to_column(check_clock_value(clock_value))
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO clocks (node_id, value) VALUES (?, ?) "
                f"ON CONFLICT (node_id) DO UPDATE SET value = {self._new_value}",
                (check_node_id(node_id), value),
            )


class SQLiteErrorStorage(_SQLiteAdapter, ErrorStorage):
    """A bounded error log in one SQLite file: the newest ``max_entries`` entries are kept.

    As with the in-memory adapter, "newest" means most recently appended; ``max_entries <= 0``
    keeps nothing.
    """

    def __init__(
        self,
        path: PathLike,
        max_entries: int = 100,
        *,
        timeout: float = 30.0,
        synchronous: Synchronous = "FULL",
    ) -> None:
        super().__init__(path, timeout=timeout, synchronous=synchronous)
        self._keep = max(0, max_entries)

    def append(self, entry: ErrorEntry) -> None:
        body = error_body(entry)
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO errors (body) VALUES (?)", (body,))
            conn.execute(
                "DELETE FROM errors WHERE seq <= "
                "(SELECT seq FROM errors ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (self._keep,),
            )

    def load_recent(self, limit: int = 10) -> List[ErrorEntry]:
        check_limit(limit)
        rows = self._db.query("SELECT seq, body FROM errors ORDER BY seq DESC LIMIT ?", (limit,))
        return [
            entry_from_body(str(body), f"SQLite database {self.path}, error entry {seq}")
            for seq, body in rows
        ]


__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "SQLiteClockStorage",
    "SQLiteErrorStorage",
    "SQLiteEventStore",
]
