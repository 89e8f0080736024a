"""The committed JSON Schema files of every event contract, and loaders for them.

Each ``<name>.schema.json`` file is generated from a Pydantic model by
``python -m spec_kitty_events.schemas.generate``; ``--check`` reports drift between the models
and the files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

__all__ = ["list_schemas", "load_schema", "schema_path"]

_SCHEMA_DIR = Path(__file__).parent
_SUFFIX = ".schema.json"


def _is_bare_name(name: str) -> bool:
    # A name that could step out of the schema directory is never a schema, even when the file it
    # would reach happens to exist.
    return bool(name) and "/" not in name and "\\" not in name and ".." not in name


def _not_found(name: str) -> FileNotFoundError:
    return FileNotFoundError(f"No schema found for '{name}'. Available: {list_schemas()}")


def schema_path(name: str) -> Path:
    """Path of the committed schema file ``<name>.schema.json``.

    Raises ``FileNotFoundError`` when there is no such schema, including for names that contain
    a path separator or ``..``.
    """
    if not _is_bare_name(name):
        raise _not_found(name)
    path = _SCHEMA_DIR / f"{name}{_SUFFIX}"
    if not path.is_file():
        raise _not_found(name)
    return path


def load_schema(name: str) -> Dict[str, Any]:
    """The parsed schema ``name``: a new dict on every call, so callers may change it."""
    loaded: Dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return loaded


def list_schemas() -> List[str]:
    """Names of every committed schema, sorted."""
    return sorted(path.name[: -len(_SUFFIX)] for path in _SCHEMA_DIR.glob(f"*{_SUFFIX}"))
