"""Mission-next runtime contracts: one run's steps and decisions, and the run reducer.

A run starts, is issued steps that complete, asks for decision input that gets answered, and
completes.  ``reduce_mission_next_events`` folds one run's stream into a
``ReducedMissionRunState``; it never raises for bad data, every problem becomes a
``MissionNextAnomaly``.
"""

from __future__ import annotations

from enum import Enum
from typing import (
    Any,
    Callable,
    Dict,
    Final,
    FrozenSet,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
    cast,
)

from pydantic import BaseModel, ConfigDict, Field

from spec_kitty_events._anomaly import after_terminal
from spec_kitty_events._family import EventFamily
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._pipeline import parse_payload, prepare
from spec_kitty_events._readonly import ReadOnlyDict, RODict
from spec_kitty_events.models import Event

# --- Event types --------------------------------------------------------------------------

MISSION_RUN_STARTED: Final = "MissionRunStarted"
# Reserved: no payload contract yet, so the reducer skips it and validators do not know it.
NEXT_STEP_PLANNED: Final = "NextStepPlanned"
NEXT_STEP_ISSUED: Final = "NextStepIssued"
NEXT_STEP_AUTO_COMPLETED: Final = "NextStepAutoCompleted"
DECISION_INPUT_REQUESTED: Final = "DecisionInputRequested"
DECISION_INPUT_ANSWERED: Final = "DecisionInputAnswered"
MISSION_RUN_COMPLETED: Final = "MissionRunCompleted"
# Some runtimes still emit the lifecycle name for run completion.  The same wire type is the
# lifecycle family's ``MissionCompleted``: the conformance validator judges it by the lifecycle
# payload, while this reducer accepts it only when it carries a run-scoped completion payload.
_COMPLETION_ALIAS: Final = "MissionCompleted"

MISSION_NEXT_EVENT_TYPES: FrozenSet[str] = frozenset(
    {
        MISSION_RUN_STARTED,
        NEXT_STEP_PLANNED,
        NEXT_STEP_ISSUED,
        NEXT_STEP_AUTO_COMPLETED,
        DECISION_INPUT_REQUESTED,
        DECISION_INPUT_ANSWERED,
        MISSION_RUN_COMPLETED,
        _COMPLETION_ALIAS,
    }
)


class MissionRunStatus(str, Enum):
    """Where a run is: ``None`` in the state means it has not validly started."""

    RUNNING = "running"
    COMPLETED = "completed"


TERMINAL_RUN_STATUSES: FrozenSet[MissionRunStatus] = frozenset({MissionRunStatus.COMPLETED})

# --- Value object -------------------------------------------------------------------------


class RuntimeActorIdentity(BaseModel):
    """Who acted in the runtime: a human, an LLM agent or a service."""

    model_config = ConfigDict(frozen=True)

    actor_id: str = Field(..., min_length=1, description="Stable identifier of the actor.")
    # A pattern rather than a Literal keeps the published schema (pattern, not enum) as it was.
    actor_type: str = Field(
        ..., pattern=r"^(human|llm|service)$", description="One of human, llm or service."
    )
    display_name: str = Field(default="", description="Readable name, may be empty.")
    provider: Optional[str] = Field(default=None, description="Model provider, for LLM actors.")
    model: Optional[str] = Field(default=None, description="Model name, for LLM actors.")
    tool: Optional[str] = Field(default=None, description="Tool or client the actor used.")


# --- Payloads -----------------------------------------------------------------------------


class MissionRunStartedPayload(BaseModel):
    """A run of a mission began."""

    model_config = ConfigDict(frozen=True)

    run_id: str = Field(..., min_length=1, description="Identifier of the run.")
    mission_key: str = Field(..., min_length=1, description="The mission being run.")
    actor: RuntimeActorIdentity = Field(..., description="Who started the run.")


