"""How an event family declares itself, once, in its own module.

A family is a group of event types that belong to one domain module (status, dossier, ...).
Each domain module ends with one ``FAMILY = EventFamily(...)`` declaration: its
``(event_type, payload model)`` table, the value objects that get a schema of their own, its
enums, its reducer and its fixture category.  Everything else is derived from the list in
:mod:`spec_kitty_events._families` -- the conformance validator tables, the schema generator's
model list, the fixture categories and the command line's ``reduce`` kinds -- so adding a family
touches its own module, one line there, and its fixtures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Type

from pydantic import BaseModel

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# A reducer folds a sequence of events into a frozen state model.  Reducers that take a
# ``mode`` take it as a keyword (``mode="strict"`` or ``"permissive"``).
Reducer = Callable[..., BaseModel]


def schema_name_for(cls: type) -> str:
    """The schema file stem of a model or enum: its class name in snake_case.

    ``GateFailedPayload`` -> ``gate_failed_payload``, ``SyncLaneV1`` -> ``sync_lane_v1``.
    """
    return _CAMEL_BOUNDARY.sub("_", cls.__name__).lower()


@dataclass(frozen=True)
class EventFamily:
    """One domain's event types and payload models, its schema-bearing types and its reducer.

    Attributes:
        name: the domain module's short name (``"status"``, ``"mission_next"``).
        payloads: ``(event_type, payload_model)`` pairs in the order the validator table lists
            them.  Only event types that ``validate_event`` accepts appear here.
        value_objects: models nested in the payloads that get a schema file of their own,
            generated before the payloads.
        schema_enums: enums that get a schema file of their own.
        schema_payload_order: the event types again, only for a family whose payload schemas
            are generated in another order than the validator table's (glossary); empty means
            the table's order.
        reducer: the family's batch reducer, or ``None`` (gates has none).
        reducer_takes_mode: whether the reducer takes ``mode="strict" | "permissive"``.
        fixture_category: the conformance fixture category holding this family's cases, or
            ``None`` when its cases live in the shared ``events`` category.
        schema_rules: ``event_type -> JSON Schema subschemas`` stating the rules a payload
            model enforces in Python that its committed schema cannot carry (the committed
            files are the 2.4.0 contract).  The typed event schema adds them, so JSON Schema
            tools reach the verdict ``validate_event`` reaches.
    """

    name: str
    payloads: Tuple[Tuple[str, Type[BaseModel]], ...]
    value_objects: Tuple[Type[BaseModel], ...] = field(default=())
    schema_enums: Tuple[Type[Enum], ...] = field(default=())
    schema_payload_order: Tuple[str, ...] = field(default=())
    reducer: Optional[Reducer] = None
    reducer_takes_mode: bool = False
    fixture_category: Optional[str] = None
    # Rules are JSON-like dicts, so they take no part in hashing a family.
    schema_rules: Mapping[str, Tuple[Mapping[str, Any], ...]] = field(
        default_factory=dict, hash=False
    )

    @property
    def event_types(self) -> Tuple[str, ...]:
        return tuple(event_type for event_type, _ in self.payloads)

    @cached_property
    def payload_models(self) -> Dict[str, Type[BaseModel]]:
        """``event_type -> payload model``: the table a fold validates each payload with."""
        return dict(self.payloads)

    @property
    def schema_models(self) -> Tuple[Type[BaseModel], ...]:
        """Every model with a committed schema file, in generation order: the value objects,
        then the payload models."""
        order = self.schema_payload_order or self.event_types
        return self.value_objects + tuple(self.payload_models[t] for t in order)

    @property
    def command(self) -> Optional[str]:
        """The ``reduce`` kind on the command line: the name with dashes; ``None`` without a
        reducer."""
        return None if self.reducer is None else self.name.replace("_", "-")

    def reduce(self, events: Any, mode: str = "strict") -> BaseModel:
        """Run the reducer; ``mode`` is passed only to a reducer that takes one."""
        if self.reducer is None:
            raise ValueError(f"the {self.name} family has no reducer")
        if self.reducer_takes_mode:
            return self.reducer(events, mode=mode)
        return self.reducer(events)
