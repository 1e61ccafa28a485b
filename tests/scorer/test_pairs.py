"""Pair sources: synthetic templates, the corpus directory, and repair pairs from run records."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from safegen.errors import InputError
from safegen.scorer.pairs import (
    changed_lines,
    is_held_out,
    load_corpus_pairs,
    pairs_from_runs,
)
from safegen.scorer.synth import TEMPLATES, generate_benign, generate_pairs
from safegen.types import (
    Candidate,
    Finding,
    RepairRound,
    RunRecord,
    Severity,
    Task,
    Verdict,
    VerdictStatus,
)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_every_template_gives_parsable_distinct_labelled_pairs() -> None:
    pairs = list(generate_pairs(per_template=3, seed=7))
    assert len(pairs) == 3 * len(TEMPLATES)
    for pair in pairs:
        ast.parse(pair.vulnerable)
        ast.parse(pair.fixed)
        assert pair.vulnerable != pair.fixed
        assert pair.vulnerable_lines(), f"{pair.name} has no vulnerable line to label"
        assert pair.cwe is not None


def test_synthesis_is_deterministic_and_varied() -> None:
    first = [p.vulnerable for p in generate_pairs(per_template=4, seed=3)]
    again = [p.vulnerable for p in generate_pairs(per_template=4, seed=3)]
    other = [p.vulnerable for p in generate_pairs(per_template=4, seed=4)]
    assert first == again
    assert first != other
    assert len(set(first)) == len(first)


def test_benign_code_parses() -> None:
    for code in generate_benign(20):
        ast.parse(code)


def test_changed_lines_mark_the_vulnerable_side() -> None:
    vuln = "import os\n\ndef f(h):\n    os.system('ping ' + h)\n    return 1\n"
    fixed = "import subprocess\n\ndef f(h):\n    subprocess.run(['ping', h])\n    return 1\n"
    assert changed_lines(vuln, fixed) == {1, 4}
    assert changed_lines(vuln, vuln) == set()


def test_held_out_split_is_stable() -> None:
    """The split is a fixed function of the name: a change to it would put held-out cases in training."""
    names = [f"corpus/case{i}" for i in range(20)]
    assert [n[len("corpus/case"):] for n in names if is_held_out(n)] == \
        ["0", "1", "2", "4", "5", "8", "9", "12", "16", "18", "19"]
    assert [n[len("corpus/case"):] for n in names if is_held_out(n, 0.2)] == ["1", "4", "5", "12"]
    assert sum(is_held_out(f"corpus/case{i}") for i in range(200)) == 94  # about half


def test_corpus_layouts(tmp_path: Path) -> None:
    (tmp_path / "sqli").mkdir()
    (tmp_path / "sqli" / "vulnerable.py").write_text("q = 'a' + x\n")
    (tmp_path / "sqli" / "fixed.py").write_text("q = ('a', x)\n")
    (tmp_path / "cmd_vuln.py").write_text("os.system(c)\n")
    (tmp_path / "cmd_fixed.py").write_text("subprocess.run([c])\n")
    (tmp_path / "lonely").mkdir()
    (tmp_path / "lonely" / "vulnerable.py").write_text("eval(x)\n")
    (tmp_path / "manifest.json").write_text(json.dumps({"pairs": [
        {"id": "sqli", "cwe": "CWE-89", "vulnerable": "sqli/vulnerable.py", "fixed": "sqli/fixed.py"},
        {"id": "broken", "vulnerable": "missing.py", "fixed": "gone.py"},
        "not a row",
    ]}))
    (tmp_path / "bad.json").write_text("{not json")
    pairs = {p.name: p for p in load_corpus_pairs(tmp_path)}
    assert set(pairs) == {"corpus/sqli", "corpus/cmd"}
    assert pairs["corpus/sqli"].cwe == 89
    assert load_corpus_pairs(tmp_path / "absent") == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_real_corpus_has_pairs_with_cwes() -> None:
    pairs = load_corpus_pairs(CORPUS)
    assert len(pairs) >= 40
    assert all(p.cwe for p in pairs)


def _verdict(status: VerdictStatus) -> Verdict:
    findings = (Finding("bandit", "B602", 78, Severity.HIGH, 3, "shell=True"),) \
        if status is VerdictStatus.VULNERABLE else ()
    return Verdict(status, findings, analyzers=("bandit",))


def _record(task_id: str) -> RunRecord:
    vuln = Candidate("c0", "import os\nos.system('ls ' + d)\n", "sample", verdict=_verdict(VerdictStatus.VULNERABLE))
    fixed = Candidate("c1", "import subprocess\nsubprocess.run(['ls', d])\n", "repair", round=1,
                      parent="c0", verdict=_verdict(VerdictStatus.SECURE))
    rejected = Candidate("c2", "pass\n", "repair", round=1, parent="c0",
                         verdict=_verdict(VerdictStatus.SECURE))
    unknown = Candidate("c3", "x = 1\n", "repair", round=2, parent="c0",
                        verdict=_verdict(VerdictStatus.UNKNOWN))
    still_bad = Candidate("c4", "import os\nos.system(d)\n", "sample", verdict=_verdict(VerdictStatus.VULNERABLE))
    rounds = (RepairRound(1, "static", "fix it", "c0", "c1", True),
              RepairRound(1, "static", "fix it", "c0", "c2", False, "broke the tests"),
              RepairRound(2, "static", "fix it", "c0", "c3", True))
    return RunRecord(Task(task_id, "list a dir"), "securecoder", "fake", "fake", fixed,
                     (vuln, fixed, rejected, unknown, still_bad), rounds)


def test_pairs_from_runs(tmp_path: Path) -> None:
    runs = tmp_path / "runs.jsonl"
    lines = [json.dumps(_record("t1").to_dict()), json.dumps(_record("t2").to_dict()),
             "", "{truncated by a kill", json.dumps(["not", "a", "record"])]
    runs.write_text("\n".join(lines) + "\n")
    pairs = pairs_from_runs([runs])
    assert pairs == [("import os\nos.system('ls ' + d)\n", "import subprocess\nsubprocess.run(['ls', d])\n")]


def test_pairs_from_runs_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read run file"):
        pairs_from_runs([tmp_path / "nope.jsonl"])
    assert pairs_from_runs([]) == []
