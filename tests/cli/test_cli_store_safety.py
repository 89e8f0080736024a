"""The console script against stores shared with other processes, or not writable, or not
really stores at all: what `ingest` counts, what `reduce` may open."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from tests.cli.helpers import jsonl, run, script_command, status_payload, unprivileged_prefix
from tests.factory import make_record

STORE_ENV = "SPEC_KITTY_EVENTS_STORE"


def _events(first: int, count: int) -> List[Dict[str, object]]:
    return [
        make_record(n, "WPStatusChanged", status_payload(f"WP{n:04d}", None, "planned"))
        for n in range(first, first + count)
    ]


def run_with(
    env: Dict[str, Optional[str]], *args: str, prefix: Optional[List[str]] = None
) -> subprocess.CompletedProcess[str]:
    """The console script with variables set (or, for ``None``, removed) in its environment."""
    environment = {**os.environ}
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [*(prefix or []), *script_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )


# --- what ingest counts ----------------------------------------------------------------------


def test_ingest_counts_what_it_stored_not_what_others_stored_meanwhile(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    other_log = tmp_path / "other.jsonl"
    other_log.write_bytes(jsonl(_events(1, 5)))
    ours = subprocess.Popen(
        [*script_command(), "ingest", "-", "--store", url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert ours.stdin is not None
    assert ours.stdout is not None
    # A bad first line is reported at once: once we read the report, our run has opened
    # the store and is reading its input, with the other writer yet to come.
    ours.stdin.write(b"{oops\n")
    ours.stdin.flush()
    assert ours.stdout.readline().startswith(b"line 1: malformed JSON")
    other = run("ingest", str(other_log), "--store", url)
    assert other.returncode == 0, other.stderr
    assert "5 new events stored in" in other.stdout
    # Two events of our own, and one the other writer stored already.
    out, err = ours.communicate(jsonl([*_events(100, 2), *_events(1, 1)]), timeout=120)
    assert ours.returncode == 1, err
    assert out.decode().splitlines()[-1].endswith(f"2 new events stored in {url}; 1 already stored")


def test_ingest_reports_events_already_stored_separately(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl([*_events(1, 3), *_events(1, 1)]))  # the last line repeats the first
    first = run("ingest", str(log), "--store", url, "--format", "json")
    again = run("ingest", str(log), "--store", url, "--format", "json")
    summaries = [json.loads(r.stdout.splitlines()[-1])["summary"] for r in (first, again)]
    assert [(s["new_events"], s["already_stored"]) for s in summaries] == [(3, 1), (0, 4)]


# --- URLs that name no lasting store ---------------------------------------------------------


def test_an_in_memory_sqlite_store_is_refused_as_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(_events(1, 2)))
    result = run("ingest", str(log), "--store", "sqlite:///:memory:")
    assert result.returncode == 2
    assert "in-memory database" in result.stderr
    assert "stored" not in result.stdout


# --- where reduce reads from -----------------------------------------------------------------


def test_reduce_reads_the_store_named_by_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(_events(1, 2)))
    assert run("ingest", str(log), "--store", f"sqlite:///{db}").returncode == 0
    result = run_with({STORE_ENV: f"sqlite:///{db}"}, "reduce", "status", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(result.stdout)["wp_states"]) == ["WP0001", "WP0002"]


def test_reduce_without_a_source_or_the_environment_says_what_to_give() -> None:
    result = run_with({STORE_ENV: None}, "reduce", "status")
    assert result.returncode == 2
    assert f"give either FILE or --store URL (or set ${STORE_ENV})" in result.stderr


def test_reduce_of_a_missing_store_file_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    result = run("reduce", "status", "--store", f"sqlite:///{missing}")
    assert result.returncode == 2
    assert f"SQLite database {missing}: cannot open: no such file" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def readable_only() -> Iterator[Path]:
    # Not tmp_path: its parents are private to root, which may not be the reader here.
    directory = Path(tempfile.mkdtemp(prefix="ske-ro-"))
    try:
        yield directory
    finally:
        directory.chmod(0o755)
        shutil.rmtree(directory)


@pytest.mark.parametrize(
    ("file_mode", "dir_mode"), [(0o444, 0o755), (0o644, 0o555), (0o444, 0o555)]
)
def test_reduce_reads_a_store_it_may_not_write(
    readable_only: Path, file_mode: int, dir_mode: int
) -> None:
    prefix = unprivileged_prefix()
    db = readable_only / "events.db"
    log = readable_only / "log.jsonl"
    log.write_bytes(jsonl(_events(1, 3)))
    assert run("ingest", str(log), "--store", f"sqlite:///{db}").returncode == 0
    log.unlink()
    db.chmod(file_mode)
    readable_only.chmod(dir_mode)
    before = sorted(p.name for p in readable_only.iterdir())
    result = run_with({}, "reduce", "status", "--store", f"sqlite:///{db}", prefix=prefix)
    assert result.returncode == 0, result.stderr
    assert "WP0003" in result.stdout
    assert stat.S_IMODE(db.stat().st_mode) == file_mode
    if dir_mode == 0o555:
        assert sorted(p.name for p in readable_only.iterdir()) == before


def test_reduce_refuses_rather_than_guesses_beside_a_wal_file_it_cannot_use(
    readable_only: Path,
) -> None:
    # A -wal file may hold committed events that only a -shm file lets a reader find; in a
    # directory where that cannot be created, reading the main file alone could miss them.
    prefix = unprivileged_prefix()
    db = readable_only / "events.db"
    log = readable_only / "log.jsonl"
    log.write_bytes(jsonl(_events(1, 2)))
    assert run("ingest", str(log), "--store", f"sqlite:///{db}").returncode == 0
    log.unlink()
    Path(f"{db}-wal").touch()
    readable_only.chmod(0o555)
    result = run_with({}, "reduce", "status", "--store", f"sqlite:///{db}", prefix=prefix)
    assert result.returncode == 2
    assert f"SQLite database {db}: open failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_into_a_store_it_may_not_write_fails_once_not_per_line(
    readable_only: Path,
) -> None:
    prefix = unprivileged_prefix()
    db = readable_only / "events.db"
    log = readable_only / "log.jsonl"
    log.write_bytes(jsonl(_events(1, 1)))
    assert run("ingest", str(log), "--store", f"sqlite:///{db}").returncode == 0
    log.write_bytes(jsonl(_events(2, 3)))
    db.chmod(0o444)
    result = run_with({}, "ingest", str(log), "--store", f"sqlite:///{db}", prefix=prefix)
    assert result.returncode == 2
    assert "attempt to write a readonly database" in result.stderr
    assert "line " not in result.stdout
    assert "Traceback" not in result.stderr
