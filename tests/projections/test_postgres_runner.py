"""PostgreSQL specifics of the runner: shards held elsewhere, a dropped session, rebuilding."""

from __future__ import annotations

from typing import Any, Dict, List

import psycopg
import pytest

from spec_kitty_events.models import StorageError
from spec_kitty_events.projections import ProjectionRunner

from .helpers import full_fold, save, stream


def test_a_runner_leaves_alone_the_shards_another_runner_holds(pg_url: str) -> None:
    save(pg_url, stream(seed=41, count=40))
    reports: List[Dict[str, Any]] = []
    with ProjectionRunner(pg_url, "status") as holder:
        holder.run(once=True)  # holds the board's lock until closed
        with ProjectionRunner(pg_url, "status", on_report=reports.append) as other:
            other.run(once=True)
            assert other.step() is False
        assert reports == []
        assert holder.states() == full_fold(pg_url, "status")


def test_a_dropped_session_fails_with_the_action_named_and_closes_cleanly(pg_url: str) -> None:
    save(pg_url, stream(seed=42, count=10))
    runner = ProjectionRunner(pg_url, "status")
    runner.run(once=True)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND datname = current_database()"
        )
    save(pg_url, stream(seed=43, count=10))
    # The store's pool replaces its dropped connections, so the new events are read; the
    # runner's own session cannot reconnect, by design: its locks are gone, so it must not
    # write as their owner, now or on the next attempt.
    for _ in range(2):
        with pytest.raises(
            StorageError,
            match=r"postgresql://\*\*\*@/stores\?host=.*: write checkpoints failed",
        ):
            runner.run(once=True)
    runner.close()  # the dead session's locks went with it; closing does not fail


def test_rebuild_releases_what_the_runner_holds_and_folds_again_from_the_start(
    pg_url: str,
) -> None:
    save(pg_url, stream(seed=44, count=30))
    reports: List[Dict[str, Any]] = []
    with ProjectionRunner(pg_url, "dossier", shards=2, on_report=reports.append) as runner:
        runner.run(once=True)
        first = len(reports)
        assert runner.rebuild() == 2
        assert runner.states() == {}
        runner.run(once=True)
        assert len(reports) == 2 * first
        assert runner.states() == full_fold(pg_url, "dossier")
