"""The real console script, run in a subprocess on good, bad and mixed logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from spec_kitty_events.schemas import list_schemas
from tests.cli.helpers import EXAMPLES, GOOD, jsonl, run, script_command, status_payload
from tests.factory import event_id, make_record


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.jsonl"
    path.write_bytes(jsonl(GOOD))
    return path


def test_validate_good_file_exits_zero_with_a_summary(good_file: Path) -> None:
    result = run("validate", str(good_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 lines checked: 3 valid, 0 invalid" in result.stdout


def test_validate_reports_each_bad_line_with_number_id_field_and_message(tmp_path: Path) -> None:
    bad = make_record(2, "WPStatusChanged", status_payload("WP01", "planned", "bogus"))
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl([GOOD[0], bad, GOOD[2]]))
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"line 2 (event {event_id(2)}, WPStatusChanged): payload.to_lane:" in (result.stdout)
    assert "3 lines checked: 2 valid, 1 invalid" in result.stdout


def test_validate_mixed_file_keeps_going_after_every_kind_of_bad_line(tmp_path: Path) -> None:
    content = b"".join(
        [
            json.dumps(GOOD[0]).encode() + b"\n",
            b"\xff\xfe not utf-8\n",
            b"{not json\n",
            b"[1, 2]\n",
            b"\n",
            json.dumps(GOOD[1]).encode() + b"\n",
            json.dumps({**GOOD[2], "lamport_clock": -1}).encode() + b"\n",
            json.dumps(GOOD[2]).encode()[:40],  # truncated last line, no newline
        ]
    )
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(content)
    result = run("validate", str(path))
    out = result.stdout
    assert result.returncode == 1
    assert "line 2: not valid UTF-8" in out
    assert "line 3: malformed JSON" in out
    assert "line 4: line is a JSON array, not an object" in out
    assert f"line 7 (event {event_id(3)}, WPStatusChanged): lamport_clock:" in out
    assert "line 8: malformed JSON" in out
    assert "7 lines checked: 2 valid, 5 invalid" in out
    assert "Traceback" not in result.stderr


def test_validate_json_format_is_one_object_per_bad_line_then_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(jsonl([GOOD[0]]) + b"oops\n" + jsonl([{**GOOD[1], "event_id": "x"}]))
    result = run("validate", "--format", "json", str(path))
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row.get("line") for row in rows[:-1]] == [2, 3]
    assert rows[1]["event_id"] == "x"
    assert rows[1]["problems"][0]["field"] == "event_id"
    assert rows[1]["problems"][0]["layer"] == "envelope"
    assert rows[-1]["summary"]["lines"] == 3
    assert rows[-1]["summary"]["invalid"] == 2


def test_validate_empty_file_and_stdin(tmp_path: Path, good_file: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = run("validate", str(empty))
    assert result.returncode == 0
    assert "0 lines checked: 0 valid, 0 invalid" in result.stdout
    piped = run("validate", "-", stdin=good_file.read_bytes())
    assert piped.returncode == 0
    assert "3 lines checked" in piped.stdout
    assert "checking" not in piped.stderr  # no progress bar when piped


def test_validate_counts_unknown_event_types_and_can_reject_them(tmp_path: Path) -> None:
    path = tmp_path / "unknown.jsonl"
    path.write_bytes(jsonl([GOOD[0], make_record(9, "SomethingElse", {"x": 1})]))
    lenient = run("validate", str(path))
    assert lenient.returncode == 0
    assert "1 of unknown event type, payload not checked (SomethingElse x1)" in lenient.stdout
    strict = run("validate", "--strict-types", str(path))
    assert strict.returncode == 1
    assert "event_type: unknown event type 'SomethingElse'" in strict.stdout


def test_validate_reports_schema_only_violations(tmp_path: Path) -> None:
    # "doing" is an alias the model accepts but the wire schema rejects.
    path = tmp_path / "alias.jsonl"
    path.write_bytes(
        jsonl([make_record(1, "WPStatusChanged", status_payload("WP1", None, "doing"))])
    )
    result = run("validate", str(path))
    assert result.returncode == 1
    assert "payload.to_lane:" in result.stdout
    assert "(schema: enum)" in result.stdout


def test_missing_file_is_a_usage_error_without_traceback() -> None:
    result = run("validate", "/nonexistent/events.jsonl")
    assert result.returncode == 2
    assert "No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_forced_progress_bar_draws_on_stderr(good_file: Path) -> None:
    result = run("validate", "--progress", str(good_file))
    assert result.returncode == 0
    assert "checking" in result.stderr


def test_reduce_status_prints_the_folded_state(good_file: Path) -> None:
    text = run("reduce", "status", str(good_file))
    assert text.returncode == 0, text.stderr
    assert "wp_states:" in text.stdout
    assert "current_lane: claimed" in text.stdout
    as_json = run("reduce", "status", "--format", "json", str(good_file))
    state = json.loads(as_json.stdout)
    assert state["wp_states"]["WP01"]["current_lane"] == "claimed"
    assert state["wp_states"]["WP02"]["current_lane"] == "planned"
    assert state["event_count"] == 3
    assert state["last_processed_event_id"] == event_id(3)


def test_reduce_skips_bad_lines_reports_them_and_exits_one(tmp_path: Path) -> None:
    path = tmp_path / "some-bad.jsonl"
    path.write_bytes(jsonl(GOOD[:2]) + b"{broken\n")
    result = run("reduce", "status", "--format", "json", str(path))
    assert result.returncode == 1
    assert json.loads(result.stdout)["wp_states"]["WP01"]["current_lane"] == "claimed"
    assert "line 3: malformed JSON" in result.stderr
    assert "skipped 1 of 3 lines" in result.stderr


def test_reduce_collaboration_strict_failure_is_a_clear_error(tmp_path: Path) -> None:
    heartbeat = make_record(1, "PresenceHeartbeat", {"participant_id": "ghost", "mission_id": "m1"})
    path = tmp_path / "collab.jsonl"
    path.write_bytes(jsonl([heartbeat]))
    strict = run("reduce", "collaboration", str(path))
    assert strict.returncode == 2
    assert "collaboration reducer refused the stream" in strict.stderr
    assert "ghost" in strict.stderr
    assert "Traceback" not in strict.stderr
    permissive = run(
        "reduce", "collaboration", "--mode", "permissive", "--format", "json", str(path)
    )
    assert permissive.returncode == 0, permissive.stderr
    assert json.loads(permissive.stdout)["anomalies"]


def test_reduce_rejects_unknown_kind() -> None:
    result = run("reduce", "nonsense", "-")
    assert result.returncode == 2
    assert "nonsense" in result.stderr


def test_schemas_export_and_check(tmp_path: Path) -> None:
    target = tmp_path / "out"
    exported = run("schemas", "export", str(target))
    assert exported.returncode == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(
        f"{name}.schema.json" for name in [*list_schemas(), "typed_event"]
    )
    checked = run("schemas", "check")
    assert checked.returncode == 0
    assert "up to date" in checked.stdout


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["validate"],
        ["reduce"],
        ["schemas"],
        ["schemas", "export"],
        ["schemas", "check"],
        ["conformance"],
    ],
)
def test_every_command_has_help(command: List[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_python_dash_m_runs_the_same_cli(good_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "spec_kitty_events", "validate", str(good_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "3 lines checked" in result.stdout


def _max_rss_kib(args: List[str]) -> int:
    """Peak RSS of one run of the CLI, measured by a wrapper so earlier children do not count."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
        "assert done.returncode == 0, done.returncode\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(rss, done.stdout.decode().strip())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *script_command(), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    rss, _, summary = out.stdout.strip().partition(" ")
    assert "0 invalid" in summary, summary
    return int(rss)


