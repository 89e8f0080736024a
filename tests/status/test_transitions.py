"""The transition matrix, its guards, force, and the result/exception types."""

from __future__ import annotations

import dataclasses
from typing import Any, List, Optional, Tuple

import pytest

from spec_kitty_events.models import SpecKittyEventsError
from spec_kitty_events.status import (
    _ALLOWED_TRANSITIONS,
    Lane,
    StatusTransitionPayload,
    TransitionError,
    TransitionValidationResult,
    validate_transition,
)
from tests.status.helpers import transition

# The contract's effective matrix without force, copied cell by cell.
# Y allowed, N rejected, p allowed only with a non-blank reason, r only with a non-blank review_ref.
MATRIX = """
from         planned claimed in_progress for_review done blocked canceled
None         Y       N       N           N          N    N       N
planned      N       Y       N           N          N    Y       Y
claimed      N       N       Y           N          N    Y       Y
in_progress  p       N       N           Y          N    Y       Y
for_review   N       N       r           N          Y    Y       Y
blocked      N       N       Y           N          N    Y       Y
done         N       N       N           N          N    N       N
canceled     N       N       N           N          N    N       N
"""


def _cells() -> List[Tuple[Optional[str], str, str]]:
    header, *rows = MATRIX.strip().splitlines()
    targets = header.split()[1:]
    cells = []
    for row in rows:
        source, *verdicts = row.split()
        for target, verdict in zip(targets, verdicts, strict=True):
            cells.append((None if source == "None" else source, target, verdict))
    return cells


CELLS = _cells()
TERMINAL = {"done", "canceled"}


def lane_text(value: Optional[str]) -> str:
    return "None" if value is None else f"Lane.{value.upper()}"


def payload(source: Optional[str], target: str, **extra: Any) -> StatusTransitionPayload:
    return StatusTransitionPayload.model_validate(transition("WP01", source, target, **extra))


def rejected_violations(source: Optional[str], target: str) -> Tuple[str, ...]:
    matrix = f"Transition {lane_text(source)} -> {lane_text(target)} is not allowed"
    if source in TERMINAL:
        return (f"{source} is terminal; requires force=True to exit", matrix)
    return (matrix,)


def test_matrix_has_56_cells_and_18_legal() -> None:
    assert len(CELLS) == 8 * 7
    assert sum(v != "N" for _, _, v in CELLS) == 18


def test_allowed_transitions_table_is_exact() -> None:
    assert isinstance(_ALLOWED_TRANSITIONS, frozenset)
    expected = {
        (None, Lane.PLANNED),
        (Lane.PLANNED, Lane.CLAIMED),
        (Lane.CLAIMED, Lane.IN_PROGRESS),
        (Lane.IN_PROGRESS, Lane.FOR_REVIEW),
        (Lane.FOR_REVIEW, Lane.DONE),
        (Lane.FOR_REVIEW, Lane.IN_PROGRESS),
        (Lane.IN_PROGRESS, Lane.PLANNED),
        (Lane.BLOCKED, Lane.IN_PROGRESS),
    }
    assert expected == _ALLOWED_TRANSITIONS


@pytest.mark.parametrize(("source", "target", "verdict"), CELLS)
def test_unforced_cell(source: Optional[str], target: str, verdict: str) -> None:
    bare = validate_transition(payload(source, target))
    if verdict == "Y":
        assert bare == TransitionValidationResult(valid=True, violations=())
    elif verdict == "N":
        assert bare == TransitionValidationResult(False, rejected_violations(source, target))
    else:
        field, message = {
            "p": ("reason", "in_progress -> planned requires reason"),
            "r": ("review_ref", "for_review -> in_progress requires review_ref"),
        }[verdict]
        assert bare == TransitionValidationResult(False, (message,))
        blank = validate_transition(payload(source, target, **{field: "  "}))
        assert blank.violations == (message,)
        assert validate_transition(payload(source, target, **{field: "ok"})).valid


@pytest.mark.parametrize(("source", "target", "verdict"), CELLS)
def test_forced_cell(source: Optional[str], target: str, verdict: str) -> None:
    forced = validate_transition(payload(source, target, force=True, reason="ops"))
    if verdict == "r":
        # The review_ref guard holds even under force.
        assert forced.violations == ("for_review -> in_progress requires review_ref",)
        blank = payload(source, target, force=True, reason="ops", review_ref=" ")
        assert not validate_transition(blank).valid
        good = payload(source, target, force=True, reason="ops", review_ref="PR#1")
        assert validate_transition(good).valid
    else:
        assert forced == TransitionValidationResult(valid=True)


def test_blocked_to_blocked_is_the_only_legal_self_transition() -> None:
    legal_self = [s for s, t, v in CELLS if s == t and v != "N"]
    assert legal_self == ["blocked"]


def test_examples_from_the_contract() -> None:
    assert validate_transition(payload("planned", "for_review")).violations == (
        "Transition Lane.PLANNED -> Lane.FOR_REVIEW is not allowed",
    )
    assert validate_transition(payload(None, "claimed")).violations == (
        "Transition None -> Lane.CLAIMED is not allowed",
    )
    assert validate_transition(payload("done", "planned")).violations == (
        "done is terminal; requires force=True to exit",
        "Transition Lane.DONE -> Lane.PLANNED is not allowed",
    )


def test_evidence_on_a_non_done_move_does_not_matter() -> None:
    with_evidence = transition("WP01", "planned", "claimed")
    with_evidence["evidence"] = transition("x", None, "done")["evidence"]
    result = validate_transition(StatusTransitionPayload.model_validate(with_evidence))
    assert result.valid


def test_result_is_a_frozen_dataclass() -> None:
    result = TransitionValidationResult(valid=True)
    assert [f.name for f in dataclasses.fields(result)] == ["valid", "violations"]
    assert result.violations == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = False  # type: ignore[misc]
    assert hash(result) == hash(TransitionValidationResult(True, ()))
    assert repr(result) == "TransitionValidationResult(valid=True, violations=())"


def test_transition_error() -> None:
    violations = ["a", "b"]
    error = TransitionError(violations)  # type: ignore[arg-type]
    assert isinstance(error, SpecKittyEventsError)
    assert error.violations is violations
    assert str(error) == "Invalid transition: a; b"
    assert error.args == ("Invalid transition: a; b",)
    assert TransitionError(violations=("x",)).violations == ("x",)


def test_raise_if_invalid_turns_a_verdict_into_the_exception() -> None:
    TransitionValidationResult(valid=True).raise_if_invalid()
    bad = validate_transition(payload("done", "planned"))
    with pytest.raises(TransitionError) as info:
        bad.raise_if_invalid()
    assert info.value.violations == bad.violations
    assert str(info.value).startswith("Invalid transition: done is terminal; ")
