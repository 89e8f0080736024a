"""Running the real console script in a subprocess, as a user would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import List


def _script() -> List[str]:
    installed = Path(sys.executable).parent / "spec-kitty-events"
    if installed.exists():
        return [str(installed)]
    found = shutil.which("spec-kitty-events")
    return [found] if found else [sys.executable, "-m", "spec_kitty_events"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([*_script(), *args], capture_output=True, timeout=300, check=False)
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )
