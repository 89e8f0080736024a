"""Storage adapters on one SQLite file (standard-library ``sqlite3``, WAL mode).

Several processes may open the same file: every write is one ``BEGIN IMMEDIATE``
transaction, so writers queue behind SQLite's lock (up to ``timeout`` seconds) instead of
failing half-way.  The three adapters may share one file; each opens its own connection.

The file is marked as ours with ``PRAGMA application_id`` and carries its layout version in
``PRAGMA user_version``.  A file that is not a database, belongs to another application, or
was written by a newer layout is refused with :class:`StorageError` before anything is
written to it.  ``read_only=True`` opens an existing store without writing or creating
anything (see ``docs/stores.md``, "Concurrent first use", for both).
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import (
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from spec_kitty_events._positions import check_position, check_read_limit
from spec_kitty_events.models import ErrorEntry, Event, StorageError
from spec_kitty_events.storage import ClockStorage, ErrorStorage, EventStore, PositionedEvent
from spec_kitty_events.stores._common import (
    SCHEMA_VERSION,
    EventRow,
    OnConflict,
    Query,
    RejectedEventError,
    check_clock_value,
    check_limit,
    check_node_id,
    check_on_conflict,
    conflict_error,
    distinct_rows,
    entry_from_body,
    error_body,
    event_from_body,
    event_row,
    paged_events,
    positioned_events,
    same_content,
)

# "SKEV" in ASCII: tells our files apart from any other SQLite database.
APPLICATION_ID = 0x534B4556

Synchronous = Literal["FULL", "NORMAL"]
PathLike = Union[str, "os.PathLike[str]"]

_INT64_MAX = 2**63 - 1
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
# Retries of lock waits SQLite does not hand to its busy handler start short and grow to this.
_FIRST_PAUSE, _LONGEST_PAUSE = 0.002, 0.1
_Self = TypeVar("_Self", bound="_SQLiteAdapter")
# Rows per statement when a whole table is read into a list.
_LIST_PAGE = 1000

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

# One statement, so the three values come from one read transaction: a file created by another
# process between two separate reads would look like a foreign database.
_READ_HEADER = (
    "SELECT (SELECT application_id FROM pragma_application_id), "
    "(SELECT user_version FROM pragma_user_version), "
    "(SELECT count(*) FROM sqlite_master)"
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
# Below SQLite's smallest limit on bound parameters (999 before 3.32).
_IDS_PER_QUERY = 500
_ORDER = "ORDER BY lamport_clock, node_id, seq"
# The clock-index pages of iter_events and load_all_events (see _common.paged_events).
_PAGE = "SELECT lamport_clock, node_id, seq, event_id, body FROM events"
_FIRST_PAGE = f"{_PAGE} {_ORDER} LIMIT ?"
_NEXT_PAGE = f"{_PAGE} WHERE (lamport_clock, node_id, seq) > (?, ?, ?) {_ORDER} LIMIT ?"


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


_clock_of = attrgetter("lamport_clock")


def _bound(row: EventRow) -> Tuple[object, ...]:
    """A row's values in the column order of ``_INSERT_EVENT`` and ``_REPLACE_EVENT``, which
    is the row's own field order."""
    return (
        row.event_id,
        row.aggregate_id,
        row.node_id,
        clock_to_column(row.lamport_clock),
        row.event_type,
        row.body,
    )


def _all_bound(rows: List[EventRow]) -> Sequence[Tuple[object, ...]]:
    """:func:`_bound` of each row; the rows themselves when every clock is an integer to
    SQLite, as in all but the most unusual batch."""
    if max(map(_clock_of, rows)) <= _INT64_MAX:
        return rows
    return [_bound(row) for row in rows]


def clock_from_column(stored: Union[int, str]) -> int:
    if isinstance(stored, int):
        return stored
    return int(stored[9:], 16)


# --- the connection ----------------------------------------------------------------------------


