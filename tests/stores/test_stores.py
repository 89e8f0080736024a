"""Behaviour both durable backends share beyond the contract suite."""

from __future__ import annotations

import threading
from itertools import count
from typing import Any, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec_kitty_events.models import Event, StorageError
from spec_kitty_events.stores.sqlite import RejectedEventError
from tests.factory import make_error_entry, make_event

from .conftest import Backend

# --- idempotency and conflicts ---------------------------------------------------------------


def test_same_event_again_is_a_no_op_even_with_reordered_payload_keys(backend: Backend) -> None:
    store = backend.events()
    event = make_event(payload={"a": 1, "b": 2})
    store.save_event(event)
    store.save_event(event.model_copy(update={"payload": {"b": 2, "a": 1}}))
    assert store.load_all_events() == [event]
    assert store.count() == 1


def test_conflicting_event_in_a_batch_writes_nothing_of_the_batch(backend: Backend) -> None:
    store = backend.events()
    stored = make_event()
    store.save_event(stored)
    fresh = make_event(lamport_clock=2)
    changed = stored.model_copy(update={"payload": {"other": True}})
    with pytest.raises(StorageError, match=f"event {stored.event_id} is already stored"):
        store.save_events([fresh, changed])
    assert store.load_all_events() == [stored]


def test_batch_collapses_identical_duplicates(backend: Backend) -> None:
    store = backend.events()
    first, second = make_event(lamport_clock=1), make_event(lamport_clock=2)
    store.save_events([first, second, first, second])
    assert store.load_all_events() == [first, second]


def test_batch_repeating_an_id_with_other_content_is_refused(backend: Backend) -> None:
    store = backend.events()
    event = make_event()
    changed = event.model_copy(update={"node_id": "elsewhere"})
    with pytest.raises(StorageError, match="twice in one batch"):
        store.save_events([event, changed])
    assert store.load_all_events() == []


def test_replace_mode_keeps_the_last_content_at_the_first_position(backend: Backend) -> None:
    store = backend.events(on_conflict="replace")
    tied = [make_event(lamport_clock=3) for _ in range(3)]
    store.save_events(tied)
    newer = tied[0].model_copy(update={"payload": {"v": 2}})
    store.save_events([newer, newer.model_copy(update={"payload": {"v": 3}})])
    loaded = store.load_all_events()
    assert [event.event_id for event in loaded] == [event.event_id for event in tied]
    assert loaded[0].payload == {"v": 3}


def test_empty_batch_is_a_no_op(backend: Backend) -> None:
    store = backend.events()
    store.save_events([])
    assert store.count() == 0


def test_unknown_conflict_mode_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError, match="on_conflict must be 'raise' or 'replace'"):
        backend.events(on_conflict="ignore")


def test_a_batch_returns_how_many_of_its_events_were_new(backend: Backend) -> None:
    store = backend.events()
    first, second, third = (make_event(lamport_clock=n) for n in (1, 2, 3))
    assert store.save_events([first, second]) == 2
    assert store.save_events([first, second, third, third]) == 1
    assert store.save_events([first]) == 0
    assert store.save_events([]) == 0
    assert store.count() == 3


def test_a_replacement_is_not_counted_as_a_new_event(backend: Backend) -> None:
    store = backend.events(on_conflict="replace")
    kept = make_event()
    assert store.save_events([kept]) == 1
    replaced = kept.model_copy(update={"payload": {"v": 2}})
    assert store.save_events([replaced, make_event(lamport_clock=2)]) == 1
    assert store.load_all_events()[0].payload == {"v": 2}


def test_a_conflict_is_a_rejection_naming_the_event_id(backend: Backend) -> None:
    store = backend.events()
    stored = make_event()
    store.save_event(stored)
    with pytest.raises(RejectedEventError, match="already stored") as caught:
        store.save_events([stored.model_copy(update={"payload": {"other": 1}})])
    assert (caught.value.event_id, caught.value.field) == (stored.event_id, "event_id")


# --- bad input -------------------------------------------------------------------------------


def test_payload_without_a_json_form_is_refused_and_nothing_is_written(backend: Backend) -> None:
    store = backend.events()
    good = make_event()
    bad = make_event(payload={"when": object()})
    with pytest.raises(
        RejectedEventError, match=f"event {bad.event_id}: payload cannot be stored"
    ) as caught:
        store.save_events([good, bad])
    assert (caught.value.event_id, caught.value.field) == (bad.event_id, "payload")
    assert store.count() == 0


def test_saving_something_else_than_an_event_is_a_type_error(backend: Backend) -> None:
    with pytest.raises(TypeError, match="expected an Event to save, got dict"):
        backend.events().save_event({"event_id": "x"})


def test_clock_values_must_be_non_negative_ints(backend: Backend) -> None:
    clocks = backend.clocks()
    for bad in (1.5, True, "3"):
        with pytest.raises(ValueError, match="must be ≥ 0 and an int"):
            clocks.save("node", bad)
    with pytest.raises(TypeError, match="node_id must be a str, got int"):
        clocks.load(7)
    assert clocks.load("node") == 0


