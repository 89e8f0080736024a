"""Hostile payload values never crash a reducer that promises not to raise.

Each family folds a clean stream with one event spoiled: a value anywhere inside its payload
(a field, a nested field, a list item) is replaced by random JSON-like data, deleted, or joined
by an unknown key.  The permissive reducers (collaboration and glossary in permissive mode,
status, lifecycle, mission-next and dossier always) must then return a state, never raise.
Collaboration and glossary must also account for a spoiled value they could not use: the
spoiled event shows up as an anomaly (or, for collaboration, an ``on_skip`` report).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events import (
    reduce_collaboration_events,
    reduce_glossary_events,
    reduce_lifecycle_events,
    reduce_mission_dossier,
    reduce_mission_next_events,
    reduce_status_events,
)
from spec_kitty_events.collaboration import CollaborationAnomaly, FocusTarget, ParticipantIdentity
from spec_kitty_events.dossier import NamespaceMixedStreamError
from spec_kitty_events.glossary import FAMILY as GLOSSARY
from spec_kitty_events.models import Event
from tests.factory import make_event

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"

Payload = Dict[str, Any]
Path_ = Tuple[Any, ...]


def example_payloads(name: str) -> List[Tuple[str, Payload]]:
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    envelopes = [Event.model_validate_json(line) for line in lines if line.strip()]
    return [(envelope.event_type, dict(envelope.payload)) for envelope in envelopes]


def _mover(event_type: str, **fields: Any) -> Tuple[str, Payload]:
    return event_type, {"participant_id": "p1", "mission_id": "M", **fields}


COLLABORATION: List[Tuple[str, Payload]] = [
    _mover(
        "ParticipantJoined",
        participant_identity={"participant_id": "p1", "participant_type": "human"},
    ),
    _mover(
        "ParticipantJoined",
        participant_id="p2",
        participant_identity={"participant_id": "p2", "participant_type": "llm_context"},
    ),
    _mover(
        "ParticipantInvited",
        participant_id="p3",
        invited_by="p1",
        participant_identity={"participant_id": "p3", "participant_type": "human"},
    ),
    _mover("PresenceHeartbeat", session_id="s"),
    _mover("DriveIntentSet", intent="active"),
    _mover("FocusChanged", focus_target={"target_type": "wp", "target_id": "WP01"}),
    _mover("PromptStepExecutionStarted", step_id="step-1", wp_id="WP01"),
    _mover("PromptStepExecutionCompleted", step_id="step-1", outcome="success"),
    (
        "ConcurrentDriverWarning",
        {
            "warning_id": "w1",
            "mission_id": "M",
            "participant_ids": ["p1", "p2"],
            "focus_target": {"target_type": "wp", "target_id": "WP01"},
            "severity": "warning",
        },
    ),
    (
        "PotentialStepCollisionDetected",
        {
            "warning_id": "w2",
            "mission_id": "M",
            "participant_ids": ["p1", "p2"],
            "step_id": "step-1",
            "severity": "info",
        },
    ),
    _mover("WarningAcknowledged", warning_id="w1", acknowledgement="hold"),
    _mover("CommentPosted", comment_id="c1", content="hi", reply_to=None),
    _mover(
        "DecisionCaptured",
        decision_id="d1",
        topic="t",
        chosen_option="o",
        rationale="r",
        referenced_warning_id="w1",
    ),
    _mover("SessionLinked", primary_session_id="a", linked_session_id="b", link_type="cli_to_saas"),
    _mover("ParticipantLeft", participant_id="p2", reason="done"),
]

# How the collaboration reducer reads each field it keeps, per event type: "id" a non-empty
# string, "text" a string (absent means ""), "optional" a string or null, "ids" a list of
# strings (absent means none), "intent" one of the two intents, or the value model it builds.
READS: Dict[str, Dict[str, Any]] = {
    "ParticipantJoined": {"participant_id": "id", "participant_identity": ParticipantIdentity},
    "ParticipantInvited": {"participant_id": "id", "participant_identity": ParticipantIdentity},
    "ParticipantLeft": {"participant_id": "id"},
    "PresenceHeartbeat": {"participant_id": "id"},
    "DriveIntentSet": {"participant_id": "id", "intent": "intent"},
    "FocusChanged": {"participant_id": "id", "focus_target": FocusTarget},
    "PromptStepExecutionStarted": {"participant_id": "id", "step_id": "text"},
    "PromptStepExecutionCompleted": {"participant_id": "id", "step_id": "text"},
    "ConcurrentDriverWarning": {"warning_id": "id", "participant_ids": "ids"},
    "PotentialStepCollisionDetected": {"warning_id": "id", "participant_ids": "ids"},
    "WarningAcknowledged": {
        "participant_id": "id",
        "warning_id": "text",
        "acknowledgement": "text",
    },
    "CommentPosted": {
        "participant_id": "id",
        "comment_id": "text",
        "content": "text",
        "reply_to": "optional",
    },
    "DecisionCaptured": {
        "participant_id": "id",
        "decision_id": "text",
        "topic": "text",
        "chosen_option": "text",
        "referenced_warning_id": "optional",
    },
    "SessionLinked": {"participant_id": "id", "linked_session_id": "text"},
}

_GLOSSARY_COMMON = {"mission_id": "M", "scope_id": "S"}
_METADATA = {"step_metadata": {"file": "spec.md"}}
GLOSSARY_STREAM: List[Tuple[str, Payload]] = [
    (
        "GlossaryScopeActivated",
        {**_GLOSSARY_COMMON, "scope_type": "team_domain", "glossary_version_id": "v1"},
    ),
    ("GlossaryStrictnessSet", {"mission_id": "M", "new_strictness": "max", "actor": "lead"}),
    (
        "TermCandidateObserved",
        {
            **_GLOSSARY_COMMON,
            **_METADATA,
            "step_id": "s1",
            "term_surface": "dashboard",
            "confidence": 0.5,
            "actor": "x",
        },
    ),
    (
        "GlossarySenseUpdated",
        {
            **_GLOSSARY_COMMON,
            "term_surface": "dashboard",
            "after_sense": "console",
            "reason": "r",
            "actor": "y",
        },
    ),
    (
        "SemanticCheckEvaluated",
        {
            **_GLOSSARY_COMMON,
            **_METADATA,
            "step_id": "s2",
            "conflicts": [
                {
                    "term": "dashboard",
                    "nature": "overloaded",
                    "severity": "high",
                    "description": "d",
                }
            ],
            "severity": "high",
            "confidence": 0.9,
            "recommended_action": "block",
            "effective_strictness": "max",
        },
    ),
    (
        "GlossaryClarificationRequested",
        {
            **_GLOSSARY_COMMON,
            "step_id": "s2",
            "semantic_check_event_id": "01J00000000000000000000005",
            "term": "dashboard",
            "question": "Which one?",
            "options": ["console", "analytics"],
            "urgency": "high",
            "actor": "checker",
        },
    ),
    (
        "GlossaryClarificationResolved",
        {
            "mission_id": "M",
            "clarification_event_id": "01J00000000000000000000006",
            "selected_meaning": "console",
            "actor": "reviewer",
        },
    ),
    (
        "GenerationBlockedBySemanticConflict",
        {
            "mission_id": "M",
            **_METADATA,
            "step_id": "s2",
            "conflict_event_ids": ["01J00000000000000000000005"],
            "blocking_strictness": "max",
        },
    ),
]
GLOSSARY_MODELS: Dict[str, type[BaseModel]] = dict(GLOSSARY.payloads)

LIFECYCLE_STREAM: List[Tuple[str, Payload]] = [
    (
        "MissionStarted",
        {"mission_id": "M", "mission_type": "software", "initial_phase": "plan", "actor": "a"},
    ),
    (
        "PhaseEntered",
        {"mission_id": "M", "phase_name": "build", "previous_phase": "plan", "actor": "a"},
    ),
    *example_payloads("status_history.jsonl"),
    (
        "ReviewRollback",
        {
            "mission_id": "M",
            "review_ref": "PR-1",
            "target_phase": "build",
            "affected_wp_ids": ["WP01"],
            "actor": "a",
        },
    ),
    (
        "MissionCompleted",
        {"mission_id": "M", "mission_type": "software", "final_phase": "done", "actor": "a"},
    ),
    (
        "MissionCancelled",
        {"mission_id": "M", "reason": "r", "actor": "a", "cancelled_wp_ids": ["WP02"]},
    ),
]


def _collaboration(events: List[Event], reports: List[CollaborationAnomaly]) -> BaseModel:
    return reduce_collaboration_events(events, mode="permissive", on_skip=reports.append)


def _glossary(events: List[Event], reports: List[CollaborationAnomaly]) -> BaseModel:
    return reduce_glossary_events(events, mode="permissive")


FAMILIES: Dict[str, Tuple[List[Tuple[str, Payload]], Callable[..., BaseModel]]] = {
    "collaboration": (COLLABORATION, _collaboration),
    "glossary": (GLOSSARY_STREAM, _glossary),
    "status": (example_payloads("status_history.jsonl"), lambda e, _: reduce_status_events(e)),
    "lifecycle": (LIFECYCLE_STREAM, lambda e, _: reduce_lifecycle_events(e)),
    "mission_next": (
        example_payloads("mission_next_run.jsonl"),
        lambda e, _: reduce_mission_next_events(e),
    ),
    "dossier": (example_payloads("dossier_drift.jsonl"), lambda e, _: reduce_mission_dossier(e)),
}

# What a family's reducer documents it raises whatever the mode: a spoiled namespace field
# makes a dossier stream mix namespaces.
DOCUMENTED: Dict[str, Tuple[type[Exception], ...]] = {"dossier": (NamespaceMixedStreamError,)}

# --- hostile values ----------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    # Huge, but printable: hypothesis shows failing values with repr, which refuses ints of
    # more than 4,300 digits (those have their own test below).
    st.integers(min_value=-(10**4299), max_value=10**4299),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(["", " ", "p1", "p2", "w1", "active", "human", "wp", "step-1", "M", "S"]),
)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths(value: Any, prefix: Path_ = ()) -> List[Path_]:
    """Every place inside a payload a value can be replaced: keys and list items, any depth."""
    found: List[Path_] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths(item, (*prefix, index)))
    return found


@st.composite
def spoiled_streams(draw: st.DrawFn, family: str) -> Tuple[List[Event], int, Payload]:
    base, _ = FAMILIES[family]
    position = draw(st.integers(0, len(base) - 1))
    _, payload = base[position]
    payload = copy.deepcopy(payload)
    how = draw(st.sampled_from(["replace", "delete", "add"]))
    if how == "add":
        payload[draw(st.text(max_size=6))] = draw(json_like)
    else:
        path = draw(st.sampled_from(paths(payload)))
        parent: Any = payload
        for step in path[:-1]:
            parent = parent[step]
        if how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_like)
    events = []
    for n, (kind, body) in enumerate(base, start=1):
        try:
            events.append(make_event(n, kind, payload if n - 1 == position else body))
        except PydanticValidationError:
            reject()  # the envelope refuses it, so no reducer ever sees it
    return events, position, payload


# --- properties ----------------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_unspoiled_stream_of_each_family_folds_every_event(family: str) -> None:
    # The spoiled streams below differ from these in one value only.
    base, reduce = FAMILIES[family]
    events = [make_event(n, kind, body) for n, (kind, body) in enumerate(base, start=1)]
    reports: List[CollaborationAnomaly] = []
    state = reduce(events, reports)
    assert getattr(state, "event_count", len(events)) == len(events)
    if family in ("collaboration", "glossary"):
        assert state.anomalies == ()  # type: ignore[attr-defined]
        assert reports == []


@pytest.mark.parametrize("family", sorted(FAMILIES))
@given(data=st.data())
def test_a_spoiled_payload_never_makes_a_permissive_reducer_raise(
    family: str, data: st.DataObject
) -> None:
    events, _, _ = data.draw(spoiled_streams(family))
    reports: List[CollaborationAnomaly] = []
    _, reduce = FAMILIES[family]
    try:
        reduce(events, reports)
    except DOCUMENTED.get(family, ()):
        pass


def _unusable(how: Any, value: Any, present: bool) -> bool:
    """Whether the collaboration reducer cannot use ``value`` read the way ``how`` says."""
    if how == "id":
        return not (isinstance(value, str) and value)
    if how == "text":
        return present and not isinstance(value, str)
    if how == "optional":
        return value is not None and not isinstance(value, str)
    if how == "ids":
        # Absent means no participants (2.4.0 records such a warning).
        return present and not (
            isinstance(value, list) and all(isinstance(pid, str) for pid in value)
        )
    if how == "intent":
        return value not in ("active", "inactive")
    try:
        how.model_validate(value)
    except PydanticValidationError:
        return True
    return False


@given(data=st.data())
def test_a_collaboration_value_that_cannot_be_used_is_reported(data: st.DataObject) -> None:
    events, position, payload = data.draw(spoiled_streams("collaboration"))
    spoiled = events[position]
    unusable = [
        name
        for name, how in READS[spoiled.event_type].items()
        if _unusable(how, payload.get(name), name in payload)
    ]
    reports: List[CollaborationAnomaly] = []
    state = reduce_collaboration_events(events, mode="permissive", on_skip=reports.append)
    reported = {anomaly.event_id for anomaly in (*state.anomalies, *reports)}
    if unusable:
        assert spoiled.event_id in reported, unusable


@given(data=st.data())
def test_a_glossary_payload_its_model_rejects_is_an_anomaly(data: st.DataObject) -> None:
    events, position, payload = data.draw(spoiled_streams("glossary"))
    spoiled = events[position]
    try:
        GLOSSARY_MODELS[spoiled.event_type].model_validate(payload)
    except PydanticValidationError:
        rejected: Optional[bool] = True
    else:
        rejected = False
    state = reduce_glossary_events(events, mode="permissive")
    if rejected:
        assert spoiled.event_id in {anomaly.event_id for anomaly in state.anomalies}
