"""Constants, value models, payload models, output models and errors of the collaboration module."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timezone
from typing import Any, Dict, List, Tuple, Type

import pytest
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events import collaboration as collab
from spec_kitty_events.collaboration import (
    COLLABORATION_EVENT_TYPES,
    AuthPrincipalBinding,
    CollaborationAnomaly,
    CommentEntry,
    ConcurrentDriverWarningPayload,
    DecisionEntry,
    FocusTarget,
    InvalidCollaborationPayloadError,
    InvalidRosterEntryError,
    ParticipantDepartedError,
    ParticipantIdentity,
    ParticipantJoinedPayload,
    ReducedCollaborationState,
    UnknownParticipantError,
    UnknownWarningError,
    UnmatchedStepCompletionError,
    WarningEntry,
)
from spec_kitty_events.models import SpecKittyEventsError

CONSTANTS = {
    "PARTICIPANT_INVITED": "ParticipantInvited",
    "PARTICIPANT_JOINED": "ParticipantJoined",
    "PARTICIPANT_LEFT": "ParticipantLeft",
    "PRESENCE_HEARTBEAT": "PresenceHeartbeat",
    "DRIVE_INTENT_SET": "DriveIntentSet",
    "FOCUS_CHANGED": "FocusChanged",
    "PROMPT_STEP_EXECUTION_STARTED": "PromptStepExecutionStarted",
    "PROMPT_STEP_EXECUTION_COMPLETED": "PromptStepExecutionCompleted",
    "CONCURRENT_DRIVER_WARNING": "ConcurrentDriverWarning",
    "POTENTIAL_STEP_COLLISION_DETECTED": "PotentialStepCollisionDetected",
    "WARNING_ACKNOWLEDGED": "WarningAcknowledged",
    "COMMENT_POSTED": "CommentPosted",
    "DECISION_CAPTURED": "DecisionCaptured",
    "SESSION_LINKED": "SessionLinked",
}

IDENTITY = {"participant_id": "p1", "participant_type": "human"}
TARGET = {"target_type": "wp", "target_id": "WP01"}

# model -> (a minimal valid payload, {literal field: a value it must reject})
PAYLOADS: Dict[str, Tuple[Dict[str, Any], Dict[str, Any]]] = {
    "ParticipantInvitedPayload": (
        {
            "participant_id": "p1",
            "participant_identity": IDENTITY,
            "invited_by": "p0",
            "mission_id": "M1",
        },
        {},
    ),
    "ParticipantJoinedPayload": (
        {"participant_id": "p1", "participant_identity": IDENTITY, "mission_id": "M1"},
        {},
    ),
    "ParticipantLeftPayload": ({"participant_id": "p1", "mission_id": "M1"}, {}),
    "PresenceHeartbeatPayload": ({"participant_id": "p1", "mission_id": "M1"}, {}),
    "DriveIntentSetPayload": (
        {"participant_id": "p1", "mission_id": "M1", "intent": "active"},
        {"intent": "Active"},
    ),
    "FocusChangedPayload": (
        {"participant_id": "p1", "mission_id": "M1", "focus_target": TARGET},
        {},
    ),
    "PromptStepExecutionStartedPayload": (
        {"participant_id": "p1", "mission_id": "M1", "step_id": "s1"},
        {},
    ),
    "PromptStepExecutionCompletedPayload": (
        {"participant_id": "p1", "mission_id": "M1", "step_id": "s1", "outcome": "success"},
        {"outcome": "done"},
    ),
    "ConcurrentDriverWarningPayload": (
        {
            "warning_id": "w1",
            "mission_id": "M1",
            "participant_ids": ["p1", "p2"],
            "focus_target": TARGET,
            "severity": "warning",
        },
        {"severity": "error"},
    ),
    "PotentialStepCollisionDetectedPayload": (
        {
            "warning_id": "w1",
            "mission_id": "M1",
            "participant_ids": ["p1", "p2"],
            "step_id": "s1",
            "severity": "info",
        },
        {"severity": "Info"},
    ),
    "WarningAcknowledgedPayload": (
        {"participant_id": "p1", "mission_id": "M1", "warning_id": "w1", "acknowledgement": "hold"},
        {"acknowledgement": "ignore"},
    ),
    "CommentPostedPayload": (
        {"participant_id": "p1", "mission_id": "M1", "comment_id": "c1", "content": "hi"},
        {},
    ),
    "DecisionCapturedPayload": (
        {
            "participant_id": "p1",
            "mission_id": "M1",
            "decision_id": "d1",
            "topic": "t",
            "chosen_option": "o",
        },
        {},
    ),
    "SessionLinkedPayload": (
        {
            "participant_id": "p1",
            "mission_id": "M1",
            "primary_session_id": "a",
            "linked_session_id": "b",
            "link_type": "cli_to_saas",
        },
        {"link_type": "cli-to-saas"},
    ),
}

# Fields that are plain required strings with min_length=1, per model.
MIN_LENGTH_STRINGS = {
    "ParticipantInvitedPayload": ["participant_id", "invited_by", "mission_id"],
    "ParticipantJoinedPayload": ["participant_id", "mission_id"],
    "ParticipantLeftPayload": ["participant_id", "mission_id"],
    "PresenceHeartbeatPayload": ["participant_id", "mission_id"],
    "DriveIntentSetPayload": ["participant_id", "mission_id"],
    "FocusChangedPayload": ["participant_id", "mission_id"],
    "PromptStepExecutionStartedPayload": ["participant_id", "mission_id", "step_id"],
    "PromptStepExecutionCompletedPayload": ["participant_id", "mission_id", "step_id"],
    "ConcurrentDriverWarningPayload": ["warning_id", "mission_id"],
    "PotentialStepCollisionDetectedPayload": ["warning_id", "mission_id", "step_id"],
    "WarningAcknowledgedPayload": ["participant_id", "mission_id", "warning_id"],
    "CommentPostedPayload": ["participant_id", "mission_id", "comment_id", "content"],
    "DecisionCapturedPayload": [
        "participant_id",
        "mission_id",
        "decision_id",
        "topic",
        "chosen_option",
    ],
    "SessionLinkedPayload": [
        "participant_id",
        "mission_id",
        "primary_session_id",
        "linked_session_id",
    ],
}


def model(name: str) -> Type[BaseModel]:
    cls: Type[BaseModel] = getattr(collab, name)
    return cls


def error_types(error: PydanticValidationError) -> List[Tuple[Any, ...]]:
    return [(tuple(item["loc"]), item["type"]) for item in error.errors()]


# --- constants ----------------------------------------------------------------------------


def test_each_constant_is_its_event_type_name() -> None:
    for name, value in CONSTANTS.items():
        assert getattr(collab, name) == value


def test_event_type_set_is_exactly_the_fourteen_constants() -> None:
    assert isinstance(COLLABORATION_EVENT_TYPES, frozenset)
    assert frozenset(CONSTANTS.values()) == COLLABORATION_EVENT_TYPES
    assert len(COLLABORATION_EVENT_TYPES) == 14


# --- value models -------------------------------------------------------------------------


def test_identity_defaults_order_and_round_trip() -> None:
    ident = ParticipantIdentity(participant_id="p1", participant_type="llm_context")
    assert ident.display_name is None
    assert ident.session_id is None
    assert list(ident.model_dump()) == [
        "participant_id",
        "participant_type",
        "display_name",
        "session_id",
    ]
    assert ParticipantIdentity.model_validate(ident.model_dump()) == ident
    assert hash(ident) == hash(ParticipantIdentity.model_validate(ident.model_dump()))


@pytest.mark.parametrize(
    ("data", "loc", "kind"),
    [
        ({"participant_type": "human"}, ("participant_id",), "missing"),
        (
            {"participant_id": "", "participant_type": "human"},
            ("participant_id",),
            "string_too_short",
        ),
        (
            {"participant_id": "p1", "participant_type": "Human"},
            ("participant_type",),
            "literal_error",
        ),
        ({"participant_id": 7, "participant_type": "human"}, ("participant_id",), "string_type"),
    ],
)
def test_identity_rejects(data: Dict[str, Any], loc: Tuple[str, ...], kind: str) -> None:
    with pytest.raises(PydanticValidationError) as caught:
        ParticipantIdentity.model_validate(data)
    assert (loc, kind) in error_types(caught.value)


def test_identity_accepts_whitespace_and_empty_display_name() -> None:
    ident = ParticipantIdentity(participant_id="  ", participant_type="human", display_name="")
    assert ident.participant_id == "  "
    assert ident.display_name == ""


def test_identity_is_frozen_and_ignores_extra_keys() -> None:
    ident = ParticipantIdentity.model_validate({**IDENTITY, "role": "admin"})
    assert not hasattr(ident, "role")
    with pytest.raises(PydanticValidationError) as caught:
        ident.participant_id = "p2"  # type: ignore[misc]
    assert caught.value.errors()[0]["type"] == "frozen_instance"


def test_auth_principal_binding_fields() -> None:
    binding = AuthPrincipalBinding(
        auth_principal_id="auth|1", participant_id="p1", bound_at="2026-02-01T09:00:00"
    )
    assert binding.bound_at == datetime(2026, 2, 1, 9, 0)  # naive stays naive
    with pytest.raises(PydanticValidationError):
        AuthPrincipalBinding(auth_principal_id="", participant_id="p1", bound_at=binding.bound_at)


def test_focus_target_is_hashable_and_case_sensitive() -> None:
    first = FocusTarget(target_type="file", target_id="src/main.py")
    assert {first, FocusTarget(target_type="file", target_id="src/main.py")} == {first}
    for bad in ({"target_type": "WP", "target_id": "x"}, {"target_type": "wp", "target_id": ""}):
        with pytest.raises(PydanticValidationError):
            FocusTarget.model_validate(bad)


# --- payload models -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payload_accepts_its_minimal_form_and_round_trips(name: str) -> None:
    valid, _ = PAYLOADS[name]
    built = model(name).model_validate({**valid, "unknown_key": 1})
    assert "unknown_key" not in built.model_dump()
    assert model(name).model_validate(built.model_dump()) == built
    assert model(name).model_validate_json(built.model_dump_json()) == built


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payload_requires_each_required_field(name: str) -> None:
    valid, _ = PAYLOADS[name]
    for field in valid:
        data = {key: value for key, value in valid.items() if key != field}
        with pytest.raises(PydanticValidationError) as caught:
            model(name).model_validate(data)
        assert ((field,), "missing") in error_types(caught.value)


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payload_rejects_empty_required_strings(name: str) -> None:
    valid, _ = PAYLOADS[name]
    for field in MIN_LENGTH_STRINGS[name]:
        with pytest.raises(PydanticValidationError) as caught:
            model(name).model_validate({**valid, field: ""})
        assert ((field,), "string_too_short") in error_types(caught.value)
        # Whitespace-only passes: nothing strips.
        assert getattr(model(name).model_validate({**valid, field: " "}), field) == " "


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payload_rejects_values_outside_its_literals(name: str) -> None:
    valid, bad_literals = PAYLOADS[name]
    for field, bad in bad_literals.items():
        with pytest.raises(PydanticValidationError) as caught:
            model(name).model_validate({**valid, field: bad})
        assert ((field,), "literal_error") in error_types(caught.value)


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payload_is_frozen(name: str) -> None:
    valid, _ = PAYLOADS[name]
    built = model(name).model_validate(valid)
    with pytest.raises(PydanticValidationError):
        setattr(built, next(iter(valid)), "other")


def test_optional_payload_fields_default_to_none() -> None:
    joined = ParticipantJoinedPayload.model_validate(PAYLOADS["ParticipantJoinedPayload"][0])
    assert joined.auth_principal_id is None
    focus = model("FocusChangedPayload").model_validate(PAYLOADS["FocusChangedPayload"][0])
    assert focus.previous_focus_target is None  # type: ignore[attr-defined]
    decision = model("DecisionCapturedPayload").model_validate(
        PAYLOADS["DecisionCapturedPayload"][0]
    )
    assert decision.rationale is None  # type: ignore[attr-defined]
    assert decision.referenced_warning_id is None  # type: ignore[attr-defined]


def test_completed_payload_declares_outcome_after_wp_id() -> None:
    fields = list(model("PromptStepExecutionCompletedPayload").model_fields)
    assert fields == ["participant_id", "mission_id", "step_id", "wp_id", "outcome"]
    fields = list(model("PotentialStepCollisionDetectedPayload").model_fields)
    assert fields == ["warning_id", "mission_id", "participant_ids", "step_id", "wp_id", "severity"]


def test_join_payload_does_not_cross_check_identity() -> None:
    data = {**PAYLOADS["ParticipantJoinedPayload"][0], "participant_id": "someone-else"}
    assert ParticipantJoinedPayload.model_validate(data).participant_identity.participant_id == "p1"


@pytest.mark.parametrize("pids", [["p1"], [], "p1 p2"])
def test_warning_participant_ids_need_a_list_of_two(pids: Any) -> None:
    data = {**PAYLOADS["ConcurrentDriverWarningPayload"][0], "participant_ids": pids}
    with pytest.raises(PydanticValidationError):
        ConcurrentDriverWarningPayload.model_validate(data)


def test_warning_participant_ids_accept_duplicates_tuples_and_empty_items() -> None:
    valid = PAYLOADS["ConcurrentDriverWarningPayload"][0]
    dup = ConcurrentDriverWarningPayload.model_validate({**valid, "participant_ids": ("a", "a")})
    assert dup.participant_ids == ["a", "a"]
    empty = ConcurrentDriverWarningPayload.model_validate({**valid, "participant_ids": ["", ""]})
    assert empty.participant_ids == ["", ""]
    with pytest.raises(TypeError):
        hash(dup)


def test_joined_payload_with_nested_identity_is_hashable() -> None:
    joined = ParticipantJoinedPayload.model_validate(PAYLOADS["ParticipantJoinedPayload"][0])
    assert hash(joined) == hash(ParticipantJoinedPayload.model_validate(joined.model_dump()))


# --- output models ------------------------------------------------------------------------


def test_entries_accept_empty_strings_and_round_trip() -> None:
    comment = CommentEntry(comment_id="", event_id="", participant_id="", content="")
    decision = DecisionEntry(
        decision_id="", event_id="e", participant_id="p", topic="", chosen_option=""
    )
    anomaly = CollaborationAnomaly(event_id="e", event_type="T", reason="r")
    for entry in (comment, decision, anomaly):
        assert type(entry).model_validate(entry.model_dump()) == entry
    assert comment.reply_to is None
    assert decision.referenced_warning_id is None
    assert hash(anomaly) == hash(CollaborationAnomaly(event_id="e", event_type="T", reason="r"))


def test_warning_entry_coerces_list_and_is_read_only() -> None:
    entry = WarningEntry(
        warning_id="w",
        event_id="e",
        warning_type="ConcurrentDriverWarning",
        participant_ids=["a", "b"],  # type: ignore[arg-type,unused-ignore]
        acknowledgements={"a": "hold"},
    )
    assert entry.participant_ids == ("a", "b")
    assert entry.acknowledgements == {"a": "hold"}
    with pytest.raises(TypeError):
        entry.acknowledgements["b"] = "continue"
    assert (
        WarningEntry(
            warning_id="w", event_id="e", warning_type="t", participant_ids=()
        ).acknowledgements
        == {}
    )
    assert WarningEntry.model_validate(entry.model_dump()) == entry


def test_state_requires_mission_id_and_has_fifteen_fields_in_order() -> None:
    with pytest.raises(PydanticValidationError):
        ReducedCollaborationState()  # type: ignore[call-arg]
    assert list(ReducedCollaborationState.model_fields) == [
        "mission_id",
        "participants",
        "departed_participants",
        "presence",
        "active_drivers",
        "focus_by_participant",
        "participants_by_focus",
        "warnings",
        "decisions",
        "comments",
        "active_executions",
        "linked_sessions",
        "anomalies",
        "event_count",
        "last_processed_event_id",
    ]
    state = ReducedCollaborationState(mission_id="")
    assert state.participants == {}
    assert state.active_drivers == frozenset()
    assert state.event_count == 0
    assert state.last_processed_event_id is None


def test_state_built_by_a_caller_is_read_only_too() -> None:
    state = ReducedCollaborationState(
        mission_id="M",
        active_executions={"p1": ["s1"]},
        participants_by_focus={"wp:WP01": {"p2", "p1"}},  # type: ignore[dict-item,unused-ignore]
    )
    assert state.active_executions == {"p1": ["s1"]}
    with pytest.raises(TypeError):
        state.active_executions["p1"].append("s2")
    with pytest.raises(TypeError):
        state.active_executions.clear()
    with pytest.raises(TypeError):
        state.presence["p1"] = datetime.now(timezone.utc)
    assert state.model_dump(mode="json")["participants_by_focus"] == {"wp:WP01": ["p1", "p2"]}
    assert isinstance(state.model_dump()["participants_by_focus"]["wp:WP01"], frozenset)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(x=1),
        lambda d: d.pop("a"),
        lambda d: d.popitem(),
        lambda d: d.setdefault("x", 1),
        lambda d: d.__delitem__("a"),
        lambda d: d.__ior__({"x": 1}),
    ],
)
def test_every_dict_mutator_is_refused(mutate: Any) -> None:
    state = ReducedCollaborationState(mission_id="M", linked_sessions={"a": ["s"]})
    with pytest.raises(TypeError, match="read-only"):
        mutate(state.linked_sessions)
    assert state.linked_sessions == {"a": ["s"]}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda lst: lst.extend(["x"]),
        lambda lst: lst.insert(0, "x"),
        lambda lst: lst.pop(),
        lambda lst: lst.remove("s"),
        lambda lst: lst.sort(),
        lambda lst: lst.reverse(),
        lambda lst: lst.__setitem__(0, "x"),
        lambda lst: lst.__iadd__(["x"]),
    ],
)
def test_every_list_mutator_is_refused(mutate: Any) -> None:
    state = ReducedCollaborationState(mission_id="M", linked_sessions={"a": ["s"]})
    with pytest.raises(TypeError, match="read-only"):
        mutate(state.linked_sessions["a"])
    assert state.linked_sessions["a"] == ["s"]


def test_state_survives_pickle_and_deepcopy_and_hashes() -> None:
    state = ReducedCollaborationState(
        mission_id="M",
        participants={"p1": ParticipantIdentity.model_validate(IDENTITY)},
        warnings=(
            WarningEntry(
                warning_id="w",
                event_id="e",
                warning_type="t",
                participant_ids=("p1",),
                acknowledgements={"p1": "hold"},
            ),
        ),
        linked_sessions={"p1": ["s"]},
    )
    for clone in (pickle.loads(pickle.dumps(state)), copy.deepcopy(state), copy.copy(state)):
        assert clone == state
        assert hash(clone) == hash(state)
        with pytest.raises(TypeError):
            clone.linked_sessions["p1"].append("t")


# --- errors -------------------------------------------------------------------------------


def test_unknown_participant_error_message_and_attributes() -> None:
    error = UnknownParticipantError(participant_id="p1", event_id="E1", event_type="X")
    assert str(error) == "Unknown participant 'p1' in event E1 (type=X). Not in mission roster."
    assert error.args == (str(error),)
    assert (error.participant_id, error.event_id, error.event_type) == ("p1", "E1", "X")
    assert isinstance(error, SpecKittyEventsError)
    assert str(UnknownParticipantError(5, "E1", "X")).startswith("Unknown participant 5 in")


ERRORS = [
    UnknownParticipantError("p1", "E1", "PresenceHeartbeat"),
    ParticipantDepartedError("p1", "E1", "PresenceHeartbeat"),
    UnmatchedStepCompletionError("s1", "p1", "E1", "PromptStepExecutionCompleted"),
    UnknownWarningError("w1", "E1", "WarningAcknowledged"),
    InvalidCollaborationPayloadError("step_id", "expected a string, got int", "E1", "T"),
    InvalidRosterEntryError("p1", "bad"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_errors_survive_copy_and_pickle(error: SpecKittyEventsError) -> None:
    for clone in (copy.copy(error), copy.deepcopy(error), pickle.loads(pickle.dumps(error))):
        assert type(clone) is type(error)
        assert clone.args == error.args
        assert vars(clone) == vars(error)


def test_error_messages_follow_the_contract() -> None:
    assert [str(error) for error in ERRORS[1:]] == [
        "Participant 'p1' has departed (event_id=E1, event_type=PresenceHeartbeat)",
        "No matching PromptStepExecutionStarted for step 's1' by participant 'p1' "
        "(event_id=E1, event_type=PromptStepExecutionCompleted)",
        "Warning 'w1' not found (event_id=E1, event_type=WarningAcknowledged)",
        "Invalid step_id in payload: expected a string, got int (event_id=E1, event_type=T)",
        "Invalid roster entry 'p1': bad",
    ]
    assert all(isinstance(error, SpecKittyEventsError) for error in ERRORS)
    assert isinstance(ERRORS[4], ValueError)
    assert isinstance(ERRORS[5], ValueError)


def test_module_reexports_envelope_and_base_error() -> None:
    assert collab.Event.__name__ == "Event"
    assert collab.SpecKittyEventsError is SpecKittyEventsError