class _Database:
    """One connection to one file, serialized by a lock, so a store can be shared by threads.

    Opening is safe when many processes open one new file at once: the header is read in
    one statement (one consistent snapshot), the layout is created in one ``BEGIN
    IMMEDIATE`` transaction and checked again once the lock is held, and the lock waits that
    SQLite does not hand to its busy handler (the switch to WAL, recovery) are retried here
    with a growing pause until ``timeout``.
    """

    def __init__(
        self, path: PathLike, timeout: float, synchronous: Synchronous, read_only: bool
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        self.path = os.fspath(path)
        self.read_only = read_only
        self._timeout = timeout
        self._lock = threading.Lock()
        if read_only:
            self._conn = self._open_read_only()
            return
        self._conn = self._connect(self.path)
        try:
            with self._translated("open"):
                self._until_not_busy(lambda: self._prepare(synchronous))
        except BaseException:
            self._conn.close()
            raise

    def _connect(self, target: str, uri: bool = False) -> sqlite3.Connection:
        try:
            # isolation_level=None: transactions are begun explicitly, never implicitly.
            return sqlite3.connect(
                target,
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=uri,
            )
        except sqlite3.Error as exc:
            raise StorageError(f"SQLite database {self.path}: cannot open: {exc}") from exc

    def _until_not_busy(self, attempt: Callable[[], None]) -> None:
        """Run ``attempt`` again while another connection holds a lock it could not wait for."""
        deadline = time.monotonic() + self._timeout
        pause = _FIRST_PAUSE
        while True:
            try:
                attempt()
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() + pause > deadline:
                    raise
            # Jitter, so processes that collided once do not collide again in step.
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _header(self) -> Tuple[int, int, int]:
        """Application id, layout version and object count, from one snapshot."""
        row = self._conn.execute(_READ_HEADER).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def _check_ours(self, app_id: int, version: int, objects: int) -> bool:
        """True when the layout exists; raise for files that are not ours to touch.

        Application id 0 with no schema object is a new, empty file: ours to initialise.
        """
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
        exists = self._check_ours(*self._header())
        # Asking first keeps an existing store from taking the exclusive lock a switch needs.
        (mode,) = self._conn.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() != "wal":
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute(f"PRAGMA synchronous = {synchronous}")
        if exists:
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created the layout while we waited for the lock.
            if not self._check_ours(*self._header()):
                for statement in _SCHEMA:
                    self._conn.execute(statement)
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _open_read_only(self) -> sqlite3.Connection:
        """A connection that writes nothing: no file, journal or layout is ever created."""
        if not os.path.isfile(self.path):
            raise StorageError(f"SQLite database {self.path}: cannot open: no such file")
        uri = Path(os.path.abspath(self.path)).as_uri()
        conn = self._connect(f"{uri}?mode=ro", uri=True)
        try:
            return self._checked_read_only(conn)
        except sqlite3.Error as exc:
            conn.close()
            # WAL needs a -shm file beside the database.  With no -wal file the last writer
            # has checkpointed and closed, so the file alone is the whole store: read it as
            # immutable when the directory does not let this process create the -shm file.
            if os.path.exists(self.path + "-wal"):
                raise self._open_error(exc) from exc
        conn = self._connect(f"{uri}?mode=ro&immutable=1", uri=True)
        try:
            return self._checked_read_only(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise self._open_error(exc) from exc

    def _checked_read_only(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        self._conn = conn
        try:
            if not self._check_ours(*self._header()):
                raise StorageError(
                    f"SQLite database {self.path} holds no spec-kitty-events store yet "
                    "(opened read-only, so nothing was created)"
                )
        except StorageError:
            conn.close()
            raise
        return conn

    def _open_error(self, exc: sqlite3.Error) -> StorageError:
        return StorageError(f"SQLite database {self.path}: open failed: {exc}")

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StorageError(f"SQLite database {self.path}: {action} failed: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        if self.read_only:
            raise StorageError(f"SQLite database {self.path} was opened read-only")
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

    @contextmanager
    def snapshot(self) -> Iterator[Query]:
        """Queries that all see the file as of the first one (one read transaction: WAL
        keeps its snapshot until it ends), for a result read in several statements."""
        with self._lock, self._translated("read"):
            self._conn.execute("BEGIN")
            try:
                yield lambda sql, params=(): self._conn.execute(sql, params).fetchall()
            finally:
                self._conn.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return (code & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(exc)


class _SQLiteAdapter:
    """Opening, closing and ``with`` support shared by the three adapters."""

    def __init__(
        self,
        path: PathLike,
        *,
        timeout: float = 30.0,
        synchronous: Synchronous = "FULL",
        read_only: bool = False,
    ) -> None:
        self._db = _Database(path, timeout, synchronous, read_only)

    @property
    def path(self) -> str:
        return self._db.path

    @property
    def read_only(self) -> bool:
        """True when opened with ``read_only=True``: every write raises ``StorageError``."""
        return self._db.read_only

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
    killed process.  ``read_only=True`` opens an existing store for reading only: nothing is
    created or written, so a file or directory this process may not write can be read.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        on_conflict: OnConflict = "raise",
        timeout: float = 30.0,
        synchronous: Synchronous = "FULL",
        read_only: bool = False,
    ) -> None:
        self._replace = check_on_conflict(on_conflict)
        super().__init__(path, timeout=timeout, synchronous=synchronous, read_only=read_only)

    def save_event(self, event: Event) -> None:
        self.save_events([event])

    def save_events(self, events: Iterable[Event]) -> int:
        """Save a batch in one transaction: every event is stored, or none is.

        Returns how many of them this call stored: events whose ``event_id`` was not stored
        before (an identical redelivery, or a replacement, adds nothing).
        """
        return self.save_rows(event_row(event) for event in events)

    def save_rows(self, rows: Iterable[EventRow]) -> int:
        """:meth:`save_events` for events already serialized by
        :func:`spec_kitty_events.stores._common.event_row` (``ingest`` serializes them in its
        worker processes); the same transaction, checks and count."""
        rows = distinct_rows(rows, replace=self._replace)
        if not rows:
            return 0
        with self._db.transaction() as conn:
            if self._replace:
                return sum(self._replace_one(conn, row) for row in rows)
            return self._insert_new(conn, rows)

    def _insert_new(self, conn: sqlite3.Connection, rows: List[EventRow]) -> int:
        """Store the rows whose ids are new, in one ``executemany``; an id stored with other
        content raises, and the transaction is rolled back with nothing of the batch written.

        The rows are inserted first and looked at only when fewer were written than given:
        a batch of new events (the usual case) costs no look-up.  The rows' ids are distinct
        (``distinct_rows``), so a row not written has an id that was stored before the batch,
        and a row written now reads back with its own body.
        """
        before = conn.total_changes
        conn.executemany(_INSERT_EVENT, _all_bound(rows))
        added = conn.total_changes - before
        if added < len(rows):
            stored = self._stored_bodies(conn, [row.event_id for row in rows])
            for row in rows:
                if not same_content(stored[row.event_id], row.body):
                    raise conflict_error(row.event_id)
        return added

    @staticmethod
    def _stored_bodies(conn: sqlite3.Connection, ids: List[str]) -> Dict[str, str]:
        """The stored body of each of ``ids`` that is stored, looked up a slice at a time."""
        stored: Dict[str, str] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            some = ids[start : start + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(some))
            found = conn.execute(
                f"SELECT event_id, body FROM events WHERE event_id IN ({marks})", some
            )
            stored.update((str(event_id), str(body)) for event_id, body in found)
        return stored

    def _replace_one(self, conn: sqlite3.Connection, row: EventRow) -> bool:
        """Store one row over any stored with its ``event_id``; True when the id is new."""
        # The write lock is held, so nothing can store this id between the two statements.
        known = conn.execute("SELECT 1 FROM events WHERE event_id = ?", (row.event_id,))
        is_new = known.fetchone() is None
        conn.execute(_REPLACE_EVENT, _bound(row))
        return is_new

    def load_events(self, aggregate_id: str) -> List[Event]:
        return self._events(
            f"SELECT event_id, body FROM events WHERE aggregate_id = ? {_ORDER}", (aggregate_id,)
        )

    def load_all_events(self) -> List[Event]:
        """Every stored event, as the file held them at one instant.

        Read in pages, so ``sqlite3`` never holds every raw row at once, in one read
        transaction, so the list is what a single query would have returned.
        """
        with self._db.snapshot() as query:
            return list(self._pages(query, _LIST_PAGE))

    def iter_events(self, page_size: int = 1000) -> Iterator[Event]:
        """Every stored event in the order of :meth:`load_all_events`, read page by page.

        Memory holds one page, whatever the store holds.  Each page is its own read, along
        the clock index: an event stored meanwhile is seen if it sorts after the page read
        last, so a store being written to yields a mix of before and after.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        yield from self._pages(self._db.query, page_size)

    def _pages(self, query: Query, page_size: int) -> Iterator[Event]:
        return paged_events(
            query, _FIRST_PAGE, _NEXT_PAGE, page_size, f"SQLite database {self.path}"
        )

    def read_since(self, position: int, limit: int = 1000) -> List[PositionedEvent]:
        """Up to ``limit`` events after ``position``; a position is the event's ``seq``.

        SQLite lets one writer in at a time (every save is ``BEGIN IMMEDIATE``), so ``seq``
        values become visible in the order they were assigned: nothing can commit below a
        position a reader has already passed.
        """
        rows = self._db.query(
            "SELECT seq, event_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (check_position(position), check_read_limit(limit)),
        )
        return positioned_events(rows, f"SQLite database {self.path}")

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
        read_only: bool = False,
    ) -> None:
        super().__init__(path, timeout=timeout, synchronous=synchronous, read_only=read_only)
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
        read_only: bool = False,
    ) -> None:
        super().__init__(path, timeout=timeout, synchronous=synchronous, read_only=read_only)
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
    "RejectedEventError",
    "SQLiteClockStorage",
    "SQLiteErrorStorage",
    "SQLiteEventStore",
]
