"""The one ordering and reduction pipeline every reducer uses.

select event types -> order by ``(lamport_clock, timestamp.isoformat(), event_id)`` ->
de-duplicate by ``event_id`` (:func:`prepare`) -> fold.  Each reducer folds the prepared list
itself, validating every payload once with :func:`parse_payload`.

The public names ``status_event_sort_key`` and ``dedup_events`` live in
:mod:`spec_kitty_events.status` (where the contract puts them) and delegate here, so there is
a single implementation of the order every reducer agrees on.
"""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any, Container, Iterable, Iterator, List, Optional, Tuple, Type, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events.models import Event

SortKey = Tuple[int, str, str]
_clock = attrgetter("lamport_clock")
_time_and_id = attrgetter("timestamp", "event_id")
M = TypeVar("M", bound=BaseModel)


def event_sort_key(event: Event) -> SortKey:
    """Lamport clock, then the ISO-8601 *text* of the timestamp, then the canonical id."""
    return (event.lamport_clock, event.timestamp.isoformat(), event.event_id)


# --- comparing without the text ------------------------------------------------------------
#
# The timestamp's text costs about 1 µs to make, more than the rest of a key.  Among
# timestamps with one UTC offset (or none, all naive) the text sorts exactly as the times
# do: the fields before the fraction are fixed-width digits; a fraction is six digits, and
# where one time has a fraction and the other none, the other's next character ("+", "-" or
# the end) sorts before the fraction's ".", as a time of zero microseconds sorts before any
# other; and the offset's text, last, is the same.  So between events of one clock and one
# offset, (timestamp, event_id) orders as the key does.  Otherwise the key is made.


def _one_offset(events: List[Event]) -> bool:
    offset = events[0].timestamp.utcoffset()
    return all(event.timestamp.utcoffset() == offset for event in events)


def _sorts_before(event: Event, other: Event) -> bool:
    """``event_sort_key(event) < event_sort_key(other)``, for two events of one clock."""
    if event.timestamp.utcoffset() == other.timestamp.utcoffset():
        return _time_and_id(event) < _time_and_id(other)
    return event_sort_key(event) < event_sort_key(other)


class OutOfOrder(Exception):
    """A stream given as :class:`InFoldOrder` was not; nothing folded from it may be used."""


def sort_in_fold_order(events: List[Event]) -> None:
    """Sort ``events`` in place by :func:`event_sort_key`: a stable sort by clock, then
    :func:`sorted_within_clock`, which orders exactly as one stable sort by the whole key.
    Most of a key's cost is the timestamp's text, which a log whose clocks rise never needs."""
    events.sort(key=_clock)
    events[:] = sorted_within_clock(events)


def sorted_within_clock(events: Iterable[Event]) -> Iterator[Event]:
    """Events ordered by Lamport clock, re-ordered by the full sort key one clock at a time.

    Ties on the full key keep their input order, as a stable sort of the whole stream would,
    and a clock no other event has needs no key.  A clock lower than the one before raises
    :class:`OutOfOrder`: with that checked, the result is in full fold order.
    """
    group: List[Event] = []
    clock: Optional[int] = None
    for event in events:
        if event.lamport_clock != clock:
            if clock is not None and event.lamport_clock < clock:
                raise OutOfOrder(f"event {event.event_id} has a lower clock than the one before")
            yield from _in_key_order(group)
            group = []
            clock = event.lamport_clock
        group.append(event)
    yield from _in_key_order(group)


def _in_key_order(group: List[Event]) -> List[Event]:
    """Events of one clock sorted by :func:`event_sort_key`, which is (timestamp, id) order
    when they share one UTC offset (see above)."""
    if len(group) < 2:
        return group
    return sorted(group, key=_time_and_id if _one_offset(group) else event_sort_key)


