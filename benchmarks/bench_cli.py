"""Command-line figures: ``validate`` over a 100,000-line log.

The measured path is the one ``spec-kitty-events validate`` runs per line (decode, envelope
check, payload check through ``validate_event``), in process so that interpreter start-up does
not count.  The floor is ``json.loads`` of the same lines: reading the log at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

from _harness import Figure, best_of
from spec_kitty_events._jsonl import iter_lines
from spec_kitty_events._logcheck import Tally, check_line

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _log_lines(count: int) -> List[bytes]:
    """The shipped example streams, repeated with fresh ids until ``count`` lines."""
    templates = [
        json.loads(line)
        for name in ("status_history.jsonl", "dossier_drift.jsonl", "mission_next_run.jsonl")
        for line in (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    ]
    lines = []
    for n in range(count):
        record = dict(templates[n % len(templates)])
        record["event_id"] = f"01KBENCH{n:018d}"
        record["lamport_clock"] = n
        lines.append(json.dumps(record).encode() + b"\n")
    return lines


def _validate(lines: List[bytes]) -> Tally:
    tally = Tally()
    for raw in iter_lines(lines):
        tally.add(check_line(raw), None)
    return tally


def _floor(lines: List[bytes]) -> None:
    for line in lines:
        json.loads(line)


def run(quick: bool) -> List[Figure]:
    count = 10_000 if quick else 100_000
    lines = _log_lines(count)
    tally = _validate(lines)
    # Every example line is valid except one deliberate status anomaly that is a *reducer*
    # anomaly, not a validation failure; a bad line here would mean the benchmark is broken.
    assert tally.invalid == 0, tally
    floor = best_of(lambda: _floor(lines))
    measured = best_of(lambda: _validate(lines))
    return [
        Figure(
            "validate (envelope + payload, both layers)",
            count,
            "lines",
            measured,
            "json.loads",
            floor,
        )
    ]
