"""DossierProjection against re-reducing the whole history with reduce_mission_dossier.

The history: 100,000 dossier events of one namespace over 500 paths (80% ArtifactIndexed, 10%
ArtifactMissing, 5% each SnapshotComputed and ParityDriftDetected).  The floor is one
``reduce_mission_dossier`` of the history plus the new batch, which is what a consumer without
the projection pays per batch.  Every apply figure includes reading ``.state`` afterwards, on
a projection whose state was read once before (as a service that keeps it would have).
"""

from __future__ import annotations

import gc
import random
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Tuple

from _harness import Figure
from spec_kitty_events.dossier import (
    MISSION_DOSSIER_ARTIFACT_INDEXED,
    MISSION_DOSSIER_ARTIFACT_MISSING,
    MISSION_DOSSIER_PARITY_DRIFT_DETECTED,
    MISSION_DOSSIER_SNAPSHOT_COMPUTED,
    reduce_mission_dossier,
)
from spec_kitty_events.dossier_parity import DossierProjection, dossier_snapshot_hash
from spec_kitty_events.models import Event

NAMESPACE = {
    "project_uuid": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "feature_slug": "008-mission-dossier-parity-event-contracts",
    "target_branch": "2.x",
    "mission_key": "software-dev",
    "manifest_version": "1.0.0",
}
START = datetime(2026, 2, 21, 14, tzinfo=timezone.utc)
BATCH = 100


def _identity(rng: random.Random) -> Dict[str, Any]:
    path = f"kitty-specs/008/artifact-{rng.randrange(500):03d}.md"
    return {"mission_key": "software-dev", "path": path, "artifact_class": "workflow"}


def _payload(rng: random.Random, n: int) -> Tuple[str, Dict[str, Any]]:
    kind = rng.randrange(100)
    base: Dict[str, Any] = {"namespace": NAMESPACE}
    if kind < 80:
        base.update(
            artifact_id=_identity(rng),
            content_ref={"hash": f"{n:040x}", "algorithm": "sha256"},
            indexed_at="2026-02-21T14:00:00Z",
        )
        return MISSION_DOSSIER_ARTIFACT_INDEXED, base
    if kind < 90:
        base.update(expected_identity=_identity(rng), manifest_step="plan", checked_at="t")
        return MISSION_DOSSIER_ARTIFACT_MISSING, base
    if kind < 95:
        base.update(snapshot_hash=f"{n:040x}", artifact_count=1, anomaly_count=0, computed_at="t")
        return MISSION_DOSSIER_SNAPSHOT_COMPUTED, base
    base.update(
        expected_hash="aa", actual_hash="bb", drift_kind="artifact_mutated", detected_at="t"
    )
    return MISSION_DOSSIER_PARITY_DRIFT_DETECTED, base


def _event(rng: random.Random, n: int, lamport: int) -> Event:
    event_type, payload = _payload(rng, n)
    return Event(
        event_id=f"01JNRBENCH{n:016d}",
        event_type=event_type,
        aggregate_id="mission-software-dev",
        payload=payload,
        timestamp=START + timedelta(seconds=lamport),
        node_id="local-node-001",
        lamport_clock=lamport,
        project_uuid=NAMESPACE["project_uuid"],
        correlation_id="01JNRC0RR00000000000000009",
    )


def _streams(size: int) -> Tuple[List[Event], List[Event], List[Event]]:
    """The history, a batch that sorts after it, and a batch that sorts inside it."""
    rng = random.Random(8)
    history = [_event(rng, n, 2 * n + 2) for n in range(size)]
    on_top = [_event(rng, size + i, 2 * size + 2 + i) for i in range(BATCH)]
    late = [_event(rng, 2 * size + i, 2 * (size - BATCH + i) + 1) for i in range(BATCH)]
    return history, on_top, late


def _best_after_setup(setup: Callable[[], Any], timed: Callable[[Any], object]) -> float:
    """Smallest wall time of three runs of ``timed`` on a fresh, untimed ``setup()``."""
    times: List[float] = []
    for _ in range(3):
        subject = setup()
        gc.collect()
        start = time.perf_counter()
        timed(subject)
        times.append(time.perf_counter() - start)
    return min(times)


def _apply_and_read(batch: List[Event]) -> Callable[[DossierProjection], object]:
    def run(projection: DossierProjection) -> object:
        projection.apply(batch)
        return projection.state

    return run


def run(quick: bool) -> List[Figure]:
    size = 10_000 if quick else 100_000
    history, on_top, late = _streams(size)
    floor_name = f"reduce_mission_dossier of {size + BATCH:,} events"

    def floor_run() -> float:
        return _best_after_setup(lambda: None, lambda _: reduce_mission_dossier(history + on_top))

    floor = floor_run()

    def fresh() -> DossierProjection:
        # A long-lived projection whose state has been read before, as a service keeps it.
        projection = DossierProjection(history)
        projection.state  # noqa: B018
        return projection

    applied_on_top = _best_after_setup(fresh, _apply_and_read(on_top))
    applied_late = _best_after_setup(fresh, _apply_and_read(late))
    one = _best_after_setup(fresh, _apply_and_read(on_top[:1]))
    state = reduce_mission_dossier(history)
    hashed = _best_after_setup(lambda: state, dossier_snapshot_hash)
    return [
        Figure(
            f"apply {BATCH} events on top + .state",
            BATCH,
            "events",
            applied_on_top,
            floor_name,
            floor,
            target_ratio=0.05,
        ),
        Figure(
            "apply 1 event on top + .state", 1, "events", one, floor_name, floor, target_ratio=0.05
        ),
        Figure(
            f"apply {BATCH} late events (replay) + .state",
            BATCH,
            "events",
            applied_late,
            floor_name,
            floor,
            target_ratio=1.5,
        ),
        Figure(
            "dossier_snapshot_hash of the folded state",
            1,
            "states",
            hashed,
            floor_name,
            floor,
            target_ratio=0.05,
        ),
    ]
