"""Order independence, dedup idempotence and cross-process determinism of the reducer.

The reducer orders events by ``(lamport_clock, timestamp text, event_id)`` before folding, so
*any* permutation of the input folds in the same order: the property tests shuffle freely
rather than only in causally valid orders.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.collaboration import (
    COLLABORATION_EVENT_TYPES,
    POTENTIAL_STEP_COLLISION_DETECTED,
    ParticipantIdentity,
    ReducedCollaborationState,
    reduce_collaboration_events,
)
from spec_kitty_events.models import Event, SpecKittyEventsError
from tests.collaboration.helpers import Stream, identity_model

History = Tuple[List[Event], Dict[str, ParticipantIdentity]]

CLEAN_ACTIONS = ["heartbeat", "intent", "focus", "step", "comment", "link", "warn", "decide"]
NOISY_ACTIONS = [*CLEAN_ACTIONS, "ghost", "unmatched", "leave", "rejoin", "early-ack"]


def _apply(stream: Stream, pids: List[str], action: str, a: int, b: int, k: int) -> None:
    actor = pids[a]
    other = pids[b] if b != a else pids[(a + 1) % len(pids)]
    if action == "heartbeat":
        stream.heartbeat(actor)
    elif action == "intent":
        stream.intent(actor, ("active", "inactive")[k % 2])
    elif action == "focus":
        stream.focus(actor, ("wp", "step", "file")[k % 3], f"T{k}")
    elif action == "step":
        stream.start(actor, f"s{k}")
        stream.complete(actor, f"s{k}")
    elif action == "comment":
        stream.comment(actor, f"c{len(stream.events)}", reply_to=f"c{k}" if k else None)
    elif action == "link":
        stream.link(actor, f"saas-{k}")
    elif action == "warn":
        warning_id = f"w{len(stream.events)}"
        kind = POTENTIAL_STEP_COLLISION_DETECTED if k % 2 else "ConcurrentDriverWarning"
        stream.warn(warning_id, [actor, other], kind)
        stream.ack(other, warning_id, ("continue", "hold", "reassign", "defer")[k])
    elif action == "decide":
        stream.decide(actor, f"d{len(stream.events)}", rationale="because")
    else:
        _apply_noise(stream, action, actor, k)


def _apply_noise(stream: Stream, action: str, actor: str, k: int) -> None:
    if action == "ghost":
        stream.heartbeat(f"ghost-{k}")
    elif action == "unmatched":
        stream.complete(actor, f"never-{k}")
    elif action == "leave":
        stream.leave(actor)
    elif action == "rejoin":
        stream.join(actor)
    else:  # an acknowledgement that arrives before its warning
        stream.ack(actor, f"late-{k}", "defer")
        stream.warn(f"late-{k}", [actor], "ConcurrentDriverWarning")


@st.composite
def histories(draw: Any, actions: List[str]) -> History:
    count = draw(st.integers(min_value=2, max_value=5))
    pids = [f"p{i}" for i in range(count)]
    stream = Stream()
    for pid in pids:
        stream.join(pid)
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(actions),
                st.integers(0, count - 1),
                st.integers(0, count - 1),
                st.integers(0, 3),
            ),
            min_size=1,
            max_size=25,
        )
    )
    for action, a, b, k in steps:
        _apply(stream, pids, action, a, b, k)
    return stream.events, {pid: identity_model(pid) for pid in pids}


@st.composite
def deliveries(draw: Any, events: List[Event]) -> List[Event]:
    """The same events in any order, some delivered more than once (as equal copies)."""
    repeats = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    copies = [event.model_copy() for event in repeats]
    return list(draw(st.permutations(events + copies)))


@settings(max_examples=200)
@given(history=histories(CLEAN_ACTIONS), data=st.data())
def test_strict_state_is_the_same_for_any_delivery_order(history: History, data: Any) -> None:
    events, roster = history
    expected = reduce_collaboration_events(events, mode="strict", roster=roster)
    # Every history joins its seeded participants: one duplicate join each, no raise.
    assert [a.reason.startswith("Duplicate join") for a in expected.anomalies] == [True] * len(
        roster
    )
    delivered = data.draw(deliveries(events))
    actual = reduce_collaboration_events(delivered, mode="strict", roster=roster)
    assert actual == expected
    assert actual.model_dump_json() == expected.model_dump_json()
    assert actual.event_count == len(events)


@settings(max_examples=200)
@given(history=histories(NOISY_ACTIONS), data=st.data())
def test_permissive_state_is_the_same_for_any_delivery_order(history: History, data: Any) -> None:
    events, roster = history
    # Concurrent events: several share a Lamport clock and are ordered by timestamp and id.
    events = [e.model_copy(update={"lamport_clock": e.lamport_clock // 3}) for e in events]
    expected = reduce_collaboration_events(events, mode="permissive", roster=roster)
    delivered = data.draw(deliveries(events))
    actual = reduce_collaboration_events(delivered, mode="permissive", roster=roster)
    assert actual == expected
    assert actual.model_dump_json() == expected.model_dump_json()


_SCRIPT = """
import json
from tests.collaboration.helpers import Stream
from spec_kitty_events.collaboration import reduce_collaboration_events
stream = Stream()
pids = [f"participant-{i:02d}" for i in range(30)]
for pid in pids:
    stream.join(pid)
