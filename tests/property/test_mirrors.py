"""A payload's mirror accepts nothing pydantic refuses, and gives the values pydantic gives.

Payloads are generated from each model's own fields, mostly valid, each value now and then
replaced by something at the edge: a value of another JSON type, one pydantic would coerce
(``"1"``, ``1.0``, ``True`` for an int), an empty or surrogate string, a ``str`` subclass or
an enum member, a huge integer, a tuple or set for a list, a missing or an unknown key.
Whatever the mirror accepts, ``model_validate`` must accept, with equal values of the same
types (``True == 1``, so equality alone would not do).
"""

from __future__ import annotations

import copy
import warnings
from enum import Enum, IntEnum
from inspect import isclass
from typing import Any, Dict, List, Literal, Type, Union, get_args, get_origin

import msgspec
import pytest
from annotated_types import Ge, MinLen
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
    root_validator,
)

from spec_kitty_events._families import FAMILIES
from spec_kitty_events._mirror import mirror
from spec_kitty_events.dossier import FAMILY as DOSSIER
from spec_kitty_events.status import Lane, StatusTransitionPayload
from tests.dossier.helpers import drift, indexed, missing, snapshot


class Text(str):
    """A str subclass: pydantic makes it a plain str; the mirror declines it."""


class Word(str, Enum):
    """A str enum member: pydantic makes it a plain str; the mirror keeps the member."""

    X = "x"


class Number(IntEnum):
    ONE = 1


JUNK = st.sampled_from([None, 0, -1, 1.5, True, "", "1", [], {}, ()])


