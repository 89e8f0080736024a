"""Exit statuses CI can trust (0 valid or same, 1 invalid or drift, 2 trouble) and error output
that stays short: --max-errors, --quiet, pretty-printed JSON recognised once, wire values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from spec_kitty_events._render import refusal
from spec_kitty_events.conformance.loader import _FIXTURES_DIR
from tests.cli.helpers import EXAMPLES, GOOD, jsonl, run
from tests.factory import make_record

HAPPY = _FIXTURES_DIR / "dossier" / "replay" / "dossier_happy_path.jsonl"
STATUS_LOG = EXAMPLES / "status_history.jsonl"
DOSSIER = EXAMPLES / "dossier_drift.jsonl"


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    return path


@pytest.fixture
def bad_lines(tmp_path: Path) -> Path:
    """Fifty lines of broken JSON between two good lines."""
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl(GOOD[:1]) + b"{broken\n" * 50 + jsonl(GOOD[1:2]))
    return path


# --- exit statuses -------------------------------------------------------------------------


@pytest.mark.parametrize("source", [None, STATUS_LOG])
def test_hash_of_an_input_without_dossier_events_is_trouble(
    source: Path | None, empty_file: Path
) -> None:
    result = run("hash", str(source or empty_file))
    assert result.returncode == 2
    assert "the input has no dossier events" in result.stderr
    assert "--allow-empty" in result.stderr
    assert result.stdout == ""


def test_hash_with_allow_empty_prints_the_empty_dossiers_hash(empty_file: Path) -> None:
    result = run("hash", "--allow-empty", str(empty_file))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[0-9a-f]{64}\n", result.stdout)


def test_reduce_of_a_log_without_events_of_its_kind_is_trouble_unless_allowed() -> None:
    refused = run("reduce", "collaboration", str(STATUS_LOG))
    assert refused.returncode == 2
    assert "no collaboration events among the 10 events read" in refused.stderr
    assert refused.stdout == ""
    allowed = run("reduce", "collaboration", "--allow-empty", "--format", "json", str(STATUS_LOG))
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["event_count"] == 0


def test_diff_of_a_side_without_dossier_events_is_trouble_unless_allowed(
    empty_file: Path,
) -> None:
    refused = run("diff", str(HAPPY), str(empty_file))
    assert refused.returncode == 2
    assert "the current stream has no dossier events" in refused.stderr
    allowed = run("diff", "--allow-empty", str(HAPPY), str(empty_file))
    assert allowed.returncode == 1  # everything the baseline has is missing: drift
    assert "artifact_removed" in allowed.stdout


def test_diff_tells_drift_from_a_refused_stream() -> None:
    assert run("diff", str(HAPPY), str(HAPPY)).returncode == 0
    drift = _FIXTURES_DIR / "dossier" / "replay" / "dossier_drift_scenario.jsonl"
    assert run("diff", str(HAPPY), str(drift)).returncode == 1
    assert run("diff", str(HAPPY), str(DOSSIER)).returncode == 2


def test_diff_needs_one_or_two_streams(tmp_path: Path) -> None:
    none = run("diff")
    assert none.returncode == 2
    assert "give BASELINE and CURRENT" in none.stderr
    three = run("diff", str(HAPPY), str(HAPPY), str(HAPPY))
    assert three.returncode == 2
    both = run("diff", str(HAPPY), str(HAPPY), "--store", f"sqlite:///{tmp_path / 'x.db'}")
    assert both.returncode == 2
    assert "either BASELINE or --store" in both.stderr


# --- short error output --------------------------------------------------------------------


def test_max_errors_lists_the_first_reports_and_counts_the_rest(bad_lines: Path) -> None:
    result = run("validate", "--max-errors", "3", str(bad_lines))
    assert result.returncode == 1
    reports = [line for line in result.stdout.splitlines() if line.startswith("line ")]
    assert reports == [f"line {n}: malformed JSON: {_KEY_MESSAGE} (column 2)" for n in (2, 3, 4)]
    assert "47 more bad lines not shown (--max-errors 3)" in result.stderr
    assert "52 lines checked: 2 valid, 50 invalid" in result.stdout


_KEY_MESSAGE = "Expecting property name enclosed in double quotes"


def test_quiet_prints_only_the_summary_and_keeps_the_exit_status(bad_lines: Path) -> None:
    result = run("validate", "--quiet", str(bad_lines))
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["52 lines checked: 2 valid, 50 invalid"]
    assert result.stderr == ""


def test_ingest_and_reduce_take_the_same_limits(bad_lines: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    ingested = run(
        "ingest", "--max-errors", "1", "--format", "json", str(bad_lines), "--store", url
    )
    assert ingested.returncode == 1
    rows = [json.loads(line) for line in ingested.stdout.splitlines()]
    assert [row["line"] for row in rows[:-1]] == [2]
    assert rows[-1]["summary"]["invalid"] == 50
    assert rows[-1]["summary"]["new_events"] == 2
    reduced = run("reduce", "status", "--quiet", str(bad_lines))
    assert reduced.returncode == 1
    assert "line " not in reduced.stderr
    assert "skipped 50 of 52 lines" in reduced.stderr


@pytest.mark.parametrize(
    ("document", "fix"),
    [(GOOD[0], "jq -c . FILE"), (GOOD, "jq -c '.[]' FILE")],
)
def test_pretty_printed_json_is_recognised_once(tmp_path: Path, document: object, fix: str) -> None:
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps(document, indent=2))
    result = run("validate", str(path))
    assert result.returncode == 1
    assert "malformed JSON" not in result.stdout
    notes = [line for line in result.stderr.splitlines() if "pretty-printed JSON" in line]
    assert len(notes) == 1
    assert notes[0].startswith("line 1: ")
    assert notes[0].endswith(f"Convert it with: {fix}")
    lines = len([line for line in path.read_text().splitlines() if line.strip()])
    assert f"{lines} lines checked: 0 valid, {lines} invalid" in result.stdout


def test_a_pretty_document_does_not_hide_envelope_errors(tmp_path: Path) -> None:
    # A compact event inside a pretty array is judged; its own errors are still listed.
    broken = make_record(9, "WPStatusChanged", {}, lamport_clock=-1)
    path = tmp_path / "pretty-array.json"
    path.write_bytes(b"[\n  " + json.dumps(broken).encode() + b"\n]\n")
    result = run("validate", str(path))
    assert "pretty-printed JSON" in result.stderr
    assert "line 2 (event " in result.stdout
    assert "lamport_clock:" in result.stdout


def test_a_log_that_merely_starts_with_a_broken_line_has_every_bad_line_reported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "starts-broken.jsonl"
    path.write_bytes(b"{\n" + jsonl(GOOD[:1]) + b"[\n")
    result = run("validate", str(path))
    assert "pretty-printed" not in result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == ["line 1", "line 3"]


def test_a_refused_dossier_stream_names_namespaces_by_their_wire_values(tmp_path: Path) -> None:
    result = run("diff", str(HAPPY), str(DOSSIER))
    assert result.returncode == 2
    assert "LocalNamespaceTuple" not in result.stderr
    assert "expected a1b2c3d4-e5f6-7890-abcd-ef1234567890/008-mission-dossier-parity-event-" in (
        result.stderr
    )
    assert (
        "got 6f1c2a9e-3b7d-4e58-9a41-2d0c8b7e5f13/012-payment-retries/main/software-dev/1.2.0"
        in (result.stderr)
    )


def test_lane_members_in_a_refusal_are_printed_as_wire_values() -> None:
    text = refusal(ValueError("Transition Lane.CLAIMED -> Lane.DONE is not allowed (Lane.NOPE)"))
    assert text == "Transition claimed -> done is not allowed (Lane.NOPE)"
