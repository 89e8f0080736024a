"""The in-memory adapters against the storage contract, plus what only they promise."""

from __future__ import annotations

import inspect
import math

import pytest

from spec_kitty_events.models import ErrorEntry
from spec_kitty_events.storage import (
    ClockStorage,
    ErrorStorage,
    EventStore,
    InMemoryClockStorage,
    InMemoryErrorStorage,
    InMemoryEventStore,
)
from spec_kitty_events.testing import (
    ClockStorageContract,
    ErrorStorageContract,
    EventStoreContract,
)
from tests.factory import make_error_entry, make_event


class TestInMemoryEventStore(EventStoreContract):
    def make_event_store(self) -> EventStore:
        return InMemoryEventStore()


class TestInMemoryClockStorage(ClockStorageContract):
    def make_clock_storage(self) -> ClockStorage:
        return InMemoryClockStorage()


class TestInMemoryErrorStorage(ErrorStorageContract):
    def make_error_storage(self, max_entries: int) -> ErrorStorage:
        return InMemoryErrorStorage(max_entries)


@pytest.mark.parametrize("abc", [EventStore, ClockStorage, ErrorStorage])
def test_storage_contracts_are_abstract(abc: type) -> None:
    assert inspect.isabstract(abc)
    with pytest.raises(TypeError):
        abc()


def test_loads_return_the_stored_objects_themselves() -> None:
    store = InMemoryEventStore()
    event = make_event()
    store.save_event(event)
    assert store.load_events(event.aggregate_id)[0] is event
    assert store.load_all_events()[0] is event


def test_replaced_event_keeps_its_first_save_position_among_ties() -> None:
    store = InMemoryEventStore()
    first, second = (make_event(lamport_clock=3, node_id="n") for _ in range(2))
    store.save_event(first)
    store.save_event(second)
    store.save_event(first.model_copy(update={"payload": {"replaced": True}}))
    loaded = store.load_events("WP01")
    assert [event.event_id for event in loaded] == [first.event_id, second.event_id]
    assert loaded[0].payload == {"replaced": True}


def test_replacement_with_a_new_clock_is_resorted() -> None:
    store = InMemoryEventStore()
    moving, staying = make_event(lamport_clock=1), make_event(lamport_clock=5)
    store.save_event(moving)
    store.save_event(staying)
    assert store.load_all_events() == [moving, staying]
    later = moving.model_copy(update={"lamport_clock": 9})
    store.save_event(later)
    assert store.load_events("WP01") == [staying, later]
    assert store.load_all_events() == [staying, later]


def test_an_event_sorting_last_extends_a_cached_view() -> None:
    store = InMemoryEventStore()
    events = [make_event(lamport_clock=clock) for clock in (1, 2, 2, 3)]
    store.save_event(events[0])
    assert store.load_events("WP01") == events[:1]
    assert store.load_all_events() == events[:1]
    for event in events[1:]:
        store.save_event(event)
    assert store.load_events("WP01") == events
    assert store.load_all_events() == events


def test_clock_storage_rejects_non_integers() -> None:
    storage = InMemoryClockStorage()
    for bad in (1.5, 2.0, True, "3", None):
        with pytest.raises(ValueError, match="Clock value must be an int ≥ 0"):
            storage.save("node-a", bad)  # type: ignore[arg-type]
    assert storage.load("node-a") == 0


def test_clock_storage_negative_message_names_the_value() -> None:
    with pytest.raises(ValueError, match="Clock value") as raised:
        InMemoryClockStorage().save("node-a", -3)
    assert str(raised.value) == "Clock value must be ≥ 0, got -3"


def test_error_storage_default_bound_is_one_hundred() -> None:
    storage = InMemoryErrorStorage()
    assert storage.max_entries == 100
    for number in range(101):
        storage.append(make_error_entry(f"Action {number}"))
    assert len(storage.load_recent(1000)) == 100


def test_error_storage_default_limit_is_ten() -> None:
    storage = InMemoryErrorStorage()
    for number in range(12):
        storage.append(make_error_entry(f"Action {number}"))
    recent = storage.load_recent()
    assert [entry.action_attempted for entry in recent] == [f"Action {n}" for n in range(11, 1, -1)]


def test_limit_message_names_the_limit() -> None:
    with pytest.raises(ValueError, match="Limit") as raised:
        InMemoryErrorStorage().load_recent(0)
    assert str(raised.value) == "Limit must be ≥ 1, got 0"


@pytest.mark.parametrize(
    ("bound", "kept"),
    [(0, 0), (-3, 0), (2.5, 2), (-0.5, 0), (-math.inf, 0), (math.inf, 7), (math.nan, 7)],
)
def test_unusual_bounds_evict_while_the_log_is_longer_than_the_bound(
    bound: float, kept: int
) -> None:
    # One entry is evicted per append while len(entries) > max_entries.
    storage = InMemoryErrorStorage(bound)  # type: ignore[arg-type]
    for number in range(7):
        storage.append(make_error_entry(f"Action {number}"))
    assert len(storage.load_recent(100)) == kept


def test_error_storage_keeps_the_entry_objects() -> None:
    storage = InMemoryErrorStorage(3)
    entry = ErrorEntry(timestamp="2026-01-01T00:00:00Z", action_attempted="a", error_message="b")
    storage.append(entry)
    assert storage.load_recent(1)[0] is entry
