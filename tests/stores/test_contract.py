"""The shared storage contract suite, run unchanged against both durable backends.

Each adapter runs twice: with its defaults, declaring the durable policies (a conflicting
event id is rejected, a clock never moves backwards), and opened with the in-memory behaviour
(``on_conflict="replace"``, ``monotonic=False``), declaring the policies the ABCs document.
Both runs execute every test of the suite; no test is overridden here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Dict, Iterator

import pytest

from spec_kitty_events.storage import ClockStorage, ErrorStorage, EventStore
from spec_kitty_events.testing import (
    ClockStorageContract,
    ErrorStorageContract,
    EventStoreContract,
)

from .conftest import Backend, open_backend


class _OnBackend:
    """Opens the backend's database before each test and closes every store after it."""

    backend_name: ClassVar[str] = "sqlite"
    options: ClassVar[Dict[str, Any]] = {}
    opened: Backend

    @pytest.fixture(autouse=True)
    def _open_backend(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
        self.opened = open_backend(request, self.backend_name, tmp_path)
        yield
        self.opened.close_all()


class _EventStoreOn(_OnBackend, EventStoreContract):
    def make_event_store(self) -> EventStore:
        store: EventStore = self.opened.events(**self.options)
        return store


class _ClockStorageOn(_OnBackend, ClockStorageContract):
    def make_clock_storage(self) -> ClockStorage:
        storage: ClockStorage = self.opened.clocks(**self.options)
        return storage


class _ErrorStorageOn(_OnBackend, ErrorStorageContract):
    def make_error_storage(self, max_entries: int) -> ErrorStorage:
        storage: ErrorStorage = self.opened.errors(max_entries)
        return storage


class _DefaultEventStoreOn(_EventStoreOn):
    """Default stores refuse to overwrite an event id with different content."""

    CONFLICT_POLICY = "reject"


class _DefaultClockStorageOn(_ClockStorageOn):
    """Default clock storages keep the larger value: a clock never moves backwards."""

    CLOCK_POLICY = "monotonic"


_REPLACE = {"on_conflict": "replace"}
_OVERWRITE = {"monotonic": False}


class TestSQLiteEventStoreContract(_EventStoreOn):
    options = _REPLACE


class TestSQLiteEventStoreDefault(_DefaultEventStoreOn):
    pass


class TestSQLiteClockStorageContract(_ClockStorageOn):
    options = _OVERWRITE


class TestSQLiteClockStorageDefault(_DefaultClockStorageOn):
    pass


class TestSQLiteErrorStorageContract(_ErrorStorageOn):
    pass


class TestPostgresEventStoreContract(_EventStoreOn):
    backend_name = "postgres"
    options = _REPLACE


class TestPostgresEventStoreDefault(_DefaultEventStoreOn):
    backend_name = "postgres"


class TestPostgresClockStorageContract(_ClockStorageOn):
    backend_name = "postgres"
    options = _OVERWRITE


class TestPostgresClockStorageDefault(_DefaultClockStorageOn):
    backend_name = "postgres"


class TestPostgresErrorStorageContract(_ErrorStorageOn):
    backend_name = "postgres"
