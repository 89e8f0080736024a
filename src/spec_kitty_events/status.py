"""Work-package status: lanes, the transition rules, and the status reducer.

A work package (WP) moves between canonical lanes through ``WPStatusChanged`` events whose
payload is a :class:`StatusTransitionPayload`.  :func:`validate_transition` judges one payload
on its own; :func:`reduce_status_events` folds a stream of such events into the current lane
of every WP, recording what it refused as :class:`TransitionAnomaly` entries.

Messages that name a lane use the ``Lane.PLANNED`` spelling on every Python version
(``_anomaly.member_text``), so the output never depends on the interpreter.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cache
from operator import itemgetter
from types import MappingProxyType
from typing import (
    Annotated,
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from spec_kitty_events._anomaly import member_text
from spec_kitty_events._family import EventFamily
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._mirror import Mirror, mirror
from spec_kitty_events._pipeline import (
    event_sort_key,
    first_occurrences,
    ordered,
    parse_payload,
)
from spec_kitty_events._readonly import ReadOnly, ReadOnlyDict, ReadOnlyList, RODict, ROList

# Re-exported on purpose (2.4.0 consumers import them from here): the "as" form tells type
# checkers so.
from spec_kitty_events.models import Event as Event
from spec_kitty_events.models import SpecKittyEventsError as SpecKittyEventsError
from spec_kitty_events.models import ValidationError as ValidationError

# --- lanes -----------------------------------------------------------------------------------


class Lane(str, Enum):
    """Canonical lane of a work package."""

    PLANNED = "planned"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    FOR_REVIEW = "for_review"
    DONE = "done"
    BLOCKED = "blocked"
    CANCELED = "canceled"


class SyncLaneV1(str, Enum):
    """The four lanes that sync consumers display; several canonical lanes share one."""

    PLANNED = "planned"
    DOING = "doing"
    FOR_REVIEW = "for_review"
    DONE = "done"


# Locked for the whole 2.x line: changing any value is a major-version change.
CANONICAL_TO_SYNC_V1: Mapping[Lane, SyncLaneV1] = MappingProxyType(
    {
        Lane.PLANNED: SyncLaneV1.PLANNED,
        Lane.CLAIMED: SyncLaneV1.PLANNED,
        Lane.IN_PROGRESS: SyncLaneV1.DOING,
        Lane.FOR_REVIEW: SyncLaneV1.FOR_REVIEW,
        Lane.DONE: SyncLaneV1.DONE,
        Lane.BLOCKED: SyncLaneV1.DOING,
        Lane.CANCELED: SyncLaneV1.PLANNED,
    }
)


def canonical_to_sync_v1(lane: Lane) -> SyncLaneV1:
    """The sync lane shown for ``lane``; ``KeyError`` for anything but a canonical lane."""
    return CANONICAL_TO_SYNC_V1[lane]


class ExecutionMode(str, Enum):
    """Where the work on a WP happens."""

    WORKTREE = "worktree"
    DIRECT_REPO = "direct_repo"


TERMINAL_LANES: FrozenSet[Lane] = frozenset({Lane.DONE, Lane.CANCELED})

# Public and mutable for 2.4.0 compatibility.  Lane parsing reads the read-only snapshot below,
# so a caller mutating this dict cannot change validation for the whole process.
LANE_ALIASES: Dict[str, Lane] = {"doing": Lane.IN_PROGRESS}
_ALIASES: Mapping[str, Lane] = MappingProxyType(dict(LANE_ALIASES))

WP_STATUS_CHANGED = "WPStatusChanged"

_LANE_BY_VALUE: Mapping[str, Lane] = MappingProxyType({lane.value: lane for lane in Lane})
_UNKNOWN_WP = "<unknown>"


def _dealias(text: str) -> str:
    """The canonical lane value an alias stands for; any other text unchanged.

    The only place aliases are resolved: lane parsing and the payload pre-validator share it.
    """
    target = _ALIASES.get(text)
    return text if target is None else target.value


def _lookup_lane(raw: object) -> Optional[Lane]:
    """The lane a value or alias names, or ``None`` (also for any non-string)."""
    if not isinstance(raw, str):
        return None
    return _LANE_BY_VALUE.get(_dealias(raw))


def normalize_lane(value: str) -> Lane:
    """The canonical lane for a lane value or alias (``"doing"`` -> ``Lane.IN_PROGRESS``).

    Raises the library ``ValidationError`` for anything else, non-strings included.
    """
    lane = _lookup_lane(value)
    if lane is None:
        raise ValidationError(
            f"Unknown lane value: {value!r}. "
            f"Valid values: {[member.value for member in Lane]!r}. "
            f"Aliases: {list(_ALIASES)!r}"
        )
    return lane


# --- evidence and payload models -------------------------------------------------------------


class RepoEvidence(BaseModel):
    """The repository state a finished WP points at."""

    model_config = ConfigDict(frozen=True)

    repo: str = Field(..., min_length=1)
    branch: str = Field(..., min_length=1)
    commit: str = Field(..., min_length=1)
    files_touched: Optional[List[str]] = None


class VerificationEntry(BaseModel):
    """One verification command that was run and what it gave."""

    model_config = ConfigDict(frozen=True)

    command: str = Field(..., min_length=1)
    result: str = Field(..., min_length=1)
    summary: Optional[str] = None


class ReviewVerdict(BaseModel):
    """Who reviewed the WP and what they concluded (free text)."""

    model_config = ConfigDict(frozen=True)

    reviewer: str = Field(..., min_length=1)
    verdict: str = Field(..., min_length=1)
    reference: Optional[str] = None


class DoneEvidence(BaseModel):
    """What a move to ``done`` must carry: at least one repo, verifications and a review."""

    model_config = ConfigDict(frozen=True)

    repos: List[RepoEvidence] = Field(..., min_length=1)
    verification: List[VerificationEntry] = Field(default_factory=list)
    review: ReviewVerdict


class ForceMetadata(BaseModel):
    """Who forced a transition and why (standalone; the payload carries its own fields)."""

    model_config = ConfigDict(frozen=True)

    force: Literal[True] = True
    actor: str = Field(..., min_length=1)
    reason: str = Field(..., min_length=1)


def _has_text(value: Optional[str]) -> bool:
    """Present and not blank: the test every reason / review_ref requirement uses."""
    return value is not None and value.strip() != ""


class StatusTransitionPayload(BaseModel):
    """Payload of a ``WPStatusChanged`` event: one WP moving from one lane to another.

    ``from_lane`` is ``None`` for the WP's creation.  The alias ``"doing"`` is accepted for
    either lane and stored as ``in_progress``.  Whether the move itself is legal is judged by
    :func:`validate_transition`, not here.
    """

    model_config = ConfigDict(frozen=True)

    feature_slug: str = Field(..., min_length=1)
    wp_id: str = Field(..., min_length=1)
    from_lane: Optional[Lane] = None
    to_lane: Lane
    actor: str = Field(..., min_length=1)
    force: bool = False
    reason: Optional[str] = None
    execution_mode: ExecutionMode
    review_ref: Optional[str] = None
    evidence: Optional[DoneEvidence] = None

    @field_validator("from_lane", "to_lane", mode="before")
    @classmethod
    def _canonical_lane_text(cls, value: object) -> object:
        return _dealias(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _force_and_done_rules(self) -> StatusTransitionPayload:
        # Order matters: only the first broken rule is reported.
        if self.force and not _has_text(self.reason):
            raise ValueError("force=True requires a non-empty reason")
        if self.to_lane is Lane.DONE and self.evidence is None:
            raise ValueError("to_lane='done' requires evidence")
        return self


# The two rules above in JSON Schema, for the typed event schema (the committed
# status_transition_payload schema predates them).  "Blank" is what str.strip() removes.
_FORCE_AND_DONE_SCHEMA_RULES: Tuple[Mapping[str, Any], ...] = (
    {
        "if": {"properties": {"force": {"const": True}}, "required": ["force"]},
        "then": {
            "required": ["reason"],
            "properties": {"reason": {"type": "string", "pattern": "\\S"}},
        },
    },
    {
        "if": {"properties": {"to_lane": {"const": Lane.DONE.value}}, "required": ["to_lane"]},
        "then": {"required": ["evidence"], "properties": {"evidence": {"type": "object"}}},
    },
)


# --- transition rules ------------------------------------------------------------------------


class TransitionError(SpecKittyEventsError):
    """A refused transition, for callers that prefer an exception to a result object."""

    def __init__(self, violations: Tuple[str, ...]) -> None:
        self.violations = violations
        super().__init__("Invalid transition: " + "; ".join(violations))


@dataclass(frozen=True)
class TransitionValidationResult:
    """Verdict of :func:`validate_transition`: every violation found, in rule order."""

    valid: bool
    violations: Tuple[str, ...] = ()

    def raise_if_invalid(self) -> None:
        """Raise :class:`TransitionError` carrying the violations when the verdict is invalid."""
        if not self.valid:
            raise TransitionError(self.violations)


_ALLOWED_TRANSITIONS: FrozenSet[Tuple[Optional[Lane], Lane]] = frozenset(
    {
        (None, Lane.PLANNED),
        (Lane.PLANNED, Lane.CLAIMED),
        (Lane.CLAIMED, Lane.IN_PROGRESS),
        (Lane.IN_PROGRESS, Lane.FOR_REVIEW),
        (Lane.FOR_REVIEW, Lane.DONE),
        (Lane.FOR_REVIEW, Lane.IN_PROGRESS),
        (Lane.IN_PROGRESS, Lane.PLANNED),
        (Lane.BLOCKED, Lane.IN_PROGRESS),
    }
)

# Any live (existing, non-terminal) WP may be parked or dropped.  This is what makes
# blocked -> blocked legal while every other self-transition is not.
_INTERRUPT_TARGETS: FrozenSet[Lane] = frozenset({Lane.BLOCKED, Lane.CANCELED})
_LEGAL_WITHOUT_FORCE: FrozenSet[Tuple[Optional[Lane], Lane]] = _ALLOWED_TRANSITIONS | frozenset(
    (source, target)
    for source in Lane
    if source not in TERMINAL_LANES
    for target in _INTERRUPT_TARGETS
)

# Guards hold with or without force.  (Force already needs a reason, so only the review_ref
# guard can actually fail under force.)  Pair -> (payload field that must have text, violation).
_GUARDS: Mapping[Tuple[Optional[Lane], Lane], Tuple[str, str]] = MappingProxyType(
    {
        (Lane.FOR_REVIEW, Lane.IN_PROGRESS): (
            "review_ref",
            "for_review -> in_progress requires review_ref",
        ),
        (Lane.IN_PROGRESS, Lane.PLANNED): ("reason", "in_progress -> planned requires reason"),
    }
)


def _transition_violations(payload: StatusTransitionPayload) -> List[str]:
    """Every rule the payload breaks, in the fixed order terminal, matrix, guard.

    Force skips the terminal and matrix checks, never the guards.
    """
    source, target = payload.from_lane, payload.to_lane
    violations: List[str] = []
    if not payload.force:
        if source is not None and source in TERMINAL_LANES:
            violations.append(f"{source.value} is terminal; requires force=True to exit")
        if (source, target) not in _LEGAL_WITHOUT_FORCE:
            violations.append(
                f"Transition {member_text(source)} -> {member_text(target)} is not allowed"
            )
    guard = _GUARDS.get((source, target))
    if guard is not None and not _has_text(getattr(payload, guard[0])):
        violations.append(guard[1])
    return violations


def validate_transition(payload: StatusTransitionPayload) -> TransitionValidationResult:
    """Judge one payload on its own (it knows nothing of the WP's recorded lane)."""
    violations = tuple(_transition_violations(payload))
    return TransitionValidationResult(valid=not violations, violations=violations)


# --- ordering --------------------------------------------------------------------------------


def status_event_sort_key(event: Event) -> Tuple[int, str, str]:
    """``(lamport_clock, timestamp.isoformat(), event_id)``: the order every reducer folds in.

    The timestamp part compares as text, so producers should emit UTC.
    """
    return event_sort_key(event)


def dedup_events(events: Sequence[Event]) -> List[Event]:
    """The first event of each ``event_id``, in input order (same objects, new list)."""
    return first_occurrences(events)


# --- reducer output --------------------------------------------------------------------------


class WPState(BaseModel):
    """Where one work package stands after the last transition applied to it."""

    model_config = ConfigDict(frozen=True)

    wp_id: str = Field(..., min_length=1)
    current_lane: Lane
    last_event_id: str = Field(..., min_length=1)
    last_transition_at: datetime
    evidence: Annotated[Optional[DoneEvidence], ReadOnly] = None


class TransitionAnomaly(BaseModel):
    """A status event the reducer refused to apply, and why.

    Read ``from_lane`` / ``to_lane`` rather than parsing ``reason``: the reason text of a
    payload failure embeds pydantic's report, which varies between pydantic releases.
    """

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(..., min_length=1)
    wp_id: str = Field(..., min_length=1)
    from_lane: Optional[Lane] = None
    to_lane: Optional[Lane] = None
    reason: str = Field(..., min_length=1)


class ReducedStatus(BaseModel):
    """Every WP's current state, plus the events that were refused."""

    model_config = ConfigDict(frozen=True)

    wp_states: RODict[str, WPState] = Field(default_factory=ReadOnlyDict)
    anomalies: ROList[TransitionAnomaly] = Field(default_factory=ReadOnlyList)
    event_count: int = Field(default=0, ge=0)
    last_processed_event_id: Optional[str] = None


# --- reducer ---------------------------------------------------------------------------------

_STATUS_EVENT_TYPES: FrozenSet[str] = frozenset({WP_STATUS_CHANGED})
_PAYLOAD_FAILURE_PREFIX = "payload validation failed: "


def _parse_failure(event: Event, error: Exception) -> TransitionAnomaly:
    """Anomaly for a payload that failed validation, keeping whatever the raw payload shows."""
    raw = event.payload
    wp_id = raw.get("wp_id")
    return TransitionAnomaly(
        event_id=event.event_id,
        wp_id=wp_id if isinstance(wp_id, str) and wp_id else _UNKNOWN_WP,
        from_lane=_lookup_lane(raw.get("from_lane")),
        to_lane=_lookup_lane(raw.get("to_lane")),
        reason=_PAYLOAD_FAILURE_PREFIX + str(error),
    )


@cache
def _mirrored_move() -> Optional[Mirror]:
    """The payload's mirror (see ``_mirror``), for the moves it can stand in for.

    The fold reads a move's ids, lanes, ``force``, ``reason`` and ``review_ref``, which the
    mirror gives as pydantic would (lanes as ``Lane`` members).  It declines a move to
    ``done``, whose evidence the state keeps as a model, and a ``wp_id`` that is not a plain
    ``str`` (a ``str`` enum member, which pydantic would make one), as the fold keys by it.
    """
    check = mirror(StatusTransitionPayload)
    if check is None:  # pragma: no cover - depends on the installed extras
        return None

    def move(payload: Any) -> Optional[Any]:
        mirrored = check(payload)
        if mirrored is None or mirrored.to_lane is Lane.DONE or type(mirrored.wp_id) is not str:
            return None
        return mirrored

    return move


def _is_rollback(payload: StatusTransitionPayload) -> bool:
    # Presence, not text: a blank review_ref is ordered as a rollback too (it is then
    # refused by the guard); changing that would move its anomaly within the group.
    return (
        payload.from_lane is Lane.FOR_REVIEW
        and payload.to_lane is Lane.IN_PROGRESS
        and payload.review_ref is not None
    )


def _refusal(payload: StatusTransitionPayload, expected: Optional[Lane]) -> Optional[str]:
    """Why the move cannot apply to a WP recorded at ``expected``; ``None`` when it can.

    The recorded lane is checked first and even a forced move must match it.
    """
    source = payload.from_lane
    if source is not expected:
        return f"from_lane mismatch: expected {member_text(expected)}, got {member_text(source)}"
    pair = (source, payload.to_lane)
    if pair not in _GUARDS and (payload.force or pair in _LEGAL_WITHOUT_FORCE):
        return None  # the common case, decided without building a violation list
    violations = _transition_violations(payload)
    return "; ".join(violations) if violations else None


def _refused(event: Event, payload: StatusTransitionPayload, reason: str) -> TransitionAnomaly:
    return TransitionAnomaly(
        event_id=event.event_id,
        wp_id=payload.wp_id,
        from_lane=payload.from_lane,
        to_lane=payload.to_lane,
        reason=reason,
    )


# The place of an outcome in the application order: (position of its group's first event,
# 0 for an ordinary move or 1 for a review rollback, position of the event).  Groups of a later
# clock start later in the sorted stream, so this orders groups by clock, then by first
# appearance, and rollbacks after the other members of their group.
_Slot = Tuple[int, int, int]
_Deferred = Tuple[int, Event, StatusTransitionPayload]


class _WPTrack:
    """One work package while a stream is folded.

    ``snapshot`` is the lane at the start of the current (WP, clock) group: every member of
    the group is judged against it, so concurrent moves do not see each other.
    """

    __slots__ = (
        "clock",
        "deferred",
        "evidence",
        "first_applied",
        "group_start",
        "lane",
        "last_event_id",
        "last_transition_at",
        "snapshot",
    )

    def __init__(self) -> None:
        self.clock = -1
        self.group_start = 0
        self.snapshot: Optional[Lane] = None
        self.lane: Optional[Lane] = None
        # Of the last event applied, only what the state shows: holding the event would keep
        # its objects alive from one of the WP's moves to the next, long enough for the
        # collector to walk them again and again (a fifth of a 100,000-event fold).
        self.last_event_id: Optional[str] = None
        self.last_transition_at: Optional[datetime] = None
        self.evidence: Optional[DoneEvidence] = None
        self.first_applied: Optional[_Slot] = None
        self.deferred: Optional[List[_Deferred]] = None

    def state(self, wp_id: str) -> WPState:
        # Only asked of a WP that had a move applied, which sets all three.
        assert self.last_event_id is not None
        assert self.last_transition_at is not None
        assert self.lane is not None
        return WPState(
            wp_id=wp_id,
            current_lane=self.lane,
            last_event_id=self.last_event_id,
            last_transition_at=self.last_transition_at,
            evidence=self.evidence,
        )


class StatusFold:
    """The status reducer's fold, one event at a time; :func:`reduce_status_events` runs it.

    Feed :meth:`apply` events in fold order (as ``prepare`` returns them: ordered and
    de-duplicated); events of other types are ignored.  :meth:`freeze` returns the reducer's
    output for everything applied so far and may be called at any point without disturbing
    later applications, so an incremental projection and the batch reducer run the same fold.

    Each payload is validated once and dropped as soon as its outcome is known: only the
    last applied lane, event and evidence of each WP are kept.  (Holding every parsed payload
    until the end costs more in garbage-collector passes than the fold itself.)  Refusals
    and first applications carry their :data:`_Slot`, so the output keeps the application
    order.
    """

    __slots__ = (
        "_count",
        "_failures",
        "_last_event_id",
        "_mirrored",
        "_refusals",
        "_steps",
        "_tracks",
    )

    def __init__(self) -> None:
        self._tracks: Dict[str, _WPTrack] = {}
        self._failures: List[TransitionAnomaly] = []
        self._refusals: List[Tuple[_Slot, TransitionAnomaly]] = []
        self._count = 0
        self._last_event_id: Optional[str] = None
        self._steps: Dict[str, Callable[[StatusFold, int, Event], None]] = {
            WP_STATUS_CHANGED: StatusFold._transition,
        }
        self._mirrored = _mirrored_move()

    @property
    def event_count(self) -> int:
        return self._count

    def apply(self, event: Event) -> None:
        """Fold one event that sorts after every event applied so far."""
        step = self._steps.get(event.event_type)
        if step is None:
            return
        step(self, self._count, event)
        self._count += 1
        self._last_event_id = event.event_id

    def _transition(self, position: int, event: Event) -> None:
        # A move the payload's mirror accepts is folded from the mirror, which has the
        # model's field names and values; any other is validated by pydantic.
        mirrored = self._mirrored
        payload = None if mirrored is None else mirrored(event.payload)
        if payload is None:
            payload, error = parse_payload(StatusTransitionPayload, event.payload)
            if error is not None:
                self._failures.append(_parse_failure(event, error))
                return
            if payload is None:  # pragma: no cover - parse_payload returns one or the other
                return
        track = self._tracks.get(payload.wp_id)
        if track is None:
            track = self._tracks[payload.wp_id] = _WPTrack()
        clock = event.lamport_clock
        if track.clock != clock:
            if track.deferred is not None:
                _close_group(track, self._refusals)
            track.clock = clock
            track.group_start = position
            track.snapshot = track.lane
        if payload.review_ref is not None and _is_rollback(payload):
            if track.deferred is None:
                track.deferred = []
            track.deferred.append((position, event, payload))
        else:
            _judge(track, 0, position, event, payload, self._refusals)

    def freeze(self) -> ReducedStatus:
        """The reducer output for the events applied so far (a fresh object each time)."""
        if not self._count:
            return ReducedStatus()
        summary: Dict[str, Any] = {
            "event_count": self._count,
            "last_processed_event_id": self._last_event_id,
        }
        if not self._tracks:
            # Nothing parsed: wp_states stays unset, which exclude_unset dumps show.
            return ReducedStatus(anomalies=list(self._failures), **summary)
        tracks, refusals = self._closed()
        refusals.sort(key=itemgetter(0))
        return ReducedStatus(
            wp_states=_wp_states(tracks),
            anomalies=self._failures + [anomaly for _, anomaly in refusals],
            **summary,
        )

    def _closed(self) -> Tuple[Dict[str, _WPTrack], List[Tuple[_Slot, TransitionAnomaly]]]:
        """The tracks and refusals as if the stream ended now, leaving the fold as it is.

        Rollbacks still waiting for their group to end are judged on copies of their tracks:
        a later event of the same clock must still join that group.
        """
        refusals = list(self._refusals)
        tracks = self._tracks
        waiting = [wp_id for wp_id, track in tracks.items() if track.deferred is not None]
        if waiting:
            tracks = dict(tracks)
            for wp_id in waiting:
                track = tracks[wp_id] = copy.copy(tracks[wp_id])
                _close_group(track, refusals)
        return tracks, refusals


def _close_group(track: _WPTrack, refusals: List[Tuple[_Slot, TransitionAnomaly]]) -> None:
    """Apply the group's review rollbacks, which go after its other members."""
    deferred = track.deferred
    if deferred is not None:
        track.deferred = None
        for position, event, payload in deferred:
            _judge(track, 1, position, event, payload, refusals)


def _judge(
    track: _WPTrack,
    phase: int,
    position: int,
    event: Event,
    payload: StatusTransitionPayload,
    refusals: List[Tuple[_Slot, TransitionAnomaly]],
) -> None:
    reason = _refusal(payload, track.snapshot)
    if reason is not None:
        slot = (track.group_start, phase, position)
        refusals.append((slot, _refused(event, payload, reason)))
        return
    track.lane = payload.to_lane
    track.last_event_id = event.event_id
    track.last_transition_at = event.timestamp
    track.evidence = payload.evidence if payload.to_lane is Lane.DONE else None
    if track.first_applied is None:
        track.first_applied = (track.group_start, phase, position)


def _wp_states(tracks: Dict[str, _WPTrack]) -> Dict[str, WPState]:
    """Every WP with a valid transition, keyed in order of its first application."""
    firsts = [(t.first_applied, wp) for wp, t in tracks.items() if t.first_applied]
    firsts.sort()
    return {wp_id: tracks[wp_id].state(wp_id) for _, wp_id in firsts}


@young_collections_only()
def reduce_status_events(events: Sequence[Event]) -> ReducedStatus:
    """Fold a stream into every WP's current lane; refused events become anomalies.

    Non-status events are ignored; the result is the same for any delivery order and any
    duplication of the same events.
    """
    fold = StatusFold()
    apply = fold.apply
    for event in ordered(events, _STATUS_EVENT_TYPES):
        apply(event)
    return fold.freeze()


FAMILY = EventFamily(
    name="status",
    payloads=((WP_STATUS_CHANGED, StatusTransitionPayload),),
    schema_enums=(Lane, SyncLaneV1),
    reducer=reduce_status_events,
    schema_rules={WP_STATUS_CHANGED: _FORCE_AND_DONE_SCHEMA_RULES},
)
