"""Where checkpoints live, who owns a projection, and how a runner waits for new events.

Checkpoints are rows of one table in the store's own database (``spec_kitty_checkpoints``),
so a runner needs nothing else to run.  One row is one projection: its position, its state
as JSON and the format and library version that wrote them; writing the row is writing the
state and the position together.  Every write is conditional on the position the writer
loaded (compare-and-set), so a runner that lost its projection to another cannot overwrite
newer work, whatever its clocks or connections did.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Literal, NamedTuple, Optional, Sequence, Tuple

from spec_kitty_events.models import StorageError

# Bumped whenever the checkpoint's state layout changes; checkpoints of another format (or
# another library version, whose reducers may fold differently) are refused.
CHECKPOINT_FORMAT = "spec-kitty-projection/1"
# A transaction-level advisory lock taken while the table is created (first use).
_TABLE_LOCK = 0x534B4550
# A dead peer's session is dropped (and its advisory locks released) after about
# idle + interval * count seconds without an answer: 5 + 2 * 3 = 11 s.
_KEEPALIVES = (
    "SET tcp_keepalives_idle = 5",
    "SET tcp_keepalives_interval = 2",
    "SET tcp_keepalives_count = 3",
)


class Checkpoint(NamedTuple):
    key: str
    position: int
    format: str
    library: str
    state: str


class Saved(NamedTuple):
    """One checkpoint write: ``expected`` is the position the state was folded from."""

    key: str
    expected: int
    position: int
    state: str


def lock_id(key: str) -> int:
    """A stable signed 64-bit advisory lock id for a projection key."""
    digest = hashlib.sha256(f"spec-kitty-projection:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def compare_and_set(
    execute: Callable[..., Any], mark: str, writes: Sequence[Saved], library: str
) -> List[str]:
    """Write each checkpoint only where it still holds the position its state was folded
    from; the keys of those another runner moved.  ``mark`` is the driver's placeholder.
    Runs inside the caller's transaction."""
    update = (
        f"UPDATE spec_kitty_checkpoints SET position = {mark}, state = {mark}, format = {mark}, "
        f"library = {mark} WHERE key = {mark} AND position = {mark}"
    )
    lost: List[str] = []
    for write in writes:
        row = (write.position, write.state, CHECKPOINT_FORMAT, library, write.key, write.expected)
        if not execute(update, row).rowcount:
            lost.append(write.key)
    return lost


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SQLiteCheckpoints:
    """Checkpoints in the store's SQLite file.  SQLite has no advisory locks: every claim
    succeeds, and two runners on one file are kept apart only by the compare-and-set."""

    def __init__(self, path: str, library: str) -> None:
        self.library = library
        # A runner may be built in one thread and run in another, one at a time.
        self._conn = sqlite3.connect(
            path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS spec_kitty_checkpoints (key TEXT PRIMARY KEY, "
                "position INTEGER NOT NULL, format TEXT NOT NULL, library TEXT NOT NULL, "
                "state TEXT NOT NULL)"
            )
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._conn.close()
            raise StorageError(
                f"SQLite database {path}: cannot prepare checkpoints: {exc}"
            ) from exc

    def claim(self, key: str) -> Optional[datetime]:
        self._conn.execute(
            "INSERT INTO spec_kitty_checkpoints VALUES (?, 0, ?, ?, '{}') "
            "ON CONFLICT (key) DO NOTHING",
            (key, CHECKPOINT_FORMAT, self.library),
        )
        return _now()

    def release(self, key: str) -> None:
        """Nothing to release: SQLite runners hold no locks."""

    def load(self, key: str) -> Optional[Checkpoint]:
        row = self._conn.execute(
            "SELECT key, position, format, library, state FROM spec_kitty_checkpoints "
            "WHERE key = ?",
            (key,),
        ).fetchone()
        return None if row is None else Checkpoint(*row)

    def load_prefix(self, prefix: str) -> List[Checkpoint]:
        rows = self._conn.execute(
            "SELECT key, position, format, library, state FROM spec_kitty_checkpoints "
            "WHERE substr(key, 1, ?) = ? ORDER BY key",
            (len(prefix), prefix),
        ).fetchall()
        return [Checkpoint(*row) for row in rows]

    def save(self, writes: Sequence[Saved]) -> Tuple[List[str], datetime]:
        """Write every checkpoint in one transaction; returns the keys another runner moved."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            lost = compare_and_set(self._conn.execute, "?", writes, self.library)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return lost, _now()

    def delete_prefix(self, prefix: str) -> int:
        self._conn.execute("BEGIN IMMEDIATE")
        deleted = self._conn.execute(
            "DELETE FROM spec_kitty_checkpoints WHERE substr(key, 1, ?) = ?",
            (len(prefix), prefix),
        ).rowcount
        self._conn.execute("COMMIT")
        return int(deleted)

    def wait(self, timeout: float) -> None:
        time.sleep(timeout)

    def close(self) -> None:
        self._conn.close()


class PostgresCheckpoints:
    """Checkpoints in the store's PostgreSQL database, ownership by session advisory locks.

    One connection holds the locks and writes the checkpoints, so a runner whose session
    died (and whose locks another runner may now hold) cannot write anything either.
    A second connection LISTENs for the stores' notifications.
    """

    def __init__(self, dsn: str, where: str, library: str) -> None:
        import psycopg

        from spec_kitty_events.stores.postgres import NOTIFY_CHANNEL

        self.library = library
        self._where = where
        self._psycopg = psycopg
        try:
            self._conn: Any = psycopg.connect(dsn, autocommit=True)
            self._listen: Any = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise StorageError(f"{where}: cannot connect: {type(exc).__name__}") from None
        with self._translated("prepare checkpoints"):
            for statement in _KEEPALIVES:
                self._conn.execute(statement)
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_TABLE_LOCK,))
                self._conn.execute(
                    "CREATE TABLE IF NOT EXISTS spec_kitty_checkpoints (key text PRIMARY KEY, "
                    "position bigint NOT NULL, format text NOT NULL, library text NOT NULL, "
                    "state text NOT NULL)"
                )
            self._listen.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def _translated(self, action: str) -> Any:
        return _Translated(self._psycopg, f"{self._where}: {action}")

    def claim(self, key: str) -> Optional[datetime]:
        """The server's time when this session took ``key``; ``None`` when another holds it."""
        with self._translated("claim a projection"):
            got, at = self._conn.execute(
                "SELECT pg_try_advisory_lock(%s), clock_timestamp()", (lock_id(key),)
            ).fetchone()
            if not got:
                return None
            self._conn.execute(
                "INSERT INTO spec_kitty_checkpoints VALUES (%s, 0, %s, %s, '{}') "
                "ON CONFLICT (key) DO NOTHING",
                (key, CHECKPOINT_FORMAT, self.library),
            )
            return at  # type: ignore[no-any-return]

    def release(self, key: str) -> None:
        with self._translated("release a projection"):
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (lock_id(key),))

    def load(self, key: str) -> Optional[Checkpoint]:
        with self._translated("load a checkpoint"):
            row = self._conn.execute(
                "SELECT key, position, format, library, state FROM spec_kitty_checkpoints "
                "WHERE key = %s",
                (key,),
            ).fetchone()
        return None if row is None else Checkpoint(*row)

    def load_prefix(self, prefix: str) -> List[Checkpoint]:
        with self._translated("load checkpoints"):
            rows = self._conn.execute(
                "SELECT key, position, format, library, state FROM spec_kitty_checkpoints "
                "WHERE left(key, %s) = %s ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        return [Checkpoint(*row) for row in rows]

    def save(self, writes: Sequence[Saved]) -> Tuple[List[str], datetime]:
        with self._translated("write checkpoints"), self._conn.transaction():
            lost = compare_and_set(self._conn.execute, "%s", writes, self.library)
            (at,) = self._conn.execute("SELECT clock_timestamp()").fetchone()
        return lost, at

    def delete_prefix(self, prefix: str) -> int:
        with self._translated("delete checkpoints"):
            deleted = self._conn.execute(
                "DELETE FROM spec_kitty_checkpoints WHERE left(key, %s) = %s",
                (len(prefix), prefix),
            ).rowcount
        return int(deleted)

    def wait(self, timeout: float) -> None:
        """Until a store commits new events (NOTIFY) or ``timeout`` passes (polling)."""
        with self._translated("wait for events"):
            for _ in self._listen.notifies(timeout=timeout, stop_after=1):
                break

    def close(self) -> None:
        self._listen.close()
        self._conn.close()


class _Translated:
    """Driver errors become ``StorageError`` naming the server and the action."""

    def __init__(self, psycopg: Any, what: str) -> None:
        self._error = psycopg.Error
        self._what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, _tb: Any) -> Literal[False]:
        if exc is not None and isinstance(exc, self._error):
            raise StorageError(f"{self._what} failed: {type(exc).__name__}: {exc}") from exc
        return False


Checkpoints = Any  # SQLiteCheckpoints | PostgresCheckpoints
Data = Dict[str, Any]
