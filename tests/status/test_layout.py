"""Module layout: import graph, defining modules, family declarations."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from spec_kitty_events import gates, lifecycle, status

SRC = Path(status.__file__).parent

STATUS_PUBLIC = [
    "Lane", "SyncLaneV1", "CANONICAL_TO_SYNC_V1", "canonical_to_sync_v1", "ExecutionMode",
    "TERMINAL_LANES", "LANE_ALIASES", "WP_STATUS_CHANGED", "normalize_lane", "RepoEvidence",
    "VerificationEntry", "ReviewVerdict", "DoneEvidence", "ForceMetadata",
    "StatusTransitionPayload", "TransitionError", "TransitionValidationResult",
    "validate_transition", "status_event_sort_key", "dedup_events", "WPState",
    "TransitionAnomaly", "ReducedStatus", "reduce_status_events",
]  # fmt: skip
GATES_PUBLIC = [
    "GatePayloadBase", "GatePassedPayload", "GateFailedPayload", "UnknownConclusionError",
    "map_check_run_conclusion",
]  # fmt: skip
LIFECYCLE_PUBLIC = [
    "SCHEMA_VERSION", "MISSION_STARTED", "MISSION_COMPLETED", "MISSION_CANCELLED",
    "PHASE_ENTERED", "REVIEW_ROLLBACK", "MISSION_EVENT_TYPES", "TERMINAL_MISSION_STATUSES",
    "MissionStatus", "MissionStartedPayload", "MissionCompletedPayload",
    "MissionCancelledPayload", "PhaseEnteredPayload", "ReviewRollbackPayload",
    "LifecycleAnomaly", "ReducedMissionState", "reduce_lifecycle_events",
]  # fmt: skip


def _imported_modules(module_file: Path) -> set[str]:
    tree = ast.parse(module_file.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_status_never_imports_lifecycle() -> None:
    assert not any("lifecycle" in name for name in _imported_modules(SRC / "status.py"))


@pytest.mark.parametrize(
    ("module", "names"),
    [(status, STATUS_PUBLIC), (gates, GATES_PUBLIC), (lifecycle, LIFECYCLE_PUBLIC)],
)
def test_public_names_exist_and_report_their_module(module: object, names: list[str]) -> None:
    assert len(names) == len(set(names))
    for name in names:
        value = getattr(module, name)
        if callable(value) and hasattr(value, "__module__"):
            assert value.__module__ == module.__name__, name  # type: ignore[attr-defined]


def test_status_reexports_the_core_names() -> None:
    models = importlib.import_module("spec_kitty_events.models")
    assert status.Event is models.Event
    assert status.SpecKittyEventsError is models.SpecKittyEventsError
    assert status.ValidationError is models.ValidationError
