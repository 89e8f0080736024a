"""Text rendering for the command line: line reports, summaries and reduced states."""

from __future__ import annotations

import json
import re
from typing import Any, List, Sequence

from spec_kitty_events._jsonl import LineReport
from spec_kitty_events._logcheck import Tally
from spec_kitty_events.dossier import (
    LocalNamespaceTuple,
    MissionDossierParityDriftDetectedPayload,
    NamespaceMixedStreamError,
)
from spec_kitty_events.status import Lane


def line_report(report: LineReport, unit: str = "line") -> List[str]:
    """``line 7 (event 01J..., WPStatusChanged): payload.to_lane: Input should be ...``"""
    where = f"{unit} {report.line}"
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


# YAML (1.1 as PyYAML reads it, and 1.2) gives these plain scalars a type other than string.
_YAML_WORDS = frozenset(["null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"])
# A plain scalar of these characters, starting with a letter, is always a string in YAML 1.1 and
# 1.2 unless it is one of the words above; anything else is double-quoted.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*\Z")
# YAML caps an implicit mapping key at 1024 characters; longer keys use the explicit "? " form.
_MAX_IMPLICIT_KEY = 1000


def yaml(value: Any) -> List[str]:
    """A JSON value as block-style YAML that any YAML 1.1 or 1.2 parser reads back to exactly
    that value: a string that would read as another type (``"5"``, ``no``, a timestamp, a
    leading ``-``) or that holds a line break is double-quoted with escapes."""
    return _block(value, 0)


def _block(value: Any, indent: int) -> List[str]:
    pad = "  " * indent
    if isinstance(value, dict) and value:
        lines: List[str] = []
        for key, item in value.items():
            label = _scalar(_json_key(key))
            if len(label) > _MAX_IMPLICIT_KEY:
                lines.append(f"{pad}? {label}")
                lines.extend(_entry(f"{pad}:", item, indent))
            else:
                lines.extend(_entry(f"{pad}{label}:", item, indent))
        return lines
    if isinstance(value, list) and value:
        lines = []
        for item in value:
            lines.extend(_entry(f"{pad}-", item, indent))
        return lines
    return [pad + _scalar(value)]


def _entry(label: str, item: Any, indent: int) -> List[str]:
    if isinstance(item, (dict, list)) and item:
        return [label, *_block(item, indent + 1)]
    return [f"{label} {_scalar(item)}"]


def _json_key(key: Any) -> str:
    """A mapping key as json.dumps writes it, so the YAML key equals the JSON one."""
    return key if isinstance(key, str) else json.dumps(key)


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
            return value
        return _double_quoted(value)
    if isinstance(value, float):
        return _float(value)
    # null, true, false and integers are spelled the same in JSON and YAML.
    return json.dumps(value)


def _float(value: float) -> str:
    text = repr(value)
    if text in ("inf", "-inf", "nan"):
        return {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}[text]
    # YAML 1.1 reads 1e+20 as a string: its floats need a dot.
    if "." not in text:
        mantissa, e, exponent = text.partition("e")
        text = f"{mantissa}.0{e}{exponent}"
    return text


def _double_quoted(text: str) -> str:
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _escaped(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    printable = (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or code >= 0x10000
    ) and char not in "\u2028\u2029\ufeff"
    if printable:
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def refusal(error: Exception) -> str:
    """A reducer's refusal in wire values: ``claimed -> done`` rather than ``Lane.CLAIMED ->
    Lane.DONE``, a namespace as its ``project/feature/branch/mission/version`` path."""
    if isinstance(error, NamespaceMixedStreamError) and error.expected and error.got:
        return (
            "Namespace mismatch in dossier event stream: expected "
            f"{namespace_path(error.expected)}, got {namespace_path(error.got)}"
        )
    return _LANE_MEMBER.sub(_lane_value, str(error))


def namespace_path(namespace: LocalNamespaceTuple) -> str:
    return "/".join(
        (
            namespace.project_uuid,
            namespace.feature_slug,
            namespace.target_branch,
            namespace.mission_key,
            namespace.manifest_version,
        )
    )


_LANE_MEMBER = re.compile(r"\bLane\.([A-Z_]+)\b")


def _lane_value(match: re.Match[str]) -> str:
    member = Lane.__members__.get(match.group(1))
    return match.group(0) if member is None else member.value


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
