"""Resolve concurrent events on one aggregate by state priority."""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Tuple

from spec_kitty_events.models import ConflictResolution, Event, ValidationError

_DEFAULT_STATE_KEY = "state"
_FALLBACK_STATE_KEY = "status"


class _Candidate(NamedTuple):
    priority: int
    state: Any
    event: Event

    def rank(self) -> Tuple[int, str, str]:
        # Highest priority first, then node id, then event id: the event id breaks a
        # priority+node tie, so the winner never depends on input order.
        return (-self.priority, self.event.node_id, self.event.event_id)


def state_machine_merge(
    events: List[Event], priority_map: Dict[str, int], state_key: str = _DEFAULT_STATE_KEY
) -> ConflictResolution:
    """Pick the winner among concurrent events: the state with the highest priority.

    All events must share ``lamport_clock`` and ``aggregate_id``.  The state is read from
    ``payload[state_key]``; with the default key, ``payload["status"]`` is the fallback.
    Ties go to the smallest ``node_id``, then the smallest ``event_id``.  Duplicated events
    are not merged away: each counts in the note's number of conflicting states.

    Raises the library :class:`ValidationError` for an empty list, non-concurrent events, a
    missing state or a state absent from ``priority_map``.
    """
    if not events:
        raise ValidationError("Cannot merge empty event list")
    _require_concurrent(events)
    candidates = [_candidate(event, priority_map, state_key) for event in events]
    winner = min(candidates, key=_Candidate.rank)
    return ConflictResolution(
        merged_event=winner.event,
        resolution_note=_resolution_note(winner, candidates),
        requires_manual_review=False,
        conflicting_events=list(events),
    )


def _require_concurrent(events: List[Event]) -> None:
    first = events[0]
    for event in events[1:]:
        if event.lamport_clock != first.lamport_clock:
            raise ValidationError(
                "Events have different lamport_clocks: "
                f"{event.lamport_clock} != {first.lamport_clock}"
            )
        if event.aggregate_id != first.aggregate_id:
            raise ValidationError(
                f"Events have different aggregate_ids: {event.aggregate_id} != {first.aggregate_id}"
            )


def _state_of(event: Event, state_key: str) -> Any:
    state = event.payload.get(state_key)
    if state is None and state_key == _DEFAULT_STATE_KEY:
        state = event.payload.get(_FALLBACK_STATE_KEY)
    return state


def _candidate(event: Event, priority_map: Dict[str, int], state_key: str) -> _Candidate:
    state = _state_of(event, state_key)
    if state is None:
        raise ValidationError(_missing_state_message(event, state_key))
    try:
        priority = priority_map[state]
    except KeyError:
        raise ValidationError(
            f"State value '{state}' not in priority_map. "
            f"Available states: {list(priority_map.keys())}"
        ) from None
    except TypeError as error:
        raise ValidationError(
            f"Event {event.event_id} has an unhashable state value {state!r} ({error})"
        ) from error
    return _Candidate(priority, state, event)


def _missing_state_message(event: Event, state_key: str) -> str:
    if state_key == _DEFAULT_STATE_KEY:
        return f"Event {event.event_id} missing 'state' or 'status' in payload"
    return f"Event {event.event_id} missing '{state_key}' in payload"


def _resolution_note(winner: _Candidate, candidates: List[_Candidate]) -> str:
    if len(candidates) == 1:
        return f"Single event, no conflict: state={winner.state}"
    if all(candidate.state == winner.state for candidate in candidates):
        return (
            f"All events have same state: {winner.state} "
            f"(tiebroken by node '{winner.event.node_id}')"
        )
    return (
        f"Selected state '{winner.state}' (priority={winner.priority}) from node "
        f"'{winner.event.node_id}' over {len(candidates) - 1} conflicting states"
    )
