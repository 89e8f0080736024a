"""validate_event: registries, the two layers, verdict rules and the jsonschema probe."""

from __future__ import annotations

import builtins
import dataclasses
import datetime
from typing import Any, Dict, List, Tuple

import pytest

from spec_kitty_events.conformance import validators
from spec_kitty_events.conformance.validators import (
    ConformanceResult,
    ModelViolation,
    SchemaViolation,
    validate_event,
)

WP = "WPStatusChanged"
ULID = "01HQZ6G4Y8K3M5N7P9R1S2T3V4"
CONTRACT_EVENT_TYPES = [
    ("Event", "event"),
    ("WPStatusChanged", "status_transition_payload"),
    ("GatePassed", "gate_passed_payload"),
    ("GateFailed", "gate_failed_payload"),
    ("MissionStarted", "mission_started_payload"),
    ("MissionCompleted", "mission_completed_payload"),
    ("MissionCancelled", "mission_cancelled_payload"),
    ("PhaseEntered", "phase_entered_payload"),
    ("ReviewRollback", "review_rollback_payload"),
    ("ParticipantInvited", "participant_invited_payload"),
    ("ParticipantJoined", "participant_joined_payload"),
    ("ParticipantLeft", "participant_left_payload"),
    ("PresenceHeartbeat", "presence_heartbeat_payload"),
    ("DriveIntentSet", "drive_intent_set_payload"),
    ("FocusChanged", "focus_changed_payload"),
    ("PromptStepExecutionStarted", "prompt_step_execution_started_payload"),
    ("PromptStepExecutionCompleted", "prompt_step_execution_completed_payload"),
    ("ConcurrentDriverWarning", "concurrent_driver_warning_payload"),
    ("PotentialStepCollisionDetected", "potential_step_collision_detected_payload"),
    ("WarningAcknowledged", "warning_acknowledged_payload"),
    ("CommentPosted", "comment_posted_payload"),
    ("DecisionCaptured", "decision_captured_payload"),
    ("SessionLinked", "session_linked_payload"),
    ("GlossaryScopeActivated", "glossary_scope_activated_payload"),
    ("TermCandidateObserved", "term_candidate_observed_payload"),
    ("SemanticCheckEvaluated", "semantic_check_evaluated_payload"),
    ("GlossaryClarificationRequested", "glossary_clarification_requested_payload"),
    ("GlossaryClarificationResolved", "glossary_clarification_resolved_payload"),
    ("GlossarySenseUpdated", "glossary_sense_updated_payload"),
    ("GenerationBlockedBySemanticConflict", "generation_blocked_by_semantic_conflict_payload"),
    ("GlossaryStrictnessSet", "glossary_strictness_set_payload"),
    ("MissionRunStarted", "mission_run_started_payload"),
    ("NextStepIssued", "next_step_issued_payload"),
    ("NextStepAutoCompleted", "next_step_auto_completed_payload"),
    ("DecisionInputRequested", "decision_input_requested_payload"),
    ("DecisionInputAnswered", "decision_input_answered_payload"),
    ("MissionRunCompleted", "mission_run_completed_payload"),
    ("MissionDossierArtifactIndexed", "mission_dossier_artifact_indexed_payload"),
    ("MissionDossierArtifactMissing", "mission_dossier_artifact_missing_payload"),
    ("MissionDossierSnapshotComputed", "mission_dossier_snapshot_computed_payload"),
    ("MissionDossierParityDriftDetected", "mission_dossier_parity_drift_detected_payload"),
]


def wp(**changes: Any) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "feature_slug": "005-event-contracts",
        "wp_id": "WP01",
        "to_lane": "claimed",
        "actor": "agent-claude",
        "execution_mode": "worktree",
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def envelope(**changes: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "event_id": ULID,
        "event_type": "WPStatusChanged",
        "aggregate_id": "WP01",
        "payload": {},
        "timestamp": "2026-01-15T10:00:00Z",
        "node_id": "node-1",
        "lamport_clock": 3,
        "project_uuid": "550e8400-e29b-41d4-a716-446655440000",
        "correlation_id": ULID,
    }
    body.update(changes)
    return body


