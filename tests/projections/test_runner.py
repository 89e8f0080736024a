"""One runner: catching up equals the full fold, checkpoints resume, bad rows are skipped."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any, Dict, List

import pytest

from spec_kitty_events.projections import CheckpointError, ProjectionRunner, full_fold_states

from .helpers import caught_up, full_fold, save, stream


@pytest.mark.parametrize("kind", ["dossier", "status"])
def test_catching_up_in_steps_ends_equal_to_a_full_fold(store_url: str, kind: str) -> None:
    events = stream(seed=1, count=240)
    for start in range(0, 240, 60):
        # Each chunk's clocks interleave with the earlier ones: most of it is late.
        save(store_url, events[start : start + 60])
        assert caught_up(store_url, kind, shards=4, page_size=25) == full_fold(store_url, kind)
    assert len(caught_up(store_url, kind, shards=4)) == (5 + 0 if kind == "dossier" else 1)


def test_a_resumed_runner_reads_only_what_is_new(store_url: str) -> None:
    save(store_url, stream(seed=2, count=50))
    reports: List[Dict[str, Any]] = []
    with ProjectionRunner(store_url, "status", on_report=reports.append) as runner:
        runner.run(once=True)
        first = runner.positions()
    assert [report["events"] for report in reports] == [
        sum(e.event_type == "WPStatusChanged" for e in stream(seed=2, count=50))
    ]
    reports.clear()
    with ProjectionRunner(store_url, "status", on_report=reports.append) as runner:
        runner.run(once=True)
        assert runner.positions() == first
    assert reports == []


def test_dossier_reports_name_the_namespace_and_its_snapshot_hash(store_url: str) -> None:
    events = [
        e for e in stream(seed=3, count=40, namespaces=1) if e.event_type != "WPStatusChanged"
    ]
    save(store_url, events)
    reports: List[Dict[str, Any]] = []
    with ProjectionRunner(store_url, "dossier", shards=2, on_report=reports.append) as runner:
        runner.run(once=True)
    (report,) = reports
    assert report["namespace"].startswith("a1b2c3d4-e5f6-7890-abcd-ef1234567890/feature-00/")
    assert report["events"] == len(events)
    assert len(report["snapshot_hash"]) == 64
    assert report["key"].startswith("default/dossier/")
    assert report["position"] == len(events)


def test_a_checkpoint_of_another_library_version_is_refused_with_a_way_to_rebuild(
    tmp_path: Any,
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    save(url, stream(seed=4, count=20))
    caught_up(url, "status")
    with sqlite3.connect(tmp_path / "events.db") as conn:
        conn.execute("UPDATE spec_kitty_checkpoints SET library = '0.9.0'")
    with ProjectionRunner(url, "status") as runner:
        with pytest.raises(CheckpointError, match=r"spec-kitty-events 0\.9\.0.*--rebuild"):
            runner.run(once=True)
        assert runner.rebuild() == 1
        runner.run(once=True)
        assert runner.states() == full_fold(url, "status")


def test_an_unreadable_event_is_reported_with_its_position_and_skipped(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    events = stream(seed=5, count=30)
    save(url, events)
    with sqlite3.connect(tmp_path / "events.db") as conn:
        conn.execute("UPDATE events SET body = '{}' WHERE seq = 7")
    reports: List[Dict[str, Any]] = []
    with ProjectionRunner(url, "status", on_report=reports.append) as runner:
        runner.run(once=True)
        assert runner.states() == full_fold_states("status", events[:6] + events[7:])
        assert runner.positions() == {"default/status/board": 30}
    skipped = [report["skipped"] for report in reports if "skipped" in report]
    assert [problem["position"] for problem in skipped] == [7]
    assert "at position 7: stored event is unreadable" in skipped[0]["error"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "board"}, "kind must be one of dossier, status, got 'board'"),
        ({"name": "a/b"}, "name must be a non-empty text without '/', got 'a/b'"),
        ({"shards": 0}, "shards must be an int >= 1, got 0"),
    ],
)
def test_bad_runner_options_are_refused_by_name(
    tmp_path: Any, options: Dict[str, Any], message: str
) -> None:
    arguments: Dict[str, Any] = {"kind": "dossier", **options}
    kind = arguments.pop("kind")
    with pytest.raises(ValueError, match=message):
        ProjectionRunner(f"sqlite:///{tmp_path / 'x.db'}", kind, **arguments)


def test_a_following_runner_applies_events_saved_after_it_started(store_url: str) -> None:
    save(store_url, stream(seed=6, count=10))
    applied = threading.Event()
    stop = threading.Event()
    seen: List[int] = []

    def note(report: Dict[str, Any]) -> None:
        seen.append(report["position"])
        if report["position"] >= 20:
            applied.set()

    with ProjectionRunner(store_url, "status", poll_interval=0.2, on_report=note) as runner:
        follower = threading.Thread(target=runner.run, kwargs={"stop": stop})
        follower.start()
        time.sleep(0.5)
        save(store_url, stream(seed=7, count=10))
        assert applied.wait(30)
        stop.set()
        follower.join(30)
        assert not follower.is_alive()
        assert runner.states() == full_fold(store_url, "status")


def test_a_runner_whose_checkpoint_moved_under_it_drops_its_batch_and_reloads(
    tmp_path: Any,
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    save(url, stream(seed=8, count=30))
    other = ProjectionRunner(url, "status")
    ownership: List[str] = []
    reports: List[Dict[str, Any]] = []

    def taken(change: Dict[str, Any]) -> None:
        ownership.append(change["ownership"])
        if len(ownership) == 1:
            other.run(once=True)  # moves the checkpoint this runner has just loaded

    with (
        other,
        ProjectionRunner(url, "status", on_ownership=taken, on_report=reports.append) as runner,
    ):
        runner.run(once=True)
        assert ownership == ["acquired", "lost", "acquired"]
        assert reports == []  # its batch was never committed, so never reported
        assert runner.states() == full_fold(url, "status")
