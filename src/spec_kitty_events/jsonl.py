"""Reading event logs in JSON Lines, line by line, as the command line reads them.

This is the ingest path of ``spec-kitty-events validate`` and ``ingest``, public and typed, for
a service that receives logs (see ``examples/ingest_endpoint.py``)::

    from spec_kitty_events.jsonl import GoodLine, read_lines, report_text

    for result in read_lines("events.jsonl"):          # a path, bytes, a binary file, lines
        if isinstance(result, GoodLine):
            store.save_event(result.event)            # result.line is its 1-based line number
        else:
            print("\\n".join(report_text(result)))      # line 7 (event 01J..., ...): field: message

Every non-blank line yields one result, in order: a :class:`GoodLine` holding the parsed
:class:`~spec_kitty_events.models.Event`, or a :class:`LineReport` naming the line, the event id
and type when they can be read, and each problem with its layer (``encoding``, ``json``,
``envelope``, ``payload``), dotted field path and message.  Blank lines are skipped but keep
their numbers.  A bad line never stops the reading, and only one line is held in memory at a
time.  By default a line is judged as ``validate`` judges it: the envelope, then the payload
through :func:`spec_kitty_events.conformance.validate_event` when its event type is known.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import IO, Any, Iterable, Iterator, List, Union

from spec_kitty_events import _render
from spec_kitty_events._json import LIMITS_CHECKED, loads_line
from spec_kitty_events._jsonl import LineReport, Problem, RawLine, iter_lines, parse_event
from spec_kitty_events._logcheck import check_event_line
from spec_kitty_events.models import Event

__all__ = [
    "GoodLine",
    "LineReport",
    "LineResult",
    "Problem",
    "Source",
    "read_lines",
    "loads",
    "read_values",
    "report_text",
]

#: Where lines come from.  ``str`` and ``os.PathLike`` name a file; ``bytes`` is the content
#: itself; a binary file or any iterable of lines (``bytes``, or ``str`` taken as UTF-8) is read
#: as it is, and not closed.
Source = Union[str, "os.PathLike[str]", bytes, bytearray, IO[bytes], Iterable[bytes], Iterable[str]]


@dataclass(frozen=True)
class GoodLine:
    """A line that passed every check, and the event it holds."""

    line: int
    event: Event


#: What :func:`read_lines` yields for each non-blank line.
LineResult = Union[GoodLine, LineReport]


def read_lines(
    source: Source, *, check_payloads: bool = True, strict_types: bool = False
) -> Iterator[LineResult]:
    """One :data:`LineResult` per non-blank line of ``source``, in order.

    ``check_payloads=False`` checks the envelope only (what ``reduce`` does before folding);
    ``strict_types=True`` reports an event type this library does not know as a problem of the
    ``event_type`` field instead of accepting its payload unchecked.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            yield from _judged(iter_lines(file), check_payloads, strict_types)
        return
    yield from _judged(iter_lines(_byte_lines(source)), check_payloads, strict_types)


def read_values(
    values: Iterable[Any], *, check_payloads: bool = True, strict_types: bool = False
) -> Iterator[LineResult]:
    """The same judgement for JSON values already decoded (the items of a JSON array body),
    numbered from 1 as lines are."""
    raws = (RawLine(number, value, None) for number, value in enumerate(values, start=1))
    return _judged(raws, check_payloads, strict_types)


def loads(text: Union[str, bytes]) -> Any:
    """Parse a whole JSON document (say, a request body holding an array of events) under the
    event limits every line is read with: ``NaN``, ``Infinity``, integers of more than 4,300
    digits and nesting too deep for the parser raise :class:`ValueError` with a message naming
    the problem, as malformed JSON does; nothing here can exhaust the stack."""
    return loads_line(text.decode("utf-8") if isinstance(text, bytes) else text)


def _judged(
    raws: Iterable[RawLine], check_payloads: bool, strict_types: bool
) -> Iterator[LineResult]:
    for raw in raws:
        if not check_payloads:
            outcome = parse_event(raw)
            yield GoodLine(raw.line, outcome) if isinstance(outcome, Event) else outcome
            continue
        report, event = check_event_line(raw, strict_types=strict_types)
        if not report.ok:
            yield report
            continue
        if event is None:
            # The envelope check is Event's own model under the event limits, so a line it
            # accepts builds an Event without a second walk.
            event = Event.model_validate(raw.value, context=LIMITS_CHECKED)
        yield GoodLine(raw.line, event)


def _byte_lines(source: Union[bytes, bytearray, IO[bytes], Iterable[Any]]) -> Iterator[bytes]:
    lines: Iterable[Any] = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    for line in lines:
        yield line.encode("utf-8") if isinstance(line, str) else line


def report_text(report: LineReport) -> List[str]:
    """The report as the command line prints it: one line of text per problem."""
    return _render.line_report(report)
