"""The runner's status board folds a batch incrementally when it can, and always equals the
reducer over every event folded so far, whatever the batches and their order."""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events._pipeline import event_sort_key
from spec_kitty_events.models import Event
from spec_kitty_events.projections._kinds import StatusBoard
from spec_kitty_events.status import reduce_status_events
from tests.factory import make_event
from tests.status.helpers import transition

WPS = ["WP01", "WP02"]
LANES = ["planned", "claimed", "in_progress", "for_review", "done", "blocked", "canceled"]


@st.composite
def status_event(draw: st.DrawFn, n: int) -> Event:
    """Event ``n``: a legal or illegal move, sometimes a review rollback, clocks colliding."""
    extra: Dict[str, Any] = draw(
        st.fixed_dictionaries({}, optional={"review_ref": st.just("PR#1"), "force": st.just(True)})
    )
    payload = transition(
        draw(st.sampled_from(WPS)),
        draw(st.sampled_from([None, *LANES])),
        draw(st.sampled_from(LANES)),
        **extra,
    )
    return make_event(
        n,
        "WPStatusChanged",
        payload,
        clock=draw(st.integers(0, 8)),
        seconds=draw(st.integers(0, 1)),
    )


@st.composite
def copy_of(draw: st.DrawFn, event: Event) -> Event:
    """Another delivery of ``event``: the same, a twin (same key, other content), or a copy
    with another clock (which the de-duplication may prefer or not)."""
    kind = draw(st.sampled_from(["same", "twin", "other clock"]))
    if kind == "same":
        return event
    if kind == "twin":
        # Either may win: the copy with the smaller content fingerprint does.
        node = draw(st.sampled_from(["node-0", "node-z"]))
        payload = transition(draw(st.sampled_from(WPS)), None, "planned")
        return event.model_copy(update={"node_id": node, "payload": payload})
    return event.model_copy(update={"lamport_clock": draw(st.integers(0, 8))})


@st.composite
def batches(draw: st.DrawFn) -> List[List[Event]]:
    events = [draw(status_event(n)) for n in range(draw(st.integers(0, 14)))]
    if events:
        events += [
            draw(copy_of(draw(st.sampled_from(events)))) for _ in range(draw(st.integers(0, 4)))
        ]
    # Mostly in fold order (the incremental path), sometimes any order (late events).
    if draw(st.booleans()):
        events.sort(key=event_sort_key)
    else:
        events = draw(st.permutations(events))
    cuts = sorted(draw(st.lists(st.integers(0, len(events)), max_size=6)))
    bounds = [0, *cuts, len(events)]
    return [events[a:b] for a, b in pairwise(bounds)]


def _reference(events: List[Event]) -> Dict[str, Any]:
    return {"board": reduce_status_events(events).model_dump(mode="json")}


@settings(max_examples=300, deadline=None)
@given(parts=batches())
def test_the_board_after_every_batch_is_the_reducer_over_everything_folded(
    parts: List[List[Event]],
) -> None:
    board, folded = StatusBoard(), []
    for position, part in enumerate(parts, start=1):
        board.apply(position, part)
        folded += part
        assert board.states() == _reference(folded)
    resumed = StatusBoard(board.to_json())
    assert resumed.states() == _reference(folded)
    assert resumed.to_json() == board.to_json()


def _moves(first: int, count: int) -> List[Event]:
    return [
        make_event(n, "WPStatusChanged", transition("WP01", None, "planned"))
        if n == 1
        else make_event(n, "WPStatusChanged", transition("WP01", "planned", "planned", force=True))
        for n in range(first, first + count)
    ]


@pytest.fixture
def refolds(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    calls: List[int] = []
    real = StatusBoard._refold

    def counted(self: StatusBoard) -> None:
        calls.append(1)
        real(self)

    monkeypatch.setattr(StatusBoard, "_refold", counted)
    return calls


def test_batches_in_fold_order_never_fold_the_history_again(refolds: List[int]) -> None:
    board = StatusBoard()
    for first in (1, 4, 7):
        board.apply(first, _moves(first, 3))
    board.apply(10, _moves(4, 3))  # a redelivery of folded events changes nothing
    assert refolds == [1]  # the empty board's
    assert board.states() == _reference(_moves(1, 9))


@pytest.mark.parametrize(
    ("late", "why"),
    [
        (make_event(30, "WPStatusChanged", transition("WP02", None, "planned"), clock=0), "late"),
        (
            _moves(5, 1)[0].model_copy(update={"node_id": "node-twin"}),
            "a twin of a folded event",
        ),
        (_moves(5, 1)[0].model_copy(update={"lamport_clock": 0}), "an earlier copy"),
    ],
)
def test_a_batch_the_fold_cannot_extend_folds_the_history_again(
    refolds: List[int], late: Event, why: Optional[str]
) -> None:
    board = StatusBoard()
    board.apply(1, _moves(1, 6))
    board.apply(2, [late])
    assert refolds == [1, 1], why
    assert board.states() == _reference([*_moves(1, 6), late])
