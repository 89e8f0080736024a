"""pytest fixtures for tests placed inside the conformance package."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest

from spec_kitty_events.conformance import loader


@pytest.fixture
def fixtures_dir() -> Path:
    """The bundled ``fixtures`` directory."""
    return Path(__file__).parent / "fixtures"


@pytest.fixture
def manifest(fixtures_dir: Path) -> Dict[str, Any]:
    """The parsed ``manifest.json``."""
    parsed: Dict[str, Any] = loader._read_json(fixtures_dir / "manifest.json")
    return parsed


@pytest.fixture
def fixture_cases() -> List[Dict[str, Any]]:
    """Every manifest entry except replay streams, each with its parsed file as ``payload``."""
    return [
        {**entry.as_dict(), "payload": loader.read_fixture(entry)}
        for entry in loader.manifest_entries()
        if entry.fixture_type != loader._REPLAY_STREAM_TYPE
    ]
