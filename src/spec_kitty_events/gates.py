"""CI gate outcomes: GitHub check-run results as ``GatePassed`` / ``GateFailed`` payloads.

:func:`map_check_run_conclusion` decides which event (if any) a check-run conclusion
produces; the payload models describe the event's data.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Callable, Dict, FrozenSet, Literal, Mapping, Optional

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_serializer

from spec_kitty_events._family import EventFamily
from spec_kitty_events.models import SpecKittyEventsError

logger = logging.getLogger(__name__)

_GATE_PASSED = "GatePassed"
_GATE_FAILED = "GateFailed"

# Public-by-use (existing test suites import it) and therefore a plain dict; the mapping
# function reads the read-only snapshot below so mutating this dict changes nothing.
_CONCLUSION_MAP: Dict[str, Optional[str]] = {
    "success": _GATE_PASSED,
    "failure": _GATE_FAILED,
    "timed_out": _GATE_FAILED,
    "cancelled": _GATE_FAILED,
    "action_required": _GATE_FAILED,
    "neutral": None,
    "skipped": None,
    "stale": None,
}
_CONCLUSIONS: Mapping[str, Optional[str]] = MappingProxyType(dict(_CONCLUSION_MAP))
_IGNORED_CONCLUSIONS: FrozenSet[str] = frozenset({"neutral", "skipped", "stale"})
_KNOWN_CONCLUSIONS_TEXT = ", ".join(_CONCLUSIONS)
_NON_BLOCKING = "non_blocking"


# --- payloads --------------------------------------------------------------------------------


class GatePayloadBase(BaseModel):
    """Fields shared by every CI gate outcome.

    Constructible on its own for compatibility, but then any conclusion is accepted: use
    :class:`GatePassedPayload` or :class:`GateFailedPayload`.  Use ``delivery_id``, never the
    URL, as an idempotency key: the URL is normalised (``https://host`` -> ``https://host/``).
    """

    model_config = ConfigDict(frozen=True)

    gate_name: str = Field(..., min_length=1)
    gate_type: Literal["ci"]
    conclusion: str = Field(..., min_length=1)
    external_provider: Literal["github"]
    check_run_id: int = Field(..., gt=0, strict=True)
    check_run_url: AnyHttpUrl
    delivery_id: str = Field(..., min_length=1)
    pr_number: Optional[int] = Field(default=None, gt=0, strict=True)

    @field_serializer("check_run_url")
    def _url_text(self, url: AnyHttpUrl) -> str:
        # A plain str in Python mode too, so a dump is JSON-ready and re-validates equal.
        return str(url)


class GatePassedPayload(GatePayloadBase):
    """Payload of a ``GatePassed`` event: the check run succeeded."""

    conclusion: Literal["success"]


class GateFailedPayload(GatePayloadBase):
    """Payload of a ``GateFailed`` event: the check run ended in a blocking failure."""

    conclusion: Literal["failure", "timed_out", "cancelled", "action_required"]


# --- conclusion mapping ----------------------------------------------------------------------


class UnknownConclusionError(SpecKittyEventsError):
    """A check-run conclusion this library does not know."""

    def __init__(self, conclusion: str) -> None:
        self.conclusion = conclusion
        super().__init__(
            f"Unknown check_run conclusion: {conclusion!r}. Known values: {_KNOWN_CONCLUSIONS_TEXT}"
        )


def map_check_run_conclusion(
    conclusion: str,
    on_ignored: Optional[Callable[[str, str], None]] = None,
) -> Optional[str]:
    """``"GatePassed"``, ``"GateFailed"`` or ``None`` for a non-blocking conclusion.

    A non-blocking conclusion is logged at INFO and reported to ``on_ignored(conclusion,
    "non_blocking")``.  Matching is exact; anything unknown (a non-string included) raises
    :class:`UnknownConclusionError`.
    """
    if not isinstance(conclusion, str) or conclusion not in _CONCLUSIONS:
        raise UnknownConclusionError(conclusion)
    if conclusion in _IGNORED_CONCLUSIONS:
        logger.info("Ignored non-blocking check_run conclusion: %s", conclusion)
        if on_ignored is not None:
            on_ignored(conclusion, _NON_BLOCKING)
    return _CONCLUSIONS[conclusion]


FAMILY = EventFamily(
    name="gates",
    payloads=((_GATE_PASSED, GatePassedPayload), (_GATE_FAILED, GateFailedPayload)),
    fixture_category=None,
)
