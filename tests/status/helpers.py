"""Status and lifecycle payloads, and work-package events built through ``tests.factory``."""

from __future__ import annotations

from typing import Any, Dict, Optional

from spec_kitty_events.models import Event
from tests.factory import make_event

EVIDENCE: Dict[str, Any] = {
    "repos": [{"repo": "spec-kitty", "branch": "main", "commit": "abc123"}],
    "verification": [{"command": "pytest", "result": "passed"}],
    "review": {"reviewer": "alice", "verdict": "approved"},
}


def transition(
    wp_id: str,
    from_lane: Optional[str],
    to_lane: str,
    **extra: Any,
) -> Dict[str, Any]:
    """A ``StatusTransitionPayload`` mapping; ``done`` gets evidence unless told otherwise."""
    payload: Dict[str, Any] = {
        "feature_slug": "feature-x",
        "wp_id": wp_id,
        "from_lane": from_lane,
        "to_lane": to_lane,
        "actor": "agent-1",
        "execution_mode": "worktree",
    }
    if to_lane == "done":
        payload["evidence"] = EVIDENCE
    payload.update(extra)
    return payload


def wp_event(
    n: int,
    wp_id: str,
    from_lane: Optional[str],
    to_lane: str,
    *,
    clock: Optional[int] = None,
    seconds: Optional[float] = None,
    **extra: Any,
) -> Event:
    """Work-package event number ``n``: a ``WPStatusChanged`` moving ``wp_id`` between lanes."""
    return make_event(
        n,
        "WPStatusChanged",
        transition(wp_id, from_lane, to_lane, **extra),
        clock=clock,
        seconds=seconds,
    )
