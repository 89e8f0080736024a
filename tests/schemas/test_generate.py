"""The generator and its drift check, run against a temporary directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spec_kitty_events._families import FAMILIES
from spec_kitty_events.models import Event
from spec_kitty_events.schemas import generate
from spec_kitty_events.status import Lane, SyncLaneV1

MODEL_ORDER = [
    "event",
    "status_transition_payload",
    "gate_passed_payload",
    "gate_failed_payload",
    "mission_started_payload",
    "mission_completed_payload",
    "mission_cancelled_payload",
    "phase_entered_payload",
    "review_rollback_payload",
    "participant_identity",
    "auth_principal_binding",
    "focus_target",
    "participant_invited_payload",
    "participant_joined_payload",
    "participant_left_payload",
    "presence_heartbeat_payload",
    "drive_intent_set_payload",
    "focus_changed_payload",
    "prompt_step_execution_started_payload",
    "prompt_step_execution_completed_payload",
    "concurrent_driver_warning_payload",
    "potential_step_collision_detected_payload",
    "warning_acknowledged_payload",
    "comment_posted_payload",
    "decision_captured_payload",
    "session_linked_payload",
    "semantic_conflict_entry",
    "glossary_scope_activated_payload",
    "term_candidate_observed_payload",
    "glossary_sense_updated_payload",
    "glossary_strictness_set_payload",
    "semantic_check_evaluated_payload",
    "glossary_clarification_requested_payload",
    "glossary_clarification_resolved_payload",
    "generation_blocked_by_semantic_conflict_payload",
    "runtime_actor_identity",
    "mission_run_started_payload",
    "next_step_issued_payload",
    "next_step_auto_completed_payload",
    "decision_input_requested_payload",
    "decision_input_answered_payload",
    "mission_run_completed_payload",
    "artifact_identity",
    "content_hash_ref",
    "provenance_ref",
    "local_namespace_tuple",
    "mission_dossier_artifact_indexed_payload",
    "mission_dossier_artifact_missing_payload",
    "mission_dossier_snapshot_computed_payload",
    "mission_dossier_parity_drift_detected_payload",
]


def test_model_list_is_derived_from_the_families_in_contract_order() -> None:
    assert [name for name, _ in generate.PYDANTIC_MODELS] == MODEL_ORDER
    assert generate.PYDANTIC_MODELS[0] == ("event", Event)
    assert [("lane", Lane), ("sync_lane_v1", SyncLaneV1)] == generate.ENUM_TYPES
    declared = [model for family in FAMILIES for model in family.schema_models]
    assert [model for _, model in generate.PYDANTIC_MODELS] == declared
    assert Path(generate.__file__).parent == generate.SCHEMA_DIR


def test_generated_schema_is_stamped() -> None:
    schema = generate.generate_schema("event", Event)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "spec-kitty-events/event"
    enum_schema = generate.generate_enum_schema("lane", Lane)
    assert enum_schema["$id"] == "spec-kitty-events/lane"
    assert enum_schema["enum"][0] == "planned"


def test_schema_text_is_sorted_indented_ascii_with_a_final_newline() -> None:
    text = generate.schema_to_json({"b": "\u2014", "a": {"d": 1, "c": 2}})
    assert text == '{\n  "a": {\n    "c": 2,\n    "d": 1\n  },\n  "b": "\\u2014"\n}\n'


def test_committed_files_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert generate.check_drift() == 0
    assert capsys.readouterr().out == f"All {len(MODEL_ORDER) + 2} schemas are up to date.\n"


def test_write_mode_writes_every_file_and_prunes_orphans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "retired_payload.schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("kept", encoding="utf-8")
    assert generate.main(["--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("Generated ") == 52
    assert f"Removed orphaned schema {tmp_path / 'retired_payload.schema.json'}" in out
    assert out.endswith("\nSuccessfully generated 52 schemas. Removed 1 orphaned schema file(s).\n")
    assert len(list(tmp_path.glob("*.schema.json"))) == 52
    assert (tmp_path / "notes.txt").exists()
    committed = (generate.SCHEMA_DIR / "event.schema.json").read_text(encoding="utf-8")
    assert (tmp_path / "event.schema.json").read_text(encoding="utf-8") == committed
    assert generate.main(["--output-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.endswith("\n\nSuccessfully generated 52 schemas.\n")


def test_check_reports_missing_changed_and_orphaned_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate.write_all_schemas(generate.generate_all_schemas(), tmp_path)
    capsys.readouterr()
    assert generate.main(["--check", "--output-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    (tmp_path / "lane.schema.json").unlink()
    event_file = tmp_path / "event.schema.json"
    changed = json.loads(event_file.read_text(encoding="utf-8"))
    changed["required"] = changed["required"][:-1]
    event_file.write_text(generate.schema_to_json(changed), encoding="utf-8")
    (tmp_path / "zz_extra.schema.json").write_text("{}", encoding="utf-8")

    assert generate.main(["--check", "--output-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert f"ERROR: Schema drift detected in {event_file}\n" in err
    assert f"--- {event_file} (committed)\n+++ {event_file} (generated)\n" in err
    assert '+    "correlation_id"\n' in err
    assert '"$id"' not in err  # a diff, not the two whole documents
    assert f"ERROR: Missing schema file: {tmp_path / 'lane.schema.json'}" in err
    assert "Orphaned schema zz_extra.schema.json" in err
    assert err.endswith("\nSchema drift detected. Run without --check to regenerate.\n")
    assert (tmp_path / "zz_extra.schema.json").exists()


def test_unknown_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        generate.main(["--bogus"])
    assert caught.value.code == 2


def test_the_module_runs_as_a_script(tmp_path: Path) -> None:
    src = Path(generate.__file__).parents[2]
    completed = subprocess.run(
        [sys.executable, "-m", "spec_kitty_events.schemas.generate", "--check"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src)},
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "up to date" in completed.stdout
