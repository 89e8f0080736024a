"""The one event factory of the test suite: ``from tests.factory import make_event``.

Every test event is built here, so a reader learns one rule: event number ``n`` has the id
``event_id(n)``, Lamport clock ``n`` and timestamp ``BASE_TIME + n`` seconds, which makes the
fold order follow ``n`` unless a test says otherwise (``clock=``, ``seconds=`` or any envelope
field by name).  Without ``n`` an event gets a fresh id from a separate range, clock 1 and
``BASE_TIME``.  Payload helpers of a domain stay in its folder and build events through here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from spec_kitty_events.models import ErrorEntry, Event

PROJECT = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
BASE_TIME = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
ULID_A = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
ULID_B = "01BX5ZZKBKACTAV9WEVGEMMVRZ"
CORRELATION = ULID_B
# Fresh ids start with "01K" and numbered ones with "01J", so the two ranges never collide.
_fresh: Iterator[int] = count(1)


def event_id(n: int) -> str:
    """A canonical 26-character ULID-shaped id whose text order follows ``n``."""
    return f"01J{n:023d}"


def fresh_event_id() -> str:
    """An id no other call returns; digits only, so already canonical."""
    return f"01K{next(_fresh):023d}"


def envelope(**overrides: Any) -> Dict[str, Any]:
    """Keyword arguments for a valid ``Event``; ``overrides`` replace or add fields."""
    values: Dict[str, Any] = {
        "event_id": ULID_A,
        "event_type": "WPStatusChanged",
        "aggregate_id": "WP01",
        "timestamp": BASE_TIME,
        "node_id": "node-a",
        "lamport_clock": 1,
        "project_uuid": PROJECT,
        "correlation_id": CORRELATION,
    }
    values.update(overrides)
    return values


def make_event(
    n: Optional[int] = None,
    event_type: str = "WPStatusChanged",
    payload: Optional[Mapping[str, Any]] = None,
    *,
    clock: Optional[int] = None,
    seconds: Optional[float] = None,
    **fields: Any,
) -> Event:
    """Event number ``n`` (see the module docstring); ``fields`` override envelope fields."""
    values: Dict[str, Any] = {"payload": {} if payload is None else payload}
    if n is None:
        values["event_id"] = fresh_event_id()
    else:
        values["event_id"] = event_id(n)
        values["lamport_clock"] = n
        values["timestamp"] = BASE_TIME + timedelta(seconds=n)
    if clock is not None:
        values["lamport_clock"] = clock
    if seconds is not None:
        values["timestamp"] = BASE_TIME + timedelta(seconds=seconds)
    values["event_type"] = event_type
    values.update(fields)
    return Event(**envelope(**values))


def make_stream(*rows: Tuple[str, Mapping[str, Any]]) -> List[Event]:
    """Events numbered 1..n from ``(event_type, payload)`` rows, in the given order."""
    return [make_event(n, event_type, payload) for n, (event_type, payload) in enumerate(rows, 1)]


def make_error_entry(action: str, **fields: Any) -> ErrorEntry:
    """A valid ``ErrorEntry`` for ``action``; ``fields`` override any field."""
    values: Dict[str, Any] = {
        "timestamp": BASE_TIME,
        "action_attempted": action,
        "error_message": f"{action} failed",
    }
    values.update(fields)
    return ErrorEntry(**values)


def event_ids(events: Sequence[Event]) -> List[str]:
    """The ids of ``events``, in order: what most ordering assertions compare."""
    return [event.event_id for event in events]


def make_record(
    n: int,
    event_type: str = "WPStatusChanged",
    payload: Optional[Mapping[str, Any]] = None,
    **fields: Any,
) -> Dict[str, Any]:
    """Event number ``n`` as one line of a JSON log holds it.

    ``fields`` are written as given, without validation, so a test can write a broken line.
    """
    record = make_event(n, event_type, payload).model_dump(mode="json")
    record.update(fields)
    return record
