"""What an event may hold: how deep it nests, how long its integers are, which numbers it has.

One rule, the same on every path an event takes (a log line, ``Event(...)``, ``validate_event``,
a store write, a store read):

- **Nesting**: no value nests deeper than ``MAX_DEPTH`` (64) levels below the envelope.  The
  payload object is level 1, an object or array inside it level 2, and so on; a whole event
  line is therefore at most 65 levels deep.
- **Integers** have at most ``MAX_INT_DIGITS`` (4,300) decimal digits.
- **Floats** are finite: NaN and the infinities have no JSON form (pydantic writes them as
  ``null``, so a stored event would no longer be the one sent), and a line's ``NaN``,
  ``Infinity`` and ``-Infinity`` literals are not JSON at all.

Why 64 and 4,300: whatever is accepted must be read back by every parser on the way.  pydantic's
JSON parser, which the stores read rows back with, stops at 200 levels and at 4,300 digits;
Python's ``json`` and ``repr``, ``jsonschema`` and the copy of a payload recurse a few Python
frames per level against a limit of about 1,000 frames.  64 leaves each of them a wide margin
(no event contract nests more than a few levels), and 4,300 is the shared integer limit.

This module imports nothing from the package, and nothing here recurses: a hostile value cannot
exhaust the stack while it is being judged.
"""

from __future__ import annotations

import json
import re
import sys
from math import isfinite
from typing import Any, Callable, Iterable, List, Optional, Tuple, Type

try:
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - depends on the installed extras
    _msgspec = None  # type: ignore[assignment]

MAX_DEPTH = 64
MAX_INT_DIGITS = 4300

# Every int below 2 ** (_FEW_DIGITS_BITS - 1) has at most MAX_INT_DIGITS digits, so the exact
# comparison with _TOO_MANY_DIGITS runs only for ints of at least this many bits.
_TOO_MANY_DIGITS = 10**MAX_INT_DIGITS
_FEW_DIGITS_BITS = _TOO_MANY_DIGITS.bit_length()

DEPTH_MESSAGE = (
    f"nests deeper than the nesting limit of {MAX_DEPTH} levels below the envelope "
    "(the payload object is level 1)"
)
INT_MESSAGE = f"integer with more than {MAX_INT_DIGITS} digits, the limit for JSON integers here"

# (dotted path, message); the path is empty when the value itself is the problem.
Problem = Tuple[str, str]


# Passed as the pydantic validation context by code that has just checked a whole envelope, so
# that Event does not walk its payload a second time.  Only its identity matters.
LIMITS_CHECKED: Any = {"spec_kitty_events": "event limits already checked"}


# Like LIMITS_CHECKED, and the value was decoded from JSON just now and nothing else holds it:
# Event may keep its payload as it is instead of copying it.
FRESH_JSON: Any = {"spec_kitty_events": "event limits checked; freshly decoded JSON"}


class NotJSON(ValueError):
    """A log line that is not JSON this library reads; the message says why and where."""


# --- Python values ---------------------------------------------------------------------------


def payload_problem(payload: object) -> Optional[Problem]:
    """The first thing in a payload that breaks the rules above, or ``None``."""
    return _first_problem(payload, MAX_DEPTH)


def event_problem(envelope: object) -> Optional[Problem]:
    """As :func:`payload_problem`, for a whole envelope: the envelope itself is level 0."""
    return _first_problem(envelope, MAX_DEPTH + 1)


def int_problem(value: int) -> Optional[str]:
    """The message for an integer with too many digits, or ``None``."""
    if value.bit_length() >= _FEW_DIGITS_BITS and abs(value) >= _TOO_MANY_DIGITS:
        return INT_MESSAGE
    return None


def _first_problem(value: object, limit: int) -> Optional[Problem]:
    # The quick pass keeps no paths: the common, clean value costs one look at each item.
    if _clean(value, limit):
        return None
    return _locate(value, limit)


def _clean(
    value: object,
    limit: int,
    # Bound as defaults: this loop sees every value of every event, and locals are cheaper.
    _bits: int = _FEW_DIGITS_BITS,
    _finite: Callable[[float], bool] = isfinite,
) -> bool:
    pending: List[Tuple[Iterable[Any], int]] = [((value,), 0)]
    pop, push = pending.pop, pending.append
    while pending:
        items, depth = pop()
        for item in items:
            # Exact types first, the commonest first: nearly every value is one of these.
            kind = type(item)
            if kind is str:
                continue
            if kind is dict:
                if depth >= limit:
                    return False
                push((item.values(), depth + 1))
            elif kind is list:
                if depth >= limit:
                    return False
                push((item, depth + 1))
            elif kind is bool or item is None:
                continue
            elif kind is int:
                if item.bit_length() >= _bits and int_problem(item):
                    return False
            elif kind is float:
                if not _finite(item):
                    return False
            elif _scalar_problem(item) is not None:
                return False
            else:
                children = _children(item)
                if children is not None:
                    if depth >= limit:
                        return False
                    push(([child for _, child in children], depth + 1))
    return True


