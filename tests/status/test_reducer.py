"""The status reducer, ordering and de-duplication."""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta, timezone
from typing import Any, List

import pytest

from spec_kitty_events.status import (
    Lane,
    ReducedStatus,
    StatusFold,
    TransitionAnomaly,
    WPState,
    dedup_events,
    reduce_status_events,
    status_event_sort_key,
)
from tests.factory import BASE_TIME, event_id, make_event
from tests.status.helpers import EVIDENCE, transition, wp_event

PREFIX = "payload validation failed: "


def lanes(result: ReducedStatus) -> dict[str, Lane]:
    return {wp: state.current_lane for wp, state in result.wp_states.items()}


def reasons(result: ReducedStatus) -> List[str]:
    return [anomaly.reason for anomaly in result.anomalies]


# --- ordering and dedup ----------------------------------------------------------------------


def test_sort_key_shape() -> None:
    event = wp_event(7, "WP01", None, "planned", clock=3, seconds=5)
    assert status_event_sort_key(event) == (3, "2026-01-15T10:00:05+00:00", event_id(7))


def test_sort_key_compares_timestamp_text_not_instants() -> None:
    # 10:00+02:00 is 08:00 UTC, earlier than 09:00+00:00, but its text sorts later.
    early_instant = make_event(1, "X", {}, clock=1).model_copy(
        update={"timestamp": datetime(2025, 1, 1, 10, tzinfo=timezone(timedelta(hours=2)))}
    )
    later_instant = make_event(2, "X", {}, clock=1).model_copy(
        update={"timestamp": datetime(2025, 1, 1, 9, tzinfo=timezone.utc)}
    )
    ordered = sorted([early_instant, later_instant], key=status_event_sort_key)
    assert ordered == [later_instant, early_instant]


def test_public_helpers_report_the_status_module() -> None:
    assert status_event_sort_key.__module__ == "spec_kitty_events.status"
    assert dedup_events.__module__ == "spec_kitty_events.status"


def test_dedup_events_keeps_first_occurrence_in_input_order() -> None:
    first = wp_event(2, "WP01", None, "planned")
    other = wp_event(1, "WP02", None, "planned")
    twin = make_event(2, "Other", {"different": True})
    kept = dedup_events([first, other, twin, other])
    assert kept == [first, other]
    assert kept[0] is first
    assert kept[1] is other
    assert dedup_events([]) == []
    assert dedup_events(kept) == kept


# --- empty and trivial inputs ----------------------------------------------------------------


def test_nothing_to_reduce() -> None:
    assert reduce_status_events([]) == ReducedStatus()
    assert reduce_status_events([make_event(1, "GatePassed", {})]) == ReducedStatus()
    assert ReducedStatus().model_dump() == {
        "wp_states": {},
        "anomalies": [],
        "event_count": 0,
        "last_processed_event_id": None,
    }


def test_event_type_filter_is_exact() -> None:
    wrong_case = make_event(1, "wpstatuschanged", transition("WP01", None, "planned"))
    assert reduce_status_events([wrong_case]) == ReducedStatus()


# --- worked consequences of the fold rule ---------------------------------------------------------


def test_create_then_claim() -> None:
    result = reduce_status_events(
        [wp_event(1, "WP01", None, "planned"), wp_event(2, "WP01", "planned", "claimed")]
    )
    assert lanes(result) == {"WP01": Lane.CLAIMED}
    assert result.anomalies == []
    state = result.wp_states["WP01"]
    assert state == WPState(
        wp_id="WP01",
        current_lane=Lane.CLAIMED,
        last_event_id=event_id(2),
        last_transition_at=BASE_TIME + timedelta(seconds=2),
        evidence=None,
    )
    assert (result.event_count, result.last_processed_event_id) == (2, event_id(2))


def test_from_lane_mismatch_keeps_the_lane() -> None:
    result = reduce_status_events(
        [wp_event(1, "WP01", None, "planned"), wp_event(2, "WP01", "claimed", "in_progress")]
    )
    assert lanes(result) == {"WP01": Lane.PLANNED}
    assert result.anomalies == [
        TransitionAnomaly(
            event_id=event_id(2),
            wp_id="WP01",
            from_lane=Lane.CLAIMED,
            to_lane=Lane.IN_PROGRESS,
            reason="from_lane mismatch: expected Lane.PLANNED, got Lane.CLAIMED",
        )
    ]