def _mostly(usual: st.SearchStrategy[Any], edge: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usual values 27 times in 30, edge values twice, junk once: a payload of twenty values
    is then wholly valid often enough for the mirror to accept it."""
    return st.integers(0, 29).flatmap(lambda n: JUNK if n == 0 else edge if n < 3 else usual)


def values(annotation: Any, metadata: List[Any]) -> st.SearchStrategy[Any]:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Union:
        inner = next(arg for arg in args if arg is not type(None))
        return st.one_of(st.none(), values(inner, metadata))
    if annotation is str:
        return _mostly(
            st.text(min_size=1, max_size=4),
            st.one_of(
                st.sampled_from(["", " ", "\u00e9", "\ud800", "a\udfffb"]),
                st.text(max_size=3).map(Text),
                st.just(Word.X),
            ),
        )
    if annotation is int:
        return _mostly(st.integers(0, 5), st.sampled_from([-1, 2**70, -(2**70), Number.ONE]))
    if annotation is bool:
        return _mostly(st.booleans(), st.sampled_from([0, 1, "true", Number.ONE]))
    if isclass(annotation) and issubclass(annotation, Enum):
        members = list(annotation)
        texts = [member.value for member in members]
        # "doing" is the status lanes' alias, which their before validator rewrites.
        edges = st.one_of(st.sampled_from(["doing", "other"]), st.sampled_from(texts).map(Text))
        return _mostly(st.sampled_from(members + texts), edges)
    if origin is Literal:
        return _mostly(st.sampled_from(args), st.sampled_from(args).map(Text))
    if origin is list:
        items = st.lists(values(args[0], []), max_size=3)
        return _mostly(items, st.one_of(items.map(tuple), st.just("ab")))
    if origin is tuple:
        items = st.lists(values(args[0], []), max_size=3)
        return _mostly(items, st.one_of(items.map(tuple), st.just("ab"), st.just({"a"})))
    if origin is dict:
        usual = st.dictionaries(st.text(max_size=3), values(args[1], []), max_size=3)
        return _mostly(usual, st.dictionaries(st.integers(0, 3), st.just("v"), max_size=2))
    if isclass(annotation) and issubclass(annotation, BaseModel):
        return _mostly(payloads(annotation), st.just(None))
    # Types no mirrored model uses (floats, datetimes, other unions): a few plain values.
    return st.one_of(JUNK, st.text(max_size=3))


def payloads(model: Type[BaseModel]) -> st.SearchStrategy[Dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> Dict[str, Any]:
        payload: Dict[str, Any] = {}
        for name, info in model.model_fields.items():
            # Optional fields are left out half the time, required ones now and then.
            if draw(st.integers(0, 19 if info.is_required() else 1)) == 0:
                continue
            payload[name] = draw(values(info.annotation, info.metadata))
        if draw(st.integers(0, 9)) == 0:
            payload[draw(st.sampled_from(["unknown", "extra_field"]))] = draw(JUNK)
        return payload

    return build()


def plain(value: Any) -> Any:
    """Structs as dicts, all the way down, as ``model_dump`` lays a model out."""
    if isinstance(value, msgspec.Struct):
        return {name: plain(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def types(value: Any) -> Any:
    """The type of every value, containers kept (``True == 1``, but bool stays bool).  A
    member of this test's own enums, given where the model wants a plain value, counts as its
    value's type: the mirror keeps such members (see ``_mirror``); the model's enums count
    as themselves."""
    if isinstance(value, dict):
        return {key: types(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(types(item) for item in value)
    if isinstance(value, list):
        return [types(item) for item in value]
    if isinstance(value, (Word, Number)):
        return type(value.value)
    if isinstance(value, Enum):
        return type(value)
    for kind in (bool, str, int):
        if isinstance(value, kind):
            return kind
    return type(value)


MIRRORED = [
    model for family in FAMILIES for _, model in family.payloads if mirror(model) is not None
]


def test_every_dossier_payload_has_a_mirror() -> None:
    assert all(mirror(model) is not None for model in DOSSIER.payload_models.values())


@pytest.mark.parametrize("model", MIRRORED, ids=lambda model: model.__name__)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_what_a_mirror_accepts_pydantic_accepts_with_equal_values(
    model: Type[BaseModel], data: st.DataObject
) -> None:
    payload = data.draw(payloads(model))
    check = mirror(model)
    assert check is not None
    mirrored = check(payload)
    if mirrored is None:
        return
    dumped = model.model_validate(payload).model_dump()
    assert plain(mirrored) == dumped
    assert types(plain(mirrored)) == types(dumped)


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (DOSSIER.payload_models[t], p)
        for t, p in [
            ("MissionDossierArtifactIndexed", indexed("a.md", "h1")),
            ("MissionDossierArtifactMissing", missing("a.md")),
            ("MissionDossierSnapshotComputed", snapshot("s1")),
            ("MissionDossierParityDriftDetected", drift()),
        ]
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_a_mirror_accepts_a_valid_dossier_payload(model: Type[BaseModel], payload: Any) -> None:
    check = mirror(model)
    assert check is not None
    assert plain(check(payload)) == model.model_validate(payload).model_dump()


def test_a_mirror_leaves_coercions_and_refusals_to_pydantic() -> None:
    check = mirror(DOSSIER.payload_models["MissionDossierSnapshotComputed"])
    assert check is not None
    # pydantic's lax mode takes "3" for 3; the mirror does not decide it either way.
    assert check(snapshot("s1", artifacts="3")) is None
    assert check(snapshot("s1", artifacts=-1)) is None
    assert check(snapshot("")) is None
    assert check(snapshot("\ud800")) is None
    assert check(list(snapshot("s1").items())) is None


class _Validated(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class _Aliased(BaseModel):
    name: str = Field(alias="Name")


class _Configured(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str


class _Defaulted(BaseModel):
    names: List[str] = ["anonymous"]


class _Floating(BaseModel):
    ratio: float


class _Patterned(BaseModel):
    version: str = Field(pattern=r"^\d+$")


class _Nesting(BaseModel):
    inner: _Floating


class _Informed(BaseModel):
    name: str

    @field_validator("name", mode="before")
    @classmethod
    def _look(cls, value: Any, info: ValidationInfo) -> Any:
        return value


class _Wrapped(BaseModel):
    name: str

    @field_validator("name", mode="wrap")
    @classmethod
    def _wrap(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return handler(value)


class _Checked(BaseModel):
    name: str

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        return data


class _NestingValidated(BaseModel):
    inner: _Validated


class _Lenient(str, Enum):
    A = "a"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        return cls.A


class _Counted(Enum):
    ONE = 1


class _Either(BaseModel):
    value: Union[int, str]


class _SizedEnum(BaseModel):
    kind: Lane = Field(max_length=3)


class _V1(BaseModel):
    name: str

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)

        @root_validator(pre=True)
        @classmethod
        def _old(cls, values: Any) -> Any:
            return values


class _LenientField(BaseModel):
    kind: _Lenient


class _CountedField(BaseModel):
    kind: _Counted


@pytest.mark.parametrize(
    "model",
    [
        _Validated,
        _Aliased,
        _Configured,
        _Defaulted,
        _Floating,
        _Patterned,
        _Nesting,
        _Informed,
        _Wrapped,
        _Checked,
        _NestingValidated,
        _LenientField,
        _CountedField,
        _Either,
        _SizedEnum,
        _V1,
    ],
    ids=lambda model: model.__name__,
)
def test_a_model_the_mirror_cannot_reproduce_exactly_has_none(model: Type[BaseModel]) -> None:
    assert mirror(model) is None


MOVE = {
    "feature_slug": "feature-x",
    "wp_id": "WP01",
    "from_lane": "claimed",
    "to_lane": "in_progress",
    "actor": "agent",
    "execution_mode": "worktree",
}


def test_the_status_payload_mirror_runs_the_models_own_validators() -> None:
    check = mirror(StatusTransitionPayload)
    assert check is not None
    mirrored = check(MOVE)
    assert mirrored is not None
    assert (mirrored.from_lane, mirrored.to_lane) == (Lane.CLAIMED, Lane.IN_PROGRESS)
    # The before validator rewrites an alias: pydantic must do it.
    assert check({**MOVE, "to_lane": "doing"}) is None
    # The after validator refuses these two; the mirror leaves the message to pydantic.
    assert check({**MOVE, "force": True, "reason": " "}) is None
    assert check({**MOVE, "to_lane": "done"}) is None
    assert check({**MOVE, "force": True, "reason": "late"}) is not None
    evidence = {
        "repos": [{"repo": "r", "branch": "main", "commit": "abc", "files_touched": ["a.py"]}],
        "review": {"reviewer": "alice", "verdict": "approved"},
    }
    done = {**MOVE, "from_lane": "for_review", "to_lane": "done", "evidence": evidence}
    assert plain(check(done)) == StatusTransitionPayload.model_validate(done).model_dump()


class _Replacing(BaseModel):
    name: str

    @model_validator(mode="after")
    def _renew(self) -> Any:
        return copy.copy(self)


def test_an_after_validator_returning_another_object_leaves_the_payload_to_pydantic() -> None:
    check = mirror(_Replacing)
    assert check is not None
    assert check({"name": "x"}) is None
    assert _Replacing.model_validate({"name": "x"}).name == "x"


def test_constraints_are_mirrored_inside_optional() -> None:
    class Sized(BaseModel):
        size: Union[int, None] = Field(default=None, ge=0)
        tags: Union[tuple[str, ...], None] = Field(default=None, min_length=1)

    check = mirror(Sized)
    assert check is not None
    assert [type(constraint) for constraint in Sized.model_fields["size"].metadata] == [Ge]
    assert [type(constraint) for constraint in Sized.model_fields["tags"].metadata] == [MinLen]
    assert plain(check({"size": 0, "tags": ["a"]})) == {"size": 0, "tags": ("a",)}
    assert check({"size": -1}) is None
    assert check({"tags": []}) is None
