"""The bundled fixture corpus: the manifest, regular cases by category, and replay streams.

``fixtures/manifest.json`` lists every fixture with its id, path (whose first segment is the
category), event type and expected verdict.  The manifest is parsed and checked once per change
of the file, and every problem in it is reported with the entry that has it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from spec_kitty_events._families import fixture_categories

__all__ = [
    "FixtureCase",
    "HashVector",
    "ManifestEntry",
    "ManifestError",
    "load_fixtures",
    "load_hash_vectors",
    "load_replay_stream",
    "manifest_entries",
    "read_fixture",
]

_FIXTURES_DIR = Path(__file__).parent / "fixtures"
_MANIFEST_PATH = _FIXTURES_DIR / "manifest.json"
_VALID_CATEGORIES = frozenset(fixture_categories())
_REPLAY_STREAM_TYPE = "replay_stream"
_REDUCER_OUTPUT_TYPE = "reducer_output"
_SPECIAL_FIXTURE_TYPES = frozenset({_REPLAY_STREAM_TYPE, _REDUCER_OUTPUT_TYPE})
# Snapshot-hash test vectors live beside the fixtures, not in the manifest, so the manifest
# keeps exactly its 68 published entries.
_VECTORS_DIR = Path(__file__).parent / "vectors" / "dossier_snapshot_hash"
_HASH_VECTOR_KEYS = ("id", "state", "projection", "snapshot_hash")
_REQUIRED_KEYS = ("id", "path", "expected_result", "event_type", "notes", "min_version")
_EXPECTED_RESULTS = ("valid", "invalid")


class ManifestError(ValueError):
    """The fixture manifest is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class ManifestEntry:
    """One checked manifest entry."""

    id: str
    path: str
    expected_result: str
    event_type: str
    notes: str
    min_version: str
    fixture_type: Optional[str] = None

    @property
    def category(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def is_replay_stream(self) -> bool:
        """A JSONL stream of envelopes (:func:`load_replay_stream`), not a single payload."""
        return self.fixture_type == _REPLAY_STREAM_TYPE

    def as_dict(self) -> Dict[str, Any]:
        """The entry as the manifest spells it (``fixture_type`` only when present)."""
        entry: Dict[str, Any] = {key: getattr(self, key) for key in _REQUIRED_KEYS}
        if self.fixture_type is not None:
            entry["fixture_type"] = self.fixture_type
        return entry


@dataclass(frozen=True)
class FixtureCase:
    """A regular fixture: its payload and the verdict it must get."""

    id: str
    payload: Any
    expected_valid: bool
    event_type: str
    notes: str
    min_version: str


@dataclass(frozen=True)
class HashVector:
    """A dossier snapshot-hash test vector: a reducer output state, its projection and hash."""

    id: str
    state: Dict[str, Any]
    projection: Any
    snapshot_hash: str
    notes: str


# -- reading files with errors that say where -----------------------------------------------


def _read_json(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise json.JSONDecodeError(f"{path}: {exc.msg}", exc.doc, exc.pos) from None


def _read_jsonl(path: Path) -> List[Any]:
    """Parse one JSON value per non-blank line; a bad line is reported with its file line."""
    text = path.read_text(encoding="utf-8")
    values: List[Any] = []
    offset = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if line:
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError as exc:
                # Positions are re-based on the whole file so that lineno/colno name the file line.
                start = offset + (len(raw) - len(raw.lstrip()))
                raise json.JSONDecodeError(f"{path}: {exc.msg}", text, start + exc.pos) from None
        offset += len(raw) + 1
    return values


# -- the manifest ---------------------------------------------------------------------------


def _entry_problem(raw: Any) -> Optional[str]:
    if not isinstance(raw, dict):
        return f"entry must be an object, got {type(raw).__name__}"
    for key in _REQUIRED_KEYS:
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            return f"key {key!r} must be a non-empty string, got {value!r}"
    if raw["expected_result"] not in _EXPECTED_RESULTS:
        return f"expected_result must be 'valid' or 'invalid', got {raw['expected_result']!r}"
    path = raw["path"]
    if path.startswith("/") or "\\" in path or ".." in path.split("/") or "/" not in path:
        return f"path must be relative, as <category>/..., got {path!r}"
    return None


def _check_fixture_type(raw: Dict[str, Any]) -> Optional[str]:
    fixture_type = raw.get("fixture_type")
    if fixture_type is not None and fixture_type not in _SPECIAL_FIXTURE_TYPES:
        raise ManifestError(
            f"Unknown fixture_type {fixture_type!r} in manifest entry {raw.get('id') or '?'!r}. "
            f"Known types: {sorted(_SPECIAL_FIXTURE_TYPES)}"
        )
    return fixture_type if isinstance(fixture_type, str) else None


def _parse_entry(raw: Any, index: int, source: Path) -> ManifestEntry:
    problem = _entry_problem(raw)
    if problem is not None:
        label = raw.get("id", "?") if isinstance(raw, dict) else "?"
        raise ManifestError(f"{source}: fixtures[{index}] ({label!r}): {problem}")
    return ManifestEntry(
        **{key: raw[key] for key in _REQUIRED_KEYS}, fixture_type=_check_fixture_type(raw)
    )


def _parse_manifest(raw: Any, source: Path) -> Tuple[ManifestEntry, ...]:
    fixtures = raw.get("fixtures") if isinstance(raw, dict) else None
    if not isinstance(fixtures, list):
        raise ManifestError(f"{source}: expected an object with a 'fixtures' array")
    entries = tuple(_parse_entry(item, index, source) for index, item in enumerate(fixtures))
    seen: Dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry.id in seen:
            raise ManifestError(
                f"{source}: fixtures[{index}] repeats id {entry.id!r} of fixtures[{seen[entry.id]}]"
            )
        seen[entry.id] = index
    return entries


_ManifestKey = Tuple[str, int, int]
_manifest_cache: Dict[str, Tuple[_ManifestKey, Tuple[ManifestEntry, ...]]] = {}


def manifest_entries() -> Tuple[ManifestEntry, ...]:
    """Every manifest entry, in manifest order, checked once per change of the file."""
    path = _MANIFEST_PATH
    stat = os.stat(path)
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _manifest_cache.get(key[0])
    if cached is not None and cached[0] == key:
        return cached[1]
    entries = _parse_manifest(_read_json(path), path)
    _manifest_cache[key[0]] = (key, entries)
    return entries


def read_fixture(entry: ManifestEntry) -> Any:
    """The parsed content of a regular or reducer-output fixture file."""
    path = _FIXTURES_DIR / entry.path
    if not path.is_file():
        raise FileNotFoundError(f"Fixture file referenced in manifest does not exist: {path}")
    return _read_json(path)


# -- public loaders -------------------------------------------------------------------------


def load_fixtures(category: str) -> List[FixtureCase]:
    """The regular cases of one category, in manifest order (streams and snapshots excluded)."""
    if not isinstance(category, str) or category not in _VALID_CATEGORIES:
        raise ValueError(
            f"Unknown fixture category: {category!r}. Valid categories: {sorted(_VALID_CATEGORIES)}"
        )
    return [
        FixtureCase(
            id=entry.id,
            payload=read_fixture(entry),
            expected_valid=entry.expected_result == "valid",
            event_type=entry.event_type,
            notes=entry.notes,
            min_version=entry.min_version,
        )
        for entry in manifest_entries()
        if entry.category == category and entry.fixture_type is None
    ]


def load_replay_stream(fixture_id: str) -> List[Dict[str, Any]]:
    """The raw envelopes of a ``replay_stream`` fixture, in file order, not validated."""
    entry = next((e for e in manifest_entries() if e.id == fixture_id), None)
    if entry is None:
        raise ValueError(f"Replay stream fixture not found in manifest: {fixture_id!r}")
    if entry.fixture_type != _REPLAY_STREAM_TYPE:
        raise ValueError(
            f"Fixture {entry.id!r} is not a replay_stream (fixture_type={entry.fixture_type!r}). "
            "Use load_fixtures() for regular fixture cases."
        )
    path = _FIXTURES_DIR / entry.path
    if not path.is_file():
        raise FileNotFoundError(f"Replay stream file referenced in manifest does not exist: {path}")
    return _read_jsonl(path)


def _hash_vector(path: Path) -> HashVector:
    raw = _read_json(path)
    missing = [key for key in _HASH_VECTOR_KEYS if not isinstance(raw, dict) or key not in raw]
    if missing:
        raise ValueError(f"Hash vector file {path} lacks {', '.join(missing)}")
    return HashVector(
        raw["id"], raw["state"], raw["projection"], raw["snapshot_hash"], raw.get("notes", "")
    )


def load_hash_vectors() -> List[HashVector]:
    """The dossier snapshot-hash test vectors, in file-name order.

    Each file holds ``id``, ``notes``, a ``MissionDossierState`` in its JSON form (``state``),
    its ``projection`` and its ``snapshot_hash``.  Only the keys are checked here; the state is
    not validated, so a consumer in any language can read the same files.
    """
    return [_hash_vector(path) for path in sorted(_VECTORS_DIR.glob("*.json"))]
