"""Splitting a mixed dossier stream by namespace, and reducing every partition."""

from __future__ import annotations

from typing import Any, List

from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events.dossier import (
    LocalNamespaceTuple,
    MissionDossierState,
    _namespace_key,
    reduce_mission_dossier,
)
from spec_kitty_events.dossier_parity import (
    DossierNamespaceKey,
    partition_by_namespace,
    reduce_dossier_by_namespace,
)
from spec_kitty_events.models import Event
from tests.factory import make_event
from tests.parity.helpers import INDEXED, MISSING, NS, SNAPSHOT, indexed, missing, ns

OTHER = ns(feature_slug="009-another-feature")
KEY_008 = DossierNamespaceKey(
    "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "008-mission-dossier-parity-event-contracts",
    "2.x",
    "software-dev",
    "1.0.0",
)
KEY_009 = KEY_008._replace(feature_slug="009-another-feature")

MIXED = [
    make_event(1, INDEXED, indexed("a", "1")),
    make_event(2, INDEXED, indexed("b", "2", namespace=OTHER)),
    make_event(3, MISSING, missing("c", namespace=ns(step_id="plan"))),
    make_event(4, SNAPSHOT, {"namespace": "not a namespace"}),
    make_event(5, INDEXED, indexed("d", "4", namespace={"project_uuid": "only"})),
    make_event(6, "WPStatusChanged", {"namespace": NS}),
    make_event(7, SNAPSHOT, {"namespace": OTHER, "snapshot_hash": "h"}),
]


def test_key_is_readable_and_equals_the_reducer_tuple() -> None:
    namespace = LocalNamespaceTuple(**NS, step_id="x")
    key = DossierNamespaceKey.of(namespace)
    assert key == _namespace_key(namespace) == KEY_008
    assert key.feature_slug == "008-mission-dossier-parity-event-contracts"
    assert hash(key) == hash(tuple(key))


def test_partitions_follow_the_fold_order_and_keep_unreadable_events() -> None:
    partitions = partition_by_namespace(reversed(MIXED))
    assert list(partitions) == [KEY_008, KEY_009, None]
    assert [e.lamport_clock for e in partitions[KEY_008]] == [1, 3]
    assert [e.lamport_clock for e in partitions[KEY_009]] == [2, 7]
    assert [e.lamport_clock for e in partitions[None]] == [4, 5]


def test_every_partition_is_reduced_as_its_own_stream() -> None:
    states = reduce_dossier_by_namespace(MIXED)
    assert states[KEY_008] == reduce_mission_dossier([MIXED[0], MIXED[2]])
    assert states[KEY_009] == reduce_mission_dossier([MIXED[1], MIXED[6]])
    # Unreadable events are counted, not folded, exactly as the reducer counts them.
    assert states[None] == MissionDossierState(event_count=2)
    # A step_id is per-event context: it does not split a partition.  Only one non-null
    # step_id was seen, after a null one, so the output keeps the first (null), as the reducer does.
    assert states[KEY_008].namespace == LocalNamespaceTuple(**NS)


def test_a_redelivered_event_lands_in_one_partition_only() -> None:
    first = make_event(1, INDEXED, indexed("a", "1"), clock=1)
    later_copy = make_event(1, INDEXED, indexed("a", "1", namespace=OTHER), clock=5)
    partitions = partition_by_namespace([later_copy, first])
    assert partitions == {KEY_008: [first]}


def test_nothing_to_partition() -> None:
    assert partition_by_namespace([]) == {}
    assert reduce_dossier_by_namespace([make_event(1, "Other", {"namespace": NS})]) == {}


@st.composite
def _deliveries(draw: st.DrawFn, events: List[Event]) -> List[Event]:
    repeats = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    permuted: List[Event] = draw(st.permutations(events + repeats))
    return permuted


@settings(max_examples=200)
@given(st.data())
def test_partitioning_ignores_delivery_order_and_duplicates(data: Any) -> None:
    delivered = data.draw(_deliveries(MIXED))
    assert reduce_dossier_by_namespace(delivered) == reduce_dossier_by_namespace(MIXED)
    assert list(partition_by_namespace(delivered)) == [KEY_008, KEY_009, None]
