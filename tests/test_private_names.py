"""No module of the package reaches into another public module's private (``_``) names.

Shared internals live in ``_``-prefixed modules (``_pipeline``, ``_anomaly``, ``stores._common``),
so a private name used by two modules has one home that says it is internal.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List

import pytest

import spec_kitty_events

SRC = Path(spec_kitty_events.__file__).parent
PACKAGE = "spec_kitty_events"
# Underscored, yet public: the package root re-exports it as part of the 2.4.0 export table.
CONTRACT_NAMES = frozenset({"spec_kitty_events.mission_next._COMPLETION_ALIAS"})


def _is_private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str, root: Path) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (root / relative).with_suffix(".py").exists() or (root / relative).is_dir()


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private_reaches(source: str, importer: str, root: Path, is_package: bool = False) -> List[str]:
    """Every ``from public import _name`` and ``public_module._name`` in ``source``."""
    tree = ast.parse(source)
    found: List[str] = []
    bound: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = _absolute(node, importer, is_package)
            if not module.startswith(PACKAGE):
                continue
            for alias in node.names:
                target = f"{module}.{alias.name}"
                bound[alias.asname or alias.name] = target
                if (
                    _is_private(alias.name)
                    and not _is_private(module)
                    and not _is_module(target, root)
                    and target not in CONTRACT_NAMES
                ):
                    found.append(f"line {node.lineno}: from {module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE):
                    bound[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and _is_private(node.attr)
        ):
            target = bound.get(node.value.id)
            if target is not None and not _is_private(target) and _is_module(target, root):
                found.append(f"line {node.lineno}: {target}.{node.attr}")
    return found


@pytest.mark.parametrize(
    "path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC.parent))
)
def test_no_module_uses_a_private_name_of_a_public_module(path: Path) -> None:
    importer = _module_name(path, SRC)
    source = path.read_text(encoding="utf-8")
    assert private_reaches(source, importer, SRC, path.name == "__init__.py") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from spec_kitty_events.dossier import _namespace_key\n",
            ["line 1: from spec_kitty_events.dossier import _namespace_key"],
        ),
        (
            "from spec_kitty_events.conformance import loader\nloader._read_json(1)\n",
            ["line 2: spec_kitty_events.conformance.loader._read_json"],
        ),
        (
            "from .status import _lookup_lane\n",
            ["line 1: from spec_kitty_events.status import _lookup_lane"],
        ),
        ("from spec_kitty_events._pipeline import prepare, _dedup_sorted\n", []),
        ("from spec_kitty_events import _render\n", []),
        ("from spec_kitty_events.mission_next import _COMPLETION_ALIAS\n", []),
    ],
)
def test_the_check_tells_a_reach_into_a_public_module_from_a_private_home(
    source: str, expected: List[str]
) -> None:
    assert private_reaches(source, "spec_kitty_events.lifecycle", SRC) == expected
