"""The consumer suite (``pytest --pyargs spec_kitty_events.conformance``) and its fixtures."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any, Dict

import pytest

from spec_kitty_events.conformance import loader
from spec_kitty_events.conformance import test_pyargs_entrypoint as suite
from spec_kitty_events.conformance.loader import ManifestEntry, manifest_entries
from spec_kitty_events.schemas import list_schemas

pytest_plugins = ["pytester"]


def test_the_suite_passes_and_leaves_out_streams_and_snapshots(pytester: pytest.Pytester) -> None:
    entries = manifest_entries()
    regular = [e for e in entries if e.fixture_type is None]
    streams = [e for e in entries if e.fixture_type == "replay_stream"]
    expected = len(regular) + len(streams) + 1 + 1 + 7 + 1 + len(list_schemas()) + 1
    outcome = pytester.runpytest_inprocess(
        "--pyargs", "spec_kitty_events.conformance", "-p", "no:cacheprovider", "-q"
    )
    outcome.assert_outcomes(passed=expected)


def test_package_conftest_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        pytest_plugins = ["spec_kitty_events.conformance.conftest"]

        def test_fixtures(fixtures_dir, manifest, fixture_cases):
            assert (fixtures_dir / "manifest.json").is_file()
            assert manifest["version"] == "2.0.0"
            types = {case.get("fixture_type") for case in fixture_cases}
            assert "replay_stream" not in types
            ids = {entry["id"] for entry in manifest["fixtures"]}
            assert {case["id"] for case in fixture_cases} <= ids
            assert all("payload" in case for case in fixture_cases)
        """
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(loader, "_FIXTURES_DIR", tmp_path)
    return tmp_path


def _entry(path: str, expected: str, event_type: str = "WPStatusChanged") -> ManifestEntry:
    return ManifestEntry("case", path, expected, event_type, "notes", "2.0.0")


def test_a_valid_fixture_failing_the_model_fails_with_its_violations(corpus: Path) -> None:
    (corpus / "x").mkdir()
    (corpus / "x" / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"fixture case\) failed model conformance"):
        suite.test_fixture_conformance(_entry("x/bad.json", "valid"))


def test_an_invalid_fixture_that_passes_fails(corpus: Path) -> None:
    (corpus / "x").mkdir()
    good = {
        "feature_slug": "f",
        "wp_id": "WP01",
        "to_lane": "claimed",
        "actor": "a",
        "execution_mode": "worktree",
    }
    (corpus / "x" / "good.json").write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(AssertionError, match="was expected to fail"):
        suite.test_fixture_conformance(_entry("x/good.json", "invalid"))


def test_an_invalid_lane_fixture_of_real_lanes_fails(corpus: Path) -> None:
    (corpus / "x").mkdir()
    (corpus / "x" / "lanes.json").write_text('[{"canonical": "done"}]', encoding="utf-8")
    with pytest.raises(AssertionError, match="lists only valid lanes"):
        suite.test_lane_mapping_fixture_conformance(_entry("x/lanes.json", "invalid"))


_DRAFT = "https://json-schema.org/draft/2020-12/schema"
# Right ids, but "type" must be a string or a list: only a JSON Schema validator notices.
_MALFORMED = {"$schema": _DRAFT, "$id": "spec-kitty-events/event", "type": 12}


def _serve_schema(monkeypatch: pytest.MonkeyPatch, schema: Dict[str, Any]) -> None:
    monkeypatch.setattr(suite, "load_schema", lambda name: schema)


def test_schema_check_without_jsonschema_checks_the_ids_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "jsonschema":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    suite.test_schema_is_valid_json_schema("event")
    _serve_schema(monkeypatch, _MALFORMED)
    suite.test_schema_is_valid_json_schema("event")
    _serve_schema(monkeypatch, {**_MALFORMED, "$id": "spec-kitty-events/other"})
    with pytest.raises(AssertionError):
        suite.test_schema_is_valid_json_schema("event")
    _serve_schema(monkeypatch, {**_MALFORMED, "$schema": "http://json-schema.org/draft-07/schema#"})
    with pytest.raises(AssertionError):
        suite.test_schema_is_valid_json_schema("event")


def test_schema_check_with_jsonschema_rejects_a_malformed_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jsonschema.exceptions import SchemaError

    _serve_schema(monkeypatch, _MALFORMED)
    with pytest.raises(SchemaError, match="is not valid under any of the given schemas"):
        suite.test_schema_is_valid_json_schema("event")
