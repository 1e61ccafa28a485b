"""benchmarks/stage_effect.py: the lineage it pairs stages by."""

from __future__ import annotations

from . import load_script

stage_effect = load_script("stage_effect")


def _candidate(ident: str, origin: str, parent: str | None, code: str | None = "x = 1") -> dict[str, object]:
    return {"candidate_id": ident, "origin": origin, "parent": parent, "code": code}


def test_lineage_follows_parents_from_the_final_answer_back_to_its_root() -> None:
    record = {"candidates": [_candidate("c0", "sample", None), _candidate("c1", "plain", None),
                             _candidate("c2", "repair-static", "c1"), _candidate("c3", "rule-fix", "c2"),
                             _candidate("c4", "repair-fuzz", "c0")],
              "final": {"candidate_id": "c3"}}
    assert [c["candidate_id"] for c in stage_effect.lineage(record)] == ["c1", "c2", "c3"]
    assert stage_effect.first_answer(record)["candidate_id"] == "c0"


def test_lineage_survives_a_cycle_and_a_missing_final() -> None:
    looped = {"candidates": [_candidate("c0", "sample", "c1"), _candidate("c1", "repair-static", "c0")],
              "final": {"candidate_id": "c1"}}
    assert [c["candidate_id"] for c in stage_effect.lineage(looped)] == ["c0", "c1"]
    assert stage_effect.lineage({"candidates": [], "final": None}) == []
    assert stage_effect.first_answer({"candidates": [_candidate("c0", "sample", None, code=None)]}) is None
