"""Stores read page by page in the order of ``load_all_events``, and fold as a stream.

The streamed fold of a store's history gives the batch reducer's state; a store whose order
cannot be trusted is sorted in memory; a reducer's refusal is the outcome, a read failure is
raised as the store's own error.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any, List

import pytest

from spec_kitty_events._stream import fold_store
from spec_kitty_events.models import StorageError
from spec_kitty_events.status import reduce_status_events
from spec_kitty_events.stores.sqlite import SQLiteEventStore
from tests.factory import event_id, make_event
from tests.status.helpers import transition

# --- stores ------------------------------------------------------------------------------------


def test_a_store_reads_page_by_page_in_the_order_of_load_all_events(backend: Any) -> None:
    store = backend.events()
    rng = random.Random(3)
    events = [make_event(n, clock=rng.randrange(1, 6), node_id=f"n{n % 3}") for n in range(1, 40)]
    store.save_events(events)
    expected = store.load_all_events()
    for page_size in (1, 7, 39, 1000):
        assert list(store.iter_events(page_size=page_size)) == expected
    with pytest.raises(ValueError, match="page_size must be at least 1, got 0"):
        list(store.iter_events(page_size=0))


def test_a_store_folds_as_a_stream_to_the_state_of_its_whole_history(backend: Any) -> None:
    store = backend.events()
    rng = random.Random(5)
    events = [
        make_event(
            n, "WPStatusChanged", transition("WP01", None, "planned"), clock=rng.randrange(1, 4)
        )
        for n in range(1, 30)
    ]
    store.save_events(events)
    outcome = fold_store(store, reduce_status_events)  # type: ignore[arg-type]
    assert outcome() == reduce_status_events(events)


def test_a_store_with_clocks_beyond_64_bits_is_folded_after_sorting_in_memory(
    tmp_path: Path,
) -> None:
    # SQLite keeps such clocks as text, which its index orders as text, not as numbers.
    store = SQLiteEventStore(tmp_path / "big.db", synchronous="NORMAL")
    events = [make_event(n, clock=2**64 + 10**n) for n in (1, 2, 3)]
    store.save_events(events)
    seen: List[List[str]] = []

    def fold(stream: Any) -> List[str]:
        seen.append([event.event_id for event in stream])
        return seen[-1]

    assert fold_store(store, fold)() == [event_id(1), event_id(2), event_id(3)]
    store.close()


def test_a_reducer_refusal_from_a_store_stream_is_the_outcome_and_a_read_failure_is_raised(
    tmp_path: Path,
) -> None:
    store = SQLiteEventStore(tmp_path / "s.db", synchronous="NORMAL")
    store.save_events([make_event(1), make_event(2)])

    def refuse(stream: Any) -> None:
        raise ValueError("refused")

    outcome = fold_store(store, refuse)
    with pytest.raises(ValueError, match="refused"):
        outcome()
    store.close()
    # A row that no longer reads as an event: the store's own error, raised at once.
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute("UPDATE events SET body = '{}' WHERE event_id = ?", (event_id(2),))
    store = SQLiteEventStore(tmp_path / "s.db", read_only=True)
    with pytest.raises(StorageError, match="stored event is unreadable"):
        fold_store(store, list)
    store.close()
