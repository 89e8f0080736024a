"""What a batch save reports while other processes save overlapping batches into one store."""

from __future__ import annotations

from typing import Any, Dict, List

from spec_kitty_events.models import Event

from .conftest import Backend
from .test_first_use import PROCESSES, failures, run_together
from .test_stores import make_event

ROUNDS = 10
OWN = 10  # events only this process saves in a round
SHARED = 10  # events it saves that the next process saves too


def _batch(process: int, round_no: int) -> List[Event]:
    first = round_no * 1000 + process * OWN
    return [
        make_event(event_id=f"01JNRC{round_no:010d}{number:010d}", lamport_clock=number)
        for number in range(first, first + OWN + SHARED)
    ]


def test_each_process_counts_only_the_events_it_stored(backend: Backend) -> None:
    backend.events().close()  # the layout exists; this test is about the counts

    def save(process: int, round_no: int) -> int:
        with backend.events() as store:
            stored: int = store.save_events(_batch(process, round_no))
            return stored

    outcomes = run_together(save, ROUNDS)
    assert failures(outcomes) == []
    counts: Dict[int, List[Any]] = {}
    for (round_no, _process), (_status, stored) in outcomes.items():
        counts.setdefault(round_no, []).append(stored)
    distinct_per_round = PROCESSES * OWN + SHARED
    assert {round_no: sum(c) for round_no, c in counts.items()} == dict.fromkeys(
        range(ROUNDS), distinct_per_round
    )
    assert all(0 <= stored <= OWN + SHARED for c in counts.values() for stored in c)
    assert backend.events().count() == ROUNDS * distinct_per_round
