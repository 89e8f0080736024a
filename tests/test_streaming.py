"""Folding a stream already in fold order gives what sorting it in memory gives.

Differential: the streamed pipeline against ``prepare`` and the batch reducers, on shuffled and
duplicated streams with conflicting twins; the order promise is checked, and a broken promise
raises instead of folding a wrong state.  The command line streams a file in fold order and
falls back to sorting an unordered one, with the same output, reports and exit status.
"""

from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path
from typing import Any, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events._families import reducing_families
from spec_kitty_events._pipeline import (
    InFoldOrder,
    OutOfOrder,
    event_sort_key,
    in_fold_order,
    prepare,
    sorted_within_clock,
)
from spec_kitty_events._stream import STREAMED_KINDS
from spec_kitty_events.dossier import reduce_mission_dossier
from spec_kitty_events.models import Event
from spec_kitty_events.status import reduce_status_events
from tests.cli.helpers import run
from tests.dossier.helpers import INDEXED, MISSING, indexed, missing, ns
from tests.factory import event_id, make_event
from tests.status.helpers import transition

WP_LANES = ("planned", "claimed", "in_progress", "for_review", "done")


@st.composite
def deliveries(draw: st.DrawFn) -> List[Event]:
    """A few status and dossier events from a small id pool, redelivered and shuffled.

    Ids, clocks and seconds are drawn from small ranges so that one id turns up at several
    sort keys and, with other content, at the same key (a conflicting twin).
    """
    events = []
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        n = draw(st.integers(min_value=1, max_value=8))
        kind = draw(st.sampled_from(("status", "dossier", "other")))
        if kind == "status":
            wp = draw(st.sampled_from(("WP01", "WP02")))
            source, target = draw(st.sampled_from(list(pairwise(WP_LANES))))
            payload: Any = transition(wp, source, target)
            event_type = "WPStatusChanged"
        elif kind == "dossier":
            payload = indexed(draw(st.sampled_from(("a.md", "b.md"))), draw(st.sampled_from("xyz")))
            event_type = INDEXED
        else:
            payload, event_type = {"n": draw(st.integers(0, 2))}, "Unrelated"
        events.append(
            make_event(
                n,
                event_type,
                payload,
                clock=draw(st.integers(min_value=1, max_value=4)),
                seconds=draw(st.integers(min_value=0, max_value=2)),
            )
        )
    return draw(st.permutations(events))


def in_order(events: List[Event]) -> List[Event]:
    return sorted(events, key=event_sort_key)


@settings(max_examples=300, deadline=None)
@given(deliveries(), st.sampled_from((None, frozenset({"WPStatusChanged"}), frozenset({INDEXED}))))
def test_the_streamed_pipeline_keeps_exactly_what_prepare_keeps(
    events: List[Event], event_types: Optional[frozenset[str]]
) -> None:
    streamed = list(in_fold_order(in_order(events), event_types))
    batch = prepare(events, event_types)
    assert streamed == batch
    # Twins differ in content, so == already tells them apart; the same objects are kept too.
    assert all(a is b for a, b in zip(streamed, batch, strict=True))


@settings(max_examples=200, deadline=None)
@given(deliveries())
def test_the_dossier_and_status_reducers_fold_a_stream_in_order_as_they_fold_the_shuffled_batch(
    events: List[Event],
) -> None:
    dossier_events = [e for e in events if e.event_type != "WPStatusChanged"]
    assert reduce_mission_dossier(InFoldOrder(in_order(dossier_events))) == (
        reduce_mission_dossier(dossier_events)
    )
    assert reduce_status_events(InFoldOrder(in_order(events))) == reduce_status_events(events)  # type: ignore[arg-type]


def test_a_stream_that_breaks_the_order_promise_raises_instead_of_folding() -> None:
    events = [make_event(2, "WPStatusChanged", transition("WP01", None, "planned")), make_event(1)]
    with pytest.raises(OutOfOrder, match=event_id(1)):
        reduce_status_events(InFoldOrder(events))  # type: ignore[arg-type]


def test_a_clock_ordered_stream_is_put_in_full_fold_order_one_clock_at_a_time() -> None:
    # Same clock, seconds out of order; ties on the whole key keep their input order.
    first, second = make_event(5, clock=1, seconds=9), make_event(4, clock=1, seconds=3)
    third = make_event(3, clock=2, seconds=0)
    twin = make_event(3, "Other", clock=2, seconds=0)
    assert list(sorted_within_clock([first, second, third, twin])) == [second, first, third, twin]
    assert list(sorted_within_clock([])) == []


