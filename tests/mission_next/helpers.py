"""Valid mission-next payloads with overridable fields; events come from ``tests.factory``."""

from __future__ import annotations

from typing import Any, Dict

RUN = "run-1"
KEY = "mission-key"
ACTOR = {"actor_id": "runtime", "actor_type": "service"}


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
