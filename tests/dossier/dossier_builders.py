"""Builders for dossier payloads and events, with the contract's shared values (dossier.md §11)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

from spec_kitty_events.models import Event

FIXTURES = (
    Path(__file__).resolve().parents[2] / "src/spec_kitty_events/conformance/fixtures/dossier"
)
PROJECT_UUID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
P = "kitty-specs/008-mission-dossier-parity-event-contracts/"
NS_008: Dict[str, str] = {
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
    return {**NS_008, **changes}


def ident(name: str, artifact_class: str = "input", **extra: Any) -> Dict[str, Any]:
    return {
        "mission_key": "software-dev",
        "path": P + name,
        "artifact_class": artifact_class,
        **extra,
    }


def indexed(
    name: str, digest: str, at: str = "2026-02-21T14:00:00Z", **extra: Any
) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "namespace": NS_008,
        "artifact_id": ident(name, extra.pop("artifact_class", "input")),
        "content_ref": {"hash": digest, "algorithm": "sha256"},
        "indexed_at": at,
    }
    payload.update(extra)
    return payload


def missing(name: str, step: str = "required_always", **extra: Any) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "namespace": NS_008,
        "expected_identity": ident(name, "workflow"),
        "manifest_step": step,
        "checked_at": "2026-02-21T14:05:00Z",
    }
    payload.update(extra)
    return payload


def snapshot(digest: str, artifacts: int = 3, anomalies: int = 0, **extra: Any) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "namespace": NS_008,
        "snapshot_hash": digest,
        "artifact_count": artifacts,
        "anomaly_count": anomalies,
        "computed_at": "2026-02-21T14:10:00Z",
        "algorithm": "sha256",
    }
    payload.update(extra)
    return payload


def drift(kind: str = "artifact_added", **extra: Any) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "namespace": NS_008,
        "expected_hash": "deadbeef",
        "actual_hash": "cafebabe",
        "drift_kind": kind,
        "detected_at": "2026-02-21T14:15:00Z",
    }
    payload.update(extra)
    return payload


def event_id(n: int) -> str:
    return f"01JNRTEST{n:017d}"


def make_event(
    lamport: int,
    event_type: str,
    payload: Any,
    *,
    eid: Optional[str] = None,
    timestamp: Optional[datetime] = None,
) -> Event:
    return Event(
        event_id=eid or event_id(lamport),
        event_type=event_type,
        aggregate_id="mission-software-dev",
        payload=payload,
        timestamp=timestamp or BASE_TIME + timedelta(minutes=lamport),
        node_id="local-node-001",
        lamport_clock=lamport,
        project_uuid=PROJECT_UUID,
        correlation_id="01JNRC0RR00000000000000009",
    )


def stream(*rows: tuple[str, Dict[str, Any]]) -> List[Event]:
    """Events at lamport 1..n, in the given order."""
    return [make_event(i, t, p) for i, (t, p) in enumerate(rows, start=1)]


def read_jsonl(name: str) -> List[Dict[str, Any]]:
    lines = (FIXTURES / "replay" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def replay(name: str) -> List[Event]:
    return [Event(**row) for row in read_jsonl(name)]
