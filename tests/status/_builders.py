"""Small builders for status / lifecycle test streams."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from spec_kitty_events.models import Event

PROJECT = uuid.UUID("12345678-1234-5678-1234-567812345678")
BASE_TIME = datetime(2025, 1, 1, tzinfo=timezone.utc)

EVIDENCE: Dict[str, Any] = {
    "repos": [{"repo": "spec-kitty", "branch": "main", "commit": "abc123"}],
    "verification": [{"command": "pytest", "result": "passed"}],
    "review": {"reviewer": "alice", "verdict": "approved"},
}


def event_id(n: int) -> str:
    """A canonical 26-character ULID-shaped id whose text order follows ``n``."""
    return f"01J{n:023d}"


def make_event(
    n: int,
    event_type: str,
    payload: Dict[str, Any],
    *,
    clock: Optional[int] = None,
    seconds: int = 0,
    node: str = "node-a",
) -> Event:
    return Event(
        event_id=event_id(n),
        event_type=event_type,
        aggregate_id="mission-1",
        payload=payload,
        timestamp=BASE_TIME + timedelta(seconds=seconds),
        node_id=node,
        lamport_clock=n if clock is None else clock,
        project_uuid=PROJECT,
        correlation_id=event_id(1),
    )


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
    seconds: int = 0,
    **extra: Any,
) -> Event:
    return make_event(
        n,
        "WPStatusChanged",
        transition(wp_id, from_lane, to_lane, **extra),
        clock=clock,
        seconds=seconds,
    )
