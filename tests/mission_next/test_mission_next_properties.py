"""Property tests: delivery order and repeated deliveries never change the run fold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.mission_next import ReducedMissionRunState, reduce_mission_next_events
from spec_kitty_events.models import Event
from tests.factory import BASE_TIME, make_event
from tests.mission_next.helpers import (
    answered,
    auto_completed,
    completed,
    issued,
    lifecycle_completed,
    requested,
    started,
)

RUNS = ["run-1", "run-1", "run-1", "run-2"]  # mostly the run under test, sometimes a stranger
STEPS = ["S1", "S2", "S3"]
DECISIONS = ["d1", "d2"]
KINDS = [
    "start",
    "issue",
    "issue",
    "auto",
    "auto",
    "request",
    "answer",
    "complete",
    "alias",
    "lifecycle_alias",
    "planned",
    "malformed",
]

step = st.tuples(st.sampled_from(KINDS), st.sampled_from(RUNS), st.integers(0, 2))


def _payload(kind: str, run: str, pick: int) -> Tuple[str, Dict[str, Any]]:
    step_id, decision = STEPS[pick], DECISIONS[pick % 2]
    table: Dict[str, Tuple[str, Dict[str, Any]]] = {
        "start": ("MissionRunStarted", started(run_id=run)),
        "issue": ("NextStepIssued", issued(step_id, run_id=run)),
        "auto": ("NextStepAutoCompleted", auto_completed(step_id, run_id=run)),
        "request": ("DecisionInputRequested", requested(decision, run_id=run)),
        "answer": ("DecisionInputAnswered", answered(decision, run_id=run)),
        "complete": ("MissionRunCompleted", completed(run_id=run)),
        "alias": ("MissionCompleted", completed(run_id=run)),
        "lifecycle_alias": ("MissionCompleted", lifecycle_completed()),
        "planned": ("NextStepPlanned", {"whatever": pick}),
        "malformed": (
            ["MissionRunStarted", "NextStepIssued", "MissionRunCompleted"][pick],
            {"run_id": run},
        ),
    }
    return table[kind]


@st.composite
def deliveries(draw: st.DrawFn) -> Tuple[List[Event], List[Event]]:
    """A stream in processing order, and the same stream shuffled with redeliveries."""
    steps = draw(st.lists(step, min_size=1, max_size=30))
    # Starts early more often than not, so the typed gates are reached.
    if draw(st.booleans()):
        steps.insert(0, ("start", "run-1", 0))
    events = []
    for n, (kind, run, pick) in enumerate(steps, start=1):
        event_type, payload = _payload(kind, run, pick)
        built = make_event(n, event_type, payload, clock=n // 2)
        events.append(built.model_copy(update={"timestamp": BASE_TIME + timedelta(seconds=n // 3)}))
    redelivered = draw(st.lists(st.sampled_from(events), max_size=10))
    late = [
        e.model_copy(update={"lamport_clock": e.lamport_clock + 5})
        for e in draw(st.lists(st.sampled_from(events), max_size=3))
    ]
    return events, draw(st.permutations(events + redelivered + late))


@settings(max_examples=200)
@given(deliveries())
def test_fold_ignores_order_and_redelivery(pair: Tuple[List[Event], List[Event]]) -> None:
    ordered, shuffled = pair
    expected = reduce_mission_next_events(ordered)
    assert reduce_mission_next_events(shuffled) == expected
    assert expected.event_count == len(ordered)
    assert expected.last_processed_event_id == ordered[-1].event_id


@settings(max_examples=200)
@given(deliveries())
def test_fold_invariants(pair: Tuple[List[Event], List[Event]]) -> None:
    state = reduce_mission_next_events(pair[1])
    assert len(set(state.completed_steps)) == len(state.completed_steps)
    assert len({a.event_id for a in state.anomalies}) == len(state.anomalies)  # one per event
    assert (state.run_id is None) == (state.run_status is None)
    assert ReducedMissionRunState.model_validate_json(state.model_dump_json()) == state
