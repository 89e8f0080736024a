"""Fixture loading: categories, replay streams, and the errors a broken manifest gives."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from spec_kitty_events.conformance import FixtureCase, load_fixtures, load_replay_stream, loader


def test_valid_categories_are_the_seven_of_the_contract() -> None:
    assert (
        frozenset(
            {
                "events",
                "lane_mapping",
                "edge_cases",
                "collaboration",
                "glossary",
                "mission_next",
                "dossier",
            }
        )
        == loader._VALID_CATEGORIES
    )
    assert frozenset({"replay_stream", "reducer_output"}) == loader._SPECIAL_FIXTURE_TYPES
    assert loader._MANIFEST_PATH == loader._FIXTURES_DIR / "manifest.json"
    assert isinstance(loader._FIXTURES_DIR, Path)


@pytest.mark.parametrize("category", ["Events", "replay", "", "events/"])
def test_unknown_category(category: str) -> None:
    with pytest.raises(ValueError, match="Unknown fixture category") as caught:
        load_fixtures(category)
    assert str(caught.value) == (
        f"Unknown fixture category: {category!r}. Valid categories: "
        "['collaboration', 'dossier', 'edge_cases', 'events', 'glossary', 'lane_mapping', "
        "'mission_next']"
    )


def test_unhashable_category_is_an_unknown_category() -> None:
    with pytest.raises(ValueError, match="Unknown fixture category"):
        load_fixtures(["events"])  # type: ignore[arg-type]


def test_fixture_cases_are_frozen_and_fresh() -> None:
    first = load_fixtures("events")[0]
    assert isinstance(first, FixtureCase)
    with pytest.raises(AttributeError):
        first.id = "x"  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(FixtureCase)] == [
        "id",
        "payload",
        "expected_valid",
        "event_type",
        "notes",
        "min_version",
    ]
    first.payload["mutated"] = True
    assert "mutated" not in load_fixtures("events")[0].payload


def test_replay_stream_errors_for_unknown_and_regular_ids() -> None:
    with pytest.raises(ValueError, match="not found in manifest") as caught:
        load_replay_stream("no-such-stream")
    assert str(caught.value) == "Replay stream fixture not found in manifest: 'no-such-stream'"
    with pytest.raises(ValueError, match="is not a replay_stream") as caught:
        load_replay_stream("event-valid")
    assert str(caught.value) == (
        "Fixture 'event-valid' is not a replay_stream (fixture_type=None). "
        "Use load_fixtures() for regular fixture cases."
    )


# -- a manifest of our own ------------------------------------------------------------------


def _entry(fixture_id: str, path: str, **extra: Any) -> Dict[str, Any]:
    entry = {
        "id": fixture_id,
        "path": path,
        "expected_result": "valid",
        "event_type": "Event",
        "notes": "test entry",
        "min_version": "2.0.0",
    }
    entry.update(extra)
    return entry


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(loader, "_FIXTURES_DIR", tmp_path)
    monkeypatch.setattr(loader, "_MANIFEST_PATH", tmp_path / "manifest.json")
    return tmp_path


def _write_manifest(root: Path, entries: List[Any]) -> None:
    text = json.dumps({"version": "2.0.0", "fixtures": entries})
    (root / "manifest.json").write_text(text, encoding="utf-8")


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_load_fixtures_filters_by_category_and_skips_streams(corpus: Path) -> None:
    _write(corpus, "events/valid/a.json", '{"a": 1}')
    _write(corpus, "glossary/valid/b.json", '{"b": 2}')
    _write_manifest(
        corpus,
        [
            _entry("a", "events/valid/a.json"),
            _entry("s", "events/replay/s.jsonl", fixture_type="replay_stream"),
            _entry("r", "events/replay/r.json", fixture_type="reducer_output"),
            _entry("b", "glossary/valid/b.json", expected_result="invalid"),
        ],
    )
    (case,) = load_fixtures("events")
    assert case == FixtureCase("a", {"a": 1}, True, "Event", "test entry", "2.0.0")
    assert load_fixtures("glossary")[0].expected_valid is False
    assert load_fixtures("dossier") == []


def test_missing_fixture_file(corpus: Path) -> None:
    _write_manifest(corpus, [_entry("a", "events/valid/a.json")])
    with pytest.raises(FileNotFoundError) as caught:
        load_fixtures("events")
    assert str(caught.value) == (
        f"Fixture file referenced in manifest does not exist: {corpus / 'events/valid/a.json'}"
    )


def test_missing_manifest(corpus: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_fixtures("events")


def test_malformed_json_names_the_file(corpus: Path) -> None:
    _write(corpus, "manifest.json", '{"version": "2.0.0",\n "fixtures": [}')
    with pytest.raises(json.JSONDecodeError) as caught:
        load_fixtures("events")
    assert str(corpus / "manifest.json") in str(caught.value)
    assert caught.value.lineno == 2
    _write_manifest(corpus, [_entry("a", "events/valid/a.json")])
    _write(corpus, "events/valid/a.json", "{oops")
    with pytest.raises(json.JSONDecodeError, match=r"a\.json"):
        load_fixtures("events")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([_entry("a", "events/a.json", notes=None)], r"fixtures\[0\] \('a'\): key 'notes'"),
        (
            [{k: v for k, v in _entry("a", "events/a.json").items() if k != "min_version"}],
            "key 'min_version' must be a non-empty string",
        ),
        ([_entry("a", "events/a.json", expected_result="Valid")], "expected_result must be"),
        ([_entry("a", "/abs/a.json")], "path must be relative"),
        ([_entry("a", "events/../../a.json")], "path must be relative"),
        ([_entry("a", "a.json")], "path must be relative"),
        (["not an object"], r"fixtures\[0\] \('\?'\): entry must be an object, got str"),
        (
            [_entry("a", "events/a.json"), _entry("a", "events/b.json")],
            r"fixtures\[1\] repeats id 'a' of fixtures\[0\]",
        ),
    ],
)
def test_manifest_problems_are_named(corpus: Path, entries: List[Any], message: str) -> None:
    _write_manifest(corpus, entries)
    with pytest.raises(loader.ManifestError, match=message) as caught:
        load_fixtures("events")
    assert str(corpus / "manifest.json") in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_manifest_without_fixture_array(corpus: Path) -> None:
    _write(corpus, "manifest.json", '{"version": "2.0.0"}')
    with pytest.raises(loader.ManifestError, match="'fixtures' array"):
        load_fixtures("events")


def test_unknown_fixture_type_message_names_the_entry_and_the_known_types(corpus: Path) -> None:
    _write_manifest(corpus, [_entry("odd", "glossary/x.json", fixture_type="snapshot")])
    with pytest.raises(ValueError, match="Unknown fixture_type") as caught:
        load_fixtures("events")
    assert str(caught.value) == (
        "Unknown fixture_type 'snapshot' in manifest entry 'odd'. "
        "Known types: ['reducer_output', 'replay_stream']"
    )


def test_manifest_is_parsed_once_per_change(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(corpus, "events/valid/a.json", "{}")
    _write_manifest(corpus, [_entry("a", "events/valid/a.json")])
    first = loader.manifest_entries()
    assert loader.manifest_entries() is first
    _write_manifest(corpus, [_entry("a", "events/valid/a.json"), _entry("b", "events/b.json")])
    assert [e.id for e in loader.manifest_entries()] == ["a", "b"]


def test_replay_streams(corpus: Path) -> None:
    _write(corpus, "events/replay/s.jsonl", '{"n": 1}\n\n   \n  {"n": 2}  \n')
    _write_manifest(
        corpus,
        [
            _entry("s", "events/replay/s.jsonl", fixture_type="replay_stream"),
            _entry("r", "events/replay/r.json", fixture_type="reducer_output"),
            _entry("gone", "events/replay/gone.jsonl", fixture_type="replay_stream"),
        ],
    )
    assert load_replay_stream("s") == [{"n": 1}, {"n": 2}]
    with pytest.raises(ValueError, match=r"fixture_type='reducer_output'"):
        load_replay_stream("r")
    with pytest.raises(FileNotFoundError) as caught:
        load_replay_stream("gone")
    assert str(caught.value) == (
        "Replay stream file referenced in manifest does not exist: "
        f"{corpus / 'events/replay/gone.jsonl'}"
    )


def test_a_bad_jsonl_line_is_named_by_file_and_line(corpus: Path) -> None:
    _write(corpus, "events/replay/s.jsonl", '{"n": 1}\n\n  {"n": 2,, }\n{"n": 3}\n')
    _write_manifest(corpus, [_entry("s", "events/replay/s.jsonl", fixture_type="replay_stream")])
    with pytest.raises(json.JSONDecodeError) as caught:
        load_replay_stream("s")
    assert caught.value.lineno == 3
    assert caught.value.colno == 11
    assert str(corpus / "events/replay/s.jsonl") in str(caught.value)
    assert "line 3 column 11" in str(caught.value)


def test_manifest_entry_round_trips_to_the_manifest_spelling() -> None:
    entry = loader.ManifestEntry("a", "events/a.json", "valid", "Event", "n", "2.0.0")
    assert entry.as_dict() == _entry("a", "events/a.json", notes="n")
    assert entry.category == "events"
    stream = dataclasses.replace(entry, fixture_type="replay_stream")
    assert stream.as_dict()["fixture_type"] == "replay_stream"
