"""Building an :class:`Event` from a freshly decoded log line without pydantic's per-field work.

``Event.model_validate`` costs about 9 µs a line, most of it in building the model and calling
the Python field validators, not in deciding.  Nearly every line of a real log is a plain,
valid envelope: exact JSON types, canonical or near-canonical ids, an RFC 3339 timestamp.
:func:`fast_event` recognises exactly such lines and builds the event pydantic would build,
with the same values of the same types; anything it is not certain of (a wrong type, an
unknown key, a value pydantic would coerce, any doubt at all) returns ``None``, and the caller
takes pydantic's path, which gives the verdict and the message as it always has.

The cases that need pydantic's own parsing (timestamps, UUIDs) go through pydantic's own
validators for those types, so their values cannot differ.  The envelope's shape is checked
against :data:`EXPECTED_SHAPE` when this module is imported: a field, a constraint or a
validator added to ``Event`` without updating this module switches the fast path off rather
than letting it drift (a test fails when it is off).  A property test checks that whatever
the fast path builds equals what ``Event.model_validate`` builds from the same line.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import AbstractSet, Any, Dict, Optional, Tuple

from pydantic import TypeAdapter

from spec_kitty_events._ids import CANONICAL_ID_RE, canonical_identifier
from spec_kitty_events._json import FRESH_JSON, int_problem
from spec_kitty_events.models import Event

# --- the envelope this module knows ------------------------------------------------------------

# (field, annotation, required, default, constraints), in declaration order, the names of the
# model's validators, and its configuration.  Compared with the model when this module is imported.
Shape = Tuple[Tuple[Tuple[str, str, bool, str, str], ...], Tuple[str, ...], str]

EXPECTED_SHAPE: Shape = (
    (
        (
            "event_id",
            "<class 'str'>",
            True,
            "PydanticUndefined",
            "[MinLen(min_length=26), MaxLen(max_length=36)]",
        ),
        ("event_type", "<class 'str'>", True, "PydanticUndefined", "[MinLen(min_length=1)]"),
        ("aggregate_id", "<class 'str'>", True, "PydanticUndefined", "[MinLen(min_length=1)]"),
        ("payload", "typing.Dict[str, typing.Any]", False, "<class 'dict'>", "[]"),
        ("timestamp", "<class 'datetime.datetime'>", True, "PydanticUndefined", "[]"),
        ("node_id", "<class 'str'>", True, "PydanticUndefined", "[MinLen(min_length=1)]"),
        ("lamport_clock", "<class 'int'>", True, "PydanticUndefined", "[Ge(ge=0)]"),
        (
            "causation_id",
            "typing.Optional[str]",
            False,
            "None",
            "[MinLen(min_length=26), MaxLen(max_length=36)]",
        ),
        ("project_uuid", "<class 'uuid.UUID'>", True, "PydanticUndefined", "[]"),
        ("project_slug", "typing.Optional[str]", False, "None", "[]"),
        (
            "correlation_id",
            "<class 'str'>",
            True,
            "PydanticUndefined",
            "[MinLen(min_length=26), MaxLen(max_length=36)]",
        ),
        (
            "schema_version",
            "<class 'str'>",
            False,
            "'1.0.0'",
            "[_PydanticGeneralMetadata(pattern='^\\\\d+\\\\.\\\\d+\\\\.\\\\d+$')]",
        ),
        ("data_tier", "<class 'int'>", False, "0", "[Ge(ge=0), Le(le=4)]"),
    ),
    ("_canonical_identifier", "_own_payload", "_readable_clock"),
    "[('frozen', True)]",
)


def model_shape() -> Shape:
    """The shape of ``Event`` as it is now, in the form of :data:`EXPECTED_SHAPE`."""
    fields = tuple(
        (
            name,
            str(info.annotation),
            info.is_required(),
            repr(info.default_factory or info.default),
            repr(info.metadata),
        )
        for name, info in Event.model_fields.items()
    )
    decorators = Event.__pydantic_decorators__
    validators = sorted([*decorators.field_validators, *decorators.model_validators])
    return fields, tuple(validators), repr(sorted(Event.model_config.items()))


# How many fields a line must hold; `_values` reads them, and the optional ones, by the names
# of EXPECTED_SHAPE.
_REQUIRED_COUNT = sum(info.is_required() for info in Event.model_fields.values())

# --- values pydantic parses --------------------------------------------------------------------

# The core validators Event's own fields use (its config changes nothing for these types).
_TIMESTAMP = TypeAdapter(datetime)
_UUID = TypeAdapter(uuid.UUID)
# A log names few projects: their parsed UUIDs are kept (UUIDs are immutable), a bounded few.
_UUID_CACHE: Dict[str, uuid.UUID] = {}
_UUID_CACHE_SIZE = 256
# ASCII digits only: pydantic's pattern is a Rust regex whose \d also takes other digits, and
# Python's $ also matches before a final newline; this is the part both certainly accept.
_PLAIN_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")


# Ids already in their canonical spelling, the usual case, are recognised by one match; any
# other spelling goes through the shared rules.
_match_canonical = CANONICAL_ID_RE.fullmatch
# The core validator itself: TypeAdapter.validate_python only passes its defaults on to it.
_validate_timestamp = _TIMESTAMP.validator.validate_python
# What a refused value raises (pydantic's ValidationError is a ValueError).
_UNPARSED = (TypeError, ValueError, OverflowError)
# A field the line does not hold (None is a value a line may hold).
_ABSENT = object()


def _identifier(value: object, field: str) -> Optional[str]:
    if type(value) is str and _match_canonical(value):
        return value
    try:
        return canonical_identifier(value, field, explain=False)
    except ValueError:
        return None


def _project(value: object) -> Optional[uuid.UUID]:
    if type(value) is not str:
        return None
    parsed = _UUID_CACHE.get(value)
    if parsed is None:
        try:
            parsed = _UUID.validate_python(value)
        except _UNPARSED:
            return None
        if len(_UUID_CACHE) >= _UUID_CACHE_SIZE:
            _UUID_CACHE.clear()
        _UUID_CACHE[value] = parsed
    return parsed


def _values(line: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """Every field's value, in declaration order, as pydantic would store it; ``None`` when
    a field is missing or unknown, or any value is not certain.  One function, checks
    inline: this runs once per line."""
    try:
        event_id = _identifier(line["event_id"], "event_id")
        correlation_id = _identifier(line["correlation_id"], "correlation_id")
        project_uuid = _project(line["project_uuid"])
        event_type, aggregate_id = line["event_type"], line["aggregate_id"]
        node_id, clock, stamp = line["node_id"], line["lamport_clock"], line["timestamp"]
    except KeyError:
        return None
    payload = line.get("payload", _ABSENT)
    version = line.get("schema_version", _ABSENT)
    tier = line.get("data_tier", _ABSENT)
    cause = line.get("causation_id", _ABSENT)
    project_slug = line.get("project_slug", _ABSENT)
    # Every required field was read above; with the optional ones found, they must be all
    # the line holds, or it has a key Event does not know.
    held = (
        _REQUIRED_COUNT
        + (payload is not _ABSENT)
        + (version is not _ABSENT)
        + (tier is not _ABSENT)
        + (cause is not _ABSENT)
        + (project_slug is not _ABSENT)
    )
    if len(line) != held:
        return None
    version = "1.0.0" if version is _ABSENT else version
    tier = 0 if tier is _ABSENT else tier
    cause = None if cause is _ABSENT else cause
    project_slug = None if project_slug is _ABSENT else project_slug
    if (
        event_id is None
        or correlation_id is None
        or project_uuid is None
        or type(event_type) is not str
        or type(aggregate_id) is not str
        or type(node_id) is not str
        or not (event_type and aggregate_id and node_id)
        or type(clock) is not int
        or clock < 0
        or int_problem(clock) is not None
        or (payload is not _ABSENT and type(payload) is not dict)
        or not (version == "1.0.0" or (type(version) is str and _PLAIN_VERSION.fullmatch(version)))
        or type(tier) is not int
        or not 0 <= tier <= 4
    ):
        return None
    causation_id = None if cause is None else _identifier(cause, "causation_id")
    if (cause is not None and causation_id is None) or (
        project_slug is not None and type(project_slug) is not str
    ):
        return None
    try:
        timestamp = _validate_timestamp(stamp)
    except _UNPARSED:
        return None
    return {
        "event_id": event_id,
        "event_type": event_type,
        "aggregate_id": aggregate_id,
        "payload": {} if payload is _ABSENT else payload,
        "timestamp": timestamp,
        "node_id": node_id,
        "lamport_clock": clock,
        "causation_id": causation_id,
        "project_uuid": project_uuid,
        "project_slug": project_slug,
        "correlation_id": correlation_id,
        "schema_version": version,
        "data_tier": tier,
    }


_new = object.__new__
_set = object.__setattr__


def _assembled(values: Dict[str, Any], fields_set: AbstractSet[str]) -> Event:
    """The event with these values, laid out as ``Event.model_construct`` lays one out."""
    event: Event = _new(Event)
    _set(event, "__dict__", values)
    _set(event, "__pydantic_fields_set__", set(fields_set))
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", None)
    return event


def _built(line: Dict[str, Any]) -> Optional[Event]:
    values = _values(line)
    return None if values is None else _assembled(values, line.keys())


def _self_check() -> bool:
    """Whether the fast path may run: the model has the expected shape and one sample event
    comes out of both paths identical, down to pydantic's bookkeeping attributes."""
    if model_shape() != EXPECTED_SHAPE:
        return False
    sample = {
        "event_id": "01hv0000000000000000000000",
        "event_type": "Sample",
        "aggregate_id": "a",
        "payload": {"k": [1]},
        "timestamp": "2026-01-01T00:00:00Z",
        "node_id": "n",
        "lamport_clock": 1,
        "project_uuid": "12345678-1234-5678-1234-567812345678",
        "correlation_id": "0123456789ABCDEF0123456789ABCDEF",
    }
    built = _built(dict(sample))
    validated = Event.model_validate(dict(sample), context=FRESH_JSON)
    return built is not None and all(
        getattr(built, name) == getattr(validated, name)
        for name in (
            "__dict__",
            "__pydantic_fields_set__",
            "__pydantic_extra__",
            "__pydantic_private__",
        )
    )


ENABLED = _self_check()


def fast_event(line: Dict[str, Any]) -> Optional[Event]:
    """The event pydantic would build from ``line``, or ``None`` when unsure.

    ``line`` is a JSON object freshly decoded from one log line whose values already keep the
    event limits of ``_json``; nothing else may hold it, as the event keeps its ``payload``.
    """
    return _built(line) if ENABLED else None
