"""`spec-kitty-events follow` as the real console script."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.cli.helpers import run, script_command

from .helpers import caught_up, full_fold, save, stream


def _lines(text: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_follow_once_prints_one_line_per_namespace_a_batch_changed(store_url: str) -> None:
    events = stream(seed=11, count=120, namespaces=3)
    save(store_url, events)
    done = run("follow", "dossier", "--store", store_url, "--once", "--page-size", "50")
    assert done.returncode == 0, done.stderr
    lines = _lines(done.stdout)
    assert {line["namespace"].split("/")[1] for line in lines} == {
        "feature-00",
        "feature-01",
        "feature-02",
    }
    assert {line["position"] for line in lines} <= {50, 100, 120}
    assert all(len(line["snapshot_hash"]) == 64 for line in lines)
    assert caught_up(store_url, "dossier") == full_fold(store_url, "dossier")
    again = run("follow", "dossier", "--store", store_url, "--once")
    assert (again.returncode, again.stdout) == (0, "")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_following_cleanly(tmp_path: Path, signum: int) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    save(url, stream(seed=12, count=30))
    follower = subprocess.Popen(
        [*script_command(), "follow", "status", "--store", url, "--poll", "0.05"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert follower.stdout is not None
    first = json.loads(follower.stdout.readline())
    assert first["position"] == 30
    follower.send_signal(signum)
    out, err = follower.communicate(timeout=60)
    assert (follower.returncode, out, err) == (0, "", "")


def test_a_checkpoint_from_another_version_stops_follow_with_the_rebuild_command(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    save(url, stream(seed=13, count=20))
    assert run("follow", "status", "--store", url, "--once").returncode == 0
    with sqlite3.connect(tmp_path / "events.db") as conn:
        conn.execute("UPDATE spec_kitty_checkpoints SET format = 'spec-kitty-projection/0'")
    refused = run("follow", "status", "--store", url, "--once")
    assert refused.returncode == 2
    assert "format spec-kitty-projection/0" in refused.stderr
    assert "--rebuild" in refused.stderr
    assert "Traceback" not in refused.stderr
    rebuilt = run("follow", "status", "--store", url, "--once", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _lines(rebuilt.stdout)[-1]["position"] == 20


def test_follow_refuses_a_store_url_it_cannot_open_by_option_name() -> None:
    refused = run("follow", "dossier", "--store", "mysql://x", "--once")
    assert refused.returncode == 2
    assert "'--store'" in refused.stderr
    assert "unsupported store URL 'mysql://x'" in refused.stderr
