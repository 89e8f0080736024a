"""The fixture corpus: manifest invariants and the verdict of every case (contract section 9)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest

from spec_kitty_events.conformance import load_fixtures, validate_event
from spec_kitty_events.conformance.loader import _FIXTURES_DIR, _MANIFEST_PATH
from spec_kitty_events.conformance.validators import _EVENT_TYPE_TO_MODEL
from spec_kitty_events.status import Lane

# id -> (path, event_type, expected, model findings, schema findings), from contract 9.2-9.4.
OWN_CASES: Dict[str, Tuple[str, str, str, List[Tuple[str, str]], List[Tuple[str, str]]]] = {
    "event-valid": ("events/valid/event.json", "Event", "valid", [], []),
    "wp-status-changed-valid": (
        "events/valid/wp_status_changed.json",
        "WPStatusChanged",
        "valid",
        [],
        [],
    ),
    "gate-passed-valid": ("events/valid/gate_passed.json", "GatePassed", "valid", [], []),
    "gate-failed-valid": ("events/valid/gate_failed.json", "GateFailed", "valid", [], []),
    "mission-started-valid": (
        "events/valid/mission_started.json",
        "MissionStarted",
        "valid",
        [],
        [],
    ),
    "mission-completed-valid": (
        "events/valid/mission_completed.json",
        "MissionCompleted",
        "valid",
        [],
        [],
    ),
    "mission-cancelled-valid": (
        "events/valid/mission_cancelled.json",
        "MissionCancelled",
        "valid",
        [],
        [],
    ),
    "phase-entered-valid": ("events/valid/phase_entered.json", "PhaseEntered", "valid", [], []),
    "review-rollback-valid": (
        "events/valid/review_rollback.json",
        "ReviewRollback",
        "valid",
        [],
        [],
    ),
    "event-missing-correlation-id": (
        "events/invalid/event_missing_correlation_id.json",
        "Event",
        "invalid",
        [("correlation_id", "missing")],
        [("$", "required")],
    ),
    "event-invalid-lamport-clock": (
        "events/invalid/event_invalid_lamport_clock.json",
        "Event",
        "invalid",
        [("lamport_clock", "greater_than_equal")],
        [("$.lamport_clock", "minimum")],
    ),
    "wp-status-changed-invalid-lane": (
        "events/invalid/wp_status_changed_invalid_lane.json",
        "WPStatusChanged",
        "invalid",
        [("to_lane", "enum")],
        [("$.to_lane", "enum")],
    ),
    "wp-status-changed-force-no-reason": (
        "events/invalid/wp_status_changed_force_no_reason.json",
        "WPStatusChanged",
        "invalid",
        [("", "value_error")],
        [],
    ),
    "gate-failed-invalid-conclusion": (
        "events/invalid/gate_failed_invalid_conclusion.json",
        "GateFailed",
        "invalid",
        [("conclusion", "literal_error")],
        [("$.conclusion", "enum")],
    ),
    "event-uuid-hyphenated": ("events/valid/event_uuid_hyphenated.json", "Event", "valid", [], []),
    "event-uuid-bare": ("events/valid/event_uuid_bare.json", "Event", "valid", [], []),
    "edge-alias-doing-normalized": (
        "edge_cases/valid/alias_doing_normalized.json",
        "WPStatusChanged",
        "valid",
        [],
        [("$.to_lane", "enum")],
    ),
    "edge-optional-fields-omitted": (
        "edge_cases/valid/optional_fields_omitted.json",
        "WPStatusChanged",
        "valid",
        [],
        [],
    ),
    "edge-event-all-optional-fields": (
        "edge_cases/valid/event_with_all_optional_fields.json",
        "Event",
        "valid",
        [],
        [],
    ),
    "edge-unsupported-schema-version": (
        "edge_cases/invalid/unsupported_schema_version.json",
        "Event",
        "invalid",
        [("schema_version", "string_pattern_mismatch")],
        [("$.schema_version", "pattern")],
    ),
    "edge-empty-event-type": (
        "edge_cases/invalid/empty_event_type.json",
        "Event",
        "invalid",
        [("event_type", "string_too_short")],
        [("$.event_type", "minLength")],
    ),
}
UUID_IDS = ("event-uuid-hyphenated", "event-uuid-bare")


def _manifest() -> Dict[str, Any]:
    loaded: Dict[str, Any] = json.loads(_MANIFEST_PATH.read_text(encoding="utf-8"))
    return loaded


def _entries() -> Dict[str, Dict[str, Any]]:
    return {entry["id"]: entry for entry in _manifest()["fixtures"]}


@pytest.mark.parametrize("fixture_id", list(OWN_CASES))
def test_own_cases_give_the_contract_findings(fixture_id: str) -> None:
    path, event_type, expected, model, schema = OWN_CASES[fixture_id]
    entry = _entries()[fixture_id]
    assert (entry["path"], entry["event_type"], entry["expected_result"]) == (
        path,
        event_type,
        expected,
    )
    assert entry["min_version"] == ("2.2.0" if fixture_id in UUID_IDS else "2.0.0")
    assert entry["notes"]
    payload = json.loads((_FIXTURES_DIR / path).read_text(encoding="utf-8"))
    result = validate_event(payload, event_type, strict=True)
    assert [(v.field, v.violation_type) for v in result.model_violations] == model
    assert [(v.json_path, v.validator) for v in result.schema_violations] == schema


def test_uuid_fixtures_normalise_to_the_hyphenated_lower_case_form() -> None:
    bare = load_fixtures("events")[-1]
    assert bare.id == "event-uuid-bare"
    event = _EVENT_TYPE_TO_MODEL["Event"].model_validate(bare.payload)
    assert len(event.event_id) == 36
    assert event.event_id == event.event_id.lower()


def test_alias_fixture_normalises_to_in_progress() -> None:
    case = next(c for c in load_fixtures("edge_cases") if c.id == "edge-alias-doing-normalized")
    assert _EVENT_TYPE_TO_MODEL[case.event_type].model_validate(case.payload).to_lane is (
        Lane.IN_PROGRESS
    )


def test_lane_mapping_fixtures_hold_the_v1_table_and_non_lanes() -> None:
    valid, invalid = load_fixtures("lane_mapping")
    assert (valid.id, valid.expected_valid, invalid.id, invalid.expected_valid) == (
        "lane-mapping-all-canonical",
        True,
        "lane-mapping-unknown-lanes",
        False,
    )
    assert [(row["canonical"], row["expected_sync"]) for row in valid.payload] == [
        ("planned", "planned"),
        ("claimed", "planned"),
        ("in_progress", "doing"),
        ("for_review", "for_review"),
        ("done", "done"),
        ("blocked", "doing"),
        ("canceled", "planned"),
    ]
    assert invalid.payload == [
        {"canonical": value, "expected_error": "not a valid Lane"}
        for value in ("in_review", "paused", "")
    ]


@pytest.mark.parametrize(
    ("category", "total", "valid"),
    [("events", 16, 11), ("lane_mapping", 2, 1), ("edge_cases", 5, 3)],
)
def test_own_category_sizes_and_order(category: str, total: int, valid: int) -> None:
    cases = load_fixtures(category)
    assert (len(cases), sum(c.expected_valid for c in cases)) == (total, valid)
    own_order = [i for i in OWN_CASES if OWN_CASES[i][0].startswith(category + "/")]
    if category != "lane_mapping":
        assert [c.id for c in cases] == own_order


def test_manifest_invariants() -> None:
    manifest = _manifest()
    assert set(manifest) == {"version", "fixtures"}
    assert manifest["version"] == "2.0.0"
    ids = [entry["id"] for entry in manifest["fixtures"]]
    assert len(ids) == len(set(ids))
    required = {"id", "path", "expected_result", "event_type", "notes", "min_version"}
    for entry in manifest["fixtures"]:
        assert required <= set(entry), entry
        assert (_FIXTURES_DIR / entry["path"]).is_file(), entry["path"]
    listed = {entry["path"] for entry in manifest["fixtures"]}
    on_disk = {
        path.relative_to(_FIXTURES_DIR).as_posix()
        for path in _FIXTURES_DIR.rglob("*.json")
        if path.name != "manifest.json"
    }
    assert on_disk == {p for p in listed if p.endswith(".json")}
    assert (_FIXTURES_DIR / "__init__.py").is_file()
    for directory in ("events", "lane_mapping", "edge_cases"):
        for kind in ("valid", "invalid"):
            assert (_FIXTURES_DIR / directory / kind).is_dir()


def _regular_cases() -> List[Any]:
    entries = _manifest()["fixtures"]
    return [e for e in entries if "fixture_type" not in e and e["event_type"] != "LaneMapping"]


@pytest.mark.parametrize("entry", _regular_cases(), ids=lambda e: e["id"])
def test_every_regular_case_gets_its_verdict_from_the_model_layer(entry: Dict[str, Any]) -> None:
    payload = json.loads((_FIXTURES_DIR / entry["path"]).read_text(encoding="utf-8"))
    result = validate_event(payload, entry["event_type"], strict=True)
    assert result.schema_check_skipped is False
    if entry["expected_result"] == "invalid":
        assert result.model_violations, "an invalid fixture must fail the model layer itself"
    else:
        assert result.model_violations == ()
        assert result.valid is (entry["id"] != "edge-alias-doing-normalized")
