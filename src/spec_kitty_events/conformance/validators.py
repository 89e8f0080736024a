"""Dual-layer payload validation: the Pydantic model first, then the committed JSON Schema.

The model layer always runs and is the authority on acceptance; the schema layer runs when
``jsonschema`` is importable and can only turn a model-valid payload into ``valid=False``.
Because the committed schemas describe the serialization form, a few inputs the model accepts
by coercion (the lane alias ``"doing"``, the string ``"true"`` for a bool, native ``datetime``
objects) fail the schema layer; ``ConformanceResult.model_valid`` gives the model verdict alone.

Speed: each schema is loaded and compiled once per process.  When the compiled engine
``jsonschema_rs`` is installed it decides whether a payload passes; ``jsonschema`` is consulted
only for a payload that may fail, and its verdict and violations are the ones reported, so the
result is the same with or without the compiled engine.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, Union

from pydantic import ValidationError as PydanticValidationError

from spec_kitty_events._families import event_type_to_model, event_type_to_schema
from spec_kitty_events._json import FRESH_JSON, LIMITS_CHECKED, event_problem, payload_problem
from spec_kitty_events.schemas import load_schema

try:
    import jsonschema_rs as _jsonschema_rs
except ImportError:  # pragma: no cover - depends on the installed extras
    _jsonschema_rs = None  # type: ignore[assignment]

__all__ = ["ConformanceResult", "ModelViolation", "SchemaViolation", "validate_event"]

_MISSING_JSONSCHEMA = (
    "jsonschema is required for strict conformance validation. "
    "Install with: pip install 'spec-kitty-events[conformance]'"
)
_TOO_OLD_JSONSCHEMA = (
    "the installed jsonschema has no Draft202012Validator (jsonschema>=4.21 is needed); "
    "the JSON Schema layer was skipped"
)


# -- result types ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ModelViolation:
    """One Pydantic error: where (dotted ``loc``, ``""`` for model rules), what, and the input."""

    field: str
    message: str
    violation_type: str
    # Inputs are often dicts or lists; leaving them out of the hash keeps results hashable.
    input_value: object = dataclasses.field(hash=False)


@dataclasses.dataclass(frozen=True)
class SchemaViolation:
    """One JSON Schema error, as ``jsonschema`` reports it."""

    json_path: str
    message: str
    validator: str
    validator_value: object = dataclasses.field(hash=False)
    schema_path: Tuple[Union[str, int], ...]


@dataclasses.dataclass(frozen=True)
class ConformanceResult:
    """The verdict of both layers for one payload."""

    valid: bool
    model_violations: Tuple[ModelViolation, ...]
    schema_violations: Tuple[SchemaViolation, ...]
    schema_check_skipped: bool
    event_type: str

    @property
    def model_valid(self) -> bool:
        """The model layer's verdict alone (what a Python consumer of the model observes)."""
        return not self.model_violations


# -- registries -----------------------------------------------------------------------------

_EVENT_TYPE_TO_MODEL: Dict[str, Type[Any]] = dict(event_type_to_model())
_EVENT_TYPE_TO_SCHEMA: Dict[str, str] = event_type_to_schema()
_ENVELOPE = "Event"


def _model_for(event_type: str) -> Type[Any]:
    model = _EVENT_TYPE_TO_MODEL.get(event_type) if isinstance(event_type, str) else None
    if model is None:
        raise ValueError(
            f"Unknown event type: {event_type!r}. Known types: {sorted(_EVENT_TYPE_TO_MODEL)}"
        )
    return model


# -- model layer ----------------------------------------------------------------------------


def _model_violation(error: Any) -> ModelViolation:
    return ModelViolation(
        field=".".join(str(part) for part in error["loc"]),
        message=error["msg"],
        violation_type=error["type"],
        input_value=error.get("input"),
    )


