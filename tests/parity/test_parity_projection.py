"""DossierProjection: incremental folding equal to reduce_mission_dossier, and atomic failures."""

from __future__ import annotations

import itertools
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import event as note_event
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events._pipeline import prepare
from spec_kitty_events.dossier import (
    DOSSIER_EVENT_TYPES,
    FAMILY,
    AnomalyEntry,
    DossierFold,
    MissionDossierState,
    NamespaceMixedStreamError,
    reduce_mission_dossier,
)
from spec_kitty_events.dossier_parity import (
    AppliedBatch,
    DossierProjection,
    RecoveringParity,
)
from spec_kitty_events.models import Event
from tests.factory import make_event
from tests.parity.helpers import (
    DRIFT,
    INDEXED,
    MISSING,
    SNAPSHOT,
    drift,
    indexed,
    missing,
    ns,
    snapshot,
)


def _dump(projection: DossierProjection) -> Any:
    return projection.state.model_dump(mode="json")


# --- unit behaviour ------------------------------------------------------------------------


def test_an_empty_projection_is_the_empty_state() -> None:
    projection = DossierProjection()
    assert projection.state == MissionDossierState()
    assert projection.event_count == 0
    assert projection.recovering_parity() == RecoveringParity()


def test_in_order_batches_fold_on_top() -> None:
    events = [make_event(i, INDEXED, indexed(f"p{i}", str(i))) for i in range(1, 5)]
    projection = DossierProjection(events[:2])
    result = projection.apply([*events[2:], make_event(9, "WPStatusChanged", {})])
    assert result == AppliedBatch(new_events=2, duplicates=0, ignored=1, replayed=False)
    assert projection.state == reduce_mission_dossier(events)
    assert projection.event_count == 4


def test_a_late_event_replays() -> None:
    late = make_event(1, INDEXED, indexed("a", "1"))
    projection = DossierProjection([make_event(2, INDEXED, indexed("a", "2"))])
    assert projection.apply([late]).replayed is True
    assert projection.state.artifacts["a"].content_ref.hash == "2"
    assert projection.state == reduce_mission_dossier(
        [late, make_event(2, INDEXED, indexed("a", "2"))]
    )


def test_identical_redeliveries_are_counted_not_folded() -> None:
    events = [make_event(1, INDEXED, indexed("a", "1")), make_event(2, MISSING, missing("b"))]
    projection = DossierProjection(events)
    result = projection.apply([events[0], events[1], events[1]])
    assert result == AppliedBatch(new_events=0, duplicates=3, ignored=0, replayed=False)
    assert projection.state == reduce_mission_dossier(events)


def test_a_differing_redelivery_resolves_as_the_whole_stream_would() -> None:
    original = make_event(1, INDEXED, indexed("a", "late"), clock=5)
    earlier_copy = make_event(1, INDEXED, indexed("a", "early"), clock=2)
    projection = DossierProjection([original, make_event(6, INDEXED, indexed("b", "x"))])
    result = projection.apply([earlier_copy])
    assert result == AppliedBatch(new_events=0, duplicates=1, ignored=0, replayed=True)
    # The copy with the smaller sort key wins, as in reduce_mission_dossier.
    assert projection.state.artifacts["a"].content_ref.hash == "early"


def test_superseding_in_a_later_batch_updates_the_earlier_entry() -> None:
    first = make_event(1, INDEXED, indexed("old", "1"))
    projection = DossierProjection([first])
    assert projection.state.artifacts["old"].superseded is False
    second = make_event(
        2,
        INDEXED,
        indexed(
            "new",
            "2",
            supersedes={"mission_key": "software-dev", "path": "old", "artifact_class": "input"},
        ),
    )
    projection.apply([second])
    assert projection.state.artifacts["old"].superseded is True
    assert projection.state == reduce_mission_dossier([first, second])


def test_the_state_handed_out_cannot_change_the_projection() -> None:
    projection = DossierProjection([make_event(1, INDEXED, indexed("a", "1"))])
    with pytest.raises(TypeError, match="read-only"):
        projection.state.artifacts.clear()
    assert list(projection.state.artifacts) == ["a"]


