"""A thin façade over an :class:`ErrorStorage`; retention belongs to the storage adapter."""

from __future__ import annotations

from typing import List

from spec_kitty_events.models import ErrorEntry
from spec_kitty_events.storage import ErrorStorage


class ErrorLog:
    """Records failed actions and reads back the most recent ones, newest first."""

    def __init__(self, storage: ErrorStorage) -> None:
        self._storage = storage

    def log_error(self, entry: ErrorEntry) -> None:
        self._storage.append(entry)

    def get_recent_errors(self, limit: int = 10) -> List[ErrorEntry]:
        """Up to ``limit`` entries; ``ValueError`` from the storage when ``limit < 1``."""
        return self._storage.load_recent(limit)
