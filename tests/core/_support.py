"""Event builders for the core tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from itertools import count
from typing import Any, Dict, Iterator

from spec_kitty_events.models import Event

PROJECT = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
WHEN = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
ULID_A = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
ULID_B = "01BX5ZZKBKACTAV9WEVGEMMVRZ"
_serial: Iterator[int] = count(1)


def ulid_for(number: int) -> str:
    """A deterministic 26-char Crockford id; digits only, so already canonical."""
    return f"01K{number:023d}"


def envelope(**overrides: Any) -> Dict[str, Any]:
    """Keyword arguments for a valid Event; ``overrides`` replace or add fields."""
    values: Dict[str, Any] = {
        "event_id": ULID_A,
        "event_type": "WPStatusChanged",
        "aggregate_id": "WP01",
        "timestamp": WHEN,
        "node_id": "node-a",
        "lamport_clock": 1,
        "project_uuid": PROJECT,
        "correlation_id": ULID_B,
    }
    values.update(overrides)
    return values


def make_event(**overrides: Any) -> Event:
    """A valid Event with a fresh id unless ``event_id`` is given."""
    overrides.setdefault("event_id", ulid_for(next(_serial)))
    return Event(**envelope(**overrides))
