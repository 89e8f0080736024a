"""``reduce_glossary_events``: pipeline, per-type transitions, strict errors, anomalies."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from pydantic import ValidationError

from spec_kitty_events.glossary import (
    ClarificationRecord,
    GlossaryAnomaly,
    ReducedGlossaryState,
    _invalid_payload_reason,
    reduce_glossary_events,
)
from spec_kitty_events.models import Event, SpecKittyEventsError
from tests.factory import event_id, make_event
from tests.glossary.helpers import (
    MISSION,
    SCOPE,
    check_evaluated,
    clarification_requested,
    clarification_resolved,
    generation_blocked,
    scope_activated,
    sense_updated,
    strictness_set,
    term_observed,
)


def _reasons(state: ReducedGlossaryState) -> List[str]:
    return [a.reason for a in state.anomalies]


def _activated(n: int = 1, scope: str = SCOPE) -> Event:
    return make_event(n, "GlossaryScopeActivated", scope_activated(scope_id=scope))


def _check(n: int, **over: Any) -> Event:
    return make_event(n, "SemanticCheckEvaluated", check_evaluated(**over))


def _request(n: int, check_n: int, **over: Any) -> Event:
    payload = clarification_requested(event_id(check_n), **over)
    return make_event(n, "GlossaryClarificationRequested", payload)


def _resolve(n: int, request_n: int) -> Event:
    return make_event(
        n, "GlossaryClarificationResolved", clarification_resolved(event_id(request_n))
    )


# --- pipeline and parameters ----------------------------------------------------------------


def test_empty_and_foreign_only_streams_give_the_empty_state() -> None:
    assert reduce_glossary_events([]) == ReducedGlossaryState()
    foreign = [make_event(1, "WPStatusChanged", {"x": 1}), make_event(2, "MissionRunStarted", {})]
    assert reduce_glossary_events(foreign) == ReducedGlossaryState()
    assert reduce_glossary_events(foreign, mode="permissive") == ReducedGlossaryState()


def test_foreign_events_are_neither_counted_nor_reported() -> None:
    state = reduce_glossary_events([_activated(1), make_event(2, "Unrelated", {"bad": True})])
    assert state.event_count == 1
    assert state.last_processed_event_id == event_id(1)
    assert state.anomalies == ()


@pytest.mark.parametrize("mode", ["Strict", "lenient", "", None, 1])
def test_unknown_mode_is_rejected_even_for_empty_input(mode: Any) -> None:
    with pytest.raises(ValueError, match="mode must be 'strict' or 'permissive'"):
        reduce_glossary_events([], mode=mode)


def test_mode_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        reduce_glossary_events([], "strict")  # type: ignore[misc]


def test_processing_order_is_the_sort_key_not_input_order() -> None:
    # The check (clock 2) sorts before the request (clock 3) however they are delivered.
    events = [_request(3, 2), _check(2), _activated(1)]
    state = reduce_glossary_events(events)
    assert [c.request_event_id for c in state.clarifications] == [event_id(3)]
    assert state.last_processed_event_id == event_id(3)


def test_duplicate_event_ids_are_applied_and_counted_once() -> None:
    observed = make_event(2, "TermCandidateObserved", term_observed())
    state = reduce_glossary_events([_activated(1), observed, observed, _activated(1)])
    assert state.event_count == 2
    assert len(state.term_candidates[(SCOPE, "dashboard")]) == 1


def test_duplicate_with_larger_clock_loses_to_the_smaller_one() -> None:
    early = make_event(5, "GlossaryStrictnessSet", strictness_set(new_strictness="off"), clock=1)
    late = make_event(5, "GlossaryStrictnessSet", strictness_set(new_strictness="max"), clock=9)
    state = reduce_glossary_events([late, early])
    assert state.current_strictness == "off"
    assert state.event_count == 1


def test_input_is_not_mutated() -> None:
    events = [_request(3, 2), _check(2), _activated(1)]
    before = list(events)
    reduce_glossary_events(events)
    assert events == before


# --- per-type transitions -------------------------------------------------------------------


def test_scope_activation_last_wins_and_keeps_position() -> None:
    events = [
        _activated(1, "a"),
        _activated(2, "b"),
        make_event(
            3, "GlossaryScopeActivated", scope_activated(scope_id="a", glossary_version_id="v2")
        ),
    ]
    state = reduce_glossary_events(events)
    assert list(state.active_scopes) == ["a", "b"]
    assert state.active_scopes["a"].glossary_version_id == "v2"
    assert state.mission_id == MISSION


def test_strictness_history_and_current() -> None:
    events = [
        make_event(1, "GlossaryStrictnessSet", strictness_set(new_strictness="off")),
        make_event(
            2,
            "GlossaryStrictnessSet",
            strictness_set(new_strictness="max", previous_strictness="medium"),
        ),
    ]
    state = reduce_glossary_events(events)
    assert state.current_strictness == "max"
    assert [s.new_strictness for s in state.strictness_history] == ["off", "max"]


def test_strictness_defaults_to_medium_without_a_set_event() -> None:
    assert reduce_glossary_events([_activated(1)]).current_strictness == "medium"


def test_term_observations_are_all_kept_per_scope_and_term() -> None:
    events = [
        _activated(1, "a"),
        _activated(2, "b"),
        make_event(3, "TermCandidateObserved", term_observed(scope_id="a", confidence=0.1)),
        make_event(4, "TermCandidateObserved", term_observed(scope_id="b")),
        make_event(5, "TermCandidateObserved", term_observed(scope_id="a", confidence=0.2)),
        make_event(
            6, "TermCandidateObserved", term_observed(scope_id="a", term_surface="endpoint")
        ),
    ]
    state = reduce_glossary_events(events)
    assert list(state.term_candidates) == [
        ("a", "dashboard"),
        ("b", "dashboard"),
        ("a", "endpoint"),
    ]
    assert [c.confidence for c in state.term_candidates[("a", "dashboard")]] == [0.1, 0.2]


def test_sense_update_last_wins() -> None:
    events = [
        _activated(1),
        make_event(2, "TermCandidateObserved", term_observed()),
        make_event(3, "GlossarySenseUpdated", sense_updated(after_sense="first")),
        make_event(
            4, "GlossarySenseUpdated", sense_updated(after_sense="second", before_sense="x")
        ),
    ]
    state = reduce_glossary_events(events)
    assert state.term_senses[(SCOPE, "dashboard")].after_sense == "second"


def test_semantic_checks_recorded_as_given() -> None:
    events = [_activated(1), _check(2, severity="low", recommended_action="block", conflicts=[])]
    state = reduce_glossary_events(events)
    assert len(state.semantic_checks) == 1
    assert state.semantic_checks[0].severity == "low"


def test_clarification_lifecycle() -> None:
    events = [_activated(1), _check(2), _request(3, 2, term="t1"), _resolve(4, 3)]
    state = reduce_glossary_events(events)
    assert state.clarifications == (
        ClarificationRecord(
            request_event_id=event_id(3),
            semantic_check_event_id=event_id(2),
            term="t1",
            resolved=True,
            resolution_event_id=event_id(4),
        ),
    )


def test_second_resolution_repoints_the_record_without_anomaly() -> None:
    events = [_activated(1), _check(2), _request(3, 2), _resolve(4, 3), _resolve(5, 3)]
    state = reduce_glossary_events(events)
    assert state.clarifications[0].resolution_event_id == event_id(5)
    assert state.anomalies == ()


def test_resolution_keeps_the_record_position() -> None:
    events = [_activated(1), _check(2), _request(3, 2), _request(4, 2), _resolve(5, 3)]
    state = reduce_glossary_events(events)
    assert [(c.request_event_id, c.resolved) for c in state.clarifications] == [
        (event_id(3), True),
        (event_id(4), False),
    ]


def test_generation_blocks_need_no_scope_or_known_check_and_survive_strictness_off() -> None:
    events = [
        make_event(1, "GenerationBlockedBySemanticConflict", generation_blocked("unknown-id")),
        make_event(2, "GlossaryStrictnessSet", strictness_set(new_strictness="off")),
    ]
    state = reduce_glossary_events(events)
    assert len(state.generation_blocks) == 1
    assert state.current_strictness == "off"


def test_output_counters() -> None:
    state = reduce_glossary_events([_activated(1), _check(2)], mode="permissive")
    assert state.event_count == 2
    assert state.last_processed_event_id == event_id(2)


# --- burst cap ------------------------------------------------------------------------------


def test_burst_cap_allows_three_unresolved_per_check() -> None:
    events = [_activated(1), _check(2)] + [_request(n, 2) for n in (3, 4, 5)]
    assert len(reduce_glossary_events(events).clarifications) == 3
    with pytest.raises(SpecKittyEventsError) as info:
        reduce_glossary_events([*events, _request(6, 2)])
    assert str(info.value) == (
        f"Clarification burst cap exceeded for semantic check '{event_id(2)}' "
        f"in event {event_id(6)}"
    )


def test_burst_cap_permissive_anomaly_and_no_record() -> None:
    events = [_activated(1), _check(2)] + [_request(n, 2) for n in (3, 4, 5, 6)]
    state = reduce_glossary_events(events, mode="permissive")
    assert len(state.clarifications) == 3
    assert state.anomalies == (
        GlossaryAnomaly(
            event_id=event_id(6),
            event_type="GlossaryClarificationRequested",
            reason=(
                f"Burst cap exceeded: >3 active clarifications for semantic check '{event_id(2)}'"
            ),
        ),
    )


def test_resolving_frees_a_slot_and_double_resolution_frees_only_one() -> None:
    base = [_activated(1), _check(2)] + [_request(n, 2) for n in (3, 4, 5)]
    freed = reduce_glossary_events([*base, _resolve(6, 3), _resolve(7, 3), _request(8, 2)])
    assert len(freed.clarifications) == 4
    with pytest.raises(SpecKittyEventsError, match="burst cap exceeded"):
        reduce_glossary_events(
            [*base, _resolve(6, 3), _resolve(7, 3), _request(8, 2), _request(9, 2)]
        )


def test_burst_caps_are_independent_per_check() -> None:
    events = [_activated(1), _check(2), _check(3)]
    events += [_request(n, 2) for n in (4, 5, 6)] + [_request(n, 3) for n in (7, 8, 9)]
    assert len(reduce_glossary_events(events).clarifications) == 6


def test_requests_rejected_by_the_cap_cannot_be_resolved() -> None:
    events = [_activated(1), _check(2)] + [_request(n, 2) for n in (3, 4, 5, 6)] + [_resolve(7, 6)]
    state = reduce_glossary_events(events, mode="permissive")
    assert _reasons(state)[-1] == f"Resolution for unknown clarification '{event_id(6)}'"


# --- strict-mode errors ---------------------------------------------------------------------


def test_strict_unactivated_scope_message() -> None:
    with pytest.raises(SpecKittyEventsError) as info:
        reduce_glossary_events(
            [make_event(1, "TermCandidateObserved", term_observed(scope_id="x"))]
        )
    assert str(info.value) == f"Event {event_id(1)} references unactivated scope 'x'"


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("TermCandidateObserved", term_observed(scope_id="x")),
        ("GlossarySenseUpdated", sense_updated(scope_id="x")),
        ("SemanticCheckEvaluated", check_evaluated(scope_id="x")),
        ("GlossaryClarificationRequested", clarification_requested(event_id(9), scope_id="x")),
    ],
)
def test_every_scoped_type_checks_its_scope_first(event_type: str, payload: Dict[str, Any]) -> None:
    with pytest.raises(SpecKittyEventsError, match="unactivated scope 'x'"):
        reduce_glossary_events([_activated(1), make_event(2, event_type, payload)])


def test_scope_must_be_activated_earlier_in_processing_order() -> None:
    late_activation = make_event(5, "GlossaryScopeActivated", scope_activated())
    with pytest.raises(SpecKittyEventsError, match="unactivated scope"):
        reduce_glossary_events(
            [late_activation, make_event(2, "TermCandidateObserved", term_observed())]
        )


def test_strict_unobserved_term_message() -> None:
    with pytest.raises(SpecKittyEventsError) as info:
        reduce_glossary_events(
            [_activated(1), make_event(2, "GlossarySenseUpdated", sense_updated())]
        )
    assert str(info.value) == (
        f"GlossarySenseUpdated for unobserved term 'dashboard' in event {event_id(2)}"
    )


def test_term_observed_in_another_scope_does_not_count() -> None:
    events = [
        _activated(1, "a"),
        _activated(2, "b"),
        make_event(3, "TermCandidateObserved", term_observed(scope_id="a")),
        make_event(4, "GlossarySenseUpdated", sense_updated(scope_id="b")),
    ]
    with pytest.raises(SpecKittyEventsError, match="unobserved term"):
        reduce_glossary_events(events)


def test_strict_unknown_check_message() -> None:
    with pytest.raises(SpecKittyEventsError) as info:
        reduce_glossary_events([_activated(1), _request(2, 7)])
    assert str(info.value) == (
        f"GlossaryClarificationRequested references unknown semantic check '{event_id(7)}' "
        f"in event {event_id(2)}"
    )


def test_check_sorting_after_the_request_is_unknown() -> None:
    with pytest.raises(SpecKittyEventsError, match="unknown semantic check"):
        reduce_glossary_events([_activated(1), _request(2, 3), _check(3)])


def test_check_reference_is_compared_exactly() -> None:
    # References are free strings: a lower-case spelling of the check id does not match.
    events = [
        _activated(1),
        _check(2),
        make_event(
            3, "GlossaryClarificationRequested", clarification_requested(event_id(2).lower())
        ),
    ]
    with pytest.raises(SpecKittyEventsError, match="unknown semantic check"):
        reduce_glossary_events(events)


def test_strict_unknown_clarification_message() -> None:
    with pytest.raises(SpecKittyEventsError) as info:
        reduce_glossary_events([_resolve(1, 8)])
    assert str(info.value) == (
        f"GlossaryClarificationResolved references unknown clarification '{event_id(8)}' "
        f"in event {event_id(1)}"
    )


def test_scope_error_wins_over_unknown_check() -> None:
    with pytest.raises(SpecKittyEventsError, match="unactivated scope"):
        reduce_glossary_events([_request(1, 7)])


def test_strict_rule_error_is_not_a_value_error() -> None:
    with pytest.raises(SpecKittyEventsError) as info:
        reduce_glossary_events([_resolve(1, 8)])
    assert not isinstance(info.value, ValueError)


# --- permissive anomalies -------------------------------------------------------------------


def test_permissive_unactivated_scope_still_applies_the_event() -> None:
    events = [
        make_event(1, "TermCandidateObserved", term_observed(scope_id="x")),
        make_event(2, "SemanticCheckEvaluated", check_evaluated(scope_id="x")),
    ]
    state = reduce_glossary_events(events, mode="permissive")
    assert ("x", "dashboard") in state.term_candidates
    assert len(state.semantic_checks) == 1
    assert state.anomalies == (
        GlossaryAnomaly(
            event_id=event_id(1),
            event_type="TermCandidateObserved",
            reason="References unactivated scope 'x'",
        ),
        GlossaryAnomaly(
            event_id=event_id(2),
            event_type="SemanticCheckEvaluated",
            reason="References unactivated scope 'x'",
        ),
    )


def test_permissive_sense_can_give_two_anomalies_and_is_stored() -> None:
    state = reduce_glossary_events(
        [make_event(1, "GlossarySenseUpdated", sense_updated(scope_id="x"))], mode="permissive"
    )
    assert _reasons(state) == [
        "References unactivated scope 'x'",
        "Sense update for unobserved term 'dashboard'",
    ]
    assert ("x", "dashboard") in state.term_senses


def test_permissive_request_scope_then_unknown_check_and_no_record() -> None:
    state = reduce_glossary_events([_request(1, 7, scope_id="x")], mode="permissive")
    assert _reasons(state) == [
        "References unactivated scope 'x'",
        f"References unknown semantic check '{event_id(7)}'",
    ]
    assert state.clarifications == ()


def test_permissive_request_scope_then_burst_cap() -> None:
    events = [_activated(1), _check(2)] + [_request(n, 2) for n in (3, 4, 5)]
    events.append(_request(6, 2, scope_id="x"))
    state = reduce_glossary_events(events, mode="permissive")
    assert _reasons(state) == [
        "References unactivated scope 'x'",
        f"Burst cap exceeded: >3 active clarifications for semantic check '{event_id(2)}'",
    ]


def test_permissive_unknown_clarification() -> None:
    state = reduce_glossary_events([_resolve(1, 8)], mode="permissive")
    assert state.anomalies == (
        GlossaryAnomaly(
            event_id=event_id(1),
            event_type="GlossaryClarificationResolved",
            reason=f"Resolution for unknown clarification '{event_id(8)}'",
        ),
    )
    assert state.event_count == 1


# --- malformed payloads ---------------------------------------------------------------------


def test_strict_malformed_payload_raises_pydantic_error_naming_the_field() -> None:
    bad = term_observed(confidence=2)
    with pytest.raises(ValidationError) as info:
        reduce_glossary_events([_activated(1), make_event(2, "TermCandidateObserved", bad)])
    assert info.value.errors()[0]["loc"] == ("confidence",)


def test_permissive_malformed_payload_becomes_an_anomaly_and_is_skipped() -> None:
    bad_term = {k: v for k, v in term_observed(confidence=2).items() if k != "step_id"}
    events = [
        _activated(1),
        make_event(2, "TermCandidateObserved", bad_term),
        make_event(3, "GlossaryScopeActivated", scope_activated(scope_type="nope")),
        make_event(4, "TermCandidateObserved", term_observed()),
    ]
    state = reduce_glossary_events(events, mode="permissive")
    assert _reasons(state) == [
        "Invalid TermCandidateObserved payload: step_id (missing), confidence (less_than_equal)",
        "Invalid GlossaryScopeActivated payload: scope_type (literal_error)",
    ]
    assert [a.event_id for a in state.anomalies] == [event_id(2), event_id(3)]
    assert state.active_scopes[SCOPE].scope_type == "team_domain"
    assert len(state.term_candidates[(SCOPE, "dashboard")]) == 1
    assert state.event_count == 4


def test_permissive_nested_field_error_is_named_with_its_path() -> None:
    bad = check_evaluated(conflicts=[{"term": "t", "nature": "drift", "severity": "low"}])
    state = reduce_glossary_events(
        [_activated(1), make_event(2, "SemanticCheckEvaluated", bad)], mode="permissive"
    )
    assert _reasons(state) == [
        "Invalid SemanticCheckEvaluated payload: conflicts.0.description (missing)"
    ]


def test_non_pydantic_parse_errors_are_reported_by_message() -> None:
    reason = _invalid_payload_reason("GlossaryStrictnessSet", TypeError("not a mapping"))
    assert reason == "Invalid GlossaryStrictnessSet payload: not a mapping"


def test_mission_id_comes_from_the_first_valid_payload() -> None:
    events = [
        make_event(1, "GlossaryScopeActivated", {"mission_id": "broken"}),
        make_event(2, "GlossaryScopeActivated", scope_activated(mission_id="m-2")),
        make_event(3, "GlossaryScopeActivated", scope_activated(mission_id="m-3")),
    ]
    state = reduce_glossary_events(events, mode="permissive")
    assert state.mission_id == "m-2"


def test_mission_id_empty_when_no_payload_is_valid() -> None:
    state = reduce_glossary_events(
        [make_event(1, "GlossaryStrictnessSet", {"new_strictness": "max"})], mode="permissive"
    )
    assert state.mission_id == ""
    assert state.event_count == 1
    assert state.last_processed_event_id == event_id(1)


def test_other_missions_are_merged_without_complaint() -> None:
    events = [
        _activated(1),
        make_event(2, "TermCandidateObserved", term_observed(mission_id="other")),
    ]
    state = reduce_glossary_events(events)
    assert state.mission_id == MISSION
    assert state.anomalies == ()