@pytest.mark.slow
def test_validate_runs_in_constant_memory_on_a_50_mb_file(tmp_path: Path) -> None:
    line = (
        json.dumps(
            make_record(
                7,
                "WPStatusChanged",
                {**status_payload("WP01", None, "planned"), "reason": "x" * 300},
            )
        ).encode()
        + b"\n"
    )
    big = tmp_path / "big.jsonl"
    with big.open("wb") as out:
        chunk = line * 1000
        while out.tell() < 50 * 1024 * 1024:
            out.write(chunk)
    small = tmp_path / "small.jsonl"
    small.write_bytes(line * 1000)
    assert big.stat().st_size >= 50 * 1024 * 1024
    small_rss = _max_rss_kib(["validate", str(small)])
    big_rss = _max_rss_kib(["validate", str(big)])
    # Holding the file would add >= 50 MiB; allow a little allocator noise.
    assert big_rss - small_rss < 20 * 1024, (small_rss, big_rss)


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX shell")
def test_missing_click_is_explained(tmp_path: Path) -> None:
    # Hide click from the entry point: a clear message, exit 2, no traceback.
    blocker = tmp_path / "click.py"
    blocker.write_text("raise ImportError('blocked for the test')\n")
    result = subprocess.run(
        [sys.executable, "-c", "from spec_kitty_events._entry import run; run()"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        },
    )
    assert result.returncode == 2
    assert "pip install 'spec-kitty-events[cli]'" in result.stderr


