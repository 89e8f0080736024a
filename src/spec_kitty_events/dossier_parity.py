"""Dossier parity toolkit: one snapshot-hash formula, drift payloads, namespace partitions, an
incremental projection and a parity status that recovers.

2.4.0 ships the dossier events but leaves the ``snapshot_hash`` formula, the drift payloads,
the splitting of multi-namespace streams and incremental folding to each consumer; the CLI and
the SaaS answered those differently and reported drift that was not there.  Everything here is
additive: no 2.4.0 function changes its output.  The formula is specified for other languages
in ``docs/dossier-parity.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from pydantic import BaseModel, ConfigDict

from spec_kitty_events._jcs import canonicalize
from spec_kitty_events._pipeline import event_sort_key, prepare
from spec_kitty_events.dossier import (
    DOSSIER_EVENT_TYPES,
    MISSION_DOSSIER_ARTIFACT_INDEXED,
    MISSION_DOSSIER_ARTIFACT_MISSING,
    MISSION_DOSSIER_PARITY_DRIFT_DETECTED,
    MISSION_DOSSIER_SNAPSHOT_COMPUTED,
    AnomalyEntry,
    ArtifactEntry,
    ArtifactIdentity,
    DossierFold,
    DriftKindT,
    LocalNamespaceTuple,
    MissionDossierArtifactIndexedPayload,
    MissionDossierArtifactMissingPayload,
    MissionDossierParityDriftDetectedPayload,
    MissionDossierSnapshotComputedPayload,
    MissionDossierState,
    NamespaceMixedStreamError,
    ParityStatusT,
    event_namespace,
    reduce_mission_dossier,
)
from spec_kitty_events.models import Event

__all__ = [
    "SNAPSHOT_FORMAT",
    "AppliedBatch",
    "DossierNamespaceKey",
    "DossierNamespaceMismatchError",
    "DossierProjection",
    "RecoveringParity",
    "build_snapshot_payload",
    "diff_dossier_states",
    "dossier_snapshot_hash",
    "dossier_snapshot_projection",
    "partition_by_namespace",
    "recovering_parity",
    "reduce_dossier_by_namespace",
]

# --- Constants -----------------------------------------------------------------------------------

# Versions the projection below; a new formula gets a new tag, so two hashes are only ever
# compared when they were computed the same way.
SNAPSHOT_FORMAT = "spec-kitty-dossier-snapshot/1"
_SNAPSHOT_ALGORITHM = "sha256"
_DIAGNOSTICS = {"snapshot_format": SNAPSHOT_FORMAT}

# Drift payloads are emitted in the Literal order of DriftKindT.
_DRIFT_ORDER: Tuple[DriftKindT, ...] = (
    "artifact_added",
    "artifact_removed",
    "artifact_mutated",
    "anomaly_introduced",
    "anomaly_resolved",
    "manifest_version_changed",
)

# (anomaly_type, path, artifact_class, manifest_step): what an anomaly *is*, without when it was
# seen or what was advised about it.
_AnomalyKey = Tuple[str, str, str, str]
_ANOMALY_FIELDS = ("anomaly_type", "path", "artifact_class", "manifest_step")

Timestamp = Union[str, datetime, None]


# --- Errors --------------------------------------------------------------------------------------


class DossierNamespaceMismatchError(NamespaceMixedStreamError):
    """Two dossier states belong to different namespaces and cannot be compared.

    Only ``manifest_version`` may differ (that is itself a drift).  ``expected`` holds the
    baseline's namespace and ``got`` the current one, as in the parent class.
    """

    @classmethod
    def of_states(
        cls, baseline: LocalNamespaceTuple, current: LocalNamespaceTuple
    ) -> DossierNamespaceMismatchError:
        error = cls(
            "Cannot diff dossier states of different namespaces (only manifest_version may "
            f"differ). Baseline: {baseline!r}. Current: {current!r}."
        )
        error.expected = baseline
        error.got = current
        return error


# --- Value objects -------------------------------------------------------------------------------


class DossierNamespaceKey(NamedTuple):
    """The five identity fields of a namespace; equal to the plain 5-tuple of the reducer."""

    project_uuid: str
    feature_slug: str
    target_branch: str
    mission_key: str
    manifest_version: str

    @classmethod
    def of(cls, namespace: LocalNamespaceTuple) -> DossierNamespaceKey:
        return cls(
            namespace.project_uuid,
            namespace.feature_slug,
            namespace.target_branch,
            namespace.mission_key,
            namespace.manifest_version,
        )


class RecoveringParity(BaseModel):
    """Parity as consumers read it: the latest snapshot clears older drift, and re-indexing a
    path resolves its missing-artifact anomalies.  See ``docs/dossier-parity.md``."""

    model_config = ConfigDict(frozen=True)

    parity_status: ParityStatusT = "unknown"
    open_anomalies: Tuple[AnomalyEntry, ...] = ()


@dataclass(frozen=True)
class AppliedBatch:
    """What one :meth:`DossierProjection.apply` did with its events.

    ``new_events`` were folded; ``duplicates`` repeated an event id already known (or repeated
    within the batch); ``ignored`` were not dossier events.  ``replayed`` is true when an event
    sorted before already-folded ones, so the whole projection was folded again.
    """

    new_events: int
    duplicates: int
    ignored: int
    replayed: bool


# --- Canonical snapshot hash ---------------------------------------------------------------------


def _utf16(text: str) -> bytes:
    # Big-endian UTF-16 bytes order exactly as JavaScript compares strings (and as JCS sorts
    # object keys), so a TypeScript consumer gets this order from a plain ``sort()``.
    return text.encode("utf-16-be", "surrogatepass")


def _namespace_projection(namespace: Optional[LocalNamespaceTuple]) -> Optional[Dict[str, str]]:
    if namespace is None:
        return None
    return DossierNamespaceKey.of(namespace)._asdict()


def _artifact_projection(path: str, entry: ArtifactEntry) -> Dict[str, Any]:
    return {
        "path": path,
        "artifact_class": entry.identity.artifact_class,
        "content_hash": entry.content_ref.hash,
        "algorithm": entry.content_ref.algorithm,
        "superseded": entry.superseded,
    }


def _anomaly_key(anomaly: AnomalyEntry) -> _AnomalyKey:
    identity = anomaly.expected_identity
    return (anomaly.anomaly_type, identity.path, identity.artifact_class, anomaly.manifest_step)


def _anomaly_sort_key(key: _AnomalyKey) -> Tuple[bytes, ...]:
    return tuple(_utf16(part) for part in key)


def _distinct_anomalies(state: MissionDossierState) -> Dict[_AnomalyKey, ArtifactIdentity]:
    """Each distinct anomaly, in projection order, with the identity it was first reported with."""
    first: Dict[_AnomalyKey, ArtifactIdentity] = {}
    for anomaly in state.anomalies:
        first.setdefault(_anomaly_key(anomaly), anomaly.expected_identity)
    return {key: first[key] for key in sorted(first, key=_anomaly_sort_key)}


def _sorted_artifacts(state: MissionDossierState) -> List[Tuple[str, ArtifactEntry]]:
    return sorted(state.artifacts.items(), key=lambda item: _utf16(item[0]))


def dossier_snapshot_projection(state: MissionDossierState) -> Dict[str, Any]:
    """The JSON value whose canonical form is hashed by :func:`dossier_snapshot_hash`.

    ``{"format", "namespace", "artifacts", "anomalies"}``: the namespace's five identity fields
    (``null`` without a namespace), every artifact sorted by path, and the distinct anomalies
    sorted by ``(anomaly_type, path, artifact_class, manifest_step)``.  Only strings, booleans
    and ``null`` appear, so every JSON library serialises it the same way.
    """
    return {
        "format": SNAPSHOT_FORMAT,
        "namespace": _namespace_projection(state.namespace),
        "artifacts": [
            _artifact_projection(path, entry) for path, entry in _sorted_artifacts(state)
        ],
        "anomalies": [
            dict(zip(_ANOMALY_FIELDS, key, strict=True)) for key in _distinct_anomalies(state)
        ],
    }


def _hash_projection(projection: Dict[str, Any]) -> str:
    return hashlib.sha256(canonicalize(projection)).hexdigest()


def dossier_snapshot_hash(state: MissionDossierState) -> str:
    """Lower-case hex SHA-256 of the RFC 8785 form of :func:`dossier_snapshot_projection`."""
    return _hash_projection(dossier_snapshot_projection(state))


# --- Snapshot and drift payloads -----------------------------------------------------------------


def _timestamp(value: Timestamp, field: str) -> str:
    if isinstance(value, str):
        return value
    moment = datetime.now(timezone.utc) if value is None else value
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware, got the naive datetime {moment!r}")
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def build_snapshot_payload(
    state: MissionDossierState, *, computed_at: Timestamp = None
) -> MissionDossierSnapshotComputedPayload:
    """The ``MissionDossierSnapshotComputed`` payload for ``state``, hashed by the one formula.

    ``computed_at`` defaults to now (UTC, ISO-8601 with ``Z``); an aware ``datetime`` is
    converted the same way and a string is used as given.

    Raises:
        ValueError: the state has no namespace (no folded event had a readable one).
    """
    if state.namespace is None:
        raise ValueError(
            "Cannot build a MissionDossierSnapshotComputed payload: the dossier state has no "
            "namespace (no event with a readable namespace was reduced)."
        )
    projection = dossier_snapshot_projection(state)
    return MissionDossierSnapshotComputedPayload(
        namespace=state.namespace,
        snapshot_hash=_hash_projection(projection),
        artifact_count=len(projection["artifacts"]),
        anomaly_count=len(projection["anomalies"]),
        computed_at=_timestamp(computed_at, "computed_at"),
        algorithm=_SNAPSHOT_ALGORITHM,
        context_diagnostics=dict(_DIAGNOSTICS),
    )


def _namespace_without_version(namespace: LocalNamespaceTuple) -> Tuple[str, ...]:
    return DossierNamespaceKey.of(namespace)[:4]


def _diff_namespace(
    baseline: Optional[LocalNamespaceTuple], current: Optional[LocalNamespaceTuple]
) -> Optional[LocalNamespaceTuple]:
    """The namespace drift payloads carry; a state without namespace fits any other."""
    if (
        baseline is not None
        and current is not None
        and _namespace_without_version(baseline) != _namespace_without_version(current)
    ):
        raise DossierNamespaceMismatchError.of_states(baseline, current)
    return current if current is not None else baseline


def _unique(identities: Iterable[ArtifactIdentity]) -> Tuple[ArtifactIdentity, ...]:
    return tuple(dict.fromkeys(identities))


def _artifact_changes(
    baseline: MissionDossierState, current: MissionDossierState
) -> Dict[DriftKindT, Tuple[ArtifactIdentity, ...]]:
    before = dict(_sorted_artifacts(baseline))
    after = dict(_sorted_artifacts(current))
    return {
        "artifact_added": tuple(after[p].identity for p in after if p not in before),
        "artifact_removed": tuple(before[p].identity for p in before if p not in after),
        "artifact_mutated": tuple(
            after[p].identity
            for p in after
            if p in before
            and _artifact_projection(p, after[p]) != _artifact_projection(p, before[p])
        ),
    }


def _anomaly_changes(
    baseline: MissionDossierState, current: MissionDossierState
) -> Dict[DriftKindT, Tuple[ArtifactIdentity, ...]]:
    before = _distinct_anomalies(baseline)
    after = _distinct_anomalies(current)
    return {
        "anomaly_introduced": _unique(after[k] for k in after if k not in before),
        "anomaly_resolved": _unique(before[k] for k in before if k not in after),
    }


def _manifest_changed(baseline: MissionDossierState, current: MissionDossierState) -> bool:
    return (
        baseline.namespace is not None
        and current.namespace is not None
        and baseline.namespace.manifest_version != current.namespace.manifest_version
    )


def diff_dossier_states(
    baseline: MissionDossierState,
    current: MissionDossierState,
    *,
    detected_at: Timestamp = None,
) -> List[MissionDossierParityDriftDetectedPayload]:
    """One ``MissionDossierParityDriftDetected`` payload per kind of difference, in the order of
    ``DriftKindT``; ``[]`` when the two snapshot projections are equal.

    ``expected_hash``/``actual_hash`` are the snapshot hashes of ``baseline``/``current``;
    ``artifact_ids_changed`` follows projection order (artifacts by path, anomalies by their
    key) and is ``None`` for ``manifest_version_changed``.  The payloads carry the current
    state's namespace (the baseline's when the current state has none).

    Raises:
        DossierNamespaceMismatchError: the namespaces differ in a field other than
            ``manifest_version`` (a ``NamespaceMixedStreamError``, hence a ``ValueError``).
        ValueError: the states differ but neither has a namespace to put in a payload.
    """
    namespace = _diff_namespace(baseline.namespace, current.namespace)
    changes = {**_artifact_changes(baseline, current), **_anomaly_changes(baseline, current)}
    kinds = [kind for kind in _DRIFT_ORDER if changes.get(kind)]
    if _manifest_changed(baseline, current):
        kinds.append("manifest_version_changed")
    if not kinds:
        return []
    if namespace is None:
        raise ValueError(
            "Cannot describe dossier drift: neither the baseline nor the current state has a "
            "namespace."
        )
    expected_hash = dossier_snapshot_hash(baseline)
    actual_hash = dossier_snapshot_hash(current)
    when = _timestamp(detected_at, "detected_at")
    return [
        MissionDossierParityDriftDetectedPayload(
            namespace=namespace,
            expected_hash=expected_hash,
            actual_hash=actual_hash,
            drift_kind=kind,
            detected_at=when,
            artifact_ids_changed=changes.get(kind),
            context_diagnostics=dict(_DIAGNOSTICS),
        )
        for kind in kinds
    ]


# --- Namespace partitions ------------------------------------------------------------------------


def partition_by_namespace(
    events: Iterable[Event],
) -> Dict[Optional[DossierNamespaceKey], List[Event]]:
    """Split the dossier events of a stream by namespace identity, in fold order.

    The stream is ordered and de-duplicated as a whole first (as ``reduce_mission_dossier``
    would), so a re-delivered event lands in one partition only.  Events whose namespace cannot
    be read go under the key ``None``; other event types are left out, as the reducer ignores
    them.  Partitions appear in the order of their first event.
    """
    partitions: Dict[Optional[DossierNamespaceKey], List[Event]] = {}
    for event in prepare(events, DOSSIER_EVENT_TYPES):
        namespace = event_namespace(event)
        key = None if namespace is None else DossierNamespaceKey.of(namespace)
        partitions.setdefault(key, []).append(event)
    return partitions


def reduce_dossier_by_namespace(
    events: Iterable[Event],
) -> Dict[Optional[DossierNamespaceKey], MissionDossierState]:
    """``reduce_mission_dossier`` of every partition of :func:`partition_by_namespace`.

    Never raises ``NamespaceMixedStreamError``.  The ``None`` partition's state counts its
    unreadable events in ``event_count`` and has no namespace, as ``reduce_mission_dossier``
    of those events alone reports them.
    """
    return {
        key: reduce_mission_dossier(partition)
        for key, partition in partition_by_namespace(events).items()
    }


# --- Incremental projection and recovering parity ------------------------------------------------


class _RecoveryFold:
    """The recovering view: status of the latest snapshot-or-drift event, and open anomalies."""

    __slots__ = ("by_path", "open", "status", "steps")

    def __init__(self) -> None:
        self.status: ParityStatusT = "unknown"
        # Insertion order is the order in which anomalies were opened; a repeated check
        # replaces its entry in place.
        self.open: Dict[_AnomalyKey, AnomalyEntry] = {}
        self.by_path: Dict[str, Set[_AnomalyKey]] = {}
        self.steps: Dict[str, Callable[[Any], None]] = {
            MISSION_DOSSIER_ARTIFACT_INDEXED: self._resolve,
            MISSION_DOSSIER_ARTIFACT_MISSING: self._open,
            MISSION_DOSSIER_SNAPSHOT_COMPUTED: self._clean,
            MISSION_DOSSIER_PARITY_DRIFT_DETECTED: self._drift,
        }

    def _open(self, payload: MissionDossierArtifactMissingPayload) -> None:
        anomaly = AnomalyEntry.from_payload(payload)
        key = _anomaly_key(anomaly)
        self.open[key] = anomaly
        self.by_path.setdefault(key[1], set()).add(key)

    def _resolve(self, payload: MissionDossierArtifactIndexedPayload) -> None:
        for key in self.by_path.pop(payload.artifact_id.path, ()):
            del self.open[key]

    def _clean(self, _payload: MissionDossierSnapshotComputedPayload) -> None:
        self.status = "clean"

    def _drift(self, _payload: MissionDossierParityDriftDetectedPayload) -> None:
        self.status = "drifted"

    def freeze(self) -> RecoveringParity:
        return RecoveringParity(parity_status=self.status, open_anomalies=tuple(self.open.values()))


class _DossierBuild:
    """The folds of one ordered, de-duplicated dossier stream, in lock step: the dossier
    reducer's own :class:`~spec_kitty_events.dossier.DossierFold` and the recovering view."""

    __slots__ = ("fold", "ordered", "recovery")

    def __init__(self) -> None:
        self.ordered: List[Event] = []
        self.fold = DossierFold()
        self.recovery = _RecoveryFold()

    @classmethod
    def from_ordered(cls, ordered: Sequence[Event]) -> _DossierBuild:
        """Fold a whole prepared stream; raises before anything is shared with a caller."""
        build = cls()
        build._fold(ordered)
        return build

    def extend(self, later: Sequence[Event]) -> None:
        """Fold events that all sort after the folded ones; atomic on a namespace mismatch."""
        self.fold.check_namespaces(later)
        self._fold(later)

    def _fold(self, later: Sequence[Event]) -> None:
        apply = self.fold.apply
        steps = self.recovery.steps
        for event in later:
            parsed = apply(event)
            if parsed is not None:
                steps[event.event_type](parsed)
        self.ordered.extend(later)


