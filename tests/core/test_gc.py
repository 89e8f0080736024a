"""Folding defers full garbage collections, and only them, and only while a fold runs."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path
from typing import Any, List

import pytest

from spec_kitty_events._gc import young_collections_only
from tests.cli.helpers import EXAMPLES


@pytest.fixture(autouse=True)
def known_thresholds() -> Any:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


class Node:
    def __init__(self) -> None:
        self.me = self


def test_full_collections_are_deferred_inside_and_restored_after() -> None:
    with young_collections_only():
        young, middle, oldest = gc.get_threshold()
        assert (young, middle) == (700, 10)
        assert oldest > 10**9
    assert gc.get_threshold() == (700, 10, 10)


def test_the_setting_is_restored_when_the_fold_raises() -> None:
    with pytest.raises(RuntimeError), young_collections_only():
        raise RuntimeError("fold failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_folds_restore_only_when_the_outermost_ends() -> None:
    with young_collections_only():
        with young_collections_only():
            pass
        assert gc.get_threshold()[2] > 10**9
    assert gc.get_threshold() == (700, 10, 10)


def test_a_young_change_made_meanwhile_is_kept() -> None:
    with young_collections_only():
        gc.set_threshold(1000, 20, 5)
    assert gc.get_threshold() == (1000, 20, 10)


def test_a_cycle_that_dies_young_is_still_collected_without_a_full_collection() -> None:
    with young_collections_only():
        node = Node()
        alive = weakref.ref(node)
        del node
        # Enough new container objects to trigger the young generation's collection.
        garbage: List[List[int]] = [[i] for i in range(5_000)]
        del garbage
        assert alive() is None


def test_threads_folding_at_once_leave_the_setting_as_found() -> None:
    inside = threading.Barrier(4)
    leave = threading.Barrier(4)
    seen: List[int] = []

    def fold() -> None:
        with young_collections_only():
            inside.wait(timeout=10)
            seen.append(gc.get_threshold()[2])
            leave.wait(timeout=10)

    threads = [threading.Thread(target=fold) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(oldest > 10**9 for oldest in seen)
    assert len(seen) == 4
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize(
    ("kind", "log"), [("status", "status_history.jsonl"), ("dossier", "dossier_drift.jsonl")]
)
def test_reduce_prints_its_state_before_any_full_collection(
    kind: str, log: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's state is alive until it is printed; a full collection before then walks
    all of it and finds nothing, so the command defers them until it has printed."""
    from click.testing import CliRunner

    from spec_kitty_events import cli

    printed_with: List[int] = []
    print_state = cli._print_state

    def recording(dumped: Any, fmt: str) -> None:
        printed_with.append(gc.get_threshold()[2])
        print_state(dumped, fmt)

    monkeypatch.setattr(cli, "_print_state", recording)
    result = CliRunner().invoke(cli.main, ["reduce", kind, str(EXAMPLES / log)])
    assert result.exit_code == 0, result.output
    assert len(printed_with) == 1
    assert printed_with[0] > 10**9
    assert gc.get_threshold() == (700, 10, 10)


def test_ingest_stores_and_its_workers_check_with_full_collections_deferred(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What outlives ingest's young generations is chunks in flight, freed once stored; a
    full collection would walk the whole imported library for nothing, in this process and
    in each worker."""
    from click.testing import CliRunner

    from spec_kitty_events import _workers, cli

    stored_with: List[int] = []
    checked_with: List[int] = []
    append = cli._append
    checkers_enter = _workers.Checkers.__enter__

    def recording(*args: Any) -> int:
        stored_with.append(gc.get_threshold()[2])
        return append(*args)

    def entering(self: _workers.Checkers) -> _workers.Checkers:
        entered = checkers_enter(self)
        assert entered._pool is not None
        checked_with.append(entered._pool.submit(gc.get_threshold).result()[2])
        return entered

    monkeypatch.setattr(cli, "_append", recording)
    monkeypatch.setattr(_workers.Checkers, "__enter__", entering)
    log = str(EXAMPLES / "dossier_drift.jsonl")
    store = f"sqlite:///{tmp_path / 'events.db'}"
    result = CliRunner().invoke(cli.main, ["ingest", log, "--store", store, "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert stored_with
    assert all(oldest > 10**9 for oldest in stored_with)
    assert checked_with
    assert all(oldest > 10**9 for oldest in checked_with)
    assert gc.get_threshold() == (700, 10, 10)
