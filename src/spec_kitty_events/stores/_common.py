"""What the SQLite and PostgreSQL adapters share: row shapes, input checks, content checks.

Both adapters keep an event as its JSON text (the wire form) plus the columns they index.
Everything that decides *whether* a write is acceptable lives here, so the two databases
cannot disagree about it.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Iterator, List, Literal, NamedTuple, Sequence, Tuple

from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events._envelope import fast_event
from spec_kitty_events._json import fast_loads_line, payload_problem
from spec_kitty_events.models import ErrorEntry, Event, StorageError
from spec_kitty_events.storage import PositionedEvent, UnreadableEventError

# Bumped whenever a table or index changes shape; a database carrying a larger number was
# written by a newer library and is refused rather than misread.
SCHEMA_VERSION = 1

# What saving a stored event_id with different content does: "raise" (the default: an id
# names one immutable event) or "replace" (the EventStore ABC's in-memory behaviour).
OnConflict = Literal["raise", "replace"]


class RejectedEventError(StorageError):
    """The store refused one event because of what it holds, not because the store failed.

    ``event_id`` names the event and ``field`` the envelope field that caused the refusal
    (``"event_id"`` for an id stored with other content, ``"payload"`` for a payload without
    a JSON form, ...), so a caller can report the event and carry on with the others.
    """

    def __init__(self, event_id: str, field: str, message: str) -> None:
        super().__init__(message)
        self.event_id = event_id
        self.field = field


class EventRow(NamedTuple):
    """One event as the adapters write it: indexed columns, then the JSON body."""

    event_id: str
    aggregate_id: str
    node_id: str
    lamport_clock: int
    event_type: str
    body: str


# --- events ----------------------------------------------------------------------------------


def event_row(event: object, *, limits_checked: bool = False) -> EventRow:
    """Serialize one event, or say which event (and why) cannot be stored.

    ``limits_checked`` says the event was built just now from a log line whose every value
    was found within the event limits, and nothing else has held it since: its payload is
    not walked for them a second time.
    """
    if not isinstance(event, Event):
        raise TypeError(f"expected an Event to save, got {type(event).__name__}")
    # The payload was checked when the event was built, but it is a mutable dict: a value put
    # in later (NaN would be written as null) must not reach the store.
    problem = None if limits_checked else payload_problem(event.payload)
    if problem is not None:
        path, message = problem
        raise StorageError(f"event {event.event_id}: payload.{path}: {message}")
    try:
        body = event.model_dump_json()
    except (ValueError, TypeError) as exc:
        # Arbitrary Python objects are legal in a payload but have no JSON form.
        raise RejectedEventError(
            event.event_id,
            "payload",
            f"event {event.event_id}: payload cannot be stored as JSON: {exc}",
        ) from exc
    return EventRow(
        event.event_id,
        event.aggregate_id,
        event.node_id,
        event.lamport_clock,
        event.event_type,
        body,
    )


def distinct_rows(rows: Iterable[EventRow], *, replace: bool = False) -> List[EventRow]:
    """A batch's rows in first-seen order, one per ``event_id``.

    A batch that repeats an id with the same content is fine (redelivery).  Repeating it with
    different content is the same conflict as against an already stored event, unless the
    store replaces: then the last content wins at the first position, as consecutive
    ``save_event`` calls would leave it.
    """
    kept: dict[str, EventRow] = {}
    for row in rows:
        earlier = kept.get(row.event_id)
        if earlier is None or replace:
            kept[row.event_id] = row
        elif not same_content(earlier.body, row.body):
            raise conflict_error(row.event_id, "twice in one batch")
    return list(kept.values())


def same_content(stored_body: str, new_body: str) -> bool:
    """Compare two JSON bodies as data, so payload key order does not matter."""
    if stored_body == new_body:
        return True
    stored: Any = json.loads(stored_body)
    new: Any = json.loads(new_body)
    return bool(stored == new)


def conflict_error(event_id: str, where: str = "already stored") -> RejectedEventError:
    return RejectedEventError(
        event_id,
        "event_id",
        f"event {event_id} is {where} with different content; "
        "an event id names one immutable event, so it was not overwritten "
        "(open the store with on_conflict='replace' for the in-memory store's behaviour)",
    )


def check_on_conflict(on_conflict: str) -> bool:
    """True for ``"replace"``; the only other accepted value is ``"raise"``."""
    if on_conflict not in ("raise", "replace"):
        raise ValueError(f"on_conflict must be 'raise' or 'replace', got {on_conflict!r}")
    return on_conflict == "replace"


def event_from_body(body: str, where: str) -> Event:
    """Read a stored event back; a row that no longer validates is reported, not skipped.

    A body that is a plain valid envelope within the event limits takes the fast envelope
    path (the one log lines take); any other goes through pydantic, which judges it.
    """
    fast = fast_loads_line(body.encode("utf-8"))
    if fast is not None and fast[1] and type(fast[0]) is dict:
        event = fast_event(fast[0])
        if event is not None:
            return event
    try:
        return Event.model_validate_json(body)
    except PydanticValidationError as exc:
        raise StorageError(f"{where}: stored event is unreadable: {exc}") from exc


# A read on a store's connection: SQL text and its parameters in, every row out.
Query = Callable[..., List[Tuple[object, ...]]]


def paged_events(
    query: Query, first: str, after: str, page_size: int, where: str
) -> Iterator[Event]:
    """Stored events page by page along the clock index (keyset paging, no OFFSET).

    ``first`` selects ``lamport_clock, node_id, seq, event_id, body`` in clock-index order,
    limited by its one parameter, the page size; ``after`` does the same for the rows after a
    ``(lamport_clock, node_id, seq)`` key, given as its first three parameters.  Each page is
    read after the last row of the one before, so memory holds one page.
    """
    rows = query(first, (page_size,))
    while rows:
        for _, _, _, event_id, body in rows:
            yield event_from_body(str(body), f"{where}, event {event_id}")
        if len(rows) < page_size:
            return
        clock, node_id, seq = rows[-1][:3]
        rows = query(after, (clock, node_id, seq, page_size))


def positioned_events(rows: Sequence[Tuple[object, ...]], where: str) -> List[PositionedEvent]:
    """``(position, event_id, body)`` rows as events; the first unreadable one is reported
    with its position and the readable events ahead of it."""
    read: List[PositionedEvent] = []
    for position, event_id, body in rows:
        assert isinstance(position, int)
        try:
            event = Event.model_validate_json(str(body))
        except PydanticValidationError as exc:
            raise UnreadableEventError(
                f"{where}, event {event_id} at position {position}: "
                f"stored event is unreadable: {exc}",
                position,
                read,
            ) from exc
        read.append(PositionedEvent(position, event))
    return read


# --- clocks ----------------------------------------------------------------------------------


def check_clock_value(clock_value: object) -> int:
    """The in-memory adapter's check, plus a type check a durable column needs."""
    if isinstance(clock_value, bool) or not isinstance(clock_value, int):
        raise ValueError(
            f"Clock value must be ≥ 0 and an int, got {type(clock_value).__name__} {clock_value!r}"
        )
    if clock_value < 0:
        raise ValueError(f"Clock value must be ≥ 0, got {clock_value}")
    return clock_value


def check_node_id(node_id: object) -> str:
    if not isinstance(node_id, str):
        raise TypeError(f"node_id must be a str, got {type(node_id).__name__}")
    return node_id


# --- error entries ---------------------------------------------------------------------------


def check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"Limit must be ≥ 1, got {limit}")


def error_body(entry: object) -> str:
    if not isinstance(entry, ErrorEntry):
        raise TypeError(f"expected an ErrorEntry to append, got {type(entry).__name__}")
    return entry.model_dump_json()


def entry_from_body(body: str, where: str) -> ErrorEntry:
    try:
        return ErrorEntry.model_validate_json(body)
    except PydanticValidationError as exc:
        raise StorageError(f"{where}: stored error entry is unreadable: {exc}") from exc
