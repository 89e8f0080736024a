"""The ``collaboration`` conformance category and the family declaration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events import collaboration as collab
from spec_kitty_events.conformance.loader import FixtureCase, load_fixtures
from spec_kitty_events.conformance.validators import validate_event

FIXTURES = Path(collab.__file__).parent / "conformance" / "fixtures"

# id -> (path, expected valid, event type), in manifest order.
EXPECTED: List[Tuple[str, str, bool, str]] = [
    (
        "collab-participant-joined-valid",
        "collaboration/valid/participant_joined_valid.json",
        True,
        "ParticipantJoined",
    ),
    (
        "collab-drive-intent-set-valid",
        "collaboration/valid/drive_intent_set_valid.json",
        True,
        "DriveIntentSet",
    ),
    (
        "collab-focus-changed-valid",
        "collaboration/valid/focus_changed_valid.json",
        True,
        "FocusChanged",
    ),
    (
        "collab-concurrent-driver-warning-valid",
        "collaboration/valid/concurrent_driver_warning_valid.json",
        True,
        "ConcurrentDriverWarning",
    ),
    (
        "collab-warning-acknowledged-valid",
        "collaboration/valid/warning_acknowledged_valid.json",
        True,
        "WarningAcknowledged",
    ),
    (
        "collab-participant-joined-missing-participant-id",
        "collaboration/invalid/participant_joined_missing_participant_id.json",
        False,
        "ParticipantJoined",
    ),
    (
        "collab-focus-changed-missing-focus-target",
        "collaboration/invalid/focus_changed_missing_focus_target.json",
        False,
        "FocusChanged",
    ),
]

MISSING_FIELD = {
    "collab-participant-joined-missing-participant-id": "participant_id",
    "collab-focus-changed-missing-focus-target": "focus_target",
}


def manifest_entries() -> List[Dict[str, str]]:
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    return [e for e in manifest["fixtures"] if e["path"].startswith("collaboration/")]


def test_manifest_lists_the_contract_cases_in_order() -> None:
    entries = manifest_entries()
    assert [
        (e["id"], e["path"], e["expected_result"] == "valid", e["event_type"]) for e in entries
    ] == EXPECTED
    assert {e["min_version"] for e in entries} == {"2.1.0"}
    assert all(e["notes"].strip() and "fixture_type" not in e for e in entries)


def test_every_collaboration_file_has_an_entry() -> None:
    on_disk = {
        str(path.relative_to(FIXTURES)) for path in (FIXTURES / "collaboration").rglob("*.json")
    }
    assert on_disk == {path for _, path, _, _ in EXPECTED}


def test_loader_gives_five_valid_and_two_invalid_cases() -> None:
    cases = load_fixtures("collaboration")
    assert [case.id for case in cases] == [fid for fid, _, _, _ in EXPECTED]
    assert sum(case.expected_valid for case in cases) == 5


@pytest.mark.parametrize("case", load_fixtures("collaboration"), ids=lambda c: c.id)
def test_each_case_gets_its_verdict_from_both_layers(case: FixtureCase) -> None:
    model = dict(collab.FAMILY.payloads)[case.event_type]
    result = validate_event(case.payload, case.event_type)
    assert result.valid is case.expected_valid
    if case.expected_valid:
        model.model_validate(case.payload)
        assert not result.schema_check_skipped
        return
    with pytest.raises(PydanticValidationError) as caught:
        model.model_validate(case.payload)
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [
        ((MISSING_FIELD[case.id],), "missing")
    ]
    assert [v.validator for v in result.schema_violations] == ["required"]


def test_valid_fixture_contents_match_the_catalogue() -> None:
    joined = load_fixtures("collaboration")[0].payload
    assert joined["participant_identity"]["participant_type"] == "llm_context"
    assert joined["participant_identity"]["session_id"]
    assert joined["auth_principal_id"]
    warning = load_fixtures("collaboration")[3].payload
    assert len(warning["participant_ids"]) == 2
    assert warning["severity"] == "warning"
    assert warning["focus_target"]["target_type"] == "wp"
