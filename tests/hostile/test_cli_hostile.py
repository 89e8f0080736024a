"""Hostile log lines through every command of the real console script.

Whatever the line, a command reports it by number and goes on with the next: no traceback,
exit status 1, and the good lines around it are still checked, folded or stored.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict

import pytest

from spec_kitty_events.stores.sqlite import SQLiteEventStore
from tests.cli.helpers import run, unprivileged_prefix

from ._values import LIMIT, envelope, nested, status_payload


def line(record: Dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def status_line(n: int, **extra: Any) -> bytes:
    return line(envelope({**status_payload(), **extra}, n, "WPStatusChanged"))


def _with_literal(literal: str) -> bytes:
    """A status line whose ``extra`` field holds ``literal`` verbatim."""
    return status_line(2, extra=0).replace(b'"extra": 0', b'"extra": ' + literal.encode())


# Line 2 of every test file; the message each command must report for it.
HOSTILE = {
    "100k nested arrays": (b"[" * 100_000 + b"]" * 100_000, "nesting limit of 64 levels"),
    "payload 500 deep": (status_line(2, extra=nested(500)), "nesting limit of 64 levels"),
    "one level too deep": (status_line(2, extra=nested(LIMIT)), "nesting limit of 64 levels"),
    "NaN literal": (_with_literal("NaN"), "NaN is not JSON"),
    "Infinity literal": (_with_literal("[1, Infinity]"), "Infinity is not JSON"),
    "-Infinity literal": (_with_literal("-Infinity"), "-Infinity is not JSON"),
    "5000-digit integer": (_with_literal("9" * 5000), "integer literal with more than 4300"),
    "1e999": (_with_literal("1e999"), "payload.extra: inf is not a JSON number"),
}


def log(tmp_path: Path, hostile: bytes) -> Path:
    """Three lines: a good event, the hostile line, a good event."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join([status_line(1), hostile, status_line(3)]) + b"\n")
    return path


def assert_reported(completed: Any, message: str, stream: str) -> None:
    assert "Traceback" not in completed.stderr
    assert completed.returncode == 1, completed.stderr
    reported = [text for text in getattr(completed, stream).splitlines() if "line 2" in text]
    assert len(reported) == 1, getattr(completed, stream)
    assert message in reported[0], getattr(completed, stream)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_validate_reports_the_hostile_line_and_passes_the_others(tmp_path: Path, case: str) -> None:
    hostile, message = HOSTILE[case]
    completed = run("validate", str(log(tmp_path, hostile)))
    assert_reported(completed, message, "stdout")
    assert "3 lines checked: 2 valid, 1 invalid" in completed.stdout


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_reduce_reports_the_hostile_line_and_folds_the_others(tmp_path: Path, case: str) -> None:
    hostile, message = HOSTILE[case]
    completed = run("reduce", "status", str(log(tmp_path, hostile)), "--format", "json")
    assert_reported(completed, message, "stderr")
    assert json.loads(completed.stdout)["event_count"] == 2


@pytest.mark.parametrize("command", ["hash", "diff"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hash_and_diff_report_the_hostile_line(tmp_path: Path, case: str, command: str) -> None:
    hostile, message = HOSTILE[case]
    path = str(log(tmp_path, hostile))
    # A status log has no dossier events: --allow-empty keeps "nothing to fold" (exit 2) apart.
    paths = [path] if command == "hash" else [path, path]
    completed = run(command, "--allow-empty", *paths)
    assert "Traceback" not in completed.stderr
    assert completed.returncode == 1
    assert message in completed.stderr


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_ingest_stores_the_good_lines_only_and_the_store_reads_back(
    tmp_path: Path, case: str
) -> None:
    hostile, message = HOSTILE[case]
    url = f"sqlite:///{tmp_path / 'events.db'}"
    completed = run("ingest", str(log(tmp_path, hostile)), "--store", url)
    assert_reported(completed, message, "stdout")
    store = SQLiteEventStore(str(tmp_path / "events.db"))
    try:
        assert [event.lamport_clock for event in store.load_all_events()] == [1, 3]
    finally:
        store.close()
    folded = run("reduce", "status", "--store", url, "--format", "json")
    assert folded.returncode == 0, folded.stderr
    assert json.loads(folded.stdout)["event_count"] == 2


def test_an_event_nested_to_the_limit_is_stored_and_every_command_reads_it(
    tmp_path: Path,
) -> None:
    deepest = envelope({"deep": nested(LIMIT - 1, "leaf")}, 7)
    path = tmp_path / "deep.jsonl"
    path.write_bytes(line(deepest) + b"\n" + status_line(8) + b"\n")
    db = tmp_path / "events.db"
    assert run("validate", str(path)).returncode == 0
    assert run("ingest", str(path), "--store", f"sqlite:///{db}").returncode == 0
    folded = run("reduce", "status", "--store", f"sqlite:///{db}")
    assert folded.returncode == 0, folded.stderr
    store = SQLiteEventStore(str(db))
    try:
        assert store.load_all_events()[0].payload == deepest["payload"]
    finally:
        store.close()


# --- schemas export ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("{tmp}/file.txt/schemas", "Not a directory"),
        ("/dev/null", "exists and is not a directory"),
        ("/proc/no-such-dir", "No such file or directory"),
    ],
)
def test_schemas_export_to_a_place_it_cannot_write_is_one_clear_error(
    tmp_path: Path, target: str, reason: str
) -> None:
    (tmp_path / "file.txt").write_text("a regular file")
    target = target.format(tmp=tmp_path)
    completed = run("schemas", "export", target)
    assert "Traceback" not in completed.stderr
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        f"Error: Invalid value for 'DIRECTORY': cannot write the schemas to {target}: {reason}"
    )


def test_schemas_export_beneath_a_read_only_directory_is_one_clear_error() -> None:
    prefix = unprivileged_prefix()
    # Not tmp_path: its parents are private to root, which may not be the writer here.
    locked = Path(tempfile.mkdtemp(prefix="ske-locked-"))
    locked.chmod(0o555)
    try:
        completed = run("schemas", "export", str(locked / "schemas"), prefix=prefix)
    finally:
        locked.chmod(0o755)
        shutil.rmtree(locked)
    assert "Traceback" not in completed.stderr
    assert completed.returncode == 2
    assert "Permission denied" in completed.stderr
