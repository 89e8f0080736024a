"""Lamport logical clock for one node, persisted through a :class:`ClockStorage`.

Every change is saved *before* it becomes visible: the new value is computed, saved, and only
then assigned, so a failing save leaves the in-memory counter equal to what storage holds.

The counter is read from storage once, at construction.  Two ``LamportClock`` instances for
one node on shared storage do not see each other's ticks (the last writer wins in storage);
keep one instance per node.  Thread safety is the caller's or the storage adapter's concern.
"""

from __future__ import annotations

from typing import TypeGuard

from spec_kitty_events.models import StorageError
from spec_kitty_events.storage import ClockStorage


class LamportClock:
    """``tick`` for a local event, ``update`` for a received one, ``current`` to read."""

    def __init__(self, node_id: str, storage: ClockStorage) -> None:
        self.node_id = node_id
        self._storage = storage
        self._counter = _loaded_value(node_id, storage.load(node_id))

    def tick(self) -> int:
        """Advance for a local event and return the new value (1 for a fresh clock)."""
        return self._advance_to(self._counter + 1)

    def update(self, remote_clock: int) -> None:
        """Apply the receive rule: the new value is ``max(current, remote_clock) + 1``."""
        _require_remote_clock(remote_clock)
        self._advance_to(max(self._counter, remote_clock) + 1)

    def current(self) -> int:
        """The counter as it is; neither advances nor reads storage."""
        return self._counter

    def _advance_to(self, value: int) -> int:
        self._storage.save(self.node_id, value)
        self._counter = value
        return value


def _is_clock_value(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _require_remote_clock(remote_clock: object) -> None:
    if not _is_clock_value(remote_clock):
        raise ValueError(
            f"remote_clock must be an int ≥ 0, got {remote_clock!r} ({type(remote_clock).__name__})"
        )


def _loaded_value(node_id: str, value: object) -> int:
    """Refuse a stored value no clock could have saved, rather than counting on from it."""
    if not _is_clock_value(value):
        raise StorageError(
            f"Clock storage returned {value!r} for node {node_id!r}; expected an int ≥ 0"
        )
    return value
