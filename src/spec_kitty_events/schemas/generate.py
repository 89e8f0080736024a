"""Generate the committed JSON Schema files from the models, or check them for drift.

Usage::

    python -m spec_kitty_events.schemas.generate            # write every file, prune orphans
    python -m spec_kitty_events.schemas.generate --check    # exit 1 on any difference

The model list comes from the event families (:mod:`spec_kitty_events._families`), so a new
family's schemas appear here without touching this module.  Schemas are generated in
serialization mode: they describe the canonical form a producer emits.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type

from pydantic import BaseModel, TypeAdapter

from spec_kitty_events._families import enum_types, pydantic_models

__all__ = [
    "ENUM_TYPES",
    "PYDANTIC_MODELS",
    "SCHEMA_DIR",
    "check_drift",
    "generate_all_schemas",
    "generate_enum_schema",
    "generate_schema",
    "main",
    "schema_to_json",
    "write_all_schemas",
    "write_schema_file",
]

SCHEMA_DIR = Path(__file__).parent
PYDANTIC_MODELS: List[Tuple[str, Type[BaseModel]]] = pydantic_models()
ENUM_TYPES: List[Tuple[str, type]] = list(enum_types())

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_ID_PREFIX = "spec-kitty-events/"
_SUFFIX = ".schema.json"


def _stamp(name: str, schema: Dict[str, Any]) -> Dict[str, Any]:
    schema["$schema"] = _DRAFT_2020_12
    schema["$id"] = f"{_ID_PREFIX}{name}"
    return schema


def generate_schema(name: str, model: Type[BaseModel]) -> Dict[str, Any]:
    """The serialization-mode JSON Schema of ``model``, with ``$schema`` and ``$id`` set."""
    return _stamp(name, model.model_json_schema(mode="serialization"))


def generate_enum_schema(name: str, enum_cls: type) -> Dict[str, Any]:
    """The JSON Schema of an enum class, with ``$schema`` and ``$id`` set."""
    return _stamp(name, TypeAdapter(enum_cls).json_schema(mode="serialization"))


def schema_to_json(schema: Dict[str, Any]) -> str:
    """The committed text form: sorted keys, two-space indent, ASCII escapes, final newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _file_for(name: str, directory: Optional[Path]) -> Path:
    return (SCHEMA_DIR if directory is None else directory) / f"{name}{_SUFFIX}"


def write_schema_file(name: str, schema: Dict[str, Any], directory: Optional[Path] = None) -> None:
    """Write one schema file (into ``directory``, default the package) and say so on stdout."""
    path = _file_for(name, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_to_json(schema), encoding="utf-8")
    print(f"Generated {path}")


def generate_all_schemas() -> Dict[str, Dict[str, Any]]:
    """Every schema by name: the models in registry order, then the enums."""
    schemas = {name: generate_schema(name, model) for name, model in PYDANTIC_MODELS}
    schemas.update((name, generate_enum_schema(name, enum)) for name, enum in ENUM_TYPES)
    return schemas


def write_all_schemas(schemas: Dict[str, Dict[str, Any]], directory: Optional[Path] = None) -> None:
    """Write every schema in order.  Files of no generated name are left alone here."""
    for name, schema in schemas.items():
        write_schema_file(name, schema, directory)


def _orphans(names: Sequence[str], directory: Optional[Path]) -> List[Path]:
    """Schema files in the directory that no generated name accounts for, sorted by file name."""
    base = SCHEMA_DIR if directory is None else directory
    expected = {f"{name}{_SUFFIX}" for name in names}
    return sorted(
        (path for path in base.glob(f"*{_SUFFIX}") if path.name not in expected),
        key=lambda path: path.name,
    )


def remove_orphans(names: Sequence[str], directory: Optional[Path] = None) -> List[Path]:
    """Delete schema files left behind by models that no longer exist; return what went."""
    removed = _orphans(names, directory)
    for path in removed:
        path.unlink()
        print(f"Removed orphaned schema {path}")
    return removed


def _drift_report(path: Path, expected: str, actual: str) -> str:
    diff = difflib.unified_diff(
        actual.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{path} (committed)",
        tofile=f"{path} (generated)",
    )
    return "".join(diff)


def _file_drifted(path: Path, expected: str) -> bool:
    """Report a missing or differing file on stderr; True when it does not match."""
    if not path.is_file():
        print(f"ERROR: Missing schema file: {path}", file=sys.stderr)
        return True
    actual = path.read_text(encoding="utf-8")
    if actual == expected:
        return False
    print(f"ERROR: Schema drift detected in {path}", file=sys.stderr)
    sys.stderr.write(_drift_report(path, expected, actual))
    return True


def check_drift(directory: Optional[Path] = None) -> int:
    """Compare the committed files with freshly generated schemas: 0 when equal, else 1.

    Every problem is reported on stderr: a missing file, a unified diff per changed file, and
    each orphaned file.
    """
    schemas = generate_all_schemas()
    drifted = [
        name
        for name, schema in schemas.items()
        if _file_drifted(_file_for(name, directory), schema_to_json(schema))
    ]
    orphans = _orphans(list(schemas), directory)
    for path in orphans:
        print(
            f"Orphaned schema {path.name} (no model generates it; "
            "run without --check to remove it)",
            file=sys.stderr,
        )
    if drifted or orphans:
        print("\nSchema drift detected. Run without --check to regenerate.", file=sys.stderr)
        return 1
    print(f"All {len(schemas)} schemas are up to date.")
    return 0


def _parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m spec_kitty_events.schemas.generate",
        description="Generate the JSON Schema files from the models, or check them for drift.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare the committed files with the models and exit 1 on any difference",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="directory to write or check (default: the installed schemas package)",
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parse_args(argv)
    directory: Optional[Path] = args.output_dir
    if args.check:
        return check_drift(directory)
    schemas = generate_all_schemas()
    write_all_schemas(schemas, directory)
    removed = remove_orphans(list(schemas), directory)
    summary = f"\nSuccessfully generated {len(schemas)} schemas."
    if removed:
        summary += f" Removed {len(removed)} orphaned schema file(s)."
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
