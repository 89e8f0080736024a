"""Reading a source in fold order, and folding it without holding it.

A store read by its clock index gives events ordered by Lamport clock;
:func:`spec_kitty_events._pipeline.sorted_within_clock` puts each clock's events in full fold
order, holding one clock's events at a time.  :func:`fold_log` and :func:`fold_store` run a
fold over a stream promised in fold order (see :class:`spec_kitty_events._pipeline.InFoldOrder`)
and, when the promise is broken, read their source again and sort it in memory.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Callable, Iterable, Iterator, List, Tuple, TypeVar

from spec_kitty_events._jsonl import EventBatch, LineReport, parsed_lines, read_events
from spec_kitty_events._pipeline import InFoldOrder, OrderCheck, OutOfOrder, sorted_within_clock
from spec_kitty_events.models import Event

if TYPE_CHECKING:  # pragma: no cover - typing only; the stores import this package's models
    from spec_kitty_events.stores.postgres import PostgresEventStore
    from spec_kitty_events.stores.sqlite import SQLiteEventStore

# The command line's reduce kinds whose reducer folds through ``_pipeline.ordered``, one event
# at a time; the other reducers are given a list, as they always were.
STREAMED_KINDS = frozenset({"dossier", "status"})

T = TypeVar("T")
# The fold's result, or the exception it raised, to be re-raised once the rejected lines of
# the whole log have been reported (as the batch path reports them before folding).
Outcome = Callable[[], T]


def _returning(value: T) -> Outcome[T]:
    return lambda: value


def _raising(error: BaseException) -> Outcome[T]:
    def outcome() -> T:
        raise error

    return outcome


class _CheckedLog:
    """The events of a log in file order, rejected lines collected, the fold order checked.

    The check covers every event, whatever its type: stricter than the fold needs, so a log
    that passes it is in fold order for every reducer.
    """

    def __init__(self, lines: Iterable[bytes]) -> None:
        self.rejected: List[LineReport] = []
        self.lines_read = 0
        # One reader for the whole log: iterating again (to drain it after a refusal) goes on
        # where the fold stopped, with the line numbers going on too.
        self._events = self._read(lines)

    def __iter__(self) -> Iterator[Event]:
        return self._events

    def _read(self, lines: Iterable[bytes]) -> Iterator[Event]:
        order = OrderCheck()
        for outcome in parsed_lines(lines):
            self.lines_read += 1
            if not isinstance(outcome, Event):
                self.rejected.append(outcome)
                continue
            if order.breaks_order(outcome):
                raise OutOfOrder(f"event {outcome.event_id} sorts before the event read before it")
            yield outcome


def fold_log(
    file: IO[bytes],
    fold: Callable[[Iterable[Event]], T],
    *,
    streams: bool = True,
    lines: Callable[[IO[bytes]], Iterable[bytes]] = iter,
) -> Tuple[EventBatch, Outcome[T]]:
    """Fold a log, streaming it when it is in fold order; the lines read and the outcome.

    ``streams`` says the fold takes its events one at a time (its reducer folds through
    ``_pipeline.ordered``); any other fold gets them all in a list.  The returned batch holds
    the rejected lines and the count (its events are not kept when the log streamed).  A log
    that is not in fold order, or that cannot be read twice (a pipe), is read whole and
    sorted in memory, exactly as before.  Either way the outcome is the one the batch path
    gives, the fold's exception included.  ``lines`` turns the file into the lines to read
    (the command line adds its progress bar and pretty-JSON check there); it is called again
    when the log is re-read.
    """
    if not streams or not file.seekable():
        return _batch(file, fold, lines)
    start = file.tell()
    log = _CheckedLog(lines(file))
    try:
        try:
            outcome: Outcome[T] = _returning(fold(InFoldOrder(log, checked=True)))
        except OutOfOrder:
            raise
        except Exception as error:  # the fold refused: the rest of the log is still judged
            outcome = _raising(error)
            for _ in log:
                pass
    except OutOfOrder:
        file.seek(start)
        return _batch(file, fold, lines)
    return EventBatch([], log.rejected, log.lines_read), outcome


def _batch(
    file: IO[bytes],
    fold: Callable[[Iterable[Event]], T],
    lines: Callable[[IO[bytes]], Iterable[bytes]],
) -> Tuple[EventBatch, Outcome[T]]:
    batch = read_events(lines(file))
    return batch, _folded_list(batch.events, fold)


class _ReadFailed(Exception):
    """A store read failed inside a fold: carried out of the fold to be raised as itself."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _read(events: Iterable[Event]) -> Iterator[Event]:
    iterator = iter(events)
    while True:
        try:
            event = next(iterator)
        except StopIteration:
            return
        except Exception as error:
            raise _ReadFailed(error) from error
        yield event


def fold_store(
    store: SQLiteEventStore | PostgresEventStore,
    fold: Callable[[Iterable[Event]], T],
    *,
    streams: bool = True,
) -> Outcome[T]:
    """Fold every stored event, streamed in fold order along the store's clock index.

    ``streams`` as for :func:`fold_log`.  A store failure while reading is raised at once (a
    ``StorageError``, as ``load_all_events`` raises it); the fold's own exception is the
    outcome's.  A store whose order the stream cannot trust (clocks beyond 64 bits are stored
    as text) is read whole and sorted in memory instead.
    """
    if not streams:
        return _folded_list(store.load_all_events(), fold)
    try:
        ordered = sorted_within_clock(_read(store.iter_events()))
        return _returning(fold(InFoldOrder(ordered, checked=True)))
    except OutOfOrder:
        pass
    except _ReadFailed as failure:
        raise failure.error from None
    except Exception as error:
        return _raising(error)
    return _folded_list(store.load_all_events(), fold)


def _folded_list(events: List[Event], fold: Callable[[Iterable[Event]], T]) -> Outcome[T]:
    try:
        return _returning(fold(events))
    except Exception as error:
        return _raising(error)
