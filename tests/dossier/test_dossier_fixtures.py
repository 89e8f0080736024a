"""The dossier fixture corpus, its manifest entries and the canonical snapshot."""

from __future__ import annotations

import importlib.resources
import json
from typing import Any, Dict, List, Tuple

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from spec_kitty_events.dossier import FAMILY, reduce_mission_dossier
from tests.dossier.helpers import FIXTURES, NS_008, read_jsonl, replay

MANIFEST = FIXTURES.parent / "manifest.json"
MODELS = dict(FAMILY.payloads)

# (id, path under dossier/, event_type, expected, fixture_type) in manifest order.
EXPECTED_ENTRIES: List[Tuple[str, str, str, str, Any]] = [
    (
        "dossier-artifact-indexed-valid",
        "valid/dossier_artifact_indexed_valid.json",
        "MissionDossierArtifactIndexed",
        "valid",
        None,
    ),
    (
        "dossier-artifact-indexed-supersedes",
        "valid/dossier_artifact_indexed_supersedes.json",
        "MissionDossierArtifactIndexed",
        "valid",
        None,
    ),
    (
        "dossier-artifact-indexed-with-provenance",
        "valid/dossier_artifact_indexed_with_provenance.json",
        "MissionDossierArtifactIndexed",
        "valid",
        None,
    ),
    (
        "dossier-artifact-missing-required-always",
        "valid/dossier_artifact_missing_required_always.json",
        "MissionDossierArtifactMissing",
        "valid",
        None,
    ),
    (
        "dossier-artifact-missing-required-by-step",
        "valid/dossier_artifact_missing_required_by_step.json",
        "MissionDossierArtifactMissing",
        "valid",
        None,
    ),
    (
        "dossier-snapshot-computed-clean",
        "valid/dossier_snapshot_computed_clean.json",
        "MissionDossierSnapshotComputed",
        "valid",
        None,
    ),
    (
        "dossier-snapshot-computed-with-anomalies",
        "valid/dossier_snapshot_computed_with_anomalies.json",
        "MissionDossierSnapshotComputed",
        "valid",
        None,
    ),
    (
        "dossier-parity-drift-artifact-added",
        "valid/dossier_parity_drift_artifact_added.json",
        "MissionDossierParityDriftDetected",
        "valid",
        None,
    ),
    (
        "dossier-parity-drift-artifact-mutated",
        "valid/dossier_parity_drift_artifact_mutated.json",
        "MissionDossierParityDriftDetected",
        "valid",
        None,
    ),
    (
        "dossier-namespace-collision-coverage",
        "valid/dossier_namespace_collision_coverage.json",
        "MissionDossierArtifactIndexed",
        "valid",
        None,
    ),
    (
        "dossier-parity-drift-namespace-mismatch",
        "invalid/dossier_parity_drift_namespace_mismatch.json",
        "MissionDossierParityDriftDetected",
        "invalid",
        None,
    ),
    (
        "dossier-artifact-indexed-missing-path",
        "invalid/dossier_artifact_indexed_missing_path.json",
        "MissionDossierArtifactIndexed",
        "invalid",
        None,
    ),
    (
        "dossier-artifact-indexed-invalid-class",
        "invalid/dossier_artifact_indexed_invalid_class.json",
        "MissionDossierArtifactIndexed",
        "invalid",
        None,
    ),
    (
        "dossier-replay-happy-path",
        "replay/dossier_happy_path.jsonl",
        "mixed",
        "valid",
        "replay_stream",
    ),
    (
        "dossier-replay-drift-scenario",
        "replay/dossier_drift_scenario.jsonl",
        "mixed",
        "valid",
        "replay_stream",
    ),
    (
        "dossier-canonical-output-snapshot",
        "replay/canonical_output_snapshot.json",
        "MissionDossierState",
        "valid",
        "reducer_output",
    ),
]
CASES = EXPECTED_ENTRIES[:13]

# Expected violations of the invalid cases: model (loc, type) and schema (path, keyword).
INVALID_VERDICTS: Dict[str, Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]] = {
    "dossier-parity-drift-namespace-mismatch": (
        [
            ("namespace.target_branch", "missing"),
            ("namespace.mission_key", "missing"),
            ("namespace.manifest_version", "missing"),
        ],
        [("$.namespace", "required")] * 3,
    ),
    "dossier-artifact-indexed-missing-path": (
        [("artifact_id.path", "missing")],
        [("$.artifact_id", "required")],
    ),
    "dossier-artifact-indexed-invalid-class": (
        [("artifact_id.artifact_class", "literal_error")],
        [("$.artifact_id.artifact_class", "enum")],
    ),
}


def dossier_entries() -> List[Dict[str, Any]]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [e for e in manifest["fixtures"] if e["path"].startswith("dossier/")]


def load_case(rel: str) -> Any:
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8"))


def model_errors(event_type: str, payload: Any) -> List[Tuple[str, str]]:
    try:
        MODELS[event_type](**payload)
    except ValidationError as error:
        return [(".".join(str(p) for p in e["loc"]), e["type"]) for e in error.errors()]
    return []


def schema_errors(event_type: str, payload: Any) -> List[Tuple[str, str]]:
    schema = MODELS[event_type].model_json_schema(mode="serialization")
    found = Draft202012Validator(schema).iter_errors(payload)
    return sorted((e.json_path, str(e.validator)) for e in found)


