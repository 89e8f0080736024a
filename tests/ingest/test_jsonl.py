"""The public line reader judges every line as `spec-kitty-events validate` does."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from spec_kitty_events.conformance import payload_model
from spec_kitty_events.jsonl import (
    GoodLine,
    LineReport,
    LineResult,
    loads,
    read_lines,
    read_values,
    report_text,
)
from spec_kitty_events.status import StatusTransitionPayload
from tests.cli.helpers import GOOD, jsonl, run, status_payload
from tests.factory import event_id, make_event, make_record

BAD_PAYLOAD = make_record(4, "WPStatusChanged", status_payload("WP01", "planned", "nowhere"))
UNKNOWN_TYPE = make_record(5, "SomethingElse", {"x": 1})
MIXED = (
    jsonl(GOOD[:1])
    + b"\n"
    + b"\xff not utf-8\n"
    + b"{broken\n"
    + b"[1]\n"
    + jsonl([BAD_PAYLOAD, {**GOOD[1], "lamport_clock": -1}, UNKNOWN_TYPE, GOOD[2]])
)


def _verdicts(results: List[LineResult]) -> List[Dict[str, Any]]:
    return [
        {"line": r.line, "event_id": r.event.event_id} if isinstance(r, GoodLine) else r.as_json()
        for r in results
    ]


def test_the_reader_reports_the_lines_validate_reports(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(MIXED)
    results = list(read_lines(path))
    cli_rows = [
        json.loads(row)
        for row in run("validate", "--format", "json", str(path)).stdout.splitlines()
    ]
    assert [r.as_json() for r in results if isinstance(r, LineReport)] == cli_rows[:-1]
    good = [(r.line, r.event.event_id) for r in results if isinstance(r, GoodLine)]
    assert good == [(1, event_id(1)), (8, event_id(5)), (9, event_id(3))]


@pytest.mark.parametrize(
    "as_source",
    [
        lambda path: str(path),
        lambda path: path,
        lambda path: path.read_bytes(),
        lambda path: io.BytesIO(path.read_bytes()),
        lambda path: path.read_bytes().splitlines(keepends=True),
        lambda path: io.StringIO(path.read_bytes().decode("utf-8", "replace")),
    ],
    ids=["str path", "Path", "bytes", "binary file", "byte lines", "text file"],
)
def test_every_kind_of_source_gives_the_same_good_lines(tmp_path: Path, as_source: Any) -> None:
    path = tmp_path / "good.jsonl"
    path.write_bytes(jsonl(GOOD) + b"\n" + jsonl([BAD_PAYLOAD]))
    results = list(read_lines(as_source(path)))
    assert _verdicts(results)[:3] == [{"line": n, "event_id": event_id(n)} for n in (1, 2, 3)]
    assert isinstance(results[3], LineReport)
    assert results[3].line == 5


def test_strict_types_and_envelope_only_change_what_is_a_problem() -> None:
    body = jsonl([UNKNOWN_TYPE, BAD_PAYLOAD])
    lenient = list(read_lines(body))
    assert isinstance(lenient[0], GoodLine)
    assert isinstance(lenient[1], LineReport)
    strict = list(read_lines(body, strict_types=True))
    assert isinstance(strict[0], LineReport)
    assert strict[0].problems[0].field == "event_type"
    envelope_only = list(read_lines(body, check_payloads=False))
    assert all(isinstance(r, GoodLine) for r in envelope_only)
    broken = list(read_lines(b"{oops\n", check_payloads=False))
    assert isinstance(broken[0], LineReport)
    assert broken[0].problems[0].layer == "json"


def test_decoded_values_are_numbered_from_one_and_judged_alike() -> None:
    results = list(read_values([GOOD[0], "text", BAD_PAYLOAD]))
    assert isinstance(results[0], GoodLine)
    assert results[0].event == make_event(1, "WPStatusChanged", GOOD[0]["payload"])
    assert [r.line for r in results] == [1, 2, 3]
    assert isinstance(results[1], LineReport)
    assert results[1].problems[0].message == "line is a JSON string, not an object"
    assert isinstance(results[2], LineReport)
    assert results[2].problems[0].field == "payload.to_lane"


def test_a_report_reads_as_the_command_line_prints_it() -> None:
    (report,) = list(read_lines(jsonl([BAD_PAYLOAD])))
    assert isinstance(report, LineReport)
    (text,) = report_text(report)
    assert text.startswith(f"line 1 (event {event_id(4)}, WPStatusChanged): payload.to_lane: ")


def test_payload_model_maps_event_types_to_the_models_validate_event_uses() -> None:
    assert payload_model("WPStatusChanged") is StatusTransitionPayload
    assert payload_model("SomethingElse") is None
    assert payload_model("Event") is None  # the envelope, not an event type
    model = payload_model("MissionDossierArtifactIndexed")
    assert model is not None
    assert model.__name__ == "MissionDossierArtifactIndexedPayload"


def test_loads_reads_a_body_and_refuses_what_json_has_no_form_for() -> None:
    assert loads(b'[{"a": 1}, "\\u00e9"]') == [{"a": 1}, "\u00e9"]
    with pytest.raises(ValueError, match="NaN is not JSON"):
        loads("[NaN]")
    with pytest.raises(ValueError, match="digits"):
        loads("[" + "9" * 5000 + "]")
    with pytest.raises(ValueError, match="deep"):
        loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="Expecting value"):
        loads("[1,]")


def test_values_nested_past_the_limit_are_reported_by_field() -> None:
    deep: Any = "bottom"
    for _ in range(80):
        deep = [deep]
    (report,) = list(read_values([{**GOOD[0], "payload": {**GOOD[0]["payload"], "x": deep}}]))
    assert isinstance(report, LineReport)
    assert report.problems[0].field.startswith("payload.x")
