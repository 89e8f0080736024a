"""The console script's store and parity commands: ingest, reduce --store, hash, diff."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from spec_kitty_events.conformance.loader import _FIXTURES_DIR
from tests.cli.helpers import EXAMPLES, GOOD, jsonl, run, script_command, status_payload
from tests.factory import event_id, make_record

HAPPY = _FIXTURES_DIR / "dossier" / "replay" / "dossier_happy_path.jsonl"
DRIFT = _FIXTURES_DIR / "dossier" / "replay" / "dossier_drift_scenario.jsonl"
DOSSIER = EXAMPLES / "dossier_drift.jsonl"


def test_ingest_appends_good_lines_once_and_reports_bad_ones(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    bad = make_record(5, "WPStatusChanged", status_payload("WP01", "planned", "bogus"))
    log.write_bytes(jsonl([GOOD[0], bad, GOOD[1]]) + b"{oops\n")
    url = f"sqlite:///{tmp_path / 'events.db'}"
    first = run("ingest", str(log), "--store", url)
    assert first.returncode == 1
    assert f"line 2 (event {event_id(5)}, WPStatusChanged): payload.to_lane:" in (first.stdout)
    assert "line 4: malformed JSON" in first.stdout
    assert "4 lines checked: 2 valid, 2 invalid; 2 new events stored in" in first.stdout
    again = run("ingest", str(log), "--store", url, "--format", "json")
    summary = json.loads(again.stdout.splitlines()[-1])["summary"]
    assert summary["new_events"] == 0
    assert summary["valid"] == 2
    with sqlite3.connect(tmp_path / "events.db") as conn:
        assert conn.execute("select count(*) from events").fetchone() == (2,)


def test_ingest_reports_a_conflicting_event_id_by_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    first = tmp_path / "first.jsonl"
    first.write_bytes(jsonl(GOOD))
    assert run("ingest", str(first), "--store", url).returncode == 0
    changed = {**GOOD[1], "node_id": "another-node"}
    second = tmp_path / "second.jsonl"
    second.write_bytes(jsonl([GOOD[0], changed]))
    result = run("ingest", str(second), "--store", url)
    assert result.returncode == 1
    assert f"line 2 (event {event_id(2)}, WPStatusChanged): event_id:" in (result.stdout)
    assert "2 lines checked: 1 valid, 1 invalid; 0 new events stored" in result.stdout


def test_default_store_comes_from_the_environment(tmp_path: Path) -> None:
    env_db = tmp_path / "from-env.db"
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(GOOD))
    result = run_env({"SPEC_KITTY_EVENTS_STORE": f"sqlite:///{env_db}"}, "ingest", str(log))
    assert result.returncode == 0, result.stderr
    assert env_db.exists()
    state = run("reduce", "status", "--store", f"sqlite:///{env_db}", "--format", "json")
    assert json.loads(state.stdout)["wp_states"]["WP01"]["current_lane"] == "claimed"


def run_env(extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*script_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **extra},
    )


@pytest.mark.slow
def test_reduce_from_a_store_equals_reduce_from_the_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run("ingest", str(DOSSIER), "--store", url).returncode == 0
    from_store = run("reduce", "dossier", "--store", url, "--format", "json")
    from_file = run("reduce", "dossier", str(DOSSIER), "--format", "json")
    assert from_store.returncode == 0
    assert json.loads(from_store.stdout) == json.loads(from_file.stdout)
    assert json.loads(from_store.stdout)["parity_status"] == "drifted"


def test_reduce_needs_exactly_one_source(tmp_path: Path) -> None:
    neither = run("reduce", "status")
    assert neither.returncode == 2
    assert "give either FILE or --store URL" in neither.stderr
    both = run("reduce", "status", str(DOSSIER), "--store", f"sqlite:///{tmp_path / 'x.db'}")
    assert both.returncode == 2


@pytest.mark.slow
def test_bad_store_urls_and_files_are_clear_errors(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(GOOD))
    unknown = run("ingest", str(log), "--store", "mysql://user:hunter2@db/events")
    assert unknown.returncode == 2
    assert "unsupported store URL" in unknown.stderr
    assert "hunter2" not in unknown.stderr
    empty = run("ingest", str(log), "--store", "sqlite:///")
    assert empty.returncode == 2
    assert "no file path" in empty.stderr
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"this is not a database at all" * 100)
    corrupt = run("reduce", "status", "--store", f"sqlite:///{foreign}")
    assert corrupt.returncode == 2
    assert str(foreign) in corrupt.stderr
    assert "Traceback" not in corrupt.stderr


def test_hash_prints_the_canonical_snapshot_hash() -> None:
    text = run("hash", str(HAPPY))
    assert text.returncode == 0
    digest = text.stdout.strip()
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    as_json = json.loads(run("hash", str(HAPPY), "--format", "json").stdout)
    assert as_json["snapshot_hash"] == digest
    assert as_json["projection"]["format"] == "spec-kitty-dossier-snapshot/1"
    assert [a["path"].rsplit("/", 1)[1] for a in as_json["projection"]["artifacts"]] == [
        "plan.md",
        "spec.md",
        "tasks.md",
    ]


def test_hash_with_a_bad_line_still_prints_and_exits_one(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_bytes(HAPPY.read_bytes() + b"not json\n")
    result = run("hash", str(path))
    assert result.returncode == 1
    assert len(result.stdout.strip()) == 64
    assert "line 7: malformed JSON" in result.stderr


def test_diff_of_a_stream_with_itself_finds_nothing() -> None:
    result = run("diff", str(HAPPY), str(HAPPY))
    assert result.returncode == 0
    assert result.stdout.startswith("no drift: both streams fold into snapshot ")


def test_diff_classifies_the_drift() -> None:
    result = run("diff", str(HAPPY), str(DRIFT))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("baseline snapshot ")
    kinds = [line.split(":")[0] for line in lines[2:]]
    assert kinds == ["artifact_removed", "artifact_mutated", "anomaly_introduced"]
    payloads = json.loads(run("diff", str(HAPPY), str(DRIFT), "--format", "json").stdout)
    assert [p["drift_kind"] for p in payloads] == kinds
    assert payloads[0]["artifact_ids_changed"][0]["path"].endswith("/tasks.md")


def test_diff_of_different_namespaces_is_refused(tmp_path: Path) -> None:
    result = run("diff", str(HAPPY), str(DOSSIER))
    assert result.returncode == 2
    assert "dossier reducer refused the stream" in result.stderr
    assert "Traceback" not in result.stderr


def test_reduce_by_namespace_splits_a_mixed_stream(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(HAPPY.read_bytes() + DOSSIER.read_bytes())
    refused = run("reduce", "dossier", str(mixed))
    assert refused.returncode == 2
    assert "Namespace mismatch" in refused.stderr
    split = run("reduce", "dossier", "--by-namespace", "--format", "json", str(mixed))
    assert split.returncode == 0, split.stderr
    states = json.loads(split.stdout)
    assert sorted(states) == [
        "6f1c2a9e-3b7d-4e58-9a41-2d0c8b7e5f13/012-payment-retries/main/software-dev/1.2.0",
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890/008-mission-dossier-parity-event-contracts/2.x/"
        "software-dev/1.0.0",
    ]
    assert sorted(s["event_count"] for s in states.values()) == [6, 7]


def test_by_namespace_is_for_the_dossier_only() -> None:
    result = run("reduce", "status", "--by-namespace", str(DOSSIER))
    assert result.returncode == 2
    assert "dossier reducer only" in result.stderr


def test_an_unreachable_postgres_store_names_the_host_not_the_password(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(GOOD))
    url = "postgresql://alice:hunter2@127.0.0.1:1/events?connect_timeout=2"
    result = run("ingest", str(log), "--store", url)
    assert result.returncode == 2
    assert "127.0.0.1" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_ingest_appends_in_batches_of_a_thousand(tmp_path: Path) -> None:
    records = [
        make_record(n, "WPStatusChanged", status_payload(f"WP{n:04d}", None, "planned"))
        for n in range(1, 1001)
    ]
    log = tmp_path / "thousand.jsonl"
    log.write_bytes(jsonl(records))
    url = f"sqlite:///{tmp_path / 'k.db'}"
    result = run("ingest", str(log), "--store", url)
    assert result.returncode == 0, result.stdout
    assert "1000 new events stored" in result.stdout


def test_a_stored_row_that_no_longer_reads_back_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(GOOD))
    assert run("ingest", str(log), "--store", f"sqlite:///{db}").returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("update events set body = '{broken' where lamport_clock = 2")
    result = run("reduce", "status", "--store", f"sqlite:///{db}")
    assert result.returncode == 2
    assert event_id(2) in result.stderr
    assert "Traceback" not in result.stderr
