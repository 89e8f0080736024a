"""The storage contract: the tests every storage adapter must pass unchanged.

Each class checks only what the matching ABC in ``spec_kitty_events.storage`` promises, so a
store written outside this library proves itself the way the shipped ones do: a pytest module
subclasses each class, names the subclass ``Test...`` so pytest collects it, and implements one
factory method (the classes are abstract until it does):

* ``EventStoreContract.make_event_store(self) -> EventStore``
* ``ClockStorageContract.make_clock_storage(self) -> ClockStorage``
* ``ErrorStorageContract.make_error_storage(self, max_entries: int) -> ErrorStorage``;
  the adapter's retention bound is passed in, since the eviction tests need small bounds.

Every call must return a new, empty store.  An adapter that must release resources (a
connection, a temporary database) opens them in an ``autouse`` yield fixture of its subclass,
keeps them on ``self`` for the factory method, and closes them after the ``yield``.

Two class attributes declare the policies the ABCs leave open: ``CONFLICT_POLICY`` on the event
store and ``CLOCK_POLICY`` on the clock storage (see each class).

Example, for the in-memory stores (``docs/stores.md`` has a complete module)::

    from spec_kitty_events.storage import EventStore, InMemoryEventStore
    from spec_kitty_events.testing import EventStoreContract

    class TestInMemoryEventStore(EventStoreContract):
        def make_event_store(self) -> EventStore:
            return InMemoryEventStore()

This module needs pytest; the package root never imports it.
"""

from __future__ import annotations

import abc
import uuid
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any, Callable, ClassVar, Iterator, List, Literal

try:
    import pytest
except ImportError as missing:
    raise ImportError(
        "spec_kitty_events.testing is a pytest suite: install pytest to run it"
    ) from missing

from spec_kitty_events.models import ErrorEntry, Event, StorageError
from spec_kitty_events.storage import ClockStorage, ErrorStorage, EventStore

__all__ = [
    "ClockStorageContract",
    "ErrorStorageContract",
    "ErrorStorageFactory",
    "EventStoreContract",
]

_PROJECT = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
_BASE_TIME = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
_ids: Iterator[int] = count(1)


def _probe(
    *, aggregate_id: str = "WP01", lamport_clock: int = 1, node_id: str = "node-a", **fields: Any
) -> Event:
    """A valid event with a fresh ULID-shaped id; keyword arguments override any field."""
    number = next(_ids)
    values: dict[str, Any] = {
        "event_id": f"01J{number:023d}",
        "event_type": "ContractProbe",
        "aggregate_id": aggregate_id,
        "payload": {"n": number},
        "timestamp": _BASE_TIME + timedelta(seconds=number),
        "node_id": node_id,
        "lamport_clock": lamport_clock,
        "project_uuid": _PROJECT,
        "correlation_id": "01J" + "0" * 23,
    }
    values.update(fields)
    return Event(**values)


def _error_entry(action: str, **fields: Any) -> ErrorEntry:
    values: dict[str, Any] = {
        "timestamp": _BASE_TIME,
        "action_attempted": action,
        "error_message": f"{action} failed",
    }
    values.update(fields)
    return ErrorEntry(**values)


def _ids_of(events: List[Event]) -> List[str]:
    return [event.event_id for event in events]