def _validate_with_model(
    payload: Any, model_class: Type[Any], *, context: Any = None
) -> Tuple[ModelViolation, ...]:
    try:
        # LIMITS_CHECKED / FRESH_JSON: the limits were just checked, so Event need not walk its
        # payload again (nor, for FRESH_JSON, copy it).
        if context is None:
            model_class.model_validate(payload)
        else:
            model_class.model_validate(payload, context=context)
    except PydanticValidationError as exc:
        return tuple(_model_violation(error) for error in exc.errors(include_url=False))
    return ()


# -- schema layer ---------------------------------------------------------------------------


def _jsonschema_usable() -> bool:
    """Whether ``jsonschema`` can run the schema layer, probed on every call.

    The probe is a plain import statement on purpose: callers and tests hide the package by
    patching ``builtins.__import__``, which ``importlib`` look-ups or a cached flag would miss.
    """
    try:
        from jsonschema import Draft202012Validator  # noqa: F401
    except ImportError:
        return _warn_if_too_old()
    return True


def _warn_if_too_old() -> bool:
    """After a failed probe: say so when jsonschema is there but too old.  Always False."""
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        return False
    warnings.warn(_TOO_OLD_JSONSCHEMA, RuntimeWarning, stacklevel=5)
    return False


# The compiled engine reads a tuple as a JSON array; ``jsonschema`` does not.  That is the one
# input on which the compiled engine can pass what ``jsonschema`` rejects, and only where the
# schema accepts an array: a ``type`` naming ``array`` or an ``enum``/``const`` listing one
# (array keywords such as ``items`` can only make the compiled engine stricter).  So a "pass"
# from the compiled engine is trusted only after looking for tuples at those places.

_ANY = None  # a path step matching every value of an object or element of an array
KeyPath = Tuple[Optional[str], ...]
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
# Keywords whose subschemas the path analysis does not follow: seeing one means "scan it all".
_UNFOLLOWED = frozenset(
    {
        "not",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "contains",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
        "$dynamicRef",
        "patternProperties",
    }
)
_MAX_DEPTH = 32


class _Unsure(Exception):
    """The schema uses something the path analysis does not follow."""


def _accepts_array(node: Dict[str, Any]) -> bool:
    declared = node.get("type")
    if declared == "array" or (isinstance(declared, list) and "array" in declared):
        return True
    listed = list(node.get("enum", ())) + ([node["const"]] if "const" in node else [])
    return any(isinstance(value, list) for value in listed)


def _resolve(ref: str, root: Dict[str, Any]) -> Any:
    if not ref.startswith("#/$defs/"):
        raise _Unsure(ref)
    return root.get("$defs", {}).get(ref[len("#/$defs/") :])


def _collect_array_paths(
    node: Any, root: Dict[str, Any], path: KeyPath, found: set[KeyPath], depth: int
) -> None:
    if not isinstance(node, dict):
        return
    if depth > _MAX_DEPTH or _UNFOLLOWED.intersection(node):
        raise _Unsure(path)
    if "$ref" in node:
        _collect_array_paths(_resolve(node["$ref"], root), root, path, found, depth + 1)
    if _accepts_array(node):
        found.add(path)
    for keyword in _SUBSCHEMA_LISTS:
        for branch in node.get(keyword, ()):
            step = (*path, _ANY) if keyword == "prefixItems" else path
            _collect_array_paths(branch, root, step, found, depth + 1)
    for name, subschema in node.get("properties", {}).items():
        _collect_array_paths(subschema, root, (*path, name), found, depth + 1)
    for keyword in ("items", "additionalProperties"):
        _collect_array_paths(node.get(keyword), root, (*path, _ANY), found, depth + 1)


def _array_paths(schema: Dict[str, Any]) -> Optional[Tuple[KeyPath, ...]]:
    """Where in a payload ``schema`` may accept an array, or ``None`` when unsure."""
    found: set[KeyPath] = set()
    try:
        _collect_array_paths(schema, schema, (), found, 0)
    except _Unsure:
        return None
    return tuple(sorted(found, key=lambda path: tuple(step or "" for step in path)))


