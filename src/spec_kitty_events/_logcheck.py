"""Checking an event log line by line: the envelope, then the payload for its event type.

Both checks go through :func:`spec_kitty_events.conformance.validate_event` (its unexported
twin ``judge``, which does not walk again a line the reader proved within the limits), so a
line is judged exactly as a consumer validating before emit or ingest would judge it.  Model
violations are reported when there are any; otherwise the schema layer's (aliases and lax
coercions that the model accepts but the wire schema does not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from spec_kitty_events._envelope import fast_event
from spec_kitty_events._families import event_type_to_model
from spec_kitty_events._jsonl import (
    LineReport,
    Problem,
    RawLine,
    envelope_facts,
    join_path,
    unusable_line,
)
from spec_kitty_events.conformance.validators import ConformanceResult, judge
from spec_kitty_events.models import Event

ENVELOPE_TYPE = "Event"
# The event types validate_event knows a payload model for: the family registry's table.
_KNOWN_TYPES = frozenset(event_type_to_model()) - {ENVELOPE_TYPE}


@dataclass
class Tally:
    """Running counts for the summary; nothing skipped goes uncounted."""

    lines: int = 0
    valid: int = 0
    invalid: int = 0
    unknown_type: int = 0
    unknown_types: Dict[str, int] = field(default_factory=dict)

    def add(self, report: LineReport, unknown_type: Optional[str]) -> None:
        self.lines += 1
        if not report.ok:
            self.invalid += 1
            return
        self.valid += 1
        if unknown_type is not None:
            self.unknown_type += 1
            self.unknown_types[unknown_type] = self.unknown_types.get(unknown_type, 0) + 1

    def as_json(self) -> Dict[str, Any]:
        return {
            "lines": self.lines,
            "valid": self.valid,
            "invalid": self.invalid,
            "unknown_event_type": self.unknown_type,
            "unknown_event_types": dict(sorted(self.unknown_types.items())),
        }


def is_known_event_type(event_type: Optional[str]) -> bool:
    return event_type in _KNOWN_TYPES


def check_line(raw: RawLine, *, strict_types: bool = False) -> LineReport:
    """Judge one decoded line as an envelope and, when its type is known, its payload."""
    return check_event_line(raw, strict_types=strict_types)[0]


def check_event_line(
    raw: RawLine, *, strict_types: bool = False
) -> Tuple[LineReport, Optional[Event]]:
    """:func:`check_line`'s report, with the line's :class:`Event` when the report is good and
    the envelope check built the event anyway (through the fast envelope path); ``None``
    otherwise, and the caller builds it."""
    unusable = unusable_line(raw)
    if unusable is not None:
        return unusable, None
    event_id, event_type = envelope_facts(raw.value)
    # A line the reader proved within the event limits is not walked for them again.
    fresh = raw.limits_clear
    event = fast_event(raw.value) if fresh else None
    envelope = judge(raw.value, ENVELOPE_TYPE, fresh_json=fresh, model_accepted=event is not None)
    problems = _violations(envelope, "envelope", "")
    payload = raw.value.get("payload")
    if is_known_event_type(event_type) and isinstance(payload, dict):
        assert event_type is not None
        # Both checks apply the event limits; a payload value breaking one is reported once.
        seen = {(problem.field, problem.message) for problem in problems}
        problems += [
            problem
            for problem in _violations(
                judge(payload, event_type, fresh_json=fresh), "payload", "payload"
            )
            if (problem.field, problem.message) not in seen
        ]
    elif strict_types and event_type is not None and not is_known_event_type(event_type):
        problems.append(Problem("payload", "event_type", f"unknown event type {event_type!r}"))
    report = LineReport(raw.line, event_id, event_type, tuple(problems))
    return report, event if report.ok else None


def _violations(result: ConformanceResult, layer: str, prefix: str) -> List[Problem]:
    if result.valid:
        return []
    if result.model_violations:
        return [
            Problem(layer, join_path(prefix, v.field), v.message) for v in result.model_violations
        ]
    return [
        Problem(
            layer, join_path(prefix, _dotted(v.json_path)), f"{v.message} (schema: {v.validator})"
        )
        for v in result.schema_violations
    ]


def _dotted(json_path: str) -> str:
    """``$.a.b[0]`` -> ``a.b.0``: the same path style as the model layer's."""
    path = json_path[1:] if json_path.startswith("$") else json_path
    path = path.replace("[", ".").replace("]", "").replace("'", "")
    return path.lstrip(".")
