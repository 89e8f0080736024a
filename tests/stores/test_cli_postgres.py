"""The console script against the real PostgreSQL server of these tests, through the URL forms
users paste: ``postgresql+psycopg://`` with the socket and a password in the query."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from tests.cli.helpers import EXAMPLES, run, status_payload
from tests.factory import make_record


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


def _drop_tables(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(
            b"DROP TABLE spec_kitty_meta, spec_kitty_events, spec_kitty_clocks, spec_kitty_errors"
        )


def test_ingest_with_workers_stores_in_postgres_what_one_process_stores(
    pg_dsn: str, tmp_path: Path
) -> None:
    # Three chunks for the workers, a line that is not JSON, and a line PostgreSQL refuses (a
    # NUL in a plain column) that the store reports by line number.
    lines = [
        json.dumps(make_record(n, "WPStatusChanged", status_payload(f"WP{n}", None, "planned")))
        for n in range(1, 4_501)
    ]
    lines[9] = "{not json"
    nul = status_payload("WP2500", None, "planned")
    lines[2_499] = json.dumps(make_record(2_500, "WPStatusChanged", nul, aggregate_id="a\x00b"))
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    url = _url(pg_dsn, "hunter2")
    outcomes = []
    for jobs in ("2", "1"):
        result = run("ingest", str(log), "--store", url, "--format", "json", "--jobs", jobs)
        assert result.returncode == 1, result.stderr
        exported = run("export", "--store", url)
        outcomes.append((result.stdout, exported.stdout))
        _drop_tables(pg_dsn)
    (reports, stored), alone = outcomes
    assert (reports, stored) == alone
    *rejected, summary = reports.splitlines()
    assert [json.loads(line)["line"] for line in rejected] == [10, 2_500]
    assert json.loads(rejected[1])["problems"][0]["field"] == "aggregate_id"
    assert json.loads(summary)["summary"]["new_events"] == 4_498
    assert len(stored.splitlines()) == 4_498