class OrderCheck:
    """Whether each event of a stream sorts before the one before it (by
    :func:`event_sort_key`), comparing more than clocks only where two neighbours' clocks
    tie, and then without the timestamp's text where their offsets agree (see above)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: Optional[Event] = None

    def breaks_order(self, event: Event) -> bool:
        """True when ``event`` sorts before the last event given; else it becomes the last."""
        last = self._last
        if last is not None and (
            event.lamport_clock < last.lamport_clock
            or (event.lamport_clock == last.lamport_clock and _sorts_before(event, last))
        ):
            return True
        self._last = event
        return False


def first_occurrences(events: Iterable[Event]) -> List[Event]:
    """Keep the first event seen for each ``event_id``, in input order (``status.dedup_events``)."""
    seen: set[str] = set()
    kept: List[Event] = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            kept.append(event)
    return kept


def _content_fingerprint(event: Event) -> str:
    """A total, input-order-free tie-break between two deliveries of one ``event_id``.

    Only reached when two events share id *and* sort key but differ in content; input order
    must not decide, or the state would depend on delivery.  Payloads that JSON cannot express
    fall back to ``repr``.
    """
    try:
        return json.dumps(event.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError, ArithmeticError):
        return repr(event.model_dump())


def _dedup_sorted(ordered: List[Event]) -> List[Event]:
    """De-duplicate an already sorted list.

    Copies of one id at different sort keys: the smallest key wins.  Copies at
    the *same* key are adjacent (the id is the last key component); if their content differs,
    the smallest content fingerprint wins, so the survivor never depends on delivery order.
    """
    kept: List[Event] = []
    keep = kept.append
    seen: set[str] = set()
    see = seen.add
    for event in ordered:
        event_id = event.event_id
        if event_id not in seen:
            see(event_id)
            keep(event)
        elif is_conflicting_twin(kept[-1], event) and wins_twin(event, kept[-1]):
            kept[-1] = event
    return kept


def is_conflicting_twin(kept: Event, candidate: Event) -> bool:
    """Same id and sort key, different content: a twin that :func:`wins_twin` decides."""
    return (
        kept.event_id == candidate.event_id
        and event_sort_key(kept) == event_sort_key(candidate)
        and kept != candidate
    )


def wins_twin(candidate: Event, kept: Event) -> bool:
    """Whether a conflicting twin replaces the kept copy: the smaller fingerprint wins."""
    return _content_fingerprint(candidate) < _content_fingerprint(kept)


def prepare(
    events: Iterable[Event],
    event_types: Optional[Container[str]] = None,
) -> List[Event]:
    """Select, order and de-duplicate: the unique events a reducer folds, in fold order.

    ``event_types=None`` keeps every event (the lifecycle reducer counts all types).
    """
    if event_types is None:
        selected = list(events)
    else:
        selected = [event for event in events if event.event_type in event_types]
    sort_in_fold_order(selected)
    return _dedup_sorted(selected)


class InFoldOrder:
    """Events that their source promises are already in fold order (a store read in order, a
    log written as events happened).

    Reducers that fold one event at a time (:func:`ordered`) then stream them instead of
    sorting them in memory; every other consumer sees a plain iterable.  The promise is
    checked: a stream that breaks it raises :class:`OutOfOrder` from the fold, and the caller
    must read its source again without the promise.  ``checked=True`` says the source checks
    the order itself, of every event whatever its type, and raises :class:`OutOfOrder` when it
    finds it broken; the fold then need not compute each event's sort key a second time.
    """

    __slots__ = ("_events", "checked")

    def __init__(self, events: Iterable[Event], *, checked: bool = False) -> None:
        self._events = events
        self.checked = checked

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)


def ordered(
    events: Iterable[Event], event_types: Optional[Container[str]] = None
) -> Iterable[Event]:
    """What a fold consumes: :func:`prepare`'s events, streamed when the input allows."""
    if isinstance(events, InFoldOrder):
        return in_fold_order(events, event_types, checked=events.checked)
    return prepare(events, event_types)


def in_fold_order(
    events: Iterable[Event],
    event_types: Optional[Container[str]] = None,
    *,
    checked: bool = False,
) -> Iterator[Event]:
    """``prepare(events, event_types)`` for a stream already in fold order, lazily.

    De-duplication is ``prepare``'s to the letter: the first copy of an id wins, and of two
    differing copies at the same sort key the smaller content fingerprint wins; that is why
    the last kept event is held back until one with another id arrives.  Only the ids seen are
    kept, so memory grows with the number of distinct events, not with their contents.
    ``checked`` says the source checks the order (see :class:`InFoldOrder`).
    """
    seen: set[str] = set()
    pending: Optional[Event] = None
    order = OrderCheck()
    for event in events:
        if event_types is not None and event.event_type not in event_types:
            continue
        if not checked and order.breaks_order(event):
            raise OutOfOrder(f"event {event.event_id} sorts before the event read before it")
        event_id = event.event_id
        if event_id not in seen:
            seen.add(event_id)
            if pending is not None:
                yield pending
            pending = event
        elif (
            pending is not None
            and is_conflicting_twin(pending, event)
            and wins_twin(event, pending)
        ):
            pending = event
    if pending is not None:
        yield pending


def parse_payload(model: Type[M], payload: Any) -> Tuple[Optional[M], Optional[Exception]]:
    """Validate a payload once; return ``(model, None)`` or ``(None, error)``, never raise.

    Reducers turn the error into an anomaly; a raw pydantic error never escapes a fold.
    """
    try:
        # The model's core validator itself: model_validate only passes its defaults on to it,
        # and this runs once per event.
        return model.__pydantic_validator__.validate_python(payload), None
    except (PydanticValidationError, ValueError, TypeError) as error:
        return None, error
