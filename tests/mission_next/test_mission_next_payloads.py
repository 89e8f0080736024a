"""Constants, enum, actor and payload contracts of the mission-next module."""

from __future__ import annotations

from typing import Any, Callable, Dict, Type

import pytest
from pydantic import BaseModel, ValidationError

from spec_kitty_events import mission_next as mn
from tests.mission_next.helpers import (
    ACTOR,
    answered,
    auto_completed,
    completed,
    issued,
    requested,
    started,
)

VALID: Dict[Type[BaseModel], Callable[..., Dict[str, Any]]] = {
    mn.MissionRunStartedPayload: started,
    mn.NextStepIssuedPayload: issued,
    mn.NextStepAutoCompletedPayload: auto_completed,
    mn.DecisionInputRequestedPayload: requested,
    mn.DecisionInputAnsweredPayload: answered,
    mn.MissionRunCompletedPayload: completed,
}
REQUIRED = {
    mn.MissionRunStartedPayload: ["run_id", "mission_key", "actor"],
    mn.NextStepIssuedPayload: ["run_id", "step_id", "agent_id", "actor"],
    mn.NextStepAutoCompletedPayload: ["run_id", "step_id", "agent_id", "result", "actor"],
    mn.DecisionInputRequestedPayload: ["run_id", "decision_id", "step_id", "question", "actor"],
    mn.DecisionInputAnsweredPayload: ["run_id", "decision_id", "answer", "actor"],
    mn.MissionRunCompletedPayload: ["run_id", "mission_key", "actor"],
}


def _error_types(error: ValidationError, field: str) -> set[str]:
    return {e["type"] for e in error.errors() if e["loc"][:1] == (field,)}


def test_constants() -> None:
    assert mn.MISSION_RUN_STARTED == "MissionRunStarted"
    assert mn.NEXT_STEP_PLANNED == "NextStepPlanned"
    assert mn.NEXT_STEP_ISSUED == "NextStepIssued"
    assert mn.NEXT_STEP_AUTO_COMPLETED == "NextStepAutoCompleted"
    assert mn.DECISION_INPUT_REQUESTED == "DecisionInputRequested"
    assert mn.DECISION_INPUT_ANSWERED == "DecisionInputAnswered"
    assert mn.MISSION_RUN_COMPLETED == "MissionRunCompleted"
    assert mn._COMPLETION_ALIAS == "MissionCompleted"
    assert isinstance(mn.MISSION_NEXT_EVENT_TYPES, frozenset)
    assert {
        "MissionRunStarted",
        "NextStepPlanned",
        "NextStepIssued",
        "NextStepAutoCompleted",
        "DecisionInputRequested",
        "DecisionInputAnswered",
        "MissionRunCompleted",
        "MissionCompleted",
    } == mn.MISSION_NEXT_EVENT_TYPES


def test_run_status_enum() -> None:
    assert [m.value for m in mn.MissionRunStatus] == ["running", "completed"]
    assert mn.MissionRunStatus.RUNNING == "running"
    assert isinstance(mn.MissionRunStatus.COMPLETED, str)
    assert frozenset({mn.MissionRunStatus.COMPLETED}) == mn.TERMINAL_RUN_STATUSES
    assert isinstance(mn.TERMINAL_RUN_STATUSES, frozenset)


@pytest.mark.parametrize("actor_type", ["human", "llm", "service"])
def test_actor_types_accepted(actor_type: str) -> None:
    actor = mn.RuntimeActorIdentity(actor_id="a", actor_type=actor_type)
    assert (actor.display_name, actor.provider, actor.model, actor.tool) == ("", None, None, None)


@pytest.mark.parametrize("actor_type", ["Human", "robot", "human\n", " llm", ""])
def test_actor_types_rejected_by_the_pattern(actor_type: str) -> None:
    with pytest.raises(ValidationError) as info:
        mn.RuntimeActorIdentity(actor_id="a", actor_type=actor_type)
    assert _error_types(info.value, "actor_type") == {"string_pattern_mismatch"}


