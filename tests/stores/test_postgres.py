"""What only the PostgreSQL adapter does: its DSN, its server, its tables, its retries."""

from __future__ import annotations

import importlib
import os
import sys
from typing import List

import pytest

if not os.environ.get("CI"):  # in CI a missing driver must fail, not skip
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[postgres]'")

import psycopg
from psycopg import errors as pg_errors

from spec_kitty_events.models import StorageError
from spec_kitty_events.stores import postgres as module
from spec_kitty_events.stores.postgres import (
    PostgresClockStorage,
    PostgresErrorStorage,
    PostgresEventStore,
    RejectedEventError,
)
from tests.factory import make_error_entry, make_event

from .conftest import PgServer


def _admin(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.encode())


def test_import_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "spec_kitty_events.stores.postgres")
    with pytest.raises(ImportError, match=r"'postgres' extra.*spec-kitty-events\[postgres\]"):
        importlib.import_module("spec_kitty_events.stores.postgres")


def test_unreachable_server_names_the_host_but_never_the_password() -> None:
    dsn = "host=/nonexistent/socket-dir port=6543 dbname=events user=me password=hunter2"
    with pytest.raises(StorageError) as caught:
        PostgresEventStore(dsn)
    message = str(caught.value)
    assert "host=/nonexistent/socket-dir port=6543 dbname=events: cannot connect" in message
    assert "hunter2" not in message
    assert caught.value.__cause__ is None


def test_unparsable_dsn_is_not_echoed() -> None:
    with pytest.raises(StorageError, match="cannot be parsed") as caught:
        PostgresClockStorage("host=x password=hunter2 garbage")
    assert "hunter2" not in str(caught.value)


def test_password_from_the_environment_is_scrubbed_too() -> None:
    assert module._scrubbed("auth failed for s3cr3t ", ("", "s3cr3t")) == "auth failed for ***"


def test_server_defaults_are_named_when_the_dsn_leaves_them_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("PGHOST", "PGPORT", "PGDATABASE"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(StorageError, match=r"host=\(default\) port=1 dbname=\(default\)"):
        PostgresErrorStorage("port=1", connect_timeout=1)


def test_tables_it_did_not_create_are_refused(pg_dsn: str) -> None:
    _admin(pg_dsn, "CREATE TABLE spec_kitty_events (x int)")
    with pytest.raises(StorageError, match="spec_kitty_events exists without spec_kitty_meta"):
        PostgresEventStore(pg_dsn)


def test_meta_table_without_a_version_is_refused(pg_dsn: str) -> None:
    _admin(pg_dsn, "CREATE TABLE spec_kitty_meta (key text, value text)")
    with pytest.raises(StorageError, match="no valid schema_version"):
        PostgresEventStore(pg_dsn)


def test_layout_from_a_newer_library_is_refused_and_nothing_written(pg_dsn: str) -> None:
    PostgresEventStore(pg_dsn).close()
    _admin(pg_dsn, "UPDATE spec_kitty_meta SET value = '7'")
    with pytest.raises(StorageError, match="layout version 7 was written by a newer"):
        PostgresClockStorage(pg_dsn)


def test_tables_the_quick_look_missed_are_found_under_the_lock_and_reused(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    PostgresEventStore(pg_dsn).save_event(make_event())
    looks: List[int] = []

    def sees_nothing(self: module._Database, conn: module.Connection) -> None:
        looks.append(1)

    monkeypatch.setattr(module._Database, "_stored_version", sees_nothing)
    assert PostgresEventStore(pg_dsn).count() == 1
    assert looks == [1]


def test_nul_characters_are_refused_before_anything_is_sent(pg_dsn: str) -> None:
    store, clocks = PostgresEventStore(pg_dsn), PostgresClockStorage(pg_dsn)
    event = make_event(node_id="a\x00b")
    with pytest.raises(
        RejectedEventError, match=f"event {event.event_id}: node_id contains a NUL"
    ) as caught:
        store.save_events([make_event(), event])
    assert (caught.value.event_id, caught.value.field) == (event.event_id, "node_id")
    assert store.count() == 0
    with pytest.raises(StorageError, match="node_id contains a NUL"):
        clocks.save("a\x00", 1)
    store.save_event(make_event(payload={"text": "nul \x00 inside the payload is fine"}))
    assert store.load_all_events()[0].payload == {"text": "nul \x00 inside the payload is fine"}


def test_a_connection_the_server_dropped_is_replaced_before_the_next_call(pg_dsn: str) -> None:
    store = PostgresEventStore(pg_dsn)
    store.save_event(make_event())
    _admin(
        pg_dsn,
        # The timeout makes the call wait until the backends are gone.
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    assert store.count() == 1
    store.save_event(make_event())
    assert store.count() == 2


def test_deadlock_victims_are_retried(pg_dsn: str) -> None:
    store = PostgresEventStore(pg_dsn)
    attempts: List[int] = []

    def flaky(conn: module.Connection) -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise pg_errors.DeadlockDetected("deadlock detected")
        conn.execute(b"SELECT 1")

    store._db.write(flaky)
    assert len(attempts) == 3


def test_persistent_deadlocks_give_up_with_a_storage_error(pg_dsn: str) -> None:
    store = PostgresEventStore(pg_dsn)

    def always(conn: module.Connection) -> None:
        raise pg_errors.DeadlockDetected("deadlock detected")

    with pytest.raises(StorageError, match="write failed: deadlock detected"):
        store._db.write(always)


def test_unreadable_rows_are_reported_with_their_id(pg_dsn: str) -> None:
    store, errors = PostgresEventStore(pg_dsn), PostgresErrorStorage(pg_dsn)
    event = make_event()
    store.save_event(event)
    errors.append(make_error_entry("x"))
    _admin(pg_dsn, "UPDATE spec_kitty_events SET body = '{}'")
    _admin(pg_dsn, "UPDATE spec_kitty_errors SET body = '{}'")
    with pytest.raises(StorageError, match=f"event {event.event_id}: stored event is unreadable"):
        store.load_events(event.aggregate_id)
    with pytest.raises(StorageError, match="error entry 1: stored error entry is unreadable"):
        errors.load_recent()


def test_where_names_the_server(pg_server: PgServer, pg_dsn: str) -> None:
    with PostgresEventStore(pg_dsn + " connect_timeout=5") as store:
        assert store.where == f"PostgreSQL host={pg_server.socket_dir} port=5432 dbname=stores"


def test_a_schema_with_a_quoted_mixed_case_name_is_found_under_the_lock(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _admin(pg_dsn, 'DROP SCHEMA IF EXISTS "MixedCase" CASCADE; CREATE SCHEMA "MixedCase"')
    dsn = f'{pg_dsn} options=-csearch_path="MixedCase"'
    try:
        PostgresEventStore(dsn).save_event(make_event())
        monkeypatch.setattr(module._Database, "_stored_version", lambda self, conn: None)
        assert PostgresEventStore(dsn).count() == 1
    finally:
        _admin(pg_dsn, 'DROP SCHEMA "MixedCase" CASCADE')
