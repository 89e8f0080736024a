"""Three runners share the dossier projections of one PostgreSQL store; one is killed.

Each of 30 namespaces is its own shard.  The runners print every projection they take
(stderr) and every batch they commit (stdout), each with the database's clock, which is
the ownership log checked here: for every shard, the spans from "taken" to "last commit"
of different runners never overlap, the killed runner's shards are taken over, and every
namespace ends equal to the full fold.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from spec_kitty_events.projections import ProjectionRunner
from tests.cli.helpers import script_command

from .helpers import caught_up, full_fold, save, stream

NAMESPACES = 30
RUNNERS = 3


def _start(url: str, directory: Path, number: int) -> Tuple[subprocess.Popen[bytes], Path, Path]:
    out, err = directory / f"runner{number}.out", directory / f"runner{number}.err"
    process = subprocess.Popen(
        [
            *script_command(),
            "follow",
            "dossier",
            "--store",
            url,
            "--shards",
            str(NAMESPACES),
            "--poll",
            "0.1",
            "--page-size",
            "20",
            "--ownership",
        ],
        stdout=out.open("wb"),
        stderr=err.open("wb"),
    )
    return process, out, err


def _records(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def _spans(logs: Dict[int, Tuple[Path, Path]]) -> Dict[str, List[Tuple[datetime, datetime, int]]]:
    """Per shard key: (taken at, last commit at, runner) for every time a runner took it."""
    spans: Dict[str, List[Tuple[datetime, datetime, int]]] = {}
    for runner, (out, err) in logs.items():
        commits = _records(out)
        takes = [r for r in _records(err) if r.get("ownership") == "acquired"]
        for take in takes:
            start = datetime.fromisoformat(take["at"])
            later = [
                datetime.fromisoformat(c["at"])
                for c in commits
                if c["key"] == take["key"] and datetime.fromisoformat(c["at"]) >= start
            ]
            spans.setdefault(take["key"], []).append((start, max(later, default=start), runner))
    return spans


@pytest.mark.slow
def test_three_runners_share_thirty_namespaces_and_survive_losing_one(
    pg_url: str, tmp_path: Path
) -> None:
    events = stream(seed=31, count=1500, namespaces=NAMESPACES)
    dossier = [e for e in events if e.event_type != "WPStatusChanged"]
    save(pg_url, dossier[:600])
    started = {n: _start(pg_url, tmp_path, n) for n in range(RUNNERS)}
    victim = None
    try:
        victim = _share_and_lose_one(pg_url, dossier, started)
    finally:
        for process, _, _ in started.values():
            if process.poll() is None:
                process.kill()
                process.wait(30)
    logs = {n: (out, err) for n, (_, out, err) in started.items()}
    spans = _spans(logs)
    assert len(spans) == NAMESPACES
    for key, held in spans.items():
        held.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(held):
            assert end < start, f"{key}: runners {first} and {second} held it at once"
    taken_from_victim = {key for key, held in spans.items() if held[0][2] == victim}
    assert taken_from_victim, "the killed runner owned nothing"
    assert all(len({runner for *_, runner in spans[key]}) > 1 for key in taken_from_victim)
    assert caught_up(pg_url, "dossier", shards=NAMESPACES) == full_fold(pg_url, "dossier")


def _until(condition: Any, seconds: float = 120.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _share_and_lose_one(url: str, dossier: List[Any], started: Dict[int, Any]) -> int:
    """Kill one runner that has folded something (so there is work to take over), keep writing,
    wait until the survivors caught up, stop them; return the killed runner's number.

    The victim is the first runner seen folding, not a fixed one: on a loaded machine a runner
    that starts late may find every shard already taken by the others.
    """

    def folding() -> List[int]:
        return [n for n, (_, out, _) in sorted(started.items()) if _records(out)]

    assert _until(lambda: bool(folding()))
    number = folding()[0]
    victim = started[number][0]
    save(url, dossier[600:900])
    time.sleep(0.3)
    victim.kill()
    victim.wait(30)
    for start in range(900, len(dossier), 100):
        save(url, dossier[start : start + 100])
        time.sleep(0.2)

    def all_caught_up() -> bool:
        # An observer that claims nothing, so it never holds a shard the runners need.
        with ProjectionRunner(url, "dossier", shards=NAMESPACES) as observer:
            positions = observer.positions()
        return len(positions) == NAMESPACES and set(positions.values()) == {len(dossier)}

    assert _until(all_caught_up)
    for survivor in sorted(set(started) - {number}):
        started[survivor][0].send_signal(signal.SIGTERM)
        assert started[survivor][0].wait(60) == 0
    return number