class DossierProjection:
    """A dossier that takes new events as they arrive, equal at every step to
    ``reduce_mission_dossier`` of everything applied so far.

    Events that sort after the folded ones are folded on top; a late event (one that sorts
    before an already-folded event) or a conflicting re-delivery triggers one full re-fold.
    A failed :meth:`apply` (``NamespaceMixedStreamError``) leaves the projection unchanged.
    """

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._build = _DossierBuild()
        self._by_id: Dict[str, Event] = {}
        self.apply(events)

    def apply(self, events: Iterable[Event]) -> AppliedBatch:
        """Fold new events (any order, duplicates allowed) into the projection.

        Raises:
            NamespaceMixedStreamError: the events would mix namespaces; nothing is applied.
        """
        received = list(events)
        batch = prepare(received, DOSSIER_EVENT_TYPES)
        ignored = len(received) - sum(e.event_type in DOSSIER_EVENT_TYPES for e in received)
        before = self.event_count
        replayed = self._needs_replay(batch)
        if replayed:
            self._replay(batch)
        else:
            self._extend(batch)
        new_events = self.event_count - before
        return AppliedBatch(new_events, len(received) - ignored - new_events, ignored, replayed)

    def _needs_replay(self, batch: List[Event]) -> bool:
        """A batch folds on top unless it holds a late event or a differing re-delivery."""
        if not self._build.ordered:
            return False
        last = event_sort_key(self._build.ordered[-1])
        for event in batch:
            known = self._by_id.get(event.event_id)
            if known is None and event_sort_key(event) < last:
                return True
            if known is not None and known != event:
                return True
        return False

    def _extend(self, batch: List[Event]) -> None:
        fresh = [event for event in batch if event.event_id not in self._by_id]
        self._build.extend(fresh)
        self._by_id.update((event.event_id, event) for event in fresh)

    def _replay(self, batch: List[Event]) -> None:
        # The union is prepared like a whole stream, so re-delivered twins resolve exactly as
        # reduce_mission_dossier resolves them.
        build = _DossierBuild.from_ordered(prepare(self._build.ordered + batch))
        self._build = build
        self._by_id = {event.event_id: event for event in build.ordered}

    @property
    def state(self) -> MissionDossierState:
        """The 2.4.0 reducer output for every event applied so far (a fresh object each time)."""
        return self._build.fold.freeze()

    @property
    def event_count(self) -> int:
        return len(self._build.ordered)

    def recovering_parity(self) -> RecoveringParity:
        """The recovering parity view of the applied events (see :func:`recovering_parity`)."""
        return self._build.recovery.freeze()


def recovering_parity(events: Iterable[Event]) -> RecoveringParity:
    """Parity status and open anomalies under the recovering rules (opt-in; the reducer's own
    ``parity_status`` stays "drifted" once any drift was seen).

    In fold order: a valid snapshot makes the status ``"clean"`` and a valid drift makes it
    ``"drifted"``, so the latest of the two decides (``"unknown"`` if neither occurred).  A
    missing-artifact report opens an anomaly keyed by ``(anomaly_type, path, artifact_class,
    manifest_step)`` (a repeat replaces it in place); a valid ``ArtifactIndexed`` event for the
    same path resolves every open anomaly of that path.

    Raises:
        NamespaceMixedStreamError: as ``reduce_mission_dossier``.
    """
    return DossierProjection(events).recovering_parity()
