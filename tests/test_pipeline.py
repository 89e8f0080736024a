"""The shared ordering pipeline: selection, order, de-duplication, payload parsing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from spec_kitty_events._pipeline import (
    OrderCheck,
    event_sort_key,
    first_occurrences,
    parse_payload,
    prepare,
    sort_in_fold_order,
)
from spec_kitty_events.models import Event
from tests.factory import make_event


def ev(n: int, clock: int, *, kind: str = "A", payload: Any = None, minute: int = 0) -> Event:
    """Event ``n`` at ``clock``, ``minute`` minutes after the factory's base time."""
    return make_event(
        n, kind, {"n": n} if payload is None else payload, clock=clock, seconds=60 * minute
    )


def test_sort_key_is_clock_then_timestamp_text_then_id() -> None:
    event = ev(7, 3, minute=5)
    assert event_sort_key(event) == (3, "2026-01-15T10:05:00+00:00", event.event_id)


def test_prepare_selects_types_orders_and_drops_duplicates() -> None:
    a1, a2, b = ev(1, 2), ev(2, 1), ev(3, 0, kind="B")
    assert prepare([a1, b, a2, a1], {"A"}) == [a2, a1]
    assert prepare([a1, b, a2], None) == [b, a2, a1]
    assert prepare([], {"A"}) == []


def test_the_copy_with_the_smallest_key_wins() -> None:
    late = ev(1, 5)
    early = late.model_copy(update={"lamport_clock": 2})
    assert prepare([late, early], None) == [early]
    assert prepare([early, late], None) == [early]


def test_conflicting_twins_resolve_the_same_way_in_any_order() -> None:
    one = ev(1, 1, payload={"v": 1})
    two = one.model_copy(update={"payload": {"v": 2}})
    assert prepare([one, two], None) == prepare([two, one], None) == [one]


def test_twins_with_unserialisable_payloads_still_resolve_deterministically() -> None:
    class Opaque:
        def __init__(self, tag: str) -> None:
            self.tag = tag

        def __repr__(self) -> str:
            return f"Opaque({self.tag})"

    one = ev(1, 1, payload={"v": Opaque("a")})
    two = one.model_copy(update={"payload": {"v": Opaque("b")}})
    winner = prepare([two, one], None)
    assert winner == prepare([one, two], None)
    assert len(winner) == 1


def test_first_occurrences_keeps_input_order() -> None:
    a, b = ev(1, 9), ev(2, 1)
    assert first_occurrences([a, b, a]) == [a, b]


class _Payload(BaseModel):
    n: int


def test_parse_payload_returns_model_or_error_never_raises() -> None:
    model, error = parse_payload(_Payload, {"n": 3})
    assert model == _Payload(n=3)
    assert error is None
    model, error = parse_payload(_Payload, {"n": "x"})
    assert model is None
    assert error is not None
    assert "n" in str(error)
    model, error = parse_payload(_Payload, None)
    assert model is None
    assert error is not None


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(0, 3), st.integers(0, 2)), max_size=30),
    st.randoms(use_true_random=False),
)
def test_prepare_is_independent_of_delivery_order_and_duplication(
    specs: list[tuple[int, int, int]], rnd: random.Random
) -> None:
    events = [ev(n, clock, payload={"v": v}) for n, clock, v in specs]
    delivered = events + [rnd.choice(events) for _ in range(len(events) // 2)] if events else []
    shuffled = list(delivered)
    rnd.shuffle(shuffled)
    assert prepare(shuffled, None) == prepare(delivered, None)
    ids = [e.event_id for e in prepare(delivered, None)]
    assert len(ids) == len(set(ids))


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 4), st.integers(0, 5), st.booleans()),
        max_size=40,
    )
)
def test_prepare_orders_exactly_by_the_public_sort_key(
    specs: list[tuple[int, int, int, bool]],
) -> None:
    events = [
        ev(n, clock, minute=minute, kind="A" if keep else "B") for n, clock, minute, keep in specs
    ]
    prepared = prepare(events, {"A"})
    assert prepared == sorted(prepared, key=event_sort_key)
    assert {e.event_id for e in prepared} == {e.event_id for e in events if e.event_type == "A"}


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), max_size=8))
def test_the_order_check_breaks_where_the_sort_keys_first_decrease(
    specs: list[tuple[int, int]],
) -> None:
    _assert_the_check_breaks_where_the_keys_first_decrease(
        [ev(n, clock, minute=minute) for n, (clock, minute) in enumerate(specs)]
    )


def _assert_the_check_breaks_where_the_keys_first_decrease(events: list[Event]) -> None:
    keys = [event_sort_key(event) for event in events]
    first_decrease = next((i for i in range(1, len(keys)) if keys[i] < keys[i - 1]), None)
    order = OrderCheck()
    first_break = next((i for i, event in enumerate(events) if order.breaks_order(event)), None)
    assert first_break == first_decrease


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 2)), max_size=30))
def test_sorting_in_fold_order_is_one_stable_sort_by_the_whole_key(
    specs: list[tuple[int, int, int]],
) -> None:
    # Few ids, clocks and minutes: ties on the clock, on the whole key, and repeated events.
    _assert_sorted_as_one_stable_sort_by_the_key(
        [ev(n, clock, minute=minute) for n, clock, minute in specs]
    )


def _assert_sorted_as_one_stable_sort_by_the_key(events: list[Event]) -> None:
    expected = sorted(events, key=event_sort_key)
    sort_in_fold_order(events)
    assert [id(event) for event in events] == [id(event) for event in expected]


# Timestamps whose ISO text and time order can disagree: naive and aware, several offsets, a
# zone whose offset changes within the hour (New York's 01:00-02:00 on 2026-11-01 comes twice,
# fold 0 at -04:00, then fold 1 at -05:00), with and without a fraction of a second.
_ZONES = [
    None,
    timezone.utc,
    timezone(timedelta(hours=5, minutes=30)),
    ZoneInfo("America/New_York"),
]
_timestamps = st.builds(
    lambda zone, minute, second, micro, fold: datetime(
        2026, 11, 1, 1, minute, second, micro, tzinfo=zone, fold=fold
    ),
    st.sampled_from(_ZONES),
    st.integers(0, 1),
    st.integers(0, 1),
    st.sampled_from([0, 1, 500_000]),
    st.integers(0, 1),
)
_timed_specs = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 2), _timestamps, st.booleans()), max_size=25
)


def _timed(specs: list[tuple[int, int, datetime, bool]]) -> list[Event]:
    """Events from (id, clock, timestamp, one zone only) specs; with ``one zone only`` every
    event's timestamp is moved into the first spec's zone, so that whole groups share it."""
    first_zone = specs[0][2].tzinfo if specs else None
    return [
        make_event(n, clock=clock, timestamp=stamp.replace(tzinfo=first_zone) if same else stamp)
        for n, clock, stamp, same in specs
    ]


@settings(max_examples=400)
@given(_timed_specs)
def test_sorting_orders_by_the_timestamp_text_whatever_the_offsets(
    specs: list[tuple[int, int, datetime, bool]],
) -> None:
    _assert_sorted_as_one_stable_sort_by_the_key(_timed(specs))


@settings(max_examples=400)
@given(_timed_specs)
def test_the_order_check_follows_the_timestamp_text_whatever_the_offsets(
    specs: list[tuple[int, int, datetime, bool]],
) -> None:
    _assert_the_check_breaks_where_the_keys_first_decrease(_timed(specs))
