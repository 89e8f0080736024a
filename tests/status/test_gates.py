"""CI gate payloads and the check-run conclusion mapping."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Tuple

import pydantic
import pytest

from spec_kitty_events import gates
from spec_kitty_events.gates import (
    _CONCLUSION_MAP,
    _IGNORED_CONCLUSIONS,
    GateFailedPayload,
    GatePassedPayload,
    GatePayloadBase,
    UnknownConclusionError,
    map_check_run_conclusion,
)
from spec_kitty_events.models import SpecKittyEventsError

KNOWN = "success, failure, timed_out, cancelled, action_required, neutral, skipped, stale"


def gate(**overrides: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "gate_name": "ci/test",
        "gate_type": "ci",
        "conclusion": "success",
        "external_provider": "github",
        "check_run_id": 42,
        "check_run_url": "https://github.com/o/r/runs/42",
        "delivery_id": "delivery-1",
    }
    data.update(overrides)
    return data


def error_types(model: type[pydantic.BaseModel], data: Dict[str, Any]) -> List[Tuple[Any, ...]]:
    with pytest.raises(pydantic.ValidationError) as info:
        model.model_validate(data)
    return [(e["type"], e["loc"]) for e in info.value.errors()]


FIELDS = [
    "gate_name",
    "gate_type",
    "conclusion",
    "external_provider",
    "check_run_id",
    "check_run_url",
    "delivery_id",
    "pr_number",
]


def test_passed_payload_round_trip() -> None:
    payload = GatePassedPayload.model_validate(gate(pr_number=7))
    dumped = payload.model_dump()
    assert list(dumped) == FIELDS
    assert dumped["check_run_url"] == "https://github.com/o/r/runs/42"
    assert type(dumped["check_run_url"]) is str
    assert GatePassedPayload.model_validate(dumped) == payload
    assert isinstance(payload, GatePayloadBase)


def test_url_is_normalised_with_a_trailing_slash() -> None:
    payload = GatePassedPayload.model_validate(gate(check_run_url="https://github.com"))
    assert payload.model_dump()["check_run_url"] == "https://github.com/"
    assert payload.model_dump(mode="json")["check_run_url"] == "https://github.com/"


@pytest.mark.parametrize("url", ["ftp://github.com/x", "not a url", "https://"])
def test_url_must_be_http_with_a_host(url: str) -> None:
    assert error_types(GatePassedPayload, gate(check_run_url=url))[0][1] == ("check_run_url",)


@pytest.mark.parametrize("conclusion", ["failure", "timed_out", "cancelled", "action_required"])
def test_failed_payload_conclusions(conclusion: str) -> None:
    assert GateFailedPayload.model_validate(gate(conclusion=conclusion)).conclusion == conclusion
    assert error_types(GatePassedPayload, gate(conclusion=conclusion)) == [
        ("literal_error", ("conclusion",))
    ]


@pytest.mark.parametrize("conclusion", ["neutral", "success", "skipped"])
def test_failed_payload_rejects_other_conclusions(conclusion: str) -> None:
    assert error_types(GateFailedPayload, gate(conclusion=conclusion)) == [
        ("literal_error", ("conclusion",))
    ]


def test_subclasses_are_siblings_and_keep_field_order() -> None:
    assert not issubclass(GatePassedPayload, GateFailedPayload)
    assert not issubclass(GateFailedPayload, GatePassedPayload)
    for model in (GatePassedPayload, GateFailedPayload, GatePayloadBase):
        assert list(model.model_fields) == FIELDS
        schema = model.model_json_schema(mode="serialization")
        assert schema["required"] == FIELDS[:-1]
    failed = GateFailedPayload.model_json_schema(mode="serialization")
    assert failed["properties"]["conclusion"]["enum"] == [
        "failure",
        "timed_out",
        "cancelled",
        "action_required",
    ]
    url = GatePassedPayload.model_json_schema(mode="serialization")["properties"]["check_run_url"]
    assert (url["type"], url["format"], url["minLength"]) == ("string", "uri", 1)


def test_base_accepts_any_non_empty_conclusion() -> None:
    assert GatePayloadBase.model_validate(gate(conclusion="neutral")).conclusion == "neutral"
    assert error_types(GatePayloadBase, gate(conclusion="")) == [
        ("string_too_short", ("conclusion",))
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("check_run_id", True),
        ("check_run_id", 1.0),
        ("check_run_id", "5"),
        ("check_run_id", 0),
        ("pr_number", 0),
        ("pr_number", "3"),
        ("gate_type", "cd"),
        ("external_provider", "gitlab"),
        ("gate_name", ""),
        ("delivery_id", ""),
    ],
)
def test_field_constraints(field: str, value: Any) -> None:
    assert [loc for _, loc in error_types(GatePassedPayload, gate(**{field: value}))] == [(field,)]


def test_gate_type_and_provider_are_required() -> None:
    data = gate()
    del data["gate_type"], data["external_provider"]
    assert error_types(GatePassedPayload, data) == [
        ("missing", ("gate_type",)),
        ("missing", ("external_provider",)),
    ]


def test_frozen() -> None:
    payload = GatePassedPayload.model_validate(gate())
    with pytest.raises(pydantic.ValidationError):
        payload.gate_name = "x"  # type: ignore[misc]


def test_conclusion_map_contents_and_order() -> None:
    assert list(_CONCLUSION_MAP.items()) == [
        ("success", "GatePassed"),
        ("failure", "GateFailed"),
        ("timed_out", "GateFailed"),
        ("cancelled", "GateFailed"),
        ("action_required", "GateFailed"),
        ("neutral", None),
        ("skipped", None),
        ("stale", None),
    ]
    assert type(_CONCLUSION_MAP) is dict
    assert frozenset({"neutral", "skipped", "stale"}) == _IGNORED_CONCLUSIONS
    assert (gates._GATE_PASSED, gates._GATE_FAILED) == ("GatePassed", "GateFailed")
    assert gates.logger.name == "spec_kitty_events.gates"


@pytest.mark.parametrize(
    ("conclusion", "expected"),
    [
        ("success", "GatePassed"),
        ("failure", "GateFailed"),
        ("timed_out", "GateFailed"),
        ("cancelled", "GateFailed"),
        ("action_required", "GateFailed"),
    ],
)
def test_blocking_conclusions_map_silently(
    conclusion: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: List[Tuple[str, str]] = []
    with caplog.at_level(logging.DEBUG, logger="spec_kitty_events.gates"):
        result = map_check_run_conclusion(conclusion, lambda c, r: calls.append((c, r)))
    assert result == expected
    assert calls == []
    assert caplog.records == []


@pytest.mark.parametrize("conclusion", ["neutral", "skipped", "stale"])
def test_ignored_conclusions_log_and_call_back(
    conclusion: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: List[Tuple[str, str]] = []
    with caplog.at_level(logging.INFO, logger="spec_kitty_events.gates"):
        result = map_check_run_conclusion(conclusion, lambda c, r: calls.append((c, r)))
    assert result is None
    assert calls == [(conclusion, "non_blocking")]
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.name == "spec_kitty_events.gates"
    assert record.msg == "Ignored non-blocking check_run conclusion: %s"
    assert record.args == (conclusion,)
    assert map_check_run_conclusion(conclusion) is None


def test_callback_errors_propagate() -> None:
    def boom(conclusion: str, reason: str) -> None:
        raise RuntimeError(reason)

    with pytest.raises(RuntimeError, match="non_blocking"):
        map_check_run_conclusion("stale", boom)


@pytest.mark.parametrize("conclusion", ["Success", "SUCCESS", "", " success", "unknown"])
def test_unknown_conclusions_raise(conclusion: str) -> None:
    with pytest.raises(UnknownConclusionError) as info:
        map_check_run_conclusion(conclusion)
    error = info.value
    assert isinstance(error, SpecKittyEventsError)
    assert error.conclusion == conclusion
    message = f"Unknown check_run conclusion: {conclusion!r}. Known values: {KNOWN}"
    assert str(error) == message
    assert error.args == (message,)


@pytest.mark.parametrize("conclusion", [["success"], None, 1])
def test_non_string_conclusions_raise_the_documented_error(conclusion: Any) -> None:
    # An unhashable value is refused with the documented error, not a TypeError.
    with pytest.raises(UnknownConclusionError):
        map_check_run_conclusion(conclusion)


def test_mutating_the_private_map_does_not_change_the_mapping() -> None:
    _CONCLUSION_MAP["success"] = "GateFailed"
    try:
        assert map_check_run_conclusion("success") == "GatePassed"
    finally:
        _CONCLUSION_MAP["success"] = "GatePassed"
