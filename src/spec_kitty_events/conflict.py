"""Concurrency detection and ordering keys for events.

``is_concurrent`` compares aggregate ids only, not projects: partition events by
``project_uuid`` first when several projects may share aggregate ids.
"""

from __future__ import annotations

from typing import Tuple

from spec_kitty_events.models import Event


def is_concurrent(event1: Event, event2: Event) -> bool:
    """True when two different events touch one aggregate at the same Lamport clock."""
    return (
        event1.lamport_clock == event2.lamport_clock
        and event1.aggregate_id == event2.aggregate_id
        and event1.event_id != event2.event_id
    )


def total_order_key(event: Event) -> Tuple[int, str]:
    """``(lamport_clock, node_id)``: the store's sort key.

    Two events of one node at one clock tie, and a stable sort then keeps their input order.
    Use :func:`strict_order_key` when the order must not depend on input order.
    """
    return (event.lamport_clock, event.node_id)


def strict_order_key(event: Event) -> Tuple[int, str, str]:
    """``(lamport_clock, node_id, event_id)``: a total order over events with distinct ids.

    Extends :func:`total_order_key`, so sorting by it refines that order without changing it.
    """
    return (event.lamport_clock, event.node_id, event.event_id)