class EventStoreContract(abc.ABC):
    """``EventStore``: idempotent saves by id, loads sorted by ``(lamport_clock, node_id)``.

    ``CONFLICT_POLICY`` declares what the adapter does with a known ``event_id`` carrying
    *different* content: ``"replace"`` (what ``EventStore.save_event`` documents; the in-memory
    store) or ``"reject"`` (``StorageError`` naming the id, nothing written -- the durable
    stores, where an event id names one immutable event).  Identical content is a no-op under
    both.
    """

    CONFLICT_POLICY: ClassVar[Literal["replace", "reject"]] = "replace"

    @abc.abstractmethod
    def make_event_store(self) -> EventStore:
        """A new, empty event store of the adapter under test."""

    @pytest.fixture
    def event_store(self) -> EventStore:
        return self.make_event_store()

    def test_empty_store_loads_nothing(self, event_store: EventStore) -> None:
        assert event_store.load_all_events() == []
        assert event_store.load_events("WP01") == []

    def test_unknown_aggregate_loads_empty_list(self, event_store: EventStore) -> None:
        event_store.save_event(_probe(aggregate_id="WP01"))
        assert event_store.load_events("WP02") == []

    def test_saved_event_loads_back_equal(self, event_store: EventStore) -> None:
        event = _probe(
            causation_id="01J" + "7" * 23,
            project_slug="demo",
            payload={"nested": {"list": [1, "two", None]}, "flag": True},
            data_tier=3,
            schema_version="2.1.0",
        )
        event_store.save_event(event)
        assert event_store.load_events(event.aggregate_id) == [event]
        assert event_store.load_all_events() == [event]

    def test_timestamp_offsets_and_naive_values_survive(self, event_store: EventStore) -> None:
        plus_two = timezone(timedelta(hours=2))
        aware = _probe(lamport_clock=1, timestamp=datetime(2026, 3, 1, 9, tzinfo=plus_two))
        naive = _probe(lamport_clock=2, timestamp=datetime(2026, 3, 1, 9, 30))
        event_store.save_event(aware)
        event_store.save_event(naive)
        loaded = event_store.load_all_events()
        assert [event.timestamp for event in loaded] == [aware.timestamp, naive.timestamp]
        assert loaded[0].timestamp.utcoffset() == timedelta(hours=2)
        assert loaded[1].timestamp.tzinfo is None

    def test_saving_same_event_twice_stores_it_once(self, event_store: EventStore) -> None:
        event = _probe()
        event_store.save_event(event)
        event_store.save_event(event)
        assert event_store.load_all_events() == [event]
        assert event_store.load_events(event.aggregate_id) == [event]

    def test_saving_a_known_id_with_other_content_follows_the_policy(
        self, event_store: EventStore
    ) -> None:
        original = _probe(payload={"version": 1})
        replacement = original.model_copy(update={"payload": {"version": 2}})
        event_store.save_event(original)
        if self.CONFLICT_POLICY == "replace":
            event_store.save_event(replacement)
            assert event_store.load_all_events() == [replacement]
        else:
            with pytest.raises(StorageError, match=original.event_id):
                event_store.save_event(replacement)
            assert event_store.load_all_events() == [original]

    def test_a_conflicting_save_may_move_the_event_only_when_replacing(
        self, event_store: EventStore
    ) -> None:
        original = _probe(aggregate_id="WP01")
        moved = original.model_copy(update={"aggregate_id": "WP02"})
        event_store.save_event(original)
        if self.CONFLICT_POLICY == "replace":
            event_store.save_event(moved)
            assert event_store.load_events("WP01") == []
            assert event_store.load_events("WP02") == [moved]
        else:
            with pytest.raises(StorageError, match=original.event_id):
                event_store.save_event(moved)
            assert event_store.load_events("WP01") == [original]
            assert event_store.load_events("WP02") == []

    def test_load_events_keeps_only_the_aggregate(self, event_store: EventStore) -> None:
        mine = [_probe(aggregate_id="WP01", lamport_clock=n) for n in (1, 2)]
        other = _probe(aggregate_id="WP02", lamport_clock=1)
        for event in (mine[0], other, mine[1]):
            event_store.save_event(event)
        assert _ids_of(event_store.load_events("WP01")) == _ids_of(mine)
        assert _ids_of(event_store.load_events("WP02")) == [other.event_id]

    def test_aggregate_ids_match_exactly(self, event_store: EventStore) -> None:
        event_store.save_event(_probe(aggregate_id="WP01"))
        assert event_store.load_events("wp01") == []
        assert event_store.load_events("WP0") == []

    def test_events_load_in_lamport_clock_order(self, event_store: EventStore) -> None:
        clocks = [5, 1, 10, 3, 2]
        for clock in clocks:
            event_store.save_event(_probe(lamport_clock=clock))
        loaded = event_store.load_events("WP01")
        assert [event.lamport_clock for event in loaded] == [1, 2, 3, 5, 10]

    def test_equal_clocks_sort_by_node_id_code_points(self, event_store: EventStore) -> None:
        for node in ("node-b", "Node-z", "node-a", "node-10", "node-9"):
            event_store.save_event(_probe(lamport_clock=4, node_id=node))
        loaded = event_store.load_events("WP01")
        # Code-point order: upper case before lower case, "1" before "9".
        assert [event.node_id for event in loaded] == [
            "Node-z",
            "node-10",
            "node-9",
            "node-a",
            "node-b",
        ]

    def test_clock_sorts_before_node_id(self, event_store: EventStore) -> None:
        late = _probe(lamport_clock=2, node_id="a")
        early = _probe(lamport_clock=1, node_id="z")
        event_store.save_event(late)
        event_store.save_event(early)
        assert _ids_of(event_store.load_all_events()) == [early.event_id, late.event_id]

    def test_full_ties_keep_first_save_order(self, event_store: EventStore) -> None:
        # Ids chosen to sort against the save order, so an adapter that breaks ties by id fails.
        tied = [
            _probe(event_id=f"01J{digit * 23}", lamport_clock=7, node_id="same")
            for digit in ("9", "5", "1")
        ]
        for event in tied:
            event_store.save_event(event)
        assert _ids_of(event_store.load_events("WP01")) == _ids_of(tied)
        assert _ids_of(event_store.load_all_events()) == _ids_of(tied)

    def test_load_all_events_sorts_across_aggregates(self, event_store: EventStore) -> None:
        saved = [
            _probe(aggregate_id="WP02", lamport_clock=3),
            _probe(aggregate_id="WP01", lamport_clock=1),
            _probe(aggregate_id="WP03", lamport_clock=2),
        ]
        for event in saved:
            event_store.save_event(event)
        assert [event.lamport_clock for event in event_store.load_all_events()] == [1, 2, 3]

    def test_loads_see_events_saved_after_a_previous_load(self, event_store: EventStore) -> None:
        event_store.save_event(_probe(lamport_clock=5))
        assert len(event_store.load_events("WP01")) == 1
        event_store.save_event(_probe(lamport_clock=2))
        event_store.save_event(_probe(lamport_clock=9))
        assert [e.lamport_clock for e in event_store.load_events("WP01")] == [2, 5, 9]
        assert [e.lamport_clock for e in event_store.load_all_events()] == [2, 5, 9]

    def test_returned_lists_are_not_the_store(self, event_store: EventStore) -> None:
        event_store.save_event(_probe())
        event_store.load_events("WP01").clear()
        event_store.load_all_events().clear()
        assert len(event_store.load_events("WP01")) == 1
        assert len(event_store.load_all_events()) == 1

    def test_uuid_and_ulid_ids_coexist(self, event_store: EventStore) -> None:
        as_uuid = _probe(event_id="0F8FAD5B-D9CB-469F-A165-70867728950E", lamport_clock=1)
        as_ulid = _probe(lamport_clock=2)
        event_store.save_event(as_uuid)
        event_store.save_event(as_ulid)
        ids = _ids_of(event_store.load_all_events())
        assert ids == ["0f8fad5b-d9cb-469f-a165-70867728950e", as_ulid.event_id]


