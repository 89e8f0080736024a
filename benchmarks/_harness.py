"""Measurement helpers for ``benchmarks/run.py``.

A figure only counts as a ratio to a floor measured in the same run: these machines are
shared and noisy, so absolute seconds mean little on their own.
"""

from __future__ import annotations

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
