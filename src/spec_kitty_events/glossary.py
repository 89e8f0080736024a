"""Glossary semantic-integrity contracts: eight event types and the glossary reducer.

A mission activates glossary scopes, observes candidate terms, evaluates semantic checks,
asks for and receives clarifications, updates term senses, and may block generation on a
semantic conflict.  ``reduce_glossary_events`` folds such a stream into one
``ReducedGlossaryState``; in ``"strict"`` mode the first rule violation raises, in
``"permissive"`` mode every violation becomes a ``GlossaryAnomaly``.
"""

from __future__ import annotations

from typing import (
    Any,
    Callable,
    Dict,
    Final,
    FrozenSet,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
)

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator
from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events._family import EventFamily
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._pipeline import parse_payload, prepare
from spec_kitty_events._readonly import ReadOnlyDict, RODict, ROTuple
from spec_kitty_events.models import Event, SpecKittyEventsError

# --- Event types --------------------------------------------------------------------------

GLOSSARY_SCOPE_ACTIVATED: Final = "GlossaryScopeActivated"
TERM_CANDIDATE_OBSERVED: Final = "TermCandidateObserved"
SEMANTIC_CHECK_EVALUATED: Final = "SemanticCheckEvaluated"
GLOSSARY_CLARIFICATION_REQUESTED: Final = "GlossaryClarificationRequested"
GLOSSARY_CLARIFICATION_RESOLVED: Final = "GlossaryClarificationResolved"
GLOSSARY_SENSE_UPDATED: Final = "GlossarySenseUpdated"
GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT: Final = "GenerationBlockedBySemanticConflict"
GLOSSARY_STRICTNESS_SET: Final = "GlossaryStrictnessSet"

GLOSSARY_EVENT_TYPES: FrozenSet[str] = frozenset(
    {
        GLOSSARY_SCOPE_ACTIVATED,
        TERM_CANDIDATE_OBSERVED,
        SEMANTIC_CHECK_EVALUATED,
        GLOSSARY_CLARIFICATION_REQUESTED,
        GLOSSARY_CLARIFICATION_RESOLVED,
        GLOSSARY_SENSE_UPDATED,
        GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT,
        GLOSSARY_STRICTNESS_SET,
    }
)

# Vocabularies are Literal aliases, not enums, so the wire and the schemas carry bare strings.
# They are underscore names so the module's public surface stays the 2.4.0 one.
_ScopeType = Literal["spec_kitty_core", "team_domain", "audience_domain", "mission_local"]
_Strictness = Literal["off", "medium", "max"]
_BlockingStrictness = Literal["medium", "max"]
_Severity = Literal["low", "medium", "high"]
_ConflictNature = Literal["overloaded", "drift", "ambiguous"]
_RecommendedAction = Literal["block", "warn", "pass"]
_ReducerMode = Literal["strict", "permissive"]

_DEFAULT_STRICTNESS: Final = "medium"
# More unresolved clarifications than this per semantic check is a clarification burst.
_BURST_CAP: Final = 3
_MODES: Final = ("strict", "permissive")

# (scope_id, term_surface): a term is only meaningful inside the scope it was observed in.
_TermKey = Tuple[str, str]


# --- Value object -------------------------------------------------------------------------


class SemanticConflictEntry(BaseModel):
    """One conflict finding reported by a semantic check."""

    model_config = ConfigDict(frozen=True)

    term: str = Field(..., min_length=1, description="The term surface the conflict is about.")
    nature: _ConflictNature = Field(..., description="What kind of conflict was found.")
    severity: _Severity = Field(..., description="How serious this single finding is.")
    description: str = Field(..., description="Human-readable explanation of the finding.")


# --- Payloads -----------------------------------------------------------------------------


