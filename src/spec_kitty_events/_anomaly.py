"""Text shared by the anomaly reasons of several reducers.

Reasons are part of the reducer outputs consumers compare, so they must not depend on the
Python version: an enum member is always spelled ``Lane.PLANNED``, never its value.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional


def member_text(member: Optional[Enum]) -> str:
    """``Lane.PLANNED`` / ``None``: how Python 3.11 formats an enum member in an f-string.

    Spelled out by hand because Python 3.10 formats a ``str``-mixin member as its value.
    """
    if member is None:
        return "None"
    return f"{type(member).__name__}.{member.name}"


def after_terminal(status: Enum) -> str:
    """The reason for an event that arrives once its mission or run has ended."""
    return f"Event after terminal state ({member_text(status)})"
