"""The core's import graph (the layering in README.md's Layout) and each public name's module."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Dict, Set

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "src" / "spec_kitty_events"

# Which package modules each core module may import from.
ALLOWED: Dict[str, Set[str]] = {
    # models imports nothing from the package but the event limits and the identifier
    # spellings, leaves that import nothing.
    "_json": set(),
    "_ids": set(),
    "models": {"_json", "_ids"},
    # read_since's argument checks, shared with the durable stores; a leaf.
    "_positions": set(),
    "storage": {"models", "_positions"},
    "clock": {"models", "storage"},
    "conflict": {"models"},
    "topology": {"models"},
    "crdt": {"models"},
    "merge": {"models"},
    "error_log": {"models", "storage"},
}

PUBLIC: Dict[str, list[str]] = {
    "storage": [
        "EventStore",
        "ClockStorage",
        "ErrorStorage",
        "InMemoryEventStore",
        "InMemoryClockStorage",
        "InMemoryErrorStorage",
        "PositionedEvent",
        "UnreadableEventError",
    ],
    "clock": ["LamportClock"],
    "conflict": ["is_concurrent", "total_order_key", "strict_order_key"],
    "topology": ["topological_sort"],
    "crdt": ["merge_gset", "merge_counter"],
    "merge": ["state_machine_merge"],
    "error_log": ["ErrorLog"],
}


def package_imports(module: str) -> Set[str]:
    tree = ast.parse((PACKAGE_DIR / f"{module}.py").read_text(encoding="utf-8"))
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("spec_kitty_events"):
                found.add(name.removeprefix("spec_kitty_events").lstrip(".") or "<package>")
        if isinstance(node, ast.ImportFrom) and node.level:
            found.add(node.module or "<relative>")
    return found


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_core_modules_import_only_lower_core_modules(module: str) -> None:
    assert package_imports(module) <= ALLOWED[module]


@pytest.mark.parametrize(("module", "names"), sorted(PUBLIC.items()))
def test_public_names_report_their_defining_module(module: str, names: list[str]) -> None:
    loaded = importlib.import_module(f"spec_kitty_events.{module}")
    for name in names:
        assert getattr(loaded, name).__module__ == f"spec_kitty_events.{module}"
