"""``reduce_mission_next_events``: pipeline, gates in order, transitions, anomalies."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from spec_kitty_events.mission_next import (
    MissionNextAnomaly,
    MissionRunStatus,
    ReducedMissionRunState,
    reduce_mission_next_events,
)
from spec_kitty_events.models import Event
from tests.factory import event_id, make_event
from tests.mission_next.helpers import (
    KEY,
    RUN,
    answered,
    auto_completed,
    completed,
    issued,
    lifecycle_completed,
    requested,
    started,
)

ALIAS_REASON = (
    "MissionCompleted alias ignored: payload does not conform to MissionRunCompletedPayload "
    "(likely a lifecycle MissionCompleted event)"
)
TERMINAL_REASON = "Event after terminal state (MissionRunStatus.COMPLETED)"


def _reasons(state: ReducedMissionRunState) -> List[str]:
    return [a.reason for a in state.anomalies]


def _start(n: int = 1, **over: Any) -> Event:
    return make_event(n, "MissionRunStarted", started(**over))


def _run(*events: Event) -> ReducedMissionRunState:
    return reduce_mission_next_events(list(events))


# --- pipeline -------------------------------------------------------------------------------


def test_empty_or_foreign_streams_give_the_empty_state() -> None:
    assert reduce_mission_next_events([]) == ReducedMissionRunState()
    assert _run(make_event(1, "GlossaryScopeActivated", {})) == ReducedMissionRunState()


def test_worked_example() -> None:
    state = _run(
        _start(1),
        make_event(2, "NextStepIssued", issued("S1")),
        make_event(3, "NextStepAutoCompleted", auto_completed("S1")),
        make_event(4, "NextStepIssued", issued("S2")),
        make_event(5, "DecisionInputRequested", requested("d1")),
        make_event(6, "DecisionInputAnswered", answered("d1")),
        make_event(7, "NextStepAutoCompleted", auto_completed("S2")),
        make_event(8, "MissionRunCompleted", completed()),
    )
    assert state.run_id == RUN
    assert state.mission_key == KEY
    assert state.run_status is MissionRunStatus.COMPLETED
    assert state.current_step_id is None
    assert state.completed_steps == ("S1", "S2")
    assert state.pending_decisions == {}
    assert list(state.answered_decisions) == ["d1"]
    assert state.anomalies == ()
    assert state.event_count == 8
    assert state.last_processed_event_id == event_id(8)


def test_order_comes_from_the_sort_key_and_duplicates_count_once() -> None:
    start = _start(1)
    issue = make_event(2, "NextStepIssued", issued("S1"))
    state = _run(issue, start, issue, start)
    assert state.current_step_id == "S1"
    assert state.event_count == 2
    assert state.anomalies == ()


def test_foreign_types_are_not_counted() -> None:
    state = _run(_start(1), make_event(2, "WPStatusChanged", {}))
    assert state.event_count == 1


# --- gate 1: reserved type ------------------------------------------------------------------


def test_next_step_planned_is_skipped_silently_but_counted_anywhere() -> None:
    before = _run(make_event(1, "NextStepPlanned", {"anything": 1}))
    assert before == ReducedMissionRunState(event_count=1, last_processed_event_id=event_id(1))
    after = _run(
        _start(1),
        make_event(2, "MissionRunCompleted", completed()),
        make_event(3, "NextStepPlanned", {}),
    )
    assert after.anomalies == ()
    assert after.last_processed_event_id == event_id(3)


# --- gate 2: completion alias ---------------------------------------------------------------


def test_run_scoped_alias_completes_the_run() -> None:
    state = _run(_start(1), make_event(2, "MissionCompleted", completed()))
    assert state.run_status is MissionRunStatus.COMPLETED
    assert state.anomalies == ()


def test_lifecycle_shaped_alias_is_ignored_and_the_run_goes_on() -> None:
    state = _run(
        _start(1),
        make_event(2, "MissionCompleted", lifecycle_completed()),
        make_event(3, "NextStepIssued", issued("S1")),
    )
    assert state.run_status is MissionRunStatus.RUNNING
    assert state.current_step_id == "S1"
    assert state.anomalies == (
        MissionNextAnomaly(
            event_id=event_id(2), event_type="MissionCompleted", reason=ALIAS_REASON
        ),
    )


@pytest.mark.parametrize("prefix", ["none", "started", "completed"])
def test_non_conforming_alias_gives_the_alias_reason_in_every_run_state(prefix: str) -> None:
    events = {
        "none": [],
        "started": [_start(1)],
        "completed": [_start(1), make_event(2, "MissionRunCompleted", completed())],
    }[prefix]
    state = _run(*events, make_event(5, "MissionCompleted", lifecycle_completed()))
    assert _reasons(state) == [ALIAS_REASON]


def test_alias_keeps_its_type_in_later_anomalies() -> None:
    state = _run(
        _start(1),
        make_event(2, "MissionRunCompleted", completed()),
        make_event(3, "MissionCompleted", completed()),
    )
    assert state.anomalies == (
        MissionNextAnomaly(
            event_id=event_id(3),
            event_type="MissionCompleted",
            reason="Duplicate completion (terminal idempotency)",
        ),
    )


def test_conforming_alias_before_start_and_with_foreign_run() -> None:
    assert _reasons(_run(make_event(1, "MissionCompleted", completed()))) == [
        "Event before MissionRunStarted"
    ]
    foreign = _run(_start(1), make_event(2, "MissionCompleted", completed(run_id="other")))
    assert _reasons(foreign) == [f"run_id mismatch: expected '{RUN}', got 'other'"]
    assert foreign.anomalies[0].event_type == "MissionCompleted"


# --- gate 3: terminal -----------------------------------------------------------------------


def test_after_completion_everything_is_an_anomaly() -> None:
    state = _run(
        _start(1),
        make_event(2, "MissionRunCompleted", completed()),
        make_event(3, "MissionRunCompleted", {"malformed": True}),
        make_event(4, "NextStepIssued", issued("S9")),
        make_event(5, "MissionRunStarted", started(run_id="run-2")),
        make_event(6, "DecisionInputAnswered", {"bad": 1}),
    )
    assert _reasons(state) == [
        "Duplicate completion (terminal idempotency)",
        TERMINAL_REASON,
        TERMINAL_REASON,
        TERMINAL_REASON,
    ]
    assert state.current_step_id is None
    assert state.run_id == RUN


# --- gate 4: start --------------------------------------------------------------------------


def test_first_valid_start_wins() -> None:
    state = _run(
        make_event(1, "MissionRunStarted", {"mission_key": KEY, "actor": {}}),
        _start(2, run_id="r-2", mission_key="k-2"),
        _start(3, run_id="r-3"),
        make_event(4, "MissionRunStarted", {"not": "even valid"}),
    )
    assert (state.run_id, state.mission_key) == ("r-2", "k-2")
    assert state.run_status is MissionRunStatus.RUNNING
    assert _reasons(state) == [
        "Invalid MissionRunStarted payload",
        "Duplicate MissionRunStarted (first one wins)",
        "Duplicate MissionRunStarted (first one wins)",
    ]


def test_start_with_actor_as_string_is_invalid() -> None:
    state = _run(_start(1, actor="lead"))
    assert state.run_id is None
    assert state.run_status is None
    assert _reasons(state) == ["Invalid MissionRunStarted payload"]


# --- gate 5: before start -------------------------------------------------------------------


def test_events_before_a_valid_start_are_not_validated() -> None:
    state = _run(
        make_event(1, "NextStepIssued", {"garbage": True}),
        make_event(2, "DecisionInputRequested", requested()),
        _start(3),
    )
    assert _reasons(state) == ["Event before MissionRunStarted"] * 2
    assert state.pending_decisions == {}
    assert state.run_id == RUN


def test_only_unstarted_events_still_count() -> None:
    state = _run(
        make_event(1, "NextStepIssued", issued()), make_event(2, "MissionRunCompleted", completed())
    )
    assert state.run_id is None
    assert state.run_status is None
    assert state.event_count == 2
    assert state.last_processed_event_id == event_id(2)
    assert len(state.anomalies) == 2


# --- gate 6: typed handling -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("NextStepIssued", issued(step_id="")),
        ("NextStepAutoCompleted", auto_completed(result="")),
        ("DecisionInputRequested", requested(question="")),
        ("DecisionInputAnswered", answered(answer="")),
        ("MissionRunCompleted", completed(actor={"actor_id": "x", "actor_type": "bot"})),
    ],
)
def test_invalid_typed_payloads(event_type: str, payload: Dict[str, Any]) -> None:
    state = _run(_start(1), make_event(2, event_type, payload))
    assert state.anomalies == (
        MissionNextAnomaly(
            event_id=event_id(2), event_type=event_type, reason=f"Invalid {event_type} payload"
        ),
    )
    assert state.run_status is MissionRunStatus.RUNNING


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("NextStepIssued", issued(run_id="r-x")),
        ("NextStepAutoCompleted", auto_completed(run_id="r-x")),
        ("DecisionInputRequested", requested(run_id="r-x")),
        ("DecisionInputAnswered", answered(run_id="r-x")),
        ("MissionRunCompleted", completed(run_id="r-x")),
    ],
)
def test_foreign_run_events_are_refused(event_type: str, payload: Dict[str, Any]) -> None:
    state = _run(_start(1), make_event(2, event_type, payload))
    assert _reasons(state) == [f"run_id mismatch: expected '{RUN}', got 'r-x'"]
    assert state.run_status is MissionRunStatus.RUNNING
    assert state.current_step_id is None
    assert state.completed_steps == ()
    assert state.pending_decisions == {}
    assert state.answered_decisions == {}


def test_issue_overwrites_the_current_step() -> None:
    state = _run(
        _start(1),
        make_event(2, "NextStepIssued", issued("S1")),
        make_event(3, "NextStepIssued", issued("S2")),
    )
    assert state.current_step_id == "S2"


def test_completion_rules_for_steps() -> None:
    state = _run(
        _start(1),
        make_event(2, "NextStepIssued", issued("S1")),
        make_event(3, "NextStepAutoCompleted", auto_completed("S0", result="failed")),
        make_event(4, "NextStepAutoCompleted", auto_completed("S1")),
        make_event(5, "NextStepAutoCompleted", auto_completed("S0")),
        make_event(6, "NextStepIssued", issued("S2")),
    )
    assert state.completed_steps == ("S0", "S1")
    assert state.current_step_id == "S2"
    assert state.anomalies == ()


def test_completing_another_step_keeps_the_current_one() -> None:
    state = _run(
        _start(1),
        make_event(2, "NextStepIssued", issued("S1")),
        make_event(3, "NextStepAutoCompleted", auto_completed("S7")),
    )
    assert state.current_step_id == "S1"


def test_duplicate_pending_request_keeps_the_first() -> None:
    state = _run(
        _start(1),
        make_event(2, "DecisionInputRequested", requested("d1", question="first")),
        make_event(3, "DecisionInputRequested", requested("d1", question="second")),
    )
    assert state.pending_decisions["d1"].question == "first"
    assert state.anomalies == (
        MissionNextAnomaly(
            event_id=event_id(3),
            event_type="DecisionInputRequested",
            reason="Duplicate decision request 'd1'",
        ),
    )


def test_answers_replace_and_clear_pending_and_need_no_request() -> None:
    state = _run(
        _start(1),
        make_event(2, "DecisionInputRequested", requested("d1")),
        make_event(3, "DecisionInputRequested", requested("d2")),
        make_event(4, "DecisionInputAnswered", answered("d0")),
        make_event(5, "DecisionInputAnswered", answered("d1", answer="a")),
        make_event(6, "DecisionInputAnswered", answered("d1", answer="b")),
    )
    assert list(state.pending_decisions) == ["d2"]
    assert list(state.answered_decisions) == ["d0", "d1"]
    assert state.answered_decisions["d1"].answer == "b"
    assert state.anomalies == ()


def test_re_requesting_an_answered_decision_leaves_it_in_both_maps() -> None:
    state = _run(
        _start(1),
        make_event(2, "DecisionInputRequested", requested("d1")),
        make_event(3, "DecisionInputAnswered", answered("d1")),
        make_event(4, "DecisionInputRequested", requested("d1")),
    )
    assert "d1" in state.pending_decisions
    assert "d1" in state.answered_decisions


def test_completion_leaves_step_and_pending_and_ignores_mission_key() -> None:
    state = _run(
        _start(1),
        make_event(2, "NextStepIssued", issued("S1")),
        make_event(3, "DecisionInputRequested", requested("d1")),
        make_event(4, "MissionRunCompleted", completed(mission_key="another")),
    )
    assert state.run_status is MissionRunStatus.COMPLETED
    assert state.mission_key == KEY
    assert state.current_step_id == "S1"
    assert list(state.pending_decisions) == ["d1"]


def test_state_json_form() -> None:
    state = _run(_start(1), make_event(2, "DecisionInputRequested", requested("d1")))
    dumped = state.model_dump(mode="json")
    assert dumped["run_status"] == "running"
    assert dumped["pending_decisions"]["d1"]["options"] == []
    assert ReducedMissionRunState.model_validate_json(state.model_dump_json()) == state
