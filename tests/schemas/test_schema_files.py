"""The committed schema files and their loaders (contract section 8)."""

from __future__ import annotations

from typing import Dict, List, Optional

import pytest

from spec_kitty_events.schemas import _SCHEMA_DIR, list_schemas, load_schema, schema_path

GATE = [
    "gate_name",
    "gate_type",
    "conclusion",
    "external_provider",
    "check_run_id",
    "check_run_url",
    "delivery_id",
]
# name -> top-level ``required`` (None: no ``required`` key; enums are checked separately).
REQUIRED: Dict[str, Optional[List[str]]] = {
    "artifact_identity": ["mission_key", "path", "artifact_class"],
    "auth_principal_binding": ["auth_principal_id", "participant_id", "bound_at"],
    "comment_posted_payload": ["participant_id", "mission_id", "comment_id", "content"],
    "concurrent_driver_warning_payload": [
        "warning_id",
        "mission_id",
        "participant_ids",
        "focus_target",
        "severity",
    ],
    "content_hash_ref": ["hash", "algorithm"],
    "decision_captured_payload": [
        "participant_id",
        "mission_id",
        "decision_id",
        "topic",
        "chosen_option",
    ],
    "decision_input_answered_payload": ["run_id", "decision_id", "answer", "actor"],
    "decision_input_requested_payload": ["run_id", "decision_id", "step_id", "question", "actor"],
    "drive_intent_set_payload": ["participant_id", "mission_id", "intent"],
    "event": [
        "event_id",
        "event_type",
        "aggregate_id",
        "timestamp",
        "node_id",
        "lamport_clock",
        "project_uuid",
        "correlation_id",
    ],
    "focus_changed_payload": ["participant_id", "mission_id", "focus_target"],
    "focus_target": ["target_type", "target_id"],
    "gate_failed_payload": GATE,
    "gate_passed_payload": GATE,
    "generation_blocked_by_semantic_conflict_payload": [
        "mission_id",
        "step_id",
        "conflict_event_ids",
        "blocking_strictness",
    ],
    "glossary_clarification_requested_payload": [
        "mission_id",
        "scope_id",
        "step_id",
        "semantic_check_event_id",
        "term",
        "question",
        "options",
        "urgency",
        "actor",
    ],
    "glossary_clarification_resolved_payload": [
        "mission_id",
        "clarification_event_id",
        "selected_meaning",
        "actor",
    ],
    "glossary_scope_activated_payload": [
        "mission_id",
        "scope_id",
        "scope_type",
        "glossary_version_id",
    ],
    "glossary_sense_updated_payload": [
        "mission_id",
        "scope_id",
        "term_surface",
        "after_sense",
        "reason",
        "actor",
    ],
    "glossary_strictness_set_payload": ["mission_id", "new_strictness", "actor"],
    "local_namespace_tuple": [
        "project_uuid",
        "feature_slug",
        "target_branch",
        "mission_key",
        "manifest_version",
    ],
    "mission_cancelled_payload": ["mission_id", "reason", "actor"],
    "mission_completed_payload": ["mission_id", "mission_type", "final_phase", "actor"],
    "mission_dossier_artifact_indexed_payload": [
        "namespace",
        "artifact_id",
        "content_ref",
        "indexed_at",
    ],
    "mission_dossier_artifact_missing_payload": [
        "namespace",
        "expected_identity",
        "manifest_step",
        "checked_at",
    ],
    "mission_dossier_parity_drift_detected_payload": [
        "namespace",
        "expected_hash",
        "actual_hash",
        "drift_kind",
        "detected_at",
    ],
    "mission_dossier_snapshot_computed_payload": [
        "namespace",
        "snapshot_hash",
        "artifact_count",
        "anomaly_count",
        "computed_at",
    ],
    "mission_run_completed_payload": ["run_id", "mission_key", "actor"],
    "mission_run_started_payload": ["run_id", "mission_key", "actor"],
    "mission_started_payload": ["mission_id", "mission_type", "initial_phase", "actor"],
    "next_step_auto_completed_payload": ["run_id", "step_id", "agent_id", "result", "actor"],
    "next_step_issued_payload": ["run_id", "step_id", "agent_id", "actor"],
    "participant_identity": ["participant_id", "participant_type"],
    "participant_invited_payload": [
        "participant_id",
        "participant_identity",
        "invited_by",
        "mission_id",
    ],
    "participant_joined_payload": ["participant_id", "participant_identity", "mission_id"],
    "participant_left_payload": ["participant_id", "mission_id"],
    "phase_entered_payload": ["mission_id", "phase_name", "actor"],
    "potential_step_collision_detected_payload": [
        "warning_id",
        "mission_id",
        "participant_ids",
        "step_id",
        "severity",
    ],
    "presence_heartbeat_payload": ["participant_id", "mission_id"],
    "prompt_step_execution_completed_payload": [
        "participant_id",
        "mission_id",
        "step_id",
        "outcome",
    ],
    "prompt_step_execution_started_payload": ["participant_id", "mission_id", "step_id"],
    "provenance_ref": None,
    "review_rollback_payload": ["mission_id", "review_ref", "target_phase", "actor"],
    "runtime_actor_identity": ["actor_id", "actor_type"],
    "semantic_check_evaluated_payload": [
        "mission_id",
        "scope_id",
        "step_id",
        "conflicts",
        "severity",
        "confidence",
        "recommended_action",
        "effective_strictness",
    ],
    "semantic_conflict_entry": ["term", "nature", "severity", "description"],
    "session_linked_payload": [
        "participant_id",
        "mission_id",
        "primary_session_id",
        "linked_session_id",
        "link_type",
    ],
    "status_transition_payload": ["feature_slug", "wp_id", "to_lane", "actor", "execution_mode"],
    "term_candidate_observed_payload": [
        "mission_id",
        "scope_id",
        "step_id",
        "term_surface",
        "confidence",
        "actor",
    ],
    "warning_acknowledged_payload": [
        "participant_id",
        "mission_id",
        "warning_id",
        "acknowledgement",
    ],
}
ENUMS = {
    "lane": ["planned", "claimed", "in_progress", "for_review", "done", "blocked", "canceled"],
    "sync_lane_v1": ["planned", "doing", "for_review", "done"],
}


