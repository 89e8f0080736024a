"""One immutability rule for every reducer: what a reducer returns cannot be changed.

Each reducer folds a stream that fills every container of its output (including the dicts
and lists inside payload models the output keeps); then nothing reachable from the state may
be a plain ``dict`` or ``list``, every mutator must be refused, and the read-only containers
must be invisible otherwise: equality, dumps, pickling and copying as with plain containers.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from pydantic import BaseModel

from spec_kitty_events import (
    reduce_collaboration_events,
    reduce_glossary_events,
    reduce_lifecycle_events,
    reduce_mission_dossier,
    reduce_mission_next_events,
    reduce_status_events,
)
from spec_kitty_events._readonly import ReadOnlyDict, ReadOnlyList, read_only
from spec_kitty_events.glossary import TermCandidateObservedPayload
from spec_kitty_events.models import Event
from tests.factory import make_event

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example(name: str) -> List[Event]:
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    return [Event.model_validate_json(line) for line in lines if line.strip()]


def status_stream() -> List[Event]:
    lanes: List[Optional[str]] = [None, "planned", "claimed", "in_progress", "for_review", "done"]
    evidence = {
        "repos": [{"repo": "r", "branch": "b", "commit": "c1", "files_touched": ["a.py"]}],
        "verification": [{"command": "pytest", "result": "passed"}],
        "review": {"reviewer": "alice", "verdict": "approved"},
    }
    events = []
    for n, (source, target) in enumerate(itertools.pairwise(lanes), start=1):
        payload: Dict[str, Any] = {
            "feature_slug": "f",
            "wp_id": "WP01",
            "from_lane": source,
            "to_lane": target,
            "actor": "agent",
            "execution_mode": "worktree",
        }
        if target == "done":
            payload["evidence"] = evidence
        events.append(make_event(n, "WPStatusChanged", payload))
    # Refused (done is terminal): gives the anomaly list an entry.
    refused = dict(events[-1].payload, from_lane="done", to_lane="planned")
    refused.pop("evidence")
    events.append(make_event(9, "WPStatusChanged", refused))
    return events


def glossary_stream() -> List[Event]:
    common = {"mission_id": "M", "scope_id": "S"}
    metadata = {"step_metadata": {"file": "spec.md"}}
    return [
        make_event(
            1,
            "GlossaryScopeActivated",
            {**common, "scope_type": "team_domain", "glossary_version_id": "v1"},
        ),
        make_event(
            2,
            "TermCandidateObserved",
            {
                **common,
                **metadata,
                "step_id": "s1",
                "term_surface": "dashboard",
                "confidence": 0.5,
                "actor": "x",
            },
        ),
        make_event(
            3,
            "GlossarySenseUpdated",
            {
                **common,
                "term_surface": "dashboard",
                "after_sense": "console",
                "reason": "r",
                "actor": "y",
            },
        ),
        make_event(
            4,
            "SemanticCheckEvaluated",
            {
                **common,
                **metadata,
                "step_id": "s2",
                "conflicts": [
                    {
                        "term": "dashboard",
                        "nature": "overloaded",
                        "severity": "high",
                        "description": "two meanings",
                    }
                ],
                "severity": "high",
                "confidence": 0.9,
                "recommended_action": "block",
                "effective_strictness": "max",
            },
        ),
        make_event(
            5,
            "GenerationBlockedBySemanticConflict",
            {
                "mission_id": "M",
                **metadata,
                "step_id": "s2",
                "conflict_event_ids": ["01J00000000000000000000004"],
                "blocking_strictness": "max",
            },
        ),
        make_event(
            6, "GlossaryStrictnessSet", {"mission_id": "M", "new_strictness": "off", "actor": "z"}
        ),
    ]


def collaboration_stream() -> List[Event]:
    def move(n: int, event_type: str, **payload: Any) -> Event:
        return make_event(n, event_type, {"participant_id": "p1", "mission_id": "M", **payload})

    identity = {"participant_id": "p1", "participant_type": "human"}
    return [
        move(1, "ParticipantJoined", participant_identity=identity),
        move(2, "PromptStepExecutionStarted", step_id="s1"),
        move(
            3,
            "SessionLinked",
            primary_session_id="a",
            linked_session_id="b",
            link_type="cli_to_saas",
        ),
        move(4, "FocusChanged", focus_target={"target_type": "wp", "target_id": "WP01"}),
        make_event(
            5,
            "ConcurrentDriverWarning",
            {"warning_id": "w1", "mission_id": "M", "participant_ids": ["p1", "p1"]},
        ),
        move(6, "WarningAcknowledged", warning_id="w1", acknowledgement="hold"),
    ]


REDUCED: Dict[str, Callable[[], BaseModel]] = {
    "status": lambda: reduce_status_events(status_stream()),
    "lifecycle": lambda: reduce_lifecycle_events(status_stream()),
    "collaboration": lambda: reduce_collaboration_events(collaboration_stream()),
    "glossary": lambda: reduce_glossary_events(glossary_stream()),
    "mission_next": lambda: reduce_mission_next_events(example("mission_next_run.jsonl")),
    "dossier": lambda: reduce_mission_dossier(example("dossier_drift.jsonl")),
}
FAMILIES = sorted(REDUCED)


def containers(value: Any, path: str = "state") -> Iterator[Tuple[str, Any]]:
    """Every dict and list reachable from ``value``, with a readable path to it."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from containers(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from containers(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple, frozenset)):
        if isinstance(value, list):
            yield path, value
        for index, item in enumerate(value):
            yield from containers(item, f"{path}[{index}]")


