"""The envelope, identifiers, error entries, conflict results and exceptions."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pydantic
import pytest

from spec_kitty_events import models
from spec_kitty_events.models import (
    _EVENT_ID_PATTERN,
    _ULID_RE,
    _UUID_BARE_RE,
    _UUID_HYPHEN_RE,
    ConflictResolution,
    CyclicDependencyError,
    ErrorEntry,
    Event,
    SpecKittyEventsError,
    StorageError,
    ValidationError,
    normalize_event_id,
    utc_timestamp,
)
from tests.factory import BASE_TIME, PROJECT, ULID_A, ULID_B, envelope, make_event

UUID_HYPHENATED = "0f8fad5b-d9cb-469f-a165-70867728950e"
UUID_BARE_UPPER = "0F8FAD5BD9CB469FA16570867728950E"
SRC = Path(__file__).resolve().parents[2] / "src"


def errors_of(raised: pytest.ExceptionInfo[pydantic.ValidationError]) -> list[tuple[str, str]]:
    """(field path, error type) of every pydantic error."""
    return [(".".join(map(str, e["loc"])), e["type"]) for e in raised.value.errors()]


def rejected(**overrides: Any) -> pytest.ExceptionInfo[pydantic.ValidationError]:
    with pytest.raises(pydantic.ValidationError) as raised:
        Event(**envelope(**overrides))
    return raised


# --- private constants -------------------------------------------------------------------------


def test_event_id_pattern_is_the_published_string() -> None:
    assert _EVENT_ID_PATTERN == (
        "^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$|^[0-9a-fA-F]{32}$|"
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )


def test_regexes_are_anchored_and_case_insensitive() -> None:
    assert _ULID_RE.match(ULID_A.lower())
    assert not _ULID_RE.match(ULID_A + "0")
    assert not _ULID_RE.match("I" * 26)
    assert _UUID_HYPHEN_RE.match(UUID_HYPHENATED.upper())
    assert not _UUID_HYPHEN_RE.match(UUID_HYPHENATED + "0")
    assert _UUID_BARE_RE.match(UUID_BARE_UPPER)
    assert not _UUID_BARE_RE.match(UUID_BARE_UPPER[:-1] + "G")


# --- normalize_event_id ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (ULID_A, ULID_A),
        (ULID_A.lower(), ULID_A),
        ("01arZ3ndEKTSV4rrffq69g5fav", ULID_A),
        ("ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"),
        ("12345678901234567890123456", "12345678901234567890123456"),
        (UUID_HYPHENATED.upper(), UUID_HYPHENATED),
        (UUID_HYPHENATED, UUID_HYPHENATED),
        (UUID_BARE_UPPER, UUID_HYPHENATED),
        ("0" * 32, "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_ids_normalize_to_one_canonical_spelling(raw: str, canonical: str) -> None:
    assert normalize_event_id(raw) == canonical
    assert normalize_event_id(canonical) == canonical


def test_string_subclasses_are_accepted() -> None:
    class Tagged(str):
        pass

    assert normalize_event_id(Tagged(ULID_A.lower())) == ULID_A


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(5, "int"), (1.5, "float"), (True, "bool"), (None, "NoneType"), ([ULID_A], "list")],
)
def test_non_strings_raise_value_error_naming_the_type(value: object, type_name: str) -> None:
    with pytest.raises(ValueError, match="must be a string") as raised:
        normalize_event_id(value)
    assert str(raised.value) == f"event_id must be a string; got {type_name}"


@pytest.mark.parametrize("letter", ["I", "L", "O", "U", "i", "-", "!"])
def test_26_chars_outside_crockford_are_rejected(letter: str) -> None:
    bad = ULID_A[:-1] + letter
    with pytest.raises(ValueError, match="Crockford base32") as raised:
        normalize_event_id(bad)
    assert str(raised.value) == (
        "26-char event_id must be valid Crockford base32 "
        f"(chars I, L, O, U are not allowed); got {bad!r}"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "short",
        " " + ULID_A,
        ULID_A + "\n",
        UUID_HYPHENATED[:-1] + "g",
        UUID_HYPHENATED.replace("-", "_"),
        UUID_BARE_UPPER[:-1] + "Z",
        "0" * 37,
    ],
)
def test_other_lengths_and_near_miss_uuids_get_the_length_message(bad: str) -> None:
    with pytest.raises(ValueError, match=r"got \d+ chars") as raised:
        normalize_event_id(bad)
    assert str(raised.value) == (
        "event_id must be 26-char ULID (Crockford base32), 36-char UUID, or 32-char hex UUID; "
        f"got {len(bad)} chars"
    )


# --- Event: construction and normalization -----------------------------------------------------


def test_minimal_event_takes_the_documented_defaults() -> None:
    event = Event(**envelope())
    assert event.payload == {}
    assert event.causation_id is None
    assert event.project_slug is None
    assert event.schema_version == "1.0.0"
    assert event.data_tier == 0


def test_default_payloads_are_not_shared() -> None:
    first, second = Event(**envelope()), Event(**envelope())
    assert first.payload is not second.payload


@pytest.mark.parametrize(
    "field",
    [
        "event_id",
        "event_type",
        "aggregate_id",
        "timestamp",
        "node_id",
        "lamport_clock",
        "project_uuid",
        "correlation_id",
    ],
)
def test_each_required_field_is_reported_missing(field: str) -> None:
    values = envelope()
    del values[field]
    with pytest.raises(pydantic.ValidationError) as raised:
        Event(**values)
    assert errors_of(raised) == [(field, "missing")]


@pytest.mark.parametrize("field", ["event_id", "causation_id", "correlation_id"])
def test_identifier_fields_are_normalized(field: str) -> None:
    event = Event(**envelope(**{field: UUID_BARE_UPPER}))
    assert getattr(event, field) == UUID_HYPHENATED


def test_spellings_of_one_id_build_equal_events() -> None:
    assert Event(**envelope(event_id=UUID_BARE_UPPER)) == Event(
        **envelope(event_id=UUID_HYPHENATED.upper())
    )


def test_event_id_errors_keep_their_published_messages() -> None:
    raised = rejected(event_id=42)
    assert errors_of(raised) == [("event_id", "value_error")]
    assert raised.value.errors()[0]["msg"] == "Value error, event_id must be a string; got int"
    bad = "0" * 36
    message = rejected(event_id=bad).value.errors()[0]["msg"]
    assert message == (
        "Value error, event_id must be 26-char ULID (Crockford base32), 36-char UUID, "
        "or 32-char hex UUID; got 36 chars"
    )


@pytest.mark.parametrize("field", ["causation_id", "correlation_id"])
def test_other_id_fields_name_themselves_in_errors(field: str) -> None:
    not_string = rejected(**{field: 7}).value.errors()[0]
    assert not_string["loc"] == (field,)
    assert not_string["msg"] == f"Value error, {field} must be a string; got int"
    crockford = rejected(**{field: "U" * 26}).value.errors()[0]["msg"]
    assert f"26-char {field} must be valid Crockford base32" in crockford


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("g" * 36, "(not a hyphenated 8-4-4-4-12 hex UUID)"),
        ("g" * 32, "(not 32 hexadecimal digits)"),
        ("g" * 30, "got 30 chars"),
    ],
)
def test_other_id_fields_explain_near_miss_uuids(bad: str, reason: str) -> None:
    message = rejected(correlation_id=bad).value.errors()[0]["msg"]
    assert message.startswith("Value error, correlation_id must be 26-char ULID")
    assert message.endswith(reason)


def test_none_ids() -> None:
    assert Event(**envelope(causation_id=None)).causation_id is None
    assert errors_of(rejected(event_id=None)) == [("event_id", "string_type")]
    assert errors_of(rejected(correlation_id=None)) == [("correlation_id", "string_type")]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [(5, 5), (5.0, 5), ("7", 7), (True, 1), (10**30, 10**30), (0, 0)],
)
def test_lamport_clock_lax_coercions(raw: object, stored: int) -> None:
    assert Event(**envelope(lamport_clock=raw)).lamport_clock == stored


@pytest.mark.parametrize(
    ("raw", "error_type"),
    [(5.5, "int_from_float"), ("x", "int_parsing"), (-1, "greater_than_equal")],
)
def test_lamport_clock_rejections(raw: object, error_type: str) -> None:
    assert errors_of(rejected(lamport_clock=raw)) == [("lamport_clock", error_type)]


@pytest.mark.parametrize(
    ("raw", "error_type"),
    [
        (5, "less_than_equal"),
        (-1, "greater_than_equal"),
        ("high", "int_parsing"),
        (None, "int_type"),
    ],
)
def test_data_tier_rejections(raw: object, error_type: str) -> None:
    assert errors_of(rejected(data_tier=raw)) == [("data_tier", error_type)]


@pytest.mark.parametrize("tier", [0, 4, "3"])
def test_data_tier_accepts_zero_to_four(tier: object) -> None:
    assert Event(**envelope(data_tier=tier)).data_tier == int(str(tier))


def test_timestamps_are_kept_as_given() -> None:
    naive = datetime(2026, 1, 15, 10, 0)
    assert Event(**envelope(timestamp=naive)).timestamp.tzinfo is None
    z = Event(**envelope(timestamp="2026-01-15T10:00:00Z")).timestamp
    assert z == BASE_TIME
    assert z.utcoffset() == timedelta(0)
    plus_two = Event(**envelope(timestamp="2026-01-15T12:00:00+02:00")).timestamp
    assert plus_two.utcoffset() == timedelta(hours=2)
    assert Event(**envelope(timestamp="2026-01-15T10:00:00")).timestamp == naive


def test_date_only_and_unix_timestamps() -> None:
    assert Event(**envelope(timestamp="2026-01-15")).timestamp == datetime(2026, 1, 15)
    seconds = Event(**envelope(timestamp=1700000000)).timestamp
    millis = Event(**envelope(timestamp=1700000000000)).timestamp
    assert seconds == millis == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "raw",
    [
        PROJECT,
        str(PROJECT),
        str(PROJECT).upper(),
        PROJECT.hex,
        "{" + str(PROJECT) + "}",
        "urn:uuid:" + str(PROJECT),
        PROJECT.bytes,
    ],
)
def test_project_uuid_spellings(raw: object) -> None:
    assert Event(**envelope(project_uuid=raw)).project_uuid == PROJECT


@pytest.mark.parametrize(
    ("raw", "error_type"), [("", "uuid_parsing"), ("not-a-uuid", "uuid_parsing"), (5, "uuid_type")]
)
def test_project_uuid_rejections(raw: object, error_type: str) -> None:
    assert errors_of(rejected(project_uuid=raw)) == [("project_uuid", error_type)]


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-rc1", " 1.0.0", "1.0.0\n", "x.y.z"])
def test_schema_version_must_be_bare_semver(version: str) -> None:
    assert errors_of(rejected(schema_version=version)) == [
        ("schema_version", "string_pattern_mismatch")
    ]


def test_schema_version_with_leading_zero_is_accepted() -> None:
    assert Event(**envelope(schema_version="01.2.3")).schema_version == "01.2.3"


@pytest.mark.parametrize("field", ["event_type", "aggregate_id", "node_id"])
def test_text_fields_must_be_non_empty(field: str) -> None:
    assert errors_of(rejected(**{field: ""})) == [(field, "string_too_short")]
    assert getattr(Event(**envelope(**{field: "  "})), field) == "  "


def test_project_slug_accepts_any_string_but_not_int() -> None:
    assert Event(**envelope(project_slug="")).project_slug == ""
    assert errors_of(rejected(project_slug=5)) == [("project_slug", "string_type")]


def test_payload_shape_rules() -> None:
    assert errors_of(rejected(payload=None)) == [("payload", "dict_type")]
    assert errors_of(rejected(payload=[1])) == [("payload", "dict_type")]
    assert errors_of(rejected(payload={1: "x"})) == [("payload.1.[key]", "string_type")]


def test_payload_values_are_not_converted() -> None:
    marker = object()
    payload = {"tags": {"a", "b"}, "frozen": frozenset({1}), "object": marker}
    event = Event(**envelope(payload=payload))
    assert event.payload["tags"] == {"a", "b"}
    assert type(event.payload["tags"]) is set
    assert type(event.payload["frozen"]) is frozenset
    assert event.payload["object"] is marker


def test_unknown_keys_are_ignored() -> None:
    event = Event(**envelope(surprise="x"))
    assert "surprise" not in event.model_dump()
    assert not hasattr(event, "surprise")


# --- payload detachment ------------------------------------------------------------------------


def test_mutating_the_callers_payload_does_not_change_the_event() -> None:
    payload: dict[str, Any] = {"list": [1, {"deep": 1}], "pair": ([1],), "tags": {"a"}}
    event = Event(**envelope(payload=payload))
    payload["list"][1]["deep"] = 2
    payload["list"].append(3)
    payload["pair"][0].append(2)
    payload["tags"].add("b")
    payload["new"] = True
    assert event.payload == {"list": [1, {"deep": 1}], "pair": ([1],), "tags": {"a"}}


def test_container_subclasses_are_kept_as_given() -> None:
    class Ordered(dict[str, int]):
        pass

    inner = Ordered(a=1)
    event = Event(**envelope(payload={"inner": inner}))
    assert event.payload["inner"] is inner


def test_json_input_builds_an_equal_event() -> None:
    original = make_event(payload={"list": [1, 2], "nested": {"x": None}})
    assert Event.model_validate_json(original.model_dump_json()) == original


# --- Event: methods ----------------------------------------------------------------------------


def test_repr_is_the_short_form() -> None:
    event = Event(**envelope(event_id=ULID_A, lamport_clock=7))
    assert repr(event) == (
        "Event(event_id=01ARZ3ND..., type=WPStatusChanged, aggregate=WP01, "
        "project=6f1c2d3e..., lamport=7)"
    )


def test_str_keeps_the_pydantic_field_listing() -> None:
    text = str(Event(**envelope()))
    assert text.startswith(f"event_id='{ULID_A}' event_type='WPStatusChanged'")
    assert "data_tier=0" in text


def test_to_dict_keeps_python_types_and_field_order() -> None:
    data = Event(**envelope()).to_dict()
    assert list(data) == [
        "event_id",
        "event_type",
        "aggregate_id",
        "payload",
        "timestamp",
        "node_id",
        "lamport_clock",
        "causation_id",
        "project_uuid",
        "project_slug",
        "correlation_id",
        "schema_version",
        "data_tier",
    ]
    assert data["timestamp"] == BASE_TIME
    assert data["project_uuid"] == PROJECT
    assert data["causation_id"] is None
    assert data["project_slug"] is None


def test_from_dict_validates_normalizes_and_round_trips() -> None:
    event = Event.from_dict(envelope(event_id=ULID_A.lower(), extra="ignored"))
    assert event.event_id == ULID_A
    assert Event.from_dict(event.to_dict()) == event
    with pytest.raises(pydantic.ValidationError):
        Event.from_dict(envelope(lamport_clock=-1))


def test_json_rendering() -> None:
    plus_two = timezone(timedelta(hours=2))
    cases = [
        (BASE_TIME, "2026-01-15T10:00:00Z"),
        (datetime(2026, 1, 15, 10, 0), "2026-01-15T10:00:00"),
        (datetime(2026, 1, 15, 12, 0, tzinfo=plus_two), "2026-01-15T12:00:00+02:00"),
    ]
    for stamp, text in cases:
        dumped = Event(**envelope(timestamp=stamp, payload={"s": {1}})).model_dump(mode="json")
        assert dumped["timestamp"] == text
        assert dumped["project_uuid"] == str(PROJECT)
        assert dumped["payload"] == {"s": [1]}


# --- immutability, equality, hashing -----------------------------------------------------------


def test_fields_cannot_be_assigned_or_deleted() -> None:
    event = make_event()
    with pytest.raises(pydantic.ValidationError) as raised:
        event.lamport_clock = 2  # type: ignore[misc]
    assert raised.value.errors()[0]["type"] == "frozen_instance"
    with pytest.raises(pydantic.ValidationError):
        del event.node_id


def test_equality_is_field_wise_and_class_strict() -> None:
    class Special(Event):
        pass

    assert Event(**envelope()) == Event(**envelope(schema_version="1.0.0"))
    assert Event(**envelope()) != Event(**envelope(lamport_clock=2))
    assert Special(**envelope()) != Event(**envelope())
    assert Event(**envelope()) != envelope()  # type: ignore[comparison-overlap]


def test_events_hash_by_id_and_work_in_sets() -> None:
    event = make_event(payload={"tags": {"a"}, "nested": [{"x": 1}]})
    twin = Event(**event.to_dict())
    same_id_other_content = event.model_copy(update={"lamport_clock": 99})
    assert hash(event) == hash(twin) == hash(event.event_id)
    assert {event, twin} == {event}
    assert len({event, same_id_other_content}) == 2


def test_subclasses_inherit_the_id_hash() -> None:
    class Special(Event):
        pass

    special = Special(**envelope())
    assert hash(special) == hash(ULID_A)


def test_model_copy_bypasses_validation() -> None:
    copied = make_event().model_copy(update={"lamport_clock": -5})
    assert copied.lamport_clock == -5


# --- JSON schema facts --------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return Event.model_json_schema(mode="serialization")


def test_schema_modes_agree(schema: dict[str, Any]) -> None:
    assert Event.model_json_schema(mode="validation") == schema


def test_schema_titles_and_required_order(schema: dict[str, Any]) -> None:
    assert schema["title"] == "Event"
    assert schema["type"] == "object"
    assert "additionalProperties" not in schema
    assert schema["required"] == [
        "event_id",
        "event_type",
        "aggregate_id",
        "timestamp",
        "node_id",
        "lamport_clock",
        "project_uuid",
        "correlation_id",
    ]
    titles = {name: prop["title"] for name, prop in schema["properties"].items()}
    assert titles["event_id"] == "Event Id"
    assert titles["data_tier"] == "Data Tier"
    assert titles["project_uuid"] == "Project Uuid"
    assert list(schema["properties"]) == list(Event.model_fields)


@pytest.mark.parametrize("field", ["event_id", "correlation_id"])
def test_schema_required_ids_carry_the_pattern(schema: dict[str, Any], field: str) -> None:
    prop = schema["properties"][field]
    assert prop["type"] == "string"
    assert (prop["minLength"], prop["maxLength"]) == (26, 36)
    assert prop["pattern"] == _EVENT_ID_PATTERN


def test_schema_causation_pattern_sits_beside_any_of(schema: dict[str, Any]) -> None:
    prop = schema["properties"]["causation_id"]
    assert prop["anyOf"] == [
        {"type": "string", "minLength": 26, "maxLength": 36},
        {"type": "null"},
    ]
    assert prop["pattern"] == _EVENT_ID_PATTERN
    assert prop["default"] is None


def test_schema_other_fields(schema: dict[str, Any]) -> None:
    props = schema["properties"]
    assert (props["payload"]["type"], props["payload"]["additionalProperties"]) == ("object", True)
    assert props["timestamp"]["format"] == "date-time"
    assert props["project_uuid"]["format"] == "uuid"
    assert props["lamport_clock"]["minimum"] == 0
    assert "maximum" not in props["lamport_clock"]
    tier = props["data_tier"]
    assert (tier["minimum"], tier["maximum"], tier["default"]) == (0, 4, 0)
    version = props["schema_version"]
    assert (version["pattern"], version["default"]) == (r"^\d+\.\d+\.\d+$", "1.0.0")
    assert props["project_slug"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert props["project_slug"]["default"] is None
    for name in ("event_type", "aggregate_id", "node_id"):
        assert props[name]["minLength"] == 1


def test_schema_pattern_accepts_what_the_model_accepts(schema: dict[str, Any]) -> None:
    import re

    pattern = re.compile(schema["properties"]["event_id"]["pattern"])
    for good in (ULID_A, ULID_A.lower(), UUID_HYPHENATED, UUID_BARE_UPPER):
        assert pattern.search(good)
    for bad in ("I" * 26, "g" * 32, UUID_HYPHENATED[:-1]):
        assert not pattern.search(bad)


# --- utc_timestamp -----------------------------------------------------------------------------


def test_utc_timestamp_makes_naive_and_offset_values_comparable() -> None:
    naive = make_event(timestamp=datetime(2026, 1, 15, 10, 0))
    offset = make_event(timestamp="2026-01-15T12:00:00+02:00")
    assert utc_timestamp(naive) == utc_timestamp(offset) == BASE_TIME
    assert utc_timestamp(offset).tzinfo is timezone.utc
    assert offset.timestamp.utcoffset() == timedelta(hours=2)


# --- ErrorEntry --------------------------------------------------------------------------------


def test_error_entry_defaults_and_repr() -> None:
    entry = ErrorEntry(
        timestamp=BASE_TIME,
        action_attempted="Synchronise the mission dossier with the SaaS",
        error_message="timeout",
    )
    assert (entry.resolution, entry.agent) == ("", "unknown")
    assert repr(entry) == (
        "ErrorEntry(timestamp=2026-01-15T10:00:00+00:00, "
        "action=Synchronise the mission dossie..., agent=unknown)"
    )


def test_error_entry_short_action_still_gets_the_ellipsis() -> None:
    entry = ErrorEntry(timestamp=date(2026, 1, 15), action_attempted="a", error_message="b")
    assert repr(entry) == "ErrorEntry(timestamp=2026-01-15T00:00:00, action=a..., agent=unknown)"


@pytest.mark.parametrize("field", ["action_attempted", "error_message"])
def test_error_entry_text_must_be_non_empty(field: str) -> None:
    values = {"timestamp": BASE_TIME, "action_attempted": "a", "error_message": "b", field: ""}
    with pytest.raises(pydantic.ValidationError) as raised:
        ErrorEntry(**values)
    assert errors_of(raised) == [(field, "string_too_short")]


def test_error_entry_assignments_are_validated() -> None:
    entry = ErrorEntry(timestamp=BASE_TIME, action_attempted="a", error_message="b")
    entry.agent = "claude"
    assert entry.agent == "claude"
    with pytest.raises(pydantic.ValidationError) as raised:
        entry.agent = 5  # type: ignore[assignment]
    assert errors_of(raised) == [("agent", "string_type")]
    with pytest.raises(pydantic.ValidationError):
        entry.action_attempted = ""


def test_error_entry_ignores_extra_keys_and_is_unhashable() -> None:
    entry = ErrorEntry(timestamp=BASE_TIME, action_attempted="a", error_message="b", other=1)
    assert "other" not in entry.model_dump()
    with pytest.raises(TypeError):
        hash(entry)


# --- ConflictResolution ------------------------------------------------------------------------


def test_conflict_resolution_is_a_plain_dataclass() -> None:
    assert [f.name for f in dataclasses.fields(ConflictResolution)] == [
        "merged_event",
        "resolution_note",
        "requires_manual_review",
        "conflicting_events",
    ]
    assert ConflictResolution.__hash__ is None
    winner, loser = make_event(event_id=ULID_A), make_event(event_id=ULID_B)
    result = ConflictResolution(winner, "note", False, [winner, loser])
    assert result == ConflictResolution(winner, "note", False, [winner, loser])
    assert repr(result) == (
        "ConflictResolution(merged=01ARZ3ND..., conflicts=2, manual_review=False)"
    )
    result.requires_manual_review = True
    assert result.requires_manual_review


# --- exceptions and module identity ------------------------------------------------------------


def test_exception_hierarchy() -> None:
    assert SpecKittyEventsError.__bases__ == (Exception,)
    for cls in (StorageError, ValidationError, CyclicDependencyError):
        assert cls.__bases__ == (SpecKittyEventsError,)
        assert str(cls("why")) == "why"
    assert not issubclass(ValidationError, ValueError)
    assert ValidationError is not pydantic.ValidationError  # type: ignore[comparison-overlap]


def test_public_names_report_the_models_module() -> None:
    for obj in (
        Event,
        ErrorEntry,
        ConflictResolution,
        normalize_event_id,
        SpecKittyEventsError,
        StorageError,
        ValidationError,
        CyclicDependencyError,
    ):
        assert obj.__module__ == "spec_kitty_events.models"
    assert models.Event is Event


def test_models_imports_in_a_fresh_interpreter() -> None:
    code = (
        "from spec_kitty_events.models import Event, ErrorEntry, ConflictResolution, "
        "normalize_event_id, SpecKittyEventsError, StorageError, ValidationError, "
        "CyclicDependencyError; print(normalize_event_id('" + UUID_BARE_UPPER + "'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC)},
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == UUID_HYPHENATED


def test_project_uuid_is_stored_as_uuid() -> None:
    assert isinstance(Event(**envelope(project_uuid=str(PROJECT))).project_uuid, uuid.UUID)


def test_schema_dump_is_json_serializable(schema: dict[str, Any]) -> None:
    text = json.dumps(schema, indent=2, sort_keys=True)
    assert json.loads(text) == schema
