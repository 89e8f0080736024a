"""The collaboration reducer's errors, and the reason texts they share with its anomalies.

Strict mode raises one of these; permissive mode records the same reason as an anomaly, so
both modes word a problem identically.  Callers import the classes from
``spec_kitty_events.collaboration`` (their 2.4.0 home), which is therefore the module they
report: reprs, pickles and the package's export table all name it.
"""

from __future__ import annotations

from typing import Any, Tuple

from spec_kitty_events.models import SpecKittyEventsError

# --- reason texts ----------------------------------------------------------------------------


def type_name(value: object) -> str:
    return type(value).__name__


def shown(value: object) -> str:
    """``repr(value)`` for a reason text, or a description where ``repr`` refuses.

    Python refuses to print an int of more than 4,300 digits (and nesting deeper than its
    recursion limit); a payload value must never turn a reason text into a crash.
    """
    try:
        return repr(value)
    except (ValueError, RecursionError):
        return f"<{type_name(value)} too large to show>"


def string_fault(value: object) -> str:
    return f"expected a string, got {type_name(value)}"


def optional_string_fault(value: object) -> str:
    return f"expected a string or null, got {type_name(value)}"


def unmatched_reason(step_id: Any, participant_id: str) -> str:
    return (
        f"No matching PromptStepExecutionStarted for step {shown(step_id)} "
        f"by participant {shown(participant_id)}"
    )


def invalid_field_reason(field_name: str, detail: str) -> str:
    return f"Invalid {field_name} in payload: {detail}"


# --- errors ----------------------------------------------------------------------------------


class _RebuildableError(SpecKittyEventsError):
    """An error whose ``args`` hold only the message but whose constructor takes the facts.

    Copying and unpickling rebuild the error from the facts; without this they would call
    the constructor with the message alone and fail (as they do in 2.4.0).
    """

    _facts: Tuple[Any, ...] = ()

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return type(self), self._facts


class UnknownParticipantError(_RebuildableError):
    """Strict mode: an event names a participant who never joined and was not seeded.

    ``participant_id`` is whatever the event carried, so it may not be a string (a warning's
    ``participant_ids`` item, for example); the message shows it with ``shown``.
    """

    def __init__(self, participant_id: Any, event_id: str, event_type: str) -> None:
        self.participant_id = participant_id
        self.event_id = event_id
        self.event_type = event_type
        self._facts = (participant_id, event_id, event_type)
        super().__init__(
            f"Unknown participant {shown(participant_id)} in event {event_id} "
            f"(type={event_type}). Not in mission roster."
        )


class ParticipantDepartedError(_RebuildableError):
    """Strict mode: an event comes from a participant who has left and not re-joined."""

    def __init__(self, participant_id: str, event_id: str, event_type: str) -> None:
        self.participant_id = participant_id
        self.event_id = event_id
        self.event_type = event_type
        self._facts = (participant_id, event_id, event_type)
        super().__init__(
            f"Participant {shown(participant_id)} has departed "
            f"(event_id={event_id}, event_type={event_type})"
        )


class UnmatchedStepCompletionError(_RebuildableError):
    """Strict mode: a step completion without a matching in-flight start by that participant."""

    def __init__(self, step_id: Any, participant_id: str, event_id: str, event_type: str) -> None:
        self.step_id = step_id
        self.participant_id = participant_id
        self.event_id = event_id
        self.event_type = event_type
        self._facts = (step_id, participant_id, event_id, event_type)
        super().__init__(
            f"{unmatched_reason(step_id, participant_id)} "
            f"(event_id={event_id}, event_type={event_type})"
        )


class UnknownWarningError(_RebuildableError):
    """Strict mode: an acknowledgement of a warning id that no earlier event defined."""

    def __init__(self, warning_id: Any, event_id: str, event_type: str) -> None:
        self.warning_id = warning_id
        self.event_id = event_id
        self.event_type = event_type
        self._facts = (warning_id, event_id, event_type)
        super().__init__(
            f"Warning {shown(warning_id)} not found (event_id={event_id}, event_type={event_type})"
        )


class InvalidCollaborationPayloadError(_RebuildableError, ValueError):
    """Strict mode: a payload value the reducer keeps has the wrong type.

    2.4.0 let such a value through and failed later with a bare ``pydantic.ValidationError``;
    deriving from ``ValueError`` keeps ``except ValueError`` clauses written for that working.
    """

    def __init__(self, field_name: str, detail: str, event_id: str, event_type: str) -> None:
        self.field_name = field_name
        self.detail = detail
        self.event_id = event_id
        self.event_type = event_type
        self._facts = (field_name, detail, event_id, event_type)
        super().__init__(
            f"{invalid_field_reason(field_name, detail)} "
            f"(event_id={event_id}, event_type={event_type})"
        )


class InvalidRosterEntryError(_RebuildableError, ValueError):
    """A ``roster`` seed entry whose key is not a string or whose value is not an identity."""

    def __init__(self, participant_id: Any, detail: str) -> None:
        self.participant_id = participant_id
        self.detail = detail
        self._facts = (participant_id, detail)
        super().__init__(f"Invalid roster entry {shown(participant_id)}: {detail}")


for _public in (
    UnknownParticipantError,
    ParticipantDepartedError,
    UnmatchedStepCompletionError,
    UnknownWarningError,
    InvalidCollaborationPayloadError,
    InvalidRosterEntryError,
):
    _public.__module__ = "spec_kitty_events.collaboration"
