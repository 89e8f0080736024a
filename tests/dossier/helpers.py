"""Dossier payloads with shared values, and the replay streams the conformance package ships."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

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


def read_jsonl(name: str) -> List[Dict[str, Any]]:
    lines = (FIXTURES / "replay" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def replay(name: str) -> List[Event]:
    return [Event(**row) for row in read_jsonl(name)]
