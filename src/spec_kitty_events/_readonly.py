"""Read-only containers: what every reducer output holds instead of a plain dict or list.

``frozen=True`` stops ``state.wp_states = ...`` but not ``state.wp_states["WP01"] = ...``.  So
each output model declares its container fields ``Annotated[..., ReadOnly]``: after validation
the value is rebuilt, all the way down, with dicts and lists that refuse every change.  They
stay ``dict``/``list`` subclasses, so they compare equal to plain ones and dump exactly as before.

Payload models kept inside an output (a WP's done evidence, a glossary observation) are copied
with their own containers made read-only; the payload classes themselves do not change, since
producers build and may still fill them.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from datetime import datetime
from typing import (
    Annotated,
    Any,
    Dict,
    List,
    NoReturn,
    Set,
    Tuple,
    Type,
    TypeVar,
    cast,
    get_args,
    get_origin,
)

from pydantic import AfterValidator, BaseModel

_K = TypeVar("_K")
_V = TypeVar("_V")
_T = TypeVar("_T")


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(f"{type(self).__name__} is read-only: the reduced state cannot be changed")


class ReadOnlyDict(Dict[_K, _V]):
    """A ``dict`` that refuses every change after construction.

    Hashable when its values are, so a frozen output model holding it can be hashed too.
    """

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> Tuple[Any, Tuple[Dict[_K, _V]]]:
        # The default dict pickling fills the new object through __setitem__.
        return type(self), (dict(self),)


class ReadOnlyList(List[_T]):
    """A ``list`` that refuses every change; equal to the plain list with the same items."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> Tuple[Any, Tuple[List[_T]]]:
        return type(self), (list(self),)


def read_only(value: _T) -> _T:
    """``value`` with every dict and list reachable from it made read-only.

    Already read-only containers and values that hold no container are returned as they are,
    so freezing an output built from frozen parts costs one look per part.
    """
    return cast(_T, _freeze(value))


# Values that hold nothing to freeze, met at most leaves of a state.
_ATOMS = frozenset({str, int, float, bool, type(None), datetime})


def _freeze(value: Any) -> Any:
    # Exact types first: they are almost every value met, and a type check is the cheapest.
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict:
        return ReadOnlyDict({key: _freeze(item) for key, item in value.items()})
    if kind is list:
        return ReadOnlyList([_freeze(item) for item in value])
    if kind is tuple:
        items = tuple(_freeze(item) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if kind is ReadOnlyDict or kind is ReadOnlyList:
        return value
    if isinstance(value, BaseModel):
        return _freeze_model(value)
    if isinstance(value, dict):
        return ReadOnlyDict({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return ReadOnlyList([_freeze(item) for item in value])
    return value


def _freeze_model(model: BaseModel) -> BaseModel:
    changes: Dict[str, Any] = {}
    names = _CONTAINER_FIELDS.get(type(model))
    if names is None:
        names = _container_fields(type(model))
    for name in names:
        current = getattr(model, name)
        frozen = _freeze(current)
        if frozen is not current:
            changes[name] = frozen
    if not changes:
        return model
    # What model_copy(update=...) does, minus marking the updated fields as set: a default
    # that was frozen stays unset, so model_dump(exclude_unset=True) is unchanged.
    copied = model.__copy__()
    copied.__dict__.update(changes)
    return copied


# Per model class, the fields whose declared type can hold a dict or list; computed once, so a
# model without such fields (most value objects) is passed through without a look inside.
_CONTAINER_FIELDS: Dict[Type[BaseModel], Tuple[str, ...]] = {}
# Classes whose answer is being worked out: a model that refers back to one of them (directly
# or through another model) is assumed to hold containers, which only costs a look.
_IN_PROGRESS: Set[Type[BaseModel]] = set()
_CONTAINER_ORIGINS = (dict, list, Mapping, MutableMapping, Sequence, MutableSequence)


def _container_fields(model_class: Type[BaseModel]) -> Tuple[str, ...]:
    known = _CONTAINER_FIELDS.get(model_class)
    if known is None:
        _IN_PROGRESS.add(model_class)
        try:
            known = tuple(
                name
                for name, field in model_class.model_fields.items()
                if _may_hold_container(field.annotation)
            )
        finally:
            _IN_PROGRESS.discard(model_class)
        _CONTAINER_FIELDS[model_class] = known
    return known


def _may_hold_container(annotation: Any) -> bool:
    if annotation is Any or annotation is object:
        return True
    if annotation in (dict, list) or get_origin(annotation) in _CONTAINER_ORIGINS:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation in _IN_PROGRESS or bool(_container_fields(annotation))
    # Optional, Union, Tuple, FrozenSet, Annotated: look at what they are made of.
    return any(_may_hold_container(arg) for arg in get_args(annotation))


# An output model declares ``wp_states: RODict[str, WPState]``, or marks any other field that
# can hold a dict or list as ``Annotated[..., ReadOnly]``.
ReadOnly = AfterValidator(read_only)
RODict = Annotated[Dict[_K, _V], ReadOnly]
ROList = Annotated[List[_T], ReadOnly]
ROTuple = Annotated[Tuple[_T, ...], ReadOnly]
