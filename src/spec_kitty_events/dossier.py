"""Mission Dossier parity contracts: four event types, their payloads and the dossier reducer.

A *dossier* is the set of artifacts a mission is expected to produce, indexed by content hash.
The local CLI and the SaaS each fold the same dossier events and compare the results; their
baselines are keyed by one namespace (:class:`LocalNamespaceTuple`), so a stream that mixes
namespaces is refused rather than merged.

The reducer keeps the 2.4.0 output exactly (see ``docs/consumer-contract-dossier.md``), but
validates each event once, in a single pass, and keeps only per-path state while folding.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Literal,
    Optional,
    Tuple,
    Type,
    Union,
    cast,
)

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spec_kitty_events._family import EventFamily
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._mirror import Mirror, mirror
from spec_kitty_events._pipeline import ordered, parse_payload
from spec_kitty_events._readonly import ReadOnlyDict, RODict
from spec_kitty_events.models import Event

# --- Event types ---------------------------------------------------------------------------------

MISSION_DOSSIER_ARTIFACT_INDEXED: str = "MissionDossierArtifactIndexed"
MISSION_DOSSIER_ARTIFACT_MISSING: str = "MissionDossierArtifactMissing"
MISSION_DOSSIER_SNAPSHOT_COMPUTED: str = "MissionDossierSnapshotComputed"
MISSION_DOSSIER_PARITY_DRIFT_DETECTED: str = "MissionDossierParityDriftDetected"

DOSSIER_EVENT_TYPES: FrozenSet[str] = frozenset(
    {
        MISSION_DOSSIER_ARTIFACT_INDEXED,
        MISSION_DOSSIER_ARTIFACT_MISSING,
        MISSION_DOSSIER_SNAPSHOT_COMPUTED,
        MISSION_DOSSIER_PARITY_DRIFT_DETECTED,
    }
)

# The Literal value order is the JSON-schema ``enum`` order; it is part of the contract.
ArtifactClassT = Literal["input", "workflow", "output", "evidence", "policy", "runtime"]
DriftKindT = Literal[
    "artifact_added",
    "artifact_removed",
    "artifact_mutated",
    "anomaly_introduced",
    "anomaly_resolved",
    "manifest_version_changed",
]
AlgorithmT = Literal["sha256", "sha512", "md5"]
ParityStatusT = Literal["clean", "drifted", "unknown"]
ActorKindT = Literal["human", "llm", "system"]

# Substituted by the reducer only; the snapshot payload itself defaults to ``None``.
_DEFAULT_SNAPSHOT_ALGORITHM = "sha256"

_FROZEN = ConfigDict(frozen=True)


# --- Errors --------------------------------------------------------------------------------------


class NamespaceMixedStreamError(ValueError):
    """A dossier stream carries events of more than one namespace identity.

    The message names both namespaces; ``expected`` and ``got`` hold them as models so callers
    need not parse the text (both are ``None`` when the error is raised by hand).
    """

    expected: Optional[LocalNamespaceTuple] = None
    got: Optional[LocalNamespaceTuple] = None

    @classmethod
    def between(
        cls, expected: LocalNamespaceTuple, got: LocalNamespaceTuple
    ) -> NamespaceMixedStreamError:
        error = cls(
            f"Namespace mismatch in dossier event stream. Expected: {expected!r}. Got: {got!r}."
        )
        error.expected = expected
        error.got = got
        return error


# --- Value objects -------------------------------------------------------------------------------


class LocalNamespaceTuple(BaseModel):
    """Scope of one dossier/parity baseline: project, feature, branch, mission, manifest.

    The first five fields are the identity; step_id is per-event context and not part of it.
    manifest_version lives here and in no payload.
    """

    model_config = _FROZEN

    project_uuid: str = Field(min_length=1)
    feature_slug: str = Field(min_length=1)
    target_branch: str = Field(min_length=1)
    mission_key: str = Field(min_length=1)
    manifest_version: str = Field(min_length=1)
    step_id: Optional[str] = None


class ArtifactIdentity(BaseModel):
    """Which artifact: its mission, repository path and class (optionally its run and WP)."""

    model_config = _FROZEN

    mission_key: str = Field(min_length=1)
    path: str = Field(min_length=1, description="Path of the artifact, relative to the repository")
    artifact_class: ArtifactClassT
    run_id: Optional[str] = None
    wp_id: Optional[str] = None


class ContentHashRef(BaseModel):
    """A reference to artifact content by hash; dossier events never carry file bodies."""

    model_config = _FROZEN

    hash: str = Field(min_length=1, description="Content digest, hex-encoded")
    algorithm: AlgorithmT
    size_bytes: Optional[int] = Field(default=None, ge=0)
    encoding: Optional[str] = None


class ProvenanceRef(BaseModel):
    """Where an artifact revision came from: source events, git position and actor."""

    model_config = _FROZEN

    source_event_ids: Optional[Tuple[str, ...]] = None
    git_sha: Optional[str] = None
    git_ref: Optional[str] = None
    actor_id: Optional[str] = None
    actor_kind: Optional[ActorKindT] = None
    revised_at: Optional[str] = Field(default=None, description="ISO-8601 time of the revision")


# --- Payloads ------------------------------------------------------------------------------------


class MissionDossierArtifactIndexedPayload(BaseModel):
    """An artifact was found and indexed by content hash."""

    model_config = _FROZEN

    namespace: LocalNamespaceTuple = Field(
        description="Baseline scope; the only place manifest_version appears"
    )
    artifact_id: ArtifactIdentity = Field(
        description="Artifact identity; the only place artifact_class appears"
    )
    content_ref: ContentHashRef
    indexed_at: str = Field(description="ISO-8601 time of indexing")
    provenance: Optional[ProvenanceRef] = None
    step_id: Optional[str] = None
    supersedes: Optional[ArtifactIdentity] = None
    context_diagnostics: Optional[Dict[str, str]] = None


class MissionDossierArtifactMissingPayload(BaseModel):
    """An artifact the manifest requires was not found."""

    model_config = _FROZEN

    namespace: LocalNamespaceTuple
    expected_identity: ArtifactIdentity = Field(
        description="Path and class of the artifact that was expected"
    )
    manifest_step: str = Field(
        min_length=1, description='"required_always", or the step that requires the artifact'
    )
    checked_at: str = Field(description="ISO-8601 time of the check")
    last_known_ref: Optional[ProvenanceRef] = None
    remediation_hint: Optional[str] = None
    context_diagnostics: Optional[Dict[str, str]] = None


class MissionDossierSnapshotComputedPayload(BaseModel):
    """A deterministic hash over the whole dossier was computed."""

    model_config = _FROZEN

    namespace: LocalNamespaceTuple = Field(description="Baseline scope, with manifest_version")
    snapshot_hash: str = Field(min_length=1, description="Deterministic dossier digest, hex")
    artifact_count: int = Field(ge=0)
    anomaly_count: int = Field(ge=0)
    computed_at: str = Field(description="ISO-8601 time of the computation")
    algorithm: Optional[AlgorithmT] = None
    context_diagnostics: Optional[Dict[str, str]] = None


class MissionDossierParityDriftDetectedPayload(BaseModel):
    """Two dossier snapshots that should agree do not."""

    model_config = _FROZEN

    namespace: LocalNamespaceTuple
    expected_hash: str = Field(min_length=1)
    actual_hash: str = Field(min_length=1)
    drift_kind: DriftKindT
    detected_at: str = Field(description="ISO-8601 time of detection")
    artifact_ids_changed: Optional[Tuple[ArtifactIdentity, ...]] = None
    rebuild_hint: Optional[str] = None
    context_diagnostics: Optional[Dict[str, str]] = None


DossierPayload = Union[
    MissionDossierArtifactIndexedPayload,
    MissionDossierArtifactMissingPayload,
    MissionDossierSnapshotComputedPayload,
    MissionDossierParityDriftDetectedPayload,
]

# --- Reducer output ------------------------------------------------------------------------------

# Output models keep the loose 2.4.0 typing (plain ``str`` where payloads use Literals, no
# bounds): their ``model_dump`` is compared byte for byte by consumers.


class ArtifactEntry(BaseModel):
    """The current indexed version of one artifact path."""

    model_config = _FROZEN

    identity: ArtifactIdentity
    content_ref: ContentHashRef
    indexed_at: str
    provenance: Optional[ProvenanceRef] = None
    superseded: bool = False
    step_id: Optional[str] = None


class AnomalyEntry(BaseModel):
    """One missing-artifact report; entries are never merged or resolved."""

    model_config = _FROZEN

    anomaly_type: Literal["missing_artifact"] = "missing_artifact"
    expected_identity: ArtifactIdentity
    manifest_step: str
    checked_at: str
    remediation_hint: Optional[str] = None

    @classmethod
    def from_payload(cls, payload: MissionDossierArtifactMissingPayload) -> AnomalyEntry:
        """The entry a missing-artifact report adds to the dossier."""
        return cls(
            expected_identity=payload.expected_identity,
            manifest_step=payload.manifest_step,
            checked_at=payload.checked_at,
            remediation_hint=payload.remediation_hint,
        )


class SnapshotSummary(BaseModel):
    """The latest dossier snapshot, in fold order."""

    model_config = _FROZEN

    snapshot_hash: str
    artifact_count: int
    anomaly_count: int
    computed_at: str
    algorithm: str = _DEFAULT_SNAPSHOT_ALGORITHM


class DriftRecord(BaseModel):
    """One detected parity drift."""

    model_config = _FROZEN

    expected_hash: str
    actual_hash: str
    drift_kind: str
    detected_at: str


class MissionDossierState(BaseModel):
    """The folded dossier of one namespace.

    ``parity_status`` is ``"drifted"`` as soon as any drift exists anywhere in the stream, even
    if a clean snapshot follows it: drift is sticky by contract.  ``artifacts`` is a read-only
    ``dict``, like every container of a reducer output.
    """

    model_config = _FROZEN

    namespace: Optional[LocalNamespaceTuple] = None
    artifacts: RODict[str, ArtifactEntry] = Field(default_factory=ReadOnlyDict)
    anomalies: Tuple[AnomalyEntry, ...] = Field(default_factory=tuple)
    latest_snapshot: Optional[SnapshotSummary] = None
    drift_history: Tuple[DriftRecord, ...] = Field(default_factory=tuple)
    parity_status: ParityStatusT = "unknown"
    event_count: int = 0


@dataclass(frozen=True)
class SkippedDossierEvent:
    """A dossier event that was counted but not folded, and why."""

    event_id: str
    event_type: str
    reason: str


# --- Reducer -------------------------------------------------------------------------------------


def _namespace_key(ns: LocalNamespaceTuple) -> Tuple[str, str, str, str, str]:
    """The namespace identity: every field but ``step_id``."""
    return (ns.project_uuid, ns.feature_slug, ns.target_branch, ns.mission_key, ns.manifest_version)


def event_namespace(event: Event) -> Optional[LocalNamespaceTuple]:
    """The event's namespace as the reducer reads it, or ``None`` when it is absent, ``null``
    or malformed."""
    payload: Any = event.payload
    raw = payload.get("namespace") if isinstance(payload, Mapping) else None
    if raw is None:
        return None
    try:
        # Keyword expansion: a non-mapping or a non-string key makes the namespace "malformed".
        return LocalNamespaceTuple(**raw)
    except (ValueError, TypeError):
        return None


def _namespace_of(event: Event, parsed: Optional[DossierPayload]) -> Optional[LocalNamespaceTuple]:
    """``event_namespace(event)``, reusing the already validated payload when it is the same.

    Nested validation and 2.4.0's keyword expansion agree when the raw namespace is a plain
    ``dict`` whose keys are all field names (so all strings); that is checked in O(1) by
    comparing its size with the number of fields it set.  Other shapes (extra or non-string
    keys, mappings of other types) take the slow, exact path.
    """
    payload: Any = event.payload
    if parsed is not None and type(payload) is dict:
        raw = payload["namespace"]
        ns = parsed.namespace
        if type(raw) is dict and len(raw) == len(ns.model_fields_set):
            return ns
    return event_namespace(event)


class _NamespaceTracker:
    """The single-namespace invariant and the step_id normalisation, in one pass."""

    __slots__ = ("anchor_raw", "canonical", "canonical_key", "first_step_id", "several_step_ids")

    def __init__(self) -> None:
        self.canonical: Optional[LocalNamespaceTuple] = None
        self.canonical_key: Optional[Tuple[str, str, str, str, str]] = None
        # The raw namespace dict of the anchoring event.  Most events repeat it verbatim; an
        # equal dict yields an equal namespace (same identity, same step_id), already recorded.
        self.anchor_raw: Any = None
        self.first_step_id: Optional[str] = None
        self.several_step_ids = False

    def observe_event(self, event: Event, parsed: Optional[DossierPayload]) -> None:
        payload: Any = event.payload
        if type(payload) is dict and self.anchor_raw is not None:
            raw = payload.get("namespace")
            if type(raw) is dict and raw == self.anchor_raw:
                return
        ns = _namespace_of(event, parsed)
        if ns is not None:
            self.observe(ns, payload)

    def observe(self, ns: LocalNamespaceTuple, payload: Any = None) -> None:
        if self.canonical is None:
            self.canonical = ns
            self.canonical_key = _namespace_key(ns)
            raw = payload.get("namespace") if type(payload) is dict else None
            self.anchor_raw = raw if type(raw) is dict else None
        elif _namespace_key(ns) != self.canonical_key:
            raise NamespaceMixedStreamError.between(self.canonical, ns)
        self._observe_step_id(ns.step_id)

    def _observe_step_id(self, step_id: Optional[str]) -> None:
        if step_id is None or self.several_step_ids:
            return
        if self.first_step_id is None:
            self.first_step_id = step_id
        elif step_id != self.first_step_id:
            self.several_step_ids = True

    def output_namespace(self) -> Optional[LocalNamespaceTuple]:
        # Order-dependent by contract: the first namespace's step_id survives unless two
        # *distinct* non-null step ids were seen, so [None, "A"] -> None but ["A", None] -> "A".
        if self.canonical is not None and self.several_step_ids:
            return self.canonical.model_copy(update={"step_id": None})
        return self.canonical


class _ArtifactSlot:
    """The latest indexing of one path, held by its event rather than its parsed payload.

    Keeping every parsed payload alive until its path is re-indexed costs more than the
    validation itself on large streams (allocator and GC churn), so only the event is kept and
    the one surviving payload per path is validated again when the state is frozen.  The
    provenance is kept as first parsed: it is the only part that may come from a one-shot
    iterable (``source_event_ids``), which a second validation would see empty.  The frozen
    entry is kept until the slot changes, so a projection read after every batch rebuilds
    only the paths that batch touched.  A payload its mirror accepted (see
    :meth:`DossierFold.feed`) holds nothing one-shot, as the mirror takes only lists, tuples
    and sets for a sequence: its provenance is read again with the rest (``reread``).
    """

    __slots__ = ("event", "frozen", "provenance", "reread", "superseded")

    event: Event
    provenance: Optional[ProvenanceRef]
    reread: bool
    superseded: bool
    frozen: Optional[ArtifactEntry]

    def __init__(
        self, event: Event, provenance: Optional[ProvenanceRef], *, reread: bool = False
    ) -> None:
        self.reset(event, provenance, reread=reread)

    def reset(
        self, event: Event, provenance: Optional[ProvenanceRef], *, reread: bool = False
    ) -> None:
        self.event = event
        self.provenance = provenance
        self.reread = reread
        self.superseded = False
        self.frozen = None

    def supersede(self) -> None:
        if not self.superseded:
            self.superseded = True
            self.frozen = None

    def entry(self) -> ArtifactEntry:
        if self.frozen is None:
            payload = MissionDossierArtifactIndexedPayload.model_validate(self.event.payload)
            self.frozen = ArtifactEntry(
                identity=payload.artifact_id,
                content_ref=payload.content_ref,
                indexed_at=payload.indexed_at,
                provenance=payload.provenance if self.reread else self.provenance,
                superseded=self.superseded,
                step_id=payload.step_id,
            )
        return self.frozen


_Step = Callable[["DossierFold", Event, Any], None]


@cache
def _indexed_mirror() -> Optional[Mirror]:
    """The mirror of an ``ArtifactIndexed`` payload, declining paths that are not plain ``str``
    (a ``str`` enum member, which pydantic would make one): the fold keys slots by them."""
    check = mirror(MissionDossierArtifactIndexedPayload)
    if check is None:  # pragma: no cover - depends on the installed extras
        return None

    def indexed(payload: Any) -> Optional[Any]:
        mirrored = check(payload)
        if mirrored is None or type(mirrored.artifact_id.path) is not str:
            return None
        supersedes = mirrored.supersedes
        if supersedes is not None and type(supersedes.path) is not str:
            return None
        return mirrored

    return indexed


class DossierFold:
    """The dossier reducer's fold, one event at a time.

    :func:`reduce_mission_dossier` is ``prepare`` + this fold + :meth:`freeze`, and
    :class:`spec_kitty_events.dossier_parity.DossierProjection` runs the same fold as events
    arrive, so the two agree by construction.

    Feed :meth:`apply` events in fold order (ordered and de-duplicated, as ``prepare`` returns
    them); other event types are ignored.  :meth:`freeze` returns the reducer output for
    everything applied so far and may be called at any point.  A call that raises
    :class:`NamespaceMixedStreamError` leaves the fold as it was.

    Only per-path, anomaly and drift data is kept while folding.
    """

    __slots__ = (
        "_anomalies",
        "_artifacts",
        "_count",
        "_drifts",
        "_mirrored",
        "_namespaces",
        "_skipped",
        "_snapshot_event",
        "_steps",
    )

    def __init__(self, *, record_skips: bool = False) -> None:
        self._namespaces = _NamespaceTracker()
        self._artifacts: Dict[str, _ArtifactSlot] = {}
        self._anomalies: List[AnomalyEntry] = []
        # The latest snapshot is re-read at the end, for the same reason as _ArtifactSlot.
        self._snapshot_event: Optional[Event] = None
        self._drifts: List[DriftRecord] = []
        self._count = 0
        self._skipped: Optional[List[SkippedDossierEvent]] = [] if record_skips else None
        # Plain functions, not bound methods: a table of bound methods would make the fold a
        # reference cycle, freed only by a full garbage collection.
        handlers: Dict[str, _Step] = {
            MISSION_DOSSIER_ARTIFACT_INDEXED: DossierFold._index,
            MISSION_DOSSIER_ARTIFACT_MISSING: DossierFold._record_anomaly,
            MISSION_DOSSIER_SNAPSHOT_COMPUTED: DossierFold._record_snapshot,
            MISSION_DOSSIER_PARITY_DRIFT_DETECTED: DossierFold._record_drift,
        }
        # Payload model and fold step in one entry, so an event costs a single lookup.
        models = cast(Dict[str, Type[DossierPayload]], FAMILY.payload_models)
        self._steps: Dict[str, Tuple[Type[DossierPayload], _Step]] = {
            event_type: (models[event_type], handler) for event_type, handler in handlers.items()
        }
        # The steps that need no more than a payload's mirror gives (see feed): the path
        # indexed and the path superseded, or only the event.
        mirrored = (
            (MISSION_DOSSIER_ARTIFACT_INDEXED, _indexed_mirror(), DossierFold._index_mirrored),
            (
                MISSION_DOSSIER_SNAPSHOT_COMPUTED,
                mirror(MissionDossierSnapshotComputedPayload),
                DossierFold._record_snapshot,
            ),
        )
        self._mirrored: Dict[str, Tuple[Mirror, _Step]] = {
            event_type: (check, step) for event_type, check, step in mirrored if check is not None
        }

    @property
    def event_count(self) -> int:
        """Dossier events applied so far, those with an invalid payload included."""
        return self._count

    @property
    def skipped(self) -> Tuple[SkippedDossierEvent, ...]:
        """The events counted but not folded, when built with ``record_skips=True``."""
        return tuple(self._skipped or ())

    def apply(self, event: Event) -> Optional[DossierPayload]:
        """Fold one event that sorts after every event applied so far.

        Returns the validated payload that was folded, or ``None`` when the event was skipped
        (invalid payload, still counted) or is not a dossier event (ignored).

        Raises:
            NamespaceMixedStreamError: the event's namespace differs from the fold's.
        """
        entry = self._steps.get(event.event_type)
        if entry is None:
            return None
        model, step = entry
        parsed, error = parse_payload(model, event.payload)
        # The namespace check sees every event with a readable namespace, even one whose
        # payload is otherwise invalid; a mismatch discards the whole fold.
        self._namespaces.observe_event(event, parsed)
        self._count += 1
        if parsed is not None:
            step(self, event, parsed)
            return parsed
        if self._skipped is not None and error is not None:
            reason = _skip_reason(event, error)
            self._skipped.append(SkippedDossierEvent(event.event_id, event.event_type, reason))
        return None

    def feed(self, event: Event) -> None:
        """Fold one event exactly as :meth:`apply` does, without returning its payload.

        What the reducer folds with: where a step needs only a few values of the payload and
        the payload's mirror (see ``_mirror``) certainly accepts it, no payload model is built.
        Everything else goes through :meth:`apply`.

        Raises:
            NamespaceMixedStreamError: the event's namespace differs from the fold's.
        """
        quick = self._mirrored.get(event.event_type)
        if quick is not None:
            check, step = quick
            mirrored = check(event.payload)
            if mirrored is not None:
                # apply's steps for a valid payload, in its order.
                self._namespaces.observe_event(event, None)
                self._count += 1
                step(self, event, mirrored)
                return
        self.apply(event)

    def check_namespaces(self, events: Iterable[Event]) -> None:
        """Raise :class:`NamespaceMixedStreamError` if applying ``events`` would mix
        namespaces; the fold itself is not changed either way."""
        trial = copy.copy(self._namespaces)
        for event in events:
            if event.event_type in self._steps:
                trial.observe_event(event, None)

    def _index(self, event: Event, payload: MissionDossierArtifactIndexedPayload) -> None:
        supersedes = payload.supersedes
        self._place(
            event,
            payload.artifact_id.path,
            None if supersedes is None else supersedes.path,
            payload.provenance,
        )

    def _index_mirrored(self, event: Event, mirrored: Any) -> None:
        supersedes = mirrored.supersedes
        path = mirrored.artifact_id.path
        superseded = None if supersedes is None else supersedes.path
        self._place(event, path, superseded, None, reread=True)

    def _place(
        self,
        event: Event,
        path: str,
        supersedes: Optional[str],
        provenance: Optional[ProvenanceRef],
        *,
        reread: bool = False,
    ) -> None:
        # Supersedes matches by path only; an unknown path is ignored (no deferred marking).
        if supersedes is not None:
            previous = self._artifacts.get(supersedes)
            if previous is not None:
                previous.supersede()
        slot = self._artifacts.get(path)
        if slot is None:
            self._artifacts[path] = _ArtifactSlot(event, provenance, reread=reread)
        else:
            # Re-indexing keeps the path's first-insertion position and clears ``superseded``.
            slot.reset(event, provenance, reread=reread)

    def _record_anomaly(self, _event: Event, payload: MissionDossierArtifactMissingPayload) -> None:
        self._anomalies.append(AnomalyEntry.from_payload(payload))

    def _record_snapshot(self, event: Event, _payload: Any) -> None:
        self._snapshot_event = event

    def _record_drift(
        self, _event: Event, payload: MissionDossierParityDriftDetectedPayload
    ) -> None:
        self._drifts.append(_drift_from(payload))

    def _parity_status(self) -> ParityStatusT:
        if self._drifts:
            return "drifted"
        if self._snapshot_event is not None:
            return "clean"
        return "unknown"

    def _latest_snapshot(self) -> Optional[SnapshotSummary]:
        if self._snapshot_event is None:
            return None
        payload = MissionDossierSnapshotComputedPayload.model_validate(self._snapshot_event.payload)
        return _summary_from(payload)

    def freeze(self) -> MissionDossierState:
        """The reducer output for the events applied so far (a fresh object each time)."""
        if not self._count:
            return MissionDossierState()
        return MissionDossierState(
            namespace=self._namespaces.output_namespace(),
            artifacts={path: slot.entry() for path, slot in self._artifacts.items()},
            anomalies=tuple(self._anomalies),
            latest_snapshot=self._latest_snapshot(),
            drift_history=tuple(self._drifts),
            parity_status=self._parity_status(),
            event_count=self._count,
        )


def _summary_from(payload: MissionDossierSnapshotComputedPayload) -> SnapshotSummary:
    return SnapshotSummary(
        snapshot_hash=payload.snapshot_hash,
        artifact_count=payload.artifact_count,
        anomaly_count=payload.anomaly_count,
        computed_at=payload.computed_at,
        algorithm=payload.algorithm or _DEFAULT_SNAPSHOT_ALGORITHM,
    )


def _drift_from(payload: MissionDossierParityDriftDetectedPayload) -> DriftRecord:
    return DriftRecord(
        expected_hash=payload.expected_hash,
        actual_hash=payload.actual_hash,
        drift_kind=payload.drift_kind,
        detected_at=payload.detected_at,
    )


def _skip_reason(event: Event, error: Exception) -> str:
    """One line naming each rejected field, e.g. ``artifact_id.path: Field required``."""
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc']) or '<payload>'}: {detail['msg']}"
            for detail in error.errors()
        )
    else:
        problems = f"{type(error).__name__}: {error}"
    return f"{event.event_type} payload rejected: {problems}"


def _fold_all(events: Iterable[Event], *, record_skips: bool) -> DossierFold:
    fold = DossierFold(record_skips=record_skips)
    feed = fold.feed
    for event in ordered(events, DOSSIER_EVENT_TYPES):
        feed(event)
    return fold


@young_collections_only()
def reduce_mission_dossier(events: Iterable[Event]) -> MissionDossierState:
    """Fold dossier events into the dossier of their single namespace.

    Non-dossier events are ignored; the rest are ordered by ``(lamport_clock, timestamp,
    event_id)`` and de-duplicated by ``event_id``.  An event whose payload does not validate is
    skipped but still counted in ``event_count`` (use :func:`reduce_mission_dossier_with_skips`
    to learn which ones).

    Raises:
        NamespaceMixedStreamError: two events carry different namespace identities (the five
            fields other than ``step_id``).  No partial state is returned.
    """
    return _fold_all(events, record_skips=False).freeze()


def reduce_mission_dossier_with_skips(
    events: Iterable[Event],
) -> Tuple[MissionDossierState, Tuple[SkippedDossierEvent, ...]]:
    """Like :func:`reduce_mission_dossier`, also reporting each counted-but-unfolded event."""
    fold = _fold_all(events, record_skips=True)
    return fold.freeze(), fold.skipped


FAMILY = EventFamily(
    name="dossier",
    payloads=(
        (MISSION_DOSSIER_ARTIFACT_INDEXED, MissionDossierArtifactIndexedPayload),
        (MISSION_DOSSIER_ARTIFACT_MISSING, MissionDossierArtifactMissingPayload),
        (MISSION_DOSSIER_SNAPSHOT_COMPUTED, MissionDossierSnapshotComputedPayload),
        (MISSION_DOSSIER_PARITY_DRIFT_DETECTED, MissionDossierParityDriftDetectedPayload),
    ),
    value_objects=(ArtifactIdentity, ContentHashRef, ProvenanceRef, LocalNamespaceTuple),
    reducer=reduce_mission_dossier,
    fixture_category="dossier",
)
