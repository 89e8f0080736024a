"""Storage contracts (abstract base classes) and the in-memory adapters.

Adapters for real databases implement the three ABCs; ``spec_kitty_events.testing`` holds the
test suite every adapter must pass.  The in-memory adapters are neither durable nor
thread-safe: a concurrent caller must lock around them.

Ordering rule of the event store, shared by every adapter: ascending ``lamport_clock``, then
``node_id`` by code point; events equal on both keep the order in which their ``event_id`` was
first saved.  ``spec_kitty_events.conflict.strict_order_key`` gives a fully deterministic key
for callers who must not depend on save order.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque
from itertools import islice
from typing import Deque, Dict, List, NamedTuple, Optional, Set, Tuple

from spec_kitty_events._positions import check_position, check_read_limit
from spec_kitty_events.models import ErrorEntry, Event, StorageError

# --- contracts -------------------------------------------------------------------------------


class PositionedEvent(NamedTuple):
    """An event with its store position: the order in which a tailing reader can see it.

    Positions are positive integers that grow with commit order; ``0`` means "before the first
    event".  They may have gaps.  A replaced event keeps the position of its first save.
    """

    position: int
    event: Event


class UnreadableEventError(StorageError):
    """A stored event no longer validates; ``position`` says where it is.

    ``before`` holds the readable events the same read returned ahead of it, so a reader can
    keep them, note the bad position, and carry on with ``read_since(position)``.
    """

    def __init__(self, message: str, position: int, before: List[PositionedEvent]) -> None:
        super().__init__(message)
        self.position = position
        self.before = before


class EventStore(ABC):
    """Persists events and loads them in ``(lamport_clock, node_id)`` order."""

    @abstractmethod
    def save_event(self, event: Event) -> None:
        """Persist ``event``; saving an already stored ``event_id`` replaces it.

        Raises ``StorageError`` when the event cannot be persisted.
        """

    @abstractmethod
    def load_events(self, aggregate_id: str) -> List[Event]:
        """Events of one aggregate, sorted; ``[]`` for an unknown aggregate.

        Raises ``StorageError`` when the events cannot be read.
        """

    @abstractmethod
    def load_all_events(self) -> List[Event]:
        """Every stored event, sorted.  Raises ``StorageError`` when they cannot be read."""

    def read_since(self, position: int, limit: int = 1000) -> List[PositionedEvent]:
        """Up to ``limit`` events stored after ``position``, in position order.

        A reader that passes the last position it received never misses an event committed
        by a concurrent writer nor receives one twice (``docs/stores.md``, "Positions").  Not
        abstract, so adapters written before positions existed keep working; those raise
        ``NotImplementedError`` here.  ``UnreadableEventError`` reports a stored event that
        no longer validates.
        """
        raise NotImplementedError(f"{type(self).__name__} does not support read_since")


class ClockStorage(ABC):
    """Persists one Lamport clock value per node."""

    @abstractmethod
    def load(self, node_id: str) -> int:
        """The node's stored clock, ``0`` if never saved.  May raise ``StorageError``."""

    @abstractmethod
    def save(self, node_id: str, clock_value: int) -> None:
        """Overwrite the node's clock; ``ValueError`` when ``clock_value < 0``.

        Raises ``StorageError`` when the value cannot be persisted.
        """


class ErrorStorage(ABC):
    """An append-only error log with an adapter-defined retention policy."""

    @abstractmethod
    def append(self, entry: ErrorEntry) -> None:
        """Add ``entry``, evicting the oldest entries beyond the retention bound.

        Raises ``StorageError`` when the entry cannot be persisted.
        """

    @abstractmethod
    def load_recent(self, limit: int = 10) -> List[ErrorEntry]:
        """Up to ``limit`` entries, newest first; ``ValueError`` when ``limit < 1``.

        Raises ``StorageError`` when the entries cannot be read.
        """


# --- in-memory event store -------------------------------------------------------------------

# (lamport_clock, node_id, first-save sequence): the sequence reproduces the insertion-order
# tie rule of a stable sort without re-sorting the whole store.
_StoreKey = Tuple[int, str, int]


