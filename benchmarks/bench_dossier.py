"""reduce_mission_dossier over a large mixed stream, against sort + one validation per event.

The stream: 70% ArtifactIndexed (a seventh of them with ``supersedes``, i.e. 10% of all events),
10% each of ArtifactMissing, SnapshotComputed and ParityDriftDetected, over 500 distinct paths.
"""

from __future__ import annotations

import gc
import random
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List

from _harness import Figure, best_of
from spec_kitty_events._pipeline import event_sort_key
from spec_kitty_events.dossier import (
    FAMILY,
    MISSION_DOSSIER_ARTIFACT_INDEXED,
    MISSION_DOSSIER_ARTIFACT_MISSING,
    MISSION_DOSSIER_PARITY_DRIFT_DETECTED,
    MISSION_DOSSIER_SNAPSHOT_COMPUTED,
    reduce_mission_dossier,
)
from spec_kitty_events.models import Event

TARGET_RATIO = 1.3
DISTINCT_PATHS = 500
NAMESPACE = {
    "project_uuid": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "feature_slug": "008-mission-dossier-parity-event-contracts",
    "target_branch": "2.x",
    "mission_key": "software-dev",
    "manifest_version": "1.0.0",
}
START = datetime(2026, 2, 21, 14, tzinfo=timezone.utc)


def _identity(rng: random.Random) -> Dict[str, Any]:
    path = f"kitty-specs/008/artifact-{rng.randrange(DISTINCT_PATHS):03d}.md"
    return {"mission_key": "software-dev", "path": path, "artifact_class": "workflow"}


def _payload(kind: int, rng: random.Random, n: int) -> tuple[str, Dict[str, Any]]:
    base: Dict[str, Any] = {"namespace": NAMESPACE}
    if kind < 70:
        base.update(
            artifact_id=_identity(rng),
            content_ref={"hash": f"{n:040x}", "algorithm": "sha256", "size_bytes": n},
            indexed_at="2026-02-21T14:00:00Z",
        )
        if kind < 10:
            base["supersedes"] = _identity(rng)
        return MISSION_DOSSIER_ARTIFACT_INDEXED, base
    if kind < 80:
        base.update(expected_identity=_identity(rng), manifest_step="plan", checked_at="2026-02-21")
        return MISSION_DOSSIER_ARTIFACT_MISSING, base
    if kind < 90:
        base.update(snapshot_hash=f"{n:040x}", artifact_count=n, anomaly_count=0, computed_at="t")
        return MISSION_DOSSIER_SNAPSHOT_COMPUTED, base
    base.update(
        expected_hash="a" * 40, actual_hash=f"{n:040x}", drift_kind="artifact_mutated",
        detected_at="2026-02-21",
    )  # fmt: skip
    return MISSION_DOSSIER_PARITY_DRIFT_DETECTED, base


def build_stream(count: int, seed: int = 8) -> List[Event]:
    rng = random.Random(seed)
    events = []
    for n in range(count):
        event_type, payload = _payload(rng.randrange(100), rng, n)
        events.append(
            Event(
                event_id=f"01JNRBENCH{n:016d}",
                event_type=event_type,
                aggregate_id="mission-software-dev",
                payload=payload,
                timestamp=START + timedelta(milliseconds=n),
                node_id="bench",
                lamport_clock=n + 1,
                project_uuid=NAMESPACE["project_uuid"],
                correlation_id="01JNRC0RR00000000000000001",
            )
        )
    return events


def floor(events: List[Event]) -> None:
    """What any reducer must do at least: order the events and validate each payload once."""
    for event in sorted(events, key=event_sort_key):
        FAMILY.payload_models[event.event_type].model_validate(event.payload)


def _best_after_collect(fn: Callable[[], object], repeat: int = 3) -> float:
    """``best_of``, but each run starts from a collected heap.

    Building the stream leaves the collector owing a full pass over it; without this, that
    pass lands inside whichever measurement happens to allocate first.
    """
    times = []
    for _ in range(repeat):
        gc.collect()
        times.append(best_of(fn, repeat=1))
    return min(times)


def run(quick: bool) -> List[Figure]:
    count = 10_000 if quick else 100_000
    in_order = build_stream(count)
    shuffled = list(in_order)
    random.Random(1).shuffle(shuffled)
    figures = []
    for label, events in (("in order", in_order), ("shuffled", shuffled)):
        floor_seconds = _best_after_collect(lambda events=events: floor(events))
        seconds = _best_after_collect(lambda events=events: reduce_mission_dossier(events))
        figures.append(
            Figure(
                name=f"reduce_mission_dossier, {label}",
                count=count,
                unit="events",
                seconds=seconds,
                floor_name="sort + one payload validation per event",
                floor_seconds=floor_seconds,
                target_ratio=TARGET_RATIO,
            )
        )
    return figures
