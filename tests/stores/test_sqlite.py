"""What only the SQLite adapter does: its file, its header, its layout version."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from spec_kitty_events.models import StorageError
from spec_kitty_events.stores import sqlite as module
from spec_kitty_events.stores.sqlite import (
    APPLICATION_ID,
    SQLiteClockStorage,
    SQLiteErrorStorage,
    SQLiteEventStore,
    clock_from_column,
    clock_to_column,
)
from tests.factory import make_error_entry, make_event


def _header(path: Path) -> tuple[int, int, str]:
    with sqlite3.connect(path) as conn:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    return app_id, version, mode


def test_a_new_file_gets_the_schema_marked_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SQLiteEventStore(path).close()
    assert _header(path) == (APPLICATION_ID, 1, "wal")


def test_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"definitely not sqlite\n" * 100)
    with pytest.raises(StorageError, match=f"SQLite database {path}: open failed"):
        SQLiteEventStore(path)
    assert path.read_bytes() == b"definitely not sqlite\n" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.db"]


def test_database_of_another_application_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (anything)")
    before = path.read_bytes()
    with pytest.raises(StorageError, match=f"{path} belongs to another application"):
        SQLiteClockStorage(path)
    assert path.read_bytes() == before
    assert _header(path)[2] == "delete"


def test_layout_from_a_newer_library_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SQLiteErrorStorage(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 2")
    with pytest.raises(StorageError, match="layout version 2 was written by a newer"):
        SQLiteEventStore(path)


def test_unopenable_path_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "missing-dir" / "x.db"
    with pytest.raises(StorageError, match=f"SQLite database {path}: cannot open"):
        SQLiteEventStore(path)


def test_a_failed_schema_creation_leaves_the_file_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "half.db"
    monkeypatch.setattr(module, "_SCHEMA", ("CREATE TABLE events (x)", "NOT SQL AT ALL"))
    with pytest.raises(StorageError, match="open failed"):
        SQLiteEventStore(path)
    monkeypatch.undo()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    SQLiteEventStore(path).close()  # and a later open creates it properly


def test_schema_created_meanwhile_by_another_process_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "race.db"
    SQLiteEventStore(path).save_event(make_event())
    real_header = module._Database._header
    calls = []

    def first_sees_an_empty_file(self: module._Database) -> tuple[int, int, int]:
        calls.append(1)
        return (0, 0, 0) if len(calls) == 1 else real_header(self)

    monkeypatch.setattr(module._Database, "_header", first_sees_an_empty_file)
    assert SQLiteEventStore(path).count() == 1
    assert len(calls) == 2


def test_unreadable_rows_are_reported_with_their_id(tmp_path: Path) -> None:
    path = tmp_path / "bad-row.db"
    store, errors = SQLiteEventStore(path), SQLiteErrorStorage(path)
    event = make_event()
    store.save_event(event)
    errors.append(make_error_entry("x"))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE events SET body = '{}'")
        conn.execute("UPDATE errors SET body = '{\"timestamp\": 3}'")
    with pytest.raises(StorageError, match=f"{path}, event {event.event_id}: stored event"):
        store.load_all_events()
    with pytest.raises(StorageError, match=f"{path}, error entry 1: stored error entry"):
        errors.load_recent()


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous must be 'FULL' or 'NORMAL'"):
        SQLiteEventStore(tmp_path / "x.db", synchronous="OFF")  # type: ignore[arg-type]


def test_the_store_knows_its_path(tmp_path: Path) -> None:
    with SQLiteEventStore(tmp_path / "p.db", synchronous="NORMAL") as store:
        assert store.path == str(tmp_path / "p.db")


@pytest.mark.parametrize("value", [0, 1, 2**63 - 1, 2**63, 2**64, 2**200])
def test_clock_column_round_trips(value: int) -> None:
    assert clock_from_column(clock_to_column(value)) == value


def test_large_clock_columns_sort_after_small_ones_and_by_value() -> None:
    big = [clock_to_column(v) for v in (2**64, 2**63, 2**100)]
    assert all(isinstance(v, str) for v in big)
    assert sorted(big, key=str) == [clock_to_column(v) for v in (2**63, 2**64, 2**100)]


def test_an_open_waits_for_a_locked_file_and_gives_up_after_its_timeout(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE other (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError, match=f"{path}: open failed: database is locked"):
            SQLiteEventStore(path, timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    ("message", "busy"),
    [("database is locked", True), ("database table is locked", True), ("no such table", False)],
)
def test_lock_errors_are_recognised_without_an_error_code(message: str, busy: bool) -> None:
    # Python 3.10 gives no sqlite_errorcode; the message is all there is.
    assert module._is_busy(sqlite3.OperationalError(message)) is busy


def test_an_open_waits_until_a_reader_of_the_new_file_lets_go(tmp_path: Path) -> None:
    # The switch to WAL needs the file to itself.
    path = tmp_path / "read-meanwhile.db"
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
    release = threading.Timer(0.5, reader.execute, ("COMMIT",))
    release.start()
    try:
        with SQLiteEventStore(path, timeout=10) as store:
            store.save_event(make_event())
    finally:
        release.join()
        reader.close()
    assert _header(path) == (APPLICATION_ID, 1, "wal")


def test_lock_errors_sqlite_does_not_wait_for_are_retried(tmp_path: Path) -> None:
    attempts: list[int] = []

    def busy_twice() -> None:
        attempts.append(1)
        if len(attempts) <= 2:
            raise sqlite3.OperationalError("database is locked")

    with SQLiteEventStore(tmp_path / "retry.db") as store:
        store._db._until_not_busy(busy_twice)
    assert len(attempts) == 3


def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    attempts: list[int] = []

    def broken() -> None:
        attempts.append(1)
        raise sqlite3.OperationalError("disk I/O error")

    with (
        SQLiteEventStore(tmp_path / "retry.db") as store,
        pytest.raises(sqlite3.OperationalError, match="disk I/O error"),
    ):
        store._db._until_not_busy(broken)
    assert len(attempts) == 1


def test_a_read_only_store_reads_and_refuses_every_write(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    event = make_event()
    with SQLiteEventStore(path) as writer:
        writer.save_event(event)
    with SQLiteEventStore(path, read_only=True) as store:
        assert store.read_only
        assert store.load_all_events() == [event]
        with pytest.raises(StorageError, match=f"{path} was opened read-only"):
            store.save_event(make_event())
    with SQLiteClockStorage(path, read_only=True) as clocks:
        assert clocks.load("node") == 0
        with pytest.raises(StorageError, match="opened read-only"):
            clocks.save("node", 1)
    with SQLiteErrorStorage(path, read_only=True) as errors:
        assert errors.load_recent() == []
    assert SQLiteEventStore(path).count() == 1


def test_reading_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(StorageError, match=f"SQLite database {path}: cannot open: no such file"):
        SQLiteEventStore(path, read_only=True)
    assert list(tmp_path.iterdir()) == []


def test_reading_a_file_without_a_store_yet_leaves_it_untouched(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(StorageError, match="holds no spec-kitty-events store yet"):
        SQLiteEventStore(path, read_only=True)
    assert path.read_bytes() == b""
    assert SQLiteEventStore(path).count() == 0  # and a writer still creates the store there


def test_reading_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (anything)")
    with pytest.raises(StorageError, match="belongs to another application"):
        SQLiteEventStore(path, read_only=True)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(StorageError, match=f"SQLite database {junk}: open failed"):
        SQLiteEventStore(junk, read_only=True)
