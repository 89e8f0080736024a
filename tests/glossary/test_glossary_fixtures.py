"""The ``glossary`` fixture category: files, manifest entries, verdicts, and reducer fit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import pytest
from pydantic import ValidationError

import spec_kitty_events
from spec_kitty_events import glossary as g
from spec_kitty_events.models import Event, SpecKittyEventsError
from tests.factory import event_id, make_event

FIXTURES = Path(spec_kitty_events.__file__).parent / "conformance" / "fixtures"
CHECK_ID = "01HTESTCHECK00000000000001"

EXPECTED = [
    (
        "glossary-scope-activated-valid",
        "glossary/valid/glossary_scope_activated.json",
        "GlossaryScopeActivated",
        "valid",
    ),
    (
        "glossary-term-candidate-observed-valid",
        "glossary/valid/term_candidate_observed.json",
        "TermCandidateObserved",
        "valid",
    ),
    (
        "glossary-semantic-check-block-valid",
        "glossary/valid/semantic_check_evaluated_block.json",
        "SemanticCheckEvaluated",
        "valid",
    ),
    (
        "glossary-semantic-check-warn-valid",
        "glossary/valid/semantic_check_evaluated_warn.json",
        "SemanticCheckEvaluated",
        "valid",
    ),
    (
        "glossary-generation-blocked-valid",
        "glossary/valid/generation_blocked.json",
        "GenerationBlockedBySemanticConflict",
        "valid",
    ),
    (
        "glossary-clarification-requested-valid",
        "glossary/valid/glossary_clarification_requested.json",
        "GlossaryClarificationRequested",
        "valid",
    ),
    (
        "glossary-clarification-resolved-valid",
        "glossary/valid/glossary_clarification_resolved.json",
        "GlossaryClarificationResolved",
        "valid",
    ),
    (
        "glossary-sense-updated-valid",
        "glossary/valid/glossary_sense_updated.json",
        "GlossarySenseUpdated",
        "valid",
    ),
    (
        "glossary-strictness-set-valid",
        "glossary/valid/glossary_strictness_set.json",
        "GlossaryStrictnessSet",
        "valid",
    ),
    (
        "glossary-semantic-check-missing-step-id",
        "glossary/invalid/semantic_check_missing_step_id.json",
        "SemanticCheckEvaluated",
        "invalid",
    ),
    (
        "glossary-scope-invalid-type",
        "glossary/invalid/glossary_scope_invalid_type.json",
        "GlossaryScopeActivated",
        "invalid",
    ),
    (
        "glossary-clarification-missing-check-ref",
        "glossary/invalid/clarification_missing_check_ref.json",
        "GlossaryClarificationRequested",
        "invalid",
    ),
]
INVALID_FIELD = {
    "glossary-semantic-check-missing-step-id": ("step_id", "missing"),
    "glossary-scope-invalid-type": ("scope_type", "literal_error"),
    "glossary-clarification-missing-check-ref": ("semantic_check_event_id", "missing"),
}


def _load(relative: str) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((FIXTURES / relative).read_text(encoding="utf-8"))
    return data


def _payload(name: str) -> Dict[str, Any]:
    return _load(f"glossary/valid/{name}.json")


def test_manifest_lists_the_glossary_block_in_order() -> None:
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    ours = [e for e in manifest["fixtures"] if e["path"].startswith("glossary/")]
    assert [(e["id"], e["path"], e["event_type"], e["expected_result"]) for e in ours] == EXPECTED
    for entry in ours:
        assert entry["min_version"] == "2.0.0"
        assert entry["notes"].strip()
        assert "fixture_type" not in entry


def test_folders_hold_exactly_the_listed_files() -> None:
    assert len(list((FIXTURES / "glossary/valid").glob("*.json"))) == 9
    assert len(list((FIXTURES / "glossary/invalid").glob("*.json"))) == 3


@pytest.mark.parametrize(
    ("fixture_id", "path", "event_type", "expected"), EXPECTED, ids=[row[0] for row in EXPECTED]
)
def test_verdicts_on_model_and_schema_layers(
    fixture_id: str, path: str, event_type: str, expected: str
) -> None:
    payload = _load(path)
    model = dict(g.FAMILY.payloads)[event_type]
    schema = model.model_json_schema(mode="serialization")
    schema_errors = list(jsonschema.Draft202012Validator(schema).iter_errors(payload))
    if expected == "valid":
        model.model_validate(payload)
        assert schema_errors == []
        assert payload["mission_id"] == "mission-fixture-001"
        assert payload.get("scope_id", "scope-team-domain") == "scope-team-domain"
    else:
        with pytest.raises(ValidationError) as info:
            model.model_validate(payload)
        field, kind = INVALID_FIELD[fixture_id]
        assert [(e["loc"], e["type"]) for e in info.value.errors()] == [((field,), kind)]
        assert schema_errors


def test_relied_on_values() -> None:
    assert _payload("glossary_strictness_set")["new_strictness"] == "max"
    block = _payload("semantic_check_evaluated_block")
    assert (block["severity"], block["recommended_action"]) == ("high", "block")
    warn = _payload("semantic_check_evaluated_warn")
    assert (warn["severity"], warn["recommended_action"]) == ("medium", "warn")
    generation = _payload("generation_blocked")
    assert generation["blocking_strictness"] == "max"
    assert CHECK_ID in generation["conflict_event_ids"]
    request = _payload("glossary_clarification_requested")
    assert request["semantic_check_event_id"] == CHECK_ID
    assert len(request["options"]) == 3


FILE_EVENT_TYPE = {
    "glossary_scope_activated": "GlossaryScopeActivated",
    "glossary_strictness_set": "GlossaryStrictnessSet",
    "term_candidate_observed": "TermCandidateObserved",
    "semantic_check_evaluated_block": "SemanticCheckEvaluated",
    "semantic_check_evaluated_warn": "SemanticCheckEvaluated",
    "generation_blocked": "GenerationBlockedBySemanticConflict",
}


def _wrapped(names: List[str], *, check_id: str | None = None) -> List[Event]:
    """The named valid fixtures as envelopes with clocks 1, 2, ...; optionally pin the check id."""
    events: List[Event] = []
    for clock, name in enumerate(names, start=1):
        built = make_event(clock, FILE_EVENT_TYPE[name], _payload(name))
        if check_id and name == "semantic_check_evaluated_block":
            built = built.model_copy(update={"event_id": check_id})
        events.append(built)
    return events


def test_block_sequence_reduces_strictly() -> None:
    state = g.reduce_glossary_events(
        _wrapped(
            [
                "glossary_scope_activated",
                "glossary_strictness_set",
                "term_candidate_observed",
                "semantic_check_evaluated_block",
                "generation_blocked",
            ]
        )
    )
    assert state.current_strictness == "max"
    assert len(state.generation_blocks) == 1
    assert state.generation_blocks[0].blocking_strictness == "max"
    assert CHECK_ID in state.generation_blocks[0].conflict_event_ids
    assert [(c.severity, c.recommended_action) for c in state.semantic_checks] == [
        ("high", "block")
    ]


def test_warn_sequence_has_no_generation_block() -> None:
    state = g.reduce_glossary_events(
        _wrapped(
            [
                "glossary_scope_activated",
                "term_candidate_observed",
                "semantic_check_evaluated_warn",
            ]
        )
    )
    assert [(c.severity, c.recommended_action) for c in state.semantic_checks] == [
        ("medium", "warn")
    ]
    assert state.generation_blocks == ()


def test_four_requests_on_the_block_check_hit_the_burst_cap() -> None:
    events = _wrapped(
        ["glossary_scope_activated", "semantic_check_evaluated_block"], check_id=CHECK_ID
    )
    request = _payload("glossary_clarification_requested")
    events += [make_event(n, "GlossaryClarificationRequested", request) for n in range(3, 7)]
    with pytest.raises(SpecKittyEventsError, match="Clarification burst cap exceeded"):
        g.reduce_glossary_events(events)
    assert len(g.reduce_glossary_events(events[:-1]).clarifications) == 3
    assert events[-1].event_id == event_id(6)
