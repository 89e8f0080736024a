"""Conformance kit: dual-layer payload validation, the fixture corpus and assertion helpers.

Consumers check their installation against the bundled fixtures with::

    pytest --pyargs spec_kitty_events.conformance

``validate_event`` needs only Pydantic; the JSON Schema layer runs when the ``conformance``
extra (``jsonschema``) is installed.
"""

from functools import cache
from typing import Dict, Optional, Type

from pydantic import BaseModel

from spec_kitty_events._families import event_type_to_model
from spec_kitty_events.conformance.loader import FixtureCase, load_fixtures, load_replay_stream
from spec_kitty_events.conformance.pytest_helpers import (
    assert_lane_mapping,
    assert_payload_conforms,
    assert_payload_fails,
)
from spec_kitty_events.conformance.validators import (
    ConformanceResult,
    ModelViolation,
    SchemaViolation,
    validate_event,
)

__all__ = [
    "ConformanceResult",
    "FixtureCase",
    "ModelViolation",
    "SchemaViolation",
    "assert_lane_mapping",
    "assert_payload_conforms",
    "assert_payload_fails",
    "load_fixtures",
    "load_replay_stream",
    "payload_model",
    "validate_event",
]


def payload_model(event_type: str) -> Optional[Type[BaseModel]]:
    """The Pydantic model that ``validate_event`` checks a payload of ``event_type`` with, or
    ``None`` for an event type this library does not know (whose payload goes unchecked).

    ``payload_model("WPStatusChanged").model_validate(event.payload)`` gives the typed payload.
    """
    return _payload_models().get(event_type)


@cache
def _payload_models() -> Dict[str, Type[BaseModel]]:
    # "Event" is in the validator table so that validate_event can check envelopes; it is not an
    # event type, and its model is not a payload model.
    return {name: model for name, model in event_type_to_model().items() if name != "Event"}
