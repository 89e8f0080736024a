"""Mission lifecycle: a mission starts, moves through phases, and completes or is cancelled.

:func:`reduce_lifecycle_events` folds a mixed stream into the mission's state and, through
the status reducer, the state of every work package.  The stream is ordered and
de-duplicated once, by the shared pipeline, for both folds.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from pydantic import BaseModel, ConfigDict, Field

from spec_kitty_events._anomaly import after_terminal
from spec_kitty_events._family import EventFamily
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._pipeline import parse_payload, prepare
from spec_kitty_events._readonly import ReadOnlyDict, RODict

# Event and WPState are part of this module's namespace in 2.4.0: re-exported on purpose.
from spec_kitty_events.models import Event as Event
from spec_kitty_events.status import WP_STATUS_CHANGED, StatusFold, TransitionAnomaly
from spec_kitty_events.status import WPState as WPState

# Informational version of the 2.x event contracts; no code reads it.  It is not the
# envelope's ``schema_version`` (default "1.0.0") nor the package version.
SCHEMA_VERSION = "2.0.0"

MISSION_STARTED = "MissionStarted"
MISSION_COMPLETED = "MissionCompleted"
MISSION_CANCELLED = "MissionCancelled"
PHASE_ENTERED = "PhaseEntered"
REVIEW_ROLLBACK = "ReviewRollback"

MISSION_EVENT_TYPES: FrozenSet[str] = frozenset(
    {MISSION_STARTED, MISSION_COMPLETED, MISSION_CANCELLED, PHASE_ENTERED, REVIEW_ROLLBACK}
)


class MissionStatus(str, Enum):
    """Where a mission stands.  Spelled ``cancelled`` (two l), unlike ``Lane.CANCELED``."""

    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


TERMINAL_MISSION_STATUSES: FrozenSet[MissionStatus] = frozenset(
    {MissionStatus.COMPLETED, MissionStatus.CANCELLED}
)


# --- payloads --------------------------------------------------------------------------------


class MissionStartedPayload(BaseModel):
    """A mission begins, in its first phase."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1)
    mission_type: str = Field(..., min_length=1)
    initial_phase: str = Field(..., min_length=1)
    actor: str = Field(..., min_length=1)


class MissionCompletedPayload(BaseModel):
    """A mission finished successfully."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1)
    mission_type: str = Field(..., min_length=1)
    final_phase: str = Field(..., min_length=1)
    actor: str = Field(..., min_length=1)


class MissionCancelledPayload(BaseModel):
    """A mission was abandoned; ``cancelled_wp_ids`` is informational only."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1)
    reason: str = Field(..., min_length=1)
    actor: str = Field(..., min_length=1)
    cancelled_wp_ids: List[str] = Field(default_factory=list)


class PhaseEnteredPayload(BaseModel):
    """A mission moved into a phase."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1)
    phase_name: str = Field(..., min_length=1)
    previous_phase: Optional[str] = Field(default=None, min_length=1)
    actor: str = Field(..., min_length=1)


class ReviewRollbackPayload(BaseModel):
    """A review sent the mission back to an earlier phase (WP lanes are not touched)."""

    model_config = ConfigDict(frozen=True)

    mission_id: str = Field(..., min_length=1)
    review_ref: str = Field(..., min_length=1)
    target_phase: str = Field(..., min_length=1)
    affected_wp_ids: List[str] = Field(default_factory=list)
    actor: str = Field(..., min_length=1)


# --- reducer output --------------------------------------------------------------------------


class LifecycleAnomaly(BaseModel):
    """An event the lifecycle reducer did not apply, and why."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    event_type: str
    reason: str


class ReducedMissionState(BaseModel):
    """The mission's state and every work package's state after a stream is folded."""

    model_config = ConfigDict(frozen=True)

    mission_id: Optional[str] = None
    mission_status: Optional[MissionStatus] = None
    mission_type: Optional[str] = None
    current_phase: Optional[str] = None
    phases_entered: Tuple[str, ...] = ()
    wp_states: RODict[str, WPState] = Field(default_factory=ReadOnlyDict)
    anomalies: Tuple[LifecycleAnomaly, ...] = ()
    event_count: int = 0
    last_processed_event_id: Optional[str] = None


# --- reducer ---------------------------------------------------------------------------------


