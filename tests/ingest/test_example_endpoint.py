"""examples/ingest_endpoint.py: a real server process on a free loopback port, a real HTTP client,
and the public API alone."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from spec_kitty_events.stores.sqlite import SQLiteEventStore
from tests.cli.helpers import EXAMPLES, GOOD, jsonl, run, status_payload
from tests.factory import event_id, make_record

ENDPOINT = EXAMPLES / "ingest_endpoint.py"
BAD = make_record(7, "WPStatusChanged", status_payload("WP01", "planned", "nowhere"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Tuple[str, Path]]:
    """The example serving a fresh store; yields its URL and the store's file."""
    db = tmp_path / "events.db"
    process = subprocess.Popen(
        [sys.executable, str(ENDPOINT), "--db", str(db), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("listening on http://127.0.0.1:"), process.stderr
        yield ready.split()[-1], db
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
        assert "Traceback" not in err


def post(url: str, body: bytes, content_type: str) -> Tuple[int, Dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _stored_ids(db: Path) -> List[str]:
    with SQLiteEventStore(db, read_only=True) as store:
        return sorted(event.event_id for event in store.load_all_events())


def test_jsonl_post_stores_good_lines_and_reports_bad_ones_as_validate_does(
    server: Tuple[str, Path], tmp_path: Path
) -> None:
    url, db = server
    body = jsonl([GOOD[0], BAD]) + b"{oops\n" + jsonl([GOOD[1]])
    status, answer = post(url, body, "application/x-ndjson")
    assert status == 422
    assert (answer["lines"], answer["stored"], answer["already_stored"]) == (4, 2, 0)
    log = tmp_path / "body.jsonl"
    log.write_bytes(body)
    cli_rows = [
        json.loads(row) for row in run("validate", "--format", "json", str(log)).stdout.splitlines()
    ]
    assert answer["rejected"] == cli_rows[:-1]
    assert _stored_ids(db) == [event_id(1), event_id(2)]


def test_a_json_array_is_judged_item_by_item_and_redelivery_is_safe(
    server: Tuple[str, Path],
) -> None:
    url, db = server
    body = json.dumps([GOOD[0], GOOD[2]]).encode()
    first = post(url, body, "application/json; charset=utf-8")
    assert first == (200, {"lines": 2, "stored": 2, "already_stored": 0, "rejected": []})
    again = post(url, body, "application/json")
    assert again == (200, {"lines": 2, "stored": 0, "already_stored": 2, "rejected": []})
    status, answer = post(url, json.dumps([GOOD[1], 5]).encode(), "application/json")
    assert status == 422
    assert [r["line"] for r in answer["rejected"]] == [2]
    assert _stored_ids(db) == [event_id(1), event_id(2), event_id(3)]


def test_an_event_id_stored_with_other_content_is_reported_by_line(
    server: Tuple[str, Path],
) -> None:
    url, db = server
    assert post(url, jsonl(GOOD[:1]), "text/plain")[0] == 200
    changed = {**GOOD[0], "node_id": "another-node"}
    status, answer = post(url, jsonl([GOOD[1], changed]), "text/plain")
    assert status == 422
    (report,) = answer["rejected"]
    assert (report["line"], report["event_id"]) == (2, event_id(1))
    assert report["problems"][0]["layer"] == "store"
    assert report["problems"][0]["field"] == "event_id"
    assert answer["stored"] == 1
    assert _stored_ids(db) == [event_id(1), event_id(2)]


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "message"),
    [
        ("POST", "/events", b"{not json", "application/json", 400, "the body is not JSON"),
        ("POST", "/events", b'{"a": 1}', "application/json", 400, "must be an array"),
        ("POST", "/events", b"[NaN]", "application/json", 400, "NaN is not JSON"),
        ("POST", "/events", b"[" * 100_000, "application/json", 400, "deep"),
        ("GET", "/events", None, "text/plain", 405, "POST only"),
        ("POST", "/elsewhere", b"", "text/plain", 404, "POST events to /events"),
    ],
)
def test_requests_it_cannot_take_get_a_clear_error(
    server: Tuple[str, Path],
    method: str,
    path: str,
    body: Optional[bytes],
    content_type: str,
    status: int,
    message: str,
) -> None:
    url, db = server
    target = url.rsplit("/events", 1)[0] + path
    request = urllib.request.Request(
        target, data=body, method=method, headers={"Content-Type": content_type}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=60)
    assert caught.value.code == status
    assert message in json.loads(caught.value.read())["error"]
    assert _stored_ids(db) == []


def _private_uses(source: str) -> List[str]:
    """Every import of a private module or name, and every ``._name`` attribute."""
    found: List[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            dotted = [*(node.module or "").split("."), *(alias.name for alias in node.names)]
            found += [f"line {node.lineno}: {part}" for part in dotted if _private(part)]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found += [
                    f"line {node.lineno}: {alias.name}"
                    for p in alias.name.split(".")
                    if _private(p)
                ]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_example_needs_no_private_name_of_the_package() -> None:
    source = ENDPOINT.read_text(encoding="utf-8")
    assert "spec_kitty_events" in source
    assert _private_uses(source) == []


def test_the_private_name_check_catches_each_way_in() -> None:
    sneaky = (
        "from spec_kitty_events._jsonl import iter_lines\n"
        "from spec_kitty_events.jsonl import _byte_lines\n"
        "import spec_kitty_events._logcheck\n"
        "spec_kitty_events.cli._store_source\n"
    )
    assert _private_uses(sneaky) == [
        "line 1: _jsonl",
        "line 2: _byte_lines",
        "line 3: spec_kitty_events._logcheck",
        "line 4: ._store_source",
    ]
