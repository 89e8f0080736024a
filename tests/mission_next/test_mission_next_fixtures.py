"""The ``mission_next`` fixture category and its replay stream."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import pytest
from pydantic import ValidationError

import spec_kitty_events
from spec_kitty_events import mission_next as mn
from spec_kitty_events.models import Event

FIXTURES = Path(spec_kitty_events.__file__).parent / "conformance" / "fixtures"
REPLAY = FIXTURES / "mission_next" / "replay" / "full_lifecycle.jsonl"

EXPECTED = [
    (
        "mission-next-run-started-valid",
        "mission_next/valid/mission_run_started.json",
        "MissionRunStarted",
        "valid",
    ),
    (
        "mission-next-step-issued-valid",
        "mission_next/valid/next_step_issued.json",
        "NextStepIssued",
        "valid",
    ),
    (
        "mission-next-step-auto-completed-valid",
        "mission_next/valid/next_step_auto_completed.json",
        "NextStepAutoCompleted",
        "valid",
    ),
    (
        "mission-next-decision-requested-valid",
        "mission_next/valid/decision_input_requested.json",
        "DecisionInputRequested",
        "valid",
    ),
    (
        "mission-next-decision-answered-valid",
        "mission_next/valid/decision_input_answered.json",
        "DecisionInputAnswered",
        "valid",
    ),
    (
        "mission-next-run-completed-valid",
        "mission_next/valid/mission_run_completed.json",
        "MissionRunCompleted",
        "valid",
    ),
    (
        "mission-next-run-started-missing-run-id",
        "mission_next/invalid/mission_run_started_missing_run_id.json",
        "MissionRunStarted",
        "invalid",
    ),
    (
        "mission-next-step-issued-missing-step-id",
        "mission_next/invalid/next_step_issued_missing_step_id.json",
        "NextStepIssued",
        "invalid",
    ),
    (
        "mission-next-decision-requested-missing-question",
        "mission_next/invalid/decision_input_requested_missing_question.json",
        "DecisionInputRequested",
        "invalid",
    ),
]
MISSING_FIELD = {
    "mission-next-run-started-missing-run-id": "run_id",
    "mission-next-step-issued-missing-step-id": "step_id",
    "mission-next-decision-requested-missing-question": "question",
}


def _load(relative: str) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((FIXTURES / relative).read_text(encoding="utf-8"))
    return data


def _replay_lines() -> List[Dict[str, Any]]:
    lines = REPLAY.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_manifest_block() -> None:
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    ours = [e for e in manifest["fixtures"] if e["path"].startswith("mission_next/")]
    regular = [e for e in ours if "fixture_type" not in e]
    assert [(e["id"], e["path"], e["event_type"], e["expected_result"]) for e in regular] == (
        EXPECTED
    )
    assert {e["min_version"] for e in regular} == {"2.3.0"}
    assert all(e["notes"].strip() for e in ours)
    (replay,) = [e for e in ours if "fixture_type" in e]
    assert replay == {
        **replay,
        "id": "mission-next-replay-full-lifecycle",
        "path": "mission_next/replay/full_lifecycle.jsonl",
        "event_type": "MissionNextReplay",
        "expected_result": "valid",
        "min_version": "2.3.1",
        "fixture_type": "replay_stream",
    }
    assert ours[-1] is replay


@pytest.mark.parametrize(
    ("fixture_id", "path", "event_type", "expected"), EXPECTED, ids=[row[0] for row in EXPECTED]
)
def test_verdicts(fixture_id: str, path: str, event_type: str, expected: str) -> None:
    payload = _load(path)
    model = dict(mn.FAMILY.payloads)[event_type]
    schema_errors = list(
        jsonschema.Draft202012Validator(model.model_json_schema()).iter_errors(payload)
    )
    if expected == "valid":
        model.model_validate(payload)
        assert schema_errors == []
    else:
        with pytest.raises(ValidationError) as info:
            model.model_validate(payload)
        assert [(e["loc"], e["type"]) for e in info.value.errors()] == [
            ((MISSING_FIELD[fixture_id],), "missing")
        ]
        assert schema_errors


def test_fixture_details_the_catalogue_describes() -> None:
    started = _load("mission_next/valid/mission_run_started.json")["actor"]
    assert (started["actor_type"], started["tool"]) == ("llm", None)
    assert started["provider"]
    assert started["model"]
    request = _load("mission_next/valid/decision_input_requested.json")
    assert request["decision_id"] == f"input:{request['input_key']}"
    assert len(request["options"]) == 2
    human = _load("mission_next/valid/decision_input_answered.json")["actor"]
    assert human["actor_type"] == "human"
    assert (human["provider"], human["model"], human["tool"]) == (None, None, None)
    assert _load("mission_next/valid/next_step_auto_completed.json")["result"] == "success"
    missing_question = _load("mission_next/invalid/decision_input_requested_missing_question.json")
    assert missing_question["options"] == []


def test_replay_stream_envelopes() -> None:
    lines = _replay_lines()
    assert len(lines) == 8
    assert [line["lamport_clock"] for line in lines] == list(range(1, 9))
    assert [line["event_id"] for line in lines] == [
        f"01JMRP0000000000000000EVT{i}" for i in range(1, 9)
    ]
    assert [line["event_type"] for line in lines] == [
        "MissionRunStarted",
        "NextStepIssued",
        "NextStepAutoCompleted",
        "NextStepIssued",
        "DecisionInputRequested",
        "DecisionInputAnswered",
        "NextStepAutoCompleted",
        "MissionRunCompleted",
    ]
    assert {line["correlation_id"] for line in lines} == {"01JMRP0000000000000000CRR1"}
    assert lines[0]["causation_id"] is None
    for before, after in itertools.pairwise(lines):
        assert after["causation_id"] == before["event_id"]
    assert [line["timestamp"] for line in lines] == [f"2026-02-17T10:0{i}:00Z" for i in range(8)]
    for line in lines:
        assert len(line) == 13
        assert line["aggregate_id"] == "mission/replay-mission"
        assert (line["node_id"], line["project_slug"]) == ("replay-node", "replay-project")
        assert line["project_uuid"] == "550e8400-e29b-41d4-a716-446655440000"
        assert (line["schema_version"], line["data_tier"]) == ("2.0.0", 0)
        model = dict(mn.FAMILY.payloads)[line["event_type"]]
        model.model_validate(line["payload"])
    assert lines[5]["payload"]["actor"]["actor_type"] == "human"
    request = lines[4]["payload"]
    assert request["decision_id"] == "input:db-password"
    assert request["step_id"] == "step-configure-db"
    assert request["input_key"]
    assert len(request["options"]) == 2


def test_replay_stream_reduces_to_the_documented_state() -> None:
    events = [Event(**line) for line in _replay_lines()]
    state = mn.reduce_mission_next_events(events)
    assert state.run_id == "replay-run-001"
    assert state.mission_key == "replay-mission"
    assert state.run_status is mn.MissionRunStatus.COMPLETED
    assert state.completed_steps == ("step-setup-env", "step-configure-db")
    assert state.current_step_id is None
    assert state.pending_decisions == {}
    assert list(state.answered_decisions) == ["input:db-password"]
    assert state.anomalies == ()
    assert state.event_count == 8
    assert mn.reduce_mission_next_events(list(reversed(events))) == state
