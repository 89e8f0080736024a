"""Payload models mirrored as msgspec Structs: telling in native code that a payload is valid.

Validating a dossier ``ArtifactIndexed`` payload with pydantic builds the payload model and its
four nested models, about 6.6 µs, most of the dossier fold's time.  Converting the same dict
into Structs that mirror those models, and checking its strings, takes about 2.5 µs.  A fold
that needs only a yes and a few values from a payload asks the mirror first; a payload the
mirror refuses goes to pydantic, whose verdict and message stand, as before.  The mirror never
decides a refusal.

That is sound only if the mirror accepts nothing pydantic refuses.  So:

- It is derived from the model, field by field, never written by hand, and only from what it
  can mirror exactly: ``str``, ``int``, ``bool``, ``Literal`` of strings, enums of strings,
  ``Optional[...]``, ``List[X]``, ``Tuple[X, ...]``, ``Dict[str, X]`` and nested models, with
  length and bound constraints, and defaults that are plain values (or an empty list).  A
  model that uses anything else (a config option other than ``frozen``, an alias, a pattern)
  gets no mirror, and its payloads always take pydantic's path.
- Validators, on the outermost model only: a ``before`` field validator that takes the value
  alone is called on the payload's value, and the mirror declines the payload unless it
  returns that very object (pydantic then goes on with the same value the mirror converts);
  an ``after`` model validator that takes the model alone is called on the converted Structs,
  which have the model's field names and values, and the mirror declines the payload if it
  raises or returns anything else.  Any other validator means no mirror.
- msgspec converts in strict mode: it coerces nothing where pydantic's lax mode would
  (``"1"`` or ``1.0`` or ``True`` for an int, a list of pairs for a dict), so those payloads,
  valid or not, take pydantic's path too.
- The top-level payload must be a plain ``dict``, and every string in it must be UTF-8: a lone
  surrogate passes msgspec's conversion, and pydantic refuses it.

A property test checks that whatever a mirror accepts, pydantic accepts with equal values.
Equal, not identical in one respect: msgspec keeps a member of a ``str`` or ``int`` enum as it
is, where pydantic makes it a plain ``str`` or ``int`` (a ``str`` subclass is declined: the
encoder refuses it).  A caller that keeps a value from the mirror checks its type.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from inspect import isclass, signature
from typing import (
    Annotated,
    Any,
    Callable,
    Dict,
    List,
    Literal,
    Optional,
    Tuple,
    Type,
    Union,
    get_args,
    get_origin,
)

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel

try:
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - depends on the installed extras
    _msgspec = None  # type: ignore[assignment]

# What a mirror gives: the payload as Structs, or None when pydantic must decide.
Mirror = Callable[[Any], Optional[Any]]

# pydantic's constraint objects and the msgspec.Meta keyword each one becomes.
_CONSTRAINTS: Dict[type, str] = {
    MinLen: "min_length",
    MaxLen: "max_length",
    Ge: "ge",
    Gt: "gt",
    Le: "le",
    Lt: "lt",
}
# The configuration a mirrored model may have: ``frozen`` changes nothing in validation.
_MIRRORED_CONFIG = frozenset({"frozen"})


class _NotMirrored(Exception):
    """The model uses something the mirror cannot reproduce exactly."""


@cache
def mirror(model: Type[BaseModel]) -> Optional[Mirror]:
    """The mirror of ``model``, or ``None`` when it has none (or msgspec is not installed).

    The mirror returns the payload converted to Structs when it certainly validates, and
    ``None`` when pydantic must decide.
    """
    if _msgspec is None:  # pragma: no cover - depends on the installed extras
        return None
    try:
        before, after = _validators(model)
        struct = _struct(model, validated=True)
    except _NotMirrored:
        return None
    convert = _msgspec.convert
    encode = _msgspec.msgpack.Encoder().encode
    absent = object()

    def mirrored(payload: Any) -> Optional[Any]:
        if type(payload) is not dict:
            return None
        try:
            for field, validator in before:
                value = payload.get(field, absent)
                if value is not absent and validator(value) is not value:
                    return None
            converted: Any = convert(payload, struct, strict=True)
            # convert passes a string with a lone surrogate, which pydantic refuses; encoding
            # the payload as UTF-8 is the cheapest way to find one (about 0.9 µs).
            encode(payload)
            for validator in after:
                if validator(converted) is not converted:
                    return None
        # Whatever msgspec or a validator refuses, and however (a ValidationError, the
        # surrogate's UnicodeEncodeError, an integer too long to encode, a validator's
        # ValueError), pydantic decides instead.
        except Exception:
            return None
        return converted

    return mirrored


_Validators = Tuple[Tuple[Tuple[str, Callable[[Any], Any]], ...], Tuple[Callable[[Any], Any], ...]]


def _validators(model: Type[BaseModel]) -> _Validators:
    """The model's ``before`` field validators, as ``(field, callable)``, and its ``after``
    model validators; :class:`_NotMirrored` for any other kind."""
    decorators = model.__pydantic_decorators__
    if decorators.validators or decorators.root_validators:
        raise _NotMirrored(f"{model.__name__} has pydantic v1 validators")
    before: List[Tuple[str, Callable[[Any], Any]]] = []
    for decorator in decorators.field_validators.values():
        info = decorator.info
        if info.mode != "before" or "*" in info.fields or _takes_more_than_one(decorator.func):
            raise _NotMirrored(f"{model.__name__}.{decorator.cls_var_name}")
        before.extend((field, decorator.func) for field in info.fields)
    after: List[Callable[[Any], Any]] = []
    for model_decorator in decorators.model_validators.values():
        if model_decorator.info.mode != "after" or _takes_more_than_one(model_decorator.func):
            raise _NotMirrored(f"{model.__name__}.{model_decorator.cls_var_name}")
        after.append(model_decorator.func)
    return tuple(before), tuple(after)


def _takes_more_than_one(function: Callable[..., Any]) -> bool:
    """Whether a validator (a bound class method, or an instance method taking the model)
    also takes pydantic's ``info``."""
    return len(signature(function).parameters) != 1


