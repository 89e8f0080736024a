"""Constants, value objects, payloads and output models of the dossier contract."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest
from pydantic import ValidationError

from spec_kitty_events.dossier import (
    DOSSIER_EVENT_TYPES,
    FAMILY,
    MISSION_DOSSIER_ARTIFACT_INDEXED,
    MISSION_DOSSIER_ARTIFACT_MISSING,
    MISSION_DOSSIER_PARITY_DRIFT_DETECTED,
    MISSION_DOSSIER_SNAPSHOT_COMPUTED,
    AnomalyEntry,
    ArtifactEntry,
    ArtifactIdentity,
    ContentHashRef,
    DriftRecord,
    LocalNamespaceTuple,
    MissionDossierArtifactIndexedPayload,
    MissionDossierArtifactMissingPayload,
    MissionDossierParityDriftDetectedPayload,
    MissionDossierSnapshotComputedPayload,
    MissionDossierState,
    NamespaceMixedStreamError,
    ProvenanceRef,
    SnapshotSummary,
)
from tests.dossier.helpers import NS_008, P, drift, ident, indexed, missing, snapshot


def errors_of(model: Any, data: Dict[str, Any]) -> List[Tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        model(**data)
    return [(".".join(str(p) for p in e["loc"]), e["type"]) for e in info.value.errors()]


# --- constants ---------------------------------------------------------------------------------


def test_event_type_constants_have_the_contract_values() -> None:
    assert MISSION_DOSSIER_ARTIFACT_INDEXED == "MissionDossierArtifactIndexed"
    assert MISSION_DOSSIER_ARTIFACT_MISSING == "MissionDossierArtifactMissing"
    assert MISSION_DOSSIER_SNAPSHOT_COMPUTED == "MissionDossierSnapshotComputed"
    assert MISSION_DOSSIER_PARITY_DRIFT_DETECTED == "MissionDossierParityDriftDetected"
    assert isinstance(DOSSIER_EVENT_TYPES, frozenset)
    assert len(DOSSIER_EVENT_TYPES) == 4
    assert {
        "MissionDossierArtifactIndexed",
        "MissionDossierArtifactMissing",
        "MissionDossierSnapshotComputed",
        "MissionDossierParityDriftDetected",
    } == DOSSIER_EVENT_TYPES


# --- exception ---------------------------------------------------------------------------------


def test_namespace_error_is_a_value_error_carrying_both_namespaces() -> None:
    a = LocalNamespaceTuple(**NS_008)
    b = LocalNamespaceTuple(**{**NS_008, "feature_slug": "009-another-feature"})
    error = NamespaceMixedStreamError.between(a, b)
    assert isinstance(error, ValueError)
    assert str(error) == (
        "Namespace mismatch in dossier event stream. Expected: LocalNamespaceTuple("
        "project_uuid='a1b2c3d4-e5f6-7890-abcd-ef1234567890', "
        "feature_slug='008-mission-dossier-parity-event-contracts', target_branch='2.x', "
        "mission_key='software-dev', manifest_version='1.0.0', step_id=None). Got: "
        "LocalNamespaceTuple(project_uuid='a1b2c3d4-e5f6-7890-abcd-ef1234567890', "
        "feature_slug='009-another-feature', target_branch='2.x', mission_key='software-dev', "
        "manifest_version='1.0.0', step_id=None)."
    )
    assert (error.expected, error.got) == (a, b)


def test_namespace_error_can_still_be_raised_by_hand() -> None:
    error = NamespaceMixedStreamError("custom")
    assert str(error) == "custom"
    assert error.expected is None
    assert error.got is None


# --- value objects -----------------------------------------------------------------------------


def test_namespace_requires_five_non_empty_fields_and_defaults_step_id() -> None:
    ns = LocalNamespaceTuple(**NS_008)
    assert ns.step_id is None
    assert errors_of(LocalNamespaceTuple, {}) == [
        ("project_uuid", "missing"),
        ("feature_slug", "missing"),
        ("target_branch", "missing"),
        ("mission_key", "missing"),
        ("manifest_version", "missing"),
    ]
    for field in NS_008:
        assert errors_of(LocalNamespaceTuple, {**NS_008, field: ""}) == [
            (field, "string_too_short")
        ]


def test_namespace_accepts_non_uuid_project_and_non_semver_manifest() -> None:
    ns = LocalNamespaceTuple(**{**NS_008, "project_uuid": "x", "manifest_version": "v-next"})
    assert (ns.project_uuid, ns.manifest_version) == ("x", "v-next")


def test_namespace_equality_includes_step_id_and_is_hashable() -> None:
    plain = LocalNamespaceTuple(**NS_008)
    stepped = LocalNamespaceTuple(**NS_008, step_id="step-02")
    assert plain != stepped
    assert hash(plain) == hash(LocalNamespaceTuple(**NS_008))


def test_artifact_identity_rules() -> None:
    identity = ArtifactIdentity(**ident("spec.md"))
    assert (identity.run_id, identity.wp_id) == (None, None)
    for artifact_class in ("input", "workflow", "output", "evidence", "policy", "runtime"):
        assert ArtifactIdentity(**ident("x", artifact_class)).artifact_class == artifact_class
    assert errors_of(ArtifactIdentity, ident("x", "Input")) == [("artifact_class", "literal_error")]
    assert errors_of(ArtifactIdentity, {**ident("x"), "path": ""}) == [("path", "string_too_short")]
    assert errors_of(ArtifactIdentity, {**ident("x"), "mission_key": ""}) == [
        ("mission_key", "string_too_short")
    ]


def test_content_hash_ref_rules() -> None:
    ref = ContentHashRef(hash="not-even-hex", algorithm="md5")
    assert (ref.size_bytes, ref.encoding) == (None, None)
    assert ContentHashRef(hash="ab", algorithm="sha512", size_bytes=0).size_bytes == 0
    assert errors_of(ContentHashRef, {"hash": "ab"}) == [("algorithm", "missing")]
    assert errors_of(ContentHashRef, {"hash": "ab", "algorithm": "SHA256"}) == [
        ("algorithm", "literal_error")
    ]
    assert errors_of(ContentHashRef, {"hash": "", "algorithm": "sha256"}) == [
        ("hash", "string_too_short")
    ]
    assert errors_of(ContentHashRef, {"hash": "ab", "algorithm": "sha256", "size_bytes": -1}) == [
        ("size_bytes", "greater_than_equal")
    ]


def test_provenance_is_all_optional_and_stores_ids_as_a_tuple() -> None:
    assert ProvenanceRef() == ProvenanceRef(
        source_event_ids=None,
        git_sha=None,
        git_ref=None,
        actor_id=None,
        actor_kind=None,
        revised_at=None,
    )
    prov = ProvenanceRef(source_event_ids=["a", "b"], actor_kind="human", revised_at="whenever")
    assert prov.source_event_ids == ("a", "b")
    assert errors_of(ProvenanceRef, {"actor_kind": "robot"}) == [("actor_kind", "literal_error")]
    assert errors_of(ProvenanceRef, {"source_event_ids": [1]}) == [
        ("source_event_ids.0", "string_type")
    ]


def test_value_objects_are_frozen_and_ignore_unknown_keys() -> None:
    ns = LocalNamespaceTuple(**NS_008, surprise="x")
    assert not hasattr(ns, "surprise")
    with pytest.raises(ValidationError) as info:
        ns.feature_slug = "other"  # type: ignore[misc]
    assert info.value.errors()[0]["type"] == "frozen_instance"


# --- payloads ----------------------------------------------------------------------------------


def test_indexed_payload_minimal_and_full() -> None:
    minimal = MissionDossierArtifactIndexedPayload(**indexed("spec.md", "abc"))
    assert minimal.namespace == LocalNamespaceTuple(**NS_008)
    assert minimal.artifact_id.path == P + "spec.md"
    assert (minimal.provenance, minimal.step_id, minimal.supersedes) == (None, None, None)
    assert minimal.context_diagnostics is None
    full = MissionDossierArtifactIndexedPayload(
        **indexed(
            "spec.md",
            "abc",
            provenance={"git_sha": "a1", "actor_kind": "llm"},
            step_id="specify",
            supersedes=ident("old.md"),
            context_diagnostics={"why": "test"},
        )
    )
    assert full.provenance == ProvenanceRef(git_sha="a1", actor_kind="llm")
    assert full.supersedes == ArtifactIdentity(**ident("old.md"))
    assert full.step_id == "specify"


def test_indexed_payload_reports_nested_locations() -> None:
    data = indexed("spec.md", "abc")
    data["namespace"] = {k: v for k, v in NS_008.items() if k != "target_branch"}
    data["artifact_id"] = {"mission_key": "software-dev", "artifact_class": "nope"}
    assert errors_of(MissionDossierArtifactIndexedPayload, data) == [
        ("namespace.target_branch", "missing"),
        ("artifact_id.path", "missing"),
        ("artifact_id.artifact_class", "literal_error"),
    ]
    assert errors_of(MissionDossierArtifactIndexedPayload, {}) == [
        ("namespace", "missing"),
        ("artifact_id", "missing"),
        ("content_ref", "missing"),
        ("indexed_at", "missing"),
    ]


def test_indexed_payload_accepts_empty_timestamps_and_ignores_unknown_keys() -> None:
    # Empty timestamps are accepted, unknown keys (a top-level artifact_class) are ignored.
    data = indexed("spec.md", "abc", at="")
    data["artifact_class"] = "input"
    data["namespace"] = {**NS_008, "typo_key": "x"}
    payload = MissionDossierArtifactIndexedPayload(**data)
    assert payload.indexed_at == ""
    assert "artifact_class" not in payload.model_dump()
    assert payload.namespace == LocalNamespaceTuple(**NS_008)
    assert errors_of(
        MissionDossierArtifactIndexedPayload, indexed("a", "b", context_diagnostics={"a": 1})
    ) == [("context_diagnostics.a", "string_type")]


def test_missing_payload_rules() -> None:
    payload = MissionDossierArtifactMissingPayload(**missing("plan.md"))
    assert payload.manifest_step == "required_always"
    assert (payload.last_known_ref, payload.remediation_hint, payload.context_diagnostics) == (
        None,
        None,
        None,
    )
    assert errors_of(MissionDossierArtifactMissingPayload, missing("plan.md", step="")) == [
        ("manifest_step", "string_too_short")
    ]
    assert errors_of(MissionDossierArtifactMissingPayload, {"namespace": NS_008}) == [
        ("expected_identity", "missing"),
        ("manifest_step", "missing"),
        ("checked_at", "missing"),
    ]


def test_snapshot_payload_rules() -> None:
    payload = MissionDossierSnapshotComputedPayload(**snapshot("h", algorithm=None))
    assert payload.algorithm is None
    no_algorithm = snapshot("h")
    del no_algorithm["algorithm"]
    assert MissionDossierSnapshotComputedPayload(**no_algorithm).algorithm is None
    assert MissionDossierSnapshotComputedPayload(**snapshot("h", artifacts="3")).artifact_count == 3
    assert errors_of(MissionDossierSnapshotComputedPayload, snapshot("h", artifacts=-1)) == [
        ("artifact_count", "greater_than_equal")
    ]
    assert errors_of(MissionDossierSnapshotComputedPayload, snapshot("h", anomalies=-1)) == [
        ("anomaly_count", "greater_than_equal")
    ]
    assert errors_of(MissionDossierSnapshotComputedPayload, snapshot("")) == [
        ("snapshot_hash", "string_too_short")
    ]
    assert errors_of(MissionDossierSnapshotComputedPayload, snapshot("h", algorithm="SHA256")) == [
        ("algorithm", "literal_error")
    ]


def test_drift_payload_rules() -> None:
    kinds = (
        "artifact_added",
        "artifact_removed",
        "artifact_mutated",
        "anomaly_introduced",
        "anomaly_resolved",
        "manifest_version_changed",
    )
    for kind in kinds:
        assert MissionDossierParityDriftDetectedPayload(**drift(kind)).drift_kind == kind
    same = MissionDossierParityDriftDetectedPayload(**drift(expected_hash="x", actual_hash="x"))
    assert same.expected_hash == same.actual_hash
    changed = MissionDossierParityDriftDetectedPayload(
        **drift(artifact_ids_changed=[ident("a.md"), ident("b.md")])
    )
    assert isinstance(changed.artifact_ids_changed, tuple)
    assert len(changed.artifact_ids_changed) == 2
    assert errors_of(MissionDossierParityDriftDetectedPayload, drift("artifact_moved")) == [
        ("drift_kind", "literal_error")
    ]
    assert errors_of(MissionDossierParityDriftDetectedPayload, drift(actual_hash="")) == [
        ("actual_hash", "string_too_short")
    ]
    assert errors_of(
        MissionDossierParityDriftDetectedPayload, drift(namespace={**NS_008, "step_id": 5})
    ) == [("namespace.step_id", "string_type")]


def test_payload_schemas_keep_artifact_class_and_manifest_version_nested() -> None:
    for _, model in FAMILY.payloads:
        top_level = model.model_json_schema()["properties"]
        assert "artifact_class" not in top_level
        assert "manifest_version" not in top_level


# --- output models -----------------------------------------------------------------------------


def test_output_model_defaults() -> None:
    identity = ArtifactIdentity(**ident("a.md"))
    ref = ContentHashRef(hash="h", algorithm="sha256")
    entry = ArtifactEntry(identity=identity, content_ref=ref, indexed_at="t")
    assert (entry.provenance, entry.superseded, entry.step_id) == (None, False, None)
    anomaly = AnomalyEntry(expected_identity=identity, manifest_step="", checked_at="t")
    assert (anomaly.anomaly_type, anomaly.remediation_hint) == ("missing_artifact", None)
    summary = SnapshotSummary(snapshot_hash="", artifact_count=-1, anomaly_count=0, computed_at="")
    assert summary.algorithm == "sha256"
    record = DriftRecord(expected_hash="a", actual_hash="b", drift_kind="anything", detected_at="")
    assert record.drift_kind == "anything"


def test_empty_state_dumps_every_key_in_field_order() -> None:
    state = MissionDossierState()
    assert list(state.model_dump(mode="json").items()) == [
        ("namespace", None),
        ("artifacts", {}),
        ("anomalies", []),
        ("latest_snapshot", None),
        ("drift_history", []),
        ("parity_status", "unknown"),
        ("event_count", 0),
    ]
    with pytest.raises(ValidationError):
        MissionDossierState(parity_status="dirty")
    # Read-only since the one immutability rule for reducer outputs (COMPATIBILITY.md), and so
    # hashable, where 2.4.0 raised TypeError.
    with pytest.raises(TypeError, match="read-only"):
        state.artifacts["a.md"] = None  # type: ignore[assignment]
    assert hash(state) == hash(MissionDossierState())
