"""Runners killed with SIGKILL at random instants, round after round, then resumed.

The checkpoint is written in one transaction with the state it describes, so whatever
instant the kill hits, the next runner starts from a consistent pair and ends equal to the
full fold.  New events (many of them late) arrive between rounds.
"""

from __future__ import annotations

import random
import subprocess
import time

import pytest

from tests.cli.helpers import run, script_command

from .helpers import caught_up, full_fold, save, stream

ROUNDS = 12


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["dossier", "status"])
def test_runners_killed_at_random_instants_resume_to_the_full_fold(
    store_url: str, kind: str
) -> None:
    rng = random.Random(kind)
    events = stream(seed=21, count=ROUNDS * 40)
    command = [*script_command(), "follow", kind, "--store", store_url, "--shards", "4"]
    kills = 0
    for round_no in range(ROUNDS):
        save(store_url, events[round_no * 40 : (round_no + 1) * 40])
        runner = subprocess.Popen(
            [*command, "--page-size", "7", "--poll", "0.05"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0.2, 1.5))
        runner.kill()
        _, err = runner.communicate(timeout=60)
        assert b"Traceback" not in err
        kills += runner.returncode == -9
    assert kills == ROUNDS  # each was killed, not finished by itself
    finished = run(*command[1:], "--once")
    assert finished.returncode == 0, finished.stderr
    assert caught_up(store_url, kind, shards=4) == full_fold(store_url, kind)
