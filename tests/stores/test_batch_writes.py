"""A large batch is written at once, with the counts and refusals of one write per event.

Batches larger than one id look-up (500 ids) mix new events, events already stored and, at the
end, an id stored with other content: the refusal names that id and nothing of the batch is
written; without it, the count is the new events only.
"""

from __future__ import annotations

from typing import Any

import pytest

from spec_kitty_events.stores.sqlite import RejectedEventError
from tests.factory import event_id, make_event


def test_a_large_batch_stores_its_new_events_and_counts_only_those(backend: Any) -> None:
    store = backend.events()
    already = [make_event(n) for n in range(1, 1200, 2)]
    assert store.save_events(already) == len(already)
    batch = [make_event(n) for n in range(1, 1201)]
    assert store.save_events(batch) == 1200 - len(already)
    assert store.count() == 1200
    assert store.save_events(batch) == 0


def test_a_conflict_late_in_a_large_batch_writes_nothing_of_it(backend: Any) -> None:
    store = backend.events()
    store.save_events([make_event(1100)])
    batch = [make_event(n) for n in range(1, 1101)]
    batch[-1] = make_event(1100, node_id="elsewhere")
    with pytest.raises(RejectedEventError, match=f"event {event_id(1100)} is already stored"):
        store.save_events(batch)
    assert store.count() == 1
