"""A writer process for the concurrency and crash tests (run as a script, not collected).

``python _writer.py BACKEND TARGET WORKER COUNT BATCH`` appends ``COUNT`` events of its own,
numbered from 1 (``BATCH`` of its own per ``save_events`` call, ``1`` meaning ``save_event``),
and prints ``saved N`` after each call returns, so a parent can tell exactly which events
were reported as stored.
Every 20th step it also re-delivers an event of the next worker, with identical content,
so cross-process duplicates are exercised too.  After each call its ``LamportClock`` (on the
store's clock storage) is brought up to ``N``, and ``N`` is saved under the shared node
``"all"`` as well.
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, List

from spec_kitty_events.clock import LamportClock
from spec_kitty_events.models import Event

WORKERS = 4
PROJECT = uuid.UUID("00000000-0000-4000-8000-000000000001")
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def event_of(worker: int, number: int) -> Event:
    """The one event every process builds identically for ``(worker, number)``."""
    return Event(
        event_id=str(uuid.UUID(int=(worker + 1) << 64 | number)),
        event_type="Appended",
        aggregate_id=f"agg-{number % 7}",
        payload={"worker": worker, "number": number},
        timestamp=BASE + timedelta(microseconds=number),
        node_id=f"w{worker}",
        lamport_clock=number,
        project_uuid=PROJECT,
        correlation_id=str(uuid.UUID(int=worker + 1)),
    )


def open_stores(backend: str, target: str) -> Any:
    if backend == "sqlite":
        from spec_kitty_events.stores import sqlite

        return (
            sqlite.SQLiteEventStore(target, synchronous="NORMAL"),
            sqlite.SQLiteClockStorage(target, synchronous="NORMAL"),
        )
    from spec_kitty_events.stores import postgres

    return postgres.PostgresEventStore(target), postgres.PostgresClockStorage(target)


def main(argv: List[str]) -> None:
    backend, target = argv[0], argv[1]
    worker, total, batch = (int(value) for value in argv[2:5])
    events, clocks = open_stores(backend, target)
    clock = LamportClock(f"w{worker}", clocks)
    pending: List[Event] = []
    for number in range(1, total + 1):
        pending.append(event_of(worker, number))
        if number % 20 == 0:
            pending.append(event_of((worker + 1) % WORKERS, number))
        if number % batch == 0:
            if batch == 1:
                for event in pending:
                    events.save_event(event)
            else:
                events.save_events(pending)
            clock.update(number - 1)  # the clock now reads `number`, and storage has it
            clocks.save("all", number)
            print(f"saved {number}", flush=True)
            pending = []


if __name__ == "__main__":
    main(sys.argv[1:])
