"""Mission lifecycle contracts and reducer."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pydantic
import pytest

from spec_kitty_events import lifecycle, models, status
from spec_kitty_events.lifecycle import (
    MISSION_CANCELLED,
    MISSION_COMPLETED,
    MISSION_EVENT_TYPES,
    MISSION_STARTED,
    PHASE_ENTERED,
    REVIEW_ROLLBACK,
    SCHEMA_VERSION,
    TERMINAL_MISSION_STATUSES,
    LifecycleAnomaly,
    MissionCancelledPayload,
    MissionCompletedPayload,
    MissionStartedPayload,
    MissionStatus,
    PhaseEnteredPayload,
    ReducedMissionState,
    ReviewRollbackPayload,
    reduce_lifecycle_events,
)
from spec_kitty_events.models import Event
from spec_kitty_events.status import Lane
from tests.factory import event_id, make_event
from tests.status.helpers import wp_event

AFTER_COMPLETED = "Event after terminal state (MissionStatus.COMPLETED)"
AFTER_CANCELLED = "Event after terminal state (MissionStatus.CANCELLED)"


def started(n: int, phase: str = "specify", **kw: Any) -> Event:
    payload = {"mission_id": "M1", "mission_type": "software-dev", "initial_phase": phase}
    return make_event(n, MISSION_STARTED, {**payload, "actor": "a"}, **kw)


def phase(n: int, name: str, **kw: Any) -> Event:
    payload = {"mission_id": "M1", "phase_name": name, "actor": "a"}
    return make_event(n, PHASE_ENTERED, payload, **kw)


def completed(n: int, **kw: Any) -> Event:
    payload = {"mission_id": "M1", "mission_type": "software-dev", "final_phase": "x"}
    return make_event(n, MISSION_COMPLETED, {**payload, "actor": "a"}, **kw)


def cancelled(n: int, **kw: Any) -> Event:
    payload = {"mission_id": "M1", "reason": "stop", "actor": "a"}
    return make_event(n, MISSION_CANCELLED, payload, **kw)


def rollback(n: int, target: str, **kw: Any) -> Event:
    payload = {"mission_id": "M1", "review_ref": "R1", "target_phase": target, "actor": "a"}
    return make_event(n, REVIEW_ROLLBACK, payload, **kw)


def anomalies(state: ReducedMissionState) -> List[Tuple[str, str, str]]:
    return [(a.event_id, a.event_type, a.reason) for a in state.anomalies]


# --- constants and models --------------------------------------------------------------------


def test_constants() -> None:
    assert SCHEMA_VERSION == "2.0.0"
    assert (MISSION_STARTED, MISSION_COMPLETED, MISSION_CANCELLED) == (
        "MissionStarted",
        "MissionCompleted",
        "MissionCancelled",
    )
    assert (PHASE_ENTERED, REVIEW_ROLLBACK) == ("PhaseEntered", "ReviewRollback")
    assert (
        frozenset(
            {
                "MissionStarted",
                "MissionCompleted",
                "MissionCancelled",
                "PhaseEntered",
                "ReviewRollback",
            }
        )
        == MISSION_EVENT_TYPES
    )
    assert "WPStatusChanged" not in MISSION_EVENT_TYPES
    assert [(m.name, m.value) for m in MissionStatus] == [
        ("ACTIVE", "active"),
        ("COMPLETED", "completed"),
        ("CANCELLED", "cancelled"),
    ]
    assert frozenset({MissionStatus.COMPLETED, MissionStatus.CANCELLED}) == (
        TERMINAL_MISSION_STATUSES
    )


def test_module_attributes_shared_with_models_and_status() -> None:
    assert lifecycle.Event is models.Event
    assert lifecycle.WPState is status.WPState


REQUIRED = {
    MissionStartedPayload: ["mission_id", "mission_type", "initial_phase", "actor"],
    MissionCompletedPayload: ["mission_id", "mission_type", "final_phase", "actor"],
    MissionCancelledPayload: ["mission_id", "reason", "actor"],
    PhaseEnteredPayload: ["mission_id", "phase_name", "actor"],
    ReviewRollbackPayload: ["mission_id", "review_ref", "target_phase", "actor"],
}


@pytest.mark.parametrize("model", list(REQUIRED))
def test_payload_required_strings_are_non_empty(model: type[pydantic.BaseModel]) -> None:
    schema = model.model_json_schema(mode="serialization")
    assert schema["required"] == REQUIRED[model]
    full = dict.fromkeys(REQUIRED[model], "x")
    model.model_validate(full)
    for name in REQUIRED[model]:
        with pytest.raises(pydantic.ValidationError) as info:
            model.model_validate({**full, name: ""})
        assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
            ("string_too_short", (name,))
        ]


def test_payload_defaults_and_field_order() -> None:
    cancel = MissionCancelledPayload(mission_id="M", reason="r", actor="a")
    assert list(cancel.model_dump()) == ["mission_id", "reason", "actor", "cancelled_wp_ids"]
    assert cancel.cancelled_wp_ids == []
    entered = PhaseEnteredPayload(mission_id="M", phase_name="p", actor="a")
    assert list(entered.model_dump()) == ["mission_id", "phase_name", "previous_phase", "actor"]
    assert entered.previous_phase is None
    with pytest.raises(pydantic.ValidationError):
        PhaseEnteredPayload(mission_id="M", phase_name="p", previous_phase="", actor="a")
    back = ReviewRollbackPayload(mission_id="M", review_ref="r", target_phase="t", actor="a")
    assert list(back.model_dump()) == [
        "mission_id",
        "review_ref",
        "target_phase",
        "affected_wp_ids",
        "actor",
    ]


def test_output_models() -> None:
    assert LifecycleAnomaly(event_id="", event_type="", reason="").reason == ""
    empty = ReducedMissionState()
    assert empty.model_dump() == {
        "mission_id": None,
        "mission_status": None,
        "mission_type": None,
        "current_phase": None,
        "phases_entered": (),
        "wp_states": {},
        "anomalies": (),
        "event_count": 0,
        "last_processed_event_id": None,
    }
    assert ReducedMissionState(phases_entered=["a"]).phases_entered == ("a",)  # type: ignore[arg-type]
    assert ReducedMissionState(event_count=-1).event_count == -1


# --- reducer ---------------------------------------------------------------------------------


def test_empty_stream() -> None:
    assert reduce_lifecycle_events([]) == ReducedMissionState()


def test_happy_path() -> None:
    result = reduce_lifecycle_events(
        [completed(4), phase(3, "review"), started(1), phase(2, "implement")]
    )
    assert result.mission_status is MissionStatus.COMPLETED
    assert (result.mission_id, result.mission_type) == ("M1", "software-dev")
    assert result.current_phase == "review"
    assert result.phases_entered == ("specify", "implement", "review")
    assert (result.event_count, result.last_processed_event_id) == (4, event_id(4))
    assert result.anomalies == ()


def test_only_unrelated_events_are_still_counted() -> None:
    result = reduce_lifecycle_events([make_event(2, "GatePassed", {}), make_event(1, "X", {})])
    assert result == ReducedMissionState(event_count=2, last_processed_event_id=event_id(2))


@pytest.mark.parametrize("cancel_id", [5, 50])
def test_cancel_beats_reopen_at_one_clock(cancel_id: int) -> None:
    events = [
        started(1),
        cancelled(cancel_id, clock=3),
        phase(20, "implement", clock=3),
        phase(30, "review", clock=4),
    ]
    result = reduce_lifecycle_events(events)
    assert result.mission_status is MissionStatus.CANCELLED
    assert result.current_phase == "implement"
    assert anomalies(result) == [(event_id(30), PHASE_ENTERED, AFTER_CANCELLED)]


def test_completion_beats_cancel_at_one_clock() -> None:
    result = reduce_lifecycle_events([started(1), cancelled(5, clock=3), completed(9, clock=3)])
    assert result.mission_status is MissionStatus.COMPLETED
    assert anomalies(result) == [(event_id(5), MISSION_CANCELLED, AFTER_COMPLETED)]


def test_within_a_clock_ids_decide_not_timestamps() -> None:
    # Globally id 8 sorts first (earlier timestamp); inside the clock group id 7 goes first.
    events = [started(1), phase(7, "seven", clock=2, seconds=99), phase(8, "eight", clock=2)]
    result = reduce_lifecycle_events(events)
    assert result.phases_entered == ("specify", "seven", "eight")


def test_started_rules() -> None:
    result = reduce_lifecycle_events([started(1), started(2, phase="other"), completed(3)])
    assert result.phases_entered == ("specify",)
    after = reduce_lifecycle_events([started(1), completed(3), started(4)])
    assert anomalies(after) == [(event_id(4), MISSION_STARTED, AFTER_COMPLETED)]
    assert anomalies(result) == [
        (event_id(2), MISSION_STARTED, "Duplicate MissionStarted (first one wins)")
    ]


def test_events_before_start() -> None:
    result = reduce_lifecycle_events([phase(1, "p"), cancelled(2), started(3)])
    assert anomalies(result) == [
        (event_id(1), PHASE_ENTERED, "Event before MissionStarted"),
        (event_id(2), MISSION_CANCELLED, "Event before MissionStarted"),
    ]
    assert result.mission_status is MissionStatus.ACTIVE


def test_invalid_start_leaves_the_mission_unstarted() -> None:
    bad = make_event(1, MISSION_STARTED, {"mission_id": "M1"})
    result = reduce_lifecycle_events([bad, phase(2, "p"), started(3, phase="s2")])
    assert anomalies(result) == [
        (event_id(1), MISSION_STARTED, "Invalid MissionStarted payload"),
        (event_id(2), PHASE_ENTERED, "Event before MissionStarted"),
    ]
    assert (result.mission_id, result.current_phase) == ("M1", "s2")


@pytest.mark.parametrize(
    "event_type",
    [PHASE_ENTERED, MISSION_COMPLETED, MISSION_CANCELLED, REVIEW_ROLLBACK],
)
def test_invalid_payloads_are_anomalies(event_type: str) -> None:
    bad = make_event(2, event_type, {"mission_id": "M1", "actor": ""})
    result = reduce_lifecycle_events([started(1), bad])
    assert anomalies(result) == [(event_id(2), event_type, f"Invalid {event_type} payload")]
    assert result.mission_status is MissionStatus.ACTIVE
    assert result.phases_entered == ("specify",)


def test_review_rollback_moves_the_phase_back() -> None:
    result = reduce_lifecycle_events(
        [started(1), phase(2, "implement"), phase(3, "review"), rollback(4, "implement")]
    )
    assert result.current_phase == "implement"
    assert result.phases_entered == ("specify", "implement", "review", "implement")


def test_payload_mission_id_is_not_compared() -> None:
    other = make_event(2, PHASE_ENTERED, {"mission_id": "M9", "phase_name": "p", "actor": "a"})
    assert reduce_lifecycle_events([started(1), other]).current_phase == "p"


def test_wp_events_are_reduced_regardless_of_the_mission() -> None:
    events = [
        wp_event(1, "WP01", None, "planned"),  # before MissionStarted
        started(2),
        cancelled(3),
        wp_event(4, "WP01", "planned", "claimed"),  # after cancellation
        wp_event(5, "WP02", "planned", "claimed"),  # refused by the status rules
        phase(6, "p"),
    ]
    result = reduce_lifecycle_events(events)
    assert {wp: s.current_lane for wp, s in result.wp_states.items()} == {"WP01": Lane.CLAIMED}
    assert anomalies(result) == [
        (event_id(6), PHASE_ENTERED, AFTER_CANCELLED),
        (
            event_id(5),
            "WPStatusChanged",
            "WP WP02: from_lane mismatch: expected None, got Lane.PLANNED",
        ),
    ]
    assert result.event_count == 6


def test_wp_rollback_precedence_comes_from_the_status_reducer() -> None:
    events = [
        wp_event(1, "WP01", None, "planned", clock=1),
        wp_event(2, "WP01", "planned", "claimed", clock=2),
        wp_event(3, "WP01", "claimed", "in_progress", clock=3),
        wp_event(4, "WP01", "in_progress", "for_review", clock=4),
        wp_event(9, "WP01", "for_review", "in_progress", clock=5, review_ref="R"),
        wp_event(10, "WP01", "for_review", "done", clock=5),
    ]
    assert reduce_lifecycle_events(events).wp_states["WP01"].current_lane is Lane.IN_PROGRESS


def test_dedup_is_across_all_event_types() -> None:
    wp = wp_event(1, "WP01", None, "planned", clock=1)
    clash = make_event(1, "GatePassed", {}, clock=0)  # same id, smaller key: survives
    result = reduce_lifecycle_events([wp, clash])
    assert result.wp_states == {}
    assert result.event_count == 1


def test_last_processed_may_be_an_unrelated_event() -> None:
    result = reduce_lifecycle_events([started(1), make_event(2, "GatePassed", {})])
    assert result.last_processed_event_id == event_id(2)


def test_stream_is_prepared_once_and_payloads_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_second_prepare(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("status re-prepared a prepared stream")

    # A payload is checked by its mirror, or validated by pydantic when the mirror declines.
    checked: List[Tuple[str, Dict[str, Any]]] = []
    real_parse, real_move = status.parse_payload, status._mirrored_move()
    assert real_move is not None

    def counting_parse(model: Any, payload: Dict[str, Any]) -> Any:
        checked.append(("pydantic", payload))
        return real_parse(model, payload)

    def counting_move(payload: Dict[str, Any]) -> Any:
        checked.append(("mirror", payload))
        return real_move(payload)

    monkeypatch.setattr(status, "ordered", no_second_prepare)
    monkeypatch.setattr(status, "parse_payload", counting_parse)
    monkeypatch.setattr(status, "_mirrored_move", lambda: counting_move)
    events = [wp_event(1, "WP01", None, "planned"), wp_event(2, "WP01", "planned", "claimed")]
    result = reduce_lifecycle_events([started(3), *events, *events])
    assert result.wp_states["WP01"].current_lane is Lane.CLAIMED
    assert [how for how, _ in checked] == ["mirror", "mirror"]


def test_result_revalidates_to_an_equal_model() -> None:
    events = [started(1), wp_event(2, "WP01", None, "planned"), phase(3, "")]
    result = reduce_lifecycle_events(events)
    assert ReducedMissionState.model_validate(result.model_dump()) == result
    assert ReducedMissionState.model_validate_json(result.model_dump_json()) == result
    assert len(result.model_fields_set) == 9