class _MissionFold:
    """The mission part of the state while events are being applied, one at a time."""

    def __init__(self) -> None:
        self.mission_id: Optional[str] = None
        self.mission_type: Optional[str] = None
        self.status: Optional[MissionStatus] = None
        self.current_phase: Optional[str] = None
        self.phases: List[str] = []
        self.anomalies: List[LifecycleAnomaly] = []
        self._models = FAMILY.payload_models
        self._steps: Dict[str, Callable[[_MissionFold, Any], None]] = {
            MISSION_STARTED: _MissionFold._start,
            PHASE_ENTERED: _MissionFold._enter_phase,
            REVIEW_ROLLBACK: _MissionFold._roll_back,
            MISSION_COMPLETED: _MissionFold._complete,
            MISSION_CANCELLED: _MissionFold._cancel,
        }

    def apply(self, event: Event) -> None:
        refusal = self._gatekeeping_refusal(event)
        if refusal is not None:
            self._refuse(event, refusal)
            return
        payload, _error = parse_payload(self._models[event.event_type], event.payload)
        if payload is None:
            self._refuse(event, f"Invalid {event.event_type} payload")
        else:
            self._steps[event.event_type](self, payload)

    def _gatekeeping_refusal(self, event: Event) -> Optional[str]:
        """Why the event cannot apply in the mission's current state, before its payload is
        read."""
        if self.status in TERMINAL_MISSION_STATUSES:
            return after_terminal(self.status)
        if event.event_type == MISSION_STARTED:
            return None if self.mission_id is None else "Duplicate MissionStarted (first one wins)"
        return "Event before MissionStarted" if self.mission_id is None else None

    def _start(self, payload: MissionStartedPayload) -> None:
        self.mission_id = payload.mission_id
        self.mission_type = payload.mission_type
        self.status = MissionStatus.ACTIVE
        self._enter(payload.initial_phase)

    def _enter_phase(self, payload: PhaseEnteredPayload) -> None:
        self._enter(payload.phase_name)

    def _roll_back(self, payload: ReviewRollbackPayload) -> None:
        self._enter(payload.target_phase)

    def _complete(self, _payload: MissionCompletedPayload) -> None:
        self.status = MissionStatus.COMPLETED

    def _cancel(self, _payload: MissionCancelledPayload) -> None:
        self.status = MissionStatus.CANCELLED

    def _enter(self, phase: str) -> None:
        self.current_phase = phase
        self.phases.append(phase)

    def _refuse(self, event: Event, reason: str) -> None:
        self.anomalies.append(
            LifecycleAnomaly(event_id=event.event_id, event_type=event.event_type, reason=reason)
        )


def _mission_order(event: Event) -> Tuple[int, bool, str]:
    """Clock first; within a clock a cancel comes after everything else, then by id.

    Timestamps play no part here, so "cancel beats re-open" at one clock whatever the times.
    """
    return (event.lamport_clock, event.event_type == MISSION_CANCELLED, event.event_id)


def _as_lifecycle_anomaly(anomaly: TransitionAnomaly) -> LifecycleAnomaly:
    return LifecycleAnomaly(
        event_id=anomaly.event_id,
        event_type=WP_STATUS_CHANGED,
        reason=f"WP {anomaly.wp_id}: {anomaly.reason}",
    )


@young_collections_only()
def reduce_lifecycle_events(events: Sequence[Event]) -> ReducedMissionState:
    """Fold a mixed stream into the mission's state and every WP's state.

    Events of other types are not applied but are counted in ``event_count`` and may be the
    ``last_processed_event_id``.  WP events are reduced whatever the mission's state.
    """
    if not events:
        return ReducedMissionState()
    unique = prepare(events)
    mission = _MissionFold()
    for event in sorted(
        (e for e in unique if e.event_type in MISSION_EVENT_TYPES), key=_mission_order
    ):
        mission.apply(event)
    work_packages = StatusFold()
    for event in unique:
        work_packages.apply(event)
    status = work_packages.freeze()
    wp_anomalies = [_as_lifecycle_anomaly(anomaly) for anomaly in status.anomalies]
    return ReducedMissionState(
        mission_id=mission.mission_id,
        mission_status=mission.status,
        mission_type=mission.mission_type,
        current_phase=mission.current_phase,
        phases_entered=tuple(mission.phases),
        wp_states=status.wp_states,
        anomalies=tuple(mission.anomalies + wp_anomalies),
        event_count=len(unique),
        last_processed_event_id=unique[-1].event_id,
    )


FAMILY = EventFamily(
    name="lifecycle",
    payloads=(
        (MISSION_STARTED, MissionStartedPayload),
        (MISSION_COMPLETED, MissionCompletedPayload),
        (MISSION_CANCELLED, MissionCancelledPayload),
        (PHASE_ENTERED, PhaseEnteredPayload),
        (REVIEW_ROLLBACK, ReviewRollbackPayload),
    ),
    reducer=reduce_lifecycle_events,
)