def findings(result: ConformanceResult) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    return (
        [(v.field, v.violation_type) for v in result.model_violations],
        [(v.json_path, v.validator) for v in result.schema_violations],
    )


# -- registries -----------------------------------------------------------------------------


def test_registries_hold_the_contract_event_types_in_order() -> None:
    assert list(validators._EVENT_TYPE_TO_MODEL) == [t for t, _ in CONTRACT_EVENT_TYPES]
    assert dict(CONTRACT_EVENT_TYPES) == validators._EVENT_TYPE_TO_SCHEMA
    assert type(validators._EVENT_TYPE_TO_MODEL) is dict
    assert type(validators._EVENT_TYPE_TO_SCHEMA) is dict


def test_registry_models_are_the_domain_payload_classes() -> None:
    from spec_kitty_events.lifecycle import MissionCompletedPayload
    from spec_kitty_events.mission_next import MissionRunCompletedPayload
    from spec_kitty_events.models import Event
    from spec_kitty_events.status import StatusTransitionPayload

    table = validators._EVENT_TYPE_TO_MODEL
    assert table["Event"] is Event
    assert table[WP] is StatusTransitionPayload
    assert table["MissionCompleted"] is MissionCompletedPayload
    assert table["MissionRunCompleted"] is MissionRunCompletedPayload


@pytest.mark.parametrize("name", ["Nope", "LaneMapping", "MissionDossierState", "mixed", ""])
def test_unknown_event_type_raises_with_the_sorted_known_types(name: str) -> None:
    with pytest.raises(ValueError, match="Unknown event type") as caught:
        validate_event({}, name)
    message = str(caught.value)
    assert message.startswith(f"Unknown event type: {name!r}. Known types: [")
    assert message.index("'WPStatusChanged'") < message.index("'WarningAcknowledged'")


def test_unhashable_event_type_is_reported_not_crashed() -> None:
    with pytest.raises(ValueError, match=r"Unknown event type: \['WPStatusChanged'\]"):
        validate_event(wp(), ["WPStatusChanged"])  # type: ignore[arg-type]


# -- reference verdicts (contract 4.5) ------------------------------------------------------

REFERENCE = [
    (WP, wp(), [], [], True),
    (WP, wp(actor=...), [("actor", "missing")], [("$", "required")], False),
    (WP, wp(actor=42), [("actor", "string_type")], [("$.actor", "type")], False),
    (WP, wp(to_lane="doing"), [], [("$.to_lane", "enum")], False),
    (WP, wp(force="true", reason="x"), [], [("$.force", "type")], False),
    (WP, wp(to_lane="done"), [("", "value_error")], [], False),
    (WP, [], [("", "model_type")], [("$", "type")], False),
    (WP, None, [("", "model_type")], [("$", "type")], False),
    (WP, "x", [("", "model_type")], [("$", "type")], False),
    (WP, 5, [("", "model_type")], [("$", "type")], False),
    (WP, wp(from_lane="bogus"), [("from_lane", "enum")], [("$.from_lane", "anyOf")], False),
    (
        WP,
        wp(feature_slug=""),
        [("feature_slug", "string_too_short")],
        [("$.feature_slug", "minLength")],
        False,
    ),
    (
        "Event",
        envelope(timestamp="not-a-date"),
        [("timestamp", "datetime_from_date_parsing")],
        [],
        False,
    ),
    ("Event", envelope(project_uuid="zzz"), [("project_uuid", "uuid_parsing")], [], False),
    ("Event", envelope(unknown_key=1), [], [], True),
    (
        "Event",
        envelope(event_id=123),
        [("event_id", "value_error")],
        [("$.event_id", "type")],
        False,
    ),
    (
        "Event",
        envelope(event_id="01HQZ6G4Y8K3M5N7P9R1S2T3VI"),
        [("event_id", "value_error")],
        [("$.event_id", "pattern")],
        False,
    ),
    ("Event", envelope(event_id=ULID.lower()), [], [], True),
    ("Event", envelope(timestamp="2026-01-01T00:00:00"), [], [], True),
]