def _to_review(wp: str, start: int) -> List[Any]:
    return [
        wp_event(start, wp, None, "planned", clock=1),
        wp_event(start + 1, wp, "planned", "claimed", clock=2),
        wp_event(start + 2, wp, "claimed", "in_progress", clock=3),
        wp_event(start + 3, wp, "in_progress", "for_review", clock=4),
    ]


@pytest.mark.parametrize(("done_id", "rollback_id"), [(50, 60), (60, 50)])
@pytest.mark.parametrize(("done_s", "rollback_s"), [(0, 9), (9, 0)])
def test_concurrent_approve_and_rollback_rollback_wins(
    done_id: int, rollback_id: int, done_s: int, rollback_s: int
) -> None:
    events = [
        *_to_review("WP01", 1),
        wp_event(done_id, "WP01", "for_review", "done", clock=5, seconds=done_s),
        wp_event(55, "WP02", None, "planned", clock=5, seconds=5),
        wp_event(
            rollback_id,
            "WP01",
            "for_review",
            "in_progress",
            clock=5,
            seconds=rollback_s,
            review_ref="PR#7",
        ),
    ]
    result = reduce_status_events(events)
    assert lanes(result) == {"WP01": Lane.IN_PROGRESS, "WP02": Lane.PLANNED}
    assert result.wp_states["WP01"].last_event_id == event_id(rollback_id)
    assert result.wp_states["WP01"].evidence is None
    assert result.anomalies == []


def test_same_clock_same_time_larger_id_wins() -> None:
    events = [
        wp_event(1, "WP01", None, "planned", clock=1),
        wp_event(3, "WP01", "planned", "claimed", clock=2),
        wp_event(2, "WP01", "planned", "blocked", clock=2),
    ]
    result = reduce_status_events(events)
    assert lanes(result) == {"WP01": Lane.CLAIMED}
    assert result.anomalies == []


def test_second_creation_is_a_mismatch() -> None:
    result = reduce_status_events(
        [
            wp_event(1, "WP01", None, "planned"),
            wp_event(2, "WP01", "planned", "claimed"),
            wp_event(3, "WP01", None, "planned"),
        ]
    )
    assert reasons(result) == ["from_lane mismatch: expected Lane.CLAIMED, got None"]
    assert lanes(result) == {"WP01": Lane.CLAIMED}


def test_first_event_for_a_wp_must_come_from_none() -> None:
    result = reduce_status_events([wp_event(1, "WP01", "planned", "claimed")])
    assert reasons(result) == ["from_lane mismatch: expected None, got Lane.PLANNED"]
    assert result.wp_states == {}


def test_group_members_are_judged_against_the_group_snapshot() -> None:
    # claimed -> in_progress does not see the concurrent planned -> claimed.
    result = reduce_status_events(
        [
            wp_event(1, "WP01", None, "planned", clock=1),
            wp_event(2, "WP01", "planned", "claimed", clock=2),
            wp_event(3, "WP01", "claimed", "in_progress", clock=2),
        ]
    )
    assert lanes(result) == {"WP01": Lane.CLAIMED}
    assert reasons(result) == ["from_lane mismatch: expected Lane.PLANNED, got Lane.CLAIMED"]


def test_force_does_not_bypass_the_recorded_lane() -> None:
    result = reduce_status_events(
        [
            wp_event(1, "WP01", None, "planned"),
            wp_event(2, "WP01", "done", "planned", force=True, reason="resync"),
        ]
    )
    assert reasons(result) == ["from_lane mismatch: expected Lane.PLANNED, got Lane.DONE"]


def test_rule_violations_are_joined() -> None:
    events = [
        *_to_review("WP01", 1),
        wp_event(5, "WP01", "for_review", "done", clock=5),
        wp_event(6, "WP01", "done", "planned", clock=6),
        wp_event(7, "WP01", "done", "in_progress", clock=7, force=True, reason="x"),
        wp_event(8, "WP01", "in_progress", "for_review", clock=8),
        wp_event(9, "WP01", "for_review", "in_progress", clock=9, force=True, reason="x"),
    ]
    result = reduce_status_events(events)
    assert reasons(result) == [
        "done is terminal; requires force=True to exit; "
        "Transition Lane.DONE -> Lane.PLANNED is not allowed",
        "for_review -> in_progress requires review_ref",
    ]
    assert [a.event_id for a in result.anomalies] == [event_id(6), event_id(9)]
    assert lanes(result) == {"WP01": Lane.FOR_REVIEW}


