"""Reading event logs: one JSON envelope per line, bad lines reported, never fatal.

Shared by the command line and anything else that ingests JSONL.  Lines are read as bytes so
that a file with invalid UTF-8, a truncated last line or a line that is not an object yields a
report naming the line, and reading goes on with the next line.  Nothing here holds more than
one line in memory.

A line is judged under the event limits of ``_json``: ``NaN`` or ``Infinity`` literals,
over-long integer literals and nesting too deep for the parser are JSON problems of the whole
line; nesting deeper than the limit, and Infinity reached through ``1e999``, are reported
against the field that holds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events._envelope import fast_event
from spec_kitty_events._gc import young_collections_only
from spec_kitty_events._json import (
    FRESH_JSON,
    NotJSON,
    event_problem,
    fast_loads_line,
    loads_line,
)
from spec_kitty_events.models import Event


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a line.

    ``field`` is a dotted path (``payload.to_lane``), empty when the problem is the whole line;
    ``layer`` says which check found it: ``encoding``, ``json``, ``envelope`` or ``payload``.
    """

    layer: str
    field: str
    message: str


@dataclass(frozen=True)
class LineReport:
    """The verdict on one line of a log; ``problems`` is empty for a good line."""

    line: int
    event_id: Optional[str]
    event_type: Optional[str]
    problems: Tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> Dict[str, Any]:
        return {
            "line": self.line,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "problems": [
                {"layer": p.layer, "field": p.field, "message": p.message} for p in self.problems
            ],
        }


class RawLine(NamedTuple):
    """A non-blank line: its 1-based number and its decoded JSON value (or the problem).

    ``limits_clear`` is True when the reader already knows the value keeps the event limits
    (see :func:`spec_kitty_events._json.fast_loads_line`), so nobody need walk it for them.
    One is made per line read, so it is a named tuple: a frozen dataclass takes twice as long
    to build (about 1.5 µs, through ``object.__setattr__`` for each field).
    """

    line: int
    value: Any
    problem: Optional[Problem]
    limits_clear: bool = False


def iter_lines(lines: Iterable[bytes]) -> Iterator[RawLine]:
    """Decode every non-blank line; blank lines are skipped but keep their numbers."""
    return numbered_lines(enumerate(lines, start=1))


def numbered_lines(lines: Iterable[Tuple[int, bytes]]) -> Iterator[RawLine]:
    """:func:`iter_lines` for lines that carry their own numbers (a chunk of a log)."""
    for number, raw in lines:
        stripped = raw.strip()
        if stripped:
            yield _decode(number, stripped)


def _decode(number: int, raw: bytes) -> RawLine:
    fast = fast_loads_line(raw)
    if fast is not None:
        return RawLine(number, fast[0], None, fast[1])
    return _decode_slowly(number, raw)


def _decode_slowly(number: int, raw: bytes) -> RawLine:
    """A line the fast reader refused (or could not read), decoded by ``json``, which
    accepts it or words its problem."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"not valid UTF-8 (byte {error.start + 1} of the line)"
        return RawLine(number, None, Problem("encoding", "", reason))
    try:
        return RawLine(number, loads_line(text), None)
    except json.JSONDecodeError as error:
        reason = f"malformed JSON: {error.msg} (column {error.colno})"
        return RawLine(number, None, Problem("json", "", reason))
    except NotJSON as error:
        return RawLine(number, None, Problem("json", "", str(error)))


def envelope_facts(value: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
    """Best-effort ``(event_id, event_type)`` of a decoded JSON object, for reports."""
    event_id = value.get("event_id")
    event_type = value.get("event_type")
    return (
        event_id if isinstance(event_id, str) else None,
        event_type if isinstance(event_type, str) else None,
    )


def _not_an_object(value: Any) -> Problem:
    return Problem("json", "", f"line is a JSON {_json_kind(value)}, not an object")


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def pydantic_problems(
    error: PydanticValidationError, layer: str, prefix: str = ""
) -> List[Problem]:
    """One problem per pydantic error, with its location as a dotted field path."""
    problems = []
    for detail in error.errors(include_url=False):
        path = ".".join(str(part) for part in detail["loc"])
        problems.append(Problem(layer, join_path(prefix, path), detail["msg"]))
    return problems


def join_path(prefix: str, path: str) -> str:
    """``payload`` + ``to_lane`` -> ``payload.to_lane``; either side may be empty."""
    if not prefix:
        return path
    return f"{prefix}.{path}" if path else prefix


@dataclass
class EventBatch:
    """Events parsed from a log, with the reports of the lines that could not be used."""

    events: List[Event]
    rejected: List[LineReport]
    lines_read: int


@young_collections_only()
def read_events(lines: Iterable[bytes]) -> EventBatch:
    """Parse every line into an :class:`Event`; bad lines are reported, not raised."""
    events: List[Event] = []
    rejected: List[LineReport] = []
    count = 0
    for outcome in parsed_lines(lines):
        count += 1
        if isinstance(outcome, Event):
            events.append(outcome)
        else:
            rejected.append(outcome)
    return EventBatch(events, rejected, count)


def unusable_line(raw: RawLine) -> Optional[LineReport]:
    """The report for a line that is not even a JSON object (bad bytes, bad JSON, a scalar)."""
    if raw.problem is not None:
        return LineReport(raw.line, None, None, (raw.problem,))
    if not isinstance(raw.value, dict):
        return LineReport(raw.line, None, None, (_not_an_object(raw.value),))
    return None


def parsed_lines(lines: Iterable[bytes]) -> Iterator[Union[Event, LineReport]]:
    """:func:`parse_event` of each non-blank line, in order.

    The usual line, a plain valid envelope the fast reader decodes within the event limits,
    goes straight from its bytes to its :class:`Event`, without the :class:`RawLine` and the
    calls between them (about 0.8 µs of a 20 µs line); every other line takes the same steps
    as ``parse_event(_decode(...))``, and none is decoded twice.
    """
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        fast = fast_loads_line(stripped)
        if fast is None:
            yield parse_event(_decode_slowly(number, stripped))
            continue
        value, limits_clear = fast
        if limits_clear and type(value) is dict:
            event = fast_event(value)
            yield _validated_event(RawLine(number, value, None, True)) if event is None else event
        else:
            yield parse_event(RawLine(number, value, None, limits_clear))


def parse_event(raw: RawLine) -> Union[Event, LineReport]:
    """The line's :class:`Event`, or the report of why it is not one."""
    unusable = unusable_line(raw)
    if unusable is not None:
        return unusable
    if raw.limits_clear:
        # A plain valid envelope is built without pydantic's per-field work; whatever the
        # fast path is unsure of, pydantic judges below.
        event = fast_event(raw.value)
        if event is not None:
            return event
    return _validated_event(raw)


def _validated_event(raw: RawLine) -> Union[Event, LineReport]:
    """pydantic's verdict on a line holding a JSON object, after the event limits."""
    value = raw.value
    # The whole envelope, not only the payload Event checks: the event limits hold everywhere
    # in a line (Infinity read from 1e999 in any field, say).
    problem = None if raw.limits_clear else event_problem(value)
    if problem is not None:
        field, message = problem
        return LineReport(raw.line, *envelope_facts(value), (Problem("json", field, message),))
    try:
        # The value was decoded from this line and nothing else holds it: Event need not copy.
        return Event.model_validate(value, context=FRESH_JSON)
    except PydanticValidationError as error:
        problems = tuple(pydantic_problems(error, "envelope"))
        return LineReport(raw.line, *envelope_facts(value), problems)