def test_appending_something_else_than_an_error_entry_is_a_type_error(backend: Backend) -> None:
    with pytest.raises(TypeError, match="expected an ErrorEntry to append, got str"):
        backend.errors().append("boom")


# --- values the in-memory store takes that a database column might not ----------------------


def test_lamport_clocks_beyond_64_bits_keep_numeric_order(backend: Backend) -> None:
    store = backend.events()
    clocks = [2**70, 5, 2**64, 2**63 - 1, 2**63, 2**64 + 1]
    for clock in clocks:
        store.save_event(make_event(lamport_clock=clock))
    assert [event.lamport_clock for event in store.load_all_events()] == sorted(clocks)
    assert [event.lamport_clock for event in store.load_events("WP01")] == sorted(clocks)


def test_a_batch_with_one_clock_beyond_64_bits_keeps_numeric_order(backend: Backend) -> None:
    store = backend.events()
    clocks = [7, 2**64 + 1, 5, 2**63 - 1]
    assert store.save_events([make_event(lamport_clock=clock) for clock in clocks]) == 4
    assert [event.lamport_clock for event in store.load_all_events()] == sorted(clocks)


def test_clock_storage_keeps_values_beyond_64_bits(backend: Backend) -> None:
    clocks = backend.clocks()
    clocks.save("node", 2**80)
    clocks.save("node", 2**64)
    clocks.save("node", 12)
    assert clocks.load("node") == 2**80
    clocks.save("node", 2**81 + 3)
    assert clocks.load("node") == 2**81 + 3


def test_node_ids_order_by_code_point_beyond_ascii(backend: Backend) -> None:
    store = backend.events()
    nodes = ["é", "z", "Z", "日本", "😀", "a"]
    for node in nodes:
        store.save_event(make_event(node_id=node))
    assert [event.node_id for event in store.load_all_events()] == sorted(nodes)


# --- persistence, retention, lifecycle ---------------------------------------------------------


def test_everything_survives_reopening(backend: Backend) -> None:
    events, clocks, errors = backend.events(), backend.clocks(), backend.errors(5)
    event = make_event(payload={"a": 1, "b": [1, 2, {"c": None}]})
    events.save_event(event)
    clocks.save("node", 41)
    errors.append(make_error_entry("deploy"))
    for store in (events, clocks, errors):
        store.close()
    assert backend.events().load_all_events() == [event]
    assert backend.clocks().load("node") == 41
    assert [e.action_attempted for e in backend.errors(5).load_recent()] == ["deploy"]


def test_a_bound_of_zero_keeps_no_error_entries(backend: Backend) -> None:
    errors = backend.errors(0)
    errors.append(make_error_entry("lost"))
    assert errors.load_recent(5) == []


def test_closed_store_reports_a_storage_error(backend: Backend) -> None:
    with backend.events() as store:
        store.save_event(make_event())
    with pytest.raises(StorageError):
        store.load_all_events()
    with pytest.raises(StorageError):
        store.save_event(make_event())


def test_threads_may_share_one_store(backend: Backend) -> None:
    store = backend.events()
    batches = [[make_event(lamport_clock=n) for n in range(50)] for _ in range(4)]
    threads = [
        threading.Thread(target=lambda b=batch: [store.save_event(e) for e in b])
        for batch in batches
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count() == 200


# --- order: any delivery order and duplication folds to the contract's order -------------------

_property_numbers = count(1)
_events = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(["a", "b", "B"])), min_size=1, max_size=12
)


def _expected_order(deliveries: List[Event]) -> List[str]:
    """The contract's order: first save of each id, stable-sorted by (clock, node)."""
    first: dict[str, Event] = {}
    for event in deliveries:
        first.setdefault(event.event_id, event)
    ordered = sorted(first.values(), key=lambda e: (e.lamport_clock, e.node_id))
    return [event.event_id for event in ordered]


# Each example works on an aggregate of its own, so sharing the store across examples is safe.
@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=_events, data=st.data())
def test_any_delivery_order_with_duplicates_loads_in_contract_order(
    backend: Backend, keys: List[Any], data: st.DataObject
) -> None:
    aggregate = f"prop-{next(_property_numbers)}"
    events = [make_event(aggregate_id=aggregate, lamport_clock=c, node_id=n) for c, n in keys]
    deliveries = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events)))))
    store = backend.events()
    batched = data.draw(st.booleans())
    if batched:
        store.save_events(deliveries)
    else:
        for event in deliveries:
            store.save_event(event)
    assert [e.event_id for e in store.load_events(aggregate)] == _expected_order(deliveries)
    if not any(k1 == k2 for i, k1 in enumerate(keys) for k2 in keys[i + 1 :]):
        # Without full ties the order does not depend on delivery order at all.
        expected = sorted(events, key=lambda e: (e.lamport_clock, e.node_id))
        assert store.load_events(aggregate) == expected
    store.close()
