"""`reduce`'s text form is YAML that a real YAML parser reads back to the `--format json` value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from spec_kitty_events._render import yaml as render_yaml
from spec_kitty_events.conformance.loader import _FIXTURES_DIR
from tests.cli.helpers import EXAMPLES, jsonl, run, status_payload
from tests.factory import make_record

REPLAY = _FIXTURES_DIR / "dossier" / "replay"


def _both_forms(*args: str) -> List[Any]:
    text = run("reduce", *args)
    as_json = run("reduce", *args, "--format", "json")
    assert text.returncode == as_json.returncode == 0, text.stderr + as_json.stderr
    return [yaml.safe_load(text.stdout), json.loads(as_json.stdout)]


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("dossier", EXAMPLES / "dossier_drift.jsonl"),
        ("status", EXAMPLES / "status_history.jsonl"),
        ("lifecycle", EXAMPLES / "status_history.jsonl"),
        ("mission-next", EXAMPLES / "mission_next_run.jsonl"),
        ("dossier", REPLAY / "dossier_drift_scenario.jsonl"),
    ],
)
def test_the_text_of_every_example_reads_back_as_its_json(kind: str, path: Path) -> None:
    from_yaml, from_json = _both_forms(kind, str(path))
    assert from_yaml == from_json


LANES = ["planned", "claimed", "in_progress", "for_review"]


def _history_done_with_evidence(**evidence_values: str) -> List[Dict[str, Any]]:
    """A work package walked to done, whose done event carries the given evidence strings."""
    wp_id = evidence_values.pop("wp_id")
    walk = [
        make_record(n, "WPStatusChanged", status_payload(wp_id, source, target))
        for n, (source, target) in enumerate(zip([None, *LANES[:-1]], LANES, strict=True), start=1)
    ]
    payload = {
        "feature_slug": "012-payment-retries",
        "wp_id": wp_id,
        "from_lane": "for_review",
        "to_lane": "done",
        "actor": "bob",
        "execution_mode": "worktree",
        "evidence": {
            "repos": [
                {
                    "repo": evidence_values["repo"],
                    "branch": evidence_values["branch"],
                    "commit": evidence_values["commit"],
                }
            ],
            "verification": [
                {
                    "command": evidence_values["command"],
                    "result": "passed",
                    "summary": evidence_values["summary"],
                }
            ],
            "review": {
                "reviewer": evidence_values["reviewer"],
                "verdict": "approved",
                "reference": evidence_values["reference"],
            },
        },
    }
    return [*walk, make_record(len(walk) + 1, "WPStatusChanged", payload)]


def test_strings_that_yaml_would_retype_or_break_read_back_unchanged(tmp_path: Path) -> None:
    # Each value is one the issue found mangled: an all-digit hash, "5", "no", a timestamp, a
    # leading "- ", a multi-line message; the work package id is a key that looks like a number.
    records = _history_done_with_evidence(
        wp_id="007",
        repo="null",
        branch="- main",
        commit="1" * 64,
        command="5",
        summary="first line\nsecond: line # not a comment\n\ttabbed \u2028 end",
        reviewer="no",
        reference="2026-01-15T10:00:00Z",
    )
    log = tmp_path / "tricky.jsonl"
    log.write_bytes(jsonl(records))
    from_yaml, from_json = _both_forms("status", str(log))
    assert from_yaml == from_json
    evidence = from_yaml["wp_states"]["007"]["evidence"]
    assert evidence["repos"][0] == {
        "repo": "null",
        "branch": "- main",
        "commit": "1" * 64,
        "files_touched": None,
    }
    assert evidence["review"]["reviewer"] == "no"
    assert evidence["verification"][0]["summary"].count("\n") == 2


def test_by_namespace_text_reads_back_as_its_json(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(
        (REPLAY / "dossier_happy_path.jsonl").read_bytes()
        + (EXAMPLES / "dossier_drift.jsonl").read_bytes()
    )
    from_yaml, from_json = _both_forms("dossier", "--by-namespace", str(mixed))
    assert from_yaml == from_json
    assert len(from_yaml) == 2


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(["yes", "No", "~", "null", "1e3", "0x1F", "1_000", "- a", "a: b", ":", "?"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_any_json_value_rendered_as_yaml_loads_back_equal(value: Any) -> None:
    assert yaml.safe_load("\n".join(render_yaml(value))) == value


def test_a_key_too_long_for_an_implicit_yaml_key_still_reads_back() -> None:
    value = {"k" * 2000: {"nested": [1, "2"]}, "short": "x" * 3000}
    assert yaml.safe_load("\n".join(render_yaml(value))) == value


def test_floats_without_a_dot_keep_their_type() -> None:
    value = [1e20, -2.5e-7, 0.0, 123456789012345678.0]
    loaded = yaml.safe_load("\n".join(render_yaml(value)))
    assert loaded == value
    assert all(isinstance(item, float) for item in loaded)
