"""state_machine_merge."""

from __future__ import annotations

from typing import Any, List

import pytest

from spec_kitty_events.merge import state_machine_merge
from spec_kitty_events.models import ConflictResolution, Event, ValidationError
from tests.factory import make_event

PRIORITY = {"planned": 1, "doing": 2, "done": 3}


def concurrent(*payloads: Any, nodes: List[str] | None = None) -> List[Event]:
    nodes = nodes or [f"node-{i}" for i in range(len(payloads))]
    return [
        make_event(lamport_clock=5, aggregate_id="WP01", node_id=node, payload=payload)
        for payload, node in zip(payloads, nodes, strict=True)
    ]


def test_empty_list_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        state_machine_merge([], PRIORITY)
    assert str(raised.value) == "Cannot merge empty event list"


def test_single_event_is_no_conflict() -> None:
    events = concurrent({"state": "doing"})
    result = state_machine_merge(events, PRIORITY)
    assert isinstance(result, ConflictResolution)
    assert result.merged_event is events[0]
    assert result.resolution_note == "Single event, no conflict: state=doing"
    assert result.requires_manual_review is False
    assert result.conflicting_events == events


def test_highest_priority_wins() -> None:
    events = concurrent({"state": "planned"}, {"state": "done"}, {"state": "doing"})
    result = state_machine_merge(events, PRIORITY)
    assert result.merged_event is events[1]
    assert result.resolution_note == (
        "Selected state 'done' (priority=3) from node 'node-1' over 2 conflicting states"
    )
    assert result.conflicting_events == events
    assert result.conflicting_events is not events


def test_equal_states_are_tiebroken_by_smallest_node() -> None:
    events = concurrent({"state": "doing"}, {"state": "doing"}, nodes=["node-b", "node-a"])
    result = state_machine_merge(events, PRIORITY)
    assert result.merged_event is events[1]
    assert result.resolution_note == (
        "All events have same state: doing (tiebroken by node 'node-a')"
    )


def test_priority_beats_node_order() -> None:
    events = concurrent({"state": "done"}, {"state": "planned"}, nodes=["zz", "aa"])
    assert state_machine_merge(events, PRIORITY).merged_event is events[0]


def test_full_tie_goes_to_smallest_event_id_whatever_the_order() -> None:
    events = concurrent({"state": "doing"}, {"state": "doing"}, nodes=["same", "same"])
    smallest = min(events, key=lambda event: event.event_id)
    assert state_machine_merge(events, PRIORITY).merged_event is smallest
    assert state_machine_merge(events[::-1], PRIORITY).merged_event is smallest


def test_status_is_the_fallback_for_the_default_key() -> None:
    events = concurrent({"status": "done"}, {"state": None, "status": "planned"})
    result = state_machine_merge(events, PRIORITY)
    assert result.merged_event is events[0]
    assert "'done'" in result.resolution_note


def test_custom_state_key_has_no_fallback() -> None:
    events = concurrent({"lane": "done"}, {"lane": "planned"})
    assert state_machine_merge(events, PRIORITY, state_key="lane").merged_event is events[0]
    missing = concurrent({"status": "done"})
    with pytest.raises(ValidationError) as raised:
        state_machine_merge(missing, PRIORITY, state_key="lane")
    assert str(raised.value) == f"Event {missing[0].event_id} missing 'lane' in payload"


def test_missing_state_names_both_keys() -> None:
    events = concurrent({"state": "done"}, {"state": None})
    with pytest.raises(ValidationError) as raised:
        state_machine_merge(events, PRIORITY)
    assert str(raised.value) == f"Event {events[1].event_id} missing 'state' or 'status' in payload"


def test_unknown_state_lists_the_available_ones() -> None:
    events = concurrent({"state": "blocked"})
    with pytest.raises(ValidationError) as raised:
        state_machine_merge(events, {"done": 2, "planned": 1})
    assert str(raised.value) == (
        "State value 'blocked' not in priority_map. Available states: ['done', 'planned']"
    )


def test_unhashable_state_is_a_library_error() -> None:
    events = concurrent({"state": ["done"]})
    with pytest.raises(ValidationError, match="unhashable state value"):
        state_machine_merge(events, PRIORITY)


def test_different_clocks_are_refused_first() -> None:
    first = make_event(lamport_clock=5, aggregate_id="A", payload={"state": "done"})
    other = make_event(lamport_clock=6, aggregate_id="B", payload={"state": "done"})
    with pytest.raises(ValidationError) as raised:
        state_machine_merge([first, other], PRIORITY)
    assert str(raised.value) == "Events have different lamport_clocks: 6 != 5"


def test_different_aggregates_are_refused() -> None:
    first = make_event(lamport_clock=5, aggregate_id="A", payload={"state": "done"})
    other = make_event(lamport_clock=5, aggregate_id="B", payload={"state": "done"})
    with pytest.raises(ValidationError) as raised:
        state_machine_merge([first, other], PRIORITY)
    assert str(raised.value) == "Events have different aggregate_ids: B != A"


def test_concurrency_is_checked_before_states() -> None:
    first = make_event(lamport_clock=5, payload={})
    other = make_event(lamport_clock=7, payload={"state": "done"})
    with pytest.raises(ValidationError, match="different lamport_clocks"):
        state_machine_merge([first, other], PRIORITY)


def test_duplicates_count_as_conflicting_states() -> None:
    done, planned = concurrent({"state": "done"}, {"state": "planned"})
    result = state_machine_merge([done, planned, planned], PRIORITY)
    assert result.resolution_note.endswith("over 2 conflicting states")
    assert len(result.conflicting_events) == 3
