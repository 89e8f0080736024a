"""The nesting, number and integer rules through the Python API: Event and validate_event."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from pydantic import ValidationError

from spec_kitty_events import Event
from spec_kitty_events.conformance import validate_event

from ._values import LIMIT, envelope, nested, status_payload


def build(payload: Any) -> Event:
    return Event(**envelope(payload))


@pytest.mark.parametrize("kind", ["object", "array"])
def test_a_payload_nested_exactly_to_the_limit_builds_and_round_trips_through_json(
    kind: str,
) -> None:
    payload = {"deep": nested(LIMIT - 1, "leaf", kind=kind)}
    event = build(payload)
    assert event.payload == payload
    assert Event.model_validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize("kind", ["object", "array"])
@pytest.mark.parametrize("levels", [LIMIT, 500, 100_000])
def test_a_payload_nested_beyond_the_limit_is_refused_with_a_validation_error(
    kind: str, levels: int
) -> None:
    with pytest.raises(ValidationError, match=r"payload\.deep.*nesting limit of 64 levels"):
        build({"deep": nested(levels, kind=kind)})


def test_the_nesting_limit_counts_tuples_and_sets_as_arrays() -> None:
    # The payload is level 1, the lists 2 to 62, the tuple 63 and the innermost set 64.
    at_limit = {"deep": nested(LIMIT - 3, (frozenset({1}),), kind="array")}
    assert build(at_limit).payload == at_limit
    with pytest.raises(ValidationError, match="nesting limit"):
        build({"deep": nested(LIMIT - 2, ({1},), kind="array")})


@pytest.mark.parametrize(
    ("value", "path", "shown"),
    [
        (math.nan, "payload.x", "nan"),
        (math.inf, "payload.x", "inf"),
        (-math.inf, "payload.x", "-inf"),
        ([1.5, {"y": math.nan}], "payload.x.1.y", "nan"),
        ((0.0, -math.inf), "payload.x.1", "-inf"),
    ],
)
def test_nan_and_infinity_anywhere_in_a_payload_are_refused_naming_their_place(
    value: Any, path: str, shown: str
) -> None:
    with pytest.raises(ValidationError, match=rf"{path}: {shown} is not a JSON number"):
        build({"x": value})


def test_a_float_subclass_holding_nan_is_refused_too() -> None:
    class Ratio(float):
        pass

    with pytest.raises(ValidationError, match=r"payload\.x: nan is not a JSON number"):
        build({"x": Ratio("nan")})


@pytest.mark.parametrize("sign", [1, -1])
def test_integers_of_4300_digits_are_kept_and_of_4301_digits_refused(sign: int) -> None:
    widest = sign * (10**4300 - 1)
    assert build({"n": widest}).payload["n"] == widest
    assert Event.model_validate_json(build({"n": widest}).model_dump_json()).payload["n"] == widest
    with pytest.raises(ValidationError, match=r"payload\.n: integer with more than 4300 digits"):
        build({"n": sign * 10**4300})


def test_a_lamport_clock_of_more_than_4300_digits_is_refused() -> None:
    record = envelope({})
    record["lamport_clock"] = 10**4300
    with pytest.raises(ValidationError, match=r"lamport_clock\n.*more than 4300 digits"):
        Event(**record)
    record["lamport_clock"] = 10**4300 - 1
    assert Event(**record).lamport_clock == 10**4300 - 1


def test_a_caller_supplied_validation_context_does_not_skip_the_payload_check() -> None:
    record = envelope({"x": math.nan})
    for context in ({}, {"spec_kitty_events": "event limits already checked"}):
        with pytest.raises(ValidationError, match="not a JSON number"):
            Event.model_validate(record, context=context)
        with pytest.raises(ValidationError, match="not a JSON number"):
            Event.model_validate_json(json.dumps(record), context=context)


def test_booleans_and_ordinary_numbers_pass_untouched() -> None:
    payload = {"t": True, "f": False, "n": None, "i": -(2**80), "x": 1e308, "s": "NaN"}
    assert build(payload).payload == payload


# --- validate_event ---------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [LIMIT, 500, 100_000])
def test_validate_event_reports_a_too_deep_payload_as_one_violation(levels: int) -> None:
    payload = {**status_payload(), "evidence": nested(levels)}
    result = validate_event(payload, "WPStatusChanged")
    assert not result.valid
    assert [(v.field, v.violation_type) for v in result.model_violations] == [
        ("evidence" + ".a" * (LIMIT - 1), "value_error")
    ]
    assert "nesting limit of 64 levels" in result.model_violations[0].message
    assert result.schema_violations == ()


def test_validate_event_passes_a_payload_nested_to_the_limit_to_both_layers() -> None:
    payload = {**status_payload(), "evidence": nested(LIMIT - 1)}
    result = validate_event(payload, "WPStatusChanged")
    # The two layers judged it: the model's own verdict on this evidence shape, not the limit.
    assert all("nesting limit" not in v.message for v in result.model_violations)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payload", {"deep": nested(100_000)}),
        ("aggregate_id", nested(100_000, kind="array")),
    ],
)
def test_validate_event_on_an_envelope_applies_the_limit_to_every_field(
    field: str, value: Any
) -> None:
    record = envelope({})
    record[field] = value
    result = validate_event(record, "Event")
    assert not result.valid
    assert len(result.model_violations) == 1
    assert result.model_violations[0].field.startswith(field)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"x": math.nan}, "x", "nan is not a JSON number"),
        ({"x": [math.inf]}, "x.0", "inf is not a JSON number"),
        ({"x": {"y": -(10**4301)}}, "x.y", "integer with more than 4300 digits"),
    ],
)
def test_validate_event_refuses_what_json_cannot_carry(
    payload: Any, field: str, message: str
) -> None:
    result = validate_event({**status_payload(), **payload}, "WPStatusChanged")
    assert not result.valid
    assert [v.field for v in result.model_violations] == [field]
    assert message in result.model_violations[0].message


def test_validate_event_still_raises_for_an_unknown_type_before_looking_at_the_payload() -> None:
    with pytest.raises(ValueError, match="Unknown event type"):
        validate_event({"x": math.nan}, "NoSuchType")
