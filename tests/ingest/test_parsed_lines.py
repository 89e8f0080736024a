"""Reading a log straight to events gives, line for line, what decoding then parsing gives."""

from __future__ import annotations

import json
from typing import List

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events._jsonl import iter_lines, parse_event, parsed_lines
from tests.factory import make_event

_CANONICAL = make_event(1, "NoteTaken", {"note": "x"}).model_dump_json().encode()
_RECORD = json.loads(_CANONICAL)


def _with_payload(payload: object) -> bytes:
    return json.dumps({**_RECORD, "payload": payload}).encode()


_DEEP: object = 1
for _ in range(80):
    _DEEP = [_DEEP]

# Every way a line reaches a different step: the fast path, pydantic after the fast path
# declines, the event limits (walked or proved), the slow decoder, and lines that are not
# events at all.
LINES = st.sampled_from(
    [
        _CANONICAL,
        json.dumps(_RECORD).encode(),  # spaced out, still fast
        json.dumps({**_RECORD, "event_id": _RECORD["event_id"].lower()}).encode(),
        json.dumps({**_RECORD, "lamport_clock": "3"}).encode(),  # pydantic refuses
        json.dumps({**_RECORD, "extra": 1}).encode(),  # unknown key
        json.dumps({k: v for k, v in _RECORD.items() if k != "node_id"}).encode(),
        _with_payload({"deep": _DEEP}),  # nested past the limit
        _with_payload({"wide": [[n] for n in range(80)]}),  # many brackets, shallow
        _CANONICAL.replace(b'"note":"x"', b'"note":1e999'),  # Infinity from a number
        _CANONICAL.replace(b'"note":"x"', b'"note":NaN'),
        _CANONICAL.replace(b'"note":"x"', b'"note":"\\ud800"'),  # a lone surrogate
        b"\xff not utf-8",
        b"{broken",
        b"[1, 2]",
        b'"a string"',
        b"",
        b"   ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=12))
def test_parsed_lines_are_parse_event_of_each_decoded_line(lines: List[bytes]) -> None:
    log = [line + b"\n" for line in lines]
    expected = [parse_event(raw) for raw in iter_lines(log)]
    assert list(parsed_lines(log)) == expected
