"""Many processes opening one brand-new store at the same instant, round after round.

Each round gets a fresh SQLite file or a fresh PostgreSQL schema; eight forked processes wait
at a barrier, then all open it and save one event of their own.  Every open must succeed and
every event must be there afterwards: first use is where the layout is created, so this is
where concurrent processes race.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

from spec_kitty_events.models import Event

from .test_stores import make_event

# The old SQLite race lost one open in 100 to 1 in 7 depending on load; 200 rounds of eight
# opens catch it every time.  The PostgreSQL one lost most opens, so fewer rounds suffice.
SQLITE_ROUNDS = 200
POSTGRES_ROUNDS = 30
PROCESSES = 8
# A round waits at most this long for its slowest process; the stores' own timeouts are 30 s.
BARRIER_TIMEOUT = 120.0

Opener = Callable[[str], Any]
# What one process did in one round: ("ok", the work's result) or ("failed", the error).
Outcome = Tuple[str, Any]


def _event(process: int, round_no: int) -> Event:
    return make_event(
        event_id=f"01JNRC{round_no:010d}{process:010d}", node_id=f"p{process}", lamport_clock=1
    )


def _each_round(
    work: Callable[[int, int], Any], rounds: int, process: int, barrier: Any, out: Any
) -> None:
    for round_no in range(rounds):
        barrier.wait(BARRIER_TIMEOUT)
        try:
            outcome: Outcome = ("ok", work(process, round_no))
        except Exception as exc:  # every kind of failure is what these tests count
            outcome = ("failed", f"round {round_no}, process {process}: {exc!r}")
        out.put((round_no, process, outcome))


def run_together(work: Callable[[int, int], Any], rounds: int) -> Dict[Tuple[int, int], Outcome]:
    """``work(process, round_no)`` in PROCESSES forked processes, ``rounds`` times; in each
    round every process starts at the same barrier.  Returns each outcome by (round, process).
    """
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    out = context.Queue()
    processes = [
        context.Process(target=_each_round, args=(work, rounds, n, barrier, out))
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    # Drained before joining: a child cannot exit while its queued results are unread.
    outcomes: Dict[Tuple[int, int], Outcome] = {}
    for _ in range(rounds * PROCESSES):
        round_no, process, outcome = out.get(timeout=BARRIER_TIMEOUT * 2)
        outcomes[(round_no, process)] = outcome
    for process in processes:
        process.join(BARRIER_TIMEOUT)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    return outcomes


def failures(outcomes: Dict[Tuple[int, int], Outcome]) -> List[str]:
    return [str(detail) for status, detail in outcomes.values() if status == "failed"]


def race_first_use(opener: Opener, targets: List[str]) -> List[str]:
    """Every process opens the round's new target and saves its event; returns the failures."""

    def open_and_save(process: int, round_no: int) -> None:
        with opener(targets[round_no]) as store:
            store.save_event(_event(process, round_no))

    return failures(run_together(open_and_save, len(targets)))


def _sqlite_store(path: str) -> Any:
    from spec_kitty_events.stores.sqlite import SQLiteEventStore

    return SQLiteEventStore(path, synchronous="NORMAL")


def _postgres_store(dsn: str) -> Any:
    from spec_kitty_events.stores.postgres import PostgresEventStore

    return PostgresEventStore(dsn)


def _stored_ids(store: Any) -> List[str]:
    with store:
        return sorted(event.event_id for event in store.load_all_events())


def _expected_ids(round_no: int) -> List[str]:
    return sorted(_event(process, round_no).event_id for process in range(PROCESSES))


def test_processes_opening_a_new_sqlite_file_together_all_succeed(tmp_path: Path) -> None:
    targets = [str(tmp_path / f"round-{n}.db") for n in range(SQLITE_ROUNDS)]
    failed = race_first_use(_sqlite_store, targets)
    assert failed == [], f"{len(failed)} of {len(targets) * PROCESSES} opens failed"
    for round_no, target in enumerate(targets):
        assert _stored_ids(_sqlite_store(target)) == _expected_ids(round_no)


@pytest.fixture
def fresh_schemas(pg_dsn: str) -> Any:
    import psycopg

    names = [f"first_use_{n}" for n in range(POSTGRES_ROUNDS)]
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}".encode())
    yield [f"{pg_dsn} options=-csearch_path={name}" for name in names]
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP SCHEMA {name} CASCADE".encode())


def test_processes_opening_a_new_postgres_schema_together_all_succeed(
    fresh_schemas: List[str],
) -> None:
    failed = race_first_use(_postgres_store, fresh_schemas)
    assert failed == [], f"{len(failed)} of {len(fresh_schemas) * PROCESSES} opens failed"
    for round_no, target in enumerate(fresh_schemas):
        assert _stored_ids(_postgres_store(target)) == _expected_ids(round_no)
