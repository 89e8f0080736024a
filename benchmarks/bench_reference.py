"""Against the reference implementation itself, run side by side in one run (issue 13's targets).

The targets of issue 13 are ratios to 2.4.0, the release this library replaces.  2.4.0 is not on
the package registry, but its neighbours are, and they pin it down:

- ``status.py`` and ``models.py`` (the ``Event`` envelope, ``reduce_status_events``) are byte
  for byte the same in 2.3.2 and 2.8.0, so 2.4.0's are those files too.  Their sha256 sums are
  checked below after every unpacking.
- ``dossier.py`` first shipped in 2.4.0; 2.8.0's ``reduce_mission_dossier`` is the nearest
  published one (its output on these logs equals ours, which is checked on every run).
- ``conformance/validators.py`` has the same ``validate_event``, ``_validate_with_model`` and
  ``_validate_with_schema`` in both; 2.8.0 only maps more event types (2.3.2 does not know the
  dossier types at all).  Per call it reads the schema file and builds a pure-Python
  ``jsonschema`` validator.  Its ``MissionDossierArtifactIndexed`` schema differs from ours in
  descriptions only.
- The wheel declares ``python-ulid`` but no module of it imports ``ulid``, so nothing else is
  fetched: the reference runs on this environment's pydantic and jsonschema, as ours does.

So the reference is the 2.8.0 wheel, fetched with ``pip download --no-deps`` into
``$XDG_CACHE_HOME/spec-kitty-events-bench/`` (``~/.cache/...`` by default) and unpacked there
once.  Both packages are named ``spec_kitty_events``, so each side runs in a fresh interpreter
of its own: the reference's with the unpacked wheel first on ``sys.path``, which that child
checks before it measures anything.  When the wheel cannot be fetched, one line says why and
the module yields no figure.

Figures, each ours against the reference on the same input (a ratio below 1 is faster):

- ``validate_event`` on a valid ``MissionDossierArtifactIndexed`` payload; target >= 25x.
- ``reduce_mission_dossier`` and ``reduce_status_events`` on lists of events (the logs of
  ``bench_end_to_end``), each side's events built by its own ``Event``, each timed run starting
  from a collected heap; target >= 2.5x.
- End to end, log file to JSON state: the naive 2.4.0 path (``json.loads`` +
  ``Event.model_validate`` per line, the reducer, ``model_dump(mode="json")``) against ours
  (``_stream.fold_log``), with the peak memory of each; target >= 3x at <= 0.5x the memory.

Every path runs in a fresh interpreter, turn about with the others, twice at full size; the
best time and the highest peak memory count.  Before any figure is reported, both sides must
have given the same answer: the same verdict for the payload, and for each log the same JSON
state from all four paths.  ``--quick`` uses 2,000-event logs: a smoke run that the paths
still run and agree, not a measurement.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple, Union

from _harness import Figure, launched

# Nothing at module level imports spec_kitty_events: the children run this file as a script,
# and the reference child must import the reference's package, not ours.

REFERENCE = "2.8.0"
_SAME_AS_2_4_0 = {
    "spec_kitty_events/status.py": (
        "267c9f2489478f05cf4d384c45a7c4e54fd17de1200b1b1d7c7d47374f01fe5e"
    ),
    "spec_kitty_events/models.py": (
        "5c2ef563705b6c66e9a2815cd32cf26e1f30906111da90706e62f7497ec2ed27"
    ),
}
_PAYLOAD_CASE = "dossier-artifact-indexed-with-provenance"
_REDUCERS = {
    "dossier": ("spec_kitty_events.dossier", "reduce_mission_dossier"),
    "status": ("spec_kitty_events.status", "reduce_status_events"),
}
_OURS = "ours"


# --- the reference wheel ---------------------------------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spec-kitty-events-bench"


def reference_site() -> Union[Path, str]:
    """The unpacked reference wheel, or why it cannot be had."""
    site = cache_dir() / f"spec-kitty-events-{REFERENCE}"
    if not (site / "spec_kitty_events" / "__init__.py").is_file():
        wheels = cache_dir() / "wheels"
        try:
            fetched = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--only-binary=:all:", "--dest", str(wheels), f"spec-kitty-events=={REFERENCE}"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"pip download did not finish: {error}"
        if fetched.returncode != 0:
            lines = [line for line in fetched.stderr.splitlines() if line.strip()]
            errors = [line for line in lines if line.startswith("ERROR")] or lines
            return f"pip download failed: {errors[-1] if errors else fetched.returncode}"
        wheel = wheels / f"spec_kitty_events-{REFERENCE}-py3-none-any.whl"
        # Unpacked beside the final place and renamed into it, so an interrupted run never
        # leaves a half-unpacked reference that a later run would take for a whole one.
        unpacking = tempfile.mkdtemp(dir=cache_dir())
        try:
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(unpacking)
            os.replace(unpacking, site)
        finally:
            shutil.rmtree(unpacking, ignore_errors=True)
    for name, digest in _SAME_AS_2_4_0.items():
        actual = hashlib.sha256((site / name).read_bytes()).hexdigest()
        assert actual == digest, f"{site / name} is not the file 2.3.2 and 2.8.0 share"
    return site


# --- what each child runs --------------------------------------------------------------------


def _reducer(kind: str) -> Callable[[List[Any]], Any]:
    module, name = _REDUCERS[kind]
    reducer: Callable[[List[Any]], Any] = getattr(importlib.import_module(module), name)
    return reducer


def _validate(payload_file: str, count: str, out: str) -> float:
    from spec_kitty_events.conformance import validate_event

    case = json.loads(Path(payload_file).read_text(encoding="utf-8"))
    payload, event_type = case["payload"], case["event_type"]
    result = validate_event(payload, event_type)  # also warms any cache, untimed
    verdict = {"valid": result.valid, "schema_check_skipped": result.schema_check_skipped}
    Path(out).write_text(json.dumps(verdict), encoding="utf-8")
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(int(count)):
            validate_event(payload, event_type)
        best = min(best, time.perf_counter() - start)
    return best


def _batch(kind: str, log: str, out: str) -> float:
    from spec_kitty_events.models import Event

    reducer = _reducer(kind)
    with open(log, "rb") as handle:
        events = [Event.model_validate_json(line) for line in handle]
    best, state = float("inf"), None
    for _ in range(3):
        state = None  # the last run's state is garbage before the collection, not during a run
        gc.collect()
        start = time.perf_counter()
        state = reducer(events)
        best = min(best, time.perf_counter() - start)
    assert state is not None
    _dump(state.model_dump(mode="json"), out)
    return best


def _naive(kind: str, log: str, out: str) -> float:
    from spec_kitty_events.models import Event

    reducer = _reducer(kind)
    start = time.perf_counter()
    with open(log, "rb") as handle:
        events = [Event.model_validate(json.loads(line)) for line in handle if line.strip()]
    state = reducer(events).model_dump(mode="json")
    seconds = time.perf_counter() - start
    _dump(state, out)
    return seconds


def _fold(kind: str, log: str, out: str) -> float:
    from bench_end_to_end import reduced_as_the_command_does

    start = time.perf_counter()
    state = reduced_as_the_command_does(log, kind)
    seconds = time.perf_counter() - start
    _dump(state, out)
    return seconds


def _dump(state: Any, out: str) -> None:
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(state, handle)


_JOBS: Dict[str, Callable[..., float]] = {
    "validate": _validate,
    "batch": _batch,
    "naive": _naive,
    "fold": _fold,
}


def _child(side: str, job: str, *args: str) -> float:
    """Run one job in this fresh interpreter, on our package or the reference at ``side``."""
    if side != _OURS:
        sys.path.insert(0, side)
    import spec_kitty_events

    loaded = Path(spec_kitty_events.__file__).resolve()
    if side != _OURS:
        assert loaded.is_relative_to(Path(side).resolve()), f"the reference is {loaded}"
    return _JOBS[job](*args)


# --- the parent ------------------------------------------------------------------------------

_Job = Tuple[object, ...]  # side, job, its arguments: the child's command line


def _turn_about(jobs: Dict[str, _Job], rounds: int) -> Dict[str, Tuple[float, int]]:
    """Each job's best seconds and highest peak memory, each run in a fresh interpreter.

    The jobs run turn about, ``rounds`` times, so that a burst of load from another process on
    a shared machine is unlikely to slow one side only.
    """
    best: Dict[str, Tuple[float, int]] = {}
    for _ in range(rounds):
        for name, job in jobs.items():
            words = launched([sys.executable, __file__, *map(str, job)])
            seconds, peak = float(words[0]), int(words[1])
            before = best.get(name, (seconds, peak))
            best[name] = (min(before[0], seconds), max(before[1], peak))
    return best


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _same(what: str, answers: Dict[str, Path]) -> None:
    """Every path gave the reference's answer, or the figures would compare different work."""
    expected = _load(answers["reference"])
    for name, path in answers.items():
        assert _load(path) == expected, f"{what}: {name} disagrees with the reference"


