"""benchmarks/answer_pool.py: a run set beside another on the tasks both judged, and where they differ."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from safegen.types import Candidate

from . import load_script

answer_pool = load_script("answer_pool")


def _run(folder: Path, verdicts: dict[str, tuple[bool, bool]]) -> Path:
    folder.mkdir()
    rows = [json.dumps({"key": f"{task}#0", "verdicts": [
        {"judge": "seccodeplt", "protocol": "func", "outcome": "pass" if func else "fail"},
        {"judge": "seccodeplt", "protocol": "sec", "outcome": "pass" if sec else "fail"},
        {"judge": "seccodeplt", "protocol": "func-sec", "outcome": "pass" if func and sec else "fail"},
        {"judge": "bandit", "protocol": "func", "outcome": "pass"}]})  # another judge's verdicts are ignored
        for task, (func, sec) in verdicts.items()]
    (folder / "results.jsonl").write_text("\n".join(rows) + "\n")
    return folder


def test_runs_are_paired_on_the_tasks_both_judged(tmp_path: Path) -> None:
    new = _run(tmp_path / "new", {"s/1": (True, True), "s/2": (True, False), "s/9": (True, True)})
    old = _run(tmp_path / "old", {"s/1": (False, True), "s/2": (True, False), "s/3": (True, True)})
    counts: Counter[str] = Counter()
    lines = answer_pool.paired(new, old, counts)
    assert counts["paired tasks"] == 2  # s/3 and s/9 were judged by one run only
    assert counts["paired func-sec: this run"] == 1 and counts["paired func-sec: the run against it"] == 0
    assert counts["paired func: the run against it"] == 1 and counts["paired sec: this run"] == 1
    assert lines == ["  s/1: old -> new: func fail->pass sec pass->pass"]


def test_a_final_fix_is_traced_to_the_answer_it_descends_from() -> None:
    chain = [Candidate(candidate_id="c0", code="a", origin="answer"),
             Candidate(candidate_id="c2", code="b", origin="answer"),
             Candidate(candidate_id="c5", code="c", origin="repair", parent="c2"),
             Candidate(candidate_id="c7", code="d", origin="exploit-fix", parent="c5")]
    stored = {c.candidate_id: c.to_dict() for c in chain}
    assert answer_pool._answer_id(stored, "c7") == "c2"
    assert answer_pool._answer_id(stored, "c0") == "c0"