@pytest.mark.parametrize(("event_type", "payload", "model", "schema", "valid"), REFERENCE)
def test_reference_verdicts(
    event_type: str, payload: Any, model: List[Any], schema: List[Any], valid: bool
) -> None:
    result = validate_event(payload, event_type)
    assert findings(result) == (model, schema)
    assert result.valid is valid
    assert result.schema_check_skipped is False
    assert result.event_type == event_type


def test_empty_payload_reports_missing_fields_in_declaration_order_on_both_layers() -> None:
    result = validate_event({}, WP)
    required = ["feature_slug", "wp_id", "to_lane", "actor", "execution_mode"]
    assert [v.field for v in result.model_violations] == required
    assert {v.violation_type for v in result.model_violations} == {"missing"}
    assert [v.message for v in result.schema_violations] == [
        f"'{name}' is a required property" for name in required
    ]
    assert all(v.json_path == "$" and v.validator == "required" for v in result.schema_violations)


def test_violation_details() -> None:
    result = validate_event(wp(force=True), WP)
    (rule,) = result.model_violations
    assert rule.message == "Value error, force=True requires a non-empty reason"
    assert rule.input_value == wp(force=True)
    bad = validate_event(envelope(event_id=123), "Event")
    assert bad.model_violations[0].message == "Value error, event_id must be a string; got int"
    (lane,) = validate_event(wp(to_lane="doing"), WP).schema_violations
    assert lane.validator_value == [
        "planned",
        "claimed",
        "in_progress",
        "for_review",
        "done",
        "blocked",
        "canceled",
    ]
    assert lane.schema_path[-1] == "enum"
    assert "$ref" not in lane.schema_path


def test_schema_violations_are_sorted_by_json_path() -> None:
    result = validate_event(wp(wp_id="", actor=42, feature_slug=""), WP)
    paths = [v.json_path for v in result.schema_violations]
    assert paths == ["$.actor", "$.feature_slug", "$.wp_id"]


