"""How an event family declares itself, once, in its own module.

A family is a group of event types that belong to one domain module (status, dossier, ...).
Each domain module ends with one ``FAMILY = EventFamily(...)`` declaration.  The conformance
validator tables, the schema generator's model list and the fixture categories are all
derived from the list in :mod:`spec_kitty_events._families`, so adding a family touches its
own module, one line there, and its fixtures -- nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, Optional, Tuple, Type

from pydantic import BaseModel

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def schema_name_for(cls: type) -> str:
    """The schema file stem of a model or enum: its class name in snake_case.

    ``GateFailedPayload`` -> ``gate_failed_payload``, ``SyncLaneV1`` -> ``sync_lane_v1``.
    """
    return _CAMEL_BOUNDARY.sub("_", cls.__name__).lower()


@dataclass(frozen=True)
class EventFamily:
    """One domain's event types, payload models and schema-bearing models.

    Attributes:
        name: the domain module's short name (``"status"``, ``"dossier"``).
        payloads: ``(event_type, payload_model)`` pairs in the order the validator table lists
            them.  Only event types that ``validate_event`` accepts appear here.
        schema_models: every model that gets a committed ``<name>.schema.json`` file, in
            generation order (value objects before the payloads that nest them).
        schema_enums: enums that get a schema file of their own.
        fixture_category: the conformance fixture category holding this family's cases, or
            ``None`` when its cases live in the shared ``events`` category.
        schema_rules: ``event_type -> JSON Schema subschemas`` stating the rules a payload
            model enforces in Python that its committed schema cannot carry (the committed
            files are the 2.4.0 contract).  The typed event schema adds them, so JSON Schema
            tools reach the verdict ``validate_event`` reaches.
    """

    name: str
    payloads: Tuple[Tuple[str, Type[BaseModel]], ...]
    schema_models: Tuple[Type[BaseModel], ...]
    schema_enums: Tuple[Type[Enum], ...] = field(default=())
    fixture_category: Optional[str] = None
    schema_rules: Mapping[str, Tuple[Mapping[str, Any], ...]] = field(default_factory=dict)

    @property
    def event_types(self) -> Tuple[str, ...]:
        return tuple(event_type for event_type, _ in self.payloads)
