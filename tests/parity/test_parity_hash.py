"""The canonical snapshot hash: its projection, its bytes, and the bundled test vectors."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict

import pytest

from spec_kitty_events.conformance import loader
from spec_kitty_events.conformance.loader import HashVector, load_fixtures, load_hash_vectors
from spec_kitty_events.dossier import MissionDossierState
from spec_kitty_events.dossier_parity import (
    SNAPSHOT_FORMAT,
    dossier_snapshot_hash,
    dossier_snapshot_projection,
)
from tests.parity.helpers import NS

HERE = Path(__file__).resolve().parent


def _entry(path: str, cls: str, digest: str, **extra: Any) -> Dict[str, Any]:
    return {
        "identity": {"mission_key": "software-dev", "path": path, "artifact_class": cls},
        "content_ref": {"hash": digest, "algorithm": extra.pop("algorithm", "sha256")},
        "indexed_at": extra.pop("indexed_at", "2026-02-21T14:00:00Z"),
        **extra,
    }


def _anomaly(path: str, cls: str, step: str, at: str = "t1", **extra: Any) -> Dict[str, Any]:
    identity = {"mission_key": "software-dev", "path": path, "artifact_class": cls, **extra}
    return {"expected_identity": identity, "manifest_step": step, "checked_at": at}


SMALL = MissionDossierState.model_validate(
    {
        "namespace": {**NS, "step_id": "s1"},
        "artifacts": {
            "b.md": _entry("b.md", "output", "BB", algorithm="sha512", superseded=True),
            "a.md": _entry("a.md", "input", "aa"),
        },
        "anomalies": [
            _anomaly("c.md", "workflow", "plan", "t2"),
            _anomaly("a.md", "input", "required_always"),
            _anomaly("c.md", "workflow", "plan", "t1", run_id="r1"),
        ],
        "latest_snapshot": {
            "snapshot_hash": "x",
            "artifact_count": 9,
            "anomaly_count": 9,
            "computed_at": "t",
        },
        "parity_status": "clean",
        "event_count": 7,
    }
)

SMALL_NS = SMALL.namespace
assert SMALL_NS is not None

# Written out by hand from the formula in docs/dossier-parity.md.
SMALL_CANONICAL = (
    '{"anomalies":['
    '{"anomaly_type":"missing_artifact","artifact_class":"input","manifest_step":"required_always",'
    '"path":"a.md"},'
    '{"anomaly_type":"missing_artifact","artifact_class":"workflow","manifest_step":"plan",'
    '"path":"c.md"}],'
    '"artifacts":['
    '{"algorithm":"sha256","artifact_class":"input","content_hash":"aa","path":"a.md",'
    '"superseded":false},'
    '{"algorithm":"sha512","artifact_class":"output","content_hash":"BB","path":"b.md",'
    '"superseded":true}],'
    '"format":"spec-kitty-dossier-snapshot/1",'
    '"namespace":{"feature_slug":"008-mission-dossier-parity-event-contracts",'
    '"manifest_version":"1.0.0","mission_key":"software-dev",'
    '"project_uuid":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","target_branch":"2.x"}}'
)


def test_projection_follows_the_documented_formula() -> None:
    assert dossier_snapshot_projection(SMALL) == {
        "format": "spec-kitty-dossier-snapshot/1",
        "namespace": dict(NS),
        "artifacts": [
            {
                "path": "a.md",
                "artifact_class": "input",
                "content_hash": "aa",
                "algorithm": "sha256",
                "superseded": False,
            },
            {
                "path": "b.md",
                "artifact_class": "output",
                "content_hash": "BB",
                "algorithm": "sha512",
                "superseded": True,
            },
        ],
        "anomalies": [
            {
                "anomaly_type": "missing_artifact",
                "path": "a.md",
                "artifact_class": "input",
                "manifest_step": "required_always",
            },
            {
                "anomaly_type": "missing_artifact",
                "path": "c.md",
                "artifact_class": "workflow",
                "manifest_step": "plan",
            },
        ],
    }
    assert SNAPSHOT_FORMAT == "spec-kitty-dossier-snapshot/1"


def test_hash_is_sha256_of_the_hand_written_canonical_bytes() -> None:
    expected = hashlib.sha256(SMALL_CANONICAL.encode("utf-8")).hexdigest()
    assert dossier_snapshot_hash(SMALL) == expected
    assert len(expected) == 64
    assert expected == expected.lower()


def test_empty_state_has_a_null_namespace() -> None:
    assert dossier_snapshot_projection(MissionDossierState()) == {
        "format": SNAPSHOT_FORMAT,
        "namespace": None,
        "artifacts": [],
        "anomalies": [],
    }
    canonical = '{"anomalies":[],"artifacts":[],"format":"spec-kitty-dossier-snapshot/1",'
    canonical += '"namespace":null}'
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert dossier_snapshot_hash(MissionDossierState()) == expected


def _changed(**update: Any) -> MissionDossierState:
    return SMALL.model_copy(update=update)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda: _changed(event_count=1, parity_status="drifted"), id="status-count"),
        pytest.param(lambda: _changed(latest_snapshot=None, drift_history=()), id="snapshot"),
        pytest.param(
            lambda: _changed(namespace=SMALL_NS.model_copy(update={"step_id": None})),
            id="step_id",
        ),
        pytest.param(
            lambda: _changed(
                artifacts=dict(reversed(list(SMALL.artifacts.items()))),
                anomalies=tuple(reversed(SMALL.anomalies)),
            ),
            id="insertion-order",
        ),
        pytest.param(
            lambda: _changed(
                artifacts={
                    path: entry.model_copy(
                        update={"indexed_at": "later", "step_id": "x", "provenance": None}
                    )
                    for path, entry in SMALL.artifacts.items()
                }
            ),
            id="artifact-timing-and-provenance",
        ),
        pytest.param(
            lambda: _changed(
                anomalies=tuple(
                    a.model_copy(update={"checked_at": "z", "remediation_hint": "h"})
                    for a in SMALL.anomalies
                )
            ),
            id="anomaly-timing-and-hint",
        ),
        pytest.param(lambda: _changed(anomalies=SMALL.anomalies * 3), id="repeated-anomalies"),
    ],
)
def test_fields_outside_the_projection_do_not_change_the_hash(variant: Any) -> None:
    assert dossier_snapshot_hash(variant()) == dossier_snapshot_hash(SMALL)


def _with_artifact(**content: Any) -> MissionDossierState:
    entry = SMALL.artifacts["a.md"]
    identity = entry.identity.model_copy(update=content.pop("identity", {}))
    ref = entry.content_ref.model_copy(update=content.pop("content_ref", {}))
    changed = entry.model_copy(update={"identity": identity, "content_ref": ref, **content})
    return _changed(artifacts={**SMALL.artifacts, "a.md": changed})


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda: _with_artifact(content_ref={"hash": "ab"}), id="content-hash"),
        pytest.param(lambda: _with_artifact(content_ref={"algorithm": "md5"}), id="algorithm"),
        pytest.param(lambda: _with_artifact(identity={"artifact_class": "policy"}), id="class"),
        pytest.param(lambda: _with_artifact(superseded=True), id="superseded"),
        pytest.param(lambda: _changed(artifacts={"a.md": SMALL.artifacts["a.md"]}), id="removed"),
        pytest.param(lambda: _changed(anomalies=SMALL.anomalies[:1]), id="anomaly-resolved"),
        pytest.param(
            lambda: _changed(namespace=SMALL_NS.model_copy(update={"manifest_version": "2"})),
            id="manifest-version",
        ),
        pytest.param(lambda: _changed(namespace=None), id="no-namespace"),
    ],
)
def test_content_changes_change_the_hash(variant: Any) -> None:
    assert dossier_snapshot_hash(variant()) != dossier_snapshot_hash(SMALL)


# --- the bundled vectors ---------------------------------------------------------------------

VECTORS = load_hash_vectors()


def assert_vector_holds(vector: HashVector) -> None:
    """The check a consumer runs on each vector; a mismatch shows both values."""
    state = MissionDossierState.model_validate(vector.state)
    projection = dossier_snapshot_projection(state)
    assert projection == vector.projection, (
        f"hash vector {vector.id}: projection differs\n"
        f"  file:     {json.dumps(vector.projection, ensure_ascii=False)}\n"
        f"  computed: {json.dumps(projection, ensure_ascii=False)}"
    )
    computed = dossier_snapshot_hash(state)
    assert computed == vector.snapshot_hash, (
        f"hash vector {vector.id}: file has snapshot_hash {vector.snapshot_hash}, "
        f"computed {computed}"
    )


def test_the_five_vectors_are_registered() -> None:
    assert [v.id for v in VECTORS] == [
        "dossier-hash-vector-empty-state",
        "dossier-hash-vector-happy-path",
        "dossier-hash-vector-drift-scenario",
        "dossier-hash-vector-superseded-duplicates-and-algorithms",
        "dossier-hash-vector-unicode-and-escaping",
    ]
    # The manifest keeps its 68 entries: vectors are not fixture cases.
    assert len(loader.manifest_entries()) == 68


@pytest.mark.parametrize("vector", VECTORS, ids=[v.id for v in VECTORS])
def test_vector(vector: HashVector) -> None:
    assert_vector_holds(vector)


def test_a_wrong_vector_hash_fails_showing_both_values() -> None:
    good = VECTORS[1]
    wrong = dataclasses.replace(good, snapshot_hash="0" * 64)
    with pytest.raises(AssertionError) as caught:
        assert_vector_holds(wrong)
    assert "0" * 64 in str(caught.value)
    assert good.snapshot_hash in str(caught.value)


def test_a_wrong_vector_projection_fails_showing_both_values() -> None:
    good = VECTORS[0]
    wrong = dataclasses.replace(good, projection={**good.projection, "format": "other/1"})
    with pytest.raises(AssertionError) as caught:
        assert_vector_holds(wrong)
    assert '"other/1"' in str(caught.value)
    assert f'"{SNAPSHOT_FORMAT}"' in str(caught.value)


def test_unicode_vector_orders_paths_by_utf16_code_units() -> None:
    vector = VECTORS[4]
    paths = [a["path"] for a in vector.projection["artifacts"]]
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+E000 in UTF-16.
    assert paths.index("docs/\U0001f600.md") < paths.index("docs/\ue000-private.md")
    assert paths[0] == "docs/Zeta.md"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_vectors_agree_with_the_javascript_reference() -> None:
    files = [str(path) for path in sorted(loader._VECTORS_DIR.glob("*.json"))]
    assert len(files) == 5
    done = subprocess.run(
        ["node", str(HERE / "snapshot_hash_reference.mjs"), "check", *files],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- loader wiring ---------------------------------------------------------------------------


def test_hash_vectors_are_not_regular_cases() -> None:
    ids = {case.id for case in load_fixtures("dossier")}
    assert not any(i.startswith("dossier-hash-vector") for i in ids)
    assert frozenset({"replay_stream", "reducer_output"}) == loader._SPECIAL_FIXTURE_TYPES


def _vector_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> Path:
    monkeypatch.setattr(loader, "_VECTORS_DIR", tmp_path)
    path = tmp_path / "v.json"
    path.write_text(content, encoding="utf-8")
    return path


def test_a_vector_file_without_its_keys_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _vector_dir(tmp_path, monkeypatch, '{"id": "v", "state": {}}')
    with pytest.raises(ValueError, match="snapshot_hash") as caught:
        load_hash_vectors()
    message = str(caught.value)
    assert "projection, snapshot_hash" in message
    assert str(path) in message


def test_a_vector_file_that_is_not_an_object_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _vector_dir(tmp_path, monkeypatch, "[]")
    with pytest.raises(ValueError, match="lacks id, state, projection, snapshot_hash"):
        load_hash_vectors()