def test_validate_names_the_json_kind_of_non_object_lines(tmp_path: Path) -> None:
    path = tmp_path / "scalars.jsonl"
    path.write_bytes(b'"text"\ntrue\nnull\n5\n')
    out = run("validate", str(path)).stdout
    for number, kind in enumerate(["string", "boolean", "null", "number"], start=1):
        assert f"line {number}: line is a JSON {kind}, not an object" in out


def test_reduce_reports_envelope_errors_by_field(tmp_path: Path) -> None:
    path = tmp_path / "envelopes.jsonl"
    path.write_bytes(jsonl([GOOD[0], {**GOOD[1], "lamport_clock": -1}]) + b"[1]\n")
    result = run("reduce", "status", str(path))
    assert result.returncode == 1
    assert f"line 2 (event {event_id(2)}, WPStatusChanged): lamport_clock:" in (result.stderr)
    assert "line 3: line is a JSON array, not an object" in result.stderr
    assert "skipped 2 of 3 lines" in result.stderr


def test_reduce_dossier_example_shows_the_drift_as_text() -> None:
    result = run("reduce", "dossier", str(EXAMPLES / "dossier_drift.jsonl"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "parity_status: drifted" in out
    assert "superseded: false" in out
    assert "drift_history:\n  -\n    expected_hash:" in out
    assert "drift_kind: artifact_mutated" in out
    assert "event_count: 7" in out


def test_reduce_status_example_lists_the_illegal_jump_as_an_anomaly() -> None:
    result = run("reduce", "status", "--format", "json", str(EXAMPLES / "status_history.jsonl"))
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert state["wp_states"]["WP01"]["current_lane"] == "done"
    assert state["wp_states"]["WP02"]["current_lane"] == "claimed"
    assert [a["wp_id"] for a in state["anomalies"]] == ["WP02"]
    assert state["event_count"] == 10


def test_reduce_mission_next_example_completes_the_run() -> None:
    result = run(
        "reduce", "mission-next", "--format", "json", str(EXAMPLES / "mission_next_run.jsonl")
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert state["run_status"] == "completed"
    assert state["completed_steps"] == ["specify", "plan"]
    assert state["anomalies"] == []


def test_an_allowed_empty_state_renders_empty_collections(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    out = run("reduce", "dossier", "--allow-empty", str(empty)).stdout
    assert "artifacts: {}" in out
    assert "anomalies: []" in out
    assert "namespace: null" in out


@pytest.mark.slow
def test_every_example_stream_validates_clean() -> None:
    for name in ("dossier_drift.jsonl", "status_history.jsonl", "mission_next_run.jsonl"):
        result = run("validate", str(EXAMPLES / name))
        assert result.returncode == 0, (name, result.stdout)
        assert " 0 invalid" in result.stdout


@pytest.mark.slow
def test_conformance_command_runs_the_consumer_suite() -> None:
    result = run("conformance", "-q", "-k", "lane_mapping_v1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout


def test_conformance_without_pytest_is_explained(tmp_path: Path) -> None:
    (tmp_path / "pytest.py").write_text("raise ImportError('blocked for the test')\n")
    result = subprocess.run(
        [*script_command(), "conformance"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        },
    )
    assert result.returncode == 1
    assert "the conformance suite needs pytest" in result.stderr


def test_in_process_stdin_without_a_file_descriptor_gets_no_progress_bar() -> None:
    from click.testing import CliRunner

    from spec_kitty_events.cli import main

    result = CliRunner().invoke(main, ["validate", "-"], input=jsonl(GOOD))
    assert result.exit_code == 0
    assert "3 lines checked: 3 valid, 0 invalid" in result.output
