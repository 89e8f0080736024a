"""pytest fixtures for tests placed inside the conformance package."""

from __future__ import annotations

import json
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
    parsed: Dict[str, Any] = json.loads((fixtures_dir / "manifest.json").read_text("utf-8"))
    return parsed


@pytest.fixture
def fixture_cases() -> List[Dict[str, Any]]:
    """Every manifest entry except replay streams, each with its parsed file as ``payload``."""
    return [
        {**entry.as_dict(), "payload": loader.read_fixture(entry)}
        for entry in loader.manifest_entries()
        if not entry.is_replay_stream
    ]
