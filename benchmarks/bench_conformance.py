"""validate_event against the Pydantic layer alone, with and without the compiled engine.

The payload is the largest valid dossier fixture (an indexed artifact with full provenance).
Every figure is a ratio to ``Model.model_validate`` on the same payload in the same run; the
target for ``validate_event`` is at most twice that floor.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from _harness import Figure, best_of
from spec_kitty_events.conformance import validate_event, validators
from spec_kitty_events.conformance.loader import load_fixtures
from spec_kitty_events.schemas import load_schema

_CASE_ID = "dossier-artifact-indexed-with-provenance"
_TARGET = 2.0


def _payload() -> tuple[str, Dict[str, Any]]:
    case = next(c for c in load_fixtures("dossier") if c.id == _CASE_ID)
    return case.event_type, case.payload


def _repeat(fn: Callable[[], object], count: int) -> Callable[[], None]:
    def loop() -> None:
        for _ in range(count):
            fn()

    return loop


def _interleaved(
    floor: Callable[[], None], measured: Callable[[], None], rounds: int
) -> tuple[float, float]:
    """Best times of two loops run turn about, so load on a shared machine hits both alike."""
    best_floor = best_measured = float("inf")
    for _ in range(rounds):
        best_floor = min(best_floor, best_of(floor, repeat=1))
        best_measured = min(best_measured, best_of(measured, repeat=1))
    return best_floor, best_measured


def _uncached_2_4_0_style(payload: Dict[str, Any], schema_name: str) -> Callable[[], object]:
    # What 2.4.0 did per call: read the schema file and build a new validator.
    from jsonschema import Draft202012Validator

    return lambda: list(Draft202012Validator(load_schema(schema_name)).iter_errors(payload))


def run(quick: bool) -> List[Figure]:
    count = 2_000 if quick else 10_000
    slow_count = max(count // 50, 20)
    event_type, payload = _payload()
    model = validators._EVENT_TYPE_TO_MODEL[event_type]
    schema_name = validators._EVENT_TYPE_TO_SCHEMA[event_type]
    assert validate_event(payload, event_type).valid

    floor, compiled = _interleaved(
        _repeat(lambda: model.model_validate(payload), count),
        _repeat(lambda: validate_event(payload, event_type), count),
        rounds=3 if quick else 9,
    )

    saved = validators._COMPILED.get(schema_name)
    validators._COMPILED[schema_name] = validators._CompiledSchema(
        load_schema(schema_name), use_fast=False
    )
    try:
        reference = best_of(_repeat(lambda: validate_event(payload, event_type), slow_count), 3)
    finally:
        if saved is not None:
            validators._COMPILED[schema_name] = saved

    uncached = best_of(_repeat(_uncached_2_4_0_style(payload, schema_name), slow_count), 3)
    floor_name = f"{model.__name__}.model_validate"
    return [
        Figure(
            "validate_event (jsonschema_rs decides)",
            count,
            "calls",
            compiled,
            floor_name,
            floor,
            target_ratio=_TARGET,
        ),
        Figure(
            "validate_event (jsonschema only)",
            slow_count,
            "calls",
            reference,
            floor_name,
            floor * slow_count / count,
        ),
        Figure(
            "schema layer as 2.4.0 did it (reload + new validator)",
            slow_count,
            "calls",
            uncached,
            floor_name,
            floor * slow_count / count,
        ),
    ]