# Defaults pydantic hands out as they are (it does not validate defaults), and msgspec too.
_PLAIN_DEFAULTS = (str, int, bool, type(None))


def _struct(model: Type[BaseModel], *, validated: bool = False) -> type:
    """The Struct mirroring ``model``; ``validated`` says the caller has taken over the
    model's own validators (see :func:`_validators`), which nested models may not have."""
    decorators = model.__pydantic_decorators__
    if set(model.model_config) - _MIRRORED_CONFIG:
        raise _NotMirrored(f"{model.__name__} is configured")
    if not validated and any(
        (
            decorators.validators,
            decorators.field_validators,
            decorators.root_validators,
            decorators.model_validators,
        )
    ):
        raise _NotMirrored(f"{model.__name__} has validators")
    assert _msgspec is not None
    fields: List[Union[Tuple[str, Any], Tuple[str, Any, Any]]] = []
    for name, info in model.model_fields.items():
        if info.alias is not None or info.validation_alias is not None:
            raise _NotMirrored(f"{model.__name__}.{name} has an alias")
        kind = _type(info.annotation, info.metadata)
        if info.is_required():
            fields.append((name, kind))
        elif info.default_factory is list:
            fields.append((name, kind, _msgspec.field(default_factory=list)))
        elif info.default_factory is None and type(info.default) in _PLAIN_DEFAULTS:
            fields.append((name, kind, info.default))
        else:
            raise _NotMirrored(f"{model.__name__}.{name} has a default the mirror cannot copy")
    return _msgspec.defstruct(f"{model.__name__}Mirror", fields, kw_only=True)


def _type(annotation: Any, metadata: List[Any]) -> Any:
    """The msgspec type of one annotation; ``metadata`` holds the field's constraints, which
    pydantic applies to the value inside an ``Optional``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Union:
        present = [arg for arg in args if arg is not type(None)]
        if len(present) != 1 or len(args) != 2:
            raise _NotMirrored(f"union {annotation}")
        return Optional[_type(present[0], metadata)]
    # Types msgspec takes exactly as written.
    if (
        annotation in (str, int, bool)
        or (origin is Literal and all(type(arg) is str for arg in args))
        or _is_text_enum(annotation)
    ):
        kind: Any = annotation
    elif origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        kind = Tuple[_type(args[0], []), ...]
    elif origin is list:
        kind = List[_type(args[0], [])]  # type: ignore[misc]
    elif origin is dict and args[0] is str:
        kind = Dict[str, _type(args[1], [])]  # type: ignore[misc]
    elif isclass(annotation) and issubclass(annotation, BaseModel):
        kind = _struct(annotation)
    else:
        raise _NotMirrored(f"annotation {annotation}")
    if not metadata:
        return kind
    if kind is not str and kind is not int and origin not in (tuple, list, dict):
        raise _NotMirrored(f"constraints on {annotation}")
    return Annotated[kind, _meta(metadata)]


# The plain value look-up every enum inherits, unless it defines its own ``_missing_``.
_ENUM_MISSING = Enum._missing_.__func__  # type: ignore[attr-defined]


def _is_text_enum(annotation: Any) -> bool:
    """An enum of strings that looks values up the plain way (no ``_missing_`` of its own):
    pydantic and msgspec then both take a member or its value, and give the member."""
    return (
        isclass(annotation)
        and issubclass(annotation, Enum)
        and getattr(annotation._missing_, "__func__", None) is _ENUM_MISSING
        and all(type(member.value) is str for member in annotation)
    )


def _meta(metadata: List[Any]) -> Any:
    bounds: Dict[str, Any] = {}
    for constraint in metadata:
        keyword = _CONSTRAINTS.get(type(constraint))
        if keyword is None:
            raise _NotMirrored(f"constraint {constraint!r}")
        bounds[keyword] = getattr(constraint, keyword)
    assert _msgspec is not None
    return _msgspec.Meta(**bounds)
