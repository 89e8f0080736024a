"""Positions: ``read_since`` on every store, and a tailing reader under concurrent writers.

The tailing test is the one that matters: eight processes released together commit batches
while the test process reads by position.  A reader that trusted "everything after the last
position I saw" on a store whose positions are not commit order would lose the batches that
drew a lower position but committed later; this one must end with exactly the store's events.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from typing import Any, List

import pytest

from spec_kitty_events.models import Event
from spec_kitty_events.storage import InMemoryEventStore, UnreadableEventError

from ..factory import make_event
from .conftest import Backend

WRITERS = 8
BATCHES = 25
BATCH = 8
BARRIER_TIMEOUT = 120.0


def _writer_event(writer: int, number: int) -> Event:
    return make_event(
        event_id=f"01JNPS{writer:010d}{number:010d}",
        node_id=f"w{writer}",
        lamport_clock=number,
        payload={"writer": writer, "number": number},
    )


def _write(name: str, target: str, writer: int, barrier: Any) -> None:
    store = Backend(name, target).events()
    barrier.wait(BARRIER_TIMEOUT)
    for batch in range(BATCHES):
        first = batch * BATCH
        store.save_events([_writer_event(writer, n) for n in range(first, first + BATCH)])
    store.close()


def _tail(store: Any, writers: List[Any]) -> List[Any]:
    """Read by position until every writer has exited, then once more."""
    received: List[Any] = []
    position = 0
    while True:
        done = all(not process.is_alive() for process in writers)
        page = store.read_since(position, limit=37)
        received.extend(page)
        if page:
            position = page[-1].position
        elif done:
            return received


@pytest.mark.slow
def test_a_reader_tailing_eight_concurrent_writers_sees_every_event_once(
    backend: Backend,
) -> None:
    reader = backend.events()  # creates the layout before the writers race for it
    # Spawned, not forked: a child forked while this process has the SQLite file open
    # inherits SQLite's per-process lock bookkeeping for it, which SQLite does not support.
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WRITERS + 1)
    writers = [
        context.Process(target=_write, args=(backend.name, backend.target, writer, barrier))
        for writer in range(WRITERS)
    ]
    for process in writers:
        process.start()
    barrier.wait(BARRIER_TIMEOUT)
    received = _tail(reader, writers)
    for process in writers:
        process.join(BARRIER_TIMEOUT)
    assert [process.exitcode for process in writers] == [0] * WRITERS

    received_ids = [item.event.event_id for item in received]
    stored_ids = {event.event_id for event in reader.load_all_events()}
    assert len(stored_ids) == WRITERS * BATCHES * BATCH
    assert sorted(set(received_ids)) == sorted(stored_ids)
    assert len(received_ids) == len(stored_ids)  # nothing twice
    positions = [item.position for item in received]
    assert positions == sorted(set(positions))


def test_read_since_pages_in_position_order_and_resumes_after_a_position(
    backend: Backend,
) -> None:
    store = backend.events()
    store.save_events([make_event(5), make_event(1)])
    store.save_event(make_event(3))
    store.save_event(make_event(1))  # already stored: no new position
    first = store.read_since(0, limit=2)
    assert [item.event.lamport_clock for item in first] == [5, 1]
    rest = store.read_since(first[-1].position)
    assert [item.event.lamport_clock for item in rest] == [3]
    assert store.read_since(rest[-1].position) == []
    assert first[0].position < first[1].position < rest[0].position


def test_the_in_memory_store_numbers_events_by_first_save() -> None:
    store = InMemoryEventStore()
    for n in (4, 2, 4, 9):
        store.save_event(make_event(n))
    read = store.read_since(0)
    assert [(item.position, item.event.lamport_clock) for item in read] == [(1, 4), (2, 2), (3, 9)]
    assert store.read_since(2, limit=5) == [read[2]]


@pytest.mark.parametrize(
    ("position", "limit", "message"),
    [
        (-1, 10, "position must be an int >= 0, got -1"),
        ("3", 10, "position must be an int >= 0, got '3'"),
        (True, 10, "position must be an int >= 0, got True"),
        (0, 0, "limit must be an int >= 1, got 0"),
    ],
)
def test_read_since_refuses_a_bad_position_or_limit_by_name(
    backend: Backend, position: object, limit: object, message: str
) -> None:
    store = backend.events()
    with pytest.raises(ValueError, match=message):
        store.read_since(position, limit=limit)
    with pytest.raises(ValueError, match=message):
        InMemoryEventStore().read_since(position, limit=limit)  # type: ignore[arg-type]


def test_an_unreadable_stored_event_is_reported_with_its_position(backend: Backend) -> None:
    store = backend.events()
    store.save_events([make_event(1), make_event(2), make_event(3)])
    broken = '{"event_id": "not an event"}'
    if backend.name == "sqlite":
        with sqlite3.connect(backend.target) as conn:
            conn.execute("UPDATE events SET body = ? WHERE lamport_clock = 2", (broken,))
    else:
        import psycopg

        with psycopg.connect(backend.target, autocommit=True) as conn:
            conn.execute(
                "UPDATE spec_kitty_events SET body = %s WHERE lamport_clock = 2", (broken,)
            )
    with pytest.raises(UnreadableEventError, match="at position 2: stored event is unread") as info:
        store.read_since(0)
    assert info.value.position == 2
    assert [item.event.lamport_clock for item in info.value.before] == [1]
    assert [item.event.lamport_clock for item in store.read_since(2)] == [3]