def test_python_native_values_pass_the_model_but_not_the_schema() -> None:
    native = envelope(timestamp=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    result = validate_event(native, "Event")
    assert result.model_valid
    assert not result.valid
    assert findings(result)[1] == [("$.timestamp", "type")]


def test_a_tuple_where_an_array_is_required_fails_like_jsonschema_says() -> None:
    repo = {"repo": "r", "branch": "main", "commit": "abc1234"}
    evidence = {"repos": (repo,), "review": {"reviewer": "alice", "verdict": "approved"}}
    result = validate_event(wp(to_lane="done", evidence=evidence), WP)
    assert result.model_valid
    assert findings(result)[1] == [("$.evidence", "anyOf")]
    assert result.valid is False


def test_model_valid_property() -> None:
    assert validate_event(wp(to_lane="doing"), WP).model_valid is True
    assert validate_event(wp(actor=...), WP).model_valid is False


# -- result types ---------------------------------------------------------------------------


def test_results_are_frozen_and_hashable_even_with_dict_inputs() -> None:
    result = validate_event({}, WP)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = True  # type: ignore[misc]
    assert isinstance(hash(result), int)
    assert result == validate_event({}, WP)
    assert [f.name for f in dataclasses.fields(ModelViolation)] == [
        "field",
        "message",
        "violation_type",
        "input_value",
    ]
    assert [f.name for f in dataclasses.fields(SchemaViolation)] == [
        "json_path",
        "message",
        "validator",
        "validator_value",
        "schema_path",
    ]
    assert [f.name for f in dataclasses.fields(ConformanceResult)] == [
        "valid",
        "model_violations",
        "schema_violations",
        "schema_check_skipped",
        "event_type",
    ]


def test_equality_still_compares_the_unhashed_fields() -> None:
    one = ModelViolation("a", "m", "t", {"x": 1})
    assert one != ModelViolation("a", "m", "t", {"x": 2})
    assert hash(one) == hash(ModelViolation("a", "m", "t", {"x": 2}))


def test_clean_results_echo_the_event_type() -> None:
    class Named(str):
        pass

    first = validate_event(wp(), WP)
    assert first is validate_event(wp(), WP)
    odd = validate_event(wp(), Named(WP))
    assert type(odd.event_type) is Named
    assert odd.valid


def test_missing_schema_name_skips_the_schema_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(validators._EVENT_TYPE_TO_SCHEMA, WP)
    result = validate_event(wp(to_lane="doing"), WP)
    assert result.valid
    assert result.schema_check_skipped


def test_compiled_schemas_are_cached_per_name() -> None:
    validators._COMPILED.pop("event", None)
    validate_event({}, "Event")
    first = validators._COMPILED["event"]
    validate_event({}, "Event")
    assert validators._COMPILED["event"] is first


def test_model_layer_errors_other_than_validation_propagate() -> None:
    class Exploding:
        @classmethod
        def model_validate(cls, payload: Any) -> None:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        validators._validate_with_model({}, Exploding)


# -- the jsonschema probe -------------------------------------------------------------------


def _hide_jsonschema(monkeypatch: pytest.MonkeyPatch, *, only_new_api: bool = False) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        fromlist = args[2] if len(args) > 2 else kwargs.get("fromlist")
        if name == "jsonschema" and (not only_new_api or fromlist):
            raise ImportError("No module named 'jsonschema'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_without_jsonschema_the_schema_layer_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_jsonschema(monkeypatch)
    result = validate_event(wp(to_lane="doing"), WP)
    assert result.valid
    assert result.schema_check_skipped
    assert result.schema_violations == ()
    failing = validate_event(wp(actor=...), WP)
    assert not failing.valid
    assert failing.schema_check_skipped


def test_without_jsonschema_strict_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_jsonschema(monkeypatch)
    with pytest.raises(ImportError, match="jsonschema is required") as caught:
        validate_event(wp(), WP, strict=True)
    assert "pip install 'spec-kitty-events[conformance]'" in str(caught.value)
    assert caught.value.__suppress_context__


def test_probe_runs_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    assert validate_event(wp(), WP).schema_check_skipped is False
    _hide_jsonschema(monkeypatch)
    assert validate_event(wp(), WP).schema_check_skipped is True
    monkeypatch.undo()
    assert validate_event(wp(), WP).schema_check_skipped is False


def test_an_old_jsonschema_warns_and_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_jsonschema(monkeypatch, only_new_api=True)
    with pytest.warns(RuntimeWarning, match="Draft202012Validator"):
        result = validate_event(wp(), WP)
    assert result.schema_check_skipped
    with pytest.raises(ImportError, match="jsonschema is required"), pytest.warns(RuntimeWarning):
        validate_event(wp(), WP, strict=True)


def test_strict_and_lenient_agree_when_jsonschema_is_installed() -> None:
    for payload in (wp(), wp(to_lane="doing"), {}):
        assert validate_event(payload, WP, strict=True) == validate_event(payload, WP)


def test_a_schema_the_compiled_engine_rejects_is_left_to_jsonschema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Refusing:
        @staticmethod
        def Draft202012Validator(schema: Any, **options: Any) -> Any:
            raise ValueError("unsupported")

    monkeypatch.setattr(validators, "_jsonschema_rs", Refusing)
    compiled = validators._CompiledSchema({"type": "string"})
    assert compiled._fast is None
    (violation,) = compiled.violations(5)
    assert (violation.json_path, violation.validator) == ("$", "type")
