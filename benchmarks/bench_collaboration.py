"""The collaboration reducer over a busy 50-participant session.

The stream follows the contract's benchmark (collaboration.md §7.7): 50 ``llm_context``
participants, seeded through ``roster`` and joined by 50 leading events, then heartbeats, drive
intents, focus changes, step starts and completions, warnings, acknowledgements, comments,
decisions and session links drawn by weight with ``random.Random(42)``; 10,000 events in all.

Floor, measured in the same run: sort the events by the pipeline key, then validate each
payload once with its payload model.  That is the least any reducer that orders its input and
reads typed payloads must do.  A second figure loads one participant with thousands of
in-flight steps completed in start order, the case where a list scan per completion was
quadratic.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Tuple

from _harness import Figure, best_of
from spec_kitty_events._pipeline import event_sort_key
from spec_kitty_events.collaboration import (
    FAMILY,
    ParticipantIdentity,
    reduce_collaboration_events,
)
from spec_kitty_events.models import Event

_MISSION = "M-bench"
_PROJECT = uuid.UUID("0b7e5c1a-9f2d-4c3b-8a6e-1d2f3a4b5c6d")
_START = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
_WEIGHTS: Tuple[Tuple[str, int], ...] = (
    ("heartbeat", 30),
    ("intent", 10),
    ("focus", 10),
    ("start", 8),
    ("complete", 7),
    ("warning", 5),
    ("ack", 5),
    ("comment", 10),
    ("decision", 5),
    ("link", 10),
)
_MODELS = dict(FAMILY.payloads)


class _Session:
    """Generates one valid event at a time, remembering what completions and acks can match."""

    def __init__(self, participants: List[str], rng: random.Random) -> None:
        self.participants = participants
        self.rng = rng
        self.events: List[Event] = []
        self.in_flight: Dict[str, List[str]] = {pid: [] for pid in participants}
        self.warning_ids: List[str] = []

    def emit(self, event_type: str, **payload: Any) -> None:
        n = len(self.events) + 1
        self.events.append(
            Event(
                event_id=f"01J{n:023d}",
                event_type=event_type,
                aggregate_id=f"mission/{_MISSION}",
                payload={"mission_id": _MISSION, **payload},
                timestamp=_START + timedelta(seconds=n),
                node_id="bench",
                lamport_clock=n,
                project_uuid=_PROJECT,
                correlation_id="01JBENCH000000000000000000",
            )
        )

    def pick(self) -> str:
        return self.rng.choice(self.participants)

    def step(self, kind: str) -> None:
        getattr(self, f"_{kind}")(self.pick())

    def _heartbeat(self, pid: str) -> None:
        self.emit("PresenceHeartbeat", participant_id=pid, session_id=f"s-{pid}")

    def _intent(self, pid: str) -> None:
        intent = self.rng.choice(("active", "inactive"))
        self.emit("DriveIntentSet", participant_id=pid, intent=intent)

    def _focus(self, pid: str) -> None:
        target = {"target_type": "wp", "target_id": f"WP{self.rng.randrange(12):02d}"}
        self.emit("FocusChanged", participant_id=pid, focus_target=target)

    def _start(self, pid: str) -> None:
        step_id = f"step-{len(self.events)}"
        self.in_flight[pid].append(step_id)
        self.emit("PromptStepExecutionStarted", participant_id=pid, step_id=step_id)

    def _complete(self, pid: str) -> None:
        if not self.in_flight[pid]:
            self._start(pid)
        step_id = self.in_flight[pid].pop(0)
        self.emit(
            "PromptStepExecutionCompleted", participant_id=pid, step_id=step_id, outcome="success"
        )

    def _warning(self, pid: str) -> None:
        warning_id = f"w-{len(self.events)}"
        self.warning_ids.append(warning_id)
        others = self.rng.sample(self.participants, 2)
        target = {"target_type": "wp", "target_id": "WP01"}
        self.emit(
            "ConcurrentDriverWarning",
            warning_id=warning_id,
            participant_ids=others,
            focus_target=target,
            severity="warning",
        )

    def _ack(self, pid: str) -> None:
        if not self.warning_ids:
            self._warning(pid)
        self.emit(
            "WarningAcknowledged",
            participant_id=pid,
            warning_id=self.rng.choice(self.warning_ids),
            acknowledgement=self.rng.choice(("continue", "hold", "reassign", "defer")),
        )

    def _comment(self, pid: str) -> None:
        self.emit(
            "CommentPosted",
            participant_id=pid,
            comment_id=f"c-{len(self.events)}",
            content="looks fine",
        )

    def _decision(self, pid: str) -> None:
        self.emit(
            "DecisionCaptured",
            participant_id=pid,
            decision_id=f"d-{len(self.events)}",
            topic="merge order",
            chosen_option="WP01 first",
        )

    def _link(self, pid: str) -> None:
        self.emit(
            "SessionLinked",
            participant_id=pid,
            primary_session_id=f"cli-{pid}",
            linked_session_id=f"saas-{pid}",
            link_type="cli_to_saas",
        )


def _identity(pid: str) -> ParticipantIdentity:
    return ParticipantIdentity(participant_id=pid, participant_type="llm_context")


def session_stream(size: int) -> Tuple[List[Event], Dict[str, ParticipantIdentity]]:
    rng = random.Random(42)
    participants = [f"agent-{i:03d}" for i in range(50)]
    session = _Session(participants, rng)
    for pid in participants:
        session.emit(
            "ParticipantJoined",
            participant_id=pid,
            participant_identity=_identity(pid).model_dump(),
        )
    kinds = [kind for kind, _ in _WEIGHTS]
    weights = [weight for _, weight in _WEIGHTS]
    while len(session.events) < size:
        session.step(rng.choices(kinds, weights)[0])
    return session.events[:size], {pid: _identity(pid) for pid in participants}


def deep_in_flight_stream(size: int) -> Tuple[List[Event], Dict[str, ParticipantIdentity]]:
    """One participant starts ``size // 2`` steps, then completes them oldest first."""
    session = _Session(["agent-000"], random.Random(42))
    half = size // 2
    for _ in range(half):
        session._start("agent-000")
    for _ in range(half):
        session._complete("agent-000")
    return session.events, {"agent-000": _identity("agent-000")}


def _floor(events: List[Event]) -> Callable[[], object]:
    def sort_and_validate_once() -> None:
        for event in sorted(events, key=event_sort_key):
            _MODELS[event.event_type].model_validate(event.payload)

    return sort_and_validate_once


def _reduce(events: List[Event], roster: Dict[str, ParticipantIdentity]) -> Callable[[], object]:
    return lambda: reduce_collaboration_events(events, mode="permissive", roster=roster)


def _figure(name: str, events: List[Event], roster: Dict[str, ParticipantIdentity]) -> Figure:
    state = reduce_collaboration_events(events, mode="permissive", roster=roster)
    assert state.event_count == len(events)
    floor = best_of(_floor(events), repeat=5)
    seconds = best_of(_reduce(events, roster), repeat=5)
    return Figure(name, len(events), "events", seconds, "sort + validate each payload", floor)


def run(quick: bool) -> List[Figure]:
    size = 2_000 if quick else 10_000
    events, roster = session_stream(size)
    deep_events, deep_roster = deep_in_flight_stream(size)
    return [
        _figure("reduce_collaboration_events, 50-participant session", events, roster),
        _figure(
            "reduce_collaboration_events, one participant deep in flight", deep_events, deep_roster
        ),
    ]