class GlossaryScopeActivatedPayload(BaseModel):
    """A glossary scope becomes active for a mission; later scoped events may reference it."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission the scope is activated for.")
    scope_id: str = Field(..., min_length=1, description="Identifier of the activated scope.")
    scope_type: _ScopeType = Field(..., description="Which layer of glossary the scope is.")
    glossary_version_id: str = Field(
        ..., min_length=1, description="Version of the glossary content that was activated."
    )


class TermCandidateObservedPayload(BaseModel):
    """A term that may need a glossary sense was seen while a mission step ran."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission the observation belongs to.")
    scope_id: str = Field(..., min_length=1, description="Scope the term was observed in.")
    step_id: str = Field(..., min_length=1, description="Step during which it was observed.")
    term_surface: str = Field(..., min_length=1, description="The term as written.")
    confidence: float = Field(
        ..., ge=0.0, le=1.0, description="Observer's confidence that this is a term, 0 to 1."
    )
    actor: str = Field(..., min_length=1, description="Who or what made the observation.")
    step_metadata: Dict[str, str] = Field(
        default_factory=dict, description="Free-form string context about the step."
    )


class GlossarySenseUpdatedPayload(BaseModel):
    """The meaning recorded for a term in a scope changed."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission the update belongs to.")
    scope_id: str = Field(..., min_length=1, description="Scope whose sense changes.")
    term_surface: str = Field(..., min_length=1, description="The term whose sense changes.")
    before_sense: Optional[str] = Field(
        default=None, description="The sense before the update, when there was one."
    )
    after_sense: str = Field(..., min_length=1, description="The sense after the update.")
    reason: str = Field(..., description="Why the sense was changed.")
    actor: str = Field(..., min_length=1, description="Who made the change.")


class GlossaryStrictnessSetPayload(BaseModel):
    """The mission's glossary strictness level was set."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission whose strictness is set.")
    new_strictness: _Strictness = Field(..., description="Strictness from now on.")
    previous_strictness: Optional[_Strictness] = Field(
        default=None, description="Strictness the producer believed was in force before."
    )
    actor: str = Field(..., min_length=1, description="Who set the strictness.")


class SemanticCheckEvaluatedPayload(BaseModel):
    """The result of checking one step's text against the active glossary."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission the check ran for.")
    scope_id: str = Field(..., min_length=1, description="Scope the check ran against.")
    step_id: str = Field(..., min_length=1, description="Step whose text was checked.")
    conflicts: Tuple[SemanticConflictEntry, ...] = Field(
        ..., description="Every conflict found; empty when the check is clean."
    )
    severity: _Severity = Field(..., description="Overall severity of the check's findings.")
    confidence: float = Field(
        ..., ge=0.0, le=1.0, description="Checker's confidence in the result, 0 to 1."
    )
    recommended_action: _RecommendedAction = Field(
        ..., description="What the checker recommends doing with the step."
    )
    effective_strictness: _Strictness = Field(..., description="Strictness the checker applied.")
    step_metadata: Dict[str, str] = Field(
        default_factory=dict, description="Free-form string context about the step."
    )


class GlossaryClarificationRequestedPayload(BaseModel):
    """A question to a human about the meaning of a conflicting term."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission the question belongs to.")
    scope_id: str = Field(..., min_length=1, description="Scope the term belongs to.")
    step_id: str = Field(..., min_length=1, description="Step that raised the question.")
    semantic_check_event_id: str = Field(
        ..., min_length=1, description="Event id of the semantic check that found the conflict."
    )
    term: str = Field(..., min_length=1, description="The term that needs clarifying.")
    question: str = Field(..., description="The question put to the human.")
    options: Tuple[str, ...] = Field(..., description="Suggested meanings to choose from.")
    urgency: _Severity = Field(..., description="How soon an answer is needed.")
    actor: str = Field(..., min_length=1, description="Who asked.")


class GlossaryClarificationResolvedPayload(BaseModel):
    """A clarification question was answered."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission the answer belongs to.")
    clarification_event_id: str = Field(
        ..., min_length=1, description="Event id of the clarification request being answered."
    )
    selected_meaning: str = Field(..., min_length=1, description="The meaning chosen.")
    actor: str = Field(..., min_length=1, description="Who answered.")


class GenerationBlockedBySemanticConflictPayload(BaseModel):
    """Generation for a step was stopped because of unresolved semantic conflicts."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1, description="Mission whose step is blocked.")
    step_id: str = Field(..., min_length=1, description="The blocked step.")
    conflict_event_ids: Tuple[str, ...] = Field(
        ..., min_length=1, description="Event ids of the semantic checks behind the block."
    )
    blocking_strictness: _BlockingStrictness = Field(
        ..., description="Strictness that caused the block; 'off' never blocks."
    )
    step_metadata: Dict[str, str] = Field(
        default_factory=dict, description="Free-form string context about the step."
    )


