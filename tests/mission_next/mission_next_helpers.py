"""Builders for mission-next test events: valid payloads with overridable fields."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict

from spec_kitty_events.models import Event

RUN = "run-1"
KEY = "mission-key"
PROJECT = uuid.UUID("99999999-8888-4777-8666-555555555555")
CORRELATION = "01K00000000000000000000CRR"
BASE_TIME = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)
ACTOR = {"actor_id": "runtime", "actor_type": "service"}


def ulid(n: int) -> str:
    """A canonical (upper-case) ULID unique per ``n``."""
    return f"01K{n:023d}"


def event(n: int, event_type: str, payload: Dict[str, Any], *, clock: int | None = None) -> Event:
    """Event number ``n``: id ``ulid(n)``, Lamport clock ``n`` unless given."""
    return Event(
        event_id=ulid(n),
        event_type=event_type,
        aggregate_id=f"mission/{KEY}",
        payload=payload,
        timestamp=BASE_TIME + timedelta(seconds=n),
        node_id="node-test",
        lamport_clock=n if clock is None else clock,
        project_uuid=PROJECT,
        correlation_id=CORRELATION,
    )


def started(**over: Any) -> Dict[str, Any]:
    return {"run_id": RUN, "mission_key": KEY, "actor": ACTOR, **over}


def issued(step_id: str = "S1", **over: Any) -> Dict[str, Any]:
    return {"run_id": RUN, "step_id": step_id, "agent_id": "agent", "actor": ACTOR, **over}


def auto_completed(step_id: str = "S1", **over: Any) -> Dict[str, Any]:
    return {
        "run_id": RUN,
        "step_id": step_id,
        "agent_id": "agent",
        "result": "success",
        "actor": ACTOR,
        **over,
    }


def requested(decision_id: str = "d1", **over: Any) -> Dict[str, Any]:
    return {
        "run_id": RUN,
        "decision_id": decision_id,
        "step_id": "S1",
        "question": "Which?",
        "actor": ACTOR,
        **over,
    }


def answered(decision_id: str = "d1", **over: Any) -> Dict[str, Any]:
    return {"run_id": RUN, "decision_id": decision_id, "answer": "yes", "actor": ACTOR, **over}


def completed(**over: Any) -> Dict[str, Any]:
    return {"run_id": RUN, "mission_key": KEY, "actor": ACTOR, **over}


def lifecycle_completed() -> Dict[str, Any]:
    """A lifecycle-shaped ``MissionCompleted`` payload: not run-scoped."""
    return {
        "mission_id": "m-1",
        "mission_type": "software-dev",
        "final_phase": "done",
        "actor": "lead",
    }
