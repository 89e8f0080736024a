"""Invariants of the family registry: every table the package derives agrees with ``FAMILIES``.

Each family is declared once, at the end of its domain module; these tests check that the
validator tables, the schema files, the fixture categories and the command line all follow from
those declarations, so a new family cannot be half-registered.  (The contract's own lists --
the export table, the validator and generator orders, the manifest -- are pinned elsewhere.)
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pytest
from pydantic import BaseModel

from spec_kitty_events import _families, _logcheck
from spec_kitty_events._families import FAMILIES, fixture_categories, reducing_families
from spec_kitty_events._family import EventFamily, schema_name_for
from spec_kitty_events.conformance import loader, validators
from spec_kitty_events.models import Event
from spec_kitty_events.schemas import generate, list_schemas

FIXTURES = Path(loader.__file__).parent / "fixtures"
DOMAIN_FAMILIES = [family for family in FAMILIES if family is not _families.CORE_FAMILY]
EVENT_TYPES = [(family.name, t) for family in FAMILIES for t in family.event_types]
ULID = "01HQZ6G4Y8K3M5N7P9R1S2T3V4"


def cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """The real command line, in a subprocess."""
    done = subprocess.run(
        [sys.executable, "-m", "spec_kitty_events", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


# --- declarations --------------------------------------------------------------------------


def test_no_event_type_is_declared_by_two_families() -> None:
    counts = Counter(t for family in FAMILIES for t in family.event_types)
    assert [t for t, n in counts.items() if n > 1] == []


def test_no_family_name_or_fixture_category_is_used_twice() -> None:
    names = [family.name for family in FAMILIES]
    own = [f.fixture_category for f in FAMILIES if f.fixture_category is not None]
    assert len(names) == len(set(names))
    assert len(own) == len(set(own))


@pytest.mark.parametrize("family", DOMAIN_FAMILIES, ids=lambda f: f.name)
def test_each_family_is_declared_by_the_module_it_is_named_after_with_its_models(
    family: EventFamily,
) -> None:
    module = importlib.import_module(f"spec_kitty_events.{family.name}")
    assert module.FAMILY is family
    # A large module may define its models in a private sibling; they are still its names.
    for model in family.schema_models:
        assert getattr(module, model.__name__) is model, model


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_schema_models_are_the_value_objects_then_every_payload_model_once(
    family: EventFamily,
) -> None:
    models = family.schema_models
    payload_models = [model for _, model in family.payloads]
    assert models[: len(family.value_objects)] == family.value_objects
    assert sorted(m.__name__ for m in models[len(family.value_objects) :]) == sorted(
        m.__name__ for m in payload_models
    )
    assert len(set(models)) == len(models)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_a_schema_payload_order_only_reorders_the_family_event_types(
    family: EventFamily,
) -> None:
    if family.schema_payload_order:
        assert sorted(family.schema_payload_order) == sorted(family.event_types)
        assert family.schema_payload_order != family.event_types


@pytest.mark.parametrize("family", DOMAIN_FAMILIES, ids=lambda f: f.name)
def test_every_payload_model_is_named_payload_and_every_event_type_is_camel_case(
    family: EventFamily,
) -> None:
    for event_type, model in family.payloads:
        assert model.__name__.endswith("Payload"), model
        assert event_type[:1].isupper(), event_type
        assert event_type.isalnum(), event_type


# --- validator tables and schema files -------------------------------------------------------


@pytest.mark.parametrize(("family_name", "event_type"), EVENT_TYPES)
def test_every_event_type_is_in_both_validator_tables(family_name: str, event_type: str) -> None:
    family = next(f for f in FAMILIES if f.name == family_name)
    model = family.payload_models[event_type]
    assert validators._EVENT_TYPE_TO_MODEL[event_type] is model
    assert validators._EVENT_TYPE_TO_SCHEMA[event_type] == schema_name_for(model)


def test_the_validator_tables_hold_nothing_but_family_event_types() -> None:
    # Compared as mappings: the contract order is pinned in tests/conformance/test_validators.py.
    assert _families.event_type_to_model() == validators._EVENT_TYPE_TO_MODEL
    assert _families.event_type_to_schema() == validators._EVENT_TYPE_TO_SCHEMA


def test_every_schema_bearing_type_has_a_committed_file_named_after_its_class() -> None:
    declared = [schema_name_for(m) for f in FAMILIES for m in f.schema_models]
    declared += [schema_name_for(e) for f in FAMILIES for e in f.schema_enums]
    assert sorted(declared) == list_schemas()
    for name in declared:
        assert json.loads(generate.SCHEMA_DIR.joinpath(f"{name}.schema.json").read_text())[
            "$id"
        ] == (f"spec-kitty-events/{name}")


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (Event, "event"),
        (type("GenerationBlockedPayload", (), {}), "generation_blocked_payload"),
        (type("SyncLaneV1", (), {}), "sync_lane_v1"),
        (type("WPState", (), {}), "wpstate"),
    ],
)  # fmt: skip
def test_schema_names_are_the_class_names_in_snake_case(cls: type, name: str) -> None:
    assert schema_name_for(cls) == name


def test_the_generator_lists_exactly_the_family_schema_types_in_family_order() -> None:
    assert [
        (schema_name_for(m), m) for f in FAMILIES for m in f.schema_models
    ] == generate.PYDANTIC_MODELS
    assert [
        (schema_name_for(e), e) for f in FAMILIES for e in f.schema_enums
    ] == generate.ENUM_TYPES


# --- fixtures ------------------------------------------------------------------------------


@pytest.mark.parametrize("category", fixture_categories())
def test_every_fixture_category_is_a_directory_with_manifest_entries(category: str) -> None:
    assert (FIXTURES / category).is_dir()
    assert any(entry.category == category for entry in loader.manifest_entries())


def test_every_manifest_entry_is_in_a_known_category() -> None:
    categories = set(fixture_categories())
    assert {entry.category for entry in loader.manifest_entries()} <= categories


@pytest.mark.parametrize(
    "family", [f for f in FAMILIES if f.fixture_category], ids=lambda f: f.name
)
def test_a_family_category_holds_fixtures_of_that_family_only(family: EventFamily) -> None:
    own = set(family.event_types)
    for entry in loader.manifest_entries():
        # Replay streams and reducer outputs are named after what they hold, not an event type.
        if entry.category == family.fixture_category and entry.fixture_type is None:
            assert entry.event_type in own, entry.id


# --- command line --------------------------------------------------------------------------


def test_reduce_offers_one_kind_per_family_with_a_reducer_in_sorted_order() -> None:
    kinds = [f.name.replace("_", "-") for f in FAMILIES if f.reducer is not None]
    assert list(reducing_families()) == kinds
    done = cli("reduce", "--help")
    # Help text wraps anywhere, so compare with every blank removed.
    unwrapped = "".join(done.stdout.split())
    assert "{" + "|".join(sorted(kinds)) + "}" in unwrapped
    modal = " and ".join(f.name for f in FAMILIES if f.reducer_takes_mode)
    assert "".join(f"{modal} only: strict raises".split()) in unwrapped


def _envelope(n: int, event_type: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "event_id": f"01HQZ6G4Y8K3M5N7P9R1S2T3{n:02d}",
        "event_type": event_type,
        "aggregate_id": "agg",
        "payload": payload,
        "timestamp": "2026-01-15T10:00:00Z",
        "node_id": "node-1",
        "lamport_clock": n,
        "project_uuid": "550e8400-e29b-41d4-a716-446655440000",
        "correlation_id": ULID,
    }


def test_validate_knows_every_declared_event_type() -> None:
    types = [t for f in DOMAIN_FAMILIES for t in f.event_types]
    log = (
        "".join(json.dumps(_envelope(n, t, {})) + "\n" for n, t in enumerate(types, start=1))
        + json.dumps(_envelope(99, "NoSuchEvent", {}))
        + "\n"
    )
    done = cli("validate", "--strict-types", "--format", "json", "-", stdin=log.encode())
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    unknown = [r["event_type"] for r in reports[:-1] if "unknown event type" in json.dumps(r)]
    assert unknown == ["NoSuchEvent"]
    assert all(_logcheck.is_known_event_type(t) for t in types)
    assert not _logcheck.is_known_event_type("Event")


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.reducer], ids=lambda f: f.name)
def test_each_reducer_runs_through_its_family_on_an_empty_stream(family: EventFamily) -> None:
    state = family.reduce([], "permissive")
    assert isinstance(state, BaseModel)
    assert state == family.reducer([])  # type: ignore[misc]


def test_a_family_without_a_reducer_says_so() -> None:
    gates = next(f for f in FAMILIES if f.name == "gates")
    assert gates.command is None
    with pytest.raises(ValueError, match="the gates family has no reducer"):
        gates.reduce([])


# --- adding a family -----------------------------------------------------------------------


class WidgetPlacedPayload(BaseModel):
    widget_id: str


class WidgetSpec(BaseModel):
    colour: str


class ReducedWidgets(BaseModel):
    placed: int = 0


def reduce_widget_events(events: Sequence[Event], *, mode: str = "strict") -> ReducedWidgets:
    return ReducedWidgets(placed=sum(e.event_type == "WidgetPlaced" for e in events))


def test_a_new_family_appears_in_every_derived_table(monkeypatch: pytest.MonkeyPatch) -> None:
    widgets = EventFamily(
        name="widget_shop",
        payloads=(("WidgetPlaced", WidgetPlacedPayload),),
        value_objects=(WidgetSpec,),
        reducer=reduce_widget_events,
        reducer_takes_mode=True,
        fixture_category="widget_shop",
    )
    monkeypatch.setattr(_families, "FAMILIES", (*FAMILIES, widgets))
    assert _families.event_type_to_model()["WidgetPlaced"] is WidgetPlacedPayload
    assert _families.event_type_to_schema()["WidgetPlaced"] == "widget_placed_payload"
    assert _families.pydantic_models()[-2:] == [
        ("widget_spec", WidgetSpec),
        ("widget_placed_payload", WidgetPlacedPayload),
    ]
    assert _families.fixture_categories()[-1] == "widget_shop"
    assert _families.reducing_families()["widget-shop"] is widgets
    placed: List[Event] = []
    assert widgets.reduce(placed, "permissive") == ReducedWidgets()
