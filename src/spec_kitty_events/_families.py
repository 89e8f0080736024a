"""The list of event families, and every table derived from it.

Each family is declared once, at the end of its own domain module.  The conformance
validator tables (``_EVENT_TYPE_TO_MODEL``, ``_EVENT_TYPE_TO_SCHEMA``), the schema generator's
``PYDANTIC_MODELS``/``ENUM_TYPES``, the fixture categories and the command line's ``reduce``
kinds are built from ``FAMILIES`` here.

Adding a family: declare ``FAMILY`` at the end of its module and add it to ``FAMILIES`` below,
in validator-table order.  Nothing else changes.

This module imports every domain module, so only the conformance and schemas packages, the
log checker and the command line import it (never the package root).
"""

from __future__ import annotations

from enum import Enum
from typing import Dict, List, Tuple, Type

from pydantic import BaseModel

from spec_kitty_events import (
    collaboration,
    dossier,
    gates,
    glossary,
    lifecycle,
    mission_next,
    status,
)
from spec_kitty_events._family import EventFamily, schema_name_for
from spec_kitty_events.models import Event

CORE_FAMILY = EventFamily(name="core", payloads=(("Event", Event),))

FAMILIES: Tuple[EventFamily, ...] = (
    CORE_FAMILY,
    status.FAMILY,
    gates.FAMILY,
    lifecycle.FAMILY,
    collaboration.FAMILY,
    glossary.FAMILY,
    mission_next.FAMILY,
    dossier.FAMILY,
)

# Categories whose fixtures are not one family's: envelope/status/gate/lifecycle cases, the
# lane-mapping tables and cross-cutting edge cases.
SHARED_FIXTURE_CATEGORIES: Tuple[str, ...] = ("events", "lane_mapping", "edge_cases")


def event_type_to_model() -> Dict[str, Type[BaseModel]]:
    return {event_type: model for family in FAMILIES for event_type, model in family.payloads}


def event_type_to_schema() -> Dict[str, str]:
    return {
        event_type: schema_name_for(model)
        for family in FAMILIES
        for event_type, model in family.payloads
    }


def pydantic_models() -> List[Tuple[str, Type[BaseModel]]]:
    return [
        (schema_name_for(model), model) for family in FAMILIES for model in family.schema_models
    ]


def enum_types() -> List[Tuple[str, Type[Enum]]]:
    return [(schema_name_for(enum), enum) for family in FAMILIES for enum in family.schema_enums]


def fixture_categories() -> Tuple[str, ...]:
    own = tuple(f.fixture_category for f in FAMILIES if f.fixture_category is not None)
    return SHARED_FIXTURE_CATEGORIES + own


def reducing_families() -> Dict[str, EventFamily]:
    """``reduce`` kind on the command line -> the family whose reducer it runs."""
    return {f.command: f for f in FAMILIES if f.command is not None}
