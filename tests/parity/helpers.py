"""Dossier payloads for the parity tests; paths are given whole, namespaces may be overridden."""

from __future__ import annotations

from typing import Any, Dict

# The namespace, event types and ``ns`` of the dossier tests: one baseline for both.
from tests.dossier.helpers import DRIFT as DRIFT
from tests.dossier.helpers import INDEXED as INDEXED
from tests.dossier.helpers import MISSING as MISSING
from tests.dossier.helpers import NS_008 as NS
from tests.dossier.helpers import SNAPSHOT as SNAPSHOT
from tests.dossier.helpers import ns as ns


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
