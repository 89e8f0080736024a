"""Events and states for the parity tests, with the contract's shared values (dossier.md §11)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from spec_kitty_events.models import Event

PROJECT_UUID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
NS: Dict[str, str] = {
    "project_uuid": PROJECT_UUID,
    "feature_slug": "008-mission-dossier-parity-event-contracts",
    "target_branch": "2.x",
    "mission_key": "software-dev",
    "manifest_version": "1.0.0",
}
INDEXED = "MissionDossierArtifactIndexed"
MISSING = "MissionDossierArtifactMissing"
SNAPSHOT = "MissionDossierSnapshotComputed"
DRIFT = "MissionDossierParityDriftDetected"
BASE_TIME = datetime(2026, 2, 21, 14, 0, tzinfo=timezone.utc)


def ns(**changes: Any) -> Dict[str, Any]:
    return {**NS, **changes}


def ident(path: str, artifact_class: str = "input", **extra: Any) -> Dict[str, Any]:
    return {"mission_key": "software-dev", "path": path, "artifact_class": artifact_class, **extra}


def indexed(path: str, digest: str, **extra: Any) -> Dict[str, Any]:
    return {
        "namespace": extra.pop("namespace", NS),
        "artifact_id": ident(path, extra.pop("artifact_class", "input")),
        "content_ref": {"hash": digest, "algorithm": extra.pop("algorithm", "sha256")},
        "indexed_at": extra.pop("indexed_at", "2026-02-21T14:00:00Z"),
        **extra,
    }


def missing(path: str, step: str = "required_always", **extra: Any) -> Dict[str, Any]:
    return {
        "namespace": extra.pop("namespace", NS),
        "expected_identity": ident(path, extra.pop("artifact_class", "workflow")),
        "manifest_step": step,
        "checked_at": extra.pop("checked_at", "2026-02-21T14:05:00Z"),
        **extra,
    }


def snapshot(digest: str = "aa", **extra: Any) -> Dict[str, Any]:
    return {
        "namespace": extra.pop("namespace", NS),
        "snapshot_hash": digest,
        "artifact_count": 1,
        "anomaly_count": 0,
        "computed_at": "2026-02-21T14:10:00Z",
        **extra,
    }


def drift(kind: str = "artifact_added", **extra: Any) -> Dict[str, Any]:
    return {
        "namespace": extra.pop("namespace", NS),
        "expected_hash": "deadbeef",
        "actual_hash": "cafebabe",
        "drift_kind": kind,
        "detected_at": "2026-02-21T14:15:00Z",
        **extra,
    }


def make_event(lamport: int, event_type: str, payload: Any, *, n: Optional[int] = None) -> Event:
    return Event(
        event_id=f"01JNRPAR1TY{(lamport if n is None else n):015d}",
        event_type=event_type,
        aggregate_id="mission-software-dev",
        payload=payload,
        timestamp=BASE_TIME + timedelta(minutes=lamport),
        node_id="local-node-001",
        lamport_clock=lamport,
        project_uuid=PROJECT_UUID,
        correlation_id="01JNRC0RR00000000000000009",
    )


def stream(*rows: tuple[str, Dict[str, Any]]) -> list[Event]:
    """Events at lamport 1..n, in the given order."""
    return [make_event(i, t, p) for i, (t, p) in enumerate(rows, start=1)]