@pytest.mark.parametrize("lamport", [9, 0], ids=["on-top", "replay"])
def test_a_mixed_namespace_batch_leaves_the_projection_unchanged(lamport: int) -> None:
    events = [make_event(1, INDEXED, indexed("a", "1")), make_event(2, DRIFT, drift())]
    projection = DossierProjection(events)
    before = (_dump(projection), projection.recovering_parity(), projection.event_count)
    batch = [
        make_event(11, INDEXED, indexed("b", "2"), clock=lamport + 1),
        make_event(12, SNAPSHOT, snapshot(namespace=ns(feature_slug="other")), clock=lamport + 2),
    ]
    with pytest.raises(NamespaceMixedStreamError) as caught:
        projection.apply(batch)
    assert "other" in str(caught.value)
    assert (_dump(projection), projection.recovering_parity(), projection.event_count) == before
    # It keeps working afterwards.
    projection.apply(batch[:1])
    assert projection.state == reduce_mission_dossier([*events, batch[0]])


# --- property: any split, order and duplication equals the whole-stream reducer ---------------

_NAMESPACES = [*[ns()] * 6, ns(step_id="s1"), ns(step_id="s2"), ns(feature_slug="other")]


@st.composite
def _event(draw: st.DrawFn, n: int) -> Event:
    kind = draw(st.sampled_from([INDEXED, INDEXED, INDEXED, MISSING, SNAPSHOT, DRIFT, "Other"]))
    namespace: Any = draw(st.sampled_from([*_NAMESPACES, "broken"]))
    path = draw(st.sampled_from(["a", "b", "c"]))
    payload: Dict[str, Any]
    if kind == INDEXED:
        supersedes = draw(st.sampled_from([None, "a", "b"]))
        extra = (
            {}
            if supersedes is None
            else {"supersedes": {"mission_key": "m", "path": supersedes, "artifact_class": "input"}}
        )
        payload = indexed(path, draw(st.sampled_from(["1", "2"])), namespace=namespace, **extra)
    elif kind == MISSING:
        payload = missing(path, draw(st.sampled_from(["plan", "tasks"])), namespace=namespace)
    elif kind == SNAPSHOT:
        payload = snapshot(namespace=namespace)
    else:
        payload = drift(namespace=namespace)
    if draw(st.integers(0, 9)) == 0:
        payload.pop("namespace" if kind == SNAPSHOT else "detected_at", None)
    return make_event(n, kind, payload, clock=draw(st.integers(1, 6)))


@st.composite
def _history(draw: st.DrawFn) -> List[Event]:
    size = draw(st.integers(0, 12))
    events = [draw(_event(n)) for n in range(size)]
    # Occasionally a re-delivery of an id with other content (a conflicting twin).
    twin: bool = draw(st.booleans())
    if events and twin:
        events.append(draw(_event(draw(st.integers(0, size - 1)))))
    return events


@st.composite
def _chunked_deliveries(draw: st.DrawFn) -> Tuple[List[Event], List[List[Event]]]:
    events = draw(_history())
    repeats = draw(st.lists(st.sampled_from(events), max_size=4)) if events else []
    delivered: List[Event] = draw(st.permutations(events + repeats))
    cuts = sorted(draw(st.lists(st.integers(0, len(delivered)), max_size=4)))
    bounds = [0, *cuts, len(delivered)]
    return events, [delivered[a:b] for a, b in itertools.pairwise(bounds)]


def _outcome(events: List[Event]) -> Tuple[Optional[MissionDossierState], Optional[str]]:
    try:
        return reduce_mission_dossier(events), None
    except NamespaceMixedStreamError as error:
        return None, str(error)


def _reference_parity(events: List[Event]) -> RecoveringParity:
    """The recovering rules, transcribed from docs/dossier-parity.md with plain lists."""
    status = "unknown"
    opened: List[Tuple[Tuple[str, str, str, str], AnomalyEntry]] = []
    for event in prepare(events, DOSSIER_EVENT_TYPES):
        try:
            payload: Any = FAMILY.payload_models[event.event_type].model_validate(event.payload)
        except ValueError:
            continue
        if event.event_type == INDEXED:
            opened = [(k, a) for k, a in opened if k[1] != payload.artifact_id.path]
        elif event.event_type == MISSING:
            identity = payload.expected_identity
            key = (
                "missing_artifact",
                identity.path,
                identity.artifact_class,
                payload.manifest_step,
            )
            anomaly = AnomalyEntry(
                expected_identity=identity,
                manifest_step=payload.manifest_step,
                checked_at=payload.checked_at,
                remediation_hint=payload.remediation_hint,
            )
            keys = [k for k, _ in opened]
            if key in keys:
                opened[keys.index(key)] = (key, anomaly)
            else:
                opened.append((key, anomaly))
        else:
            status = "clean" if event.event_type == SNAPSHOT else "drifted"
    return RecoveringParity(parity_status=status, open_anomalies=tuple(a for _, a in opened))


