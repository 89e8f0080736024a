"""Collaboration payloads, and a stream builder with one method per event type (clocks count up)."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

from spec_kitty_events.collaboration import (
    COMMENT_POSTED,
    CONCURRENT_DRIVER_WARNING,
    DECISION_CAPTURED,
    DRIVE_INTENT_SET,
    FOCUS_CHANGED,
    PARTICIPANT_INVITED,
    PARTICIPANT_JOINED,
    PARTICIPANT_LEFT,
    PRESENCE_HEARTBEAT,
    PROMPT_STEP_EXECUTION_COMPLETED,
    PROMPT_STEP_EXECUTION_STARTED,
    SESSION_LINKED,
    WARNING_ACKNOWLEDGED,
    ParticipantIdentity,
)
from spec_kitty_events.models import Event
from tests.factory import make_event

MISSION = "M001"


def identity(pid: str, kind: str = "human", **extra: Any) -> Dict[str, Any]:
    return {"participant_id": pid, "participant_type": kind, **extra}


def identity_model(pid: str, kind: str = "human") -> ParticipantIdentity:
    return ParticipantIdentity(participant_id=pid, participant_type=kind)  # type: ignore[arg-type,unused-ignore]


class Stream:
    """Appends events with strictly increasing Lamport clocks (one per event)."""

    def __init__(self, start: int = 1) -> None:
        self.events: List[Event] = []
        self._next = start

    def add(self, event_type: str, **payload: Any) -> Event:
        event = make_event(self._next, event_type, payload)
        self._next += 1
        self.events.append(event)
        return event

    def invite(self, pid: str, by: str = "p0", **fields: Any) -> Event:
        fields.setdefault("participant_identity", identity(pid))
        return self.add(
            PARTICIPANT_INVITED, participant_id=pid, invited_by=by, mission_id=MISSION, **fields
        )

    def join(self, pid: str, **fields: Any) -> Event:
        fields.setdefault("participant_identity", identity(pid))
        fields.setdefault("mission_id", MISSION)
        return self.add(PARTICIPANT_JOINED, participant_id=pid, **fields)

    def leave(self, pid: str) -> Event:
        return self.add(PARTICIPANT_LEFT, participant_id=pid, mission_id=MISSION)

    def heartbeat(self, pid: Any) -> Event:
        return self.add(PRESENCE_HEARTBEAT, participant_id=pid, mission_id=MISSION)

    def intent(self, pid: str, intent: Any) -> Event:
        return self.add(DRIVE_INTENT_SET, participant_id=pid, mission_id=MISSION, intent=intent)

    def focus(self, pid: str, target_type: str, target_id: str) -> Event:
        return self.add(
            FOCUS_CHANGED,
            participant_id=pid,
            mission_id=MISSION,
            focus_target={"target_type": target_type, "target_id": target_id},
        )

    def start(self, pid: str, step_id: Any) -> Event:
        return self.add(
            PROMPT_STEP_EXECUTION_STARTED, participant_id=pid, mission_id=MISSION, step_id=step_id
        )

    def complete(self, pid: str, step_id: Any) -> Event:
        return self.add(
            PROMPT_STEP_EXECUTION_COMPLETED,
            participant_id=pid,
            mission_id=MISSION,
            step_id=step_id,
            outcome="success",
        )

    def warn(
        self, warning_id: Any, pids: Any, warning_type: str = CONCURRENT_DRIVER_WARNING
    ) -> Event:
        return self.add(
            warning_type,
            warning_id=warning_id,
            mission_id=MISSION,
            participant_ids=pids,
            focus_target={"target_type": "wp", "target_id": "WP01"},
            step_id="step-1",
            severity="warning",
        )

    def ack(self, pid: str, warning_id: Any, acknowledgement: Any = "continue") -> Event:
        return self.add(
            WARNING_ACKNOWLEDGED,
            participant_id=pid,
            mission_id=MISSION,
            warning_id=warning_id,
            acknowledgement=acknowledgement,
        )

    def comment(self, pid: str, comment_id: str = "c1", **fields: Any) -> Event:
        fields.setdefault("content", "looks good")
        return self.add(
            COMMENT_POSTED, participant_id=pid, mission_id=MISSION, comment_id=comment_id, **fields
        )

    def decide(self, pid: str, decision_id: str = "d1", **fields: Any) -> Event:
        fields.setdefault("topic", "merge order")
        fields.setdefault("chosen_option", "WP01 first")
        return self.add(
            DECISION_CAPTURED,
            participant_id=pid,
            mission_id=MISSION,
            decision_id=decision_id,
            **fields,
        )

    def link(self, pid: str, linked: Any = "saas-1") -> Event:
        return self.add(
            SESSION_LINKED,
            participant_id=pid,
            mission_id=MISSION,
            primary_session_id="cli-1",
            linked_session_id=linked,
            link_type="cli_to_saas",
        )


def reasons(anomalies: Sequence[Any]) -> List[str]:
    return [anomaly.reason for anomaly in anomalies]
