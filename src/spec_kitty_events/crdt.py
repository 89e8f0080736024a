"""Conflict-free merges over event payloads: a grow-only set and a per-event counter.

Both merges are commutative, associative and idempotent over lists of events (for the
counter: as long as every delivery of one ``event_id`` carries the same ``delta``).
Malformed payload values raise the library :class:`ValidationError`, naming the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Dict, List, Set

from spec_kitty_events.models import Event, ValidationError


def merge_gset(events: List[Event]) -> Set[Any]:
    """Union of every event's ``payload["tags"]`` (a missing key contributes nothing).

    ``tags`` must be a collection of hashable values (set, frozenset, list, tuple, ...).
    A string or a mapping is refused rather than split into characters or keys.
    """
    merged: Set[Any] = set()
    for event in events:
        merged |= _tags_of(event)
    return merged


def _tags_of(event: Event) -> Set[Any]:
    tags = event.payload.get("tags", ())
    if isinstance(tags, (set, frozenset)):
        return set(tags)
    if isinstance(tags, (str, bytes, bytearray, Mapping)) or not isinstance(tags, Iterable):
        raise ValidationError(
            f"Event {event.event_id}: payload 'tags' must be a collection of tags, "
            f"got {type(tags).__name__}"
        )
    try:
        return set(tags)
    except TypeError as error:
        raise ValidationError(
            f"Event {event.event_id}: payload 'tags' holds an unhashable value ({error})"
        ) from error


def merge_counter(events: List[Event], *, reject_conflicts: bool = False) -> int:
    """Sum of ``payload["delta"]`` (default 0), each ``event_id`` counted once.

    The first delivery of an ``event_id`` counts and later ones are not read.  With
    ``reject_conflicts=True`` a later delivery carrying a different delta raises
    :class:`ValidationError` instead, since the sum would then depend on delivery order.
    """
    total = 0
    counted: Dict[str, int] = {}
    for event in events:
        first = counted.get(event.event_id)
        if first is None:
            delta = _delta_of(event)
            counted[event.event_id] = delta
            total += delta
        elif reject_conflicts:
            _require_same_delta(event, first)
    return total


def _delta_of(event: Event) -> int:
    delta = event.payload.get("delta", 0)
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise ValidationError(
            f"Event {event.event_id}: payload 'delta' must be an int, got {type(delta).__name__}"
        )
    return delta


def _require_same_delta(event: Event, first: int) -> None:
    delta = _delta_of(event)
    if delta != first:
        raise ValidationError(
            f"Event {event.event_id} delivered with conflicting deltas: {first} and {delta}"
        )
