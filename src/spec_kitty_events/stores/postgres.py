"""Storage adapters on a PostgreSQL database, for many concurrent writers in many processes.

Needs the ``postgres`` extra (psycopg 3): ``pip install 'spec-kitty-events[postgres]'``.

The database enforces what must hold under concurrency: ``event_id`` is a unique key, so two
processes saving one event store it once; clock saves are a single ``GREATEST`` upsert, so a
node's clock never moves backwards.  Tables live in the connection's ``search_path`` (set
``options=-csearch_path=...`` in the DSN to keep several stores in one database) and are
created on first use, under an advisory lock so concurrent first users do not race.

One store object may be shared by threads: it keeps a pool of connections (``psycopg_pool``,
at most ``pool_size``, 4 by default), so reads run side by side and each write takes a
connection for its transaction; a connection the server dropped is replaced before use.

Every failure reaches the caller as :class:`StorageError` naming host, port and database;
the password is never part of a message.
"""

from __future__ import annotations

import logging
import os
import weakref
from contextlib import contextmanager
from itertools import count
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout
except ImportError as exc:
    raise ImportError(
        "spec_kitty_events.stores.postgres needs psycopg 3 and psycopg-pool, which the "
        "'postgres' extra installs: pip install 'spec-kitty-events[postgres]'"
    ) from exc

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

Connection = psycopg.Connection[Tuple[object, ...]]
_Self = TypeVar("_Self", bound="_PostgresAdapter")
_Result = TypeVar("_Result")

# The pool logs its reconnection attempts as warnings; without this, a program that configured
# no logging would get them on stderr from Python's last-resort handler.  Configured handlers
# (the root logger's included) still receive them.
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())

# Connections one store object opens at most: enough for a few threads to read side by side,
# few enough that many processes with a store each stay well under max_connections (100).
DEFAULT_POOL_SIZE = 4
# How long a call waits for a busy pool before checking that the server still answers.
_BUSY_CHECK = 1.0

# Key of the transaction-level advisory lock held while the tables are created.
_SCHEMA_LOCK = 0x534B4556
# A deadlock between two batches that share ids is resolved by retrying the loser.
_WRITE_ATTEMPTS = 5
_TRANSIENT = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)

_SCHEMA = (
    "CREATE TABLE spec_kitty_meta (key text PRIMARY KEY, value text NOT NULL)",
    # node_id in the "C" collation: code-point order, as Python compares strings.
    # lamport_clock is numeric because Event.lamport_clock has no upper bound.
    """CREATE TABLE spec_kitty_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        aggregate_id text COLLATE "C" NOT NULL,
        node_id text COLLATE "C" NOT NULL,
        lamport_clock numeric NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL
    )""",
    "CREATE INDEX spec_kitty_events_in_order ON spec_kitty_events (lamport_clock, node_id, seq)",
    "CREATE INDEX spec_kitty_events_by_aggregate "
    "ON spec_kitty_events (aggregate_id, lamport_clock, node_id, seq)",
    "CREATE TABLE spec_kitty_clocks (node_id text PRIMARY KEY, value numeric NOT NULL)",
    "CREATE TABLE spec_kitty_errors ("
    "seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)",
)

_INSERT_EVENTS = """
    INSERT INTO spec_kitty_events
        (event_id, aggregate_id, node_id, lamport_clock, event_type, body)
    SELECT e, a, n, c, t, b
    FROM unnest(%s::text[], %s::text[], %s::text[], %s::numeric[], %s::text[], %s::text[])
        WITH ORDINALITY AS batch (e, a, n, c, t, b, position)
    ORDER BY position
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
"""
# The row keeps its seq, so a replaced event keeps its first-save position among ties.
_REPLACE_EVENTS = """
    UPDATE spec_kitty_events AS stored
    SET aggregate_id = batch.a, node_id = batch.n, lamport_clock = batch.c,
        event_type = batch.t, body = batch.b
    FROM unnest(%s::text[], %s::text[], %s::text[], %s::numeric[], %s::text[], %s::text[])
        AS batch (e, a, n, c, t, b)
    WHERE stored.event_id = batch.e
"""
# Held from before a batch draws its seq values until it commits, so batches commit in seq
# order and a reader never passes a position below which a batch is still in flight
# (docs/stores.md, "Positions").  EXCLUSIVE still lets plain SELECTs through.
_SERIALIZE_WRITERS = "LOCK TABLE spec_kitty_events IN EXCLUSIVE MODE"
# Woken listeners of every store in the database get the schema, to tell their own apart.
NOTIFY_CHANNEL = "spec_kitty_events"
_NOTIFY = f"SELECT pg_notify('{NOTIFY_CHANNEL}', current_schema())"
_KEEP_LARGER_CLOCK = "GREATEST(spec_kitty_clocks.value, excluded.value)"
_ORDER = "ORDER BY lamport_clock, node_id, seq"
# Rows per statement when a whole table is read into a list.
_LIST_PAGE = 1000
# The clock-index pages of iter_events and load_all_events (see _common.paged_events).
_PAGE = "SELECT lamport_clock, node_id, seq, event_id, body FROM spec_kitty_events"
_FIRST_PAGE = f"{_PAGE} {_ORDER} LIMIT %s"
_NEXT_PAGE = f"{_PAGE} WHERE (lamport_clock, node_id, seq) > (%s, %s, %s) {_ORDER} LIMIT %s"


