"""From log to state, end to end, each path against the naive one in the same run (issue 13).

Every path runs in a child process of its own, so that its peak memory (``ru_maxrss``) is its
own and nothing it leaves behind slows the next.  The naive path is what a consumer writes with
2.4.0: ``json.loads`` + ``Event.model_validate`` per line into a list, then the batch reducer.

- ``reduce dossier FILE`` / ``reduce status FILE``: the command line's fold (``_stream.fold_log``
  and the family reducer), in process after imports, against the naive path.
- ``ingest FILE --store sqlite``: the console script against ``validate FILE`` on the same file.
- ``reduce --store``: peak memory of the console script on a store of N and of 5N events whose
  state does not grow (ArtifactIndexed over 500 paths); the figure is bytes per extra event.

Each pair runs turn about, best of three rounds (one with ``--quick``): on a shared machine a
burst of load slows a two-process ingest more than the one-process validate.  ``--quick`` uses
2,000-event logs: a smoke run that these paths still run, not a measurement.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from _harness import Figure, launched
from bench_dossier import build_stream
from bench_status import status_stream
from spec_kitty_events._families import FAMILIES
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._stream import fold_log

_SCRIPT = Path(sys.executable).parent / "spec-kitty-events"


# --- the paths, each run in a child ----------------------------------------------------------


def _naive(path: str, kind: str) -> None:
    from spec_kitty_events.models import Event

    reducer = {family.name: family.reducer for family in FAMILIES}[kind]
    assert reducer is not None
    with open(path, "rb") as handle:
        events = [Event.model_validate(json.loads(line)) for line in handle if line.strip()]
    reducer(events).model_dump(mode="json")


def reduced_as_the_command_does(path: str, kind: str) -> Any:
    """The dumped state of the log at ``path``, the way ``reduce KIND FILE`` makes it:
    ``fold_log``, the family's reducer and the dump, full collections deferred until the
    state is out (see ``cli.reduce``)."""
    family = {family.name: family for family in FAMILIES}[kind]
    with young_collections_only(), open(path, "rb") as handle:
        batch, outcome = fold_log(
            handle, lambda events: family.reduce(events).model_dump(mode="json")
        )
        assert not batch.rejected
        return outcome()


def _ours(path: str, kind: str) -> None:
    reduced_as_the_command_does(path, kind)


_PATHS: Dict[str, Callable[[str, str], None]] = {"naive": _naive, "ours": _ours}


def _in_child(name: str, path: str, kind: str) -> Tuple[float, int]:
    """Seconds and peak memory of one path, run by this file in a fresh interpreter."""
    out = launched([sys.executable, __file__, name, path, kind])
    return float(out[0]), int(out[1])


def _script(*args: str) -> Tuple[float, int]:
    """Wall time and peak memory of one console-script run."""
    start = time.perf_counter()
    out = launched([str(_SCRIPT), *args])
    return time.perf_counter() - start, int(out[-1])


# --- the logs --------------------------------------------------------------------------------


def _write(events: List[Any], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for event in events:
            handle.write(event.model_dump_json() + "\n")
    return path


def _figure(name: str, count: int, ours: Tuple[float, int], floor: Tuple[float, int]) -> Figure:
    memory = f"; peak memory {ours[1] / 2**20:,.0f} MB vs {floor[1] / 2**20:,.0f} MB"
    return Figure(
        name=name + memory + f" ({ours[1] / floor[1]:.2f}x)",
        count=count,
        unit="events",
        seconds=ours[0],
        floor_name="naive",
        floor_seconds=floor[0],
    )


def _turn_about(
    runs: Dict[str, Callable[[], Tuple[float, int]]], rounds: int
) -> Dict[str, Tuple[float, int]]:
    """Each run's best seconds and highest peak memory over ``rounds`` rounds, the runs taken
    turn about, so that a burst of load from elsewhere is unlikely to slow one side only."""
    best: Dict[str, Tuple[float, int]] = {}
    for _ in range(rounds):
        for name, run_once in runs.items():
            seconds, peak = run_once()
            before = best.get(name, (seconds, peak))
            best[name] = (min(before[0], seconds), max(before[1], peak))
    return best


def run(quick: bool) -> List[Figure]:
    count = 2_000 if quick else 100_000
    rounds = 1 if quick else 3
    figures: List[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        logs = {
            "dossier": _write(build_stream(count), root / "dossier.jsonl"),
            "status": _write(status_stream(count // 5), root / "status.jsonl"),
        }
        for kind, path in logs.items():
            paths = {name: partial(_in_child, name, str(path), kind) for name in _PATHS}
            best = _turn_about(paths, rounds)
            figures.append(_figure(f"reduce {kind} FILE", count, best["ours"], best["naive"]))

        dossier = str(logs["dossier"])
        stores = (f"sqlite:///{root / f'full{n}.db'}" for n in itertools.count())
        both = _turn_about(
            {
                "validate": partial(_script, "validate", dossier),
                "ingest": lambda: _script("ingest", dossier, "--store", next(stores)),
            },
            rounds,
        )
        validate, ingest = both["validate"], both["ingest"]
        figures.append(
            Figure(
                "ingest FILE --store sqlite",
                count,
                "events",
                ingest[0],
                "validate FILE",
                validate[0],
            )
        )

        # reduce --store: the state stays at 500 paths while the store grows fivefold.
        small, large = count // 5, count
        peaks = []
        for size in (small, large):
            log = _write(
                [e for e in build_stream(size) if "Indexed" in e.event_type],
                root / f"i{size}.jsonl",
            )
            store = f"sqlite:///{root / f'i{size}.db'}"
            _script("ingest", str(log), "--store", store)
            stored = sum(1 for _ in log.open("rb"))
            peaks.append((stored, _script("reduce", "dossier", "--store", store)))
        (n1, (t1, p1)), (n2, (t2, p2)) = peaks
        per_event = (p2 - p1) / (n2 - n1)
        figures.append(
            Figure(
                f"reduce dossier --store; {per_event:,.0f} bytes of peak memory per extra "
                f"stored event ({p1 / 2**20:,.0f} MB at {n1:,}, {p2 / 2**20:,.0f} MB at {n2:,})",
                n2, "events", t2, f"same at {n1:,} events", t1,
            )
        )  # fmt: skip
    return figures


if __name__ == "__main__":
    # One path, in this fresh interpreter, timed after this module's imports.
    name, path, kind = sys.argv[1:4]
    started = time.perf_counter()
    _PATHS[name](path, kind)
    print(time.perf_counter() - started)
