"""Payload and value-object contracts of the glossary module."""

from __future__ import annotations

from typing import Any, Callable, Dict, Type

import pytest
from pydantic import BaseModel, ValidationError

from spec_kitty_events import glossary as g
from tests.glossary.helpers import (
    check_evaluated,
    clarification_requested,
    clarification_resolved,
    conflict,
    generation_blocked,
    scope_activated,
    sense_updated,
    strictness_set,
    term_observed,
)

CHECK_ID = "01HTESTCHECK00000000000001"

VALID: Dict[Type[BaseModel], Callable[..., Dict[str, Any]]] = {
    g.GlossaryScopeActivatedPayload: scope_activated,
    g.TermCandidateObservedPayload: term_observed,
    g.GlossarySenseUpdatedPayload: sense_updated,
    g.GlossaryStrictnessSetPayload: strictness_set,
    g.SemanticCheckEvaluatedPayload: check_evaluated,
    g.GlossaryClarificationRequestedPayload: lambda **o: clarification_requested(CHECK_ID, **o),
    g.GlossaryClarificationResolvedPayload: lambda **o: clarification_resolved(CHECK_ID, **o),
    g.GenerationBlockedBySemanticConflictPayload: lambda **o: generation_blocked(CHECK_ID, **o),
    g.SemanticConflictEntry: conflict,
}