def test_the_52_schemas_of_the_contract_are_committed() -> None:
    assert list_schemas() == sorted([*REQUIRED, *ENUMS])
    assert len(list_schemas()) == 52


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_required_lists_match_the_contract(name: str) -> None:
    schema = load_schema(name)
    assert schema.get("required") == REQUIRED[name]
    assert schema["type"] == "object"
    assert "additionalProperties" not in schema


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_schemas(name: str) -> None:
    schema = load_schema(name)
    assert (schema["type"], schema["enum"]) == ("string", ENUMS[name])


@pytest.mark.parametrize("name", sorted([*REQUIRED, *ENUMS]))
def test_every_file_carries_schema_and_id(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"spec-kitty-events/{name}"


def test_status_transition_defs() -> None:
    schema = load_schema("status_transition_payload")
    assert sorted(schema["$defs"]) == [
        "DoneEvidence",
        "ExecutionMode",
        "Lane",
        "RepoEvidence",
        "ReviewVerdict",
        "VerificationEntry",
    ]


def test_load_schema_returns_a_new_dict_each_time() -> None:
    first = load_schema("event")
    first["mutated"] = True
    assert "mutated" not in load_schema("event")


def test_schema_path() -> None:
    assert schema_path("event") == _SCHEMA_DIR / "event.schema.json"


@pytest.mark.parametrize(
    "name", ["nope", "", "../schemas/event", "sub/event", "..\\event", "event.schema", ".."]
)
def test_unknown_or_path_like_names_are_not_found(name: str) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        schema_path(name)
    assert str(caught.value).startswith(f"No schema found for '{name}'. Available: [")
    assert "'event'" in str(caught.value)
    with pytest.raises(FileNotFoundError):
        load_schema(name)
