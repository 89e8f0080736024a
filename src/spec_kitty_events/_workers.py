"""Checking a log's lines in worker processes, with every result in line order.

Checking a line (envelope and payload, both layers) and serializing its event for the store
is most of what ``ingest`` spends; storing the rows is the rest.  Chunks of lines are checked
in worker processes while this process stores the rows, and the results are taken back
strictly in the order of the chunks, so every report, count and stored position is the one a
single process gives.

Workers send back each line's report and, for a good line, the row the store writes
(:class:`~spec_kitty_events.stores._common.EventRow`: a few strings and the JSON body), never
the :class:`Event` itself: pickling and unpickling a pydantic model costs about 20 µs, a row
about 2 µs, and both go as plain tuples (:data:`Sent`), which cost less again.  A row's body
is left out when it is its line's own text, as it is in a log this library wrote (see
:func:`check_chunk_to_send`).

A chunk of a regular file goes to a forked worker as where it lies (:class:`Source`), not as
its bytes: the worker reads them again from the descriptor it inherited.  Sent whole, a chunk
crossed the pool's pipe 64 KiB at a time, each step waiting for this process's interpreter
lock, while the worker sat idle.  A checksum shows that the worker read the bytes this process
read; where it did not (the file was changed meanwhile), this process checks the chunk.

Workers are started before the caller opens its store (:class:`Checkers`), so that a forked
worker inherits no database connection and no connection pool's thread.  A log of one chunk
or less is checked here, by this process alone.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import zlib
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from multiprocessing.context import BaseContext
from typing import (
    Any,
    Callable,
    Deque,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Union,
)

from spec_kitty_events._json import FRESH_JSON
from spec_kitty_events._jsonl import LineReport, Problem, RawLine, iter_lines, numbered_lines
from spec_kitty_events._logcheck import check_event_line
from spec_kitty_events.models import Event
from spec_kitty_events.stores._common import EventRow, RejectedEventError, event_row

# Lines per chunk: large enough that sending a chunk costs little next to checking it, small
# enough that the first results come back soon and little is held in flight.
CHUNK_LINES = 2_000
# Chunks in the pool per worker, and chunks read ahead for this process to take (see
# ``_in_workers``).
_IN_POOL_PER_WORKER = 2
_AHEAD_HERE = 4

# The body a worker sends for a row whose body is its line's text: no JSON text is empty.
_BODY_IS_THE_LINE = ""

# The interpreter's thread switch interval while workers run, in seconds (Python's default is
# 0.005).  The pool's threads in this process pass chunks to the workers and read their
# results, a pipe's 64 KiB at a time, and wait for the GIL before each step; while this
# process checks or stores, each wait ran to the full interval and the workers idled on it.
_SWITCH_INTERVAL = 0.0005

# A process per this much input at most: about one chunk of typical event lines.
_BYTES_PER_PROCESS = 1 << 20

Numbered = List[Tuple[int, bytes]]


class Refusal(NamedTuple):
    """Why the store refuses an event: a :class:`RejectedEventError` as a plain value."""

    event_id: str
    field: str
    message: str

    @classmethod
    def of(cls, error: RejectedEventError) -> Refusal:
        return cls(error.event_id, error.field, str(error))


# What a good line gives the store: its event's row, or the refusal of an event without a JSON
# form (a payload string holding a lone surrogate), reported where the store's refusals are.
Storable = Union[EventRow, Refusal]
# A line's report and, when it is good, what it gives the store.
Checked = Tuple[LineReport, Optional[Storable]]
# A line's result as a worker sends it: the report's fields and, for a good line, the fields
# of what it gives the store (a row's six or a refusal's three).  Plain tuples pickle and
# unpickle in about a third of the time the report's dataclass and the row's named tuple
# take, and the worker does the pickling.
Sent = Tuple[int, Optional[str], Optional[str], Tuple[Problem, ...], Optional[Tuple[Any, ...]]]
_ROW_FIELDS = len(EventRow._fields)
# Sends a chunk to the pool to be checked; the result is None where the worker found other
# bytes than this process read (see check_region).
Submit = Callable[["_Slot"], "Future[Optional[List[Sent]]]"]


class Source(NamedTuple):
    """The regular file a log's lines are read from, open as ``fd``; its first line starts at
    byte ``start``."""

    fd: int
    start: int


class Region(NamedTuple):
    """A chunk as where it lies in its :class:`Source`: ``size`` bytes at ``offset``, holding
    the lines numbered from ``first`` on, whose bytes have the CRC-32 ``crc``."""

    fd: int
    offset: int
    size: int
    crc: int
    first: int


def default_jobs(size: Optional[int]) -> int:
    """Processes to check an input of ``size`` bytes with (``None``: a pipe), this one
    included: one per core this process may run on, but no more than one per
    :data:`_BYTES_PER_PROCESS` (a worker for a small file costs more to start than it
    saves), and 1 for a pipe, whose lines are checked as they arrive."""
    if size is None:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity (macOS)
        cores = os.cpu_count() or 1
    return max(min(cores, size // _BYTES_PER_PROCESS), 1)


def check_chunk(chunk: Numbered) -> List[Checked]:
    """Each numbered line of a chunk checked, in order."""
    return list(_checked_here(numbered_lines(chunk)))


def check_chunk_to_send(chunk: Numbered) -> List[Sent]:
    """:func:`check_chunk`, as a worker sends it back (:data:`Sent`; :func:`_received`
    rebuilds it): a row whose JSON body is its line's own text (a log written by this
    library, the usual case) goes back with the body left out (:data:`_BODY_IS_THE_LINE`).

    Bodies are most of a result, and this process reads a result through a pipe 64 KiB at a
    time, in the pool's thread, which waits for the GIL before each read while this process
    is busy: a worker sending whole bodies spent as long waiting to send as checking.
    """
    text = dict(chunk)
    sent: List[Sent] = []
    for report, storable in check_chunk(chunk):
        fields: Optional[Tuple[Any, ...]] = None
        if isinstance(storable, EventRow) and storable.body.encode() == text[report.line].strip():
            fields = (*storable[:-1], _BODY_IS_THE_LINE)
        elif storable is not None:
            fields = tuple(storable)
        sent.append((report.line, report.event_id, report.event_type, report.problems, fields))
    return sent


def check_region(region: Region) -> Optional[List[Sent]]:
    """:func:`check_chunk_to_send` for a chunk the worker reads from the file itself, through
    the descriptor it inherited; ``None`` when what it reads there is not what this process
    read (the file was cut or rewritten meanwhile), and this process checks the chunk."""
    try:
        data = os.pread(region.fd, region.size, region.offset)
    except OSError:
        return None
    if len(data) != region.size or zlib.crc32(data) != region.crc:
        return None
    # Lines end at b"\n" only, as they do when this process iterates over the file.
    return check_chunk_to_send(list(enumerate(io.BytesIO(data), start=region.first)))


def _region(chunk: Numbered, offset: int, fd: int) -> Region:
    data = b"".join([line for _, line in chunk])
    return Region(fd, offset, len(data), zlib.crc32(data), chunk[0][0])


def _received(sent: List[Sent], chunk: Numbered) -> List[Checked]:
    """What a worker sent for ``chunk``, as :func:`check_chunk` gives it: reports and rows
    rebuilt, and the bodies the worker left out taken from their lines."""
    text = dict(chunk)
    checked: List[Checked] = []
    for line, event_id, event_type, problems, fields in sent:
        storable: Optional[Storable] = None
        if fields is not None and len(fields) == _ROW_FIELDS:
            if fields[-1] == _BODY_IS_THE_LINE:
                fields = (*fields[:-1], text[line].strip().decode())
            storable = EventRow(*fields)
        elif fields is not None:
            storable = Refusal(*fields)
        checked.append((LineReport(line, event_id, event_type, problems), storable))
    return checked


class Checkers:
    """The processes that check a log's lines: this one and ``jobs - 1`` workers.

    Enter it before opening a store or starting a thread: the workers are started on entry,
    and where they are forked (see :func:`_context`) they must inherit no connection and no
    lock that another thread holds.  ``jobs`` of 1 starts none.  While workers run, the
    process's thread switch interval is shortened (:data:`_SWITCH_INTERVAL`) and put back
    on exit.
    """

    def __init__(self, jobs: int) -> None:
        self.workers = max(jobs - 1, 0)
        self._pool: Optional[ProcessPoolExecutor] = None
        self._switch_interval: Optional[float] = None
        # Whether the workers hold this process's open files (they were forked).
        self._share_files = False

    def __enter__(self) -> Checkers:
        if self.workers:
            context = _context()
            pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
            try:
                # The first task starts the workers (forked ones all at once, before the pool
                # starts its own thread); nobody need wait for it.
                pool.submit(int)
            except OSError:
                # No process can be started here (a process limit, say): this one checks
                # every line, which gives the same results.
                pool.shutdown(wait=False)
            else:
                self._pool = pool
                self._share_files = context.get_start_method() == "fork"
                self._switch_interval = sys.getswitchinterval()
                sys.setswitchinterval(min(self._switch_interval, _SWITCH_INTERVAL))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            # At most two chunks per worker are in the pool (see _in_workers): they finish
            # rather than being cancelled, which races with a pool that lost a worker.
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None

    def checked(self, lines: Iterable[bytes], source: Optional[Source] = None) -> Iterator[Checked]:
        """Each non-blank line's report and, when the report is good, what it gives the
        store; in line order.  With a ``source``, the lines are its bytes from its start, and
        workers read their chunks from it (the checksum guards that promise)."""
        if self._pool is None:
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
        source = source if self._share_files else None
        yield from _in_workers(chain((first, second), chunks), self._pool, self.workers, source)


def checked_lines(lines: Iterable[bytes], jobs: int) -> Iterator[Checked]:
    """:meth:`Checkers.checked` with workers of its own, for a caller without connections or
    threads."""
    with Checkers(jobs) as checkers:
        yield from checkers.checked(lines)


def _context() -> BaseContext:
    """How workers start.  Forked, they start at once and inherit the imported library (a
    fork server's workers import it again, about half a second each); that is safe only from
    a process with no other thread, which :class:`Checkers` ensures by starting them first.
    From Python 3.11 the pool forks every worker before starting its own thread (cpython
    issue 90622); before that, and where fork is unsafe (macOS), a fork server starts them.
    """
    if sys.version_info >= (3, 11) and sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver")  # pragma: no cover - Linux, 3.11 here


def _checked_here(raws: Iterable[RawLine]) -> Iterator[Checked]:
    """Check lines in this process, keeping the event the check built where it built one."""
    for raw in raws:
        report, event = check_event_line(raw)
        if not report.ok:
            yield report, None
            continue
        if event is None:
            # The check left this envelope to pydantic, within the event limits (it walked
            # them, or the reader proved them); the value was decoded from this line and
            # nothing else holds it, so Event need not copy it.
            event = Event.model_validate(raw.value, context=FRESH_JSON)
        yield report, _storable(event, raw.limits_clear)


def _storable(event: Event, limits_checked: bool) -> Storable:
    try:
        # A line within the event limits has just had every value checked against them.
        return event_row(event, limits_checked=limits_checked)
    except RejectedEventError as error:
        return Refusal.of(error)


def _chunks(lines: Iterable[bytes]) -> Iterator[Numbered]:
    numbered = enumerate(lines, start=1)
    while True:
        chunk = list(islice(numbered, CHUNK_LINES))
        if not chunk:
            return
        yield chunk


class _Slot:
    """A chunk in its place in line order: still here, sent to the pool, or checked.

    A chunk not yet sent may be checked in this process instead (:meth:`check_here`); its
    result then waits here for its turn.  A chunk once sent is never taken back: cancelling
    a pool's future races with the pool, which then fails to tell a lost worker's futures
    (Python 3.11 raises in the pool's own thread and hangs at shutdown).
    """

    __slots__ = ("checked", "chunk", "future", "offset")

    def __init__(self, chunk: Numbered, offset: Optional[int] = None) -> None:
        self.chunk = chunk
        # Where the chunk starts in its source, when it has one.
        self.offset = offset
        self.future: Optional[Future[Optional[List[Sent]]]] = None
        self.checked: Optional[List[Checked]] = None

    @property
    def here(self) -> bool:
        """Neither sent nor checked yet."""
        return self.future is None and self.checked is None

    @property
    def in_pool(self) -> bool:
        """Sent, and its result not back yet."""
        return self.checked is None and self.future is not None and not self.future.done()

    def ready(self) -> bool:
        return self.checked is not None or (self.future is not None and self.future.done())

    def send(self, submit: Submit) -> bool:
        """Hand the chunk to the pool; False when the pool has lost its workers."""
        try:
            self.future = submit(self)
        except BrokenProcessPool:
            return False
        return True

    def check_here(self) -> None:
        self.checked = check_chunk(self.chunk)

    def result(self) -> List[Checked]:
        if self.checked is None:
            checked = self._from_worker()
            self.checked = check_chunk(self.chunk) if checked is None else checked
        return self.checked

    def _from_worker(self) -> Optional[List[Checked]]:
        """The worker's result, or ``None`` when there is none to use: the chunk was never
        sent, the worker read other bytes than this process did (see :func:`check_region`),
        or the pool has lost its workers (one was killed, or ran out of memory).  Then this
        process checks the chunk, with the same results."""
        if self.future is None:
            return None
        try:
            sent = self.future.result()
        except BrokenProcessPool:
            return None
        return None if sent is None else _received(sent, self.chunk)


def _in_workers(
    chunks: Iterator[Numbered],
    pool: ProcessPoolExecutor,
    workers: int,
    source: Optional[Source] = None,
) -> Iterator[Checked]:
    """Chunks checked by the pool's ``workers`` and this process, results yielded in order.

    This process stores what the workers check, and checks too whenever the oldest chunk's
    result is not back yet: it takes the newest chunk not yet sent to the pool, so the
    workers keep the older ones and the oldest is never delayed by it.  How the chunks are
    shared thus follows how fast each side goes, on any machine, and changes no result.
    """
    # Chunks in the pool at once: one being checked and one waiting per worker, so that none
    # idles while this process is busy checking or storing.  Read ahead of them, the chunks
    # this process may take.
    in_pool = _IN_POOL_PER_WORKER * workers
    most = in_pool + _AHEAD_HERE
    slots: Deque[_Slot] = deque()
    pool_usable = True
    offset = None if source is None else source.start

    def submit(slot: _Slot) -> Future[Optional[List[Sent]]]:
        if source is None or slot.offset is None:
            return pool.submit(check_chunk_to_send, slot.chunk)
        return pool.submit(check_region, _region(slot.chunk, slot.offset, source.fd))

    def top_up() -> None:
        nonlocal pool_usable, offset
        while len(slots) < most:
            chunk = next(chunks, None)
            if chunk is None:
                break
            slots.append(_Slot(chunk, offset))
            if offset is not None:
                offset += sum(len(line) for _, line in chunk)
        sent = sum(slot.in_pool for slot in slots)
        for slot in slots:  # the oldest chunks go to the pool, the newest stay for this one
            if sent >= in_pool or not pool_usable:
                return
            if slot.here:
                pool_usable = slot.send(submit)
                sent += 1

    top_up()
    while slots:
        oldest = slots[0]
        while not oldest.ready():
            newest_here = next((slot for slot in reversed(slots) if slot.here), None)
            if newest_here is None:
                break
            newest_here.check_here()
            top_up()
        checked = slots.popleft().result()
        top_up()
        yield from checked
