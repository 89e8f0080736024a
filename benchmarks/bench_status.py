"""Status and lifecycle reducers against the least work any reducer must do.

Stream: N work packages, each walked planned -> claimed -> in_progress -> for_review -> done
(``done`` with evidence), 5 events per WP.  The floor, measured in the same run on the same
input, is sorting the events with ``status_event_sort_key`` and validating every payload once
with its model (``StatusTransitionPayload`` for status events): a reducer cannot do less.
Target: reducer <= 1.5x floor.
"""

from __future__ import annotations

import gc
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

from _harness import Figure, best_of
from spec_kitty_events import lifecycle, status
from spec_kitty_events.lifecycle import reduce_lifecycle_events
from spec_kitty_events.models import Event
from spec_kitty_events.status import reduce_status_events, status_event_sort_key

_FORWARD: List[Optional[str]] = [None, "planned", "claimed", "in_progress", "for_review", "done"]
_EVIDENCE: Dict[str, Any] = {
    "repos": [{"repo": "spec-kitty", "branch": "main", "commit": "abc123"}],
    "verification": [{"command": "pytest", "result": "passed"}],
    "review": {"reviewer": "alice", "verdict": "approved"},
}
_PROJECT = uuid.UUID("12345678-1234-5678-1234-567812345678")
_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
TARGET_RATIO = 1.5


def _event(n: int, event_type: str, payload: Dict[str, Any], clock: int) -> Event:
    return Event(
        event_id=f"01J{n:023d}",
        event_type=event_type,
        aggregate_id="feature-x",
        payload=payload,
        timestamp=_START + timedelta(seconds=clock),
        node_id="bench",
        lamport_clock=clock,
        project_uuid=_PROJECT,
        correlation_id="01J00000000000000000000000",
    )


def _move(wp: str, source: Optional[str], target: Optional[str]) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "feature_slug": "feature-x",
        "wp_id": wp,
        "from_lane": source,
        "to_lane": target,
        "actor": "agent",
        "execution_mode": "worktree",
    }
    if target == "done":
        payload["evidence"] = _EVIDENCE
    return payload


def status_stream(work_packages: int) -> List[Event]:
    """Every WP's five forward moves, in causal order (step k of every WP at clock k)."""
    events: List[Event] = []
    for step in range(1, len(_FORWARD)):
        for index in range(work_packages):
            payload = _move(f"WP{index:05d}", _FORWARD[step - 1], _FORWARD[step])
            events.append(_event(len(events) + 1, "WPStatusChanged", payload, clock=step))
    return events


def mission_events(first_id: int) -> List[Event]:
    base = {"mission_id": "M1", "actor": "agent"}
    specs = [
        ("MissionStarted", {**base, "mission_type": "software-dev", "initial_phase": "specify"}),
        ("PhaseEntered", {**base, "phase_name": "implement"}),
        ("PhaseEntered", {**base, "phase_name": "review"}),
        ("MissionCompleted", {**base, "mission_type": "software-dev", "final_phase": "review"}),
    ]
    return [
        _event(first_id + offset, kind, payload, clock=offset)
        for offset, (kind, payload) in enumerate(specs)
    ]


_PAYLOAD_MODELS = dict(status.FAMILY.payloads + lifecycle.FAMILY.payloads)
_FLOOR = "sort + validate each payload once"
_KEEPING_FLOOR = "same + keep the last payload of each WP"


def _floor(events: List[Event]) -> None:
    ordered = sorted(events, key=status_event_sort_key)
    for event in ordered:
        _PAYLOAD_MODELS[event.event_type].model_validate(event.payload)


def _keeping_floor(events: List[Event]) -> Dict[str, object]:
    """The floor, plus holding on to what any reducer's output must hold: one payload per WP.

    Retaining ~20% of the validated models (the evidence of every finished WP) is what makes
    CPython run full garbage collections over a heap that holds the whole input; the plain
    floor drops every model at once and never triggers one.
    """
    last: Dict[str, object] = {}
    for event in sorted(events, key=status_event_sort_key):
        payload = _PAYLOAD_MODELS[event.event_type].model_validate(event.payload)
        last[getattr(payload, "wp_id", event.event_type)] = payload
    return last


def _paused_gc(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with the cyclic garbage collector off: the cost of the work alone."""

    def run_paused() -> object:
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()

    return run_paused


def _scenario(
    name: str, events: List[Event], reducer: Callable[[List[Event]], object]
) -> List[Figure]:
    def work() -> object:
        return reducer(events)

    def floor() -> object:
        _floor(events)
        return None

    def keeping_floor() -> object:
        return _keeping_floor(events)

    seconds = best_of(work)
    paused_seconds = best_of(_paused_gc(work))
    count = len(events)
    return [
        Figure(name, count, "events", seconds, _FLOOR, best_of(floor), TARGET_RATIO),
        Figure(name, count, "events", seconds, _KEEPING_FLOOR, best_of(keeping_floor)),
        Figure(
            name + " [gc paused in both]",
            count,
            "events",
            paused_seconds,
            _FLOOR,
            best_of(_paused_gc(floor)),
        ),
    ]


def run(quick: bool) -> List[Figure]:
    work_packages = 2_000 if quick else 20_000
    in_order = status_stream(work_packages)
    shuffled = list(in_order)
    random.Random(20250101).shuffle(shuffled)
    with_mission = shuffled + mission_events(len(in_order) + 1)

    # Sanity: the benchmark stream must fold cleanly, or it measures the anomaly path.
    result = reduce_status_events(shuffled)
    assert not result.anomalies
    assert len(result.wp_states) == work_packages

    return [
        *_scenario("reduce_status_events, in order", in_order, reduce_status_events),
        *_scenario("reduce_status_events, shuffled", shuffled, reduce_status_events),
        *_scenario("reduce_lifecycle_events, shuffled", with_mission, reduce_lifecycle_events),
    ]
