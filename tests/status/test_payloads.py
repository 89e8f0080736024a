"""Evidence models, ForceMetadata and StatusTransitionPayload."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pydantic
import pytest

from spec_kitty_events.status import (
    DoneEvidence,
    ExecutionMode,
    ForceMetadata,
    Lane,
    RepoEvidence,
    ReviewVerdict,
    StatusTransitionPayload,
    VerificationEntry,
)
from tests.status.helpers import EVIDENCE, transition


def errors_of(model: type[pydantic.BaseModel], data: Dict[str, Any]) -> List[Dict[str, Any]]:
    with pytest.raises(pydantic.ValidationError) as info:
        model.model_validate(data)
    return [dict(e) for e in info.value.errors()]


def test_repo_evidence_fields() -> None:
    repo = RepoEvidence(repo="r", branch="b", commit="c")
    assert repo.model_dump() == {"repo": "r", "branch": "b", "commit": "c", "files_touched": None}
    assert RepoEvidence(repo="r", branch="b", commit="c", files_touched=[]).files_touched == []
    for name in ("repo", "branch", "commit"):
        data = {"repo": "r", "branch": "b", "commit": "c", name: ""}
        assert [e["type"] for e in errors_of(RepoEvidence, data)] == ["string_too_short"]
    assert RepoEvidence(repo=" ", branch="b", commit="c").repo == " "


def test_verification_and_review_fields() -> None:
    assert VerificationEntry(command="pytest", result="ok").model_dump() == {
        "command": "pytest",
        "result": "ok",
        "summary": None,
    }
    assert ReviewVerdict(reviewer="a", verdict="whatever").model_dump() == {
        "reviewer": "a",
        "verdict": "whatever",
        "reference": None,
    }
    assert errors_of(VerificationEntry, {"command": "", "result": "ok"})[0]["loc"] == ("command",)
    assert errors_of(ReviewVerdict, {"reviewer": "a", "verdict": ""})[0]["loc"] == ("verdict",)


def test_done_evidence_needs_a_repo_and_a_review() -> None:
    evidence = DoneEvidence.model_validate(EVIDENCE)
    assert evidence.verification[0].command == "pytest"
    bare = DoneEvidence.model_validate({"repos": EVIDENCE["repos"], "review": EVIDENCE["review"]})
    assert bare.verification == []
    too_short = errors_of(DoneEvidence, {**EVIDENCE, "repos": []})
    assert [(e["type"], e["loc"]) for e in too_short] == [("too_short", ("repos",))]
    assert errors_of(DoneEvidence, {"repos": EVIDENCE["repos"]})[0]["type"] == "missing"


def test_evidence_models_ignore_extra_keys_and_are_frozen() -> None:
    repo = RepoEvidence.model_validate({"repo": "r", "branch": "b", "commit": "c", "x": 1})
    assert "x" not in repo.model_dump()
    with pytest.raises(pydantic.ValidationError):
        repo.repo = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(RepoEvidence(repo="r", branch="b", commit="c", files_touched=["a"]))


def test_force_metadata() -> None:
    meta = ForceMetadata(actor="a", reason="because")
    assert meta.model_dump() == {"force": True, "actor": "a", "reason": "because"}
    assert ForceMetadata.model_validate({"force": 1, "actor": "a", "reason": "r"}).force is True
    for bad in (False, "true", "True"):
        data = {"force": bad, "actor": "a", "reason": "r"}
        assert errors_of(ForceMetadata, data)[0]["type"] == "literal_error"
    assert errors_of(ForceMetadata, {"actor": "a", "reason": ""})[0]["loc"] == ("reason",)


PAYLOAD_FIELDS = [
    "feature_slug",
    "wp_id",
    "from_lane",
    "to_lane",
    "actor",
    "force",
    "reason",
    "execution_mode",
    "review_ref",
    "evidence",
]


def test_payload_field_order_and_defaults() -> None:
    payload = StatusTransitionPayload.model_validate(transition("WP01", None, "planned"))
    assert list(payload.model_dump()) == PAYLOAD_FIELDS
    assert payload.from_lane is None
    assert payload.to_lane is Lane.PLANNED
    assert payload.force is False
    assert payload.reason is None
    assert payload.review_ref is None
    assert payload.evidence is None
    assert payload.execution_mode is ExecutionMode.WORKTREE


def test_payload_dump_modes() -> None:
    payload = StatusTransitionPayload.model_validate(transition("WP01", "doing", "done"))
    assert payload.model_dump()["from_lane"] is Lane.IN_PROGRESS
    as_json = payload.model_dump(mode="json")
    assert as_json["from_lane"] == "in_progress"
    assert as_json["to_lane"] == "done"
    assert as_json["execution_mode"] == "worktree"
    assert StatusTransitionPayload.model_validate_json(payload.model_dump_json()) == payload


@pytest.mark.parametrize("field", ["from_lane", "to_lane"])
def test_alias_is_accepted_for_either_lane(field: str) -> None:
    data = {**transition("WP01", "planned", "claimed"), field: "doing"}
    assert getattr(StatusTransitionPayload.model_validate(data), field) is Lane.IN_PROGRESS
    keyword = StatusTransitionPayload(**data)
    assert getattr(keyword, field) is Lane.IN_PROGRESS
    from_json = StatusTransitionPayload.model_validate_json(json.dumps(data))
    assert getattr(from_json, field) is Lane.IN_PROGRESS


@pytest.mark.parametrize("bad", ["PLANNED", "in_review", 3])
def test_unknown_lane_fails_with_enum_error(bad: object) -> None:
    data = {**transition("WP01", "planned", "claimed"), "to_lane": bad}
    errors = errors_of(StatusTransitionPayload, data)
    assert [(e["type"], e["loc"]) for e in errors] == [("enum", ("to_lane",))]


def test_lax_bool_force() -> None:
    for raw in (1, "true", "yes", "on"):
        data = transition("WP01", "planned", "claimed", force=raw, reason="r")
        assert StatusTransitionPayload.model_validate(data).force is True


def test_str_fields_do_not_coerce() -> None:
    errors = errors_of(StatusTransitionPayload, transition("WP01", None, "planned", actor=5))
    assert [(e["type"], e["loc"]) for e in errors] == [("string_type", ("actor",))]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_force_requires_a_reason(reason: object) -> None:
    data = transition("WP01", "done", "planned", force=True, reason=reason)
    [error] = errors_of(StatusTransitionPayload, data)
    assert error["type"] == "value_error"
    assert error["loc"] == ()
    assert error["msg"] == "Value error, force=True requires a non-empty reason"


def test_done_requires_evidence_even_when_forced() -> None:
    data = transition("WP01", "planned", "done", force=True, reason="r")
    del data["evidence"]
    [error] = errors_of(StatusTransitionPayload, data)
    assert (error["loc"], error["msg"]) == ((), "Value error, to_lane='done' requires evidence")


def test_force_rule_is_reported_before_the_evidence_rule() -> None:
    data = transition("WP01", "for_review", "done", force=True)
    del data["evidence"]
    [error] = errors_of(StatusTransitionPayload, data)
    assert error["msg"] == "Value error, force=True requires a non-empty reason"


def test_not_enforced_at_model_level() -> None:
    # Illegal pair, blank reason, empty review_ref and evidence on a non-done move all pass.
    data = transition("WP01", "done", "claimed", reason=" ", review_ref="", evidence=EVIDENCE)
    payload = StatusTransitionPayload.model_validate(data)
    assert payload.evidence is not None
    assert payload.review_ref == ""


def test_payload_ignores_extra_keys_and_is_frozen() -> None:
    payload = StatusTransitionPayload.model_validate({**transition("W", None, "planned"), "x": 1})
    assert "x" not in payload.model_dump()
    with pytest.raises(pydantic.ValidationError):
        payload.wp_id = "other"  # type: ignore[misc]


def test_payload_schema_required_fields() -> None:
    schema = StatusTransitionPayload.model_json_schema(mode="serialization")
    assert schema["required"] == ["feature_slug", "wp_id", "to_lane", "actor", "execution_mode"]
    assert schema["$defs"]["Lane"]["enum"] == [lane.value for lane in Lane]
    assert sorted(schema["$defs"]) == [
        "DoneEvidence",
        "ExecutionMode",
        "Lane",
        "RepoEvidence",
        "ReviewVerdict",
        "VerificationEntry",
    ]
