"""The package surface, name by name: every public name of the export table below."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import spec_kitty_events

# (module, names in __all__ order) transcribed from the contract's export table.
EXPORT_TABLE: list[tuple[str, list[str]]] = [
    (
        "models",
        [
            "Event",
            "ErrorEntry",
            "ConflictResolution",
            "normalize_event_id",
            "SpecKittyEventsError",
            "StorageError",
            "ValidationError",
            "CyclicDependencyError",
        ],
    ),
    (
        "storage",
        [
            "EventStore",
            "ClockStorage",
            "ErrorStorage",
            "InMemoryEventStore",
            "InMemoryClockStorage",
            "InMemoryErrorStorage",
        ],
    ),
    (
        "clock",
        [
            "LamportClock",
        ],
    ),
    (
        "conflict",
        [
            "is_concurrent",
            "total_order_key",
        ],
    ),
    (
        "topology",
        [
            "topological_sort",
        ],
    ),
    (
        "crdt",
        [
            "merge_gset",
            "merge_counter",
        ],
    ),
    (
        "merge",
        [
            "state_machine_merge",
        ],
    ),
    (
        "error_log",
        [
            "ErrorLog",
        ],
    ),
    (
        "gates",
        [
            "GatePayloadBase",
            "GatePassedPayload",
            "GateFailedPayload",
            "UnknownConclusionError",
            "map_check_run_conclusion",
        ],
    ),
    (
        "lifecycle",
        [
            "SCHEMA_VERSION",
            "MISSION_STARTED",
            "MISSION_COMPLETED",
            "MISSION_CANCELLED",
            "PHASE_ENTERED",
            "REVIEW_ROLLBACK",
            "MISSION_EVENT_TYPES",
            "TERMINAL_MISSION_STATUSES",
            "MissionStatus",
            "MissionStartedPayload",
            "MissionCompletedPayload",
            "MissionCancelledPayload",
            "PhaseEnteredPayload",
            "ReviewRollbackPayload",
            "LifecycleAnomaly",
            "ReducedMissionState",
            "reduce_lifecycle_events",
        ],
    ),
    (
        "status",
        [
            "Lane",
            "SyncLaneV1",
            "CANONICAL_TO_SYNC_V1",
            "canonical_to_sync_v1",
            "ExecutionMode",
            "RepoEvidence",
            "VerificationEntry",
            "ReviewVerdict",
            "DoneEvidence",
            "ForceMetadata",
            "StatusTransitionPayload",
            "TransitionError",
            "TransitionValidationResult",
            "normalize_lane",
            "validate_transition",
            "TERMINAL_LANES",
            "LANE_ALIASES",
            "WP_STATUS_CHANGED",
            "status_event_sort_key",
            "dedup_events",
            "reduce_status_events",
            "WPState",
            "TransitionAnomaly",
            "ReducedStatus",
        ],
    ),
    (
        "collaboration",
        [
            "PARTICIPANT_INVITED",
            "PARTICIPANT_JOINED",
            "PARTICIPANT_LEFT",
            "PRESENCE_HEARTBEAT",
            "DRIVE_INTENT_SET",
            "FOCUS_CHANGED",
            "PROMPT_STEP_EXECUTION_STARTED",
            "PROMPT_STEP_EXECUTION_COMPLETED",
            "CONCURRENT_DRIVER_WARNING",
            "POTENTIAL_STEP_COLLISION_DETECTED",
            "WARNING_ACKNOWLEDGED",
            "COMMENT_POSTED",
            "DECISION_CAPTURED",
            "SESSION_LINKED",
            "COLLABORATION_EVENT_TYPES",
            "ParticipantIdentity",
            "AuthPrincipalBinding",
            "FocusTarget",
            "ParticipantInvitedPayload",
            "ParticipantJoinedPayload",
            "ParticipantLeftPayload",
            "PresenceHeartbeatPayload",
            "DriveIntentSetPayload",
            "FocusChangedPayload",
            "PromptStepExecutionStartedPayload",
            "PromptStepExecutionCompletedPayload",
            "ConcurrentDriverWarningPayload",
            "PotentialStepCollisionDetectedPayload",
            "WarningAcknowledgedPayload",
            "CommentPostedPayload",
            "DecisionCapturedPayload",
            "SessionLinkedPayload",
            "ReducedCollaborationState",
            "CollaborationAnomaly",
            "UnknownParticipantError",
            "reduce_collaboration_events",
        ],
    ),
    (
        "glossary",
        [
            "GLOSSARY_SCOPE_ACTIVATED",
            "TERM_CANDIDATE_OBSERVED",
            "SEMANTIC_CHECK_EVALUATED",
            "GLOSSARY_CLARIFICATION_REQUESTED",
            "GLOSSARY_CLARIFICATION_RESOLVED",
            "GLOSSARY_SENSE_UPDATED",
            "GENERATION_BLOCKED_BY_SEMANTIC_CONFLICT",
            "GLOSSARY_STRICTNESS_SET",
            "GLOSSARY_EVENT_TYPES",
            "SemanticConflictEntry",
            "GlossaryScopeActivatedPayload",
            "TermCandidateObservedPayload",
            "SemanticCheckEvaluatedPayload",
            "GlossaryClarificationRequestedPayload",
            "GlossaryClarificationResolvedPayload",
            "GlossarySenseUpdatedPayload",
            "GenerationBlockedBySemanticConflictPayload",
            "GlossaryStrictnessSetPayload",
            "GlossaryAnomaly",
            "ClarificationRecord",
            "ReducedGlossaryState",
            "reduce_glossary_events",
        ],
    ),
    (
        "mission_next",
        [
            "MISSION_RUN_STARTED",
            "NEXT_STEP_PLANNED",
            "NEXT_STEP_ISSUED",
            "NEXT_STEP_AUTO_COMPLETED",
            "DECISION_INPUT_REQUESTED",
            "DECISION_INPUT_ANSWERED",
            "MISSION_RUN_COMPLETED",
            "_COMPLETION_ALIAS",
            "MISSION_NEXT_EVENT_TYPES",
            "MissionRunStatus",
            "TERMINAL_RUN_STATUSES",
            "RuntimeActorIdentity",
            "MissionRunStartedPayload",
            "NextStepIssuedPayload",
            "NextStepAutoCompletedPayload",
            "DecisionInputRequestedPayload",
            "DecisionInputAnsweredPayload",
            "MissionRunCompletedPayload",
            "MissionNextAnomaly",
            "ReducedMissionRunState",
            "reduce_mission_next_events",
        ],
    ),
    (
        "dossier",
        [
            "MISSION_DOSSIER_ARTIFACT_INDEXED",
            "MISSION_DOSSIER_ARTIFACT_MISSING",
            "MISSION_DOSSIER_SNAPSHOT_COMPUTED",
            "MISSION_DOSSIER_PARITY_DRIFT_DETECTED",
            "DOSSIER_EVENT_TYPES",
            "NamespaceMixedStreamError",
            "LocalNamespaceTuple",
            "ArtifactIdentity",
            "ContentHashRef",
            "ProvenanceRef",
            "MissionDossierArtifactIndexedPayload",
            "MissionDossierArtifactMissingPayload",
            "MissionDossierSnapshotComputedPayload",
            "MissionDossierParityDriftDetectedPayload",
            "ArtifactEntry",
            "AnomalyEntry",
            "SnapshotSummary",
            "DriftRecord",
            "MissionDossierState",
            "reduce_mission_dossier",
        ],
    ),
]

ALL_NAMES = [name for _, names in EXPORT_TABLE for name in names]
PUBLIC_SUBMODULES = [module for module, _ in EXPORT_TABLE]


def test_all_has_168_unique_entries_in_contract_order() -> None:
    assert spec_kitty_events.__all__ == ["__version__", *ALL_NAMES]
    assert len(spec_kitty_events.__all__) == 168
    assert len(set(spec_kitty_events.__all__)) == 168


def test_positions_pinned_by_the_contract() -> None:
    exported = spec_kitty_events.__all__
    assert exported.index("ConflictResolution") == 3
    assert exported.index("normalize_event_id") == 4
    assert exported[5:9] == [
        "SpecKittyEventsError",
        "StorageError",
        "ValidationError",
        "CyclicDependencyError",
    ]
    assert "_COMPLETION_ALIAS" in exported


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, ns in EXPORT_TABLE for n in ns])
def test_every_name_is_importable_from_its_module_and_the_root(module: str, name: str) -> None:
    submodule = importlib.import_module(f"spec_kitty_events.{module}")
    assert getattr(spec_kitty_events, name) is getattr(submodule, name)


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, ns in EXPORT_TABLE for n in ns])
def test_classes_and_functions_report_their_defining_module(module: str, name: str) -> None:
    obj = getattr(spec_kitty_events, name)
    if isinstance(obj, type) or callable(obj):
        assert obj.__module__ == f"spec_kitty_events.{module}"


def test_version_matches_installed_distribution() -> None:
    from importlib.metadata import version

    from packaging.version import Version

    assert spec_kitty_events.__version__ == "2.4.0"
    assert Version(version("spec-kitty-events")) == Version(spec_kitty_events.__version__)


def test_root_import_loads_the_15_public_submodules_and_not_conformance_or_schemas() -> None:
    code = (
        "import sys, spec_kitty_events\n"
        "mods = sorted(m for m in sys.modules if m.startswith('spec_kitty_events.'))\n"
        "print('\\n'.join(mods))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    public = {m for m in loaded if not m.rsplit(".", 1)[1].startswith("_")}
    assert public == {f"spec_kitty_events.{m}" for m in PUBLIC_SUBMODULES}
    assert "spec_kitty_events.conformance" not in loaded
    assert "spec_kitty_events.schemas" not in loaded


def test_submodules_start_loading_in_contract_order() -> None:
    # sys.modules is re-ordered when a module *finishes* loading, so record the order in which
    # the import system is first asked for each module instead.
    code = (
        "import sys\n"
        "seen = []\n"
        "class Recorder:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('spec_kitty_events.') and name not in seen:\n"
        "            seen.append(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Recorder())\n"
        "import spec_kitty_events\n"
        "print('\\n'.join(seen))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    order = [
        m.rsplit(".", 1)[1]
        for m in result.stdout.split()
        if not m.rsplit(".", 1)[1].startswith("_")
    ]
    assert order == list(PUBLIC_SUBMODULES)


LAZY = [
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


@pytest.mark.parametrize("name", LAZY)
def test_parity_toolkit_names_are_importable_from_the_root(name: str) -> None:
    from spec_kitty_events import dossier_parity

    assert getattr(spec_kitty_events, name) is getattr(dossier_parity, name)
    assert name in dir(spec_kitty_events)
    assert name not in spec_kitty_events.__all__


def test_parity_toolkit_is_loaded_only_on_first_use() -> None:
    code = (
        "import sys, spec_kitty_events\n"
        "before = 'spec_kitty_events.dossier_parity' in sys.modules\n"
        "from spec_kitty_events import dossier_snapshot_hash\n"
        "print(before, 'spec_kitty_events.dossier_parity' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


def test_unknown_root_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        _ = spec_kitty_events.not_a_name  # type: ignore[attr-defined]


def test_lazy_root_names_are_exactly_the_toolkit_public_names() -> None:
    from spec_kitty_events import dossier_parity

    assert sorted(LAZY) == sorted(dossier_parity.__all__)
