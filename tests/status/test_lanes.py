"""Lanes, sync lanes, aliases and lane parsing."""

from __future__ import annotations

import re
from enum import Enum

import pytest

from spec_kitty_events import models
from spec_kitty_events._anomaly import member_text
from spec_kitty_events.status import (
    CANONICAL_TO_SYNC_V1,
    LANE_ALIASES,
    TERMINAL_LANES,
    WP_STATUS_CHANGED,
    ExecutionMode,
    Lane,
    SyncLaneV1,
    ValidationError,
    canonical_to_sync_v1,
    normalize_lane,
)

UNKNOWN_LANE = (
    "Unknown lane value: {!r}. Valid values: ['planned', 'claimed', 'in_progress', "
    "'for_review', 'done', 'blocked', 'canceled']. Aliases: ['doing']"
)


def test_lane_members_in_order() -> None:
    assert [(m.name, m.value) for m in Lane] == [
        ("PLANNED", "planned"),
        ("CLAIMED", "claimed"),
        ("IN_PROGRESS", "in_progress"),
        ("FOR_REVIEW", "for_review"),
        ("DONE", "done"),
        ("BLOCKED", "blocked"),
        ("CANCELED", "canceled"),
    ]


def test_lane_is_a_str_mixin_enum_not_strenum() -> None:
    assert issubclass(Lane, str)
    assert issubclass(Lane, Enum)
    assert Lane.__bases__ == (str, Enum)
    assert Lane.DONE == "done"
    assert "done" in TERMINAL_LANES


@pytest.mark.parametrize("bad", ["in_review", "paused", "", "PLANNED", "doing"])
def test_lane_constructor_rejects_unknown_text(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid Lane"):
        Lane(bad)


def test_sync_lanes() -> None:
    assert [(m.name, m.value) for m in SyncLaneV1] == [
        ("PLANNED", "planned"),
        ("DOING", "doing"),
        ("FOR_REVIEW", "for_review"),
        ("DONE", "done"),
    ]


SYNC_TABLE = [
    (Lane.PLANNED, SyncLaneV1.PLANNED),
    (Lane.CLAIMED, SyncLaneV1.PLANNED),
    (Lane.IN_PROGRESS, SyncLaneV1.DOING),
    (Lane.FOR_REVIEW, SyncLaneV1.FOR_REVIEW),
    (Lane.DONE, SyncLaneV1.DONE),
    (Lane.BLOCKED, SyncLaneV1.DOING),
    (Lane.CANCELED, SyncLaneV1.PLANNED),
]


def test_sync_mapping_is_the_locked_table_in_order() -> None:
    assert list(CANONICAL_TO_SYNC_V1.items()) == SYNC_TABLE


@pytest.mark.parametrize(("lane", "sync"), SYNC_TABLE)
def test_canonical_to_sync_v1_returns_the_member_itself(lane: Lane, sync: SyncLaneV1) -> None:
    assert canonical_to_sync_v1(lane) is sync
    assert CANONICAL_TO_SYNC_V1[lane] is sync
    assert canonical_to_sync_v1(lane.value) is sync  # type: ignore[arg-type]


def test_sync_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        CANONICAL_TO_SYNC_V1[Lane.DONE] = SyncLaneV1.PLANNED  # type: ignore[index]


@pytest.mark.parametrize("bad", ["doing", "in_review", "PLANNED"])
def test_canonical_to_sync_v1_knows_no_aliases(bad: str) -> None:
    with pytest.raises(KeyError) as info:
        canonical_to_sync_v1(bad)  # type: ignore[arg-type]
    assert info.value.args == (bad,)


def test_execution_mode_and_constants() -> None:
    assert [(m.name, m.value) for m in ExecutionMode] == [
        ("WORKTREE", "worktree"),
        ("DIRECT_REPO", "direct_repo"),
    ]
    assert frozenset({Lane.DONE, Lane.CANCELED}) == TERMINAL_LANES
    assert isinstance(TERMINAL_LANES, frozenset)
    assert LANE_ALIASES == {"doing": Lane.IN_PROGRESS}
    assert type(LANE_ALIASES) is dict
    assert WP_STATUS_CHANGED == "WPStatusChanged"


@pytest.mark.parametrize("lane", list(Lane))
def test_normalize_lane_accepts_every_value_and_member(lane: Lane) -> None:
    assert normalize_lane(lane.value) is lane
    assert normalize_lane(lane) is lane


def test_normalize_lane_resolves_the_alias() -> None:
    assert normalize_lane("doing") is Lane.IN_PROGRESS


@pytest.mark.parametrize("bad", ["DOING", "Planned", "", " planned", "in_review", None, 7])
def test_normalize_lane_rejects_with_the_library_error(bad: object) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_lane(bad)  # type: ignore[arg-type]
    assert str(info.value) == UNKNOWN_LANE.format(bad)
    assert isinstance(info.value, models.SpecKittyEventsError)
    assert ValidationError is models.ValidationError


def test_normalize_lane_rejects_unhashable_input_with_the_same_error() -> None:
    # Non-string input raises the documented error, never a bare TypeError.
    with pytest.raises(ValidationError, match=re.escape("Unknown lane value: ['planned']")):
        normalize_lane(["planned"])  # type: ignore[arg-type]


def test_mutating_the_public_alias_dict_does_not_change_parsing() -> None:
    LANE_ALIASES["wip"] = Lane.IN_PROGRESS
    try:
        with pytest.raises(ValidationError):
            normalize_lane("wip")
    finally:
        del LANE_ALIASES["wip"]


def test_member_text_is_the_python_311_spelling() -> None:
    assert member_text(Lane.PLANNED) == "Lane.PLANNED"
    assert member_text(SyncLaneV1.DOING) == "SyncLaneV1.DOING"
    assert member_text(None) == "None"