def test_actor_id_non_empty_and_schema_uses_a_pattern() -> None:
    with pytest.raises(ValidationError):
        mn.RuntimeActorIdentity(actor_id="", actor_type="llm")
    schema = mn.RuntimeActorIdentity.model_json_schema(mode="serialization")
    assert schema["properties"]["actor_type"] == {
        **schema["properties"]["actor_type"],
        "type": "string",
        "pattern": "^(human|llm|service)$",
    }
    assert "enum" not in schema["properties"]["actor_type"]
    assert schema["properties"]["display_name"]["default"] == ""
    assert schema["required"] == ["actor_id", "actor_type"]


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_valid_payload_is_frozen_and_nests_the_actor(model: Type[BaseModel]) -> None:
    payload = model.model_validate(VALID[model]())
    assert isinstance(payload.actor, mn.RuntimeActorIdentity)  # type: ignore[attr-defined]
    assert hash(payload) == hash(model.model_validate(VALID[model]()))
    with pytest.raises(ValidationError):
        payload.run_id = "other"  # type: ignore[attr-defined]


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_required_fields_in_order(model: Type[BaseModel]) -> None:
    assert [n for n, f in model.model_fields.items() if f.is_required()] == REQUIRED[model]
    schema = model.model_json_schema(mode="serialization")
    assert schema["required"] == REQUIRED[model]
    assert "RuntimeActorIdentity" in schema["$defs"]
    assert "additionalProperties" not in schema


@pytest.mark.parametrize(
    ("model", "field"),
    [(m, f) for m, fields in REQUIRED.items() for f in fields],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_required_fields_are_required_and_strings_non_empty(
    model: Type[BaseModel], field: str
) -> None:
    payload = VALID[model]()
    del payload[field]
    with pytest.raises(ValidationError) as info:
        model.model_validate(payload)
    assert _error_types(info.value, field) == {"missing"}
    if field != "actor":
        with pytest.raises(ValidationError) as info:
            model.model_validate(VALID[model](**{field: ""}))
        assert _error_types(info.value, field) == {"string_too_short"}


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_actor_must_be_an_identity_not_a_string(model: Type[BaseModel]) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(VALID[model](actor="lead"))
    assert _error_types(info.value, "actor") == {"model_type"}


def test_decision_request_defaults() -> None:
    request = mn.DecisionInputRequestedPayload.model_validate(requested())
    assert request.options == ()
    assert request.input_key is None
    listed = mn.DecisionInputRequestedPayload.model_validate(requested(options=["a", "b"]))
    assert listed.options == ("a", "b")
    options_schema = mn.DecisionInputRequestedPayload.model_json_schema()["properties"]["options"]
    assert "default" not in options_schema


def test_extra_keys_are_dropped() -> None:
    payload = mn.MissionRunStartedPayload.model_validate(started(extra="x"))
    assert "extra" not in payload.model_dump()
    assert payload.actor == mn.RuntimeActorIdentity(**ACTOR)


def test_result_is_free_text() -> None:
    payload = mn.NextStepAutoCompletedPayload.model_validate(auto_completed(result="failed"))
    assert payload.result == "failed"


def test_output_models() -> None:
    anomaly = mn.MissionNextAnomaly(event_id="e", event_type="t", reason="r")
    assert list(anomaly.model_dump()) == ["event_id", "event_type", "reason"]
    state = mn.ReducedMissionRunState()
    assert list(state.model_dump()) == [
        "run_id",
        "mission_key",
        "run_status",
        "current_step_id",
        "completed_steps",
        "pending_decisions",
        "answered_decisions",
        "anomalies",
        "event_count",
        "last_processed_event_id",
    ]
    assert state.model_dump() == {
        "run_id": None,
        "mission_key": None,
        "run_status": None,
        "current_step_id": None,
        "completed_steps": (),
        "pending_decisions": {},
        "answered_decisions": {},
        "anomalies": (),
        "event_count": 0,
        "last_processed_event_id": None,
    }
    done = mn.ReducedMissionRunState(run_status=mn.MissionRunStatus.COMPLETED)
    assert done.model_dump(mode="json")["run_status"] == "completed"