def _faster(ours: float, reference: float) -> str:
    return f"{reference / ours:.1f}x the reference's speed"


def _validate_figure(site: Path, root: Path, quick: bool, rounds: int) -> Figure:
    from spec_kitty_events.conformance.loader import load_fixtures

    case = next(c for c in load_fixtures("dossier") if c.id == _PAYLOAD_CASE)
    payload = root / "payload.json"
    payload.write_text(json.dumps({"payload": case.payload, "event_type": case.event_type}))
    counts = {"reference": 100, "ours": 2_000} if quick else {"reference": 1_000, "ours": 20_000}
    verdicts = {name: root / f"verdict-{name}.json" for name in counts}
    sides: Dict[str, Union[Path, str]] = {"reference": site, "ours": _OURS}
    times = _turn_about(
        {name: (sides[name], "validate", payload, counts[name], verdicts[name]) for name in counts},
        rounds,
    )
    _same("validate_event verdict", verdicts)
    assert _load(verdicts["ours"]) == {"valid": True, "schema_check_skipped": False}
    engine = "jsonschema-rs" if importlib.util.find_spec("jsonschema_rs") else "jsonschema"
    ours = times["ours"][0]
    scaled = times["reference"][0] * counts["ours"] / counts["reference"]
    return Figure(
        f"validate_event, valid {case.event_type} ({engine} vs the reference's jsonschema); "
        f"{_faster(ours, scaled)}, target >= 25x",
        counts["ours"], "calls", ours, "reference", scaled, target_ratio=1 / 25,
    )  # fmt: skip


