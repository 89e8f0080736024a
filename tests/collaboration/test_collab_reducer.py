"""Every path of ``reduce_collaboration_events``, in strict and in permissive mode."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

from spec_kitty_events.collaboration import (
    CONCURRENT_DRIVER_WARNING,
    POTENTIAL_STEP_COLLISION_DETECTED,
    PRESENCE_HEARTBEAT,
    CollaborationAnomaly,
    CommentEntry,
    DecisionEntry,
    FocusTarget,
    InvalidCollaborationPayloadError,
    InvalidRosterEntryError,
    ParticipantDepartedError,
    ParticipantIdentity,
    ReducedCollaborationState,
    UnknownParticipantError,
    UnknownWarningError,
    UnmatchedStepCompletionError,
    reduce_collaboration_events,
)
from spec_kitty_events.models import SpecKittyEventsError
from tests.collaboration.helpers import MISSION, Stream, identity, identity_model, reasons
from tests.factory import event_id, make_event

MODES = ["strict", "permissive"]


def reduce(stream: Stream, mode: str = "strict", **kwargs: Any) -> ReducedCollaborationState:
    return reduce_collaboration_events(stream.events, mode=mode, **kwargs)  # type: ignore[arg-type]


def joined(*pids: str) -> Stream:
    stream = Stream()
    for pid in pids:
        stream.join(pid)
    return stream


# --- pipeline: early returns, filter, order, dedup, mission id ---------------------------


@pytest.mark.parametrize("mode", MODES)
def test_empty_input_gives_the_minimal_state_and_ignores_the_roster(mode: str) -> None:
    state = reduce_collaboration_events(
        [],
        mode=mode,  # type: ignore[arg-type]
        roster={"p1": identity_model("p1")},
    )
    assert state == ReducedCollaborationState(mission_id="")
    assert state.participants == {}
    assert state.last_processed_event_id is None


def test_only_foreign_events_give_the_minimal_state() -> None:
    foreign = [make_event(1, "WPStatusChanged", {"mission_id": "M9"})]
    state = reduce_collaboration_events(foreign, roster={"p1": identity_model("p1")})
    assert state == ReducedCollaborationState(mission_id="")


def test_foreign_events_are_ignored_and_not_counted() -> None:
    stream = joined("p1")
    stream.add("GatePassed", mission_id="M9")
    stream.heartbeat("p1")
    state = reduce(stream)
    assert state.event_count == 2
    assert state.last_processed_event_id == stream.events[2].event_id


def test_single_join_sets_the_mission_id() -> None:
    state = reduce(joined("p1"))
    assert state.mission_id == MISSION
    assert state.participants == {"p1": identity_model("p1")}
    assert state.event_count == 1


@pytest.mark.parametrize("first_mission", [None, "", 42])
def test_mission_id_only_comes_from_the_first_event(first_mission: Any) -> None:
    stream = Stream()
    stream.add("ParticipantJoined", participant_id="p1", participant_identity=identity("p1"))
    if first_mission is not None:
        stream.events[0] = make_event(
            1,
            "ParticipantJoined",
            {
                "participant_id": "p1",
                "participant_identity": identity("p1"),
                "mission_id": first_mission,
            },
        )
    stream.heartbeat("p1")  # carries MISSION, but is not consulted
    assert reduce(stream).mission_id == ""


def test_events_fold_in_lamport_order_whatever_the_input_order() -> None:
    stream = joined("p1")
    stream.start("p1", "s1")
    stream.complete("p1", "s1")
    state = reduce_collaboration_events(list(reversed(stream.events)))
    assert state.active_executions == {"p1": []}
    assert state.last_processed_event_id == stream.events[-1].event_id


def test_a_duplicated_event_id_is_counted_once() -> None:
    stream = joined("p1")
    stream.comment("p1")
    twice = [*stream.events, stream.events[1]]
    state = reduce_collaboration_events(twice)
    assert state.event_count == 2
    assert len(state.comments) == 1


def test_lamport_ties_are_ordered_by_timestamp_text_not_instant() -> None:
    stream = joined("p1")
    # 12:00+01:00 is 11:00Z, earlier than 11:30Z, yet its ISO text sorts after "11:30".
    early_instant = datetime(2026, 2, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    later_instant = datetime(2026, 2, 1, 11, 30, tzinfo=timezone.utc)
    beats = [
        make_event(n, PRESENCE_HEARTBEAT, {"participant_id": "p1"}, clock=5, timestamp=ts)
        for n, ts in ((10, early_instant), (11, later_instant))
    ]
    state = reduce_collaboration_events(stream.events + beats)
    assert state.presence == {"p1": early_instant}
    assert state.presence["p1"].utcoffset() == timedelta(hours=1)


def test_input_events_and_iterables_are_accepted_without_mutation() -> None:
    stream = joined("p1", "p2")
    before = [event.model_dump() for event in stream.events]
    state = reduce_collaboration_events(iter(stream.events))
    assert list(state.participants) == ["p1", "p2"]
    assert [event.model_dump() for event in stream.events] == before


# --- mode and roster ----------------------------------------------------------------------


def test_unknown_mode_warns_and_behaves_permissive() -> None:
    stream = Stream()
    stream.heartbeat("ghost")
    with pytest.warns(UserWarning, match="'Strict'"):
        state = reduce_collaboration_events(stream.events, mode="Strict")  # type: ignore[arg-type]
    assert reasons(state.anomalies) == ["Unknown participant 'ghost'"]


def test_roster_seeds_participants_before_joins_and_is_not_mutated() -> None:
    roster = {"r1": identity_model("r1"), "r2": identity_model("r2", "llm_context")}
    snapshot = dict(roster)
    stream = joined("p1")
    stream.heartbeat("r2")
    state = reduce(stream, roster=roster)
    assert list(state.participants) == ["r1", "r2", "p1"]
    assert state.participants["r1"] is roster["r1"]
    assert list(state.presence) == ["r2"]
    assert roster == snapshot


def test_roster_dict_values_are_coerced_and_keys_not_cross_checked() -> None:
    state = reduce(joined("p1"), roster={"alias": identity("someone")})
    assert state.participants["alias"] == identity_model("someone")


@pytest.mark.parametrize(
    ("roster", "match"),
    [
        ({"p1": {"participant_id": "p1"}}, "Invalid roster entry 'p1': not a ParticipantIdentity"),
        ({"p1": "human"}, "Invalid roster entry 'p1'"),
        ({7: identity("p7")}, "Invalid roster entry 7: key expected a string, got int"),
    ],
)
def test_bad_roster_entries_name_the_key(roster: Dict[Any, Any], match: str) -> None:
    with pytest.raises(InvalidRosterEntryError, match=match):
        reduce(joined("p1"), roster=roster)


def test_a_roster_that_is_not_a_mapping_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="roster must be a mapping"):
        reduce(joined("p1"), roster=[("p1", identity_model("p1"))])


@pytest.mark.parametrize("mode", MODES)
def test_joining_a_seeded_participant_is_a_duplicate_join(mode: str) -> None:
    state = reduce(joined("p1"), mode, roster={"p1": identity_model("p1")})
    assert reasons(state.anomalies) == ["Duplicate join for participant 'p1'"]
    assert state.anomalies[0] == CollaborationAnomaly(
        event_id=event_id(1), event_type="ParticipantJoined", reason=state.anomalies[0].reason
    )


# --- invitations --------------------------------------------------------------------------


def test_invite_then_join_is_clean_in_strict_mode() -> None:
    stream = Stream()
    stream.invite("p1")
    stream.join("p1")
    stream.heartbeat("p1")
    state = reduce(stream)
    assert state.anomalies == ()
    assert list(state.participants) == ["p1"]
    assert list(state.presence) == ["p1"]


def test_an_invited_only_participant_is_unknown() -> None:
    stream = Stream()
    stream.invite("p1")
    stream.heartbeat("p1")
    with pytest.raises(UnknownParticipantError) as caught:
        reduce(stream)
    assert str(caught.value) == (
        f"Unknown participant 'p1' in event {event_id(2)} (type=PresenceHeartbeat). "
        "Not in mission roster."
    )
    assert (caught.value.participant_id, caught.value.event_id) == ("p1", event_id(2))
    permissive = reduce(stream, "permissive")
    assert reasons(permissive.anomalies) == ["Unknown participant 'p1'"]
    assert permissive.participants == {}
    assert permissive.presence == {}


@pytest.mark.parametrize("mode", MODES)
def test_invite_anomalies(mode: str) -> None:
    stream = joined("p1")
    stream.invite("p1")  # already active
    stream.invite("p2")
    stream.invite("p2")  # already invited
    stream.invite("", participant_identity=identity("x"))
    stream.invite("p3", participant_identity={"participant_id": "p3"})
    stream.invite("p4", participant_identity="p4")
    stream.add("ParticipantInvited", participant_id=5, participant_identity=identity("p5"))
    state = reduce(stream, mode)
    assert reasons(state.anomalies) == [
        "Participant 'p1' already invited or active (duplicate invite)",
        "Participant 'p2' already invited or active (duplicate invite)",
        "Missing participant_id in payload",
        "Invalid participant_identity in payload",
        "Invalid participant_identity in payload",
        "Missing participant_id in payload",
    ]
    assert list(state.participants) == ["p1"]
    assert state.event_count == 8


def test_a_departed_participant_may_be_invited_again() -> None:
    stream = joined("p1")
    stream.leave("p1")
    stream.invite("p1")
    stream.join("p1")
    state = reduce(stream)
    assert state.anomalies == ()
    assert list(state.participants) == ["p1"]


# --- joins and leaves ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_join_anomalies(mode: str) -> None:
    stream = joined("p1")
    stream.join("p1")
    stream.add("ParticipantJoined", participant_identity=identity("p2"))
    stream.join("p3", participant_identity=None)
    state = reduce(stream, mode)
    assert reasons(state.anomalies) == [
        "Duplicate join for participant 'p1'",
        "Missing participant_id in payload",
        "Invalid participant_identity in payload",
    ]
    assert list(state.participants) == ["p1"]


def test_join_keeps_the_identity_of_the_event_even_if_ids_differ() -> None:
    stream = Stream()
    stream.join("p1", participant_identity=identity("other", "llm_context", display_name="Bo"))
    state = reduce(stream)
    assert state.participants["p1"] == ParticipantIdentity(
        participant_id="other", participant_type="llm_context", display_name="Bo"
    )


def test_leave_moves_the_identity_and_cleans_up_but_keeps_sessions() -> None:
    stream = joined("p1", "p2")
    for pid in ("p1", "p2"):
        stream.intent(pid, "active")
        stream.focus(pid, "wp", "WP01")
        stream.heartbeat(pid)
        stream.start(pid, "s1")
    stream.link("p1", "saas-9")
    stream.comment("p1")
    stream.leave("p1")
    state = reduce(stream)
    assert list(state.participants) == ["p2"]
    assert state.departed_participants == {"p1": identity_model("p1")}
    assert state.active_drivers == frozenset({"p2"})
    assert state.focus_by_participant == {"p2": FocusTarget(target_type="wp", target_id="WP01")}
    assert state.participants_by_focus == {"wp:WP01": frozenset({"p2"})}
    assert list(state.presence) == ["p2"]
    assert state.active_executions == {"p2": ["s1"]}
    assert state.linked_sessions == {"p1": ["saas-9"]}
    assert len(state.comments) == 1


def test_rejoin_appends_to_the_roster_and_leaves_departed() -> None:
    stream = joined("p1", "p2")
    stream.leave("p1")
    stream.join("p1", participant_identity=identity("p1", display_name="back"))
    state = reduce(stream)
    assert list(state.participants) == ["p2", "p1"]
    assert state.participants["p1"].display_name == "back"
    assert state.departed_participants == {}


def test_departed_order_follows_the_latest_leave() -> None:
    stream = joined("p1", "p2")
    stream.leave("p1")
    stream.leave("p2")
    stream.join("p1")
    stream.leave("p1")
    assert list(reduce(stream).departed_participants) == ["p2", "p1"]


@pytest.mark.parametrize("mode", MODES)
def test_leave_anomalies(mode: str) -> None:
    stream = joined("p1")
    stream.leave("p1")
    stream.leave("p1")
    stream.leave("ghost")
    stream.add("ParticipantLeft", mission_id=MISSION)
    state = reduce(stream, mode)
    assert reasons(state.anomalies) == [
        "Participant 'p1' not in roster (duplicate leave or unknown)",
        "Participant 'ghost' not in roster (duplicate leave or unknown)",
        "Missing participant_id in payload",
    ]


# --- heartbeats, intents, focus -----------------------------------------------------------


def test_heartbeat_after_leave_raises_the_departed_error_in_strict_mode() -> None:
    stream = joined("p1")
    stream.leave("p1")
    stream.heartbeat("p1")
    with pytest.raises(ParticipantDepartedError) as caught:
        reduce(stream)
    assert str(caught.value) == (
        f"Participant 'p1' has departed (event_id={event_id(3)}, event_type=PresenceHeartbeat)"
    )
    assert isinstance(caught.value, SpecKittyEventsError)


def test_heartbeat_after_leave_still_records_presence_in_permissive_mode() -> None:
    stream = joined("p1")
    stream.leave("p1")
    beat = stream.heartbeat("p1")
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == ["Participant 'p1' has departed"]
    assert state.presence == {"p1": beat.timestamp}
    assert state.participants == {}


def test_last_heartbeat_wins_and_keeps_key_position() -> None:
    stream = joined("p1", "p2")
    stream.heartbeat("p1")
    stream.heartbeat("p2")
    last = stream.heartbeat("p1")
    state = reduce(stream)
    assert list(state.presence) == ["p1", "p2"]
    assert state.presence["p1"] == last.timestamp


@pytest.mark.parametrize("mode", MODES)
def test_events_with_a_bad_participant_id_are_skipped_but_counted_and_reported(mode: str) -> None:
    stream = joined("p1")
    stream.heartbeat("")
    stream.heartbeat(None)
    stream.add("DriveIntentSet", intent="active")
    stream.add("CommentPosted", participant_id=3, comment_id="c", content="x")
    skipped: List[CollaborationAnomaly] = []
    state = reduce(stream, mode, on_skip=skipped.append)
    assert state.anomalies == ()
    assert state.comments == ()
    assert state.presence == {}
    assert state.event_count == 5
    assert [s.event_id for s in skipped] == [event_id(2), event_id(3), event_id(4), event_id(5)]
    assert {s.reason for s in skipped} == {
        "Skipped: participant_id is missing or not a non-empty string"
    }


def test_drive_intent_active_inactive_and_unknown_values() -> None:
    stream = joined("p1", "p2")
    stream.intent("p1", "active")
    stream.intent("p2", "active")
    stream.intent("p2", "inactive")
    stream.intent("p1", "Inactive")
    stream.intent("p1", None)
    skipped: List[CollaborationAnomaly] = []
    state = reduce(stream, on_skip=skipped.append)
    assert state.active_drivers == frozenset({"p1"})
    assert state.anomalies == ()
    assert reasons(skipped) == [
        "Skipped: unrecognised intent 'Inactive'",
        "Skipped: unrecognised intent None",
    ]


def test_inactive_for_a_non_driver_is_a_no_op() -> None:
    stream = joined("p1")
    stream.intent("p1", "inactive")
    assert reduce(stream).active_drivers == frozenset()


def test_refocus_moves_the_participant_between_keys() -> None:
    stream = joined("p1")
    stream.focus("p1", "wp", "WP01")
    stream.focus("p1", "wp", "WP02")
    state = reduce(stream)
    assert state.participants_by_focus == {"wp:WP02": frozenset({"p1"})}
    assert state.focus_by_participant == {"p1": FocusTarget(target_type="wp", target_id="WP02")}


def test_recreated_focus_key_moves_to_the_end() -> None:
    stream = joined("p1", "p2")
    stream.focus("p1", "step", "step-5")
    stream.focus("p2", "file", "src/main.py")
    stream.focus("p1", "step", "step-5")  # sole member re-focuses on the same target
    state = reduce(stream)
    assert list(state.participants_by_focus) == ["file:src/main.py", "step:step-5"]
    assert list(state.focus_by_participant) == ["p1", "p2"]


def test_shared_focus_keeps_the_key_while_someone_remains() -> None:
    stream = joined("p1", "p2")
    stream.focus("p1", "wp", "WP03")
    stream.focus("p2", "wp", "WP03")
    stream.focus("p1", "wp", "WP04")
    state = reduce(stream)
    assert state.participants_by_focus == {
        "wp:WP03": frozenset({"p2"}),
        "wp:WP04": frozenset({"p1"}),
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "target", [None, "wp:WP01", {"target_type": "WP", "target_id": "x"}, {"target_type": "wp"}]
)
def test_invalid_focus_target_is_an_anomaly_in_both_modes(mode: str, target: Any) -> None:
    stream = joined("p1")
    stream.focus("p1", "wp", "WP01")
    stream.add("FocusChanged", participant_id="p1", focus_target=target)
    state = reduce(stream, mode)
    assert reasons(state.anomalies) == ["Invalid focus_target in payload"]
    assert state.participants_by_focus == {"wp:WP01": frozenset({"p1"})}


def test_missing_focus_target_is_an_anomaly() -> None:
    stream = joined("p1")
    stream.add("FocusChanged", participant_id="p1")
    assert reasons(reduce(stream).anomalies) == ["Invalid focus_target in payload"]


def test_participant_check_runs_before_the_target_is_parsed() -> None:
    stream = Stream()
    stream.add("FocusChanged", participant_id="ghost", focus_target=None)
    with pytest.raises(UnknownParticipantError):
        reduce(stream)
    assert reasons(reduce(stream, "permissive").anomalies) == ["Unknown participant 'ghost'"]


# --- prompt steps -------------------------------------------------------------------------


def test_completion_removes_the_first_matching_start_and_keeps_empty_lists() -> None:
    stream = joined("p1", "p2")
    stream.start("p1", "s1")
    stream.start("p1", "s2")
    stream.start("p1", "s1")
    stream.complete("p1", "s1")
    stream.start("p2", "s9")
    stream.complete("p2", "s9")
    state = reduce(stream)
    assert state.active_executions == {"p1": ["s2", "s1"], "p2": []}


def test_missing_step_ids_are_the_empty_string() -> None:
    stream = joined("p1")
    stream.add("PromptStepExecutionStarted", participant_id="p1")
    state = reduce(stream)
    assert state.active_executions == {"p1": [""]}
    stream.add("PromptStepExecutionCompleted", participant_id="p1")
    assert reduce(stream).active_executions == {"p1": []}


def test_unmatched_completion_raises_in_strict_mode() -> None:
    stream = joined("p1")
    stream.complete("p1", "s1")
    with pytest.raises(UnmatchedStepCompletionError) as caught:
        reduce(stream)
    assert str(caught.value) == (
        "No matching PromptStepExecutionStarted for step 's1' by participant 'p1' "
        f"(event_id={event_id(2)}, event_type=PromptStepExecutionCompleted)"
    )


@pytest.mark.parametrize(("step", "shown"), [("s1", "'s1'"), (5, "5"), ({"id": 1}, "{'id': 1}")])
def test_unmatched_completion_is_an_anomaly_in_permissive_mode(step: Any, shown: str) -> None:
    stream = joined("p1")
    stream.start("p1", "s2")
    stream.complete("p1", step)
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == [
        f"No matching PromptStepExecutionStarted for step {shown} by participant 'p1'"
    ]
    assert state.active_executions == {"p1": ["s2"]}


def test_completion_by_someone_else_does_not_match() -> None:
    stream = joined("p1", "p2")
    stream.start("p1", "s1")
    stream.complete("p2", "s1")
    state = reduce(stream, "permissive")
    assert state.active_executions == {"p1": ["s1"]}
    assert len(state.anomalies) == 1


def test_a_wrongly_typed_step_id_is_a_payload_error_or_anomaly() -> None:
    stream = joined("p1")
    stream.start("p1", 5)
    with pytest.raises(InvalidCollaborationPayloadError) as caught:
        reduce(stream)
    assert caught.value.field_name == "step_id"
    assert f"event_id={event_id(2)}" in str(caught.value)
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == ["Invalid step_id in payload: expected a string, got int"]
    assert state.active_executions == {}


# --- warnings -----------------------------------------------------------------------------


def test_warning_is_recorded_with_its_participants() -> None:
    stream = joined("p1", "p2")
    stream.warn("w1", ["p1", "p2"])
    state = reduce(stream)
    (entry,) = state.warnings
    assert (entry.warning_id, entry.event_id, entry.warning_type) == (
        "w1",
        event_id(3),
        CONCURRENT_DRIVER_WARNING,
    )
    assert entry.participant_ids == ("p1", "p2")
    assert entry.acknowledgements == {}


@pytest.mark.parametrize("pids", [[], ["p1"]])
def test_reducer_records_warnings_with_fewer_than_two_participants(pids: List[str]) -> None:
    stream = joined("p1")
    stream.warn("w1", pids)
    assert reduce(stream).warnings[0].participant_ids == tuple(pids)


def test_warning_with_unknown_and_departed_participants() -> None:
    stream = joined("p1", "p2")
    stream.leave("p2")
    stream.warn("w1", ["ghost", "p2", "p1"])
    with pytest.raises(UnknownParticipantError, match="'ghost'"):
        reduce(stream)
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == [
        "Unknown participant 'ghost'",
        "Participant 'p2' has departed",
    ]
    assert state.warnings[0].participant_ids == ("ghost", "p2", "p1")


def test_warning_with_a_departed_participant_raises_the_departed_error() -> None:
    stream = joined("p1", "p2")
    stream.leave("p2")
    stream.warn("w1", ["p1", "p2"])
    with pytest.raises(ParticipantDepartedError):
        reduce(stream)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("warning_id", "pids", "reason"),
    [
        ("", ["p1", "p2"], "Skipped: warning_id is missing or not a non-empty string"),
        (7, ["p1", "p2"], "Skipped: warning_id is missing or not a non-empty string"),
        ("w1", ("p1", "p2"), "Skipped: participant_ids is not a list"),
        ("w1", "p1", "Skipped: participant_ids is not a list"),
    ],
)
def test_malformed_warnings_are_skipped(mode: str, warning_id: Any, pids: Any, reason: str) -> None:
    stream = joined("p1", "p2")
    stream.warn(warning_id, pids)
    skipped: List[CollaborationAnomaly] = []
    state = reduce(stream, mode, on_skip=skipped.append)
    assert state.warnings == ()
    assert state.anomalies == ()
    assert state.event_count == 3
    assert reasons(skipped) == [reason]


def test_non_string_warning_participants() -> None:
    stream = joined("p1")
    stream.warn("w1", ["p1", 5, {"id": "x"}])
    with pytest.raises(UnknownParticipantError) as caught:
        reduce(stream)
    assert str(caught.value).startswith(f"Unknown participant 5 in event {event_id(2)}")
    assert caught.value.participant_id == 5
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == [
        "Unknown participant 5",
        "Unknown participant {'id': 'x'}",
        "Invalid participant_ids in payload: expected strings, got int",
    ]
    assert state.warnings == ()


@pytest.mark.parametrize(("stray", "shown"), [(None, "NoneType"), (0, "int"), (False, "bool")])
def test_a_falsy_non_string_warning_participant_is_an_anomaly_not_a_crash(
    stray: Any, shown: str
) -> None:
    stream = joined("p1", "p2")
    stream.warn("w1", ["p1", stray, "p2"])
    state = reduce(stream, "permissive")
    assert state.warnings == ()
    assert reasons(state.anomalies) == [
        f"Unknown participant {stray!r}",
        f"Invalid participant_ids in payload: expected strings, got {shown}",
    ]


HUGE = 10**5000  # Python refuses to print an int this long; a reason text must not crash.
PLACEHOLDER = "<huge>"


def with_huge_values(stream: Stream) -> Stream:
    """The stream with every ``PLACEHOLDER`` payload value replaced by ``HUGE``.

    ``Event`` refuses such an int, so only an event built without validation can carry one
    (``model_construct``, or ``model_copy(update=...)`` as here), as a store that trusts its
    rows may hand over; a reducer must still not crash on it.
    """

    def swap(value: Any) -> Any:
        if value == PLACEHOLDER:
            return HUGE
        if isinstance(value, list):
            return [swap(item) for item in value]
        return value

    stream.events = [
        event.model_copy(update={"payload": {k: swap(v) for k, v in event.payload.items()}})
        for event in stream.events
    ]
    return stream


@pytest.mark.parametrize(
    ("spoil", "error", "reason"),
    [
        (
            lambda s: s.warn("w1", ["p1", PLACEHOLDER]),
            UnknownParticipantError,
            "Unknown participant <int too large to show>",
        ),
        (
            lambda s: s.ack("p1", PLACEHOLDER),
            UnknownWarningError,
            "Warning <int too large to show> not found",
        ),
        (
            lambda s: s.complete("p1", PLACEHOLDER),
            UnmatchedStepCompletionError,
            "No matching PromptStepExecutionStarted for step <int too large to show> "
            "by participant 'p1'",
        ),
    ],
    ids=["warning-participant", "acknowledged-warning", "completed-step"],
)
def test_a_value_too_large_to_print_is_described_not_a_crash(
    spoil: Any, error: type, reason: str
) -> None:
    stream = joined("p1")
    spoil(stream)
    with_huge_values(stream)
    with pytest.raises(error, match="too large to show"):
        reduce(stream)
    assert reasons(reduce(stream, "permissive").anomalies)[0] == reason


def test_an_intent_too_large_to_print_is_skipped_with_a_description() -> None:
    stream = joined("p1")
    stream.intent("p1", PLACEHOLDER)
    with_huge_values(stream)
    skipped: List[CollaborationAnomaly] = []
    reduce(stream, "permissive", on_skip=skipped.append)
    assert reasons(skipped) == ["Skipped: unrecognised intent <int too large to show>"]


def test_reissued_warning_replaces_type_and_participants_but_keeps_acks_and_place() -> None:
    stream = joined("p1", "p2", "p3")
    stream.warn("w1", ["p1", "p2"])
    stream.warn("w2", ["p2", "p3"])
    stream.ack("p1", "w1", "hold")
    reissue = stream.warn("w1", ["p1", "p3"], POTENTIAL_STEP_COLLISION_DETECTED)
    state = reduce(stream)
    assert [w.warning_id for w in state.warnings] == ["w1", "w2"]
    first = state.warnings[0]
    assert first.warning_type == POTENTIAL_STEP_COLLISION_DETECTED
    assert first.participant_ids == ("p1", "p3")
    assert first.event_id == reissue.event_id
    assert first.acknowledgements == {"p1": "hold"}


def test_acknowledgements_overwrite_per_participant_and_need_not_be_warned() -> None:
    stream = joined("p1", "p2", "p3")
    stream.warn("w1", ["p1", "p2"])
    stream.ack("p2", "w1", "hold")
    stream.ack("p3", "w1", "")
    stream.ack("p2", "w1", "reassign")
    stream.ack("p1", "w1", "not-a-literal")
    state = reduce(stream)
    assert state.warnings[0].acknowledgements == {"p2": "reassign", "p3": "", "p1": "not-a-literal"}
    assert list(state.warnings[0].acknowledgements) == ["p2", "p3", "p1"]


def test_acknowledging_an_unknown_warning_raises_in_strict_mode() -> None:
    stream = joined("p1")
    stream.ack("p1", "w9")
    with pytest.raises(UnknownWarningError) as caught:
        reduce(stream)
    assert str(caught.value) == (
        f"Warning 'w9' not found (event_id={event_id(2)}, event_type=WarningAcknowledged)"
    )


def test_early_acknowledgement_opens_a_placeholder_the_warning_fills() -> None:
    stream = joined("p1", "p2", "p3")
    stream.warn("w0", ["p2", "p3"])
    early = stream.ack("p1", "w1", "defer")
    stream.ack("p2", "w1", "hold")  # finds the placeholder: no second anomaly
    placeholder_state = reduce(stream, "permissive")
    assert reasons(placeholder_state.anomalies) == ["Warning 'w1' not found"]
    placeholder = placeholder_state.warnings[1]
    assert (placeholder.warning_type, placeholder.event_id) == ("UnknownWarning", early.event_id)
    assert placeholder.participant_ids == ("p1",)
    assert placeholder.acknowledgements == {"p1": "defer", "p2": "hold"}

    real = stream.warn("w1", ["p1", "p2"])
    state = reduce(stream, "permissive")
    assert [w.warning_id for w in state.warnings] == ["w0", "w1"]
    entry = state.warnings[1]
    assert (entry.warning_type, entry.event_id) == (CONCURRENT_DRIVER_WARNING, real.event_id)
    assert entry.participant_ids == ("p1", "p2")
    assert entry.acknowledgements == {"p1": "defer", "p2": "hold"}


def test_acknowledgement_from_an_unknown_participant() -> None:
    stream = joined("p1")
    stream.warn("w1", ["p1"])
    stream.ack("ghost", "w1")
    with pytest.raises(UnknownParticipantError):
        reduce(stream)
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == ["Unknown participant 'ghost'"]
    assert state.warnings[0].acknowledgements == {}


def test_wrongly_typed_acknowledgements() -> None:
    stream = joined("p1")
    stream.warn("w1", ["p1"])
    stream.ack("p1", "w1", 3)
    with pytest.raises(InvalidCollaborationPayloadError, match="Invalid acknowledgement"):
        reduce(stream)
    stream.ack("p1", "w2", None)  # missing warning and a bad value
    stream.ack("p1", ["w3"], "hold")  # a warning id that cannot exist
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == [
        "Invalid acknowledgement in payload: expected a string, got int",
        "Warning 'w2' not found",
        "Invalid acknowledgement in payload: expected a string, got NoneType",
        "Warning ['w3'] not found",
        "Invalid warning_id in payload: expected a string, got list",
    ]
    assert [w.warning_id for w in state.warnings] == ["w1"]
    assert state.warnings[0].acknowledgements == {}


def test_non_string_warning_id_in_strict_mode_is_not_found() -> None:
    stream = joined("p1")
    stream.ack("p1", 4)
    with pytest.raises(UnknownWarningError, match="Warning 4 not found"):
        reduce(stream)


# --- comments, decisions, sessions --------------------------------------------------------


def test_comments_and_decisions_are_kept_in_processing_order() -> None:
    stream = joined("p1", "p2")
    first = stream.comment("p1", "c1", content="  ")
    second = stream.comment("p2", "c1", content="dup id, reply", reply_to="c0")
    decision = stream.decide("p2", "d1", rationale="dropped", referenced_warning_id="w-unknown")
    stream.add("DecisionCaptured", participant_id="p1")
    state = reduce(stream)
    assert state.comments == (
        CommentEntry(comment_id="c1", event_id=first.event_id, participant_id="p1", content="  "),
        CommentEntry(
            comment_id="c1",
            event_id=second.event_id,
            participant_id="p2",
            content="dup id, reply",
            reply_to="c0",
        ),
    )
    assert state.decisions == (
        DecisionEntry(
            decision_id="d1",
            event_id=decision.event_id,
            participant_id="p2",
            topic="merge order",
            chosen_option="WP01 first",
            referenced_warning_id="w-unknown",
        ),
        DecisionEntry(
            decision_id="", event_id=event_id(6), participant_id="p1", topic="", chosen_option=""
        ),
    )


def test_missing_comment_fields_default_to_empty_strings() -> None:
    stream = joined("p1")
    stream.add("CommentPosted", participant_id="p1")
    (entry,) = reduce(stream).comments
    assert (entry.comment_id, entry.content, entry.reply_to) == ("", "", None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": None}, "content"),
        ({"comment_id": 1}, "comment_id"),
        ({"reply_to": 9}, "reply_to"),
    ],
)
def test_wrongly_typed_comment_fields(fields: Dict[str, Any], field: str) -> None:
    stream = joined("p1")
    stream.comment("p1", **fields)
    with pytest.raises(InvalidCollaborationPayloadError) as caught:
        reduce(stream)
    assert caught.value.field_name == field
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies)[0].startswith(f"Invalid {field} in payload: expected a string")
    assert state.comments == ()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"decision_id": 1}, "decision_id"),
        ({"topic": ["t"]}, "topic"),
        ({"chosen_option": None}, "chosen_option"),
        ({"referenced_warning_id": 3}, "referenced_warning_id"),
    ],
)
def test_wrongly_typed_decision_fields(fields: Dict[str, Any], field: str) -> None:
    stream = joined("p1")
    if "decision_id" in fields:
        stream.add("DecisionCaptured", participant_id="p1", topic="t", chosen_option="o", **fields)
    else:
        stream.decide("p1", **fields)
    with pytest.raises(InvalidCollaborationPayloadError, match=f"Invalid {field} in payload"):
        reduce(stream)
    state = reduce(stream, "permissive")
    assert len(state.anomalies) == 1
    assert state.decisions == ()


def test_session_links_keep_duplicates_in_order() -> None:
    stream = joined("p1")
    stream.link("p1", "saas-1")
    stream.link("p1", "saas-1")
    stream.add("SessionLinked", participant_id="p1")
    assert reduce(stream).linked_sessions == {"p1": ["saas-1", "saas-1", ""]}


def test_wrongly_typed_linked_session() -> None:
    stream = joined("p1")
    stream.link("p1", 12)
    with pytest.raises(InvalidCollaborationPayloadError, match="linked_session_id"):
        reduce(stream)
    state = reduce(stream, "permissive")
    assert state.linked_sessions == {}
    assert len(state.anomalies) == 1


@pytest.mark.parametrize(
    "add",
    [
        lambda s: s.heartbeat("p1"),
        lambda s: s.intent("p1", "active"),
        lambda s: s.focus("p1", "wp", "WP01"),
        lambda s: s.start("p1", "s1"),
        lambda s: s.complete("p1", "s1"),
        lambda s: s.ack("p1", "w1"),
        lambda s: s.comment("p1"),
        lambda s: s.decide("p1"),
        lambda s: s.link("p1"),
    ],
)
def test_every_non_lifecycle_event_from_a_departed_participant(add: Any) -> None:
    stream = joined("p1", "p2")
    stream.warn("w1", ["p1", "p2"])
    stream.leave("p1")
    add(stream)
    with pytest.raises(ParticipantDepartedError):
        reduce(stream)
    state = reduce(stream, "permissive")
    assert reasons(state.anomalies) == ["Participant 'p1' has departed"]
    assert state.comments == ()
    assert state.decisions == ()
    assert state.linked_sessions == {}
    assert state.active_drivers == frozenset()
    assert state.active_executions == {}


# --- a clean session ----------------------------------------------------------------------


def full_session() -> Stream:
    stream = Stream()
    stream.invite("p2", by="p1")
    stream.join("p1")
    stream.join("p2", auth_principal_id="auth|2")
    stream.heartbeat("p1")
    stream.intent("p1", "active")
    stream.focus("p1", "wp", "WP01")
    stream.start("p1", "s1")
    stream.complete("p1", "s1")
    stream.warn("w1", ["p1", "p2"])
    stream.warn("w2", ["p1", "p2"], POTENTIAL_STEP_COLLISION_DETECTED)
    stream.ack("p2", "w1", "continue")
    stream.comment("p2", "c1")
    stream.decide("p1", "d1", referenced_warning_id="w1")
    stream.link("p2")
    stream.leave("p2")
    return stream


def test_one_event_of_each_type_in_strict_mode_has_no_anomalies() -> None:
    stream = full_session()
    assert {event.event_type for event in stream.events} == {
        "ParticipantInvited",
        "ParticipantJoined",
        "ParticipantLeft",
        "PresenceHeartbeat",
        "DriveIntentSet",
        "FocusChanged",
        "PromptStepExecutionStarted",
        "PromptStepExecutionCompleted",
        "ConcurrentDriverWarning",
        "PotentialStepCollisionDetected",
        "WarningAcknowledged",
        "CommentPosted",
        "DecisionCaptured",
        "SessionLinked",
    }
    state = reduce(stream)
    assert state.anomalies == ()
    assert state.event_count == 15
    assert list(state.participants) == ["p1"]
    assert list(state.departed_participants) == ["p2"]
    assert state.active_drivers == frozenset({"p1"})
    assert state.active_executions == {"p1": []}
    assert state.linked_sessions == {"p2": ["saas-1"]}
    assert [w.warning_type for w in state.warnings] == [
        CONCURRENT_DRIVER_WARNING,
        POTENTIAL_STEP_COLLISION_DETECTED,
    ]
    assert state.last_processed_event_id == event_id(15)
    assert reduce(stream, "permissive") == state


def test_the_reduced_state_is_read_only_hashable_and_round_trips() -> None:
    state = reduce(full_session())
    with pytest.raises(TypeError):
        state.participants["x"] = identity_model("x")
    with pytest.raises(TypeError):
        state.active_executions["p1"].append("s2")
    assert hash(state) == hash(ReducedCollaborationState.model_validate(state.model_dump()))
    assert ReducedCollaborationState.model_validate(state.model_dump()) == state
    assert ReducedCollaborationState.model_validate(state.model_dump(mode="json")) == state
    assert ReducedCollaborationState.model_validate_json(state.model_dump_json()) == state
