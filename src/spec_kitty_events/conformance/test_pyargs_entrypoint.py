"""The consumer conformance suite: ``pytest --pyargs spec_kitty_events.conformance``.

Run against an installed package, it checks that every bundled fixture gets the verdict the
manifest promises, that the lane mapping is complete, that every schema file is present and is
a valid Draft 2020-12 schema, and that an envelope survives a JSON round trip.
"""

from __future__ import annotations

import datetime
import uuid
from typing import List

import pytest

from spec_kitty_events.conformance import assert_lane_mapping, validate_event
from spec_kitty_events.conformance.loader import (
    ManifestEntry,
    load_replay_stream,
    manifest_entries,
    read_fixture,
)
from spec_kitty_events.models import Event
from spec_kitty_events.schemas import list_schemas, load_schema
from spec_kitty_events.schemas.generate import ENUM_TYPES, PYDANTIC_MODELS
from spec_kitty_events.status import CANONICAL_TO_SYNC_V1, Lane, SyncLaneV1

_LANE_MAPPING = "LaneMapping"


def _regular(entries: List[ManifestEntry], *, lane_mapping: bool) -> List[ManifestEntry]:
    # Replay streams and reducer outputs are not payloads: they have their own checks.
    return [
        e
        for e in entries
        if e.fixture_type is None and (e.event_type == _LANE_MAPPING) == lane_mapping
    ]


_ENTRIES = list(manifest_entries())
_PAYLOAD_CASES = _regular(_ENTRIES, lane_mapping=False)
_LANE_CASES = _regular(_ENTRIES, lane_mapping=True)
_REPLAY_CASES = [e for e in _ENTRIES if e.fixture_type == "replay_stream"]


def _ids(entries: List[ManifestEntry]) -> List[str]:
    return [e.id for e in entries]


@pytest.mark.parametrize("entry", _PAYLOAD_CASES, ids=_ids(_PAYLOAD_CASES))
def test_fixture_conformance(entry: ManifestEntry) -> None:
    result = validate_event(read_fixture(entry), entry.event_type)
    if entry.expected_result == "valid":
        # Schema-only findings are tolerated: the schemas describe the serialised form, so a
        # model-normalised alias such as to_lane "doing" fails them by design.
        lines = "\n".join(f"  Model: {v.field} — {v.message}" for v in result.model_violations)
        assert not result.model_violations, (
            f"Payload for {entry.event_type!r} (fixture {entry.id}) failed model conformance:\n"
            f"{lines}"
        )
    else:
        assert not result.valid, (
            f"Payload for {entry.event_type!r} (fixture {entry.id}) "
            "was expected to fail but passed conformance."
        )


def _is_lane(value: str) -> bool:
    try:
        Lane(value)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("entry", _LANE_CASES, ids=_ids(_LANE_CASES))
def test_lane_mapping_fixture_conformance(entry: ManifestEntry) -> None:
    rows = read_fixture(entry)
    assert isinstance(rows, list), f"fixture {entry.id} must hold a JSON array"
    if entry.expected_result == "valid":
        for row in rows:
            assert_lane_mapping(row["canonical"], row["expected_sync"])
    else:
        assert any(not _is_lane(row["canonical"]) for row in rows), (
            f"fixture {entry.id} lists only valid lanes"
        )


@pytest.mark.parametrize("entry", _REPLAY_CASES, ids=_ids(_REPLAY_CASES))
def test_replay_stream_conformance(entry: ManifestEntry) -> None:
    lines = load_replay_stream(entry.id)
    assert lines, f"replay stream {entry.id} is empty"
    for number, line in enumerate(lines, start=1):
        envelope = validate_event(line, "Event")
        assert envelope.model_valid, f"{entry.id} event {number}: {envelope.model_violations}"
        payload = validate_event(line["payload"], line["event_type"])
        assert payload.model_valid, f"{entry.id} event {number}: {payload.model_violations}"


def test_lane_mapping_v1_completeness() -> None:
    assert set(CANONICAL_TO_SYNC_V1) == set(Lane)


def test_lane_mapping_v1_output_type() -> None:
    assert all(isinstance(value, SyncLaneV1) for value in CANONICAL_TO_SYNC_V1.values())


@pytest.mark.parametrize("lane", list(Lane), ids=[lane.value for lane in Lane])
def test_lane_mapping_v1_each_lane(lane: Lane) -> None:
    assert isinstance(CANONICAL_TO_SYNC_V1[lane], SyncLaneV1)


def test_all_schemas_present() -> None:
    generated = {name for name, _ in PYDANTIC_MODELS} | {name for name, _ in ENUM_TYPES}
    assert len(list_schemas()) >= 11
    assert set(list_schemas()) == generated


@pytest.mark.parametrize("name", list_schemas())
def test_schema_is_valid_json_schema(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"spec-kitty-events/{name}"
    try:
        from jsonschema import Draft202012Validator
    except ImportError:
        return
    Draft202012Validator.check_schema(schema)


def test_event_round_trip() -> None:
    event = Event(
        event_id="01HQZ6G4Y8K3M5N7P9R1S2T3V4",
        event_type="TestEvent",
        aggregate_id="agg-001",
        timestamp=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
        node_id="node-1",
        lamport_clock=1,
        causation_id=None,
        project_uuid=uuid.UUID("550e8400-e29b-41d4-a716-446655440000"),
        project_slug=None,
        correlation_id="01HQZ6G4Y8K3M5N7P9R1CRR001",
    )
    assert Event.model_validate(event.model_dump(mode="json")) == event
