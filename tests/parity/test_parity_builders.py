"""Snapshot and drift payload builders."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.conformance import validate_event
from spec_kitty_events.dossier import (
    ArtifactIdentity,
    LocalNamespaceTuple,
    MissionDossierState,
    NamespaceMixedStreamError,
    reduce_mission_dossier,
)
from spec_kitty_events.dossier_parity import (
    DossierNamespaceMismatchError,
    build_snapshot_payload,
    diff_dossier_states,
    dossier_snapshot_hash,
)
from tests.factory import make_event, make_stream
from tests.parity.helpers import DRIFT, INDEXED, MISSING, NS, SNAPSHOT, indexed, missing

NOW_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _entry(path: str, digest: str, cls: str = "input", **extra: Any) -> Dict[str, Any]:
    return {
        "identity": {"mission_key": "software-dev", "path": path, "artifact_class": cls},
        "content_ref": {"hash": digest, "algorithm": "sha256"},
        "indexed_at": "2026-02-21T14:00:00Z",
        **extra,
    }


def _anomaly(path: str, step: str = "plan", cls: str = "workflow", at: str = "t") -> Any:
    identity = {"mission_key": "software-dev", "path": path, "artifact_class": cls}
    return {"expected_identity": identity, "manifest_step": step, "checked_at": at}


def state(
    artifacts: Dict[str, Dict[str, Any]],
    anomalies: List[Any] = (),  # type: ignore[assignment]
    namespace: Optional[Dict[str, Any]] = NS,
) -> MissionDossierState:
    return MissionDossierState.model_validate(
        {"namespace": namespace, "artifacts": artifacts, "anomalies": list(anomalies)}
    )


def _id(path: str, cls: str = "input") -> ArtifactIdentity:
    return ArtifactIdentity(mission_key="software-dev", path=path, artifact_class=cls)


# --- build_snapshot_payload ------------------------------------------------------------------

RICH = state(
    {"b": _entry("b", "2"), "a": _entry("a", "1", superseded=True)},
    [_anomaly("c"), _anomaly("c", at="later"), _anomaly("d", "required_always")],
    {**NS, "step_id": "implement"},
)


def test_snapshot_payload_carries_namespace_hash_and_projection_counts() -> None:
    payload = build_snapshot_payload(RICH, computed_at="2026-03-01T10:00:00Z")
    assert payload.namespace == LocalNamespaceTuple(**NS, step_id="implement")
    assert payload.snapshot_hash == dossier_snapshot_hash(RICH)
    # Two artifacts (superseded ones count), two distinct anomalies (the repeat collapses).
    assert (payload.artifact_count, payload.anomaly_count) == (2, 2)
    assert payload.algorithm == "sha256"
    assert payload.computed_at == "2026-03-01T10:00:00Z"
    assert payload.context_diagnostics == {"snapshot_format": "spec-kitty-dossier-snapshot/1"}
    result = validate_event(payload.model_dump(mode="json"), SNAPSHOT, strict=True)
    assert result.valid, result


def test_snapshot_payload_default_time_is_now_in_utc_with_z() -> None:
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    stamp = build_snapshot_payload(RICH).computed_at
    assert NOW_Z.match(stamp), stamp
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before <= moment <= datetime.now(timezone.utc)


def test_snapshot_payload_converts_an_aware_datetime_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 1, 11, 0, 0, 250000, tzinfo=paris)
    assert build_snapshot_payload(RICH, computed_at=moment).computed_at == (
        "2026-03-01T10:00:00.250Z"
    )


def test_snapshot_payload_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="computed_at must be timezone-aware"):
        build_snapshot_payload(RICH, computed_at=datetime(2026, 3, 1))


def test_snapshot_payload_needs_a_namespace() -> None:
    with pytest.raises(ValueError, match="the dossier state has no namespace"):
        build_snapshot_payload(MissionDossierState())


def test_snapshot_of_a_reduced_stream_describes_that_stream() -> None:
    events = make_stream(
        (INDEXED, indexed("x", "1")),
        (MISSING, missing("y")),
        (MISSING, missing("y", checked_at="again")),
    )
    reduced = reduce_mission_dossier(events)
    payload = build_snapshot_payload(reduced, computed_at="t")
    assert (payload.artifact_count, payload.anomaly_count) == (1, 1)
    assert payload.snapshot_hash == dossier_snapshot_hash(reduced)
    # Folding the snapshot back in changes no hashed content.
    again = reduce_mission_dossier([*events, make_event(9, SNAPSHOT, payload.model_dump())])
    assert again.latest_snapshot is not None
    assert again.latest_snapshot.snapshot_hash == dossier_snapshot_hash(again)


# --- diff_dossier_states ---------------------------------------------------------------------

BASE = state(
    {"keep": _entry("keep", "1"), "gone": _entry("gone", "2"), "edit": _entry("edit", "3")},
    [_anomaly("old"), _anomaly("both")],
)
CURRENT = state(
    {
        "keep": _entry("keep", "1", indexed_at="later"),
        "edit": _entry("edit", "33"),
        "new-b": _entry("new-b", "4"),
        "new-a": _entry("new-a", "5", "output"),
    },
    [_anomaly("both", at="again"), _anomaly("fresh"), _anomaly("fresh", "tasks")],
    {**NS, "manifest_version": "2.0.0", "step_id": "s"},
)


def test_diff_reports_each_kind_once_in_drift_kind_order() -> None:
    payloads = diff_dossier_states(BASE, CURRENT, detected_at="2026-03-01T10:00:00Z")
    assert [(p.drift_kind, p.artifact_ids_changed) for p in payloads] == [
        ("artifact_added", (_id("new-a", "output"), _id("new-b"))),
        ("artifact_removed", (_id("gone"),)),
        ("artifact_mutated", (_id("edit"),)),
        # Two anomalies on one path and class give one identity.
        ("anomaly_introduced", (_id("fresh", "workflow"),)),
        ("anomaly_resolved", (_id("old", "workflow"),)),
        ("manifest_version_changed", None),
    ]
    for payload in payloads:
        assert payload.expected_hash == dossier_snapshot_hash(BASE)
        assert payload.actual_hash == dossier_snapshot_hash(CURRENT)
        assert payload.detected_at == "2026-03-01T10:00:00Z"
        assert payload.namespace == CURRENT.namespace
        result = validate_event(payload.model_dump(mode="json"), DRIFT, strict=True)
        assert result.valid, result


def test_diff_of_a_state_with_itself_is_empty() -> None:
    assert diff_dossier_states(CURRENT, CURRENT) == []
    assert diff_dossier_states(MissionDossierState(), MissionDossierState()) == []


def _edited(**changes: Any) -> MissionDossierState:
    algorithm = changes.pop("algorithm", "sha256")
    entry = _entry("edit", "3", changes.pop("cls", "input"), **changes)
    entry["content_ref"]["algorithm"] = algorithm
    artifacts = {p: e.model_dump() for p, e in BASE.artifacts.items()}
    return state({**artifacts, "edit": entry}, [a.model_dump() for a in BASE.anomalies])


@pytest.mark.parametrize(
    ("changes", "reported"),
    [
        ({"cls": "policy"}, _id("edit", "policy")),
        ({"superseded": True}, _id("edit")),
        ({"algorithm": "md5"}, _id("edit")),
    ],
)
def test_mutation_covers_class_flag_and_algorithm(
    changes: Dict[str, Any], reported: ArtifactIdentity
) -> None:
    (payload,) = diff_dossier_states(BASE, _edited(**changes), detected_at="t")
    # The identity reported is the current one.
    assert (payload.drift_kind, payload.artifact_ids_changed) == ("artifact_mutated", (reported,))


def test_diff_default_time_is_now_in_utc_with_z() -> None:
    (payload,) = diff_dossier_states(state({}), state({"a": _entry("a", "1")}))
    assert NOW_Z.match(payload.detected_at), payload.detected_at


def test_namespaces_that_differ_beyond_manifest_version_cannot_be_diffed() -> None:
    other = state({}, namespace={**NS, "feature_slug": "009-another-feature"})
    with pytest.raises(DossierNamespaceMismatchError) as caught:
        diff_dossier_states(BASE, other)
    message = str(caught.value)
    assert "008-mission-dossier-parity-event-contracts" in message
    assert "009-another-feature" in message
    assert "Baseline" in message
    assert "Current" in message
    assert isinstance(caught.value, NamespaceMixedStreamError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.expected == BASE.namespace
    assert caught.value.got == other.namespace


def test_a_state_without_namespace_diffs_against_any_namespace() -> None:
    (added,) = diff_dossier_states(MissionDossierState(), state({"a": _entry("a", "1")}))
    assert added.drift_kind == "artifact_added"
    assert added.namespace == LocalNamespaceTuple(**NS)
    (removed,) = diff_dossier_states(state({"a": _entry("a", "1")}), MissionDossierState())
    assert removed.drift_kind == "artifact_removed"
    assert removed.namespace == LocalNamespaceTuple(**NS)


def test_changes_without_any_namespace_cannot_be_described() -> None:
    with pytest.raises(ValueError, match="neither the baseline nor the current state"):
        diff_dossier_states(MissionDossierState(), state({"a": _entry("a", "1")}, namespace=None))


# A diff is empty exactly when the snapshot hashes agree (both states have a namespace).

_paths = st.sampled_from(["a", "b", "c", "\u00e9", "\U0001f600"])
_artifacts = st.dictionaries(
    _paths,
    st.tuples(st.sampled_from(["1", "2"]), st.sampled_from(["input", "output"]), st.booleans()),
    max_size=4,
)
_anomalies = st.lists(st.tuples(_paths, st.sampled_from(["plan", "tasks"])), max_size=4)


def _generated(arts: Any, anomalies: Any, version: str) -> MissionDossierState:
    return state(
        {p: _entry(p, d, c, superseded=s) for p, (d, c, s) in arts.items()},
        [_anomaly(p, step) for p, step in anomalies],
        {**NS, "manifest_version": version},
    )


@settings(max_examples=200)
@given(
    _artifacts,
    _anomalies,
    st.sampled_from(["1", "2"]),
    _artifacts,
    _anomalies,
    st.sampled_from(["1", "2"]),
)
def test_diff_is_empty_exactly_when_hashes_agree(
    a1: Any, n1: Any, v1: str, a2: Any, n2: Any, v2: str
) -> None:
    baseline, current = _generated(a1, n1, v1), _generated(a2, n2, v2)
    payloads = diff_dossier_states(baseline, current, detected_at="t")
    same = dossier_snapshot_hash(baseline) == dossier_snapshot_hash(current)
    assert (payloads == []) is same
    kinds = [p.drift_kind for p in payloads]
    assert len(set(kinds)) == len(kinds)
    for payload in payloads:
        ids = payload.artifact_ids_changed or ()
        assert [i.path.encode("utf-16-be", "surrogatepass") for i in ids] == sorted(
            i.path.encode("utf-16-be", "surrogatepass") for i in ids
        )
