"""Checking a log's lines in worker processes, with every result in line order.

Checking a line (envelope and payload, both layers) is most of what ``ingest`` spends; storing
it is the rest.  With more than one core, chunks of lines are checked in worker processes
while this process builds the good lines' events and stores them, and the results are taken
back strictly in the order of the chunks, so every report, count and stored position is the
one a single process gives.

Workers send back only the verdicts.  A good line's :class:`Event` is built again here from
the line (through the fast envelope path, a few microseconds), because sending pydantic
models between processes costs more than building them: pickling and unpickling one takes
about 20 µs.

Workers are started by a fork server, not forked from this process: this process may hold
open database connections and a connection pool's threads, which a forked child must not
inherit.  A log of one chunk or less is checked here, without starting any worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice
from typing import Deque, Iterable, Iterator, List, Optional, Tuple

from spec_kitty_events._jsonl import LineReport, RawLine, event_of, iter_lines, numbered_lines
from spec_kitty_events._logcheck import check_event_line
from spec_kitty_events.models import Event

# Lines per chunk: large enough that sending a chunk costs little next to checking it, small
# enough that the first results come back soon and little is held in flight.
CHUNK_LINES = 2_000
# Chunks in flight per worker: one being checked, one waiting, so no worker idles.
_AHEAD_PER_WORKER = 2

Numbered = List[Tuple[int, bytes]]


# Below this many cores, workers do not pay: the main process's share (building and storing
# the good events) is about half the work, so on two cores it competes with the workers for
# the same two cores.  Measured on two cores, 100,000 lines: one process 5.5 s, two workers
# 5.6-7.9 s.
_CORES_FOR_WORKERS = 4


def default_jobs() -> int:
    """Workers for the cores this process may run on, one core left to the main process;
    1 (no workers) below four cores."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity (macOS)
        cores = os.cpu_count() or 1
    return cores - 1 if cores >= _CORES_FOR_WORKERS else 1


def check_chunk(chunk: Numbered) -> List[LineReport]:
    """The report of each numbered line of a chunk; what a worker runs."""
    return [check_event_line(raw)[0] for raw in numbered_lines(chunk)]


def checked_lines(
    lines: Iterable[bytes], jobs: int
) -> Iterator[Tuple[LineReport, Optional[Event]]]:
    """Each non-blank line's report and, when the report is good, its event; in line order.

    ``jobs`` is the number of worker processes to check with; 1 checks every line here.
    """
    if jobs <= 1:
        yield from _checked_here(iter_lines(lines))
        return
    chunks = _chunks(lines)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if second is None:
        yield from _checked_here(numbered_lines(first))
        return
    yield from _in_workers(first, second, chunks, jobs)


def _checked_here(raws: Iterable[RawLine]) -> Iterator[Tuple[LineReport, Optional[Event]]]:
    """Check lines in this process, keeping the event the check built where it built one."""
    for raw in raws:
        report, event = check_event_line(raw)
        yield report, (event or event_of(raw)) if report.ok else None


def _chunks(lines: Iterable[bytes]) -> Iterator[Numbered]:
    numbered = ((number, raw) for number, raw in enumerate(lines, start=1))
    while True:
        chunk = list(islice(numbered, CHUNK_LINES))
        if not chunk:
            return
        yield chunk


def _in_workers(
    first: Numbered, second: Numbered, rest: Iterator[Numbered], jobs: int
) -> Iterator[Tuple[LineReport, Optional[Event]]]:
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        ahead: Deque[Tuple[Numbered, Future[List[LineReport]]]] = deque()
        pending = chain((first, second), rest)
        for chunk in islice(pending, jobs * _AHEAD_PER_WORKER):
            ahead.append((chunk, pool.submit(check_chunk, chunk)))
        while ahead:
            chunk, future = ahead.popleft()
            reports = future.result()
            following = next(pending, None)
            if following is not None:
                ahead.append((following, pool.submit(check_chunk, following)))
            yield from _built(chunk, reports)


def _built(
    chunk: Numbered, reports: List[LineReport]
) -> Iterator[Tuple[LineReport, Optional[Event]]]:
    """Pair each report with its good line's event, rebuilt here from the line."""
    for raw, report in zip(numbered_lines(chunk), reports, strict=True):
        if not report.ok:
            yield report, None
            continue
        yield report, event_of(raw)
