"""The event envelope and the small types every other module builds on.

This module imports nothing from the package but the private ``_json`` rules and ``_ids``
identifier spellings (which import nothing): it is the root of the import graph.

What a payload may hold is limited (see ``_json``): at most 64 levels of nesting, integers of at
most 4,300 digits, no NaN or Infinity.  An event that breaks a limit is refused when it is built,
so that everything accepted can be written as JSON and read back.

Identifiers (``event_id``, ``causation_id``, ``correlation_id``) are ULIDs or UUIDs.  They are
checked by :func:`normalize_event_id`, not by the regular expression published in the JSON
schema, and stored in one canonical spelling so that two spellings of one id are one event.

Two version notions exist and are unrelated: ``Event.schema_version`` (default ``"1.0.0"``)
versions the envelope, while ``spec_kitty_events.lifecycle.SCHEMA_VERSION`` versions the
lifecycle payload contracts.  Neither is checked against a list of supported versions.

Timestamps are stored as given: a naive datetime stays naive.  Comparing naive with aware
values raises ``TypeError``; :func:`utc_timestamp` gives a comparable UTC value without
changing what the model accepts.

The library's :class:`ValidationError` is *not* ``pydantic.ValidationError`` and is not a
``ValueError``: model construction raises pydantic's class, the merge helpers raise this one.
Import one of them under another name when you need both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from spec_kitty_events._ids import (
    EVENT_ID_PATTERN,
    ULID_RE,
    UUID_BARE_RE,
    UUID_HYPHEN_RE,
    canonical_identifier,
)
from spec_kitty_events._json import FRESH_JSON, LIMITS_CHECKED, int_problem, payload_problem

# The identifier formats live in ``_ids``; their old names here stay importable.
_EVENT_ID_PATTERN = EVENT_ID_PATTERN
_ULID_RE = ULID_RE
_UUID_BARE_RE = UUID_BARE_RE
_UUID_HYPHEN_RE = UUID_HYPHEN_RE

# --- exceptions ------------------------------------------------------------------------------


class SpecKittyEventsError(Exception):
    """Root of every error this library raises on purpose."""


class StorageError(SpecKittyEventsError):
    """A storage adapter could not load or persist data."""


class ValidationError(SpecKittyEventsError):
    """Library-level invalid input (merge helpers, lane names).

    Unrelated to ``pydantic.ValidationError``, which model construction raises.
    """


class CyclicDependencyError(SpecKittyEventsError):
    """Causation links form a cycle, so no cause-before-effect order exists."""


# --- identifier normalization ----------------------------------------------------------------


def normalize_event_id(v: object) -> str:
    """Return the canonical form of a ULID or UUID identifier.

    ULIDs come back upper case; UUIDs (hyphenated or bare 32 hex) come back lower case and
    hyphenated, so every spelling of one id maps to one string.  Raises ``ValueError``
    (never ``TypeError``) so pydantic can report it against the field.
    """
    return canonical_identifier(v, "event_id", explain=False)


# --- payload detachment ----------------------------------------------------------------------

# Only exact builtin containers are rebuilt; every other object (and every container subclass)
# is kept as given, because payload values are not converted and arbitrary objects need not
# be copyable.
_CONTAINER_TYPES = frozenset({dict, list, tuple, set})


def _detached(value: Any) -> Any:
    """A copy of a builtin container that shares no mutable builtin container with it.

    ``value`` is always of a type in ``_CONTAINER_TYPES``; callers check before calling.
    """
    kind = type(value)
    if kind is dict:
        return {k: _detached(v) if type(v) in _CONTAINER_TYPES else v for k, v in value.items()}
    if kind is list:
        return [_detached(v) if type(v) in _CONTAINER_TYPES else v for v in value]
    if kind is tuple:
        return tuple(_detached(v) if type(v) in _CONTAINER_TYPES else v for v in value)
    # A set's elements are hashable, hence not builtin mutable containers: a shallow copy.
    return set(value)


def _detach_values(payload: Dict[str, Any]) -> Dict[str, Any]:
    """Detach a payload's values in place.

    pydantic always validates a ``Dict[str, Any]`` into a new dict, so the top level is
    already the event's own; only the containers inside it can still be the caller's.
    """
    for key, item in payload.items():
        if type(item) in _CONTAINER_TYPES:
            payload[key] = _detached(item)
    return payload


# --- the envelope ----------------------------------------------------------------------------


class Event(BaseModel):
    """Envelope of one event: who produced it, when, in which order, about what.

    The payload is the event's data; the envelope does not interpret it.  ``payload`` is
    copied when the event is built from Python objects, and must be treated as read-only.
    """

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(
        ...,
        min_length=26,
        max_length=36,
        json_schema_extra={"pattern": _EVENT_ID_PATTERN},
        description="Identity of this event: a ULID or a UUID (hyphenated or 32 hex digits).",
    )
    event_type: str = Field(
        ..., min_length=1, description="Names the contract that the payload follows."
    )
    aggregate_id: str = Field(
        ..., min_length=1, description="The entity (aggregate) this event is about."
    )
    payload: Dict[str, Any] = Field(
        default_factory=dict,
        description="The event's data, shaped by event_type; opaque to the envelope.",
    )
    timestamp: datetime = Field(
        ...,
        description="Wall-clock time at the producer; informative, secondary in ordering.",
    )
    node_id: str = Field(..., min_length=1, description="The node that produced the event.")
    lamport_clock: int = Field(
        ..., ge=0, description="The producer's Lamport clock value for this event."
    )
    causation_id: Optional[str] = Field(
        default=None,
        min_length=26,
        max_length=36,
        json_schema_extra={"pattern": _EVENT_ID_PATTERN},
        description="Id of the event that caused this one; absent for a root event.",
    )
    project_uuid: uuid.UUID = Field(..., description="The project this event belongs to.")
    project_slug: Optional[str] = Field(
        default=None, description="Optional human-readable project name."
    )
    correlation_id: str = Field(
        ...,
        min_length=26,
        max_length=36,
        json_schema_extra={"pattern": _EVENT_ID_PATTERN},
        description="Shared by all events of one operation.",
    )
    schema_version: str = Field(
        default="1.0.0",
        pattern=r"^\d+\.\d+\.\d+$",
        description="Semantic version of the envelope format.",
    )
    data_tier: int = Field(
        default=0,
        ge=0,
        le=4,
        description="How widely the event may be shared: 0 local only ... 4 telemetry.",
    )

    @field_validator("event_id", "causation_id", "correlation_id", mode="before")
    @classmethod
    def _canonical_identifier(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            # Let pydantic report None itself: valid for causation_id, string_type elsewhere.
            return None
        field = info.field_name or "event_id"
        return canonical_identifier(value, field, explain=field != "event_id")

    @field_validator("lamport_clock", mode="after")
    @classmethod
    def _readable_clock(cls, value: int) -> int:
        problem = int_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("payload", mode="after")
    @classmethod
    def _own_payload(cls, value: Dict[str, Any], info: ValidationInfo) -> Dict[str, Any]:
        # Checked before the copy, which recurses: a too deep payload must not reach it.
        context = info.context
        if context is FRESH_JSON:
            return value
        if context is not LIMITS_CHECKED:
            problem = payload_problem(value)
            if problem is not None:
                path, message = problem
                raise ValueError(f"payload.{path}: {message}" if path else message)
        # JSON input is freshly parsed and shares nothing with the caller: skip the copy.
        if info.mode == "json":
            return value
        return _detach_values(value)

    def __hash__(self) -> int:
        # Equal events share an event_id, so hashing the id alone is consistent with the
        # field-wise equality, and it works whatever the payload holds.
        return hash(self.event_id)

    def __repr__(self) -> str:
        return (
            f"Event(event_id={self.event_id[:8]}..., type={self.event_type}, "
            f"aggregate={self.aggregate_id}, project={str(self.project_uuid)[:8]}..., "
            f"lamport={self.lamport_clock})"
        )

    def to_dict(self) -> Dict[str, Any]:
        """All 13 fields in declaration order, Python types kept (datetime, UUID)."""
        return self.model_dump()

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Event:
        """Build and validate an event from a mapping; unknown keys are ignored."""
        return cls(**data)


def utc_timestamp(event: Event) -> datetime:
    """The event's timestamp as an aware UTC datetime, safe to compare across producers.

    A naive timestamp is read as UTC.  The event itself is not changed.
    """
    stamp = event.timestamp
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        return stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc)


# --- error log entries -----------------------------------------------------------------------


class ErrorEntry(BaseModel):
    """One failed action recorded in an error log.

    Assignments are validated, so an entry cannot be turned invalid after construction.
    """

    model_config = ConfigDict(validate_assignment=True)

    timestamp: datetime = Field(..., description="When the action failed.")
    action_attempted: str = Field(..., min_length=1, description="What was being attempted.")
    error_message: str = Field(..., min_length=1, description="What went wrong.")
    resolution: str = Field(default="", description="How the failure was handled, if at all.")
    agent: str = Field(default="unknown", description="Who attempted the action.")

    def __repr__(self) -> str:
        return (
            f"ErrorEntry(timestamp={self.timestamp.isoformat()}, "
            f"action={self.action_attempted[:30]}..., agent={self.agent})"
        )


# --- merge result ----------------------------------------------------------------------------


@dataclass
class ConflictResolution:
    """The outcome of merging concurrent events: the winner and everything it beat."""

    merged_event: Event
    resolution_note: str
    requires_manual_review: bool
    conflicting_events: List[Event]

    def __repr__(self) -> str:
        return (
            f"ConflictResolution(merged={self.merged_event.event_id[:8]}..., "
            f"conflicts={len(self.conflicting_events)}, "
            f"manual_review={self.requires_manual_review})"
        )
