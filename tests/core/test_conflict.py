"""is_concurrent, total_order_key and strict_order_key."""

from __future__ import annotations

import uuid
from datetime import timedelta

from spec_kitty_events.conflict import is_concurrent, strict_order_key, total_order_key
from tests.factory import BASE_TIME, make_event


def test_same_clock_same_aggregate_different_ids_is_concurrent() -> None:
    first = make_event(lamport_clock=4, aggregate_id="WP01", node_id="a")
    second = make_event(lamport_clock=4, aggregate_id="WP01", node_id="b")
    assert is_concurrent(first, second) is True
    assert is_concurrent(second, first) is True


def test_an_event_is_not_concurrent_with_itself_or_its_copy() -> None:
    event = make_event()
    assert is_concurrent(event, event) is False
    assert is_concurrent(event, event.model_copy(update={"node_id": "other"})) is False


def test_different_clock_or_aggregate_is_not_concurrent() -> None:
    base = make_event(lamport_clock=4, aggregate_id="WP01")
    assert is_concurrent(base, make_event(lamport_clock=5, aggregate_id="WP01")) is False
    assert is_concurrent(base, make_event(lamport_clock=4, aggregate_id="WP02")) is False


def test_node_project_causation_and_time_are_ignored() -> None:
    first = make_event(lamport_clock=2)
    second = make_event(
        lamport_clock=2,
        node_id="elsewhere",
        project_uuid=uuid.UUID(int=1),
        causation_id=first.event_id,
        timestamp=BASE_TIME + timedelta(days=3),
    )
    assert is_concurrent(first, second) is True


def test_total_order_key_is_clock_then_node() -> None:
    event = make_event(lamport_clock=9, node_id="node-z")
    assert total_order_key(event) == (9, "node-z")
    assert type(total_order_key(event)) is tuple


def test_total_order_key_ties_keep_input_order() -> None:
    tied = [make_event(lamport_clock=1, node_id="n") for _ in range(3)]
    backwards = tied[::-1]
    assert sorted(backwards, key=total_order_key) == backwards


def test_node_ids_compare_by_code_point() -> None:
    upper, lower = make_event(node_id="Zed"), make_event(node_id="abe")
    assert sorted([lower, upper], key=total_order_key) == [upper, lower]


def test_strict_order_key_appends_the_event_id() -> None:
    event = make_event(lamport_clock=3, node_id="n", event_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert strict_order_key(event) == (3, "n", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    later_id = make_event(lamport_clock=3, node_id="n", event_id="01BX5ZZKBKACTAV9WEVGEMMVRZ")
    assert sorted([later_id, event], key=strict_order_key) == [event, later_id]
