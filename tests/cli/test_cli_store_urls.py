"""Stores everywhere: the URL grammar, passwords never printed, `--store` on every reading
command, and `export`, whose output validates and re-ingests to the same store content."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from spec_kitty_events._store_url import redacted_url
from spec_kitty_events.conformance.loader import _FIXTURES_DIR
from spec_kitty_events.models import Event
from spec_kitty_events.stores.sqlite import SQLiteEventStore
from tests.cli.helpers import EXAMPLES, GOOD, jsonl, run, script_command, status_payload
from tests.factory import event_id, make_event

DOSSIER = EXAMPLES / "dossier_drift.jsonl"
STORE_ENV = "SPEC_KITTY_EVENTS_STORE"


def _rows(db: Path) -> List[Tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select event_id, body from events order by event_id").fetchall()


def _run_env(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*script_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


# --- the URL grammar -----------------------------------------------------------------------


def test_sqlite_query_options_are_options_not_part_of_the_file_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}?timeout=5&synchronous=normal"
    result = run("ingest", str(DOSSIER), "--store", url)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "events.db"
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("bogus=1", "unknown SQLite option 'bogus' (known: timeout, synchronous)"),
        ("timeout=soon", "timeout must be a number of seconds, not 'soon'"),
        ("timeout=-1", "timeout must be a number of seconds, not '-1'"),
        ("synchronous=OFF", "synchronous must be FULL or NORMAL, not 'OFF'"),
        ("timeout", "malformed query"),
    ],
)
def test_a_bad_sqlite_option_is_a_usage_error_that_creates_nothing(
    tmp_path: Path, query: str, message: str
) -> None:
    result = run("ingest", str(DOSSIER), "--store", f"sqlite:///{tmp_path / 'e.db'}?{query}")
    assert result.returncode == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_password_in_the_query_is_never_printed(tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'e.db'}?password=hunter2"
    refused = run("ingest", str(DOSSIER), "--store", sqlite_url)
    assert refused.returncode == 2
    assert "password=***" in refused.stderr
    postgres_url = "postgresql+psycopg://alice@127.0.0.1:1/db?connect_timeout=2&password=hunter2"
    unreachable = run("ingest", str(DOSSIER), "--store", postgres_url)
    assert unreachable.returncode == 2
    # The +psycopg spelling is accepted: the failure is the server's, not the URL's.
    assert "unsupported store URL" not in unreachable.stderr
    assert "127.0.0.1" in unreachable.stderr
    for result in (refused, unreachable):
        assert "hunter2" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://alice:s3cret@db:5432/ev", "postgresql://***@db:5432/ev"),
        ("postgres://tok@db/ev?sslmode=require", "postgres://***@db/ev?sslmode=require"),
        (
            "postgresql://db/ev?user=a&Password=s3cret&passwd=x",
            "postgresql://db/ev?user=a&Password=***&passwd=***",
        ),
        ("postgresql://a:b@c@db/ev", "postgresql://***@db/ev"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
        ("not a url", "not a url"),
    ],
)
def test_redaction_hides_every_password_spelling(url: str, shown: str) -> None:
    assert redacted_url(url) == shown


# --- export: the round trip ----------------------------------------------------------------


def test_export_validates_and_reingests_to_the_same_store_content(tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    for path in (DOSSIER, EXAMPLES / "status_history.jsonl"):
        assert run("ingest", str(path), "--store", f"sqlite:///{first}").returncode == 0
    exported = tmp_path / "export.jsonl"
    result = run("export", "--store", f"sqlite:///{first}", "--output", str(exported))
    assert result.returncode == 0, result.stderr
    assert len(exported.read_bytes().splitlines()) == 17
    checked = run("validate", str(exported))
    assert checked.returncode == 0
    assert "17 lines checked: 17 valid, 0 invalid" in checked.stdout
    assert run("ingest", str(exported), "--store", f"sqlite:///{second}").returncode == 0
    assert _rows(first) == _rows(second)
    again = run("export", "--store", f"sqlite:///{second}")
    assert again.stdout.encode() == exported.read_bytes()


def test_export_keeps_what_json_text_can_lose(tmp_path: Path) -> None:
    # A clock beyond 64 bits, non-ASCII text and an exact float survive the round trip.
    payload = {**status_payload("WP01", None, "planned"), "actor": "zoë \u2603", "ratio": 0.1}
    event = make_event(1, "WPStatusChanged", payload, lamport_clock=2**70)
    db = tmp_path / "odd.db"
    with SQLiteEventStore(db) as store:
        store.save_event(event)
    lines = run("export", "--store", f"sqlite:///{db}").stdout.splitlines()
    assert [Event.model_validate_json(line) for line in lines] == [event]


def test_export_reads_the_store_of_the_environment_or_says_what_to_give(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    assert run("ingest", str(DOSSIER), "--store", f"sqlite:///{db}").returncode == 0
    from_env = _run_env({STORE_ENV: f"sqlite:///{db}"}, "export")
    assert from_env.returncode == 0
    assert len(from_env.stdout.splitlines()) == 7
    neither = _run_env({STORE_ENV: ""}, "export")
    assert neither.returncode == 2
    assert "--store URL" in neither.stderr


def test_export_since_a_position_writes_only_what_was_stored_after_it(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    url = f"sqlite:///{db}"
    assert run("ingest", str(DOSSIER), "--store", url).returncode == 0
    everything = run("export", "--store", url, "--since", "0")
    assert everything.returncode == 0, everything.stderr
    assert len(everything.stdout.splitlines()) == 7
    assert everything.stderr.strip() == "exported 7 events after position 0; last position 7"
    # A second batch: exporting from the last position gives exactly the new events.
    later = [
        make_event(100 + n, "WPStatusChanged", status_payload(f"WP{n}", None, "planned"))
        for n in range(3)
    ]
    with SQLiteEventStore(db) as store:
        store.save_events(later)
    tail = run("export", "--store", url, "--since", "7")
    assert [Event.model_validate_json(line) for line in tail.stdout.splitlines()] == later
    assert tail.stderr.strip() == "exported 3 events after position 7; last position 10"
    nothing = run("export", "--store", url, "--since", "10")
    assert (nothing.returncode, nothing.stdout) == (0, "")
    assert nothing.stderr.strip() == "exported 0 events after position 10; last position 10"


def test_export_since_a_negative_position_is_a_usage_error(tmp_path: Path) -> None:
    result = run("export", "--store", f"sqlite:///{tmp_path / 'x.db'}", "--since", "-1")
    assert result.returncode == 2
    assert "--since" in result.stderr


def test_export_of_a_missing_store_is_trouble(tmp_path: Path) -> None:
    result = run("export", "--store", f"sqlite:///{tmp_path / 'missing.db'}")
    assert result.returncode == 2
    assert "no such file" in result.stderr


# --- --store on validate, hash and diff ----------------------------------------------------


def test_validate_store_reports_stored_events_that_break_their_payload_rules(
    tmp_path: Path,
) -> None:
    # The store keeps any valid envelope; validate --store judges the payloads as well.
    db = tmp_path / "events.db"
    with SQLiteEventStore(db) as store:
        store.save_events(
            [
                make_event(1, "WPStatusChanged", status_payload("WP01", None, "planned")),
                make_event(2, "WPStatusChanged", status_payload("WP01", "planned", "nowhere")),
            ]
        )
    result = run("validate", "--store", f"sqlite:///{db}")
    assert result.returncode == 1
    assert f"stored event 2 (event {event_id(2)}, WPStatusChanged): payload.to_lane:" in (
        result.stdout
    )
    assert "2 lines checked: 1 valid, 1 invalid" in result.stdout
    good = tmp_path / "good.db"
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(GOOD))
    assert run("ingest", str(log), "--store", f"sqlite:///{good}").returncode == 0
    assert run("validate", "--store", f"sqlite:///{good}").returncode == 0


def test_validate_needs_exactly_one_source(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(GOOD))
    both = run("validate", str(log), "--store", f"sqlite:///{tmp_path / 'x.db'}")
    assert both.returncode == 2
    assert "not both" in both.stderr
    neither = _run_env({STORE_ENV: ""}, "validate")
    assert neither.returncode == 2


def test_hash_and_diff_read_stores(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    url = f"sqlite:///{db}"
    assert run("ingest", str(DOSSIER), "--store", url).returncode == 0
    from_file = run("hash", str(DOSSIER))
    from_store = run("hash", "--store", url)
    assert from_store.returncode == 0
    assert from_store.stdout == from_file.stdout
    same = run("diff", "--store", url, str(DOSSIER))
    assert same.returncode == 0
    assert same.stdout.startswith("no drift")
    from_env = _run_env({STORE_ENV: url}, "diff", str(DOSSIER))
    assert from_env.returncode == 0
    happy = _FIXTURES_DIR / "dossier" / "replay" / "dossier_happy_path.jsonl"
    refused = run("diff", "--store", url, str(happy))
    assert refused.returncode == 2


def test_json_output_of_hash_from_a_store_names_its_projection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run("ingest", str(DOSSIER), "--store", url).returncode == 0
    result = json.loads(run("hash", "--store", url, "--format", "json").stdout)
    assert result["projection"]["format"] == "spec-kitty-dossier-snapshot/1"