class InMemoryEventStore(EventStore):
    """Events in a dict keyed by ``event_id``, indexed per aggregate, sorted on demand.

    A sorted view per aggregate (and one for the whole store) is kept between loads.  Saving
    an event that sorts last extends the view; any other save drops it, and the next load
    sorts again.  Loads return new lists holding the stored objects themselves.
    """

    def __init__(self) -> None:
        self._events: Dict[str, Event] = {}
        self._sequence: Dict[str, int] = {}
        self._ids_by_aggregate: Dict[str, Set[str]] = {}
        self._sorted_by_aggregate: Dict[str, List[Event]] = {}
        self._sorted_all: Optional[List[Event]] = None
        # event_ids by first save: index i holds position i + 1.
        self._log: List[str] = []

    def save_event(self, event: Event) -> None:
        previous = self._events.get(event.event_id)
        if previous is None:
            self._insert(event)
        else:
            self._replace(previous, event)

    def load_events(self, aggregate_id: str) -> List[Event]:
        view = self._sorted_by_aggregate.get(aggregate_id)
        if view is None:
            ids = self._ids_by_aggregate.get(aggregate_id)
            if not ids:
                return []
            view = self._sorted([self._events[event_id] for event_id in ids])
            self._sorted_by_aggregate[aggregate_id] = view
        return list(view)

    def load_all_events(self) -> List[Event]:
        if self._sorted_all is None:
            self._sorted_all = self._sorted(list(self._events.values()))
        return list(self._sorted_all)

    def read_since(self, position: int, limit: int = 1000) -> List[PositionedEvent]:
        start = check_position(position)
        check_read_limit(limit)
        ids = self._log[start : start + limit]
        return [PositionedEvent(start + i + 1, self._events[eid]) for i, eid in enumerate(ids)]

    def _key(self, event: Event) -> _StoreKey:
        return (event.lamport_clock, event.node_id, self._sequence[event.event_id])

    def _sorted(self, events: List[Event]) -> List[Event]:
        events.sort(key=self._key)
        return events

    def _insert(self, event: Event) -> None:
        self._sequence[event.event_id] = len(self._sequence)
        self._log.append(event.event_id)
        self._events[event.event_id] = event
        self._ids_by_aggregate.setdefault(event.aggregate_id, set()).add(event.event_id)
        self._extend_or_drop_aggregate_view(event)
        self._sorted_all = self._extended_or_dropped(self._sorted_all, event)

    def _replace(self, previous: Event, event: Event) -> None:
        # The replacement keeps its first-save sequence, so ties still follow first saves.
        self._events[event.event_id] = event
        self._ids_by_aggregate[previous.aggregate_id].discard(event.event_id)
        self._ids_by_aggregate.setdefault(event.aggregate_id, set()).add(event.event_id)
        self._sorted_by_aggregate.pop(previous.aggregate_id, None)
        self._sorted_by_aggregate.pop(event.aggregate_id, None)
        self._sorted_all = None

    def _extend_or_drop_aggregate_view(self, event: Event) -> None:
        view = self._sorted_by_aggregate.get(event.aggregate_id)
        extended = self._extended_or_dropped(view, event)
        if extended is None:
            self._sorted_by_aggregate.pop(event.aggregate_id, None)

    def _extended_or_dropped(
        self, view: Optional[List[Event]], event: Event
    ) -> Optional[List[Event]]:
        """Append a new event to a sorted view when it sorts last, else drop the view."""
        if view is None:
            return None
        if view and self._key(view[-1]) > self._key(event):
            return None
        view.append(event)
        return view


# --- in-memory clock storage -----------------------------------------------------------------


class InMemoryClockStorage(ClockStorage):
    """One integer per node in a dict."""

    def __init__(self) -> None:
        self._clocks: Dict[str, int] = {}

    def load(self, node_id: str) -> int:
        return self._clocks.get(node_id, 0)

    def save(self, node_id: str, clock_value: int) -> None:
        _require_clock_value(clock_value)
        self._clocks[node_id] = clock_value


def _require_clock_value(clock_value: object) -> None:
    # bool is an int subclass, but True is no clock value.
    if isinstance(clock_value, bool) or not isinstance(clock_value, int):
        raise ValueError(
            f"Clock value must be an int ≥ 0, got {clock_value!r} ({type(clock_value).__name__})"
        )
    if clock_value < 0:
        raise ValueError(f"Clock value must be ≥ 0, got {clock_value}")


# --- in-memory error storage -----------------------------------------------------------------


class InMemoryErrorStorage(ErrorStorage):
    """The ``max_entries`` most recently appended entries, oldest evicted first.

    "Recent" means insertion order: entry timestamps are never consulted.  A bound of zero or
    less retains nothing.
    """

    def __init__(self, max_entries: int = 100) -> None:
        self._max_entries = max_entries
        self._entries: Deque[ErrorEntry] = deque(maxlen=_retention_bound(max_entries))

    @property
    def max_entries(self) -> int:
        return self._max_entries

    def append(self, entry: ErrorEntry) -> None:
        self._entries.append(entry)

    def load_recent(self, limit: int = 10) -> List[ErrorEntry]:
        if limit < 1:
            raise ValueError(f"Limit must be ≥ 1, got {limit}")
        return list(islice(reversed(self._entries), limit))


def _retention_bound(max_entries: float) -> Optional[int]:
    """The deque ``maxlen`` that keeps what a keep-at-most-``max_entries`` list keeps.

    The rule evicts while ``len > max_entries``: a fractional bound keeps its floor, a bound of
    zero or less keeps nothing, and +inf or NaN (which no length exceeds) keep everything.
    """
    if isinstance(max_entries, int):
        return max(0, max_entries)
    if not max_entries < math.inf:
        return None
    if max_entries <= 0:
        return 0
    return math.floor(max_entries)
