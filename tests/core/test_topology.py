"""topological_sort and its tolerance of repeated deliveries."""

from __future__ import annotations

from typing import List

import pytest

from spec_kitty_events.models import CyclicDependencyError, Event
from spec_kitty_events.topology import topological_sort
from tests.factory import event_id, make_event

EXTERNAL = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def ids(events: List[Event]) -> List[str]:
    return [event.event_id for event in events]


def chain(length: int) -> List[Event]:
    events = [make_event()]
    for _ in range(length - 1):
        events.append(make_event(causation_id=events[-1].event_id))
    return events


def test_empty_input() -> None:
    assert topological_sort([]) == []


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]])
def test_chains_come_out_parent_first(order: List[int]) -> None:
    events = chain(4)
    shuffled = [events[i] for i in order]
    assert ids(topological_sort(shuffled)) == ids(events)


def test_returns_the_input_objects() -> None:
    events = chain(2)
    result = topological_sort(list(reversed(events)))
    assert result[0] is events[0]
    assert result[1] is events[1]


def test_roots_first_in_input_order_then_breadth_first() -> None:
    root_a, root_b = make_event(), make_event()
    a_child = make_event(causation_id=root_a.event_id)
    b_child = make_event(causation_id=root_b.event_id)
    a_grandchild = make_event(causation_id=a_child.event_id)
    given = [a_grandchild, b_child, root_b, a_child, root_a]
    # Roots in input order (root_b, root_a); then children in the order the input listed them.
    assert ids(topological_sort(given)) == ids([root_b, root_a, b_child, a_child, a_grandchild])


def test_children_of_one_parent_follow_input_order() -> None:
    parent = make_event()
    kids = [make_event(causation_id=parent.event_id) for _ in range(3)]
    given = [kids[2], parent, kids[0], kids[1]]
    assert ids(topological_sort(given)) == ids([parent, kids[2], kids[0], kids[1]])


def test_unknown_parent_counts_as_root() -> None:
    orphan = make_event(causation_id=EXTERNAL)
    root = make_event()
    assert ids(topological_sort([orphan, root])) == ids([orphan, root])


def test_self_reference_is_a_cycle() -> None:
    looped_id = event_id(9000)
    looped = make_event(event_id=looped_id, causation_id=looped_id)
    with pytest.raises(CyclicDependencyError) as raised:
        topological_sort([looped, make_event()])
    assert str(raised.value) == (
        "Cyclic dependency detected: 1 events could not be sorted due to circular causation "
        "relationships"
    )


def test_longer_cycle_counts_every_blocked_event() -> None:
    first_id, second_id, third_id = event_id(9101), event_id(9102), event_id(9103)
    cycle = [
        make_event(event_id=first_id, causation_id=third_id),
        make_event(event_id=second_id, causation_id=first_id),
        make_event(event_id=third_id, causation_id=second_id),
    ]
    downstream = make_event(causation_id=third_id)
    with pytest.raises(CyclicDependencyError, match="Cyclic dependency detected: 4 events"):
        topological_sort([*cycle, downstream, make_event()])


def test_repeated_deliveries_are_sorted_once_as_the_first_delivery() -> None:
    parent, child = chain(2)
    redelivered = parent.model_copy(update={"payload": {"second": True}})
    result = topological_sort([child, parent, redelivered, child])
    assert ids(result) == ids([parent, child])
    assert result[0] is parent


def test_cycle_count_ignores_repeated_deliveries() -> None:
    looped_id = event_id(9200)
    looped = make_event(event_id=looped_id, causation_id=looped_id)
    with pytest.raises(CyclicDependencyError, match="detected: 1 events"):
        topological_sort([looped, looped])