# --- naming the server without leaking the password --------------------------------------------


def _server_name(params: Dict[str, str]) -> str:
    host = params.get("host") or params.get("hostaddr") or os.environ.get("PGHOST") or "(default)"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or "(default)"
    return f"PostgreSQL host={host} port={port} dbname={dbname}"


def _parse_dsn(dsn: str) -> Dict[str, str]:
    try:
        return {key: str(value) for key, value in conninfo_to_dict(dsn).items()}
    except psycopg.Error:
        # The parser's message quotes the DSN, password and all: do not pass it on.
        raise StorageError(
            "PostgreSQL: the connection string cannot be parsed (it is not shown, as it may "
            "contain a password)"
        ) from None


def _scrubbed(message: object, secrets: Sequence[str]) -> str:
    text = str(message).strip()
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# --- the connections ----------------------------------------------------------------------------


class _Database:
    """A pool of connections: reads run side by side, each write takes one for its transaction.

    The pool (``psycopg_pool``) holds between one and ``pool_size`` autocommit connections
    and checks each one before handing it out, so a connection the server dropped is
    replaced instead of failing the call.  The layout is looked for (and created) on a
    connection of its own before the pool opens, so the constructor fails at once, with the
    driver's reason, when the server cannot be reached.
    """

    def __init__(self, dsn: str, connect_timeout: float, pool_size: int) -> None:
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError(f"pool_size must be an int of at least 1, got {pool_size!r}")
        params = _parse_dsn(dsn)
        self.where = _server_name(params)
        self._conninfo = dsn
        if "connect_timeout" not in params:
            # Without a timeout an unreachable host hangs for as long as TCP retries.
            self._conninfo = make_conninfo(dsn, connect_timeout=max(1, round(connect_timeout)))
        self._secrets = (params.get("password", ""), os.environ.get("PGPASSWORD", ""))
        self._closed = False
        first = self._connect()
        try:
            self._prepare(first)
        finally:
            first.close()
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            self._conninfo,
            kwargs={"autocommit": True},
            min_size=1,
            max_size=pool_size,
            open=True,
            check=ConnectionPool.check_connection,
            name=self.where,
            # Opening connections is the workers' only job in a pool this small.
            num_workers=1,
        )
        # A store dropped without close() must still stop the pool's threads, and from the
        # thread that dropped it: left to the pool's own __del__, the last reference may go
        # in one of those threads, which cannot join itself.
        self._finalizer = weakref.finalize(self, self._pool.close)

    def _connect(self) -> Connection:
        try:
            return psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise StorageError(
                f"{self.where}: cannot connect: {_scrubbed(exc, self._secrets)}"
            ) from None

    def _stored_version(self, conn: Connection) -> Optional[int]:
        """The layout version on the server, ``None`` when our tables do not exist yet.

        ``to_regclass`` answers from the session's catalog cache, which may still say "no
        such table" after another session created it; that is fine for this quick look,
        whose "no" only sends the caller to :meth:`_locked_version`.
        """
        (meta,) = conn.execute("SELECT to_regclass('spec_kitty_meta')").fetchone() or (None,)
        return None if meta is None else self._version_in_meta(conn)

    def _locked_version(self, conn: Connection) -> Optional[int]:
        """The layout version, read under the schema lock from the catalog tables themselves.

        A query on ``pg_class`` sees every transaction committed before it started, so a
        layout another process finished creating while we waited for the lock is found here.
        """
        found = {
            str(name)
            for (name,) in conn.execute(
                # By name, not a regnamespace cast, which would fold a quoted name's case.
                "SELECT c.relname FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() "
                "AND c.relname IN ('spec_kitty_meta', 'spec_kitty_events')"
            )
        }
        if "spec_kitty_meta" in found:
            return self._version_in_meta(conn)
        if "spec_kitty_events" in found:
            raise StorageError(
                f"{self.where}: a table spec_kitty_events exists without "
                "spec_kitty_meta; it was not created by spec-kitty-events, refusing to use it"
            )
        return None

    def _version_in_meta(self, conn: Connection) -> int:
        row = conn.execute(
            "SELECT value FROM spec_kitty_meta WHERE key = 'schema_version'"
        ).fetchone()
        if row is None or not str(row[0]).isdigit():
            raise StorageError(f"{self.where}: spec_kitty_meta carries no valid schema_version")
        return int(str(row[0]))

    def _check_version(self, version: Optional[int]) -> bool:
        """True when the tables exist in a layout this library reads."""
        if version is not None and version > SCHEMA_VERSION:
            raise StorageError(
                f"{self.where}: layout version {version} was written by a newer "
                f"spec-kitty-events (this one reads up to {SCHEMA_VERSION})"
            )
        return version is not None

    def _prepare(self, conn: Connection) -> None:
        """Find the layout, or create all of it in one transaction under an advisory lock.

        Concurrent first users queue on the lock; the first creates the tables, the others
        find them once it commits.  DDL is transactional, so no session ever sees part of
        the layout.
        """
        with self._translated("open"):
            if self._check_version(self._stored_version(conn)):
                return
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                if not self._check_version(self._locked_version(conn)):
                    self._create(conn)

    def _create(self, conn: Connection) -> None:
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO spec_kitty_meta (key, value) VALUES ('schema_version', %s)",
            (str(SCHEMA_VERSION),),
        )

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise StorageError(
                f"{self.where}: {action} failed: {_scrubbed(exc, self._secrets)}"
            ) from exc

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A live connection of the pool, for as long as the block runs.

        While every connection is busy the caller waits, as long as it takes (as it waited
        for the single connection's lock before); every ``_BUSY_CHECK`` seconds of waiting
        a connection of its own asks whether the server still answers, so a server that went
        away fails the call with the driver's reason instead of a silent wait.
        """
        while True:
            if self._closed:
                raise StorageError(f"{self.where}: the store was closed")
            try:
                conn = self._pool.getconn(timeout=_BUSY_CHECK)
                break
            except PoolClosed:
                raise StorageError(f"{self.where}: the store was closed") from None
            except PoolTimeout:
                self._connect().close()
        try:
            yield conn
        finally:
            self._pool.putconn(conn)

    def write(self, work: Callable[[Connection], _Result]) -> _Result:
        """Run ``work`` in one transaction, retrying it when the server picked it as a
        deadlock or serialization victim (nothing of a failed attempt is kept)."""
        for attempt in count(1):
            try:
                with self._connection() as conn, self._translated("write"), conn.transaction():
                    return work(conn)
            except StorageError as exc:
                if attempt >= _WRITE_ATTEMPTS or not isinstance(exc.__cause__, _TRANSIENT):
                    raise
        raise AssertionError("unreachable: count() never ends")  # pragma: no cover

    def query(self, sql: str, params: Sequence[object] = ()) -> List[Tuple[object, ...]]:
        with self._connection() as conn, self._translated("read"):
            return conn.execute(sql, params).fetchall()

    @contextmanager
    def snapshot(self) -> Iterator[Query]:
        """Queries that all see the database as of the first one (one read-only transaction
        on one connection), for a result read in several statements."""
        with self._connection() as conn, self._translated("read"), conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield lambda sql, params=(): conn.execute(sql, params).fetchall()

    def close(self) -> None:
        self._closed = True
        self._finalizer()


class _PostgresAdapter:
    """Connecting, closing and ``with`` support shared by the three adapters."""

    def __init__(
        self, dsn: str, *, connect_timeout: float = 10.0, pool_size: int = DEFAULT_POOL_SIZE
    ) -> None:
        self._db = _Database(dsn, connect_timeout, pool_size)

    @property
    def where(self) -> str:
        """Host, port and database, for messages; never the password."""
        return self._db.where

    def close(self) -> None:
        self._db.close()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _check_text(row: EventRow) -> None:
    # PostgreSQL text cannot hold NUL; the JSON body escapes it, the plain columns cannot.
    for field in ("aggregate_id", "node_id", "event_type"):
        if "\x00" in getattr(row, field):
            raise RejectedEventError(
                row.event_id,
                field,
                f"event {row.event_id}: {field} contains a NUL character, "
                "which PostgreSQL text cannot store",
            )


def _columns(rows: List[EventRow]) -> Tuple[List[str], ...]:
    """The rows as one array per column, for ``unnest``."""
    return (
        [row.event_id for row in rows],
        [row.aggregate_id for row in rows],
        [row.node_id for row in rows],
        [str(row.lamport_clock) for row in rows],
        [row.event_type for row in rows],
        [row.body for row in rows],
    )


# --- adapters ----------------------------------------------------------------------------------


class PostgresEventStore(_PostgresAdapter, EventStore):
    """Events in PostgreSQL, loaded in ``(lamport_clock, node_id)`` order.

    Saving is idempotent by ``event_id``: the same event again is a no-op, the same id with
    different content raises :class:`StorageError` and the whole batch is rolled back
    (``on_conflict="replace"`` replaces it instead, as the in-memory store does).
    """

    def __init__(
        self,
        dsn: str,
        *,
        on_conflict: OnConflict = "raise",
        connect_timeout: float = 10.0,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        self._replace = check_on_conflict(on_conflict)
        super().__init__(dsn, connect_timeout=connect_timeout, pool_size=pool_size)

    def save_event(self, event: Event) -> None:
        self.save_events([event])

    def save_events(self, events: Iterable[Event]) -> int:
        """Save a batch in one transaction: every event is stored, or none is.

        Returns how many of them this call stored: events whose ``event_id`` was not stored
        before (an identical redelivery, or a replacement, adds nothing).  The count comes
        from the rows the insert wrote, so concurrent writers' events are never in it.
        """
        return self.save_rows(event_row(event) for event in events)

    def save_rows(self, rows: Iterable[EventRow]) -> int:
        """:meth:`save_events` for events already serialized by
        :func:`spec_kitty_events.stores._common.event_row` (``ingest`` serializes them in its
        worker processes); the same transaction, checks and count."""
        rows = distinct_rows(rows, replace=self._replace)
        for row in rows:
            _check_text(row)
        if not rows:
            return 0
        return self._db.write(lambda conn: self._insert(conn, rows))

    def _insert(self, conn: Connection, rows: List[EventRow]) -> int:
        conn.execute(_SERIALIZE_WRITERS)
        inserted = {str(r[0]) for r in conn.execute(_INSERT_EVENTS, _columns(rows))}
        if inserted:
            # Delivered at commit, so a woken reader finds the rows.
            conn.execute(_NOTIFY)
        already = [row for row in rows if row.event_id not in inserted]
        if already and self._replace:
            conn.execute(_REPLACE_EVENTS, _columns(already))
        elif already:
            self._check_unchanged(conn, already)
        return len(inserted)

    def _check_unchanged(self, conn: Connection, rows: List[EventRow]) -> None:
        found = conn.execute(
            "SELECT event_id, body FROM spec_kitty_events WHERE event_id = ANY(%s)",
            ([row.event_id for row in rows],),
        )
        stored = {str(event_id): str(body) for event_id, body in found}
        for row in rows:
            if not same_content(stored[row.event_id], row.body):
                raise conflict_error(row.event_id)

    def load_events(self, aggregate_id: str) -> List[Event]:
        return self._events(
            f"SELECT event_id, body FROM spec_kitty_events WHERE aggregate_id = %s {_ORDER}",
            (aggregate_id,),
        )

    def load_all_events(self) -> List[Event]:
        """Every stored event, as the store held them at one instant.

        Read in pages, so the driver never holds every raw row at once, in one read-only
        snapshot, so the list is what a single query would have returned.
        """
        with self._db.snapshot() as query:
            return list(self._pages(query, _LIST_PAGE))

    def iter_events(self, page_size: int = 1000) -> Iterator[Event]:
        """Every stored event in the order of :meth:`load_all_events`, read page by page.

        Memory holds one page, whatever the store holds.  Each page is its own read, along
        the clock index (on whichever pooled connection is free, none held between pages):
        an event stored meanwhile is seen if it sorts after the page read last, so a store
        being written to yields a mix of before and after.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        yield from self._pages(self._db.query, page_size)

    def _pages(self, query: Query, page_size: int) -> Iterator[Event]:
        return paged_events(query, _FIRST_PAGE, _NEXT_PAGE, page_size, self.where)

    def read_since(self, position: int, limit: int = 1000) -> List[PositionedEvent]:
        """Up to ``limit`` events after ``position``; a position is the event's ``seq``.

        Writers hold an EXCLUSIVE lock on the table from before they draw ``seq`` values to
        their commit, so ``seq`` order is commit order and a reader that has seen position
        ``p`` can never later find a committed event below ``p``.
        """
        rows = self._db.query(
            "SELECT seq, event_id, body FROM spec_kitty_events WHERE seq > %s "
            "ORDER BY seq LIMIT %s",
            (check_position(position), check_read_limit(limit)),
        )
        return positioned_events(rows, self.where)

    def count(self) -> int:
        """Number of stored events, without reading them."""
        ((total,),) = self._db.query("SELECT count(*) FROM spec_kitty_events")
        assert isinstance(total, int)
        return total

    def _events(self, sql: str, params: Sequence[object] = ()) -> List[Event]:
        return [
            event_from_body(str(body), f"{self.where}, event {event_id}")
            for event_id, body in self._db.query(sql, params)
        ]


class PostgresClockStorage(_PostgresAdapter, ClockStorage):
    """Per-node Lamport clock values in PostgreSQL.

    ``save`` is one atomic ``GREATEST`` upsert: concurrent saves of one node's clock keep the
    largest value, so the stored clock never moves backwards.  ``monotonic=False`` overwrites
    instead, as the in-memory storage does.
    """

    def __init__(
        self,
        dsn: str,
        *,
        monotonic: bool = True,
        connect_timeout: float = 10.0,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        super().__init__(dsn, connect_timeout=connect_timeout, pool_size=pool_size)
        new_value = _KEEP_LARGER_CLOCK if monotonic else "excluded.value"
        self._upsert = (
            "INSERT INTO spec_kitty_clocks (node_id, value) VALUES (%s, %s::numeric) "
            f"ON CONFLICT (node_id) DO UPDATE SET value = {new_value}"
        )

    def load(self, node_id: str) -> int:
        rows = self._db.query(
            "SELECT value FROM spec_kitty_clocks WHERE node_id = %s", (self._key(node_id),)
        )
        return int(str(rows[0][0])) if rows else 0

    def save(self, node_id: str, clock_value: int) -> None:
        value = check_clock_value(clock_value)
        key = self._key(node_id)
        self._db.write(lambda conn: conn.execute(self._upsert, (key, str(value))))

    def _key(self, node_id: str) -> str:
        key = check_node_id(node_id)
        if "\x00" in key:
            raise StorageError(f"{self.where}: node_id contains a NUL character")
        return key


class PostgresErrorStorage(_PostgresAdapter, ErrorStorage):
    """A bounded error log in PostgreSQL: the newest ``max_entries`` entries are kept.

    "Newest" means most recently appended; ``max_entries <= 0`` keeps nothing.
    """

    def __init__(
        self,
        dsn: str,
        max_entries: int = 100,
        *,
        connect_timeout: float = 10.0,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        super().__init__(dsn, connect_timeout=connect_timeout, pool_size=pool_size)
        self._keep = max(0, max_entries)

    def append(self, entry: ErrorEntry) -> None:
        body = error_body(entry)
        self._db.write(lambda conn: self._append(conn, body))

    def _append(self, conn: Connection, body: str) -> None:
        conn.execute("INSERT INTO spec_kitty_errors (body) VALUES (%s)", (body,))
        conn.execute(
            "DELETE FROM spec_kitty_errors WHERE seq <= "
            "(SELECT seq FROM spec_kitty_errors ORDER BY seq DESC OFFSET %s LIMIT 1)",
            (self._keep,),
        )

    def load_recent(self, limit: int = 10) -> List[ErrorEntry]:
        check_limit(limit)
        rows = self._db.query(
            "SELECT seq, body FROM spec_kitty_errors ORDER BY seq DESC LIMIT %s", (limit,)
        )
        return [
            entry_from_body(str(body), f"{self.where}, error entry {seq}") for seq, body in rows
        ]


__all__ = [
    "NOTIFY_CHANNEL",
    "SCHEMA_VERSION",
    "RejectedEventError",
    "PostgresClockStorage",
    "PostgresErrorStorage",
    "PostgresEventStore",
]
