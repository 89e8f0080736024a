"""The opt-in recovering parity view; the reducer's parity_status stays sticky."""

from __future__ import annotations

from typing import Any, List

import pytest

from spec_kitty_events.dossier import NamespaceMixedStreamError, reduce_mission_dossier
from spec_kitty_events.dossier_parity import recovering_parity
from spec_kitty_events.models import Event
from tests.factory import make_stream
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


def _open(events: List[Event]) -> List[Any]:
    return [
        (a.expected_identity.path, a.manifest_step, a.checked_at)
        for a in recovering_parity(events).open_anomalies
    ]


def test_a_snapshot_after_a_drift_makes_the_dossier_clean_again() -> None:
    events = make_stream((SNAPSHOT, snapshot()), (DRIFT, drift()), (SNAPSHOT, snapshot("bb")))
    assert recovering_parity(events).parity_status == "clean"
    # The reducer keeps its sticky rule: once drifted, always drifted.
    assert reduce_mission_dossier(events).parity_status == "drifted"


@pytest.mark.parametrize(
    ("rows", "status"),
    [
        ([], "unknown"),
        ([(INDEXED, indexed("a", "1")), (MISSING, missing("b"))], "unknown"),
        ([(DRIFT, drift())], "drifted"),
        ([(SNAPSHOT, snapshot()), (DRIFT, drift())], "drifted"),
        ([(DRIFT, drift()), (SNAPSHOT, snapshot()), (INDEXED, indexed("a", "1"))], "clean"),
        # A snapshot or drift that does not validate does not count.
        ([(SNAPSHOT, snapshot()), (DRIFT, drift(drift_kind="nonsense"))], "clean"),
        ([(DRIFT, drift()), (SNAPSHOT, {**snapshot(), "artifact_count": -1})], "drifted"),
    ],
)
def test_the_latest_snapshot_or_drift_decides(rows: Any, status: str) -> None:
    assert recovering_parity(make_stream(*rows)).parity_status == status


def test_reindexing_a_path_resolves_its_missing_anomalies() -> None:
    events = make_stream(
        (MISSING, missing("a", "plan")),
        (MISSING, missing("a", "tasks", artifact_class="input")),
        (MISSING, missing("b")),
        (INDEXED, indexed("a", "1")),
    )
    assert _open(events) == [("b", "required_always", "2026-02-21T14:05:00Z")]
    assert len(reduce_mission_dossier(events).anomalies) == 3


def test_an_artifact_indexed_before_the_check_does_not_resolve_it() -> None:
    events = make_stream((INDEXED, indexed("a", "1")), (MISSING, missing("a")))
    assert _open(events) == [("a", "required_always", "2026-02-21T14:05:00Z")]


def test_a_repeated_check_updates_its_anomaly_in_place() -> None:
    events = make_stream(
        (MISSING, missing("a", checked_at="t1")),
        (MISSING, missing("b", checked_at="t1")),
        (MISSING, missing("a", checked_at="t2", remediation_hint="run plan")),
    )
    assert _open(events) == [("a", "required_always", "t2"), ("b", "required_always", "t1")]
    assert recovering_parity(events).open_anomalies[0].remediation_hint == "run plan"


def test_a_reopened_anomaly_goes_to_the_end() -> None:
    events = make_stream(
        (MISSING, missing("a", checked_at="t1")),
        (MISSING, missing("b", checked_at="t1")),
        (INDEXED, indexed("a", "1")),
        (MISSING, missing("a", checked_at="t3")),
    )
    assert _open(events) == [("b", "required_always", "t1"), ("a", "required_always", "t3")]


def test_invalid_payloads_neither_open_nor_resolve() -> None:
    events = make_stream(
        (MISSING, missing("a")),
        (INDEXED, {**indexed("a", "1"), "content_ref": None}),
        (MISSING, {**missing("b"), "manifest_step": ""}),
    )
    assert _open(events) == [("a", "required_always", "2026-02-21T14:05:00Z")]


def test_mixed_namespaces_raise_as_the_reducer_does() -> None:
    events = make_stream(
        (INDEXED, indexed("a", "1")), (DRIFT, drift(namespace=ns(mission_key="x")))
    )
    with pytest.raises(NamespaceMixedStreamError, match="Expected"):
        recovering_parity(events)