@settings(max_examples=300)
@given(_chunked_deliveries())
def test_any_chunking_equals_the_whole_stream_reducer(
    case: Tuple[List[Event], List[List[Event]]],
) -> None:
    events, chunks = case
    projection = DossierProjection()
    applied: List[Event] = []
    failed = False
    for chunk in chunks:
        expected, error = _outcome(applied + chunk)
        before = (_dump(projection), projection.recovering_parity())
        if error is not None:
            failed = True
            with pytest.raises(NamespaceMixedStreamError) as caught:
                projection.apply(chunk)
            assert str(caught.value) == error
            note_event("a mixed-namespace chunk was refused")
            assert (_dump(projection), projection.recovering_parity()) == before
            continue
        if projection.apply(chunk).replayed:
            note_event("a chunk was folded by replay")
        applied += chunk
        assert expected is not None
        assert projection.state == expected
        assert _dump(projection) == expected.model_dump(mode="json")
        assert projection.recovering_parity() == _reference_parity(applied)
    if not failed:
        assert projection.state == reduce_mission_dossier(events)


@settings(max_examples=200)
@given(_history(), st.randoms(use_true_random=False))
def test_events_applied_one_at_a_time_in_any_order_give_the_reducer_of_what_was_applied(
    events: List[Event], rng: Any
) -> None:
    arrival = list(events)
    rng.shuffle(arrival)  # so some events arrive late and force a replay
    projection = DossierProjection()
    applied: List[Event] = []
    for event in arrival:
        expected, error = _outcome([*applied, event])
        if error is not None:
            with pytest.raises(NamespaceMixedStreamError):
                projection.apply([event])
            continue
        projection.apply([event])
        applied.append(event)
        assert projection.state == expected


@settings(max_examples=200)
@given(_history())
def test_the_dossier_fold_frozen_after_each_event_is_the_reducer_of_that_prefix(
    events: List[Event],
) -> None:
    ordered = prepare(events, DOSSIER_EVENT_TYPES)
    fold = DossierFold()
    for end, event in enumerate(ordered, start=1):
        expected, error = _outcome(ordered[:end])
        if error is not None:
            with pytest.raises(NamespaceMixedStreamError):
                fold.apply(event)
            return
        fold.apply(event)
        assert fold.freeze() == expected


def test_the_reducer_and_the_projection_run_the_one_dossier_fold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folded: List[Tuple[str, str]] = []
    apply, feed = DossierFold.apply, DossierFold.feed

    def applying(fold: DossierFold, event: Event) -> Any:
        folded.append(("apply", event.event_id))
        return apply(fold, event)

    def feeding(fold: DossierFold, event: Event) -> None:
        folded.append(("feed", event.event_id))
        feed(fold, event)

    monkeypatch.setattr(DossierFold, "apply", applying)
    monkeypatch.setattr(DossierFold, "feed", feeding)
    events = [
        make_event(1, INDEXED, indexed("a", "1")),
        make_event(2, MISSING, missing("b")),
        make_event(3, SNAPSHOT, snapshot()),
    ]
    reduce_mission_dossier(events)
    DossierProjection(events)
    first, anomaly, last = (event.event_id for event in events)
    # The reducer feeds every event; only the missing artifact needs its payload model, so
    # only it goes on to apply.  The projection applies each, as it needs every payload.
    assert folded == [
        ("feed", first),
        ("feed", anomaly),
        ("apply", anomaly),
        ("feed", last),
        ("apply", first),
        ("apply", anomaly),
        ("apply", last),
    ]


def test_a_fold_refusing_an_event_of_another_namespace_is_left_as_it_was() -> None:
    fold = DossierFold()
    fold.apply(make_event(1, INDEXED, indexed("a", "1")))
    before = fold.freeze()
    stranger = make_event(2, INDEXED, indexed("b", "1", namespace=ns(feature_slug="other")))
    with pytest.raises(NamespaceMixedStreamError):
        fold.check_namespaces([stranger])
    with pytest.raises(NamespaceMixedStreamError):
        fold.apply(stranger)
    assert fold.freeze() == before
    assert fold.event_count == 1


def test_the_dossier_fold_ignores_events_of_other_families() -> None:
    fold = DossierFold()
    assert fold.apply(make_event(1, "WPStatusChanged", {"wp_id": "WP01"})) is None
    assert fold.event_count == 0
    assert fold.freeze() == MissionDossierState()
