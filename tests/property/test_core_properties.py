"""Hypothesis properties of the core: clocks, orders, CRDT merges, causal sort, the store."""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.clock import LamportClock
from spec_kitty_events.conflict import strict_order_key, total_order_key
from spec_kitty_events.crdt import merge_counter, merge_gset
from spec_kitty_events.merge import state_machine_merge
from spec_kitty_events.models import Event, normalize_event_id
from spec_kitty_events.storage import InMemoryClockStorage, InMemoryEventStore
from spec_kitty_events.topology import topological_sort
from tests.factory import make_event

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
EXTERNAL_PARENT = "7" * 26


def build(number: int, **fields: Any) -> Event:
    """Event ``number`` at clock 0 and one shared instant, so only what a test sets differs."""
    return make_event(number, "Probe", clock=0, seconds=0, **fields)


clocks = st.integers(min_value=0, max_value=20)
nodes = st.sampled_from(["a", "b", "B", "node-10", "node-9"])


@st.composite
def distinct_events(draw: st.DrawFn, max_size: int = 12) -> List[Event]:
    """Events with distinct ids and colliding clocks/nodes, so ties really happen."""
    specs = draw(st.lists(st.tuples(clocks, nodes), max_size=max_size))
    return [build(i, lamport_clock=c, node_id=n) for i, (c, n) in enumerate(specs)]


@st.composite
def deliveries(draw: st.DrawFn, events: List[Event]) -> List[Event]:
    """A shuffled delivery of ``events`` in which some are delivered more than once."""
    repeats = draw(st.lists(st.sampled_from(events), max_size=len(events))) if events else []
    return draw(st.permutations(events + repeats))


# --- Lamport clock ------------------------------------------------------------------------------

operations = st.lists(
    st.one_of(st.just(None), st.integers(min_value=0, max_value=10**6)), max_size=40
)


@settings(max_examples=200)
@given(operations)
def test_clock_never_goes_back_and_update_is_max_plus_one(ops: List[Optional[int]]) -> None:
    storage = InMemoryClockStorage()
    clock = LamportClock("n", storage)
    for remote in ops:
        before = clock.current()
        if remote is None:
            assert clock.tick() == before + 1
        else:
            clock.update(remote)
            assert clock.current() == max(before, remote) + 1
        assert clock.current() > before
        assert storage.load("n") == clock.current()
    assert LamportClock("n", storage).current() == clock.current()


# --- ordering keys -----------------------------------------------------------------------------


@settings(max_examples=200)
@given(distinct_events(), st.randoms(use_true_random=False))
def test_order_keys_are_total_and_strict_key_ignores_input_order(
    events: List[Event], rnd: Any
) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    by_strict = sorted(shuffled, key=strict_order_key)
    assert by_strict == sorted(events, key=strict_order_key)
    keys = [strict_order_key(event) for event in by_strict]
    assert all(left < right for left, right in pairwise(keys))
    loose = [total_order_key(event) for event in by_strict]
    assert loose == sorted(loose)
    for event in events:
        assert strict_order_key(event)[:2] == total_order_key(event)


@settings(max_examples=200)
@given(distinct_events(max_size=3))
def test_total_order_key_comparisons_are_consistent(events: List[Event]) -> None:
    keys = [total_order_key(event) for event in events]
    for a in keys:
        for b in keys:
            assert (a < b) + (a == b) + (a > b) == 1
            for c in keys:
                if a <= b <= c:
                    assert a <= c


# --- CRDT merges -------------------------------------------------------------------------------

tag_sets = st.lists(st.frozensets(st.sampled_from("abcdefg"), max_size=4), max_size=6)


def tagged_events(tag_lists: List[frozenset[str]], offset: int) -> List[Event]:
    return [build(offset + i, payload={"tags": sorted(tags)}) for i, tags in enumerate(tag_lists)]


@settings(max_examples=200)
@given(tag_sets, tag_sets, tag_sets)
def test_gset_merge_is_commutative_associative_idempotent(
    a_tags: List[frozenset[str]], b_tags: List[frozenset[str]], c_tags: List[frozenset[str]]
) -> None:
    a, b, c = tagged_events(a_tags, 0), tagged_events(b_tags, 100), tagged_events(c_tags, 200)
    assert merge_gset(a + b) == merge_gset(b + a)
    assert merge_gset(a + b + c) == merge_gset(a) | (merge_gset(b) | merge_gset(c))
    assert merge_gset(a + a) == merge_gset(a)
    assert merge_gset(a) == set().union(*a_tags)