def _holds_tuple(value: object) -> bool:
    """Whether a tuple sits anywhere in ``value``."""
    pending: List[object] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, tuple):
            return True
    return False


def _tuple_at(value: Any, path: KeyPath) -> bool:
    """Whether a tuple sits at ``path``, following only objects and arrays as jsonschema does."""
    current: List[Any] = [value]
    for step in path:
        following: List[Any] = []
        for item in current:
            if isinstance(item, dict):
                if step is _ANY:
                    following.extend(item.values())
                elif step in item:
                    following.append(item[step])
            elif isinstance(item, list) and step is _ANY:
                following.extend(item)
        if not following:
            return False
        current = following
    return any(isinstance(item, tuple) for item in current)


TupleCheck = Callable[[Any], bool]


def _never(_payload: Any) -> bool:
    return False


def _path_check(path: KeyPath) -> TupleCheck:
    if _ANY in path:
        return lambda payload: _tuple_at(payload, path)

    def keyed(payload: Any) -> bool:
        # The common case, a path of property names only: a few dict look-ups.
        value = payload
        for step in path:
            if not isinstance(value, dict) or step not in value:
                return False
            value = value[step]
        return isinstance(value, tuple)

    return keyed


def _tuple_check(schema: Dict[str, Any]) -> TupleCheck:
    paths = _array_paths(schema)
    if paths is None:
        return _holds_tuple
    if not paths:
        return _never
    checks = [_path_check(path) for path in paths]
    if len(checks) == 1:
        return checks[0]
    return lambda payload: any(check(payload) for check in checks)


FastCheck = Callable[[Any], bool]


def _compile_fast(schema: Dict[str, Any]) -> Optional[FastCheck]:
    """A compiled pass/fail check, or ``None`` without the compiled engine."""
    if _jsonschema_rs is None:  # pragma: no cover - depends on the installed extras
        return None
    try:
        return _jsonschema_rs.Draft202012Validator(schema, validate_formats=False).is_valid
    except Exception:  # a schema the compiled engine cannot take is left to jsonschema alone
        return None


def _surely_valid(fast: FastCheck, tuple_check: TupleCheck, payload: Any) -> bool:
    """True only when the compiled engine passes ``payload`` and ``jsonschema`` must agree.

    Anything the compiled engine cannot take (sets, datetimes, lone surrogates, ...) or rejects
    goes to ``jsonschema``, whose verdict is the reference.
    """
    try:
        passed = fast(payload)
    except Exception:  # the fast path is an optimisation: any trouble means "ask jsonschema"
        return False
    return passed and not tuple_check(payload)


def _schema_violation(error: Any) -> SchemaViolation:
    return SchemaViolation(
        json_path=error.json_path,
        message=error.message,
        validator=str(error.validator),
        validator_value=error.validator_value,
        schema_path=tuple(error.absolute_schema_path),
    )


class _CompiledSchema:
    """One schema compiled for both engines; built once per schema name."""

    __slots__ = ("_fast", "_reference", "_tuple_check")

    def __init__(self, schema: Dict[str, Any], use_fast: bool = True) -> None:
        from jsonschema import Draft202012Validator

        # No format checker: ``format`` stays an annotation, so a verdict never depends on
        # which optional format libraries happen to be installed.
        self._reference = Draft202012Validator(schema)
        self._fast = _compile_fast(schema) if use_fast else None
        self._tuple_check = _tuple_check(schema)

    def violations(self, payload: Any) -> Tuple[SchemaViolation, ...]:
        if self._fast is not None and _surely_valid(self._fast, self._tuple_check, payload):
            return ()
        errors = sorted(self._reference.iter_errors(payload), key=lambda error: error.json_path)
        return tuple(_schema_violation(error) for error in errors)


_COMPILED: Dict[str, _CompiledSchema] = {}


