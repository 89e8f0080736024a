"""Assertion helpers for consumer test suites.

They raise ``AssertionError`` themselves rather than use ``assert``, so they keep working
under ``python -O``, and they do not import pytest.
"""

from __future__ import annotations

from typing import Any, Dict

from spec_kitty_events.conformance.validators import ConformanceResult, validate_event
from spec_kitty_events.status import Lane, SyncLaneV1, canonical_to_sync_v1

__all__ = [
    "LaneMappingError",
    "assert_lane_mapping",
    "assert_payload_conforms",
    "assert_payload_fails",
]


class LaneMappingError(AssertionError, ValueError):
    """A lane-mapping check got a value that is not a lane at all.

    It is an ``AssertionError`` so test runners report a failed check, and a ``ValueError`` so
    code that catches the enum's own ``ValueError`` (which used to escape) still catches it.
    """


def _violation_lines(result: ConformanceResult) -> str:
    lines = [f"  Model: {v.field} — {v.message}" for v in result.model_violations]
    lines += [f"  Schema: {v.json_path} — {v.message}" for v in result.schema_violations]
    return "\n".join(lines)


def assert_payload_conforms(
    payload: Dict[str, Any], event_type: str, *, strict: bool = False
) -> ConformanceResult:
    """Validate ``payload`` and fail, listing every violation, unless it conforms."""
    result = validate_event(payload, event_type, strict=strict)
    if not result.valid:
        raise AssertionError(
            f"Payload for {event_type!r} failed conformance:\n{_violation_lines(result)}"
        )
    return result


def assert_payload_fails(
    payload: Dict[str, Any], event_type: str, *, strict: bool = False
) -> ConformanceResult:
    """Validate ``payload`` and fail if it conforms."""
    result = validate_event(payload, event_type, strict=strict)
    if result.valid:
        raise AssertionError(
            f"Payload for {event_type!r} was expected to fail but passed conformance."
        )
    return result


def _lane(value: str) -> Lane:
    try:
        return Lane(value)
    except ValueError as exc:
        raise LaneMappingError(f"{exc} (assert_lane_mapping takes canonical lanes only)") from None


def _sync_lane(value: str) -> SyncLaneV1:
    try:
        return SyncLaneV1(value)
    except ValueError as exc:
        raise LaneMappingError(str(exc)) from None


def assert_lane_mapping(canonical_value: str, expected_sync_value: str) -> None:
    """Fail unless the canonical lane maps to ``expected_sync_value`` under the V1 table."""
    canonical = _lane(canonical_value)
    expected = _sync_lane(expected_sync_value)
    actual = canonical_to_sync_v1(canonical)
    if actual != expected:
        raise AssertionError(
            f"Expected {canonical_value!r} → {expected_sync_value!r}, got {actual.value!r}"
        )
