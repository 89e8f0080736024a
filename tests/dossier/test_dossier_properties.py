"""Order- and duplication-independence of reduce_mission_dossier, and agreement with a literal
transcription of the fold described in docs/consumer-contract-dossier.md ("What the reducer
computes") on generated streams."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.dossier import (
    AnomalyEntry,
    ArtifactEntry,
    DriftRecord,
    LocalNamespaceTuple,
    MissionDossierArtifactIndexedPayload,
    MissionDossierArtifactMissingPayload,
    MissionDossierParityDriftDetectedPayload,
    MissionDossierSnapshotComputedPayload,
    MissionDossierState,
    NamespaceMixedStreamError,
    SnapshotSummary,
    reduce_mission_dossier,
)
from spec_kitty_events.models import Event
from tests.dossier.helpers import (
    DRIFT,
    FIXTURES,
    INDEXED,
    MISSING,
    SNAPSHOT,
    drift,
    ident,
    indexed,
    missing,
    ns,
    replay,
    snapshot,
)
from tests.factory import make_event

HAPPY = replay("dossier_happy_path.jsonl")
CANONICAL = json.loads((FIXTURES / "replay/canonical_output_snapshot.json").read_text("utf-8"))


def outcome(events: List[Event]) -> Any:
    """The reducer's observable result: its JSON dump, or the error message."""
    try:
        return reduce_mission_dossier(events).model_dump(mode="json")
    except NamespaceMixedStreamError as error:
        return ("error", str(error))


@st.composite
def deliveries(draw: st.DrawFn, events: List[Event]) -> List[Event]:
    """A shuffled delivery of ``events`` in which some events arrive more than once."""
    repeats = draw(st.lists(st.sampled_from(events), max_size=len(events))) if events else []
    return draw(st.permutations(events + repeats))


@settings(max_examples=200)
@given(deliveries(HAPPY))
def test_happy_path_in_any_order_with_duplicates_gives_the_canonical_snapshot(
    delivered: List[Event],
) -> None:
    assert reduce_mission_dossier(delivered).model_dump(mode="json") == CANONICAL


# --- generated streams -------------------------------------------------------------------------

PATHS = ("a.md", "b.md", "c.md")
TIMES = tuple(datetime(2026, 2, 21, 14, tzinfo=timezone.utc) + timedelta(minutes=m) for m in (0, 1))


@st.composite
def namespace_variant(draw: st.DrawFn) -> Any:
    kind = draw(
        st.sampled_from(["ok", "ok", "ok", "ok", "step", "slug", "absent", "bad", "intkey"])
    )
    if kind == "step":
        return ns(step_id=draw(st.sampled_from([None, "A", "B"])))
    if kind == "slug":
        return ns(feature_slug="009-another-feature")
    if kind == "absent":
        return None
    if kind == "bad":
        return draw(st.sampled_from(["text", ["x"], {"project_uuid": "p"}]))
    if kind == "intkey":
        return {**ns(), 3: "x"}
    return ns()


# One way to make each payload invalid while its namespace stays readable.
_BREAKAGE: Dict[str, Tuple[str, Any]] = {
    INDEXED: ("indexed_at", 12),
    MISSING: ("manifest_step", ""),
    SNAPSHOT: ("artifact_count", -1),
    DRIFT: ("drift_kind", "bogus"),
}


@st.composite
def payload_for(draw: st.DrawFn, event_type: str) -> Dict[str, Any]:
    path = draw(st.sampled_from(PATHS))
    if event_type == INDEXED:
        extra: Dict[str, Any] = {}
        if draw(st.booleans()):
            extra["supersedes"] = ident(draw(st.sampled_from(PATHS)))
        if draw(st.booleans()):
            extra["step_id"] = draw(st.sampled_from(["s1", "s2"]))
        if draw(st.booleans()):
            extra["provenance"] = {
                "source_event_ids": draw(st.lists(st.sampled_from(["e1", "e2"]), max_size=2)),
                "actor_kind": draw(st.sampled_from(["human", "llm", "robot"])),
            }
        payload = indexed(path, draw(st.sampled_from(["h1", "h2", "h3"])), **extra)
    elif event_type == MISSING:
        payload = missing(path, step=draw(st.sampled_from(["required_always", "plan"])))
    elif event_type == SNAPSHOT:
        payload = snapshot(
            draw(st.sampled_from(["s1", "s2"])), algorithm=draw(st.sampled_from([None, "md5"]))
        )
    elif event_type == DRIFT:
        payload = drift(draw(st.sampled_from(["artifact_added", "anomaly_resolved"])))
    else:
        payload = {}
    if event_type in _BREAKAGE and draw(st.integers(0, 9)) == 0:
        field, bad_value = _BREAKAGE[event_type]
        payload[field] = bad_value
    variant = draw(namespace_variant())
    if variant is None:
        payload.pop("namespace", None)
    else:
        payload["namespace"] = variant
    return payload


