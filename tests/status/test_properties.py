"""Property tests: delivery order and duplication never change a reducer's output."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events._pipeline import prepare
from spec_kitty_events.lifecycle import ReducedMissionState, reduce_lifecycle_events
from spec_kitty_events.models import Event
from spec_kitty_events.status import (
    WP_STATUS_CHANGED,
    Lane,
    ReducedStatus,
    StatusFold,
    StatusTransitionPayload,
    TransitionAnomaly,
    ValidationError,
    WPState,
    normalize_lane,
    reduce_status_events,
    status_event_sort_key,
    validate_transition,
)
from tests.factory import make_event
from tests.status.helpers import transition

FORWARD = ["planned", "claimed", "in_progress", "for_review", "done"]
ANY_LANE = [*FORWARD, "blocked", "canceled", "doing"]
WPS = ["WP01", "WP02", "WP03"]


class _Ids:
    """Hands out fresh event numbers inside one drawn example."""

    def __init__(self) -> None:
        self.next = 1

    def take(self) -> int:
        self.next += 1
        return self.next


@st.composite
def wp_chain(draw: st.DrawFn, ids: _Ids, wp: str) -> List[Event]:
    """A forward walk for one WP, with clocks that may collide (concurrent moves)."""
    steps = draw(st.integers(0, len(FORWARD)))
    clock = draw(st.integers(0, 2))
    events = []
    source: Optional[str] = None
    for target in FORWARD[:steps]:
        clock += draw(st.integers(0, 2))
        events.append(
            make_event(
                ids.take(),
                "WPStatusChanged",
                transition(wp, source, target),
                clock=clock,
                seconds=draw(st.integers(0, 2)),
            )
        )
        source = target
    return events


@st.composite
def noise(draw: st.DrawFn, ids: _Ids) -> Event:
    """A random, often illegal or malformed status event."""
    extra: Dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "force": st.just(True),
                "reason": st.sampled_from(["", "why"]),
                "review_ref": st.sampled_from(["", "PR#1"]),
            },
        )
    )
    payload = transition(
        draw(st.sampled_from(WPS)),
        draw(st.sampled_from([None, *ANY_LANE])),
        draw(st.sampled_from(ANY_LANE)),
        **extra,
    )
    if draw(st.integers(0, 9)) == 0:
        del payload["feature_slug"]
    return make_event(
        ids.take(),
        "WPStatusChanged",
        payload,
        clock=draw(st.integers(0, 12)),
        seconds=draw(st.integers(0, 2)),
    )


@st.composite
def twin_of(draw: st.DrawFn, event: Event) -> Event:
    """Same id, clock and timestamp as ``event``, different content."""
    payload = transition(draw(st.sampled_from(WPS)), None, "planned")
    return event.model_copy(update={"payload": payload, "node_id": "node-twin"})


@st.composite
def status_stream(draw: st.DrawFn) -> List[Event]:
    ids = _Ids()
    events: List[Event] = []
    for wp in WPS:
        events += draw(wp_chain(ids, wp))
    events += draw(st.lists(noise(ids), max_size=8))
    if events and draw(st.booleans()):
        events.append(draw(twin_of(draw(st.sampled_from(events)))))
    return events


@st.composite
def mission_events(draw: st.DrawFn, ids: _Ids) -> List[Event]:
    base = {"mission_id": "M1", "actor": "a"}
    kinds = [
        ("MissionStarted", {**base, "mission_type": "dev", "initial_phase": "specify"}),
        ("PhaseEntered", {**base, "phase_name": "implement"}),
        ("PhaseEntered", {**base, "phase_name": "review"}),
        ("ReviewRollback", {**base, "review_ref": "R", "target_phase": "implement"}),
        ("MissionCompleted", {**base, "mission_type": "dev", "final_phase": "review"}),
        ("MissionCancelled", {**base, "reason": "stop"}),
        ("PhaseEntered", {"mission_id": "M1"}),  # malformed
        ("GatePassed", {}),  # counted, not applied
    ]
    chosen = draw(st.lists(st.sampled_from(kinds), max_size=8))
    return [
        make_event(ids.take() + 1000, kind, payload, clock=draw(st.integers(0, 12)))
        for kind, payload in chosen
    ]


@st.composite
def delivered(draw: st.DrawFn, events: List[Event]) -> List[Event]:
    """Some permutation of ``events`` with some of them delivered more than once."""
    if not events:
        return []
    again = draw(st.lists(st.sampled_from(events), max_size=6))
    return list(draw(st.permutations([*events, *again])))


@settings(max_examples=200)
@given(data=st.data())
def test_status_reducer_ignores_delivery_order_and_duplicates(data: st.DataObject) -> None:
    events = data.draw(status_stream())
    reference = reduce_status_events(events)
    shuffled = reduce_status_events(data.draw(delivered(events)))
    assert shuffled == reference
    assert shuffled.model_dump(mode="json") == reference.model_dump(mode="json")


@settings(max_examples=200)
@given(data=st.data())
def test_lifecycle_reducer_ignores_delivery_order_and_duplicates(data: st.DataObject) -> None:
    events = data.draw(status_stream())
    events += data.draw(mission_events(_Ids()))
    reference = reduce_lifecycle_events(events)
    shuffled = reduce_lifecycle_events(data.draw(delivered(events)))
    assert shuffled == reference
    assert shuffled.model_dump(mode="json") == reference.model_dump(mode="json")
    assert isinstance(reference, ReducedMissionState)


# --- an independent, literal reading of the fold rule as an oracle --------------------------------


def _as_311(lane: Optional[Lane]) -> str:
    return "None" if lane is None else "Lane." + lane.name


def _best_effort_lane(raw: object) -> Optional[Lane]:
    if isinstance(raw, Lane):
        return raw
    if isinstance(raw, str):
        try:
            return normalize_lane(raw)
        except ValidationError:
            return None
    return None


def _literal_reduce(events: List[Event]) -> ReducedStatus:
    """The fold rule step by step, no shortcuts; only valid for streams without content twins."""
    kept = [e for e in events if e.event_type == "WPStatusChanged"]
    kept.sort(key=status_event_sort_key)
    unique: List[Event] = []
    for event in kept:
        if event.event_id not in {u.event_id for u in unique}:
            unique.append(event)
    if not unique:
        return ReducedStatus()
    anomalies: List[TransitionAnomaly] = []
    parsed: List[Tuple[Event, StatusTransitionPayload]] = []
    for event in unique:
        try:
            parsed.append((event, StatusTransitionPayload.model_validate(event.payload)))
        except Exception as error:  # the contract says "any exception"
            raw = event.payload
            wp = raw.get("wp_id")
            anomalies.append(
                TransitionAnomaly(
                    event_id=event.event_id,
                    wp_id=wp if isinstance(wp, str) and wp else "<unknown>",
                    from_lane=_best_effort_lane(raw.get("from_lane")),
                    to_lane=_best_effort_lane(raw.get("to_lane")),
                    reason="payload validation failed: " + str(error),
                )
            )
    keys: List[Tuple[str, int]] = []
    for event, payload in parsed:
        if (payload.wp_id, event.lamport_clock) not in keys:
            keys.append((payload.wp_id, event.lamport_clock))
    states: Dict[str, WPState] = {}
    for key in keys:
        members = [(e, p) for e, p in parsed if (p.wp_id, e.lamport_clock) == key]

        def is_rollback(p: StatusTransitionPayload) -> bool:
            pair = (p.from_lane, p.to_lane)
            return pair == ("for_review", "in_progress") and p.review_ref is not None

        members = [m for m in members if not is_rollback(m[1])] + [
            m for m in members if is_rollback(m[1])
        ]
        snapshot = states.get(key[0])
        expected = snapshot.current_lane if snapshot else None
        for event, payload in members:
            if payload.from_lane != expected:
                reason = (
                    f"from_lane mismatch: expected {_as_311(expected)}, "
                    f"got {_as_311(payload.from_lane)}"
                )
            else:
                verdict = validate_transition(payload)
                if verdict.valid:
                    states[key[0]] = WPState(
                        wp_id=payload.wp_id,
                        current_lane=payload.to_lane,
                        last_event_id=event.event_id,
                        last_transition_at=event.timestamp,
                        evidence=payload.evidence if payload.to_lane == "done" else None,
                    )
                    continue
                reason = "; ".join(verdict.violations)
            anomalies.append(
                TransitionAnomaly(
                    event_id=event.event_id,
                    wp_id=payload.wp_id,
                    from_lane=payload.from_lane,
                    to_lane=payload.to_lane,
                    reason=reason,
                )
            )
    return ReducedStatus(
        wp_states=states,
        anomalies=anomalies,
        event_count=len(unique),
        last_processed_event_id=unique[-1].event_id,
    )


@settings(max_examples=200)
@given(data=st.data())
def test_status_reducer_matches_a_literal_reading_of_the_contract(data: st.DataObject) -> None:
    events = data.draw(status_stream())
    twin_free = {e.event_id: e for e in events}
    stream = data.draw(delivered(list(twin_free.values())))
    assert reduce_status_events(stream) == _literal_reduce(stream)


@settings(max_examples=200)
@given(status_stream())
def test_the_status_fold_frozen_after_each_event_is_the_reducer_of_that_prefix(
    events: List[Event],
) -> None:
    ordered = prepare(events, {WP_STATUS_CHANGED})
    fold = StatusFold()
    for end, event in enumerate(ordered, start=1):
        fold.apply(event)
        # Freezing mid-group must not close the group: the next event may still join it.
        expected = reduce_status_events(ordered[:end])
        frozen = fold.freeze()
        assert frozen == expected
        assert frozen.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)
    assert fold.freeze() == reduce_status_events(events)


def test_the_status_fold_ignores_events_of_other_families() -> None:
    fold = StatusFold()
    fold.apply(make_event(1, "GatePassed", {}))
    assert fold.event_count == 0
    assert fold.freeze() == ReducedStatus()