@settings(max_examples=200)
@given(
    st.lists(st.integers(min_value=-50, max_value=50), max_size=10),
    st.randoms(use_true_random=False),
    st.data(),
)
def test_counter_merge_ignores_order_and_redelivery(
    deltas: List[int], rnd: Any, data: st.DataObject
) -> None:
    events = [build(i, payload={"delta": d}) for i, d in enumerate(deltas)]
    received = data.draw(deliveries(events))
    split = rnd.randint(0, len(received))
    assert merge_counter(received) == sum(deltas)
    assert merge_counter(received[:split] + received[split:] + received) == sum(deltas)
    assert merge_counter(received, reject_conflicts=True) == sum(deltas)


# --- state machine merge -----------------------------------------------------------------------

STATES = {"planned": 1, "doing": 2, "review": 2, "done": 3}


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(STATES)), nodes), min_size=1, max_size=6),
    st.data(),
)
def test_merge_winner_ignores_input_order(
    specs: List[Tuple[str, str]], data: st.DataObject
) -> None:
    events = [
        build(i, lamport_clock=3, node_id=n, payload={"state": s}) for i, (s, n) in enumerate(specs)
    ]
    shuffled = data.draw(st.permutations(events))
    expected = state_machine_merge(events, STATES)
    result = state_machine_merge(shuffled, STATES)
    assert result.merged_event is expected.merged_event
    assert result.resolution_note == expected.resolution_note
    best = max(STATES[s] for s, _ in specs)
    assert STATES[result.merged_event.payload["state"]] == best


# --- causal order ------------------------------------------------------------------------------


@st.composite
def causal_histories(draw: st.DrawFn) -> List[Event]:
    """A random forest: each event's cause is an earlier event, an outside one, or nothing."""
    size = draw(st.integers(min_value=0, max_value=15))
    events: List[Event] = []
    for number in range(size):
        choice = draw(st.integers(min_value=-2, max_value=number - 1))
        if choice == -2:
            cause = None
        elif choice == -1:
            cause = EXTERNAL_PARENT
        else:
            cause = events[choice].event_id
        events.append(build(number, causation_id=cause))
    return events


@settings(max_examples=200)
@given(causal_histories(), st.data())
def test_topological_sort_puts_causes_first(history: List[Event], data: st.DataObject) -> None:
    received = data.draw(deliveries(history))
    ordered = topological_sort(received)
    position = {event.event_id: index for index, event in enumerate(ordered)}
    assert sorted(position) == sorted(event.event_id for event in history)
    assert len(ordered) == len(history)
    for event in ordered:
        if event.causation_id in position:
            assert position[event.causation_id] < position[event.event_id]


# --- identifiers --------------------------------------------------------------------------------


@settings(max_examples=200)
@given(
    st.one_of(
        st.text(alphabet=CROCKFORD + CROCKFORD.lower(), min_size=26, max_size=26),
        st.uuids().map(str),
        st.uuids().map(lambda u: u.hex.upper()),
    )
)
def test_normalization_is_idempotent(raw: str) -> None:
    canonical = normalize_event_id(raw)
    assert normalize_event_id(canonical) == canonical
    assert len(canonical) in (26, 36)


# --- the in-memory store against a naive model of its ordering rule ---

store_ops = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.integers(0, 8), clocks, nodes, st.sampled_from("XY")),
        st.tuples(st.just("load"), st.sampled_from("XY")),
        st.tuples(st.just("load_all")),
    ),
    max_size=40,
)


@settings(max_examples=200)
@given(store_ops)
def test_store_matches_a_stable_sort_over_an_insertion_ordered_dict(ops: List[Any]) -> None:
    # The model: one insertion-ordered dict, stable-sorted by (clock, node) on every load.
    store = InMemoryEventStore()
    reference: Dict[str, Event] = {}

    def expected(aggregate: Optional[str]) -> List[Event]:
        chosen = [e for e in reference.values() if aggregate in (None, e.aggregate_id)]
        return sorted(chosen, key=total_order_key)

    for op in ops:
        if op[0] == "save":
            _, number, clock, node, aggregate = op
            event = build(number, lamport_clock=clock, node_id=node, aggregate_id=aggregate)
            store.save_event(event)
            reference[event.event_id] = event
        elif op[0] == "load":
            assert store.load_events(op[1]) == expected(op[1])
        else:
            assert store.load_all_events() == expected(None)
    assert store.load_all_events() == expected(None)
