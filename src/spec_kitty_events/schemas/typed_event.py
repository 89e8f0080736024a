"""One self-contained JSON Schema for a whole event, payload checked against its event type.

``event.schema.json`` describes the envelope and leaves ``payload`` an open object, so a JSON
Schema tool in another language (ajv, check-jsonschema) accepts a status event whose
``to_lane`` is ``"nowhere"``.  The typed event schema closes that gap: it is the envelope
schema plus one ``if``/``then`` branch per known event type, each sending ``payload`` to that
type's payload schema.  An event type that no family declares gets the envelope check only,
which is also how the command line's ``validate`` treats it.

It is built from the committed schema files at call time, never committed itself, so it cannot
drift from them, and the 52 committed schemas of the contract stay exactly as they are.  Every
definition it needs is inlined under ``$defs``: a validator needs no network and no other file.
``spec-kitty-events schemas export`` writes it next to the others as
``typed_event.schema.json``.

Rules a payload model enforces in Python beyond its committed schema (a forced status transition
needs a reason, a move to done needs evidence) are added from the families' ``schema_rules``.
``validate_event`` and ``spec-kitty-events validate`` remain the authority; this schema gives the
same verdict on the shipped fixtures and replay streams, which a test checks with two JSON Schema
implementations, and on generated status payloads, which a property test checks.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

__all__ = [
    "TYPED_EVENT_SCHEMA_NAME",
    "SchemaMergeError",
    "build_typed_event_schema",
    "typed_event_schema",
]

TYPED_EVENT_SCHEMA_NAME = "typed_event"

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_ENVELOPE_DEF = "event"
_ENVELOPE_TYPE = "Event"
_DEFS_REF_PREFIX = "#/$defs/"


class SchemaMergeError(ValueError):
    """Two schemas define one ``$defs`` name differently, so inlining both would be ambiguous."""


def _inline(name: str, schema: Mapping[str, Any], defs: Dict[str, Any]) -> None:
    """Add ``schema`` as ``$defs[name]`` and hoist its own ``$defs`` beside it.

    The committed files refer to their nested models as ``#/$defs/<Model>``; hoisting those
    definitions to the root keeps every reference valid without rewriting it.
    """
    body = copy.deepcopy(dict(schema))
    for key in ("$schema", "$id"):
        body.pop(key, None)
    for def_name, definition in body.pop("$defs", {}).items():
        _add_definition(def_name, definition, defs)
    _add_definition(name, body, defs)


def _add_definition(name: str, definition: Any, defs: Dict[str, Any]) -> None:
    known = defs.get(name)
    if known is None:
        defs[name] = definition
    elif known != definition:
        raise SchemaMergeError(f"two schemas define $defs/{name} differently; cannot inline both")


def _dispatch(
    event_type: str, schema_name: str, rules: Sequence[Mapping[str, Any]]
) -> Dict[str, Any]:
    payload: Dict[str, Any] = {"$ref": f"{_DEFS_REF_PREFIX}{schema_name}"}
    if rules:
        payload = {"allOf": [payload, *(copy.deepcopy(dict(rule)) for rule in rules)]}
    return {
        "if": {"properties": {"event_type": {"const": event_type}}, "required": ["event_type"]},
        "then": {"properties": {"payload": payload}},
    }


def build_typed_event_schema(
    envelope: Mapping[str, Any],
    payloads: Mapping[str, Tuple[str, Mapping[str, Any]]],
    rules: Optional[Mapping[str, Sequence[Mapping[str, Any]]]] = None,
    schema_id: str = f"spec-kitty-events/{TYPED_EVENT_SCHEMA_NAME}",
) -> Dict[str, Any]:
    """The typed event schema from an envelope schema and ``{event_type: (name, schema)}``.

    ``rules`` adds, per event type, subschemas the payload must also satisfy (the rules a
    payload model enforces in Python beyond its committed schema).

    Raises:
        SchemaMergeError: two of the schemas give one nested definition different bodies.
    """
    defs: Dict[str, Any] = {}
    _inline(_ENVELOPE_DEF, envelope, defs)
    branches = []
    for event_type, (name, schema) in payloads.items():
        _inline(name, schema, defs)
        branches.append(_dispatch(event_type, name, (rules or {}).get(event_type, ())))
    return {
        "$schema": _DRAFT_2020_12,
        "$id": schema_id,
        "title": "Event with a typed payload",
        "description": (
            "An event envelope whose payload is checked against the schema of its event_type; "
            "an event type this version does not know gets the envelope check only."
        ),
        "allOf": [{"$ref": f"{_DEFS_REF_PREFIX}{_ENVELOPE_DEF}"}, *branches],
        "$defs": dict(sorted(defs.items())),
    }


def typed_event_schema() -> Dict[str, Any]:
    """The typed event schema of this version, built from the committed schema files.

    A new dict on every call, so callers may change it.
    """
    from spec_kitty_events._families import FAMILIES, event_type_to_schema
    from spec_kitty_events.schemas import load_schema

    payloads = {
        event_type: (name, load_schema(name))
        for event_type, name in event_type_to_schema().items()
        if event_type != _ENVELOPE_TYPE
    }
    rules = {
        event_type: family_rules
        for family in FAMILIES
        for event_type, family_rules in family.schema_rules.items()
    }
    return build_typed_event_schema(load_schema("event"), payloads, rules)
