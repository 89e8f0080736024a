"""The typed event schema: an envelope whose payload is checked against its event type's schema.

Its verdicts are compared with the real console script's ``validate`` on every shipped fixture
and replay-stream line, through two JSON Schema implementations (``jsonschema`` and the compiled
``jsonschema_rs``), so a consumer in another language gets the answer the library gives.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.conformance import validate_event
from spec_kitty_events.conformance.loader import (
    load_replay_stream,
    manifest_entries,
    read_fixture,
)
from spec_kitty_events.schemas import list_schemas, load_schema
from spec_kitty_events.schemas.typed_event import (
    SchemaMergeError,
    build_typed_event_schema,
    typed_event_schema,
)
from tests.cli.helpers import run, status_payload
from tests.factory import make_record

# Fixture cases that are not events or payloads: lane-mapping tables and a reducer output.
_NOT_AN_EVENT = {"LaneMapping", "MissionDossierState"}


def _fixture_events() -> List[Tuple[str, Dict[str, Any]]]:
    """Every shipped case as a whole event: payload fixtures wrapped in a valid envelope."""
    cases: List[Tuple[str, Dict[str, Any]]] = []
    for n, entry in enumerate(manifest_entries(), start=1):
        if entry.fixture_type == "replay_stream":
            lines = load_replay_stream(entry.id)
            cases.extend((f"{entry.id}[{i}]", line) for i, line in enumerate(lines))
        elif entry.fixture_type is None and entry.event_type not in _NOT_AN_EVENT:
            content = read_fixture(entry)
            if entry.event_type == "Event":
                cases.append((entry.id, content))
            else:
                cases.append((entry.id, make_record(n, entry.event_type, content)))
    return cases


@pytest.fixture(scope="module")
def schema() -> Dict[str, Any]:
    return typed_event_schema()


@pytest.fixture(scope="module")
def cli_verdicts(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, bool]:
    """``validate --format json`` run once over all cases; True where the line is good."""
    cases = _fixture_events()
    log = tmp_path_factory.mktemp("typed") / "cases.jsonl"
    log.write_text("".join(json.dumps(event) + "\n" for _, event in cases), encoding="utf-8")
    result = run("validate", "--format", "json", str(log))
    assert result.returncode in (0, 1), result.stderr
    bad_lines = {
        json.loads(line)["line"] for line in result.stdout.splitlines() if '"line"' in line
    }
    return {case_id: (n not in bad_lines) for n, (case_id, _) in enumerate(cases, start=1)}


def test_the_cases_hold_both_verdicts(cli_verdicts: Dict[str, bool]) -> None:
    # Agreement on only good (or only bad) events would prove little.
    assert sum(cli_verdicts.values()) >= 40
    assert len(cli_verdicts) - sum(cli_verdicts.values()) >= 15


@pytest.mark.parametrize("engine", ["jsonschema", "jsonschema_rs"])
def test_every_shipped_case_gets_the_verdict_of_validate(
    engine: str, schema: Dict[str, Any], cli_verdicts: Dict[str, bool]
) -> None:
    if engine == "jsonschema":
        is_valid = jsonschema.Draft202012Validator(schema).is_valid
    else:
        is_valid = jsonschema_rs.validator_for(schema).is_valid
    disagreements = {
        case_id: expected
        for case_id, event in _fixture_events()
        if is_valid(event) != (expected := cli_verdicts[case_id])
    }
    assert disagreements == {}


def test_a_lane_that_does_not_exist_is_refused_though_the_envelope_schema_allows_it(
    schema: Dict[str, Any],
) -> None:
    event = make_record(1, "WPStatusChanged", status_payload("WP01", None, "planned"))
    event["payload"]["to_lane"] = "nowhere"
    assert jsonschema.Draft202012Validator(load_schema("event")).is_valid(event)
    assert not jsonschema.Draft202012Validator(schema).is_valid(event)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(event))
    assert any(list(error.absolute_path)[:1] == ["payload"] for error in errors)


def test_an_event_type_this_version_does_not_know_gets_the_envelope_check_only(
    schema: Dict[str, Any],
) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    unknown = make_record(1, "SomethingNew", {"anything": [1, 2, 3]})
    assert validator.is_valid(unknown)
    del unknown["node_id"]
    assert not validator.is_valid(unknown)


def test_the_schema_is_a_valid_draft_2020_12_schema_with_every_reference_inside_it(
    schema: Dict[str, Any],
) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    text = json.dumps(schema)
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/$defs/')[1:]}
    assert refs <= set(schema["$defs"])
    assert '"$ref": "http' not in text


def test_nested_definitions_shared_by_payloads_are_inlined_once() -> None:
    nested = {"type": "object", "properties": {"a": {"type": "string"}}}
    payload = {"$defs": {"Shared": nested}, "properties": {"x": {"$ref": "#/$defs/Shared"}}}
    built = build_typed_event_schema(
        {"type": "object"}, {"A": ("a_payload", payload), "B": ("b_payload", payload)}
    )
    assert set(built["$defs"]) == {"Shared", "a_payload", "b_payload", "event"}
    assert "$defs" not in built["$defs"]["a_payload"]


def test_two_payloads_defining_one_nested_name_differently_are_refused() -> None:
    first = {"$defs": {"Shared": {"type": "string"}}}
    second = copy.deepcopy(first)
    second["$defs"]["Shared"] = {"type": "integer"}
    with pytest.raises(SchemaMergeError, match=r"\$defs/Shared"):
        build_typed_event_schema({}, {"A": ("a", first), "B": ("b", second)})


def test_building_it_leaves_the_committed_schemas_as_they_are(schema: Dict[str, Any]) -> None:
    assert len(list_schemas()) == 52
    assert "typed_event" not in list_schemas()
    schema["$defs"]["event"]["title"] = "changed by a caller"
    assert typed_event_schema()["$defs"]["event"] == {
        k: v for k, v in load_schema("event").items() if k not in ("$schema", "$id")
    }


def test_schemas_export_writes_the_typed_event_schema_beside_the_52(tmp_path: Path) -> None:
    result = run("schemas", "export", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.glob("*.schema.json"))
    assert len(written) == 53
    assert "typed_event.schema.json" in written
    exported = json.loads((tmp_path / "typed_event.schema.json").read_text(encoding="utf-8"))
    event = make_record(1, "WPStatusChanged", status_payload("WP01", None, "planned"))
    assert jsonschema_rs.validator_for(exported).is_valid(event)
    event["payload"]["to_lane"] = "nowhere"
    assert not jsonschema_rs.validator_for(exported).is_valid(event)


_EVIDENCE = {
    "repos": [{"repo": "spec-kitty", "branch": "main", "commit": "abc1234"}],
    "review": {"reviewer": "bob", "verdict": "approved", "reference": "PR#1"},
}
_ABSENT = object()


@functools.lru_cache(maxsize=1)
def _both_engines() -> Tuple[Callable[[Any], bool], ...]:
    schema = typed_event_schema()
    return (
        jsonschema.Draft202012Validator(schema).is_valid,
        jsonschema_rs.validator_for(schema).is_valid,
    )


@st.composite
def status_payloads(draw: st.DrawFn) -> Dict[str, Any]:
    """Status payloads around the two rules the committed schema does not state."""
    payload = status_payload("WP01", None, "planned")
    payload["from_lane"] = draw(st.sampled_from([None, "planned", "for_review", "doing"]))
    payload["to_lane"] = draw(st.sampled_from(["done", "planned", "doing", "blocked"]))
    choices = {
        "force": [_ABSENT, None, True, False, "true", 1],
        "reason": [_ABSENT, None, "", " ", "\t\n", "\u00a0", "why", 7],
        "evidence": [_ABSENT, None, {}, _EVIDENCE, [], "yes"],
    }
    for key, values in choices.items():
        value = draw(st.sampled_from(values))
        if value is not _ABSENT:
            payload[key] = value
    return payload


@settings(max_examples=300, deadline=None)
@given(payload=status_payloads())
def test_generated_status_events_get_the_verdict_of_validate_event(
    payload: Dict[str, Any],
) -> None:
    event = make_record(1, "WPStatusChanged", payload)
    expected = validate_event(payload, "WPStatusChanged").valid
    assert all(is_valid(event) == expected for is_valid in _both_engines())
