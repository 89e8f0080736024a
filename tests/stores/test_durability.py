"""Many writer processes at once, and writers killed mid-batch, for both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Set

import pytest

from ._writer import WORKERS, event_of
from .conftest import Backend

# Every test here runs several writer processes; the quick loop (-m "not slow") leaves them out.
pytestmark = pytest.mark.slow

WRITER = str(Path(__file__).with_name("_writer.py"))
SRC = str(Path(__file__).resolve().parents[2] / "src")
APPENDS = 10_000
# Appends per transaction in the concurrency test: enough commits to interleave the writers
# thousands of times, few enough to keep the test quick on a shared two-core machine.
CONCURRENT_BATCH = 100
CRASH_BATCH = 500


def _start(backend: Backend, worker: int, total: int, batch: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    command = [sys.executable, WRITER, backend.name, backend.target, str(worker), str(total)]
    return subprocess.Popen(
        [*command, str(batch)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _expected_ids(worker: int, upto: int) -> Set[str]:
    """Ids a writer has stored once it reported ``saved upto``: its own and its redeliveries."""
    own = {event_of(worker, n).event_id for n in range(1, upto + 1)}
    redelivered = {event_of((worker + 1) % WORKERS, n).event_id for n in range(20, upto + 1, 20)}
    return own | redelivered


def _watch_clock(backend: Backend, stop: threading.Event, seen: List[int]) -> None:
    clocks = backend.clocks()
    while not stop.is_set():
        seen.append(clocks.load("all"))
        time.sleep(0.01)


def test_four_writer_processes_lose_and_double_nothing(backend: Backend) -> None:
    store = backend.events()  # creates the schema before the writers race for it
    seen: List[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_clock, args=(backend, stop, seen))
    watcher.start()
    try:
        writers = [_start(backend, worker, APPENDS, CONCURRENT_BATCH) for worker in range(WORKERS)]
        outcomes = [writer.communicate(timeout=240) for writer in writers]
    finally:
        stop.set()
        watcher.join()
    for writer, (_, stderr) in zip(writers, outcomes, strict=True):
        assert writer.returncode == 0, stderr
    events = store.load_all_events()
    ids = [event.event_id for event in events]
    assert len(ids) == WORKERS * APPENDS
    assert set(ids) == set().union(*(_expected_ids(w, APPENDS) for w in range(WORKERS)))
    clocks = backend.clocks()
    assert [clocks.load(f"w{w}") for w in range(WORKERS)] == [APPENDS] * WORKERS
    assert clocks.load("all") == APPENDS
    assert seen == sorted(seen), "the shared clock moved backwards"
    keys = [(event.lamport_clock, event.node_id) for event in events]
    assert keys == sorted(keys)


def _kill_mid_batch(backend: Backend, worker: int, after_batches: int, delay: float) -> int:
    """Start a batch writer, SIGKILL it ``delay`` s after its n-th report; last reported."""
    writer = _start(backend, worker, 1_000_000, CRASH_BATCH)
    assert writer.stdout is not None
    last = 0
    for _ in range(after_batches):
        line = writer.stdout.readline()
        assert line.startswith("saved "), writer.stderr.read() if writer.stderr else line
        last = int(line.split()[1])
    time.sleep(delay)
    writer.send_signal(signal.SIGKILL)
    remaining, _ = writer.communicate()
    for line in remaining.splitlines():  # reports written before the kill still count
        last = int(line.split()[1])
    assert writer.returncode == -signal.SIGKILL
    return last


@pytest.mark.parametrize("delay", [0.0, 0.013, 0.031])
def test_writer_killed_mid_batch_keeps_every_reported_event(backend: Backend, delay: float) -> None:
    backend.events()
    reported = _kill_mid_batch(backend, worker=0, after_batches=3, delay=delay)
    reopened = backend.events()
    stored = reopened.load_all_events()
    assert _expected_ids(0, reported) <= {event.event_id for event in stored}
    # A batch is one transaction: the store holds whole batches only, in order.
    own = sorted(event.payload["number"] for event in stored if event.node_id == "w0")
    assert len(own) % CRASH_BATCH == 0
    assert own == list(range(1, len(own) + 1))
    reopened.save_event(event_of(1, 1))  # and it takes writes again
    assert event_of(1, 1) in reopened.load_events(event_of(1, 1).aggregate_id)
    if backend.name == "sqlite":
        import sqlite3

        with sqlite3.connect(backend.target) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
