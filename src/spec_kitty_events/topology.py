"""Cause-before-effect ordering of events linked by ``causation_id``."""

from __future__ import annotations

from collections import deque
from typing import Deque, Dict, List

from spec_kitty_events.models import CyclicDependencyError, Event


def topological_sort(events: List[Event]) -> List[Event]:
    """Order events so that each one follows the event named by its ``causation_id``.

    Kahn's algorithm with a FIFO queue: roots first in input order, then breadth-first by
    discovery.  A ``causation_id`` naming no input event is an external parent (the event is a
    root).  Repeated deliveries of one ``event_id`` are sorted once, as the first delivery
    (a redelivery is not a cycle).  Returns the input objects themselves.

    Raises ``CyclicDependencyError`` when causation links form a cycle.
    """
    unique = _first_deliveries(events)
    children = _children_by_parent(unique)
    in_degree = _in_degrees(unique, children)
    ordered = _kahn(unique, children, in_degree)
    if len(ordered) != len(unique):
        raise CyclicDependencyError(
            f"Cyclic dependency detected: {len(unique) - len(ordered)} events could not be "
            "sorted due to circular causation relationships"
        )
    return ordered


def _first_deliveries(events: List[Event]) -> Dict[str, Event]:
    unique: Dict[str, Event] = {}
    for event in events:
        unique.setdefault(event.event_id, event)
    return unique


def _children_by_parent(unique: Dict[str, Event]) -> Dict[str, List[str]]:
    children: Dict[str, List[str]] = {event_id: [] for event_id in unique}
    for event_id, event in unique.items():
        parent = event.causation_id
        if parent is not None and parent in children:
            children[parent].append(event_id)
    return children


def _in_degrees(unique: Dict[str, Event], children: Dict[str, List[str]]) -> Dict[str, int]:
    in_degree = dict.fromkeys(unique, 0)
    for child_ids in children.values():
        for child_id in child_ids:
            in_degree[child_id] += 1
    return in_degree


def _kahn(
    unique: Dict[str, Event], children: Dict[str, List[str]], in_degree: Dict[str, int]
) -> List[Event]:
    queue: Deque[str] = deque(event_id for event_id, degree in in_degree.items() if degree == 0)
    ordered: List[Event] = []
    while queue:
        event_id = queue.popleft()
        ordered.append(unique[event_id])
        for child_id in children[event_id]:
            in_degree[child_id] -= 1
            if in_degree[child_id] == 0:
                queue.append(child_id)
    return ordered