for pid in pids:
    stream.intent(pid, "active")
    stream.focus(pid, "wp", "WP01")
state = reduce_collaboration_events(stream.events)
print(json.dumps({
    "json": state.model_dump_json(),
    "set_order": list(state.active_drivers),
}))
"""


def _run_with_hash_seed(seed: str) -> Dict[str, Any]:
    here = Path(__file__).resolve().parent
    src = here.parent.parent / "src"
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": f"{src}{os.pathsep}{here}"}
    completed = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    result: Dict[str, Any] = json.loads(completed.stdout)
    return result


def test_json_form_is_identical_across_processes_with_different_hash_seeds() -> None:
    first, second = _run_with_hash_seed("1"), _run_with_hash_seed("2")
    # The sets really do iterate differently in the two processes ...
    assert first["set_order"] != second["set_order"]
    # ... yet the JSON is byte-identical, with the sets written as sorted lists.
    assert first["json"] == second["json"]
    dumped = json.loads(first["json"])
    expected = [f"participant-{i:02d}" for i in range(30)]
    assert dumped["active_drivers"] == expected
    assert dumped["participants_by_focus"] == {"wp:WP01": expected}


_FIELDS = [
    "participant_id",
    "participant_identity",
    "mission_id",
    "intent",
    "focus_target",
    "step_id",
    "warning_id",
    "participant_ids",
    "acknowledgement",
    "comment_id",
    "content",
    "reply_to",
    "decision_id",
    "topic",
    "chosen_option",
    "referenced_warning_id",
    "linked_session_id",
]
_SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "p1", "w1"])
_JSON = (
    _SCALARS
    | st.lists(_SCALARS, max_size=3)
    | st.fixed_dictionaries({"target_type": _SCALARS, "participant_id": _SCALARS})
)
_PAYLOADS = st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=6)


@settings(max_examples=100)
@given(
    kinds=st.lists(st.sampled_from(sorted(COLLABORATION_EVENT_TYPES)), min_size=1, max_size=8),
    payloads=st.lists(_PAYLOADS, min_size=8, max_size=8),
)
def test_malformed_payloads_never_escape_as_raw_errors(
    kinds: List[str], payloads: List[Dict[str, Any]]
) -> None:
    stream = Stream()
    stream.join("p1")
    stream.join("p2")
    for kind, payload in zip(kinds, payloads, strict=False):
        stream.add(kind, **payload)
    # Permissive: whatever the payloads hold, a state comes back and round-trips.
    state = reduce_collaboration_events(stream.events, mode="permissive")
    assert state.event_count == len(stream.events)
    assert ReducedCollaborationState.model_validate_json(state.model_dump_json()) == state
    # Strict: either a state or one of the library's own errors, never pydantic's or TypeError.
    with contextlib.suppress(SpecKittyEventsError):
        reduce_collaboration_events(stream.events, mode="strict")