class ClockStorageContract(abc.ABC):
    """``ClockStorage``: one non-negative value per node, ``0`` when unknown.

    ``CLOCK_POLICY`` declares what a save of a *smaller* value does: ``"overwrite"`` (what
    ``ClockStorage.save`` documents; the in-memory storage) or ``"monotonic"`` (the larger value
    is kept, so concurrent writers never move a clock backwards -- the durable storages).
    """

    CLOCK_POLICY: ClassVar[Literal["overwrite", "monotonic"]] = "overwrite"

    @abc.abstractmethod
    def make_clock_storage(self) -> ClockStorage:
        """A new, empty clock storage of the adapter under test."""

    @pytest.fixture
    def clock_storage(self) -> ClockStorage:
        return self.make_clock_storage()

    def test_unknown_node_loads_zero(self, clock_storage: ClockStorage) -> None:
        assert clock_storage.load("never-saved") == 0

    def test_saved_value_loads_back(self, clock_storage: ClockStorage) -> None:
        clock_storage.save("node-a", 42)
        assert clock_storage.load("node-a") == 42

    def test_zero_is_a_valid_value(self, clock_storage: ClockStorage) -> None:
        clock_storage.save("node-a", 0)
        assert clock_storage.load("node-a") == 0
        clock_storage.save("node-a", 3)
        clock_storage.save("node-a", 0)
        assert clock_storage.load("node-a") == (0 if self.CLOCK_POLICY == "overwrite" else 3)

    def test_saving_a_smaller_value_follows_the_policy(self, clock_storage: ClockStorage) -> None:
        clock_storage.save("node-a", 9)
        clock_storage.save("node-a", 4)
        assert clock_storage.load("node-a") == (4 if self.CLOCK_POLICY == "overwrite" else 9)
        clock_storage.save("node-a", 12)
        assert clock_storage.load("node-a") == 12

    def test_nodes_are_independent(self, clock_storage: ClockStorage) -> None:
        clock_storage.save("node-a", 1)
        clock_storage.save("node-b", 2)
        assert (clock_storage.load("node-a"), clock_storage.load("node-b")) == (1, 2)

    def test_large_values_survive(self, clock_storage: ClockStorage) -> None:
        clock_storage.save("node-a", 2**53 + 1)
        assert clock_storage.load("node-a") == 2**53 + 1

    @pytest.mark.parametrize("bad", [-1, -1000])
    def test_negative_value_is_rejected_and_not_stored(
        self, clock_storage: ClockStorage, bad: int
    ) -> None:
        clock_storage.save("node-a", 5)
        with pytest.raises(ValueError, match="must be ≥ 0"):
            clock_storage.save("node-a", bad)
        assert clock_storage.load("node-a") == 5


