"""Core figures: envelope parsing, the cost of the payload copy, the event store's index.

* ``Event.model_validate_json`` over 100,000 JSON envelope lines, against ``json.loads`` of
  the same lines (the floor: reading the JSON at all).
* ``Event.model_validate`` from Python dicts (where the payload is copied), against the same
  model with the copy switched off (the floor), so the ratio is the price of the copy.
* ``InMemoryEventStore.load_events`` once per aggregate, against the 2.4.0 method (filter the
  whole store and stable-sort it on every load), to show what the per-aggregate index saves.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from pydantic import ValidationInfo, field_validator

from _harness import Figure, best_of
from spec_kitty_events.conflict import total_order_key
from spec_kitty_events.models import Event
from spec_kitty_events.storage import InMemoryEventStore

PROJECT = uuid.UUID("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
START = datetime(2026, 2, 21, 14, tzinfo=timezone.utc)


class _EventWithoutPayloadCopy(Event):
    """The envelope as 2.4.0 validated it: the caller's payload objects are shared."""

    @field_validator("payload", mode="after")
    @classmethod
    def _own_payload(cls, value: Dict[str, Any], info: ValidationInfo) -> Dict[str, Any]:
        return value


def _envelope(n: int, aggregates: int) -> Dict[str, Any]:
    # A status-transition-like payload: a few scalars, one nested object, one list.
    return {
        "event_id": f"01K{n:023d}",
        "event_type": "WPStatusChanged",
        "aggregate_id": f"WP{n % aggregates:04d}",
        "payload": {
            "feature_slug": "008-mission-dossier",
            "wp_id": f"WP{n % aggregates:04d}",
            "from_lane": "planned",
            "to_lane": "doing",
            "actor": "claude",
            "evidence": {"repos": [{"repo": "spec-kitty", "branch": "main", "commit": "abc"}]},
            "tags": ["a", "b"],
        },
        "timestamp": (START + timedelta(seconds=n)).isoformat(),
        "node_id": f"node-{n % 7}",
        "lamport_clock": n // 3,
        "project_uuid": str(PROJECT),
        "correlation_id": "01K" + "0" * 23,
    }


def _parse_figure(count: int) -> Figure:
    lines = [json.dumps(_envelope(n, 100)) for n in range(count)]
    floor = best_of(lambda: [json.loads(line) for line in lines])
    seconds = best_of(lambda: [Event.model_validate_json(line) for line in lines])
    return Figure("Event.model_validate_json", count, "events", seconds, "json.loads", floor, None)


def _copy_figure(count: int) -> Figure:
    dicts = [_envelope(n, 100) for n in range(count)]
    floor = best_of(lambda: [_EventWithoutPayloadCopy.model_validate(d) for d in dicts])
    seconds = best_of(lambda: [Event.model_validate(d) for d in dicts])
    return Figure(
        "Event.model_validate (payload copied)",
        count,
        "events",
        seconds,
        "same without the copy",
        floor,
        None,
    )


def _scan_and_sort(events: Dict[str, Event], aggregate_id: str) -> List[Event]:
    chosen = [event for event in events.values() if event.aggregate_id == aggregate_id]
    return sorted(chosen, key=total_order_key)


def _store_figure(count: int, aggregates: int) -> Figure:
    events = [Event.model_validate_json(json.dumps(_envelope(n, aggregates))) for n in range(count)]
    store = InMemoryEventStore()
    by_id: Dict[str, Event] = {}
    for event in events:
        store.save_event(event)
        by_id[event.event_id] = event
    names = sorted({event.aggregate_id for event in events})

    def indexed() -> None:
        # A fresh store each round, so every load pays its sort (no warm cache).
        fresh = InMemoryEventStore()
        for event in events:
            fresh.save_event(event)
        for name in names:
            fresh.load_events(name)

    def scanned() -> None:
        for name in names:
            _scan_and_sort(by_id, name)

    assert all(store.load_events(name) == _scan_and_sort(by_id, name) for name in names)
    floor = best_of(scanned)
    seconds = best_of(indexed)
    return Figure(
        f"InMemoryEventStore save all + load each of {aggregates} aggregates",
        count,
        "events",
        seconds,
        "2.4.0 filter+sort per load",
        floor,
        None,
    )


def run(quick: bool) -> List[Figure]:
    count = 10_000 if quick else 100_000
    store_count = 5_000 if quick else 20_000
    return [
        _parse_figure(count),
        _copy_figure(count // 2),
        _store_figure(store_count, 200),
    ]