class NextStepIssuedPayload(BaseModel):
    """The runtime handed the next step to an agent."""

    model_config = ConfigDict(frozen=True)

    run_id: str = Field(..., min_length=1, description="Run the step belongs to.")
    step_id: str = Field(..., min_length=1, description="The issued step.")
    agent_id: str = Field(..., min_length=1, description="Agent that received the step.")
    actor: RuntimeActorIdentity = Field(..., description="Who issued the step.")


class NextStepAutoCompletedPayload(BaseModel):
    """A step finished without needing further input."""

    model_config = ConfigDict(frozen=True)

    run_id: str = Field(..., min_length=1, description="Run the step belongs to.")
    step_id: str = Field(..., min_length=1, description="The completed step.")
    agent_id: str = Field(..., min_length=1, description="Agent that completed it.")
    result: str = Field(
        ..., min_length=1, description="Free-text outcome, such as success or failed."
    )
    actor: RuntimeActorIdentity = Field(..., description="Who reported the completion.")


class DecisionInputRequestedPayload(BaseModel):
    """The run needs a decision before it can go on."""

    model_config = ConfigDict(frozen=True)

    run_id: str = Field(..., min_length=1, description="Run asking for the decision.")
    decision_id: str = Field(..., min_length=1, description="Identifier of the decision.")
    step_id: str = Field(..., min_length=1, description="Step that needs the decision.")
    question: str = Field(..., min_length=1, description="The question to answer.")
    options: Tuple[str, ...] = Field(
        default_factory=tuple, description="Suggested answers; may be empty."
    )
    input_key: Optional[str] = Field(
        default=None, description="Name of the input the answer fills, if any."
    )
    actor: RuntimeActorIdentity = Field(..., description="Who asked.")


class DecisionInputAnsweredPayload(BaseModel):
    """A requested decision was answered."""

    model_config = ConfigDict(frozen=True)

    run_id: str = Field(..., min_length=1, description="Run the decision belongs to.")
    decision_id: str = Field(..., min_length=1, description="The decision answered.")
    answer: str = Field(..., min_length=1, description="The answer given.")
    actor: RuntimeActorIdentity = Field(..., description="Who answered.")


class MissionRunCompletedPayload(BaseModel):
    """A run finished; nothing after it changes the run."""

    model_config = ConfigDict(frozen=True)

    run_id: str = Field(..., min_length=1, description="The completed run.")
    mission_key: str = Field(..., min_length=1, description="The mission that was run.")
    actor: RuntimeActorIdentity = Field(..., description="Who completed the run.")


# --- Reducer output -----------------------------------------------------------------------