@st.composite
def dossier_streams(draw: st.DrawFn) -> List[Event]:
    count = draw(st.integers(0, 10))
    events = []
    for i in range(count):
        event_type = draw(st.sampled_from([INDEXED, INDEXED, MISSING, SNAPSHOT, DRIFT, "Other"]))
        events.append(
            make_event(
                draw(st.integers(0, 5)),
                event_type,
                draw(payload_for(event_type)),
                event_id=f"01JNRGEN{i:018d}",
                timestamp=draw(st.sampled_from(TIMES)),
            )
        )
    return events


_MODELS = {
    INDEXED: MissionDossierArtifactIndexedPayload,
    MISSING: MissionDossierArtifactMissingPayload,
    SNAPSHOT: MissionDossierSnapshotComputedPayload,
    DRIFT: MissionDossierParityDriftDetectedPayload,
}


def _oracle_namespace(event: Event) -> Optional[LocalNamespaceTuple]:
    raw = event.payload.get("namespace")
    if raw is None:
        return None
    try:
        return LocalNamespaceTuple(**raw)
    except Exception:
        return None


def _key(n: LocalNamespaceTuple) -> Tuple[str, ...]:
    return (n.project_uuid, n.feature_slug, n.target_branch, n.mission_key, n.manifest_version)


def oracle(events: List[Event]) -> MissionDossierState:
    """The dossier fold step by step, in three naive passes: order, de-duplicate, apply."""
    selected = [e for e in events if e.event_type in _MODELS]
    if not selected:
        return MissionDossierState()
    selected.sort(key=lambda e: (e.lamport_clock, e.timestamp.isoformat(), e.event_id))
    seen: set[str] = set()
    unique = []
    for e in selected:
        if e.event_id not in seen:
            seen.add(e.event_id)
            unique.append(e)
    canonical: Optional[LocalNamespaceTuple] = None
    for e in unique:
        n = _oracle_namespace(e)
        if n is None:
            continue
        if canonical is None:
            canonical = n
        elif _key(n) != _key(canonical):
            raise NamespaceMixedStreamError(
                f"Namespace mismatch in dossier event stream. Expected: {canonical!r}. Got: {n!r}."
            )
    if canonical is not None:
        steps = set()
        for e in unique:
            n = _oracle_namespace(e)
            if n is not None and n.step_id is not None:
                steps.add(n.step_id)
        if len(steps) > 1:
            canonical = LocalNamespaceTuple(**{**canonical.model_dump(), "step_id": None})
    artifacts: Dict[str, ArtifactEntry] = {}
    anomalies: List[AnomalyEntry] = []
    latest: Optional[SnapshotSummary] = None
    drifts: List[DriftRecord] = []
    for e in unique:
        try:
            p: Any = _MODELS[e.event_type](**e.payload)
        except Exception:
            continue
        if e.event_type == INDEXED:
            if p.supersedes is not None and p.supersedes.path in artifacts:
                old = artifacts[p.supersedes.path]
                artifacts[p.supersedes.path] = ArtifactEntry(
                    identity=old.identity,
                    content_ref=old.content_ref,
                    indexed_at=old.indexed_at,
                    provenance=old.provenance,
                    superseded=True,
                    step_id=old.step_id,
                )
            artifacts[p.artifact_id.path] = ArtifactEntry(
                identity=p.artifact_id,
                content_ref=p.content_ref,
                indexed_at=p.indexed_at,
                provenance=p.provenance,
                superseded=False,
                step_id=p.step_id,
            )
        elif e.event_type == MISSING:
            anomalies.append(
                AnomalyEntry(
                    expected_identity=p.expected_identity,
                    manifest_step=p.manifest_step,
                    checked_at=p.checked_at,
                    remediation_hint=p.remediation_hint,
                )
            )
        elif e.event_type == SNAPSHOT:
            latest = SnapshotSummary(
                snapshot_hash=p.snapshot_hash,
                artifact_count=p.artifact_count,
                anomaly_count=p.anomaly_count,
                computed_at=p.computed_at,
                algorithm=p.algorithm if p.algorithm is not None else "sha256",
            )
        else:
            drifts.append(
                DriftRecord(
                    expected_hash=p.expected_hash,
                    actual_hash=p.actual_hash,
                    drift_kind=p.drift_kind,
                    detected_at=p.detected_at,
                )
            )
    status = "drifted" if drifts else ("clean" if latest is not None else "unknown")
    return MissionDossierState(
        namespace=canonical,
        artifacts=artifacts,
        anomalies=tuple(anomalies),
        latest_snapshot=latest,
        drift_history=tuple(drifts),
        parity_status=status,
        event_count=len(unique),
    )


def oracle_outcome(events: List[Event]) -> Any:
    try:
        return oracle(events).model_dump(mode="json")
    except NamespaceMixedStreamError as error:
        return ("error", str(error))


@settings(max_examples=200)
@given(dossier_streams())
def test_generated_streams_match_the_naive_three_pass_fold(events: List[Event]) -> None:
    assert outcome(events) == oracle_outcome(events)


@settings(max_examples=200)
@given(st.data())
def test_generated_streams_are_order_and_duplicate_independent(data: st.DataObject) -> None:
    events = data.draw(dossier_streams())
    delivered = data.draw(deliveries(events))
    assert outcome(delivered) == outcome(events)
