"""Argument checks shared by every ``read_since`` (in-memory, SQLite, PostgreSQL)."""

from __future__ import annotations


def check_position(position: object) -> int:
    """A ``read_since`` position: an int ``>= 0`` (``0`` reads from the first event)."""
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValueError(f"position must be an int >= 0, got {position!r}")
    return position


def check_read_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be an int >= 1, got {limit!r}")
    return limit
