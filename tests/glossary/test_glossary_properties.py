"""Property tests: delivery order and repeated deliveries never change the glossary fold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Tuple, Union

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.glossary import (
    ClarificationRecord,
    ReducedGlossaryState,
    reduce_glossary_events,
)
from spec_kitty_events.models import Event, SpecKittyEventsError
from tests.factory import BASE_TIME, event_id, make_event
from tests.glossary.helpers import (
    check_evaluated,
    clarification_requested,
    clarification_resolved,
    generation_blocked,
    scope_activated,
    sense_updated,
    strictness_set,
    term_observed,
)

SCOPES = ["s1", "s2"]
TERMS = ["t1", "t2"]
# Clarification kinds are over-weighted so bursts, caps and resolutions are common.
KINDS = [
    "activate",
    "observe",
    "sense",
    "check",
    "check",
    "request",
    "request",
    "request",
    "request",
    "resolve",
    "resolve",
    "block",
    "strictness",
    "malformed",
]

step = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 1),  # scope / strictness choice
    st.integers(0, 1),  # term choice
    st.integers(0, 6),  # which earlier check/request to reference; 0 = an unknown id
)


def _payload(kind: str, a: int, b: int, ref: str) -> Tuple[str, Dict[str, Any]]:
    scope, term = SCOPES[a], TERMS[b]
    if kind == "activate":
        return "GlossaryScopeActivated", scope_activated(scope_id=scope)
    if kind == "observe":
        return "TermCandidateObserved", term_observed(scope_id=scope, term_surface=term)
    if kind == "sense":
        return "GlossarySenseUpdated", sense_updated(scope_id=scope, term_surface=term)
    if kind == "check":
        return "SemanticCheckEvaluated", check_evaluated(scope_id=scope)
    if kind == "request":
        return "GlossaryClarificationRequested", clarification_requested(ref, scope_id=scope)
    if kind == "resolve":
        return "GlossaryClarificationResolved", clarification_resolved(ref)
    if kind == "block":
        return "GenerationBlockedBySemanticConflict", generation_blocked(ref)
    if kind == "strictness":
        return "GlossaryStrictnessSet", strictness_set(new_strictness=["off", "max"][a])
    return "TermCandidateObserved", {"mission_id": "m", "confidence": 3}


def _build(steps: List[Tuple[str, int, int, int]]) -> List[Event]:
    """A causally valid stream: every reference points at an earlier event (or at nothing)."""
    events = []
    earlier: Dict[str, List[str]] = {"check": [], "request": []}
    for n, (kind, a, b, pick) in enumerate(steps, start=1):
        targets = earlier["request" if kind == "resolve" else "check"]
        ref = targets[pick % len(targets)] if targets and pick else event_id(0)
        event_type, payload = _payload(kind, a, b, ref)
        built = make_event(n, event_type, payload, clock=n // 2)
        # Coarse timestamps make clock *and* timestamp ties common; the id breaks them.
        events.append(built.model_copy(update={"timestamp": BASE_TIME + timedelta(seconds=n // 3)}))
        if kind in earlier:
            earlier[kind].append(built.event_id)
    return events


@st.composite
def deliveries(draw: st.DrawFn) -> Tuple[List[Event], List[Event]]:
    """The stream in processing order, and the same stream shuffled with redeliveries."""
    events = _build(draw(st.lists(step, min_size=1, max_size=30)))
    redelivered = draw(st.lists(st.sampled_from(events), max_size=10))
    # A late redelivery carries a larger clock: the original must still win.
    late = [
        e.model_copy(update={"lamport_clock": e.lamport_clock + 7})
        for e in draw(st.lists(st.sampled_from(events), max_size=3))
    ]
    shuffled = draw(st.permutations(events + redelivered + late))
    return events, shuffled


def _outcome(events: List[Event], mode: str) -> Union[ReducedGlossaryState, str]:
    try:
        return reduce_glossary_events(events, mode=mode)  # type: ignore[arg-type]
    except SpecKittyEventsError as error:
        return f"SpecKittyEventsError: {error}"
    except ValueError as error:  # pydantic's ValidationError in strict mode
        return f"{type(error).__name__}: {error}"


@settings(max_examples=200)
@given(deliveries())
def test_permissive_fold_ignores_order_and_redelivery(
    pair: Tuple[List[Event], List[Event]],
) -> None:
    ordered, shuffled = pair
    expected = reduce_glossary_events(ordered, mode="permissive")
    assert reduce_glossary_events(shuffled, mode="permissive") == expected
    assert expected.event_count == len(ordered)


@settings(max_examples=200)
@given(deliveries())
def test_strict_outcome_ignores_order_and_redelivery(
    pair: Tuple[List[Event], List[Event]],
) -> None:
    ordered, shuffled = pair
    assert _outcome(shuffled, "strict") == _outcome(ordered, "strict")


def _naive_clarifications(ordered: List[Event]) -> List[ClarificationRecord]:
    """The rule as written in the contract, with its linear scans, for comparison."""
    checks: set[str] = set()
    records: List[ClarificationRecord] = []
    for e in ordered:
        if e.event_type == "SemanticCheckEvaluated" and "step_id" in e.payload:
            checks.add(e.event_id)
        elif e.event_type == "GlossaryClarificationRequested":
            ref = e.payload["semantic_check_event_id"]
            open_count = sum(
                1 for r in records if r.semantic_check_event_id == ref and not r.resolved
            )
            if ref in checks and open_count < 3:
                records.append(
                    ClarificationRecord(
                        request_event_id=e.event_id,
                        semantic_check_event_id=ref,
                        term=e.payload["term"],
                    )
                )
        elif e.event_type == "GlossaryClarificationResolved":
            for i, r in enumerate(records):
                if r.request_event_id == e.payload["clarification_event_id"]:
                    records[i] = r.model_copy(
                        update={"resolved": True, "resolution_event_id": e.event_id}
                    )
                    break
    return records


@settings(max_examples=200)
@given(deliveries())
def test_indexed_clarifications_match_the_scanning_rule(
    pair: Tuple[List[Event], List[Event]],
) -> None:
    ordered, shuffled = pair
    state = reduce_glossary_events(shuffled, mode="permissive")
    assert list(state.clarifications) == _naive_clarifications(ordered)
    for check_id in {r.semantic_check_event_id for r in state.clarifications}:
        unresolved = [
            r
            for r in state.clarifications
            if r.semantic_check_event_id == check_id and not r.resolved
        ]
        assert len(unresolved) <= 3


@settings(max_examples=200)
@given(deliveries())
def test_json_form_always_reads_back(pair: Tuple[List[Event], List[Event]]) -> None:
    state = reduce_glossary_events(pair[1], mode="permissive")
    assert ReducedGlossaryState.model_validate_json(state.model_dump_json()) == state
