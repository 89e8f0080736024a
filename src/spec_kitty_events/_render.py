"""Text rendering for the command line: line reports, summaries and reduced states."""

from __future__ import annotations

from typing import Any, List, Sequence

from spec_kitty_events._jsonl import LineReport
from spec_kitty_events._logcheck import Tally
from spec_kitty_events.dossier import MissionDossierParityDriftDetectedPayload


def line_report(report: LineReport) -> List[str]:
    """``line 7 (event 01J..., WPStatusChanged): payload.to_lane: Input should be ...``"""
    where = f"line {report.line}"
    facts = [f for f in (_event_label(report.event_id), report.event_type) if f]
    if facts:
        where += f" ({', '.join(facts)})"
    return [
        f"{where}: {problem.field}: {problem.message}"
        if problem.field
        else f"{where}: {problem.message}"
        for problem in report.problems
    ]


def _event_label(event_id: str | None) -> str:
    return f"event {event_id}" if event_id else ""


def summary(tally: Tally) -> str:
    text = f"{tally.lines} lines checked: {tally.valid} valid, {tally.invalid} invalid"
    if tally.unknown_type:
        kinds = ", ".join(f"{name} x{count}" for name, count in sorted(tally.unknown_types.items()))
        text += f"; {tally.unknown_type} of unknown event type, payload not checked ({kinds})"
    return text


def tree(value: Any, indent: int = 0) -> List[str]:
    """A JSON value as an indented outline: mappings as ``key: value``, lists as ``- item``."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        lines: List[str] = []
        for key, item in value.items():
            lines.extend(_entry(f"{pad}{key}:", item, indent))
        return lines
    if isinstance(value, list):
        if not value:
            return [pad + "[]"]
        lines = []
        for item in value:
            lines.extend(_entry(f"{pad}-", item, indent))
        return lines
    return [pad + _scalar(value)]


def _entry(label: str, item: Any, indent: int) -> List[str]:
    if isinstance(item, (dict, list)) and item:
        return [label, *tree(item, indent + 1)]
    return [f"{label} {tree(item)[0].strip()}"]


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def drifts(
    found: Sequence[MissionDossierParityDriftDetectedPayload], baseline: str, current: str
) -> List[str]:
    """One line per drift kind with the paths it concerns, under the two snapshot hashes."""
    if not found:
        return [f"no drift: both streams fold into snapshot {current}"]
    lines = [f"baseline snapshot {baseline}", f"current  snapshot {current}"]
    for drift in found:
        paths = [identity.path for identity in drift.artifact_ids_changed or ()]
        lines.append(f"{drift.drift_kind}: {', '.join(paths)}" if paths else drift.drift_kind)
    return lines
