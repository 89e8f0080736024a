"""ErrorLog: a façade whose retention belongs to the storage."""

from __future__ import annotations

from typing import List

import pytest

from spec_kitty_events.error_log import ErrorLog
from spec_kitty_events.models import ErrorEntry
from spec_kitty_events.storage import InMemoryErrorStorage
from tests.factory import make_error_entry


def logged(log: ErrorLog, count: int) -> None:
    for number in range(count):
        log.log_error(make_error_entry(f"Action {number}"))


def actions(entries: List[ErrorEntry]) -> List[str]:
    return [entry.action_attempted for entry in entries]


def test_empty_log_returns_nothing() -> None:
    assert ErrorLog(InMemoryErrorStorage()).get_recent_errors() == []


def test_bound_of_five_keeps_the_newest_five() -> None:
    log = ErrorLog(InMemoryErrorStorage(max_entries=5))
    logged(log, 10)
    assert actions(log.get_recent_errors()) == [f"Action {n}" for n in (9, 8, 7, 6, 5)]


def test_default_bound_with_150_logged() -> None:
    log = ErrorLog(InMemoryErrorStorage())
    logged(log, 150)
    recent = log.get_recent_errors(limit=200)
    assert len(recent) == 100
    assert (recent[0].action_attempted, recent[-1].action_attempted) == ("Action 149", "Action 50")


def test_bound_of_two_with_five_logged() -> None:
    log = ErrorLog(InMemoryErrorStorage(max_entries=2))
    logged(log, 5)
    assert actions(log.get_recent_errors()) == ["Action 4", "Action 3"]


def test_default_limit_is_ten() -> None:
    log = ErrorLog(InMemoryErrorStorage())
    logged(log, 15)
    assert len(log.get_recent_errors()) == 10


def test_storage_errors_propagate() -> None:
    with pytest.raises(ValueError, match="must be ≥ 1"):
        ErrorLog(InMemoryErrorStorage()).get_recent_errors(limit=0)


def test_the_log_delegates_to_its_storage() -> None:
    storage = InMemoryErrorStorage()
    log = ErrorLog(storage)
    entry = make_error_entry("sync")
    log.log_error(entry)
    assert storage.load_recent(1) == [entry]
    assert log.get_recent_errors(1)[0] is entry
