"""Running the real console script in a subprocess, and the log lines the CLI tests feed it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest

from tests.factory import make_record

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def script_command() -> List[str]:
    """The installed console script; ``python -m`` when the package is not installed."""
    candidate = Path(sys.executable).parent / "spec-kitty-events"
    if candidate.exists():
        return [str(candidate)]
    found = shutil.which("spec-kitty-events")
    return [found] if found else [sys.executable, "-m", "spec_kitty_events"]


def unprivileged_prefix() -> List[str]:
    """A command prefix under which file permissions apply, as they do not to root.

    As root, ``setpriv`` drops the capabilities that bypass permission checks; a test that needs
    permissions to apply is skipped only when root has no ``setpriv``.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv, so permissions cannot be made to apply")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def run(
    *args: str, stdin: Optional[bytes] = None, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [*prefix, *script_command(), *args], input=stdin or b"", capture_output=True, timeout=300
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def status_payload(wp: str, from_lane: Optional[str], to_lane: str) -> Dict[str, Any]:
    return {
        "feature_slug": "008-x",
        "wp_id": wp,
        "from_lane": from_lane,
        "to_lane": to_lane,
        "actor": "alice",
        "execution_mode": "worktree",
    }


def jsonl(records: List[Dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


GOOD = [
    make_record(1, "WPStatusChanged", status_payload("WP01", None, "planned")),
    make_record(2, "WPStatusChanged", status_payload("WP01", "planned", "claimed")),
    make_record(3, "WPStatusChanged", status_payload("WP02", None, "planned")),
]