def _compile(schema_name: str) -> _CompiledSchema:
    compiled = _COMPILED[schema_name] = _CompiledSchema(load_schema(schema_name))
    return compiled


def _validate_with_schema(
    payload: Any, schema_name: str, *, strict: bool
) -> Tuple[Tuple[SchemaViolation, ...], bool]:
    """``(violations, skipped)``; without jsonschema, skip quietly or raise under ``strict``."""
    if not _jsonschema_usable():
        if strict:
            raise ImportError(_MISSING_JSONSCHEMA) from None
        return (), True
    compiled = _COMPILED.get(schema_name) or _compile(schema_name)
    return compiled.violations(payload), False


# -- entry point ----------------------------------------------------------------------------


def validate_event(
    payload: Dict[str, Any], event_type: str, *, strict: bool = False
) -> ConformanceResult:
    """Validate a bare payload (or, for ``"Event"``, a whole envelope) against both layers.

    Raises ``ValueError`` for an unknown ``event_type`` and, with ``strict=True``,
    ``ImportError`` when ``jsonschema`` is not installed.  A payload of the wrong shape never
    raises: it is reported as violations.  A payload nested deeper than the nesting limit, or
    holding NaN, Infinity or an integer of more than 4,300 digits, gets one model violation
    naming where, and neither layer runs on it (both would recurse into it).
    """
    return judge(payload, event_type, strict=strict)


def judge(
    payload: Any,
    event_type: str,
    *,
    strict: bool = False,
    fresh_json: bool = False,
    model_accepted: bool = False,
) -> ConformanceResult:
    """:func:`validate_event`, for this package's log reader (not exported).

    ``fresh_json`` says the value was decoded from a log line just now, nothing else holds it,
    and the reader proved that it keeps the event limits (``RawLine.limits_clear``): the
    limits are not walked again and Event does not copy its payload.  ``model_accepted`` says
    the caller already built the model from this value (the fast envelope path), so only the
    schema layer runs.  The verdict is the one :func:`validate_event` gives.
    """
    model_class = _model_for(event_type)
    is_envelope = event_type == _ENVELOPE
    if not fresh_json:
        problem = event_problem(payload) if is_envelope else payload_problem(payload)
        if problem is not None:
            return _unrepresentable(problem, event_type)
    context = (FRESH_JSON if fresh_json else LIMITS_CHECKED) if is_envelope else None
    model_violations = (
        () if model_accepted else _validate_with_model(payload, model_class, context=context)
    )
    schema_name = _EVENT_TYPE_TO_SCHEMA.get(event_type)
    if schema_name is None:
        schema_violations: Tuple[SchemaViolation, ...] = ()
        skipped = True
    else:
        schema_violations, skipped = _validate_with_schema(payload, schema_name, strict=strict)
    if not model_violations and not schema_violations:
        return _clean_result(event_type, skipped)
    return ConformanceResult(
        valid=not model_violations and skipped,
        model_violations=model_violations,
        schema_violations=schema_violations,
        schema_check_skipped=skipped,
        event_type=event_type,
    )


def _unrepresentable(problem: Tuple[str, str], event_type: str) -> ConformanceResult:
    field, message = problem
    violation = ModelViolation(field, message, "value_error", None)
    # Neither layer ran; "skipped" says so, and valid is False whatever it says.
    return ConformanceResult(False, (violation,), (), True, event_type)


_CLEAN_RESULTS: Dict[Tuple[str, bool], ConformanceResult] = {}


def _clean_result(event_type: str, skipped: bool) -> ConformanceResult:
    """The result of a payload with no violations; immutable, so one instance is shared."""
    if type(event_type) is not str:  # echo a str subclass back as it came
        return ConformanceResult(True, (), (), skipped, event_type)
    result = _CLEAN_RESULTS.get((event_type, skipped))
    if result is None:
        result = _CLEAN_RESULTS[event_type, skipped] = ConformanceResult(
            True, (), (), skipped, event_type
        )
    return result
