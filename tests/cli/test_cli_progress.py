"""Progress bars on stderr for `ingest` and `reduce`, as `validate` has: forced with --progress,
on by default for a large file only when stderr is a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import GOOD, jsonl, run, script_command, status_payload
from tests.factory import make_record


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.jsonl"
    path.write_bytes(jsonl(GOOD))
    return path


def test_forced_progress_bars_draw_on_stderr_for_ingest_and_reduce(
    good_file: Path, tmp_path: Path
) -> None:
    ingested = run(
        "ingest", "--progress", str(good_file), "--store", f"sqlite:///{tmp_path / 'e.db'}"
    )
    assert ingested.returncode == 0, ingested.stderr
    assert "ingesting" in ingested.stderr
    assert "ingesting" not in ingested.stdout
    reduced = run("reduce", "status", "--progress", "--format", "json", str(good_file))
    assert reduced.returncode == 0
    assert "reading" in reduced.stderr
    assert reduced.stdout.startswith("{")


def test_no_progress_bar_when_piped_or_refused(good_file: Path) -> None:
    assert "reading" not in run("reduce", "status", str(good_file)).stderr
    assert "reading" not in run("reduce", "status", "--no-progress", str(good_file)).stderr


def _big_log(path: Path) -> Path:
    line = jsonl(
        [
            make_record(
                1,
                "WPStatusChanged",
                {**status_payload("WP01", None, "planned"), "reason": "x" * 400},
            )
        ]
    )
    path.write_bytes(line * (4 * 1024 * 1024 // len(line) + 1))
    return path


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_a_large_file_gets_a_bar_by_default_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    log = _big_log(tmp_path / "big.jsonl")
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [*script_command(), "reduce", "status", "--format", "json", str(log)],
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=600,
        )
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal side is closed: everything was read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert done.returncode == 0
    assert b"reading" in drawn
    assert b"reading" not in done.stdout
