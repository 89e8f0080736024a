"""The compiled engine never changes a verdict or a reported violation.

For generated payloads (valid fixtures and mutations of them, for several event types) the
schema layer gives the same violations whether ``jsonschema_rs`` decides pass/fail or
``jsonschema`` does everything.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events._families import fixture_categories
from spec_kitty_events.conformance import validators
from spec_kitty_events.conformance.loader import load_fixtures
from spec_kitty_events.schemas import load_schema

pytest.importorskip("jsonschema_rs")

# Every fixture payload of a known event type (lane-mapping rows are not event payloads).
_SEEDS: List[Tuple[str, Any]] = [
    (case.event_type, case.payload)
    for category in fixture_categories()
    for case in load_fixtures(category)
    if isinstance(case.payload, dict) and case.event_type in validators._EVENT_TYPE_TO_SCHEMA
]
_ENGINES: Dict[str, Tuple[validators._CompiledSchema, validators._CompiledSchema]] = {}


def _engines(event_type: str) -> Tuple[validators._CompiledSchema, validators._CompiledSchema]:
    name = validators._EVENT_TYPE_TO_SCHEMA[event_type]
    if name not in _ENGINES:
        schema = load_schema(name)
        _ENGINES[name] = (
            validators._CompiledSchema(schema, use_fast=True),
            validators._CompiledSchema(schema, use_fast=False),
        )
    return _ENGINES[name]


_TRICKY_TEXT = st.sampled_from(
    [
        "",
        "1.0.0\n",
        "\u0661.0.0",
        "doing",
        "in_progress",
        "01HQZ6G4Y8K3M5N7P9R1S2T3V4",
        "550e8400-e29b-41d4-a716-446655440000",
        "2026-01-01T00:00:00Z",
        "\ud800",
        "x" * 40,
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 4.0, 4.5, math.inf]),
    st.text(max_size=8),
    _TRICKY_TEXT,
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=6), inner, max_size=3),
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _rebuild(value: Any, path: Tuple[Any, ...], action: str, new: Any) -> Any:
    if not path:
        if action == "tuple" and isinstance(value, list):
            return tuple(value)
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        if not rest and action == "delete":
            copy.pop(head, None)
        else:
            copy[head] = _rebuild(value.get(head), rest, action, new)
        return copy
    copy_list = list(value)
    copy_list[head] = _rebuild(value[head], rest, action, new)
    return copy_list


def _list_paths(value: Any) -> List[Tuple[Any, ...]]:
    return [path for path in _paths(value) if isinstance(_at(value, path), list)]


@st.composite
def payloads(draw: st.DrawFn) -> Tuple[str, Any]:
    event_type, seed = draw(st.sampled_from(_SEEDS))
    payload: Any = seed
    for action in draw(
        st.lists(st.sampled_from(["replace", "delete", "tuple", "add"]), max_size=3)
    ):
        if action == "tuple":
            # Lists turned into tuples are the one case the engines read differently.
            candidates = _list_paths(payload)
            if candidates:
                payload = _rebuild(payload, draw(st.sampled_from(candidates)), "tuple", None)
            continue
        path = draw(st.sampled_from(_paths(payload)))
        if action == "add":
            if not isinstance(_at(payload, path), dict):
                continue
            path, action = (*path, draw(st.text(max_size=5))), "replace"
        payload = _rebuild(payload, path, action, draw(_VALUES))
    return event_type, payload


def _at(value: Any, path: Tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@settings(max_examples=400)
@given(payloads())
def test_compiled_engine_reports_exactly_what_jsonschema_reports(case: Tuple[str, Any]) -> None:
    event_type, payload = case
    fast, reference = _engines(event_type)
    assert fast.violations(payload) == reference.violations(payload)


@settings(max_examples=200)
@given(st.sampled_from(_SEEDS), _VALUES)
def test_any_value_as_a_whole_payload_gets_the_same_verdict(
    seed: Tuple[str, Any], value: Any
) -> None:
    fast, reference = _engines(seed[0])
    assert fast.violations(value) == reference.violations(value)


def test_every_seed_and_each_of_its_lists_as_a_tuple_gets_the_same_report() -> None:
    event_types = {event_type for event_type, _ in _SEEDS}
    assert len(event_types) >= 10
    tupled = 0
    for event_type, payload in _SEEDS:
        fast, reference = _engines(event_type)
        assert fast.violations(payload) == reference.violations(payload)
        for path in _list_paths(payload):
            variant = _rebuild(payload, path, "tuple", None)
            assert fast.violations(variant) == reference.violations(variant)
            tupled += 1
    assert tupled >= 10


def test_array_paths_follow_refs_and_nullable_branches() -> None:
    schema = load_schema("status_transition_payload")
    assert validators._array_paths(schema) == (
        ("evidence", "repos"),
        ("evidence", "repos", None, "files_touched"),
        ("evidence", "verification"),
    )
    assert validators._array_paths(load_schema("event")) == ()


@pytest.mark.parametrize(
    "schema",
    [
        {"not": {"type": "array"}},
        {"properties": {"a": {"$ref": "https://example.com/other"}}},
        {"patternProperties": {"^x": {"type": "array"}}},
    ],
)
def test_schemas_the_analysis_cannot_follow_fall_back_to_a_full_scan(schema: Any) -> None:
    assert validators._array_paths(schema) is None
    check = validators._tuple_check(schema)
    assert check({"deep": [{"x": (1,)}]}) is True
    assert check({"deep": [{"x": [1]}]}) is False


def test_array_enums_and_prefix_items_count_as_array_places() -> None:
    schema = {
        "type": "object",
        "properties": {
            "e": {"enum": [[1, 2], "x"]},
            "c": {"const": [1]},
            "p": {"prefixItems": [{"type": ["array", "null"]}]},
            "m": {"additionalProperties": {"type": "array"}},
        },
    }
    check = validators._tuple_check(schema)
    assert check({"e": (1, 2)})
    assert check({"c": (1,)})
    assert check({"p": [(1,)]})
    assert check({"m": {"any": ()}})
    assert not check({"e": [1, 2], "p": ((1,),), "m": {"any": []}, "other": ()})
