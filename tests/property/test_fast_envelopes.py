"""The fast envelope path builds exactly the event pydantic builds, or leaves the line to it.

Lines are generated around the edges of what the envelope accepts: every id spelling, every
timestamp form pydantic parses or refuses, values of the wrong JSON type, absent optional
fields, unknown keys.  Whatever the fast path builds must be what ``Event.model_validate``
builds from the same line, down to the type of each value and pydantic's record of which
fields were given.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events import _envelope
from spec_kitty_events._envelope import fast_event
from spec_kitty_events._json import FRESH_JSON
from spec_kitty_events.models import Event
from tests.factory import make_event

IDS = st.sampled_from(
    [
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "01arz3ndektsv4rrffq69g5fav",
        "01ArZ3NdEkTsV4RrFfQ69G5fAv",
        "01ARZ3NDEKTSV4RRFFQ69G5FAI",  # I is not Crockford base32
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",  # wider than 128 bits, accepted
        "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "6F1C2D3E-4A5B-4C6D-8E7F-9A0B1C2D3E4F",
        "6f1c2d3e4a5b4c6d8e7f9a0b1c2d3e4f",
        "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4g",
        "{6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f}",
        "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f\n",
        "short",
        "",
        12345678901234567890123456,
        None,
        True,
    ]
)
TEXTS = st.one_of(
    st.sampled_from(["", "x", "WPStatusChanged", " ", "\u00e9t\u00e9", "a\nb"]),
    st.text(max_size=5),
    st.sampled_from([0, 1.5, None, True, ["x"], {"x": 1}]),
)
TIMESTAMPS = st.sampled_from(
    [
        "2026-02-21T14:00:00Z",
        "2026-02-21T14:00:00+00:00",
        "2026-02-21T14:00:00.5+05:30",
        "2026-02-21T14:00:00.123456789Z",
        "2026-02-21T14:00:00-00:00",
        "2026-02-21T14:00:00",
        "2026-02-21 14:00:00Z",
        "2026-02-21t14:00:00z",
        "2026-02-21",
        "2026-02-30T14:00:00Z",
        "2026-02-21T24:00:00Z",
        "2026-02-21T14:00:60Z",
        "20260221T140000Z",
        "1771682400",
        "not a time",
        "",
        1771682400,
        1771682400.25,
        -1,
        10**12,
        10**20,
        True,
        None,
        ["2026-02-21T14:00:00Z"],
    ]
)
CLOCKS = st.one_of(
    st.integers(min_value=-3, max_value=2**70),
    st.sampled_from([True, False, 1.0, 2.5, "7", None, 10**4299]),
)
PROJECTS = st.sampled_from(
    [
        "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "6F1C2D3E-4A5B-4C6D-8E7F-9A0B1C2D3E4F",
        "6f1c2d3e4a5b4c6d8e7f9a0b1c2d3e4f",
        "{6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f}",
        "urn:uuid:6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4",
        "00000000-0000-0000-0000-000000000000",
        "",
        42,
        None,
    ]
)
VERSIONS = st.sampled_from(
    ["1.0.0", "2.10.300", "1.0", "1.0.0-beta", "v1.0.0", "\u0661.\u0660.\u0660", "1.0.0\n", 1, None]
)
TIERS = st.sampled_from([0, 1, 4, 5, -1, True, 2.0, "1", None])
PAYLOADS = st.one_of(
    st.dictionaries(
        st.text(max_size=4),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=4),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
            max_leaves=6,
        ),
        max_size=3,
    ),
    st.sampled_from([[], "payload", None, 3]),
)

VALID: Dict[str, st.SearchStrategy[Any]] = {
    "event_id": st.sampled_from(
        [
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "01arz3ndektsv4rrffq69g5fav",
            "6f1c2d3e4a5b4c6d8e7f9a0b1c2d3e4f",
        ]
    ),
    "event_type": st.text(min_size=1, max_size=5),
    "aggregate_id": st.text(min_size=1, max_size=5),
    "payload": st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3)),
    "timestamp": st.sampled_from(
        ["2026-02-21T14:00:00Z", "2026-02-21T14:00:00.5+05:30", "2026-02-21T14:00:00", 1771682400]
    ),
    "node_id": st.text(min_size=1, max_size=5),
    "lamport_clock": st.integers(min_value=0, max_value=2**64),
    "causation_id": st.sampled_from([None, "01BX5ZZKBKACTAV9WEVGEMMVRZ"]),
    "project_uuid": st.sampled_from(
        ["6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "6F1C2D3E4A5B4C6D8E7F9A0B1C2D3E4F"]
    ),
    "project_slug": st.sampled_from([None, "demo"]),
    "correlation_id": st.sampled_from(["01BX5ZZKBKACTAV9WEVGEMMVRZ"]),
    "schema_version": st.sampled_from(["1.0.0", "2.10.300"]),
    "data_tier": st.integers(min_value=0, max_value=4),
}
EDGES: Dict[str, st.SearchStrategy[Any]] = {
    "event_id": IDS,
    "event_type": TEXTS,
    "aggregate_id": TEXTS,
    "payload": PAYLOADS,
    "timestamp": TIMESTAMPS,
    "node_id": TEXTS,
    "lamport_clock": CLOCKS,
    "causation_id": IDS,
    "project_uuid": PROJECTS,
    "project_slug": TEXTS,
    "correlation_id": IDS,
    "schema_version": VERSIONS,
    "data_tier": TIERS,
}


@st.composite
def lines(draw: st.DrawFn) -> Dict[str, Any]:
    """A decoded log line: a valid envelope with up to three fields replaced by edge values,
    up to three fields dropped, and sometimes an unknown key."""
    line = {field: draw(strategy) for field, strategy in VALID.items()}
    for field in draw(st.sets(st.sampled_from(sorted(EDGES)), max_size=3)):
        line[field] = draw(EDGES[field])
    for field in draw(st.sets(st.sampled_from(sorted(line)), max_size=3)):
        del line[field]
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        line["extra"] = draw(TEXTS)
    return line


def _validated(line: Dict[str, Any]) -> Event | None:
    try:
        return Event.model_validate(copy.deepcopy(line), context=FRESH_JSON)
    except PydanticValidationError:
        return None


def _same_event(fast: Event, slow: Event) -> None:
    assert fast == slow
    assert fast.__dict__ == slow.__dict__
    assert fast.__pydantic_fields_set__ == slow.__pydantic_fields_set__
    assert fast.model_dump_json() == slow.model_dump_json()
    for name in Event.model_fields:
        assert type(getattr(fast, name)) is type(getattr(slow, name)), name
    assert fast.timestamp.isoformat() == slow.timestamp.isoformat()
    assert type(fast.timestamp.tzinfo) is type(slow.timestamp.tzinfo)


def test_the_fast_path_is_on_for_this_envelope() -> None:
    # Off means Event changed shape without this path being updated: update EXPECTED_SHAPE
    # and the checks in _envelope together.
    assert _envelope.ENABLED
    assert _envelope.model_shape() == _envelope.EXPECTED_SHAPE


def test_a_changed_envelope_switches_the_fast_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    fields, validators, config = _envelope.EXPECTED_SHAPE
    monkeypatch.setattr(_envelope, "EXPECTED_SHAPE", (fields[:-1], validators, config))
    assert not _envelope._self_check()


@settings(max_examples=1500, deadline=None)
@given(lines())
def test_whatever_the_fast_path_builds_pydantic_builds_identically(line: Dict[str, Any]) -> None:
    fast = fast_event(copy.deepcopy(line))
    if fast is None:
        return
    slow = _validated(line)
    assert slow is not None, "the fast path accepted a line pydantic refuses"
    _same_event(fast, slow)


@settings(max_examples=500, deadline=None)
@given(lines())
def test_a_stored_body_reads_back_as_pydantic_reads_it(line: Dict[str, Any]) -> None:
    # Stores read bodies through the fast path too; pydantic read them as JSON text.
    body = json.dumps(line)
    fast = fast_event(json.loads(body))
    if fast is None:
        return
    _same_event(fast, Event.model_validate_json(body))


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=10**6),
    payload=st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5)),
)
def test_the_fast_path_takes_every_plain_valid_envelope(n: int, payload: Dict[str, Any]) -> None:
    event = make_event(n, payload=payload, causation_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    line = json.loads(event.model_dump_json())
    fast = fast_event(copy.deepcopy(line))
    assert fast is not None
    assert fast == event
    slow = _validated(line)
    assert slow is not None
    _same_event(fast, slow)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("event_id", "01arz3ndektsv4rrffq69g5fav"),
        ("correlation_id", "6F1C2D3E4A5B4C6D8E7F9A0B1C2D3E4F"),
        ("timestamp", "2026-02-21T14:00:00.5+05:30"),
        ("project_uuid", "{6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f}"),
    ],
)
def test_non_canonical_spellings_come_out_canonical_on_both_paths(field: str, value: str) -> None:
    line = json.loads(make_event(1).model_dump_json())
    line[field] = value
    fast = fast_event(copy.deepcopy(line))
    slow = _validated(line)
    assert fast is not None
    assert slow is not None
    _same_event(fast, slow)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lamport_clock", True),
        ("lamport_clock", 3.0),
        ("data_tier", "1"),
        ("schema_version", "\u0661.\u0660.\u0660"),
        ("timestamp", "2026-02-30T14:00:00Z"),
        ("event_type", ""),
    ],
)
def test_values_pydantic_coerces_or_refuses_are_left_to_pydantic(field: str, value: Any) -> None:
    line = json.loads(make_event(1).model_dump_json())
    line[field] = value
    assert fast_event(line) is None


def test_an_unknown_key_is_left_to_pydantic() -> None:
    line = json.loads(make_event(1).model_dump_json())
    line["unexpected"] = 1
    assert fast_event(line) is None


def test_project_uuids_beyond_the_cache_are_still_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_envelope, "_UUID_CACHE_SIZE", 1)
    monkeypatch.setattr(_envelope, "_UUID_CACHE", {})
    for project in ("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "00000000-0000-0000-0000-00000000000a"):
        line = json.loads(make_event(1, project_uuid=project).model_dump_json())
        fast = fast_event(copy.deepcopy(line))
        assert fast is not None
        assert str(fast.project_uuid) == project
    assert len(_envelope._UUID_CACHE) == 1