def thawed(value: Any) -> Any:
    """The same value built from plain dicts and lists, without validation."""
    if isinstance(value, BaseModel):
        fields = {name: thawed(getattr(value, name)) for name in type(value).model_fields}
        return type(value).model_construct(_fields_set=set(value.model_fields_set), **fields)
    if isinstance(value, dict):
        return {key: thawed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [thawed(item) for item in value]
    if type(value) is tuple:
        return tuple(thawed(item) for item in value)
    return value


# Per family, a container the stream must fill, nested as deep as the output nests them.
DEEPEST = {
    "status": ".evidence.repos[0].files_touched",
    "lifecycle": ".evidence.repos[0].files_touched",
    "collaboration": ".active_executions['p1']",
    "glossary": ".semantic_checks[0].step_metadata",
    "mission_next": ".answered_decisions",
    "dossier": ".artifacts",
}


def mutators(found: Any) -> List[Callable[[], Any]]:
    if isinstance(found, dict):
        return [
            lambda: found.__setitem__("k", 1),
            lambda: found.update(k=1),
            lambda: found.setdefault("k", 1),
            lambda: found.__ior__({"k": 1}),
            found.clear,
            found.popitem,
        ]
    return [
        lambda: found.append(1),
        lambda: found.extend([1]),
        lambda: found.insert(0, 1),
        lambda: found.__iadd__([1]),
        found.clear,
        found.pop,
        found.reverse,
        found.sort,
    ]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_stream_fills_its_deepest_container(family: str) -> None:
    # Guards the tests below: a state with no container would pass them vacuously.
    paths = [path for path, _ in containers(REDUCED[family]())]
    assert any(path.endswith(DEEPEST[family]) for path in paths), paths


@pytest.mark.parametrize("family", FAMILIES)
def test_no_dict_or_list_reachable_from_a_state_accepts_a_change(family: str) -> None:
    state = REDUCED[family]()
    for path, found in containers(state):
        before = copy.copy(found)
        for mutate in mutators(found):
            with pytest.raises(TypeError, match="read-only"):
                mutate()
        assert found == before, path


@pytest.mark.parametrize("family", FAMILIES)
def test_a_state_equals_and_dumps_like_the_same_state_with_plain_containers(family: str) -> None:
    state = REDUCED[family]()
    plain = thawed(state)
    assert not any(type(found) not in (dict, list) for _, found in containers(plain))
    assert state == plain
    assert state.model_dump() == plain.model_dump()
    assert state.model_dump_json() == plain.model_dump_json()
    assert state.model_dump(exclude_unset=True) == plain.model_dump(exclude_unset=True)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_state_survives_pickle_and_copies_still_read_only(family: str) -> None:
    state = REDUCED[family]()
    for twin in (pickle.loads(pickle.dumps(state)), copy.deepcopy(state), copy.copy(state)):
        assert twin == state
        assert [type(found) for _, found in containers(twin)] == [
            type(found) for _, found in containers(state)
        ]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_state_is_hashable_and_equal_states_hash_alike(family: str) -> None:
    state = REDUCED[family]()
    rebuilt = type(state).model_validate(state.model_dump())
    assert rebuilt == state
    assert hash(rebuilt) == hash(state)
    assert len({state, rebuilt}) == 1


def test_a_state_built_from_json_is_read_only_too() -> None:
    state = reduce_glossary_events(glossary_stream())
    again = type(state).model_validate_json(state.model_dump_json())
    assert again == state
    with pytest.raises(TypeError, match="read-only"):
        again.semantic_checks[0].step_metadata["file"] = "other.md"


def test_payload_models_keep_their_plain_containers_outside_a_state() -> None:
    # The output holds read-only copies; the payload class a producer fills is unchanged.
    payload = TermCandidateObservedPayload.model_validate(glossary_stream()[1].payload)
    assert type(payload.step_metadata) is dict
    payload.step_metadata["added"] = "by the producer"
    with pytest.raises(TypeError, match="unhashable"):
        hash(payload)


def test_an_empty_state_is_read_only_too() -> None:
    for family in ("status", "dossier"):
        state = {"status": reduce_status_events, "dossier": reduce_mission_dossier}[family]([])
        found = dict(containers(state))
        assert found, family
        for path, value in found.items():
            with pytest.raises(TypeError, match="read-only"):
                value.clear()
            assert value == type(value)(), path


class _Node(BaseModel):
    name: str
    children: List[_Node] = []


def test_values_without_containers_pass_through_as_the_same_objects() -> None:
    # What keeps freezing O(size of the state): parts with nothing to freeze are not rebuilt.
    state = reduce_mission_dossier(example("dossier_drift.jsonl"))
    entries = tuple(state.artifacts.values())
    assert read_only(entries) is entries
    assert all(read_only(entry) is entry for entry in entries)
    frozen = read_only([entries])
    assert read_only(frozen) is frozen


def test_a_self_referencing_model_is_frozen_all_the_way_down() -> None:
    tree = _Node(name="root", children=[_Node(name="leaf", children=[_Node(name="deep")])])
    frozen = read_only(tree)
    assert frozen == tree
    assert frozen is not tree
    with pytest.raises(TypeError, match="read-only"):
        frozen.children[0].children.append(_Node(name="more"))
    assert type(tree.children) is list


class _Loose(BaseModel):
    anything: Any = None
    mapping: Mapping[str, Sequence[int]] = {}


class _Parent(BaseModel):
    child: Optional[_Child] = None
    tags: List[str] = []


class _Child(BaseModel):
    # Holds a container only through its parent: found although _Parent is still being
    # looked at when _Child is.
    parent: Optional[_Parent] = None


def test_fields_declared_loosely_are_frozen_by_what_they_hold() -> None:
    loose = _Loose(anything={"k": [1]}, mapping={"k": [2]})
    frozen = read_only(loose)
    with pytest.raises(TypeError, match="read-only"):
        frozen.anything["k"].append(3)
    with pytest.raises(TypeError, match="read-only"):
        frozen.mapping["k"].append(3)  # type: ignore[attr-defined]
    assert frozen == loose


class _Items(List[int]):
    pass


def test_container_subclasses_become_read_only_dicts_and_lists() -> None:
    frozen = read_only([OrderedDict(a=_Items([1])), defaultdict(list, b=[2])])
    assert frozen == [{"a": [1]}, {"b": [2]}]
    assert [type(item) for item in frozen] == [ReadOnlyDict, ReadOnlyDict]
    assert type(frozen[0]["a"]) is ReadOnlyList


def test_models_that_refer_to_each_other_are_frozen_all_the_way_down() -> None:
    tree = _Parent(child=_Child(parent=_Parent(tags=["deep"])))
    frozen = read_only(tree)
    assert frozen == tree
    assert frozen.child is not None
    assert frozen.child.parent is not None
    with pytest.raises(TypeError, match="read-only"):
        frozen.child.parent.tags.append("more")
