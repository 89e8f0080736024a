"""The console script against the real PostgreSQL server of these tests, through the URL forms
users paste: ``postgresql+psycopg://`` with the socket and a password in the query."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from tests.cli.helpers import EXAMPLES, run


def _url(dsn: str, password: str) -> str:
    """The keyword DSN of the test server as a URL with its options in the query."""
    params = dict(part.split("=", 1) for part in dsn.split())
    return (
        f"postgresql+psycopg://{params['user']}@/{params['dbname']}"
        f"?host={quote(params['host'], safe='')}&password={password}"
    )


def test_postgres_store_round_trips_through_export_without_printing_the_password(
    pg_dsn: str, tmp_path: Path
) -> None:
    url = _url(pg_dsn, "hunter2")
    log = EXAMPLES / "dossier_drift.jsonl"
    ingested = run("ingest", str(log), "--store", url, "--format", "json")
    assert ingested.returncode == 0, ingested.stderr
    summary = json.loads(ingested.stdout.splitlines()[-1])["summary"]
    assert summary["new_events"] == 7
    assert summary["store"].endswith("&password=***")
    exported = tmp_path / "export.jsonl"
    assert run("export", "--store", url, "-o", str(exported)).returncode == 0
    assert run("validate", str(exported)).returncode == 0
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert run("ingest", str(exported), "--store", copy).returncode == 0
    assert run("export", "--store", copy).stdout.encode() == exported.read_bytes()
    assert run("hash", "--store", url).stdout == run("hash", str(log)).stdout
    for result in (ingested, run("reduce", "dossier", "--store", url)):
        assert "hunter2" not in result.stdout + result.stderr
