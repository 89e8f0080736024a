"""Durable stores: appends in batches of 1,000 and a load of 100,000 events, per backend.

Floors, measured in the same run on the same kind of database: plain ``executemany`` inserts
of the very same rows (already serialized, same table and indexes, one transaction per
1,000) and a plain ``SELECT`` of the stored bodies in load order.  The ratios therefore show
what the adapter adds: serializing and checking events on the way in, validating them into
``Event`` objects on the way out.

PostgreSQL runs against ``SKE_PG_DSN`` when set, else against a throwaway cluster started
like the tests do; without a server its figures are skipped with a message.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence

from _harness import Figure, best_of
from spec_kitty_events.models import Event
from spec_kitty_events.stores._common import event_row

BATCH = 1_000
_PROJECT = uuid.UUID("22222222-3333-4444-8555-666666666666")


def _events(count: int) -> List[Event]:
    stamp = datetime(2026, 3, 1, tzinfo=timezone.utc)
    return [
        Event(
            event_id=str(uuid.UUID(int=n + 1)),
            event_type="WPStatusChanged",
            aggregate_id=f"WP{n % 50:02d}",
            payload={"from_lane": "planned", "to_lane": "doing", "actor": "bench", "n": n},
            timestamp=stamp,
            node_id=f"node-{n % 4}",
            lamport_clock=n // 4,
            project_uuid=_PROJECT,
            correlation_id=str(uuid.UUID(int=n + 1)),
        )
        for n in range(count)
    ]


def _batches(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_figures(events: List[Event], repeat: int) -> List[Figure]:
    from spec_kitty_events.stores.sqlite import SQLiteEventStore

    rows = [tuple(event_row(event)) for event in events]
    with tempfile.TemporaryDirectory(prefix="bench-stores-") as folder:
        paths = iter(Path(folder, f"{n}.db") for n in range(1_000))

        def fresh() -> Any:
            return SQLiteEventStore(next(paths), synchronous="NORMAL")

        def adapter_append() -> None:
            with fresh() as store:
                for batch in _batches(events):
                    store.save_events(batch)

        def plain_append() -> None:
            with fresh() as store:
                conn = sqlite3.connect(store.path, isolation_level=None)
                conn.execute("PRAGMA synchronous = NORMAL")
                for batch in _batches(rows):
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany(
                        "INSERT INTO events (event_id, aggregate_id, node_id, lamport_clock, "
                        "event_type, body) VALUES (?, ?, ?, ?, ?, ?)",
                        batch,
                    )
                    conn.execute("COMMIT")
                conn.close()

        loaded = fresh()
        loaded.save_events(events)
        plain = sqlite3.connect(loaded.path)

        def plain_select() -> None:
            plain.execute(
                "SELECT event_id, body FROM events ORDER BY lamport_clock, node_id, seq"
            ).fetchall()

        figures = _figures(
            "sqlite",
            len(events),
            repeat,
            adapter_append,
            plain_append,
            loaded.load_all_events,
            plain_select,
        )
        plain.close()
        loaded.close()
    return figures


# --- PostgreSQL --------------------------------------------------------------------------------


def _postgres_dsn() -> tuple[Optional[str], Callable[[], None], str]:
    """A DSN, a clean-up callable, and why there is no DSN when there is none."""
    if os.environ.get("SKE_PG_DSN"):
        return os.environ["SKE_PG_DSN"], lambda: None, ""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, lambda: None, "psycopg is not installed (the 'postgres' extra)"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stores"))
    import _pgcluster

    try:
        server = _pgcluster.start()
    except _pgcluster.ClusterUnavailable as exc:
        return None, lambda: None, str(exc)
    return server.dsn(), server.stop, ""


def _postgres_figures(events: List[Event], repeat: int, dsn: str) -> List[Figure]:
    import psycopg

    from spec_kitty_events.stores.postgres import PostgresEventStore

    rows = [tuple(event_row(event)) for event in events]

    def fresh() -> PostgresEventStore:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(
                b"DROP TABLE IF EXISTS spec_kitty_meta, spec_kitty_events, "
                b"spec_kitty_clocks, spec_kitty_errors"
            )
        return PostgresEventStore(dsn)

    def adapter_append() -> None:
        with fresh() as store:
            for batch in _batches(events):
                store.save_events(batch)

    def plain_append() -> None:
        fresh().close()
        with psycopg.connect(dsn) as conn:
            for batch in _batches(rows):
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO spec_kitty_events (event_id, aggregate_id, node_id, "
                        "lamport_clock, event_type, body) VALUES (%s, %s, %s, %s, %s, %s)",
                        batch,
                    )
                conn.commit()

    loaded = fresh()
    loaded.save_events(events)
    plain = psycopg.connect(dsn, autocommit=True)

    def plain_select() -> None:
        plain.execute(
            b"SELECT event_id, body FROM spec_kitty_events ORDER BY lamport_clock, node_id, seq"
        ).fetchall()

    figures = _figures(
        "postgres",
        len(events),
        repeat,
        adapter_append,
        plain_append,
        loaded.load_all_events,
        plain_select,
    )
    plain.close()
    loaded.close()
    return figures


# --- figures -----------------------------------------------------------------------------------


def _figures(
    backend: str,
    count: int,
    repeat: int,
    adapter_append: Callable[[], object],
    plain_append: Callable[[], object],
    adapter_load: Callable[[], object],
    plain_select: Callable[[], object],
) -> List[Figure]:
    return [
        Figure(
            f"{backend} save_events, batches of {BATCH:,}",
            count,
            "events",
            best_of(adapter_append, repeat),
            "executemany of the same rows",
            best_of(plain_append, repeat),
        ),
        Figure(
            f"{backend} load_all_events",
            count,
            "events",
            best_of(adapter_load, repeat),
            "plain SELECT of the bodies",
            best_of(plain_select, repeat),
        ),
    ]


def run(quick: bool) -> List[Figure]:
    count = 10_000 if quick else 100_000
    repeat = 1 if quick else 3
    events = _events(count)
    figures = _sqlite_figures(events, repeat)
    dsn, clean_up, reason = _postgres_dsn()
    if dsn is None:
        print(f"  postgres figures skipped: {reason}", flush=True)
        return figures
    try:
        figures += _postgres_figures(events, repeat, dsn)
    finally:
        clean_up()
    return figures
