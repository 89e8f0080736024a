"""The assertion helpers: messages and exception types."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from spec_kitty_events.conformance import (
    ConformanceResult,
    assert_lane_mapping,
    assert_payload_conforms,
    assert_payload_fails,
)
from spec_kitty_events.conformance.pytest_helpers import LaneMappingError


def _wp(**changes: Any) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "feature_slug": "005-event-contracts",
        "wp_id": "WP01",
        "to_lane": "claimed",
        "actor": "agent-claude",
        "execution_mode": "worktree",
    }
    payload.update(changes)
    return payload


def test_conforming_payload_returns_the_result() -> None:
    result = assert_payload_conforms(_wp(), "WPStatusChanged", strict=True)
    assert isinstance(result, ConformanceResult)
    assert result.valid


def test_non_conforming_payload_lists_every_violation() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_payload_conforms(_wp(actor=42), "WPStatusChanged")
    assert str(caught.value) == (
        "Payload for 'WPStatusChanged' failed conformance:\n"
        "  Model: actor — Input should be a valid string\n"
        "  Schema: $.actor — 42 is not of type 'string'"
    )


def test_expected_failure() -> None:
    assert not assert_payload_fails(_wp(to_lane="doing"), "WPStatusChanged").valid
    with pytest.raises(AssertionError) as caught:
        assert_payload_fails(_wp(), "WPStatusChanged")
    assert str(caught.value) == (
        "Payload for 'WPStatusChanged' was expected to fail but passed conformance."
    )


def test_unknown_event_type_propagates() -> None:
    with pytest.raises(ValueError, match="Unknown event type"):
        assert_payload_conforms({}, "Nope")


@pytest.mark.parametrize(
    ("canonical", "sync"),
    [
        ("planned", "planned"),
        ("claimed", "planned"),
        ("in_progress", "doing"),
        ("for_review", "for_review"),
        ("done", "done"),
        ("blocked", "doing"),
        ("canceled", "planned"),
    ],
)
def test_lane_mapping_holds(canonical: str, sync: str) -> None:
    assert assert_lane_mapping(canonical, sync) is None


def test_lane_mapping_mismatch_message() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_lane_mapping("blocked", "planned")
    assert str(caught.value) == "Expected 'blocked' → 'planned', got 'doing'"


@pytest.mark.parametrize(
    ("canonical", "sync"), [("doing", "doing"), ("", "planned"), ("planned", "in_progress")]
)
def test_values_that_are_not_lanes_fail_as_both_assertion_and_value_error(
    canonical: str, sync: str
) -> None:
    with pytest.raises(LaneMappingError, match="is not a valid") as caught:
        assert_lane_mapping(canonical, sync)
    assert isinstance(caught.value, AssertionError)
    assert isinstance(caught.value, ValueError)