def test_evidence_is_kept_on_done_and_cleared_when_leaving_it() -> None:
    done = [*_to_review("WP01", 1), wp_event(5, "WP01", "for_review", "done", clock=5)]
    at_done = reduce_status_events(done).wp_states["WP01"]
    assert at_done.current_lane is Lane.DONE
    assert at_done.evidence is not None
    assert at_done.evidence.model_dump(mode="json", exclude_none=True) == EVIDENCE
    reopened = [*done, wp_event(6, "WP01", "done", "in_progress", force=True, reason="bug")]
    assert reduce_status_events(reopened).wp_states["WP01"].evidence is None


def test_evidence_on_a_non_done_move_is_dropped() -> None:
    result = reduce_status_events([wp_event(1, "WP01", None, "planned", evidence=EVIDENCE)])
    assert result.wp_states["WP01"].evidence is None


def test_wp_key_order_is_first_valid_transition() -> None:
    result = reduce_status_events(
        [
            wp_event(1, "WP02", "planned", "claimed"),  # refused: WP02 not created yet
            wp_event(2, "WP01", None, "planned"),
            wp_event(3, "WP02", None, "planned"),
            wp_event(4, "WP01", "planned", "claimed"),
        ]
    )
    assert list(result.wp_states) == ["WP01", "WP02"]


# --- malformed payloads ----------------------------------------------------------------------


def test_parse_failure_is_an_anomaly_with_best_effort_fields() -> None:
    bad = make_event(1, "WPStatusChanged", {"wp_id": "WP09", "from_lane": "doing", "to_lane": 4})
    result = reduce_status_events([bad])
    [anomaly] = result.anomalies
    assert (anomaly.event_id, anomaly.wp_id) == (event_id(1), "WP09")
    assert (anomaly.from_lane, anomaly.to_lane) == (Lane.IN_PROGRESS, None)
    assert anomaly.reason.startswith(PREFIX)
    assert "feature_slug" in anomaly.reason  # the report names the failing field
    assert result.wp_states == {}
    assert (result.event_count, result.last_processed_event_id) == (1, event_id(1))


@pytest.mark.parametrize("wp_id", [None, "", 5, ["WP01"]])
def test_parse_failure_without_a_usable_wp_id(wp_id: Any) -> None:
    payload = {**transition("x", None, "planned"), "wp_id": wp_id}
    [anomaly] = reduce_status_events([make_event(1, "WPStatusChanged", payload)]).anomalies
    assert anomaly.wp_id == "<unknown>"
    assert anomaly.to_lane is Lane.PLANNED


def test_parse_failure_lanes_accept_members_and_drop_garbage() -> None:
    payload = {"wp_id": "WP01", "from_lane": Lane.BLOCKED, "to_lane": "sideways"}
    [anomaly] = reduce_status_events([make_event(1, "WPStatusChanged", payload)]).anomalies
    assert (anomaly.from_lane, anomaly.to_lane) == (Lane.BLOCKED, None)


def test_business_rule_failure_is_a_parse_anomaly() -> None:
    payload = transition("WP01", "for_review", "done")
    del payload["evidence"]
    [anomaly] = reduce_status_events([make_event(1, "WPStatusChanged", payload)]).anomalies
    assert anomaly.reason.startswith(PREFIX)
    assert "to_lane='done' requires evidence" in anomaly.reason


def test_parse_anomalies_come_first_and_everything_is_counted() -> None:
    events = [
        wp_event(1, "WP01", None, "planned"),
        wp_event(2, "WP01", "claimed", "in_progress"),  # mismatch
        make_event(3, "WPStatusChanged", {"wp_id": "WP01"}),  # unparsable, sorts last
        make_event(4, "GatePassed", {}),  # not a status event: ignored and not counted
    ]
    result = reduce_status_events(events)
    assert [a.event_id for a in result.anomalies] == [event_id(3), event_id(2)]
    assert result.anomalies[0].reason.startswith(PREFIX)
    assert result.event_count == 3
    assert result.last_processed_event_id == event_id(3)


def test_payload_with_enum_members_parses_like_strings() -> None:
    as_members = transition("WP01", None, "planned")
    as_members.update(to_lane=Lane.PLANNED, execution_mode="direct_repo")
    result = reduce_status_events([make_event(1, "WPStatusChanged", as_members)])
    assert lanes(result) == {"WP01": Lane.PLANNED}


