"""merge_gset and merge_counter, with the library's validation of bad values."""

from __future__ import annotations

from typing import Any

import pytest

from spec_kitty_events.crdt import merge_counter, merge_gset
from spec_kitty_events.models import ValidationError
from tests.factory import make_event


def tagged(tags: Any) -> Any:
    return make_event(payload={"tags": tags})


def test_gset_of_nothing_is_empty() -> None:
    assert merge_gset([]) == set()
    assert merge_gset([make_event(payload={})]) == set()


def test_gset_unions_every_collection_type() -> None:
    events = [tagged({"a"}), tagged(["b", "a"]), tagged(("c",)), tagged(frozenset({"d"}))]
    assert merge_gset(events) == {"a", "b", "c", "d"}


def test_gset_returns_a_new_set() -> None:
    tags = {"a"}
    event = tagged(tags)
    merged = merge_gset([event])
    merged.add("z")
    assert event.payload["tags"] == {"a"}
    assert type(merge_gset([tagged(frozenset({"x"}))])) is set


def test_gset_accepts_other_iterables() -> None:
    assert merge_gset([tagged(range(3))]) == {0, 1, 2}


@pytest.mark.parametrize(
    ("value", "type_name"),
    [("abc", "str"), (b"ab", "bytes"), ({"k": 1}, "dict"), (None, "NoneType"), (5, "int")],
)
def test_gset_refuses_values_that_are_not_tag_collections(value: Any, type_name: str) -> None:
    event = tagged(value)
    with pytest.raises(ValidationError) as raised:
        merge_gset([event])
    assert str(raised.value) == (
        f"Event {event.event_id}: payload 'tags' must be a collection of tags, got {type_name}"
    )


def test_gset_refuses_unhashable_tags() -> None:
    event = tagged([["nested"]])
    with pytest.raises(ValidationError, match=f"Event {event.event_id}: .*unhashable"):
        merge_gset([event])


def test_counter_of_nothing_is_zero() -> None:
    assert merge_counter([]) == 0
    assert merge_counter([make_event(payload={})]) == 0


def test_counter_sums_deltas_including_negative_ones() -> None:
    events = [make_event(payload={"delta": d}) for d in (5, -2, 10)]
    assert merge_counter(events) == 13


def test_counter_counts_each_event_id_once_first_delivery_wins() -> None:
    first = make_event(payload={"delta": 3})
    conflicting = first.model_copy(update={"payload": {"delta": 100}})
    assert merge_counter([first, first, conflicting]) == 3
    assert merge_counter([conflicting, first]) == 100


def test_counter_does_not_read_later_deliveries_by_default() -> None:
    first = make_event(payload={"delta": 1})
    broken = first.model_copy(update={"payload": {"delta": None}})
    assert merge_counter([first, broken]) == 1


def test_counter_can_reject_conflicting_deliveries() -> None:
    first = make_event(payload={"delta": 3})
    same = first.model_copy()
    conflicting = first.model_copy(update={"payload": {"delta": 4}})
    assert merge_counter([first, same], reject_conflicts=True) == 3
    with pytest.raises(ValidationError) as raised:
        merge_counter([first, conflicting], reject_conflicts=True)
    assert str(raised.value) == (
        f"Event {first.event_id} delivered with conflicting deltas: 3 and 4"
    )


@pytest.mark.parametrize(
    ("delta", "type_name"), [(1.5, "float"), (True, "bool"), (None, "NoneType"), ("2", "str")]
)
def test_counter_refuses_non_integer_deltas(delta: Any, type_name: str) -> None:
    event = make_event(payload={"delta": delta})
    with pytest.raises(ValidationError) as raised:
        merge_counter([event])
    assert str(raised.value) == (
        f"Event {event.event_id}: payload 'delta' must be an int, got {type_name}"
    )