# --- Reducer output -----------------------------------------------------------------------


class GlossaryAnomaly(BaseModel):
    """A rule violation that permissive mode recorded instead of raising."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(..., description="Envelope id of the offending event.")
    event_type: str = Field(..., description="Event type of the offending event.")
    reason: str = Field(..., description="What was wrong.")


class ClarificationRecord(BaseModel):
    """One accepted clarification request and whether it has been resolved."""

    model_config = ConfigDict(frozen=True)

    request_event_id: str = Field(..., description="Envelope id of the request.")
    semantic_check_event_id: str = Field(
        ..., description="The check the request refers to; the burst cap counts per check."
    )
    term: str = Field(..., description="The term being clarified.")
    resolved: bool = Field(default=False, description="Whether a resolution has been seen.")
    resolution_event_id: Optional[str] = Field(
        default=None, description="Envelope id of the latest resolution, if any."
    )


class ReducedGlossaryState(BaseModel):
    """The glossary projection of a mission's event stream.

    In JSON the two ``(scope_id, term_surface)``-keyed maps are written as
    ``{scope_id: {term_surface: ...}}`` (sorted), because a joined string key could collide when
    ids contain the separator.  The same nested form is accepted on input, so the JSON form
    reads back into an equal state.
    """

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(default="", description="Mission id of the first processed event.")
    active_scopes: RODict[str, GlossaryScopeActivatedPayload] = Field(
        default_factory=ReadOnlyDict, description="scope_id to its latest activation."
    )
    current_strictness: _Strictness = Field(
        default=_DEFAULT_STRICTNESS, description="The strictness last set."
    )
    strictness_history: ROTuple[GlossaryStrictnessSetPayload] = Field(
        default=(), description="Every strictness change in processing order."
    )
    term_candidates: RODict[_TermKey, Tuple[TermCandidateObservedPayload, ...]] = Field(
        default_factory=ReadOnlyDict, description="(scope_id, term_surface) to its observations."
    )
    term_senses: RODict[_TermKey, GlossarySenseUpdatedPayload] = Field(
        default_factory=ReadOnlyDict, description="(scope_id, term_surface) to its latest sense."
    )
    clarifications: Tuple[ClarificationRecord, ...] = Field(
        default=(), description="Accepted clarification requests in acceptance order."
    )
    semantic_checks: ROTuple[SemanticCheckEvaluatedPayload] = Field(
        default=(), description="Semantic checks in processing order."
    )
    generation_blocks: ROTuple[GenerationBlockedBySemanticConflictPayload] = Field(
        default=(), description="Generation blocks in processing order."
    )
    anomalies: Tuple[GlossaryAnomaly, ...] = Field(
        default=(), description="Permissive-mode anomalies in detection order."
    )
    event_count: int = Field(default=0, description="Glossary events processed after dedup.")
    last_processed_event_id: Optional[str] = Field(
        default=None, description="Envelope id of the last processed event."
    )

    @field_validator("term_candidates", "term_senses", mode="before")
    @classmethod
    def _accept_nested_json_form(cls, value: Any) -> Any:
        """Flatten ``{scope: {term: v}}`` back to ``{(scope, term): v}``.

        A string key can never be a valid ``(scope, term)`` key, so a mapping whose keys are all
        strings and whose values are all mappings is unambiguously the nested JSON form.  Any
        other shape is left for field validation to accept or reject.
        """
        if not (isinstance(value, Mapping) and value and _is_nested_form(value)):
            return value
        return {
            (scope_id, term_surface): entry
            for scope_id, by_term in value.items()
            for term_surface, entry in by_term.items()
        }

    @field_serializer("term_candidates", when_used="json")
    def _nest_term_candidates(
        self, candidates: Dict[_TermKey, Tuple[TermCandidateObservedPayload, ...]]
    ) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
        nested: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}
        for scope_id, term_surface in sorted(candidates):
            observations = candidates[(scope_id, term_surface)]
            nested.setdefault(scope_id, {})[term_surface] = [
                observation.model_dump(mode="json") for observation in observations
            ]
        return nested

    @field_serializer("term_senses", when_used="json")
    def _nest_term_senses(
        self, senses: Dict[_TermKey, GlossarySenseUpdatedPayload]
    ) -> Dict[str, Dict[str, Dict[str, Any]]]:
        nested: Dict[str, Dict[str, Dict[str, Any]]] = {}
        for scope_id, term_surface in sorted(senses):
            sense = senses[(scope_id, term_surface)]
            nested.setdefault(scope_id, {})[term_surface] = sense.model_dump(mode="json")
        return nested


def _is_nested_form(value: Mapping[Any, Any]) -> bool:
    return all(isinstance(key, str) and isinstance(inner, Mapping) for key, inner in value.items())


# --- Reducer ------------------------------------------------------------------------------


@young_collections_only()
def reduce_glossary_events(
    events: Sequence[Event], *, mode: _ReducerMode = "strict"
) -> ReducedGlossaryState:
    """Fold glossary events into a ``ReducedGlossaryState``.

    Non-glossary events are ignored; the rest are ordered and de-duplicated by the shared
    pipeline, so the result does not depend on delivery order or repeated deliveries.

    ``mode="strict"`` raises ``SpecKittyEventsError`` at the first rule violation and pydantic's
    ``ValidationError`` at the first malformed payload.  ``mode="permissive"`` records both as
    ``GlossaryAnomaly`` entries and keeps going.  Any other ``mode`` raises ``ValueError``.
    """
    strict = _is_strict(mode)
    ordered = prepare(events, GLOSSARY_EVENT_TYPES)
    if not ordered:
        return ReducedGlossaryState()
    fold = _GlossaryFold(strict)
    for event in ordered:
        fold.apply(event)
    return fold.freeze(event_count=len(ordered), last_event_id=ordered[-1].event_id)


def _is_strict(mode: object) -> bool:
    if mode not in _MODES:
        raise ValueError(f"mode must be 'strict' or 'permissive'; got {mode!r}")
    return mode == "strict"


class _GlossaryFold:
    """The mutable working state of one reduction; frozen into the output at the end.

    Clarifications are indexed by request id and counted per semantic check as they come and
    go, so a request or a resolution costs O(1) however long the stream is.
    """

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.mission_id: Optional[str] = None
        self.active_scopes: Dict[str, GlossaryScopeActivatedPayload] = {}
        self.strictness: _Strictness = _DEFAULT_STRICTNESS
        self.strictness_history: List[GlossaryStrictnessSetPayload] = []
        self.term_candidates: Dict[_TermKey, List[TermCandidateObservedPayload]] = {}
        self.term_senses: Dict[_TermKey, GlossarySenseUpdatedPayload] = {}
        self.semantic_checks: List[SemanticCheckEvaluatedPayload] = []
        self.known_check_ids: Set[str] = set()
        self.clarifications: List[ClarificationRecord] = []
        self.clarification_position: Dict[str, int] = {}
        self.unresolved_per_check: Dict[str, int] = {}
        self.generation_blocks: List[GenerationBlockedBySemanticConflictPayload] = []
        self.anomalies: List[GlossaryAnomaly] = []
        self._models = FAMILY.payload_models
        self._steps: Dict[str, Callable[[_GlossaryFold, Event, Any], None]] = {
            GLOSSARY_SCOPE_ACTIVATED: _GlossaryFold._activate_scope,
            TERM_CANDIDATE_OBSERVED: _GlossaryFold._observe_term,
            SEMANTIC_CHECK_EVALUATED: _GlossaryFold._record_check,
            GLOSSARY_CLARIFICATION_REQUESTED: _GlossaryFold._request_clarification,
            GLOSSARY_CLARIFICATION_RESOLVED: _GlossaryFold._resolve_clarification,
            GLOSSARY_SENSE_UPDATED: _GlossaryFold._update_sense,
            GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT: _GlossaryFold._block_generation,
            GLOSSARY_STRICTNESS_SET: _GlossaryFold._set_strictness,
        }

    # -- dispatch

    def apply(self, event: Event) -> None:
        payload = self._parse(event)
        if payload is None:
            return
        if self.mission_id is None:
            self.mission_id = getattr(payload, "mission_id", "")
        self._steps[event.event_type](self, event, payload)

    def _parse(self, event: Event) -> Optional[BaseModel]:
        payload, error = parse_payload(self._models[event.event_type], event.payload)
        if error is None:
            return payload
        if self.strict:
            raise error
        self._anomaly(event, _invalid_payload_reason(event.event_type, error))
        return None

    # -- per-type transitions

    def _activate_scope(self, _event: Event, payload: GlossaryScopeActivatedPayload) -> None:
        self.active_scopes[payload.scope_id] = payload

    def _set_strictness(self, _event: Event, payload: GlossaryStrictnessSetPayload) -> None:
        self.strictness = payload.new_strictness
        self.strictness_history.append(payload)

    def _block_generation(
        self, _event: Event, payload: GenerationBlockedBySemanticConflictPayload
    ) -> None:
        self.generation_blocks.append(payload)

    def _observe_term(self, event: Event, payload: TermCandidateObservedPayload) -> None:
        self._check_scope_active(event, payload.scope_id)
        key = (payload.scope_id, payload.term_surface)
        self.term_candidates.setdefault(key, []).append(payload)

    def _update_sense(self, event: Event, payload: GlossarySenseUpdatedPayload) -> None:
        self._check_scope_active(event, payload.scope_id)
        key = (payload.scope_id, payload.term_surface)
        if key not in self.term_candidates:
            self._violation(
                event,
                message=(
                    f"GlossarySenseUpdated for unobserved term '{payload.term_surface}' "
                    f"in event {event.event_id}"
                ),
                reason=f"Sense update for unobserved term '{payload.term_surface}'",
            )
        self.term_senses[key] = payload

    def _record_check(self, event: Event, payload: SemanticCheckEvaluatedPayload) -> None:
        self._check_scope_active(event, payload.scope_id)
        self.semantic_checks.append(payload)
        self.known_check_ids.add(event.event_id)

    def _request_clarification(
        self, event: Event, payload: GlossaryClarificationRequestedPayload
    ) -> None:
        self._check_scope_active(event, payload.scope_id)
        check_id = payload.semantic_check_event_id
        if check_id not in self.known_check_ids:
            self._violation(
                event,
                message=(
                    f"GlossaryClarificationRequested references unknown semantic check "
                    f"'{check_id}' in event {event.event_id}"
                ),
                reason=f"References unknown semantic check '{check_id}'",
            )
            return
        unresolved = self.unresolved_per_check.get(check_id, 0)
        if unresolved >= _BURST_CAP:
            self._violation(
                event,
                message=(
                    f"Clarification burst cap exceeded for semantic check '{check_id}' "
                    f"in event {event.event_id}"
                ),
                reason=(
                    f"Burst cap exceeded: >{_BURST_CAP} active clarifications "
                    f"for semantic check '{check_id}'"
                ),
            )
            return
        self.clarification_position[event.event_id] = len(self.clarifications)
        # Every value is an already validated string: skip re-validating the record.
        self.clarifications.append(
            ClarificationRecord.model_construct(
                request_event_id=event.event_id,
                semantic_check_event_id=check_id,
                term=payload.term,
            )
        )
        self.unresolved_per_check[check_id] = unresolved + 1

    def _resolve_clarification(
        self, event: Event, payload: GlossaryClarificationResolvedPayload
    ) -> None:
        request_id = payload.clarification_event_id
        position = self.clarification_position.get(request_id)
        if position is None:
            self._violation(
                event,
                message=(
                    f"GlossaryClarificationResolved references unknown clarification "
                    f"'{request_id}' in event {event.event_id}"
                ),
                reason=f"Resolution for unknown clarification '{request_id}'",
            )
            return
        record = self.clarifications[position]
        if not record.resolved:
            self.unresolved_per_check[record.semantic_check_event_id] -= 1
        # A repeated resolution re-points the record at the later resolution event.
        self.clarifications[position] = ClarificationRecord.model_construct(
            request_event_id=record.request_event_id,
            semantic_check_event_id=record.semantic_check_event_id,
            term=record.term,
            resolved=True,
            resolution_event_id=event.event_id,
        )

    # -- shared rules

    def _check_scope_active(self, event: Event, scope_id: str) -> None:
        """Scoped events need an earlier activation; permissive mode still applies the event."""
        if scope_id not in self.active_scopes:
            self._violation(
                event,
                message=f"Event {event.event_id} references unactivated scope '{scope_id}'",
                reason=f"References unactivated scope '{scope_id}'",
            )

    def _violation(self, event: Event, *, message: str, reason: str) -> None:
        if self.strict:
            raise SpecKittyEventsError(message)
        self._anomaly(event, reason)

    def _anomaly(self, event: Event, reason: str) -> None:
        self.anomalies.append(
            GlossaryAnomaly(event_id=event.event_id, event_type=event.event_type, reason=reason)
        )

    # -- output

    def freeze(self, *, event_count: int, last_event_id: str) -> ReducedGlossaryState:
        return ReducedGlossaryState(
            mission_id=self.mission_id or "",
            active_scopes=self.active_scopes,
            current_strictness=self.strictness,
            strictness_history=tuple(self.strictness_history),
            term_candidates={
                key: tuple(observations) for key, observations in self.term_candidates.items()
            },
            term_senses=self.term_senses,
            clarifications=tuple(self.clarifications),
            semantic_checks=tuple(self.semantic_checks),
            generation_blocks=tuple(self.generation_blocks),
            anomalies=tuple(self.anomalies),
            event_count=event_count,
            last_processed_event_id=last_event_id,
        )


def _invalid_payload_reason(event_type: str, error: Exception) -> str:
    """``Invalid <Type> payload: <field> (<error type>), ...``, naming every bad field."""
    if isinstance(error, PydanticValidationError):
        problems = ", ".join(
            f"{'.'.join(str(part) for part in detail['loc']) or '(payload)'} ({detail['type']})"
            for detail in error.errors()
        )
    else:
        problems = str(error)
    return f"Invalid {event_type} payload: {problems}"


# --- Family declaration -------------------------------------------------------------------

FAMILY = EventFamily(
    name="glossary",
    payloads=(
        (GLOSSARY_SCOPE_ACTIVATED, GlossaryScopeActivatedPayload),
        (TERM_CANDIDATE_OBSERVED, TermCandidateObservedPayload),
        (SEMANTIC_CHECK_EVALUATED, SemanticCheckEvaluatedPayload),
        (GLOSSARY_CLARIFICATION_REQUESTED, GlossaryClarificationRequestedPayload),
        (GLOSSARY_CLARIFICATION_RESOLVED, GlossaryClarificationResolvedPayload),
        (GLOSSARY_SENSE_UPDATED, GlossarySenseUpdatedPayload),
        (GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT, GenerationBlockedBySemanticConflictPayload),
        (GLOSSARY_STRICTNESS_SET, GlossaryStrictnessSetPayload),
    ),
    value_objects=(SemanticConflictEntry,),
    # The published generator lists the payload schemas in class-definition order, which
    # differs from the validator table's; both orders are contract.
    schema_payload_order=(
        GLOSSARY_SCOPE_ACTIVATED,
        TERM_CANDIDATE_OBSERVED,
        GLOSSARY_SENSE_UPDATED,
        GLOSSARY_STRICTNESS_SET,
        SEMANTIC_CHECK_EVALUATED,
        GLOSSARY_CLARIFICATION_REQUESTED,
        GLOSSARY_CLARIFICATION_RESOLVED,
        GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT,
    ),
    reducer=reduce_glossary_events,
    reducer_takes_mode=True,
    fixture_category="glossary",
)