def test_manifest_lists_the_sixteen_dossier_entries_in_contract_order() -> None:
    entries = dossier_entries()
    got = [
        (e["id"], e["path"], e["event_type"], e["expected_result"], e.get("fixture_type"))
        for e in entries
    ]
    assert got == [(i, "dossier/" + p, t, r, f) for i, p, t, r, f in EXPECTED_ENTRIES]
    assert {e["min_version"] for e in entries} == {"2.4.0"}
    assert all(e["notes"].strip() for e in entries)


def test_every_dossier_file_on_disk_has_a_manifest_entry() -> None:
    on_disk = {str(p.relative_to(FIXTURES.parent)) for p in FIXTURES.rglob("*.json*")}
    assert on_disk == {e["path"] for e in dossier_entries()}


@pytest.mark.parametrize(("case_id", "rel", "event_type", "expected", "_ft"), CASES)
def test_case_verdicts_in_both_layers(
    case_id: str, rel: str, event_type: str, expected: str, _ft: Any
) -> None:
    payload = load_case(rel)
    if expected == "valid":
        assert model_errors(event_type, payload) == []
        assert schema_errors(event_type, payload) == []
    else:
        model, schema = INVALID_VERDICTS[case_id]
        assert model_errors(event_type, payload) == model
        assert schema_errors(event_type, payload) == schema


def test_case_payloads_carry_the_shared_namespace_except_the_two_special_cases() -> None:
    for case_id, rel, *_ in CASES:
        namespace = load_case(rel)["namespace"]
        if case_id == "dossier-namespace-collision-coverage":
            assert namespace == {**NS_008, "feature_slug": "009-another-feature"}
        elif case_id == "dossier-parity-drift-namespace-mismatch":
            assert namespace == {k: NS_008[k] for k in ("project_uuid", "feature_slug")}
        else:
            assert namespace == NS_008


def test_selected_case_values() -> None:
    supersedes = load_case("valid/dossier_artifact_indexed_supersedes.json")
    assert supersedes["supersedes"] == supersedes["artifact_id"]
    assert supersedes["content_ref"] == {"hash": "def456abc789", "algorithm": "sha256"}
    provenance = load_case("valid/dossier_artifact_indexed_with_provenance.json")
    assert provenance["step_id"] == "specify"
    assert provenance["provenance"]["actor_kind"] == "llm"
    assert len(provenance["provenance"]["git_sha"]) == 40
    by_step = load_case("valid/dossier_artifact_missing_required_by_step.json")
    assert by_step["manifest_step"] == "plan"
    anomalies = load_case("valid/dossier_snapshot_computed_with_anomalies.json")
    assert (anomalies["artifact_count"], anomalies["anomaly_count"]) == (2, 1)
    mutated = load_case("valid/dossier_parity_drift_artifact_mutated.json")
    assert mutated["actual_hash"] == "1234567890ab1234567890ab1234567890abcdef"


def test_replay_lines_follow_the_envelope_conventions() -> None:
    for name, prefix, correlation, count in (
        ("dossier_happy_path.jsonl", "01JNRHAPPY000000000000000", "01JNRC0RR00000000000000001", 6),
        (
            "dossier_drift_scenario.jsonl",
            "01JNRDR1FT000000000000000",
            "01JNRC0RR00000000000000002",
            5,
        ),
    ):
        rows = read_jsonl(name)
        assert len(rows) == count
        for lamport, row in enumerate(rows, start=1):
            assert list(row) == [
                "event_id",
                "event_type",
                "aggregate_id",
                "timestamp",
                "node_id",
                "lamport_clock",
                "project_uuid",
                "correlation_id",
                "payload",
            ]
            assert row["event_id"] == prefix + str(lamport)
            assert row["lamport_clock"] == lamport
            assert row["timestamp"] == f"2026-02-21T14:0{lamport - 1}:00.000Z"
            assert row["correlation_id"] == correlation
            assert (row["aggregate_id"], row["node_id"]) == (
                "mission-software-dev",
                "local-node-001",
            )
            assert row["payload"]["namespace"] == NS_008
            assert model_errors(row["event_type"], row["payload"]) == []
            assert schema_errors(row["event_type"], row["payload"]) == []


def test_happy_path_reduces_to_the_canonical_snapshot() -> None:
    expected = json.loads((FIXTURES / "replay/canonical_output_snapshot.json").read_text("utf-8"))
    state = reduce_mission_dossier(replay("dossier_happy_path.jsonl"))
    assert state.model_dump(mode="json") == expected


def test_canonical_snapshot_resolves_as_a_package_resource() -> None:
    anchor = importlib.resources.files("spec_kitty_events.conformance.fixtures.dossier.replay")
    text = (anchor / "canonical_output_snapshot.json").read_text(encoding="utf-8")
    assert json.loads(text)["event_count"] == 6


def test_conformance_suite_agrees_when_available() -> None:
    loader = pytest.importorskip("spec_kitty_events.conformance.loader")
    validators = pytest.importorskip("spec_kitty_events.conformance.validators")
    cases = loader.load_fixtures("dossier")
    assert [c.id for c in cases] == [c[0] for c in CASES]
    for case in cases:
        assert validators.validate_event(case.payload, case.event_type).valid is case.expected_valid
    rows = loader.load_replay_stream("dossier-replay-happy-path")
    assert rows == read_jsonl("dossier_happy_path.jsonl")
    with pytest.raises(ValueError, match="is not a replay_stream"):
        loader.load_replay_stream("dossier-canonical-output-snapshot")
