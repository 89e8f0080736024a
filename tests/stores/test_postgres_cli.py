"""The console script's ingest against the test PostgreSQL server: what a rejection names."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

if not os.environ.get("CI"):  # in CI a missing driver must fail, not skip
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[postgres]'")

from psycopg.conninfo import conninfo_to_dict

PROJECT = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"


def _script() -> List[str]:
    """The installed console script, as tests/cli runs it."""
    candidate = Path(sys.executable).parent / "spec-kitty-events"
    if candidate.exists():
        return [str(candidate)]
    found = shutil.which("spec-kitty-events")
    return [found] if found else [sys.executable, "-m", "spec_kitty_events"]


def _url(dsn: str) -> str:
    params = conninfo_to_dict(dsn)
    return f"postgresql://{params['user']}@/{params['dbname']}?host={params['host']}"


def _line(n: int, **fields: Any) -> bytes:
    record: Dict[str, Any] = {
        "event_id": f"01JNRC{n:020d}",
        "event_type": "Probe",
        "aggregate_id": "agg",
        "payload": {"n": n},
        "timestamp": "2026-02-21T14:00:00Z",
        "node_id": "node-1",
        "lamport_clock": n,
        "project_uuid": PROJECT,
        "correlation_id": "01JNRC0RR00000000000000001",
        **fields,
    }
    return json.dumps(record).encode() + b"\n"


def test_a_rejection_by_the_store_names_the_field_that_caused_it(
    pg_dsn: str, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(_line(1) + _line(2, node_id="a\x00b") + _line(3))
    result = subprocess.run(
        [*_script(), "ingest", str(log), "--store", _url(pg_dsn), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert reports[-1]["summary"]["new_events"] == 2
    (rejected,) = reports[:-1]
    assert rejected["line"] == 2
    assert [problem["field"] for problem in rejected["problems"]] == ["node_id"]