def _write(events: List[Any], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for event in events:
            handle.write(event.model_dump_json() + "\n")
    return path


def _log_figures(site: Path, root: Path, kind: str, log: Path, rounds: int) -> List[Figure]:
    jobs: Dict[str, _Job] = {
        "reference": (site, "batch", kind, log),
        "ours": (_OURS, "batch", kind, log),
        "naive": (site, "naive", kind, log),
        "fold": (_OURS, "fold", kind, log),
    }
    answers = {name: root / f"{kind}-{name}.json" for name in jobs}
    measured = _turn_about({name: (*job, answers[name]) for name, job in jobs.items()}, rounds)
    _same(f"{kind} state", answers)
    count = sum(1 for _ in log.open("rb"))
    (reference, _), (ours, _) = measured["reference"], measured["ours"]
    naive, fold = measured["naive"], measured["fold"]
    memory = fold[1] / naive[1]
    return [
        Figure(
            f"{_REDUCERS[kind][1]} on a list, from a collected heap; "
            f"{_faster(ours, reference)}, target >= 2.5x",
            count, "events", ours, "reference", reference, target_ratio=1 / 2.5,
        ),
        Figure(
            f"reduce {kind}, log to JSON state, fold_log vs the naive 2.4.0 path; "
            f"{_faster(fold[0], naive[0])}, target >= 3x; peak memory {fold[1] / 2**20:,.0f} MB "
            f"vs {naive[1] / 2**20:,.0f} MB ({memory:.2f}x, target <= 0.50x)",
            count, "events", fold[0], "reference naive", naive[0], target_ratio=1 / 3,
        ),
    ]  # fmt: skip


def run(quick: bool) -> List[Figure]:
    site = reference_site()
    if isinstance(site, str):
        why = f"spec-kitty-events {REFERENCE} could not be fetched ({site})"
        print(f"  skipped the reference figures: {why}", flush=True)
        return []
    # The logs come from our own benchmark modules, imported only here (see the top).
    from bench_dossier import build_stream
    from bench_status import status_stream

    count = 2_000 if quick else 100_000
    rounds = 1 if quick else 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        figures = [_validate_figure(site, root, quick, rounds)]
        logs = {
            "dossier": _write(build_stream(count), root / "dossier.jsonl"),
            "status": _write(status_stream(count // 5), root / "status.jsonl"),
        }
        for kind, log in logs.items():
            figures += _log_figures(site, root, kind, log, rounds)
    return figures


if __name__ == "__main__":
    print(_child(*sys.argv[1:]))
