"""Builders for glossary test events: valid payloads with overridable fields."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict

from spec_kitty_events.models import Event

MISSION = "mission-g1"
SCOPE = "scope-team"
PROJECT = uuid.UUID("11111111-2222-4333-8444-555555555555")
CORRELATION = "01J00000000000000000000CRR"
BASE_TIME = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def ulid(n: int) -> str:
    """A canonical (upper-case) ULID unique per ``n``."""
    return f"01J{n:023d}"


def event(n: int, event_type: str, payload: Dict[str, Any], *, clock: int | None = None) -> Event:
    """Event number ``n``: id ``ulid(n)``, Lamport clock ``n`` unless given."""
    return Event(
        event_id=ulid(n),
        event_type=event_type,
        aggregate_id=f"mission/{MISSION}",
        payload=payload,
        timestamp=BASE_TIME + timedelta(seconds=n),
        node_id="node-test",
        lamport_clock=n if clock is None else clock,
        project_uuid=PROJECT,
        correlation_id=CORRELATION,
    )


def scope_activated(**over: Any) -> Dict[str, Any]:
    return {
        "mission_id": MISSION,
        "scope_id": SCOPE,
        "scope_type": "team_domain",
        "glossary_version_id": "v1",
        **over,
    }


def strictness_set(**over: Any) -> Dict[str, Any]:
    return {"mission_id": MISSION, "new_strictness": "max", "actor": "lead", **over}


def term_observed(**over: Any) -> Dict[str, Any]:
    return {
        "mission_id": MISSION,
        "scope_id": SCOPE,
        "step_id": "step-1",
        "term_surface": "dashboard",
        "confidence": 0.5,
        "actor": "extractor",
        **over,
    }


def sense_updated(**over: Any) -> Dict[str, Any]:
    return {
        "mission_id": MISSION,
        "scope_id": SCOPE,
        "term_surface": "dashboard",
        "after_sense": "operator console",
        "reason": "clarified",
        "actor": "reviewer",
        **over,
    }


def conflict(**over: Any) -> Dict[str, Any]:
    return {
        "term": "dashboard",
        "nature": "overloaded",
        "severity": "high",
        "description": "two meanings",
        **over,
    }


def check_evaluated(**over: Any) -> Dict[str, Any]:
    return {
        "mission_id": MISSION,
        "scope_id": SCOPE,
        "step_id": "step-2",
        "conflicts": [conflict()],
        "severity": "high",
        "confidence": 0.9,
        "recommended_action": "block",
        "effective_strictness": "max",
        **over,
    }


def clarification_requested(check_id: str, **over: Any) -> Dict[str, Any]:
    return {
        "mission_id": MISSION,
        "scope_id": SCOPE,
        "step_id": "step-2",
        "semantic_check_event_id": check_id,
        "term": "dashboard",
        "question": "Which one?",
        "options": ["console", "analytics"],
        "urgency": "high",
        "actor": "checker",
        **over,
    }


def clarification_resolved(request_id: str, **over: Any) -> Dict[str, Any]:
    return {
        "mission_id": MISSION,
        "clarification_event_id": request_id,
        "selected_meaning": "console",
        "actor": "reviewer",
        **over,
    }


def generation_blocked(*check_ids: str, **over: Any) -> Dict[str, Any]:
    return {
        "mission_id": MISSION,
        "step_id": "step-2",
        "conflict_event_ids": list(check_ids) or [ulid(0)],
        "blocking_strictness": "max",
        **over,
    }
