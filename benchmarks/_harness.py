"""Measurement helpers for ``benchmarks/run.py``.

A figure only counts as a ratio to a floor measured in the same run: these machines are
shared and noisy, so absolute seconds mean little on their own.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, List


@dataclass(frozen=True)
class Figure:
    """One benchmark result: ``seconds`` for ``count`` items against a floor in the same run."""

    name: str
    count: int
    unit: str
    seconds: float
    floor_name: str
    floor_seconds: float
    target_ratio: float | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds else float("inf")

    def render(self) -> str:
        target = "" if self.target_ratio is None else f"  (target <= {self.target_ratio:.2f}x)"
        return (
            f"{self.name}: {self.rate:,.0f} {self.unit}/s over {self.count:,} "
            f"({self.seconds * 1000:,.1f} ms); floor '{self.floor_name}' "
            f"{self.floor_seconds * 1000:,.1f} ms; ratio {self.ratio:.2f}x{target}"
        )


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Smallest wall time of ``repeat`` runs: the least disturbed by other load."""
    times: List[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# Linux carries the peak memory of a process across ``exec``, so a child forked from a process
# holding a benchmark's events would report their memory as its own: each measured command is
# started by this small launcher instead, which reads its child's peak back from the kernel.
_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
    "assert done.returncode == 0, done.stderr.decode()[-2000:]\n"
    "last = done.stdout.decode().splitlines()[-1:]\n"
    "print(*last, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"
)


def launched(argv: List[str]) -> List[str]:
    """Run ``argv`` from a small launcher; its last output line's words, then its peak bytes."""
    out = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *argv], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()
