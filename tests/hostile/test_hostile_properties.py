"""Seeded hostile-input properties: random nesting, huge numbers, non-JSON literals, bad bytes.

Through the API (many examples): building an Event, validate_event and the log-line check agree
with a naive transcription of the rules, and whatever is accepted reads back from JSON equal.
Through the real console script (few examples: each one starts a process): `ingest` never shows
a traceback, exits 0 or 1 as documented, reports every bad line by number, and every event it
stored reads back through the store API equal to the line it came from.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from spec_kitty_events import Event
from spec_kitty_events._jsonl import iter_lines
from spec_kitty_events._logcheck import check_line
from spec_kitty_events.conformance import validate_event
from spec_kitty_events.stores.sqlite import SQLiteEventStore
from tests.cli.helpers import run

from ._values import LIMIT, envelope, nested

HUGE = 10**4300

# --- the rules, transcribed naively (recursion is fine: these trees are small) -----------------


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def representable(value: Any) -> bool:
    if isinstance(value, dict):
        return all(representable(v) for v in value.values())
    if isinstance(value, list):
        return all(representable(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < HUGE
    return True


# --- strategies -------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    # Built by a map: hypothesis cannot even print a strategy holding such an int.
    st.tuples(st.sampled_from([1, -1]), st.sampled_from([4299, 4300, 4301, 5000])).map(
        lambda sign_digits: sign_digits[0] * (10 ** sign_digits[1] - 1)
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
trees = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)
# Most wrappings sit around the limit, where an off-by-one would show.
wrappings = st.one_of(st.integers(0, 4), st.integers(LIMIT - 8, LIMIT + 2), st.integers(65, 1500))


@contextmanager
def unlimited_digits() -> Iterator[None]:
    """Let json.dumps write huge integers, as a producer without the interpreter limit would."""
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


def to_line(record: Dict[str, Any]) -> bytes:
    with unlimited_digits():
        return json.dumps(record).encode()


@seed(20261214)
@settings(max_examples=400, database=None, deadline=None)
@given(tree=trees, levels=wrappings, kind=st.sampled_from(["object", "array"]))
def test_event_validate_event_and_the_line_check_agree_with_the_rules(
    tree: Any, levels: int, kind: str
) -> None:
    payload = {"p": nested(levels, tree, kind=kind)}
    expected = 1 + levels + depth(tree) <= LIMIT and representable(tree)
    record = envelope(payload)

    try:
        event = Event(**record)
    except ValidationError:
        assert not expected
    else:
        assert expected
        assert Event.model_validate_json(event.model_dump_json()) == event

    assert validate_event(record, "Event").valid is expected

    [raw] = list(iter_lines([to_line(record)]))
    report = check_line(raw)
    assert report.ok is expected, report
    if expected:
        assert Event.model_validate(raw.value) == event


# --- the console script -----------------------------------------------------------------------


safe_payloads = st.dictionaries(
    st.text(max_size=6),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=6),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=8,
    ),
    max_size=4,
)
LITERALS = {"nan": "NaN", "infinity": "-Infinity", "huge-int": "8" * 4301, "1e999": "1e999"}
KINDS = ["good", "deep", "bytes", "truncated", *LITERALS]
PLACEHOLDER = "@@hostile@@"


@st.composite
def logs(draw: st.DrawFn) -> Tuple[bytes, List[bool]]:
    """A log of 1 to 6 lines and, for each, whether it is a good event.

    Each line is a good event, or one nested deeper than the limit (or exactly to it), or one
    holding a NaN/Infinity/huge-integer/1e999 literal, or random bytes, or a truncated event;
    the log may start with a BOM and may end its lines with CRLF.
    """
    texts: List[bytes] = []
    good: List[bool] = []
    for n in range(1, draw(st.integers(1, 6)) + 1):
        kind = draw(st.sampled_from(KINDS))
        payload = draw(safe_payloads)
        ok = kind == "good"
        hostile = LITERALS.get(kind, "")
        if kind == "deep":
            # Written out by hand: json.dumps itself recurses, and would fail on 100,000 levels.
            levels = draw(st.sampled_from([LIMIT - 1, LIMIT, 500, 100_000]))
            hostile, ok = '{"a": ' * levels + "null" + "}" * levels, levels == LIMIT - 1
        if hostile:
            payload = {**payload, "x": PLACEHOLDER}
        text = to_line(envelope(payload, n)).replace(f'"{PLACEHOLDER}"'.encode(), hostile.encode())
        if kind == "bytes":
            text = draw(st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b))
        elif kind == "truncated":
            text = text[: draw(st.integers(1, len(text) - 1))]
        texts.append(text)
        good.append(ok)
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    body = ending.join(texts) + ending
    if draw(st.booleans()):
        # A BOM is not JSON: the first line is then reported like any other bad line.
        body, good[0] = b"\xef\xbb\xbf" + body, False
    return body, good


def reported_lines(stdout: str) -> List[int]:
    return sorted({int(m) for m in re.findall(r"^line (\d+)", stdout, re.MULTILINE)})


@seed(20261215)
@settings(
    max_examples=30,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(log=logs())
def test_ingest_survives_hostile_logs_and_stores_exactly_what_was_sent(
    log: Tuple[bytes, List[bool]],
) -> None:
    body, good = log
    lines = body.split(b"\n")
    # Random bytes may happen to be blank: a blank line is skipped, neither good nor bad.
    bad = [n for n, ok in enumerate(good, 1) if not ok and lines[n - 1].strip()]
    with tempfile.TemporaryDirectory() as scratch:
        path, db = Path(scratch) / "log.jsonl", Path(scratch) / "events.db"
        path.write_bytes(body)
        completed = run("ingest", str(path), "--store", f"sqlite:///{db}")
        assert "Traceback" not in completed.stderr
        assert reported_lines(completed.stdout) == bad, completed.stdout
        assert completed.returncode == (1 if bad else 0), completed.stderr

        store = SQLiteEventStore(str(db))
        try:
            stored = {event.event_id: event for event in store.load_all_events()}
        finally:
            store.close()
    sent = [Event.model_validate_json(lines[n - 1]) for n, ok in enumerate(good, 1) if ok]
    assert stored == {event.event_id: event for event in sent}
