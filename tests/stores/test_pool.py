"""The PostgreSQL store shared by threads: its pool of connections, seen from the server."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Iterator, List, Set

import pytest

if not os.environ.get("CI"):  # in CI a missing driver must fail, not skip
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[postgres]'")

import psycopg

from spec_kitty_events.models import StorageError
from spec_kitty_events.stores.postgres import PostgresEventStore
from tests.factory import make_event

COUNT_QUERY = "SELECT count(*) FROM spec_kitty_events"


@pytest.fixture
def admin(pg_dsn: str) -> Iterator[psycopg.Connection]:  # type: ignore[type-arg]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        yield conn


@contextmanager
def _table_locked(dsn: str) -> Iterator[None]:
    """Every read of the events table waits (server-side) until the block ends."""
    with psycopg.connect(dsn) as conn:
        conn.execute("LOCK TABLE spec_kitty_events IN ACCESS EXCLUSIVE MODE")
        yield
        conn.rollback()


def _waiting_counts(admin: psycopg.Connection, expected: int) -> Set[int]:  # type: ignore[type-arg]
    """Pids of the backends stuck on our table lock in a count, once ``expected`` are."""
    deadline = time.monotonic() + 30
    while True:
        pids = {
            int(pid)
            for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE query = %s AND wait_event_type = 'Lock'",
                (COUNT_QUERY,),
            )
        }
        if len(pids) >= expected or time.monotonic() > deadline:
            return pids
        time.sleep(0.02)


@pytest.mark.parametrize("pool_size", [1, 4])
def test_threads_sharing_one_store_write_and_read_back_every_event(
    pg_dsn: str, pool_size: int
) -> None:
    threads, batches, per_batch = 6, 5, 4
    start = threading.Barrier(threads)
    with PostgresEventStore(pg_dsn, pool_size=pool_size) as store:

        def work(worker: int) -> int:
            start.wait()
            seen = 0
            for batch in range(batches):
                first = (worker * batches + batch) * per_batch
                store.save_events([make_event(n) for n in range(first, first + per_batch)])
                seen = max(seen, len(store.load_all_events()))
            return seen

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, range(threads)))
        expected = [make_event(n) for n in range(threads * batches * per_batch)]
        assert store.load_all_events() == expected
        assert list(store.iter_events(page_size=7)) == expected


def test_two_reads_in_flight_at_once_run_on_two_backends(
    pg_dsn: str, admin: psycopg.Connection
) -> None:  # type: ignore[type-arg]
    with PostgresEventStore(pg_dsn) as store:
        store.save_event(make_event(1))
        with ThreadPoolExecutor(2) as pool:
            with _table_locked(pg_dsn):
                counts = [pool.submit(store.count) for _ in range(2)]
                pids = _waiting_counts(admin, 2)
            assert [count.result(timeout=30) for count in counts] == [1, 1]
    assert len(pids) == 2


def test_a_call_waits_for_a_busy_pool_while_the_server_answers(
    pg_dsn: str,
    admin: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    with PostgresEventStore(pg_dsn, pool_size=1) as store:
        with ThreadPoolExecutor(2) as pool:
            with _table_locked(pg_dsn):
                holder = pool.submit(store.count)
                assert len(_waiting_counts(admin, 1)) == 1
                waiter = pool.submit(store.save_event, make_event(1))
                time.sleep(2.5)  # longer than the pool's wait between checks on the server
                assert not waiter.done()
            assert holder.result(timeout=30) == 0
            waiter.result(timeout=30)
        assert store.count() == 1


def test_a_call_waiting_for_a_busy_pool_fails_once_the_server_stops_answering(
    pg_dsn: str,
    admin: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    store = PostgresEventStore(pg_dsn + " password=hunter2", pool_size=1)
    with ThreadPoolExecutor(2) as pool:
        with _table_locked(pg_dsn):
            holder = pool.submit(store.count)
            assert len(_waiting_counts(admin, 1)) == 1
            # What a new connection would reach now: nothing, as if the server had gone.
            store._db._conninfo = "host=/nonexistent/socket-dir password=hunter2 connect_timeout=1"
            with pytest.raises(StorageError, match="dbname=stores: cannot connect") as caught:
                store.count()
        assert "hunter2" not in str(caught.value)
        assert holder.result(timeout=30) == 0
    store.close()


def test_closing_fails_the_calls_waiting_for_a_connection(
    pg_dsn: str,
    admin: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    store = PostgresEventStore(pg_dsn, pool_size=1)
    with ThreadPoolExecutor(2) as pool:
        with _table_locked(pg_dsn):
            holder = pool.submit(store.count)
            assert len(_waiting_counts(admin, 1)) == 1
            waiter: Future[int] = pool.submit(store.count)
            time.sleep(0.2)
            store.close()
            with pytest.raises(StorageError, match="dbname=stores: the store was closed"):
                waiter.result(timeout=30)
        assert holder.result(timeout=30) == 0


def test_a_closed_store_refuses_reads_and_writes(pg_dsn: str) -> None:
    store = PostgresEventStore(pg_dsn)
    store.close()
    store.close()
    with pytest.raises(StorageError, match="dbname=stores: the store was closed"):
        store.count()
    with pytest.raises(StorageError, match="dbname=stores: the store was closed"):
        store.save_event(make_event(1))


def test_a_store_dropped_without_closing_leaves_no_connection_behind(
    pg_dsn: str,
    admin: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    def ours() -> List[int]:
        return [
            int(pid)
            for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'dropped-store'"
            )
        ]

    store = PostgresEventStore(pg_dsn + " application_name=dropped-store")
    store.save_event(make_event(1))
    assert ours()
    del store
    deadline = time.monotonic() + 10
    while ours() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ours() == []


@pytest.mark.parametrize("pool_size", [0, -1, 1.5, True])
def test_a_pool_size_below_one_or_not_an_int_is_refused(pg_dsn: str, pool_size: object) -> None:
    with pytest.raises(ValueError, match="pool_size must be an int of at least 1"):
        PostgresEventStore(pg_dsn, pool_size=pool_size)  # type: ignore[arg-type]
