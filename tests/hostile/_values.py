"""Builders for hostile values: nesting of any depth without recursion, in valid envelopes."""

from __future__ import annotations

from typing import Any, Dict

from tests.cli import helpers as cli_helpers
from tests.factory import make_record

LIMIT = 64  # the documented nesting limit, written down here rather than imported


def nested(levels: int, leaf: Any = None, *, kind: str = "object") -> Any:
    """``levels`` containers inside one another (the outermost is level 1), ``leaf`` inside."""
    value = leaf
    for _ in range(levels):
        value = {"a": value} if kind == "object" else [value]
    return value


def envelope(payload: Any, n: int = 1, event_type: str = "HostileProbe") -> Dict[str, Any]:
    """The factory's log line for event ``n``, carrying ``payload`` unvalidated."""
    record = make_record(n, event_type)
    record["payload"] = payload
    return record


def status_payload() -> Dict[str, Any]:
    return cli_helpers.status_payload("WP01", None, "planned")
