"""Valid glossary payloads with overridable fields; events come from ``tests.factory``."""

from __future__ import annotations

from typing import Any, Dict

from tests.factory import event_id

MISSION = "mission-g1"
SCOPE = "scope-team"


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
        "conflict_event_ids": list(check_ids) or [event_id(0)],
        "blocking_strictness": "max",
        **over,
    }