def test_a_clock_ordered_stream_whose_clock_goes_back_raises_instead_of_being_trusted() -> None:
    # The fold trusts this order without checking it again, so the check here must hold.
    events = [make_event(1, clock=5), make_event(2, clock=7), make_event(3, clock=6)]
    with pytest.raises(OutOfOrder, match=event_id(3)):
        list(sorted_within_clock(events))


# --- the command line --------------------------------------------------------------------------


def _dossier_log(count: int) -> List[str]:
    lines = []
    for n in range(1, count + 1):
        payload = indexed(f"f{n % 4}.md", f"{n:040x}") if n % 3 else missing(f"m{n % 2}.md")
        event_type = INDEXED if n % 3 else MISSING
        lines.append(json.dumps(make_event(n, event_type, payload).model_dump(mode="json")))
    return lines


def _reduce(tmp_path: Path, name: str, lines: List[str], *args: str) -> Any:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run("reduce", *args, str(path), "--format", "json")


def _stderr_lines(stderr: str) -> List[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("kind", ["dossier", "status"])
def test_reduce_gives_the_same_state_and_reports_for_a_log_in_order_shuffled_or_piped(
    tmp_path: Path, kind: str
) -> None:
    if kind == "dossier":
        lines = _dossier_log(30)
    else:
        moves = [transition(f"WP0{n % 3 + 1}", None, "planned") for n in range(1, 30)]
        lines = [
            json.dumps(make_event(n, "WPStatusChanged", move).model_dump(mode="json"))
            for n, move in enumerate(moves, start=1)
        ]
    # Bad lines and a redelivered event, at fixed places in every variant.
    lines[4] = "{not json"
    lines[9] = json.dumps({"event_id": "short"})
    lines.append(lines[2])
    shuffled = lines[:1] + random.Random(2).sample(lines[1:], len(lines) - 1)
    ordered = _reduce(tmp_path, "ordered.jsonl", lines, kind)
    unordered = _reduce(tmp_path, "shuffled.jsonl", shuffled, kind)
    piped = run("reduce", kind, "-", "--format", "json", stdin=("\n".join(lines) + "\n").encode())
    assert ordered.returncode == unordered.returncode == piped.returncode == 1
    assert json.loads(ordered.stdout) == json.loads(unordered.stdout) == json.loads(piped.stdout)
    assert ordered.stderr == piped.stderr
    reported = _stderr_lines(ordered.stderr)
    assert reported[0].startswith("line 5: malformed JSON")
    assert "line 10 (event short): correlation_id: Field required" in reported
    assert reported[-1] == f"skipped 2 of {len(lines)} lines that are not valid event envelopes"
    # Shuffled, the same two lines are rejected under their new numbers.
    assert _stderr_lines(unordered.stderr)[-1] == reported[-1]


def test_a_refusal_mid_stream_still_reports_every_bad_line_of_the_log_first(
    tmp_path: Path,
) -> None:
    lines = _dossier_log(10)
    mixed = indexed("z.md", "f" * 40, namespace=ns(feature_slug="009-other"))
    lines[3] = json.dumps(make_event(4, INDEXED, mixed).model_dump(mode="json"))
    lines[7] = "[1, 2]"
    completed = _reduce(tmp_path, "mixed.jsonl", lines, "dossier")
    assert completed.returncode == 2  # a refused stream is trouble, whatever lines were bad
    assert completed.stdout == ""
    reported = _stderr_lines(completed.stderr)
    assert reported[0].startswith("line 8:")
    assert reported[1] == "skipped 1 of 10 lines that are not valid event envelopes"
    assert reported[2].startswith("Error: dossier reducer refused the stream:")


@pytest.mark.parametrize("kind", sorted(STREAMED_KINDS))
def test_the_streamed_kinds_are_reduce_kinds_whose_reducer_checks_the_order_promise(
    kind: str,
) -> None:
    family = reducing_families()[kind]
    event_type = family.event_types[0]
    events = [make_event(2, event_type, {}), make_event(1, event_type, {})]
    with pytest.raises(OutOfOrder):
        family.reduce(InFoldOrder(events))
