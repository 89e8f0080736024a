"""reduce_mission_dossier, and the replay streams shipped in the conformance package."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, Dict, List, Tuple

import pytest

from spec_kitty_events._pipeline import prepare
from spec_kitty_events.dossier import (
    DOSSIER_EVENT_TYPES,
    DossierFold,
    LocalNamespaceTuple,
    MissionDossierState,
    NamespaceMixedStreamError,
    SkippedDossierEvent,
    _namespace_key,
    event_namespace,
    reduce_mission_dossier,
    reduce_mission_dossier_with_skips,
)
from spec_kitty_events.models import Event
from tests.dossier.helpers import (
    DRIFT,
    INDEXED,
    MISSING,
    NS_008,
    SNAPSHOT,
    P,
    drift,
    ident,
    indexed,
    missing,
    ns,
    replay,
    snapshot,
)
from tests.factory import make_event, make_stream

NS_MODEL = LocalNamespaceTuple(**NS_008)


def with_ns(payload: Dict[str, Any], **changes: Any) -> Dict[str, Any]:
    return {**payload, "namespace": ns(**changes)}


# --- helpers -----------------------------------------------------------------------------------


def test_event_namespace_reads_a_valid_namespace() -> None:
    event = make_event(1, INDEXED, indexed("a.md", "h"))
    assert event_namespace(event) == NS_MODEL


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "ns",
        ["a"],
        5,
        {"project_uuid": "x"},
        {**NS_008, "feature_slug": ""},
        {**NS_008, 1: "x"},
    ],
)
def test_event_namespace_returns_none_for_absent_or_malformed(raw: Any) -> None:
    assert event_namespace(make_event(1, INDEXED, {"namespace": raw})) is None


def test_event_namespace_without_key_and_with_non_mapping_payload() -> None:
    assert event_namespace(make_event(1, INDEXED, {})) is None
    odd = Event.model_construct(**{**make_event(1, INDEXED, {}).__dict__, "payload": ["x"]})
    assert event_namespace(odd) is None


def test_namespace_key_drops_step_id() -> None:
    assert _namespace_key(LocalNamespaceTuple(**NS_008, step_id="s")) == (
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "008-mission-dossier-parity-event-contracts",
        "2.x",
        "software-dev",
        "1.0.0",
    )


# --- empty and filtering -----------------------------------------------------------------------


def test_empty_input_gives_the_canonical_empty_state() -> None:
    assert reduce_mission_dossier([]) == MissionDossierState()


def test_non_dossier_events_are_ignored_and_never_namespace_checked() -> None:
    foreign = make_event(1, "WPStatusChanged", {"namespace": ns(feature_slug="other")})
    lowercase = make_event(2, INDEXED.lower(), indexed("a.md", "h"))
    assert reduce_mission_dossier([foreign, lowercase]) == MissionDossierState()
    state = reduce_mission_dossier([foreign, make_event(3, INDEXED, indexed("a.md", "h"))])
    assert state.event_count == 1
    assert state.namespace == NS_MODEL


def test_accepts_any_iterable_and_leaves_the_input_alone() -> None:
    events = make_stream((SNAPSHOT, snapshot("h2")), (INDEXED, indexed("a.md", "h")))
    events.reverse()
    before = list(events)
    from_generator = reduce_mission_dossier(e for e in events)
    assert from_generator == reduce_mission_dossier(events)
    assert events == before


# --- replay streams ----------------------------------------------------------------------------


def test_happy_path_folds_to_three_clean_artifacts() -> None:
    state = reduce_mission_dossier(replay("dossier_happy_path.jsonl"))
    assert list(state.artifacts) == [P + "spec.md", P + "plan.md", P + "tasks.md"]
    spec = state.artifacts[P + "spec.md"]
    assert (spec.content_ref.hash, spec.indexed_at, spec.superseded) == (
        "abc222def222",
        "2026-02-21T14:04:00Z",
        False,
    )
    assert state.latest_snapshot is not None
    assert state.latest_snapshot.snapshot_hash == "b" * 39 + "2"
    assert (state.parity_status, state.event_count, state.anomalies) == ("clean", 6, ())


def test_drift_scenario_matches_the_contract_table() -> None:
    state = reduce_mission_dossier(replay("dossier_drift_scenario.jsonl"))
    assert state.model_dump(mode="json") == {
        "namespace": {**NS_008, "step_id": None},
        "artifacts": {
            P + "spec.md": {
                "identity": {**ident("spec.md", "input"), "run_id": None, "wp_id": None},
                "content_ref": {
                    "hash": "abc111def111",
                    "algorithm": "sha256",
                    "size_bytes": None,
                    "encoding": None,
                },
                "indexed_at": "2026-02-21T14:00:00Z",
                "provenance": None,
                "superseded": False,
                "step_id": None,
            },
            P + "plan.md": {
                "identity": {**ident("plan.md", "workflow"), "run_id": None, "wp_id": None},
                "content_ref": {
                    "hash": "bcd222eee222",
                    "algorithm": "sha256",
                    "size_bytes": None,
                    "encoding": None,
                },
                "indexed_at": "2026-02-21T14:01:00Z",
                "provenance": None,
                "superseded": False,
                "step_id": None,
            },
        },
        "anomalies": [
            {
                "anomaly_type": "missing_artifact",
                "expected_identity": {
                    **ident("tasks.md", "workflow"),
                    "run_id": None,
                    "wp_id": None,
                },
                "manifest_step": "tasks",
                "checked_at": "2026-02-21T14:03:00Z",
                "remediation_hint": None,
            }
        ],
        "latest_snapshot": {
            "snapshot_hash": "c" * 39 + "3",
            "artifact_count": 2,
            "anomaly_count": 0,
            "computed_at": "2026-02-21T14:02:00Z",
            "algorithm": "sha256",
        },
        "drift_history": [
            {
                "expected_hash": "c" * 39 + "3",
                "actual_hash": "d" * 39 + "4",
                "drift_kind": "anomaly_introduced",
                "detected_at": "2026-02-21T14:04:00Z",
            }
        ],
        "parity_status": "drifted",
        "event_count": 5,
    }


# --- namespace invariant -----------------------------------------------------------------------


@pytest.mark.parametrize("field", list(NS_008))
def test_any_identity_field_difference_raises(field: str) -> None:
    second = with_ns(indexed("b.md", "h"), **{field: "different-value"})
    events = make_stream((INDEXED, indexed("a.md", "h")), (INDEXED, second))
    with pytest.raises(NamespaceMixedStreamError) as info:
        reduce_mission_dossier(events)
    message = str(info.value)
    assert message.startswith("Namespace mismatch in dossier event stream. Expected: ")
    assert "Got: " in message
    assert "different-value" in message
    assert info.value.expected == NS_MODEL
    assert info.value.got == LocalNamespaceTuple(**ns(**{field: "different-value"}))


def test_collision_fixture_mixed_into_the_happy_path_names_both_slugs() -> None:
    other = with_ns(indexed("x.md", "fedcba987654"), feature_slug="009-another-feature")
    events = [*replay("dossier_happy_path.jsonl"), make_event(7, INDEXED, other)]
    with pytest.raises(ValueError, match="Expected") as info:
        reduce_mission_dossier(events)
    assert isinstance(info.value, NamespaceMixedStreamError)
    assert "008-mission-dossier-parity-event-contracts" in str(info.value)
    assert "009-another-feature" in str(info.value)


def test_mismatch_is_decided_in_sort_order_not_input_order() -> None:
    first = make_event(2, INDEXED, with_ns(indexed("a.md", "h"), feature_slug="late"))
    earlier = make_event(1, INDEXED, indexed("a.md", "h"))
    with pytest.raises(NamespaceMixedStreamError) as info:
        reduce_mission_dossier([first, earlier])
    assert info.value.expected == NS_MODEL
    assert info.value.got is not None
    assert info.value.got.feature_slug == "late"


def test_otherwise_invalid_payload_still_takes_part_in_the_namespace_check() -> None:
    broken = with_ns({"artifact_id": "not an identity"}, mission_key="other-mission")
    events = make_stream((INDEXED, indexed("a.md", "h")), (INDEXED, broken))
    with pytest.raises(NamespaceMixedStreamError):
        reduce_mission_dossier(events)


def test_step_id_differences_never_raise_and_only_an_unchallenged_first_step_id_stays() -> None:
    def out_step(*step_ids: Any) -> Any:
        rows = [
            (INDEXED, with_ns(indexed(f"{i}.md", "h"), step_id=s)) for i, s in enumerate(step_ids)
        ]
        state = reduce_mission_dossier(make_stream(*rows))
        assert state.namespace is not None
        return state.namespace.step_id

    assert out_step(None, "step-02") is None
    assert out_step("A", None) == "A"
    assert out_step("A", "A") == "A"
    assert out_step("A", None, "B") is None
    assert out_step("A", "B", "A") is None
    assert out_step(None, None) is None


def test_malformed_first_event_does_not_poison_the_stream() -> None:
    rows = [
        (INDEXED, {**indexed("a.md", "h"), "namespace": {"project_uuid": "only"}}),
        (INDEXED, {**indexed("b.md", "h"), "namespace": "not-a-mapping"}),
        (SNAPSHOT, {k: v for k, v in snapshot("h").items() if k != "namespace"}),
        (INDEXED, indexed("c.md", "h")),
        (SNAPSHOT, snapshot("s")),
    ]
    state = reduce_mission_dossier(make_stream(*rows))
    assert state.namespace == NS_MODEL
    assert list(state.artifacts) == [P + "c.md"]
    assert state.event_count == 5
    assert state.parity_status == "clean"


def test_all_namespaces_malformed_gives_an_unknown_empty_fold() -> None:
    rows = [(INDEXED, {**indexed(f"{i}.md", "h"), "namespace": None}) for i in range(3)]
    state = reduce_mission_dossier(make_stream(*rows))
    assert state == MissionDossierState(event_count=3)


def test_namespace_dict_with_a_non_string_key_is_folded_but_not_an_anchor() -> None:
    # The namespace is read by keyword expansion (which rejects the key) but the payload is
    # validated as a whole (which ignores it): the event folds, yet sets no canonical namespace.
    odd = {**indexed("a.md", "h"), "namespace": {**ns(feature_slug="odd"), 7: "x"}}
    events = make_stream((INDEXED, odd), (INDEXED, indexed("b.md", "h")))
    state = reduce_mission_dossier(events)
    assert state.namespace == NS_MODEL
    assert list(state.artifacts) == [P + "a.md", P + "b.md"]


def test_unknown_keys_in_namespace_and_payload_are_ignored() -> None:
    payload = {**indexed("a.md", "h"), "supersede": ident("z.md"), "namespace": ns(extra="x")}
    state = reduce_mission_dossier(make_stream((INDEXED, payload)))
    assert state.namespace == NS_MODEL
    assert state.artifacts[P + "a.md"].superseded is False


# --- ordering and de-duplication ---------------------------------------------------------------


def test_duplicate_event_ids_count_once_and_the_smallest_sort_key_wins() -> None:
    early = make_event(1, INDEXED, indexed("a.md", "first"), event_id="01JNRD0P00000000000000000A")
    late = make_event(5, INDEXED, indexed("a.md", "second"), event_id="01jnrd0p00000000000000000a")
    state = reduce_mission_dossier([late, early, early])
    assert state.event_count == 1
    assert state.artifacts[P + "a.md"].content_ref.hash == "first"


def test_equal_clocks_order_by_timestamp_text_then_event_id() -> None:
    t1 = datetime(2026, 2, 21, 14, 0, tzinfo=timezone.utc)
    t2 = datetime(2026, 2, 21, 15, 0, tzinfo=timezone.utc)
    a = make_event(
        3, INDEXED, indexed("a.md", "by-t2"), event_id="01JNRTEST0000000000000000A", timestamp=t2
    )
    b = make_event(
        3,
        INDEXED,
        indexed("a.md", "by-t1-id-c"),
        event_id="01JNRTEST0000000000000000C",
        timestamp=t1,
    )
    c = make_event(
        3,
        INDEXED,
        indexed("a.md", "by-t1-id-b"),
        event_id="01JNRTEST0000000000000000B",
        timestamp=t1,
    )
    assert reduce_mission_dossier([a, b, c]).artifacts[P + "a.md"].content_ref.hash == "by-t2"
    assert reduce_mission_dossier([b, c]).artifacts[P + "a.md"].content_ref.hash == "by-t1-id-c"


def test_latest_snapshot_is_the_last_in_clock_order_not_by_computed_at() -> None:
    events = make_stream(
        (SNAPSHOT, snapshot("later-clock", computed_at="2026-02-21T14:00:00Z")),
        (SNAPSHOT, snapshot("last", computed_at="2020-01-01T00:00:00Z")),
    )
    state = reduce_mission_dossier(list(reversed(events)))
    assert state.latest_snapshot is not None
    assert state.latest_snapshot.snapshot_hash == "last"


# --- per-event effects -------------------------------------------------------------------------


def test_supersedes_marks_an_other_path_and_keeps_the_entry_otherwise_intact() -> None:
    old = indexed("v1.md", "h1", provenance={"git_sha": "abc"}, step_id="s1")
    new = indexed("v2.md", "h2", supersedes=ident("v1.md", "evidence", run_id="r"))
    state = reduce_mission_dossier(make_stream((INDEXED, old), (INDEXED, new)))
    v1 = state.artifacts[P + "v1.md"]
    assert v1.superseded is True
    assert (v1.content_ref.hash, v1.step_id, v1.provenance and v1.provenance.git_sha) == (
        "h1",
        "s1",
        "abc",
    )
    assert v1.identity.artifact_class == "input"
    assert state.artifacts[P + "v2.md"].superseded is False


def test_supersedes_of_an_unknown_path_is_not_deferred() -> None:
    first = indexed("v2.md", "h2", supersedes=ident("v1.md"))
    state = reduce_mission_dossier(make_stream((INDEXED, first), (INDEXED, indexed("v1.md", "h1"))))
    assert state.artifacts[P + "v1.md"].superseded is False


def test_reindexing_resets_superseded_and_keeps_first_insertion_position() -> None:
    rows = [
        (INDEXED, indexed("a.md", "a1")),
        (INDEXED, indexed("b.md", "b1", supersedes=ident("a.md"))),
        (INDEXED, indexed("a.md", "a2", step_id="again")),
    ]
    state = reduce_mission_dossier(make_stream(*rows))
    assert list(state.artifacts) == [P + "a.md", P + "b.md"]
    a = state.artifacts[P + "a.md"]
    assert (a.content_ref.hash, a.superseded, a.step_id) == ("a2", False, "again")


def test_payload_step_id_not_namespace_step_id_goes_into_the_entry() -> None:
    payload = with_ns(indexed("a.md", "h", step_id="payload-step"), step_id="ns-step")
    state = reduce_mission_dossier(make_stream((INDEXED, payload)))
    assert state.artifacts[P + "a.md"].step_id == "payload-step"
    assert state.namespace is not None
    assert state.namespace.step_id == "ns-step"


def test_anomalies_are_append_only_and_never_resolved() -> None:
    rows = [
        (MISSING, missing("plan.md", remediation_hint="run plan", last_known_ref={"git_sha": "x"})),
        (MISSING, missing("plan.md", remediation_hint="run plan")),
        (INDEXED, indexed("plan.md", "h", artifact_class="workflow")),
        (DRIFT, drift("anomaly_resolved")),
        (SNAPSHOT, snapshot("s", anomalies=0)),
    ]
    state = reduce_mission_dossier(make_stream(*rows))
    assert len(state.anomalies) == 2
    assert state.anomalies[0] == state.anomalies[1]
    assert state.anomalies[0].remediation_hint == "run plan"
    assert "last_known_ref" not in state.anomalies[0].model_dump()
    assert state.parity_status == "drifted"


@pytest.mark.parametrize(
    ("rows", "status"),
    [
        ([(INDEXED, indexed("a.md", "h"))], "unknown"),
        ([(MISSING, missing("a.md")), (SNAPSHOT, snapshot("s", anomalies=1))], "clean"),
        ([(DRIFT, drift()), (SNAPSHOT, snapshot("s"))], "drifted"),
        ([(SNAPSHOT, snapshot("s")), (DRIFT, {**drift(), "drift_kind": "bogus"})], "clean"),
        ([(SNAPSHOT, {**snapshot("s"), "artifact_count": -1})], "unknown"),
    ],
)
def test_parity_status_derivation(rows: List[Any], status: str) -> None:
    assert reduce_mission_dossier(make_stream(*rows)).parity_status == status


def test_snapshot_algorithm_defaults_to_sha256_only_in_the_summary() -> None:
    absent = {k: v for k, v in snapshot("s1").items() if k != "algorithm"}
    for payload in (absent, snapshot("s2", algorithm=None)):
        summary = reduce_mission_dossier(make_stream((SNAPSHOT, payload))).latest_snapshot
        assert summary is not None
        assert summary.algorithm == "sha256"
    summary = reduce_mission_dossier(make_stream((SNAPSHOT, snapshot("s3", algorithm="md5"))))
    assert summary.latest_snapshot is not None
    assert summary.latest_snapshot.algorithm == "md5"


def test_snapshot_counts_are_copied_verbatim_including_lax_coercion() -> None:
    state = reduce_mission_dossier(
        make_stream((SNAPSHOT, snapshot("s", artifacts="7", anomalies=4)))
    )
    assert state.latest_snapshot is not None
    assert (state.latest_snapshot.artifact_count, state.latest_snapshot.anomaly_count) == (7, 4)
    assert state.artifacts == {}


def test_drift_record_drops_the_extra_payload_fields() -> None:
    payload = drift(artifact_ids_changed=[ident("a.md")], rebuild_hint="rebuild")
    state = reduce_mission_dossier(make_stream((DRIFT, payload)))
    assert [r.model_dump() for r in state.drift_history] == [
        {
            "expected_hash": "deadbeef",
            "actual_hash": "cafebabe",
            "drift_kind": "artifact_added",
            "detected_at": "2026-02-21T14:15:00Z",
        }
    ]


# --- bad input ---------------------------------------------------------------------------------


def test_malformed_payloads_are_counted_skipped_and_reported() -> None:
    good = make_event(1, INDEXED, indexed("a.md", "h"))
    bad_class = make_event(2, INDEXED, indexed("b.md", "h", artifact_class="INVALID_CLASS"))
    no_path = {
        **indexed("c.md", "h"),
        "artifact_id": {"mission_key": "m", "artifact_class": "input"},
    }
    bad_path = make_event(3, INDEXED, no_path)
    not_a_dict = Event.model_construct(**{**make_event(4, MISSING, {}).__dict__, "payload": "?"})
    state, skipped = reduce_mission_dossier_with_skips([good, bad_class, bad_path, not_a_dict])
    assert state == reduce_mission_dossier([good, bad_class, bad_path, not_a_dict])
    assert state.event_count == 4
    assert list(state.artifacts) == [P + "a.md"]
    assert [(s.event_id, s.event_type) for s in skipped] == [
        (bad_class.event_id, INDEXED),
        (bad_path.event_id, INDEXED),
        (not_a_dict.event_id, MISSING),
    ]
    assert all(isinstance(s, SkippedDossierEvent) for s in skipped)
    assert "MissionDossierArtifactIndexed payload rejected" in skipped[0].reason
    assert "artifact_id.artifact_class" in skipped[0].reason
    assert "artifact_id.path: Field required" in skipped[1].reason
    assert skipped[2].reason.startswith("MissionDossierArtifactMissing payload rejected: <payload>")


def test_with_skips_reports_nothing_for_a_clean_stream() -> None:
    state, skipped = reduce_mission_dossier_with_skips(replay("dossier_happy_path.jsonl"))
    assert skipped == ()
    assert state.event_count == 6


def test_namespace_with_extra_keys_or_another_mapping_type_is_read_exactly() -> None:
    from types import MappingProxyType

    extra = {**indexed("a.md", "h"), "namespace": {**NS_008, "step_id": "s", "note": "x"}}
    proxied = {**indexed("b.md", "h"), "namespace": MappingProxyType(ns(step_id="t"))}
    state = reduce_mission_dossier(make_stream((INDEXED, extra), (INDEXED, proxied)))
    assert state.namespace == LocalNamespaceTuple(**NS_008, step_id=None)
    assert list(state.artifacts) == [P + "a.md", P + "b.md"]


def test_payload_that_is_already_a_model_does_not_crash_the_reducer() -> None:
    from spec_kitty_events.dossier import MissionDossierArtifactIndexedPayload

    model = MissionDossierArtifactIndexedPayload(**indexed("a.md", "h"))
    odd = Event.model_construct(**{**make_event(1, INDEXED, {}).__dict__, "payload": model})
    state = reduce_mission_dossier([odd])
    # Counted and folded (the model validates as itself); its namespace cannot be read by
    # keyword expansion, so it does not anchor the namespace.
    assert state.event_count == 1
    assert list(state.artifacts) == [P + "a.md"]
    assert state.namespace is None


def test_provenance_from_a_one_shot_iterable_is_kept_as_first_read() -> None:
    payload = indexed("a.md", "h", provenance={"source_event_ids": iter(["e1", "e2"])})
    state = reduce_mission_dossier(make_stream((INDEXED, payload)))
    provenance = state.artifacts[P + "a.md"].provenance
    assert provenance is not None
    assert provenance.source_event_ids == ("e1", "e2")


def test_skip_reason_for_a_non_pydantic_error_names_its_type() -> None:
    from spec_kitty_events.dossier import _skip_reason

    event = make_event(1, SNAPSHOT, {})
    reason = _skip_reason(event, TypeError("keywords must be strings"))
    assert (
        reason
        == "MissionDossierSnapshotComputed payload rejected: TypeError: keywords must be strings"
    )


# --- payloads folded from their mirror --------------------------------------------------------


class Where(str, Enum):
    """Paths given as members of a str enum: pydantic makes each a plain str, msgspec keeps
    the member.  These hash unlike their text, so a fold keying its artifacts by them would
    not find the paths again."""

    E = P + "e.md"
    B = P + "b.md"

    def __hash__(self) -> int:
        return 0


def _applied(events: List[Event]) -> Tuple[MissionDossierState, Tuple[SkippedDossierEvent, ...]]:
    """The fold with every payload built as its model: apply, never feed."""
    fold = DossierFold(record_skips=True)
    for event in prepare(events, DOSSIER_EVENT_TYPES):
        fold.apply(event)
    return fold.freeze(), fold.skipped


MIRRORED_STREAM = [
    make_event(
        1,
        INDEXED,
        indexed(
            "a.md",
            "h1",
            provenance={"source_event_ids": ["01JNR0000000000000000000AA"], "actor_kind": "llm"},
        ),
    ),
    make_event(2, INDEXED, indexed("b.md", "h2", supersedes=ident("a.md"))),
    make_event(3, INDEXED, indexed("a.md", "h3", provenance={"git_sha": "abc"})),
    make_event(4, SNAPSHOT, snapshot("s1")),
    make_event(5, INDEXED, indexed("c.md", "h4", content_ref={"hash": "", "algorithm": "md5"})),
    make_event(6, MISSING, missing("d.md")),
    make_event(7, SNAPSHOT, snapshot("s2", artifacts="4")),
    make_event(8, INDEXED, {**indexed("e.md", "h5"), "artifact_id": ident("e.md", path=Where.E)}),
    make_event(9, INDEXED, indexed("f.md", "h6", supersedes=ident("b.md", path=Where.B))),
]


def test_feeding_folds_what_applying_folds() -> None:
    # Provenance that survives, supersedes, a re-indexed path, snapshots, an invalid payload,
    # a snapshot pydantic coerces ("4") and paths given as str enum members.
    assert reduce_mission_dossier_with_skips(MIRRORED_STREAM) == _applied(MIRRORED_STREAM)


def test_a_path_given_as_a_str_enum_member_is_kept_as_a_plain_str() -> None:
    state = reduce_mission_dossier(MIRRORED_STREAM)
    assert {type(path) for path in state.artifacts} == {str}
    assert state.artifacts[P + "b.md"].superseded
    assert state.artifacts[P + "a.md"].provenance is not None
    assert state.artifacts[P + "a.md"].provenance.git_sha == "abc"
