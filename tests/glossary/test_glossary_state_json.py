"""JSON form of ``ReducedGlossaryState`` and its read-back into the model."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from spec_kitty_events.glossary import ReducedGlossaryState, reduce_glossary_events
from tests.factory import event_id, make_event
from tests.glossary.helpers import (
    check_evaluated,
    clarification_requested,
    scope_activated,
    sense_updated,
    strictness_set,
    term_observed,
)


def _state() -> ReducedGlossaryState:
    # Scopes and terms arrive out of alphabetical order, and one id contains a comma, so
    # both the sorting and the collision-free nesting are visible.
    events = [
        make_event(1, "GlossaryScopeActivated", scope_activated(scope_id="zeta")),
        make_event(2, "GlossaryScopeActivated", scope_activated(scope_id="alpha,beta")),
        make_event(3, "TermCandidateObserved", term_observed(scope_id="zeta", term_surface="b")),
        make_event(
            4,
            "TermCandidateObserved",
            term_observed(scope_id="zeta", term_surface="a", step_metadata={"k": "v"}),
        ),
        make_event(
            5, "TermCandidateObserved", term_observed(scope_id="alpha,beta", term_surface="gamma")
        ),
        make_event(
            6,
            "TermCandidateObserved",
            term_observed(scope_id="zeta", term_surface="b", confidence=1),
        ),
        make_event(7, "GlossarySenseUpdated", sense_updated(scope_id="zeta", term_surface="b")),
        make_event(
            8, "GlossarySenseUpdated", sense_updated(scope_id="alpha,beta", term_surface="gamma")
        ),
        make_event(9, "GlossaryStrictnessSet", strictness_set()),
        make_event(10, "SemanticCheckEvaluated", check_evaluated(scope_id="zeta")),
        make_event(
            11,
            "GlossaryClarificationRequested",
            clarification_requested(event_id(10), scope_id="zeta"),
        ),
        make_event(12, "TermCandidateObserved", term_observed(scope_id="nowhere")),
    ]
    return reduce_glossary_events(events, mode="permissive")


def test_json_mode_nests_composite_maps_sorted() -> None:
    dumped = _state().model_dump(mode="json")
    candidates = dumped["term_candidates"]
    assert list(candidates) == ["alpha,beta", "nowhere", "zeta"]
    assert list(candidates["zeta"]) == ["a", "b"]
    assert [c["confidence"] for c in candidates["zeta"]["b"]] == [0.5, 1.0]
    assert candidates["zeta"]["a"][0]["step_metadata"] == {"k": "v"}
    assert candidates["alpha,beta"]["gamma"][0]["scope_id"] == "alpha,beta"
    senses = dumped["term_senses"]
    assert list(senses) == ["alpha,beta", "zeta"]
    assert senses["zeta"]["b"]["after_sense"] == "operator console"
    assert senses["zeta"]["b"]["before_sense"] is None


def test_json_string_matches_json_mode_dump() -> None:
    state = _state()
    assert json.loads(state.model_dump_json()) == state.model_dump(mode="json")


def test_other_fields_keep_default_json_form() -> None:
    dumped = _state().model_dump(mode="json")
    assert list(dumped["active_scopes"]) == ["zeta", "alpha,beta"]  # insertion order
    assert dumped["clarifications"][0]["resolution_event_id"] is None
    assert dumped["anomalies"][0]["reason"] == "References unactivated scope 'nowhere'"
    assert dumped["event_count"] == 12
    assert dumped["last_processed_event_id"] == event_id(12)


def test_python_mode_keeps_tuple_keys_in_insertion_order() -> None:
    dumped = _state().model_dump()
    assert list(dumped["term_candidates"]) == [
        ("zeta", "b"),
        ("zeta", "a"),
        ("alpha,beta", "gamma"),
        ("nowhere", "dashboard"),
    ]
    assert isinstance(dumped["term_candidates"][("zeta", "b")], tuple)
    assert dumped["term_senses"][("zeta", "b")]["after_sense"] == "operator console"


def test_json_form_reads_back_into_an_equal_state() -> None:
    state = _state()
    assert ReducedGlossaryState.model_validate_json(state.model_dump_json()) == state
    assert ReducedGlossaryState.model_validate(state.model_dump(mode="json")) == state


def test_python_form_reads_back() -> None:
    state = _state()
    assert ReducedGlossaryState.model_validate(state.model_dump()) == state


def test_empty_state_round_trips() -> None:
    empty = ReducedGlossaryState()
    assert empty.model_dump(mode="json")["term_candidates"] == {}
    assert ReducedGlossaryState.model_validate_json(empty.model_dump_json()) == empty


@pytest.mark.parametrize(
    "bad",
    [
        {"term_candidates": {"scope": ["not", "nested"]}},
        {"term_senses": {"flat-key": {"scope_id": "s"}}},
        {"term_senses": {"scope": {"term": {"after_sense": "x"}}}},
    ],
)
def test_malformed_composite_maps_are_rejected_with_the_field_named(bad: dict) -> None:
    with pytest.raises(ValidationError) as info:
        ReducedGlossaryState.model_validate(bad)
    assert info.value.errors()[0]["loc"][0] == next(iter(bad))