REQUIRED = {
    g.GlossaryScopeActivatedPayload: [
        "mission_id",
        "scope_id",
        "scope_type",
        "glossary_version_id",
    ],
    g.TermCandidateObservedPayload: [
        "mission_id",
        "scope_id",
        "step_id",
        "term_surface",
        "confidence",
        "actor",
    ],
    g.GlossarySenseUpdatedPayload: [
        "mission_id",
        "scope_id",
        "term_surface",
        "after_sense",
        "reason",
        "actor",
    ],
    g.GlossaryStrictnessSetPayload: ["mission_id", "new_strictness", "actor"],
    g.SemanticCheckEvaluatedPayload: [
        "mission_id",
        "scope_id",
        "step_id",
        "conflicts",
        "severity",
        "confidence",
        "recommended_action",
        "effective_strictness",
    ],
    g.GlossaryClarificationRequestedPayload: [
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
    g.GlossaryClarificationResolvedPayload: [
        "mission_id",
        "clarification_event_id",
        "selected_meaning",
        "actor",
    ],
    g.GenerationBlockedBySemanticConflictPayload: [
        "mission_id",
        "step_id",
        "conflict_event_ids",
        "blocking_strictness",
    ],
    g.SemanticConflictEntry: ["term", "nature", "severity", "description"],
}

# Fields declared min_length=1 (an empty string must be rejected).
NON_EMPTY = {
    g.GlossaryScopeActivatedPayload: ["mission_id", "scope_id", "glossary_version_id"],
    g.TermCandidateObservedPayload: ["mission_id", "scope_id", "step_id", "term_surface", "actor"],
    g.GlossarySenseUpdatedPayload: [
        "mission_id",
        "scope_id",
        "term_surface",
        "after_sense",
        "actor",
    ],
    g.GlossaryStrictnessSetPayload: ["mission_id", "actor"],
    g.SemanticCheckEvaluatedPayload: ["mission_id", "scope_id", "step_id"],
    g.GlossaryClarificationRequestedPayload: [
        "mission_id",
        "scope_id",
        "step_id",
        "semantic_check_event_id",
        "term",
        "actor",
    ],
    g.GlossaryClarificationResolvedPayload: [
        "mission_id",
        "clarification_event_id",
        "selected_meaning",
        "actor",
    ],
    g.GenerationBlockedBySemanticConflictPayload: ["mission_id", "step_id"],
    g.SemanticConflictEntry: ["term"],
}


def _error_types(error: ValidationError, field: str) -> set[str]:
    return {e["type"] for e in error.errors() if e["loc"][:1] == (field,)}


def test_event_type_constants_and_set() -> None:
    expected = {
        "GLOSSARY_SCOPE_ACTIVATED": "GlossaryScopeActivated",
        "TERM_CANDIDATE_OBSERVED": "TermCandidateObserved",
        "SEMANTIC_CHECK_EVALUATED": "SemanticCheckEvaluated",
        "GLOSSARY_CLARIFICATION_REQUESTED": "GlossaryClarificationRequested",
        "GLOSSARY_CLARIFICATION_RESOLVED": "GlossaryClarificationResolved",
        "GLOSSARY_SENSE_UPDATED": "GlossarySenseUpdated",
        "GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT": "GenerationBlockedBySemanticConflict",
        "GLOSSARY_STRICTNESS_SET": "GlossaryStrictnessSet",
    }
    for name, value in expected.items():
        assert getattr(g, name) == value
    assert isinstance(g.GLOSSARY_EVENT_TYPES, frozenset)
    assert set(expected.values()) == g.GLOSSARY_EVENT_TYPES


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_valid_payload_builds_and_is_frozen(model: Type[BaseModel]) -> None:
    instance = model.model_validate(VALID[model]())
    first_field = next(iter(model.model_fields))
    with pytest.raises(ValidationError):
        setattr(instance, first_field, "changed")


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_field_order_is_the_contract_order(model: Type[BaseModel]) -> None:
    required_in_order = [n for n, f in model.model_fields.items() if f.is_required()]
    assert required_in_order == REQUIRED[model]


@pytest.mark.parametrize(
    ("model", "field"),
    [(m, f) for m, fields in REQUIRED.items() for f in fields],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_every_required_field_is_required(model: Type[BaseModel], field: str) -> None:
    payload = VALID[model]()
    del payload[field]
    with pytest.raises(ValidationError) as info:
        model.model_validate(payload)
    assert _error_types(info.value, field) == {"missing"}


@pytest.mark.parametrize(
    ("model", "field"),
    [(m, f) for m, fields in NON_EMPTY.items() for f in fields],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_non_empty_strings(model: Type[BaseModel], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(VALID[model](**{field: ""}))
    assert _error_types(info.value, field) == {"string_too_short"}


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (g.GlossarySenseUpdatedPayload, "reason"),
        (g.GlossarySenseUpdatedPayload, "before_sense"),
        (g.GlossaryClarificationRequestedPayload, "question"),
        (g.SemanticConflictEntry, "description"),
    ],
)
def test_empty_strings_allowed_where_unconstrained(model: Type[BaseModel], field: str) -> None:
    assert getattr(model.model_validate(VALID[model](**{field: ""})), field) == ""


@pytest.mark.parametrize(
    ("model", "field", "allowed", "rejected"),
    [
        (
            g.GlossaryScopeActivatedPayload,
            "scope_type",
            ["spec_kitty_core", "team_domain", "audience_domain", "mission_local"],
            "invalid_scope",
        ),
        (g.GlossaryStrictnessSetPayload, "new_strictness", ["off", "medium", "max"], "strict"),
        (
            g.GlossaryStrictnessSetPayload,
            "previous_strictness",
            ["off", "medium", "max", None],
            "high",
        ),
        (g.SemanticCheckEvaluatedPayload, "severity", ["low", "medium", "high"], "critical"),
        (g.SemanticCheckEvaluatedPayload, "recommended_action", ["block", "warn", "pass"], "stop"),
        (g.SemanticCheckEvaluatedPayload, "effective_strictness", ["off", "medium", "max"], "Max"),
        (g.GlossaryClarificationRequestedPayload, "urgency", ["low", "medium", "high"], "urgent"),
        (
            g.GenerationBlockedBySemanticConflictPayload,
            "blocking_strictness",
            ["medium", "max"],
            "off",
        ),
        (g.SemanticConflictEntry, "nature", ["overloaded", "drift", "ambiguous"], "conflict"),
        (g.SemanticConflictEntry, "severity", ["low", "medium", "high"], "none"),
    ],
)
def test_literal_vocabularies(
    model: Type[BaseModel], field: str, allowed: list[Any], rejected: str
) -> None:
    for value in allowed:
        assert getattr(model.model_validate(VALID[model](**{field: value})), field) == value
    with pytest.raises(ValidationError) as info:
        model.model_validate(VALID[model](**{field: rejected}))
    assert _error_types(info.value, field) == {"literal_error"}


@pytest.mark.parametrize("model", [g.TermCandidateObservedPayload, g.SemanticCheckEvaluatedPayload])
def test_confidence_bounds_inclusive_and_lax(model: Type[BaseModel]) -> None:
    assert model.model_validate(VALID[model](confidence=0)).confidence == 0.0  # type: ignore[attr-defined]
    assert model.model_validate(VALID[model](confidence=1)).confidence == 1.0  # type: ignore[attr-defined]
    assert model.model_validate(VALID[model](confidence="0.5")).confidence == 0.5  # type: ignore[attr-defined]
    for bad, kind in [(-0.01, "greater_than_equal"), (1.01, "less_than_equal")]:
        with pytest.raises(ValidationError) as info:
            model.model_validate(VALID[model](confidence=bad))
        assert _error_types(info.value, "confidence") == {kind}


def test_optional_fields_default_to_none_and_factories_to_empty() -> None:
    assert g.GlossarySenseUpdatedPayload.model_validate(sense_updated()).before_sense is None
    strictness = g.GlossaryStrictnessSetPayload.model_validate(strictness_set())
    assert strictness.previous_strictness is None
    first = g.TermCandidateObservedPayload.model_validate(term_observed())
    second = g.TermCandidateObservedPayload.model_validate(term_observed())
    assert first.step_metadata == {}
    assert first.step_metadata is not second.step_metadata
    assert g.SemanticCheckEvaluatedPayload.model_validate(check_evaluated()).step_metadata == {}
    block = g.GenerationBlockedBySemanticConflictPayload.model_validate(generation_blocked("x"))
    assert block.step_metadata == {}


def test_step_metadata_values_must_be_strings() -> None:
    with pytest.raises(ValidationError) as info:
        g.TermCandidateObservedPayload.model_validate(term_observed(step_metadata={"n": 1}))
    assert info.value.errors()[0]["loc"] == ("step_metadata", "n")


def test_tuples_accept_lists_and_reject_bare_strings() -> None:
    request = g.GlossaryClarificationRequestedPayload.model_validate(
        clarification_requested(CHECK_ID, options=[])
    )
    assert request.options == ()
    with pytest.raises(ValidationError):
        g.GlossaryClarificationRequestedPayload.model_validate(
            clarification_requested(CHECK_ID, options="a,b")
        )


def test_conflict_event_ids_need_one_item_of_any_string() -> None:
    model = g.GenerationBlockedBySemanticConflictPayload
    assert model.model_validate(generation_blocked("")).conflict_event_ids == ("",)
    with pytest.raises(ValidationError) as info:
        model.model_validate(generation_blocked(conflict_event_ids=[]))
    assert _error_types(info.value, "conflict_event_ids") == {"too_short"}


def test_conflicts_are_validated_entries() -> None:
    check = g.SemanticCheckEvaluatedPayload.model_validate(check_evaluated(conflicts=[]))
    assert check.conflicts == ()
    check = g.SemanticCheckEvaluatedPayload.model_validate(check_evaluated())
    assert isinstance(check.conflicts[0], g.SemanticConflictEntry)
    with pytest.raises(ValidationError) as info:
        g.SemanticCheckEvaluatedPayload.model_validate(
            check_evaluated(conflicts=[conflict(nature="clash")])
        )
    assert info.value.errors()[0]["loc"] == ("conflicts", 0, "nature")


def test_extra_keys_are_dropped() -> None:
    payload = g.GlossaryScopeActivatedPayload.model_validate(scope_activated(surprise=1))
    assert "surprise" not in payload.model_dump()


def test_str_fields_reject_ints() -> None:
    with pytest.raises(ValidationError) as info:
        g.GlossaryScopeActivatedPayload.model_validate(scope_activated(scope_id=7))
    assert _error_types(info.value, "scope_id") == {"string_type"}


def test_models_with_dicts_are_unhashable_others_hash() -> None:
    with pytest.raises(TypeError):
        hash(g.TermCandidateObservedPayload.model_validate(term_observed()))
    assert hash(g.GlossaryScopeActivatedPayload.model_validate(scope_activated())) == hash(
        g.GlossaryScopeActivatedPayload.model_validate(scope_activated())
    )


def test_anomaly_and_record_models() -> None:
    anomaly = g.GlossaryAnomaly(event_id="e", event_type="t", reason="r")
    assert anomaly.model_dump() == {"event_id": "e", "event_type": "t", "reason": "r"}
    record = g.ClarificationRecord(request_event_id="a", semantic_check_event_id="b", term="c")
    assert record.resolved is False
    assert record.resolution_event_id is None
    assert list(g.ClarificationRecord.model_fields) == [
        "request_event_id",
        "semantic_check_event_id",
        "term",
        "resolved",
        "resolution_event_id",
    ]
    with pytest.raises(ValidationError):
        record.resolved = True  # type: ignore[misc]


def test_empty_state_defaults() -> None:
    state = g.ReducedGlossaryState()
    assert state.mission_id == ""
    assert state.current_strictness == "medium"
    assert state.event_count == 0
    assert state.last_processed_event_id is None
    assert state.active_scopes == {}
    assert state.term_candidates == {}
    assert state.term_senses == {}
    assert state.strictness_history == ()
    assert state.clarifications == ()
    assert state.semantic_checks == ()
    assert state.generation_blocks == ()
    assert state.anomalies == ()
    assert list(g.ReducedGlossaryState.model_fields) == [
        "mission_id",
        "active_scopes",
        "current_strictness",
        "strictness_history",
        "term_candidates",
        "term_senses",
        "clarifications",
        "semantic_checks",
        "generation_blocks",
        "anomalies",
        "event_count",
        "last_processed_event_id",
    ]


def test_schema_shape_of_step_metadata_and_confidence() -> None:
    schema = g.TermCandidateObservedPayload.model_json_schema(mode="serialization")
    metadata = schema["properties"]["step_metadata"]
    assert metadata["type"] == "object"
    assert metadata["additionalProperties"] == {"type": "string"}
    assert "default" not in metadata
    confidence = schema["properties"]["confidence"]
    assert (confidence["type"], confidence["minimum"], confidence["maximum"]) == ("number", 0, 1)
    check = g.SemanticCheckEvaluatedPayload.model_json_schema(mode="serialization")
    assert check["properties"]["conflicts"]["items"] == {"$ref": "#/$defs/SemanticConflictEntry"}
    block = g.GenerationBlockedBySemanticConflictPayload.model_json_schema(mode="serialization")
    assert block["properties"]["conflict_event_ids"]["minItems"] == 1
    assert block["properties"]["blocking_strictness"]["enum"] == ["medium", "max"]