#: What the ``error_storage_factory`` fixture returns: a retention bound in, a new storage out.
ErrorStorageFactory = Callable[[int], ErrorStorage]


class ErrorStorageContract(abc.ABC):
    """``ErrorStorage``: bounded append-only log, read newest first."""

    @abc.abstractmethod
    def make_error_storage(self, max_entries: int) -> ErrorStorage:
        """A new, empty error storage of the adapter under test keeping ``max_entries``."""

    @pytest.fixture
    def error_storage_factory(self) -> ErrorStorageFactory:
        return self.make_error_storage

    @staticmethod
    def _fill(storage: ErrorStorage, count_: int) -> None:
        for number in range(count_):
            storage.append(_error_entry(f"Action {number}"))

    @staticmethod
    def _actions(entries: List[ErrorEntry]) -> List[str]:
        return [entry.action_attempted for entry in entries]

    def test_empty_storage_loads_nothing(self, error_storage_factory: ErrorStorageFactory) -> None:
        assert error_storage_factory(100).load_recent(10) == []

    def test_entries_load_newest_first(self, error_storage_factory: ErrorStorageFactory) -> None:
        storage = error_storage_factory(100)
        self._fill(storage, 3)
        assert self._actions(storage.load_recent(10)) == ["Action 2", "Action 1", "Action 0"]

    def test_limit_caps_the_result(self, error_storage_factory: ErrorStorageFactory) -> None:
        storage = error_storage_factory(100)
        self._fill(storage, 6)
        assert self._actions(storage.load_recent(2)) == ["Action 5", "Action 4"]
        assert self._actions(storage.load_recent(1)) == ["Action 5"]

    def test_recent_means_append_order_not_timestamp(
        self, error_storage_factory: ErrorStorageFactory
    ) -> None:
        storage = error_storage_factory(100)
        storage.append(_error_entry("late", timestamp=_BASE_TIME + timedelta(days=1)))
        storage.append(_error_entry("early", timestamp=_BASE_TIME - timedelta(days=1)))
        assert self._actions(storage.load_recent(2)) == ["early", "late"]

    def test_entries_load_back_equal(self, error_storage_factory: ErrorStorageFactory) -> None:
        storage = error_storage_factory(10)
        entry = _error_entry("deploy", resolution="retried", agent="claude")
        storage.append(entry)
        assert storage.load_recent(1) == [entry]

    @pytest.mark.parametrize("limit", [0, -1])
    def test_limit_below_one_is_rejected(
        self, error_storage_factory: ErrorStorageFactory, limit: int
    ) -> None:
        storage = error_storage_factory(10)
        self._fill(storage, 2)
        with pytest.raises(ValueError, match="must be ≥ 1"):
            storage.load_recent(limit)

    def test_oldest_entries_are_evicted_beyond_the_bound(
        self, error_storage_factory: ErrorStorageFactory
    ) -> None:
        storage = error_storage_factory(5)
        self._fill(storage, 10)
        expected = [f"Action {n}" for n in range(9, 4, -1)]
        assert self._actions(storage.load_recent(100)) == expected

    def test_bound_of_two(self, error_storage_factory: ErrorStorageFactory) -> None:
        storage = error_storage_factory(2)
        self._fill(storage, 5)
        assert self._actions(storage.load_recent(10)) == ["Action 4", "Action 3"]

    def test_exactly_at_the_bound_nothing_is_evicted(
        self, error_storage_factory: ErrorStorageFactory
    ) -> None:
        storage = error_storage_factory(3)
        self._fill(storage, 3)
        assert self._actions(storage.load_recent(10)) == ["Action 2", "Action 1", "Action 0"]

    def test_bound_of_one_hundred(self, error_storage_factory: ErrorStorageFactory) -> None:
        storage = error_storage_factory(100)
        self._fill(storage, 150)
        recent = storage.load_recent(200)
        assert len(recent) == 100
        assert (recent[0].action_attempted, recent[-1].action_attempted) == (
            "Action 149",
            "Action 50",
        )