def _locate(value: object, limit: int) -> Optional[Problem]:
    """The slow pass, run only on a value that broke a rule: find where, depth first."""
    pending: List[Tuple[str, object, int]] = [("", value, 1)]
    while pending:
        path, item, depth = pending.pop()
        message = _scalar_problem(item)
        if message is not None:
            return path, message
        children = _children(item)
        if children is None:
            continue
        if depth > limit:
            return path, DEPTH_MESSAGE
        # Reversed, so that the first key or element is looked at first.
        for key, child in reversed(children):
            pending.append((f"{path}.{key}" if path else str(key), child, depth + 1))
    return None  # pragma: no cover - _clean found a problem, so _locate finds one too


def _children(item: object) -> Optional[List[Tuple[object, object]]]:
    """``(key, value)`` pairs of a container (any dict, list, tuple, set), else ``None``."""
    if isinstance(item, dict):
        return list(item.items())
    if isinstance(item, (list, tuple, set, frozenset)):
        return list(enumerate(item))
    return None


def _scalar_problem(item: object) -> Optional[str]:
    if isinstance(item, float) and not isfinite(item):
        return f"{item!r} is not a JSON number: NaN and Infinity have no JSON form"
    if isinstance(item, int) and not isinstance(item, bool):
        return int_problem(item)
    return None


# --- log lines -------------------------------------------------------------------------------


def _refuse_constant(literal: str) -> Any:
    raise NotJSON(f"{literal} is not JSON: JSON has no NaN or Infinity")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def loads_line(text: str) -> Any:
    """Parse one log line as JSON under the rules above.

    Raises :class:`NotJSON` for a line nested far too deep for the parser, a ``NaN`` or
    ``Infinity`` literal or an integer literal with too many digits, and
    ``json.JSONDecodeError`` for malformed JSON.  A line that parses but nests deeper than the
    limit is left to :func:`event_problem`, which names the field.
    """
    try:
        return _DECODER.decode(text)
    except (json.JSONDecodeError, NotJSON):
        raise
    except RecursionError as error:
        # json recurses once per level and stops cleanly at the interpreter's limit, far above
        # ours: checking the text first would cost every line a scan that this costs none.
        raise NotJSON(f"the line {DEPTH_MESSAGE}") from error
    except ValueError as error:
        # The interpreter's int-from-string limit is the one ValueError left; it carries no
        # position, so find the literal.  Everything before it parsed, so its strings are
        # well formed and the search cannot stall on them.
        raise NotJSON(_long_integer(text)) from error


# A JSON string, matched whole so that digits inside it are not taken for a number.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'


def _long_integer(text: str) -> str:
    digits = sys.get_int_max_str_digits() or MAX_INT_DIGITS
    literal = re.compile(_STRING + r"|-?(\d{" + str(digits + 1) + ",})", re.DOTALL)
    for match in literal.finditer(text):
        if match.group(1) is not None:
            return f"integer literal with more than {digits} digits (column {match.start() + 1})"
    return f"integer literal with more than {digits} digits"  # pragma: no cover - see above


# --- the fast reader -------------------------------------------------------------------------

_OPENERS = (b"{", b"[")
_FAST_DECODER = None if _msgspec is None else _msgspec.json.Decoder()
_FAST_REFUSALS: Tuple[Type[BaseException], ...] = (
    () if _msgspec is None else (_msgspec.DecodeError, RecursionError)
)


def fast_loads_line(raw: bytes) -> Optional[Tuple[Any, bool]]:
    """Parse a stripped log line with msgspec, where it certainly gives what
    :func:`loads_line` gives: ``(value, limits_clear)``, or ``None`` when the caller must take
    the slow path (msgspec missing, or a line msgspec refuses).

    msgspec reads JSON as ``json`` does (integers of any length as ints, duplicate keys: the
    last wins) and refuses more: NaN and the infinities, numbers that overflow to them,
    integers beyond the interpreter's digit limit, lone surrogates.  Whatever it refuses takes
    the slow path, which accepts or words the problem as it always has.

    ``limits_clear`` is True when the value provably keeps the event limits, so that
    :func:`event_problem` need not walk it: numbers are finite and integers short (see above),
    and a line with at most ``MAX_DEPTH + 1`` brackets cannot nest deeper than that.
    """
    if _FAST_DECODER is None:
        return None
    try:
        value = _FAST_DECODER.decode(raw)
    except _FAST_REFUSALS:
        return None
    brackets = raw.count(_OPENERS[0]) + raw.count(_OPENERS[1])
    return value, brackets <= MAX_DEPTH + 1
