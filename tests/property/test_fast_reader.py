"""The fast log-line reader (msgspec) only ever answers where the standard reader agrees.

Whatever ``fast_loads_line`` accepts, ``loads_line`` accepts with a value of identical types and
contents; whenever it says the event limits are clear, ``event_problem`` agrees.  And a whole
log read with the fast reader gives the same events and reports, line for line, as without it.
"""

from __future__ import annotations

import json
import math
from typing import Any, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events import _json
from spec_kitty_events._json import event_problem, fast_loads_line, loads_line
from spec_kitty_events._jsonl import iter_lines, read_events
from spec_kitty_events._logcheck import check_line
from tests.cli.helpers import status_payload
from tests.factory import make_record
from tests.hostile._values import LIMIT, envelope, nested

pytest.importorskip("msgspec")


def same(left: Any, right: Any) -> bool:
    """Equal with identical types all the way down (1 is not 1.0, -0.0 is not 0.0)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float):
        return math.copysign(1, left) == math.copysign(1, right) and left == right
    return bool(left == right)


def agrees_with_the_standard_reader(raw: bytes) -> None:
    fast = fast_loads_line(raw)
    if fast is None:
        return
    value, limits_clear = fast
    assert same(value, loads_line(raw.decode("utf-8")))
    if limits_clear:
        assert event_problem(value) is None


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans())
def test_a_json_text_read_fast_is_the_value_the_standard_reader_reads(
    value: Any, ascii_only: bool
) -> None:
    agrees_with_the_standard_reader(json.dumps(value, ensure_ascii=ascii_only).encode())


# Near-JSON text: the pieces a line is made of, in any order, so that malformed and odd lines
# (lone surrogates, long digit runs, exponents, control characters) come up often.
_PIECES = st.sampled_from(
    [
        "{", "}", "[", "]", ",", ":", '"', "\\", "\\u", "d800", "dc00", "0", "1", "9", "-",
        ".", "e", "E", "+", "999", "1234567890123456789", "true", "null", "NaN", "Infinity",
        " ", "\t", "\x0c", "\x0b", "\x00", "\x7f", "é", "\ufeff", '"a"', "\\n",
    ]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=20))
def test_near_json_text_is_read_fast_only_where_the_standard_reader_agrees(
    pieces: List[str],
) -> None:
    agrees_with_the_standard_reader("".join(pieces).encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_arbitrary_bytes_are_read_fast_only_where_the_standard_reader_agrees(raw: bytes) -> None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        # Bad UTF-8 is never read fast: the slow path names the byte.
        assert fast_loads_line(raw) is None
        return
    agrees_with_the_standard_reader(raw)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (b"123456789012345678901234", 123456789012345678901234),
        (b"-9223372036854775809", -9223372036854775809),
        (b"[1, 18446744073709551616]", [1, 18446744073709551616]),
        (b"9" * 4300, int("9" * 4300)),
    ],
)
def test_integers_of_any_length_within_the_digit_limit_stay_integers(
    literal: bytes, expected: Any
) -> None:
    fast = fast_loads_line(literal)
    assert fast is not None
    assert same(fast[0], expected)
    assert same(loads_line(literal.decode()), expected)


@pytest.mark.parametrize(
    "literal", [b"9" * 4301, b"1e999", b"-1e999", b"1" * 400 + b".0", b"NaN", b'"\\ud800"']
)
def test_what_the_limits_forbid_is_left_to_the_standard_reader(literal: bytes) -> None:
    assert fast_loads_line(literal) is None


@pytest.mark.parametrize(("levels", "clear"), [(LIMIT, True), (LIMIT + 1, False)])
def test_the_nesting_limit_is_never_assumed_clear_for_a_line_that_may_break_it(
    levels: int, clear: bool
) -> None:
    # The payload is level 1: LIMIT levels inside the envelope keep the limit, one more breaks it.
    raw = json.dumps(envelope(nested(levels))).encode()
    fast = fast_loads_line(raw)
    assert fast is not None
    assert fast[1] is clear
    assert (event_problem(fast[0]) is None) is (levels <= LIMIT)


def _log(monkeypatch: pytest.MonkeyPatch, lines: List[bytes], fast: bool) -> Any:
    if not fast:
        monkeypatch.setattr(_json, "_FAST_DECODER", None)
    batch = read_events(lines)
    monkeypatch.undo()
    return batch


def test_a_log_read_fast_gives_the_events_and_reports_of_the_standard_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = [json.dumps(make_record(n, "HostileProbe")).encode() for n in range(1, 4)]
    deep = json.dumps(envelope(nested(LIMIT + 1), n=4)).encode()
    infinite = json.dumps(envelope({"x": 1}, n=5)).replace('"x": 1', '"x": 1e999').encode()
    wide = json.dumps(envelope({"big": 10**30}, n=6)).encode()
    lines = [good[0], b"", b"{not json", deep, good[1], b"\xff\xfe", infinite, wide, good[2]]
    fast, slow = _log(monkeypatch, lines, True), _log(monkeypatch, lines, False)
    assert fast.events == slow.events
    assert [event.payload for event in fast.events] == [event.payload for event in slow.events]
    assert fast.rejected == slow.rejected
    assert fast.lines_read == slow.lines_read == 8
    assert [report.line for report in fast.rejected] == [3, 4, 6, 7]
    assert fast.events[-2].payload == {"big": 10**30}


def test_a_log_checked_fast_gets_the_reports_of_the_standard_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = status_payload("WP01", None, "planned")
    records = [
        make_record(1, "WPStatusChanged", good),
        # A lane alias the model accepts and the wire schema does not.
        make_record(2, "WPStatusChanged", {**good, "to_lane": "doing"}),
        make_record(3, "WPStatusChanged", {**good, "wp_id": None}),
        make_record(4, "WPStatusChanged", good, lamport_clock=-1),
        envelope(nested(LIMIT + 1), n=5, event_type="WPStatusChanged"),
        make_record(6, "Unknown", {"x": 1}),
    ]
    lines = [json.dumps(record).encode() for record in records]

    def reports(fast: bool) -> List[Any]:
        if not fast:
            monkeypatch.setattr(_json, "_FAST_DECODER", None)
        checked = [check_line(raw, strict_types=True) for raw in iter_lines(lines)]
        monkeypatch.undo()
        return checked

    fast, slow = reports(True), reports(False)
    assert fast == slow
    assert [report.ok for report in fast] == [True, False, False, False, False, False]