def test_blank_review_ref_rollback_is_still_ordered_last() -> None:
    # Both refused; a blank review_ref does not change the order: the rollback sorts after its
    # group mates by event id.
    events = [
        *_to_review("WP01", 1),
        wp_event(20, "WP01", "for_review", "in_progress", clock=5, review_ref=""),
        wp_event(30, "WP01", "for_review", "claimed", clock=5),
    ]
    result = reduce_status_events(events)
    assert [a.event_id for a in result.anomalies] == [event_id(30), event_id(20)]
    assert result.anomalies[1].reason == "for_review -> in_progress requires review_ref"


# --- dedup and determinism through the reducer -----------------------------------------------


def test_duplicates_are_not_counted_and_smallest_key_wins() -> None:
    early = wp_event(2, "WP01", "planned", "claimed", clock=2)
    late_copy = wp_event(2, "WP01", "planned", "blocked", clock=9)
    create = wp_event(1, "WP01", None, "planned", clock=1)
    result = reduce_status_events([late_copy, create, early, create])
    assert result.event_count == 2
    assert lanes(result) == {"WP01": Lane.CLAIMED}


def test_conflicting_twins_resolve_the_same_way_in_any_order() -> None:
    # Same id, same sort key, different content: one rule picks the same copy in any order.
    create = wp_event(1, "WP01", None, "planned", clock=1)
    claim = wp_event(2, "WP01", "planned", "claimed", clock=2)
    block = wp_event(2, "WP01", "planned", "blocked", clock=2)
    forward = reduce_status_events([create, claim, block])
    backward = reduce_status_events([block, claim, create])
    assert forward == backward
    assert forward.event_count == 2
    assert forward.wp_states["WP01"].current_lane in (Lane.CLAIMED, Lane.BLOCKED)


def test_inputs_are_not_mutated_and_results_share_nothing() -> None:
    events = [wp_event(2, "WP01", "planned", "claimed"), wp_event(1, "WP01", None, "planned")]
    snapshot = list(events)
    first = reduce_status_events(events)
    second = reduce_status_events(events)
    assert events == snapshot
    assert first == second
    assert first.wp_states is not second.wp_states
    assert first.anomalies is not second.anomalies


def test_result_revalidates_to_an_equal_model() -> None:
    events = [
        *_to_review("WP01", 1),
        wp_event(5, "WP01", "for_review", "done", clock=5),
        wp_event(6, "WP02", "planned", "claimed"),
    ]
    result = reduce_status_events(events)
    assert ReducedStatus.model_validate(result.model_dump()) == result
    assert ReducedStatus.model_validate_json(result.model_dump_json()) == result
    assert result.model_fields_set == {
        "wp_states",
        "anomalies",
        "event_count",
        "last_processed_event_id",
    }


def test_waiting_rollback_is_applied_before_the_wps_next_clock() -> None:
    events = [
        *_to_review("WP01", 1),
        wp_event(50, "WP01", "for_review", "in_progress", clock=5, review_ref="PR#7"),
        wp_event(51, "WP01", "for_review", "done", clock=5),
        wp_event(60, "WP01", "in_progress", "for_review", clock=6),
    ]
    result = reduce_status_events(events)
    assert result.anomalies == []
    assert result.wp_states["WP01"].current_lane is Lane.FOR_REVIEW
    assert result.wp_states["WP01"].last_event_id == event_id(60)


def test_refused_rollback_keeps_its_groups_place_among_other_wps() -> None:
    # WP01's group at clock 5 starts before WP02's, so its (deferred) refusal comes first.
    events = [
        *_to_review("WP01", 1),
        wp_event(50, "WP01", "for_review", "in_progress", clock=5, review_ref=" "),
        wp_event(51, "WP02", "claimed", "done", clock=5),
        wp_event(60, "WP01", "for_review", "done", clock=6),
    ]
    result = reduce_status_events(events)
    assert [a.event_id for a in result.anomalies] == [event_id(50), event_id(51)]
    assert result.wp_states["WP01"].current_lane is Lane.DONE


def test_the_fold_keeps_no_applied_event_alive() -> None:
    """A WP's state needs its last event's id and time, not the event: an event held from one
    of a WP's moves to the next is walked by every garbage collection in between."""
    fold = StatusFold()
    events = [
        wp_event(1, "WP01", None, "planned"),
        wp_event(2, "WP01", "planned", "claimed"),
        wp_event(3, "WP02", None, "planned"),
    ]
    alive = [weakref.ref(event) for event in events]
    for event in events:
        fold.apply(event)
    del event, events
    assert [ref() for ref in alive] == [None, None, None]
    state = fold.freeze().wp_states["WP01"]
    assert (state.last_event_id, state.last_transition_at) == (
        event_id(2),
        BASE_TIME + timedelta(seconds=2),
    )
