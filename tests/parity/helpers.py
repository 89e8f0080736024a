"""Dossier payloads for the parity tests; paths are given whole, namespaces may be overridden."""

from __future__ import annotations

from typing import Any, Dict

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
