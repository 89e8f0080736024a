"""Builders for hostile values: nesting of any depth without recursion, valid envelopes."""

from __future__ import annotations

from typing import Any, Dict

PROJECT = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
LIMIT = 64  # the documented nesting limit, written down here rather than imported


def nested(levels: int, leaf: Any = None, *, kind: str = "object") -> Any:
    """``levels`` containers inside one another (the outermost is level 1), ``leaf`` inside."""
    value = leaf
    for _ in range(levels):
        value = {"a": value} if kind == "object" else [value]
    return value


def envelope(payload: Any, n: int = 1, event_type: str = "HostileProbe") -> Dict[str, Any]:
    return {
        "event_id": f"01JNRC{n:020d}",
        "event_type": event_type,
        "aggregate_id": "WP01",
        "payload": payload,
        "timestamp": "2026-02-21T14:00:00Z",
        "node_id": "node-1",
        "lamport_clock": n,
        "project_uuid": PROJECT,
        "correlation_id": "01JNRC0RR00000000000000001",
    }


def status_payload() -> Dict[str, Any]:
    return {
        "feature_slug": "008-x",
        "wp_id": "WP01",
        "from_lane": None,
        "to_lane": "planned",
        "actor": "alice",
        "execution_mode": "worktree",
    }
