"""benchmarks/rule_fix_effect.py: the model's fixes read from the record, the rules' fixes made and verified."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from safegen.analyzers.ensemble import Ensemble
from safegen.sandbox.core import Sandbox

from . import load_script

rule_fix_effect = load_script("rule_fix_effect")

TAR = ("import tarfile\n\n\ndef unpack(archive: str, target: str) -> None:\n"
       "    with tarfile.open(archive) as tar:\n        tar.extractall(target)\n")
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"


def _row(task_id: str, final: str, first_findings: list[str]) -> dict[str, object]:
    first = {"candidate_id": "c0", "code": "x = 1\n",
             "verdict": {"findings": [{"rule_id": rule} for rule in first_findings]}}
    final_candidate = {"candidate_id": "c1", "code": final, "verdict": {"findings": []}}
    return {"task_id": task_id, "record": {"candidates": [first, final_candidate], "final": final_candidate,
                                           "task": {"entry_point": None, "tests": []}}}


@pytest.fixture(scope="module")
def tools() -> Iterator[tuple[Ensemble, Sandbox]]:
    with Ensemble.default(warm=True) as ensemble, Sandbox() as sandbox:
        yield ensemble, sandbox


def test_counts_the_models_fixes_and_applies_the_rules_fix(tmp_path: Path, tools: tuple[Ensemble, Sandbox]) -> None:
    rows = [_row("t/1", TAR, ["B202"]), _row("t/2", CLEAN, ["B105", "B106"])]
    text = "\n".join(json.dumps(r) for r in rows) + '\n{"task_id": "t/3", "rec'  # the last line a kill cut short
    (tmp_path / "generations.jsonl").write_text(text)
    ensemble, sandbox = tools
    lines = rule_fix_effect.analyse(tmp_path, {"t/1": {}, "t/2": {}}, [], ensemble, sandbox)
    assert "first answers had 3 in-loop findings; its final answers lost 3 of them" in lines[0]
    assert "2 answers, 1 with in-loop findings" in lines[1]
    assert "the rules changed 1 answers" in lines[1] and "rejected 0 fixes" in lines[1]
    assert "tar-extraction-filter 1" in lines[2]