class MissionNextAnomaly(BaseModel):
    """An event the run reducer could not apply, and why."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(..., description="Envelope id of the event.")
    event_type: str = Field(..., description="Event type as delivered (alias kept).")
    reason: str = Field(..., description="Why the event was not applied.")


class ReducedMissionRunState(BaseModel):
    """The projection of one mission run."""

    model_config = ConfigDict(frozen=True)

    run_id: Optional[str] = Field(default=None, description="Run fixed by the accepted start.")
    mission_key: Optional[str] = Field(default=None, description="Mission of the accepted start.")
    run_status: Optional[MissionRunStatus] = Field(
        default=None, description="None until a valid start."
    )
    current_step_id: Optional[str] = Field(
        default=None, description="Latest issued step not yet completed."
    )
    completed_steps: Tuple[str, ...] = Field(
        default=(), description="Distinct completed steps in order of first completion."
    )
    pending_decisions: RODict[str, DecisionInputRequestedPayload] = Field(
        default_factory=ReadOnlyDict, description="decision_id to the request awaiting an answer."
    )
    answered_decisions: RODict[str, DecisionInputAnsweredPayload] = Field(
        default_factory=ReadOnlyDict, description="decision_id to its latest answer."
    )
    anomalies: Tuple[MissionNextAnomaly, ...] = Field(
        default=(), description="Events not applied, in detection order."
    )
    event_count: int = Field(default=0, description="Events processed after dedup.")
    last_processed_event_id: Optional[str] = Field(
        default=None, description="Envelope id of the last processed event."
    )


# --- Reducer ------------------------------------------------------------------------------

_ALIAS_IGNORED: Final = (
    "MissionCompleted alias ignored: payload does not conform to MissionRunCompletedPayload "
    "(likely a lifecycle MissionCompleted event)"
)
_DUPLICATE_COMPLETION: Final = "Duplicate completion (terminal idempotency)"
_DUPLICATE_START: Final = "Duplicate MissionRunStarted (first one wins)"
_INVALID_START: Final = "Invalid MissionRunStarted payload"
_BEFORE_START: Final = "Event before MissionRunStarted"

_RunPayload = Union[
    NextStepIssuedPayload,
    NextStepAutoCompletedPayload,
    DecisionInputRequestedPayload,
    DecisionInputAnsweredPayload,
    MissionRunCompletedPayload,
]


@young_collections_only()
def reduce_mission_next_events(events: Sequence[Event]) -> ReducedMissionRunState:
    """Fold one run's events into a ``ReducedMissionRunState``; never raises for bad data.

    Other event types are ignored; the rest are ordered and de-duplicated by the shared
    pipeline, so the result does not depend on delivery order or repeated deliveries.
    """
    ordered = prepare(events, MISSION_NEXT_EVENT_TYPES)
    if not ordered:
        return ReducedMissionRunState()
    fold = _RunFold()
    for event in ordered:
        fold.apply(event)
    return fold.freeze(event_count=len(ordered), last_event_id=ordered[-1].event_id)


class _RunFold:
    """The mutable working state of one reduction; frozen into the output at the end.

    Each event passes the gates in the contract's order and yields at most one anomaly.
    """

    def __init__(self) -> None:
        self.run_id: Optional[str] = None
        self.mission_key: Optional[str] = None
        self.run_status: Optional[MissionRunStatus] = None
        self.current_step_id: Optional[str] = None
        self.completed_steps: List[str] = []
        self.completed_step_set: Set[str] = set()
        self.pending_decisions: Dict[str, DecisionInputRequestedPayload] = {}
        self.answered_decisions: Dict[str, DecisionInputAnsweredPayload] = {}
        self.anomalies: List[MissionNextAnomaly] = []
        self._models = FAMILY.payload_models
        self._steps: Dict[str, Callable[[_RunFold, Event, Any], None]] = {
            NEXT_STEP_ISSUED: _RunFold._issue_step,
            NEXT_STEP_AUTO_COMPLETED: _RunFold._auto_complete_step,
            DECISION_INPUT_REQUESTED: _RunFold._request_decision,
            DECISION_INPUT_ANSWERED: _RunFold._answer_decision,
            MISSION_RUN_COMPLETED: _RunFold._complete_run,
        }

    def apply(self, event: Event) -> None:
        event_type = event.event_type
        if event_type == NEXT_STEP_PLANNED:
            return
        alias_completion: Optional[MissionRunCompletedPayload] = None
        if event_type == _COMPLETION_ALIAS:
            alias_completion, _ = parse_payload(MissionRunCompletedPayload, event.payload)
            if alias_completion is None:
                self._anomaly(event, _ALIAS_IGNORED)
                return
            event_type = MISSION_RUN_COMPLETED
        if self.run_status in TERMINAL_RUN_STATUSES:
            self._after_terminal(event, event_type)
        elif event_type == MISSION_RUN_STARTED:
            self._start(event)
        elif self.run_id is None:
            self._anomaly(event, _BEFORE_START)
        else:
            # The alias gate already validated a run-scoped completion: reuse it.
            payload = (
                alias_completion if alias_completion is not None else self._parse(event, event_type)
            )
            if payload is not None and self._belongs_to_run(event, payload):
                self._steps[event_type](self, event, payload)

    def _after_terminal(self, event: Event, event_type: str) -> None:
        assert self.run_status is not None
        if event_type == MISSION_RUN_COMPLETED:
            self._anomaly(event, _DUPLICATE_COMPLETION)
        else:
            self._anomaly(event, after_terminal(self.run_status))

    def _start(self, event: Event) -> None:
        if self.run_id is not None:
            self._anomaly(event, _DUPLICATE_START)
            return
        started, _ = parse_payload(MissionRunStartedPayload, event.payload)
        if started is None:
            self._anomaly(event, _INVALID_START)
            return
        self.run_id = started.run_id
        self.mission_key = started.mission_key
        self.run_status = MissionRunStatus.RUNNING

    def _parse(self, event: Event, event_type: str) -> Optional[_RunPayload]:
        payload, _ = parse_payload(self._models[event_type], event.payload)
        if payload is None:
            self._anomaly(event, f"Invalid {event_type} payload")
            return None
        # The start gate runs earlier, so only run-scoped payloads get here.
        return cast(_RunPayload, payload)

    def _belongs_to_run(self, event: Event, payload: _RunPayload) -> bool:
        if payload.run_id == self.run_id:
            return True
        self._anomaly(event, f"run_id mismatch: expected '{self.run_id}', got '{payload.run_id}'")
        return False

    def _issue_step(self, _event: Event, payload: NextStepIssuedPayload) -> None:
        self.current_step_id = payload.step_id

    def _auto_complete_step(self, _event: Event, payload: NextStepAutoCompletedPayload) -> None:
        self._complete_step(payload.step_id)

    def _answer_decision(self, _event: Event, payload: DecisionInputAnsweredPayload) -> None:
        self.answered_decisions[payload.decision_id] = payload
        self.pending_decisions.pop(payload.decision_id, None)

    def _complete_run(self, _event: Event, _payload: MissionRunCompletedPayload) -> None:
        self.run_status = MissionRunStatus.COMPLETED

    def _complete_step(self, step_id: str) -> None:
        if step_id not in self.completed_step_set:
            self.completed_step_set.add(step_id)
            self.completed_steps.append(step_id)
        if self.current_step_id == step_id:
            self.current_step_id = None

    def _request_decision(self, event: Event, payload: DecisionInputRequestedPayload) -> None:
        # Only a *pending* duplicate is refused; re-asking an answered decision is allowed.
        if payload.decision_id in self.pending_decisions:
            self._anomaly(event, f"Duplicate decision request '{payload.decision_id}'")
            return
        self.pending_decisions[payload.decision_id] = payload

    def _anomaly(self, event: Event, reason: str) -> None:
        self.anomalies.append(
            MissionNextAnomaly(event_id=event.event_id, event_type=event.event_type, reason=reason)
        )

    def freeze(self, *, event_count: int, last_event_id: str) -> ReducedMissionRunState:
        return ReducedMissionRunState(
            run_id=self.run_id,
            mission_key=self.mission_key,
            run_status=self.run_status,
            current_step_id=self.current_step_id,
            completed_steps=tuple(self.completed_steps),
            pending_decisions=self.pending_decisions,
            answered_decisions=self.answered_decisions,
            anomalies=tuple(self.anomalies),
            event_count=event_count,
            last_processed_event_id=last_event_id,
        )


# --- Family declaration -------------------------------------------------------------------

FAMILY = EventFamily(
    name="mission_next",
    payloads=(
        (MISSION_RUN_STARTED, MissionRunStartedPayload),
        (NEXT_STEP_ISSUED, NextStepIssuedPayload),
        (NEXT_STEP_AUTO_COMPLETED, NextStepAutoCompletedPayload),
        (DECISION_INPUT_REQUESTED, DecisionInputRequestedPayload),
        (DECISION_INPUT_ANSWERED, DecisionInputAnsweredPayload),
        (MISSION_RUN_COMPLETED, MissionRunCompletedPayload),
    ),
    value_objects=(RuntimeActorIdentity,),
    reducer=reduce_mission_next_events,
    fixture_category="mission_next",
)
