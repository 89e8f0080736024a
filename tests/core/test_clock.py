"""LamportClock, which saves before it advances (see COMPATIBILITY.md, "Core")."""

from __future__ import annotations

from typing import List, Tuple

import pytest

from spec_kitty_events.clock import LamportClock
from spec_kitty_events.models import StorageError
from spec_kitty_events.storage import ClockStorage, InMemoryClockStorage


class RecordingStorage(InMemoryClockStorage):
    """Counts loads and can be told to fail the next save."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: List[str] = []
        self.saves: List[Tuple[str, int]] = []
        self.fail_next_save = False

    def load(self, node_id: str) -> int:
        self.loads.append(node_id)
        return super().load(node_id)

    def save(self, node_id: str, clock_value: int) -> None:
        if self.fail_next_save:
            self.fail_next_save = False
            raise StorageError("disk full")
        self.saves.append((node_id, clock_value))
        super().save(node_id, clock_value)


class FixedLoad(ClockStorage):
    def __init__(self, value: object) -> None:
        self.value = value

    def load(self, node_id: str) -> int:
        return self.value  # type: ignore[return-value]

    def save(self, node_id: str, clock_value: int) -> None:
        raise AssertionError("not expected")


def test_fresh_clock_starts_at_zero_and_ticks_to_one() -> None:
    clock = LamportClock("node-a", InMemoryClockStorage())
    assert clock.node_id == "node-a"
    assert clock.current() == 0
    assert clock.tick() == 1
    assert clock.tick() == 2
    assert clock.current() == 2


def test_construction_loads_exactly_once() -> None:
    storage = RecordingStorage()
    clock = LamportClock("node-a", storage)
    clock.tick()
    clock.update(10)
    clock.current()
    assert storage.loads == ["node-a"]


def test_every_change_is_written_through() -> None:
    storage = RecordingStorage()
    clock = LamportClock("node-a", storage)
    clock.tick()
    clock.update(5)
    clock.current()
    assert storage.saves == [("node-a", 1), ("node-a", 6)]


def test_current_neither_advances_nor_saves() -> None:
    storage = RecordingStorage()
    clock = LamportClock("node-a", storage)
    assert [clock.current() for _ in range(3)] == [0, 0, 0]
    assert storage.saves == []


@pytest.mark.parametrize(
    ("start_ticks", "remote", "expected"),
    [(0, 100, 101), (5, 3, 6), (5, 5, 6), (5, 0, 6), (0, 0, 1)],
)
def test_update_takes_max_plus_one(start_ticks: int, remote: int, expected: int) -> None:
    clock = LamportClock("node-a", InMemoryClockStorage())
    for _ in range(start_ticks):
        clock.tick()
    assert clock.update(remote) is None  # type: ignore[func-returns-value]
    assert clock.current() == expected


def test_typical_receive_then_emit_sequence() -> None:
    clock = LamportClock("node-a", InMemoryClockStorage())
    clock.update(1)
    assert clock.current() == 2
    clock.update(2)
    assert clock.current() == 3
    assert clock.tick() == 4


def test_a_new_clock_resumes_from_storage() -> None:
    storage = InMemoryClockStorage()
    first = LamportClock("node-a", storage)
    for _ in range(5):
        first.tick()
    resumed = LamportClock("node-a", storage)
    assert resumed.current() == 5
    assert resumed.tick() == 6
    other = LamportClock("node-b", storage)
    other.update(100)
    assert LamportClock("node-b", storage).current() == 101


def test_nodes_sharing_storage_do_not_interfere() -> None:
    storage = InMemoryClockStorage()
    a, b = LamportClock("a", storage), LamportClock("b", storage)
    a.tick()
    a.tick()
    b.tick()
    assert (storage.load("a"), storage.load("b")) == (2, 1)


def test_failed_save_leaves_memory_equal_to_storage() -> None:
    storage = RecordingStorage()
    clock = LamportClock("node-a", storage)
    clock.tick()
    storage.fail_next_save = True
    with pytest.raises(StorageError):
        clock.tick()
    assert clock.current() == storage.load("node-a") == 1
    storage.fail_next_save = True
    with pytest.raises(StorageError):
        clock.update(50)
    assert clock.current() == 1
    assert clock.tick() == 2


@pytest.mark.parametrize("bad", [-1, 1.5, 2.0, True, "3", None])
def test_invalid_remote_clock_is_rejected_without_advancing(bad: object) -> None:
    storage = RecordingStorage()
    clock = LamportClock("node-a", storage)
    with pytest.raises(ValueError, match="remote_clock must be an int ≥ 0"):
        clock.update(bad)  # type: ignore[arg-type]
    assert clock.current() == 0
    assert storage.saves == []


@pytest.mark.parametrize("stored", [-1, 1.5, None, "7", True])
def test_a_corrupt_stored_value_is_a_storage_error(stored: object) -> None:
    with pytest.raises(StorageError, match="node 'node-a'"):
        LamportClock("node-a", FixedLoad(stored))


def test_module_identity() -> None:
    assert LamportClock.__module__ == "spec_kitty_events.clock"
