"""Judges on real code with the real pinned tools in their own environments."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from safegen.bench.datasets import JudgeData
from safegen.bench.judges import create_judge
from safegen.bench.judges.bandit_judge import BanditJudge
from safegen.bench.judges.envs import BANDIT_ENV, ICD_ENV, ensure_env
from safegen.bench.judges.icd_judge import ICDJudge
from safegen.bench.judges.inloop_judge import InLoopJudge
from safegen.bench.judges.interface import JudgeItem
from safegen.config import Settings
from safegen.types import AnalyzerFailure, Finding, Severity, Verdict, VerdictStatus

PICKLE = "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n"
SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
RANDOM_TOKEN = "import random\n\n\ndef token():\n    return random.random()\n"
MD5 = "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n"
SAFE = "def add(a, b):\n    return a + b\n"
BROKEN = "def add(a, b:\n    return a +\n"


def _items(*codes: str | None) -> list[JudgeItem]:
    return [JudgeItem(key=f"k{i}", task_id=f"t{i}", code=code) for i, code in enumerate(codes)]


def _outcomes(verdicts: list[list[Any]]) -> list[dict[str, str]]:
    return [{v.protocol: v.outcome for v in row} for row in verdicts]


@pytest.fixture(scope="module")
def bandit_judge() -> BanditJudge:
    ensure_env(BANDIT_ENV)  # created once and cached in the user cache dir
    return BanditJudge()


def test_bandit_judge_is_the_pinned_1_7_series(bandit_judge: BanditJudge) -> None:
    out = subprocess.run([str(BANDIT_ENV.bin("bandit")), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("bandit 1.7.")
    assert bandit_judge.version().startswith("bandit 1.7.")


def test_bandit_protocols_on_real_code(bandit_judge: BanditJudge, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(cmd: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(cmd)
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    verdicts = bandit_judge.judge(_items(PICKLE, SHELL, RANDOM_TOKEN, SAFE, BROKEN, None))
    assert len(calls) == 1  # one bandit process for the whole batch
    assert _outcomes(verdicts) == [
        {"bandit-any": "vulnerable", "bandit-medium": "vulnerable"},
        {"bandit-any": "vulnerable", "bandit-medium": "vulnerable"},
        {"bandit-any": "vulnerable", "bandit-medium": "secure"},  # B311 is LOW severity
        {"bandit-any": "secure", "bandit-medium": "secure"},
        {"bandit-any": "error", "bandit-medium": "error"},  # unparsable code is never secure
        {"bandit-any": "no-code", "bandit-medium": "no-code"},
    ]
    pickle_any = verdicts[0][0]
    assert {f.rule_id for f in pickle_any.findings} == {"B403", "B301"}
    assert pickle_any.cwes == (502,)
    assert {f.rule_id for f in verdicts[1][1].findings} == {"B602"}


@pytest.fixture(scope="module")
def icd_judge() -> ICDJudge:
    ensure_env(ICD_ENV)
    return ICDJudge()


def test_icd_catches_a_semgrep_only_finding(icd_judge: ICDJudge) -> None:
    verdicts = icd_judge.judge(_items(PICKLE, MD5, SAFE, None))
    assert _outcomes(verdicts) == [{"icd": "vulnerable"}, {"icd": "vulnerable"}, {"icd": "secure"},
                                   {"icd": "no-code"}]
    pickle_findings = verdicts[0][0].findings
    assert [(f.analyzer, f.rule_id, f.cwe) for f in pickle_findings] == [("semgrep", "unsafe-pickle-use", 502)]
    assert any(f.analyzer == "regex" and f.cwe == 328 for f in verdicts[1][0].findings)


def test_upstream_icd_misses_the_semgrep_finding_that_the_adapter_catches() -> None:
    """Documents the bug the adapter fixes: upstream analyze() passes --project-root / and scans nothing."""
    root = ensure_env(ICD_ENV)
    script = ("import asyncio\nfrom codeshield.insecure_code_detector import insecure_code_detector as icd\n"
              "from codeshield.insecure_code_detector.languages import Language\n"
              f"print(len(asyncio.run(icd.analyze(Language.PYTHON, {PICKLE!r}))))\n")
    out = subprocess.run([str(root / "bin" / "python"), "-c", script], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "0"


def test_icd_fails_closed_when_semgrep_cannot_run(icd_judge: ICDJudge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("safegen.bench.judges.icd_judge.WORKER", Path("/nonexistent/icd_worker.py"))
    verdicts = icd_judge.judge(_items(SAFE))
    assert verdicts[0][0].outcome == "error" and "ICD failed" in verdicts[0][0].message


class _ScriptedEnsemble:
    """Stands in for the analyzer ensemble to check the mapping of its verdicts."""

    def __init__(self, verdicts: list[Verdict]) -> None:
        self.verdicts = verdicts
        self.batches: list[int] = []

    def scan(self, files: list[Any]) -> list[Verdict]:
        self.batches.append(len(files))
        return self.verdicts[:len(files)]

    def versions(self) -> dict[str, str]:
        return {"bandit": "1.9.4"}


def test_inloop_judge_maps_verdicts_and_is_labelled_not_independent() -> None:
    finding = Finding(tool="bandit", rule_id="B301", cwe=502, severity=Severity.MEDIUM, line=5, message="pickle")
    ensemble = _ScriptedEnsemble([
        Verdict(VerdictStatus.VULNERABLE, findings=(finding,)),
        Verdict(VerdictStatus.SECURE),
        Verdict(VerdictStatus.UNKNOWN, errors=(AnalyzerFailure(tool="semgrep", message="timed out"),)),
    ])
    judge = InLoopJudge(Settings(), ensemble=ensemble)
    verdicts = judge.judge(_items(PICKLE, SAFE, SHELL, None))
    assert ensemble.batches == [3]
    assert _outcomes(verdicts) == [{"inloop": "vulnerable"}, {"inloop": "secure"}, {"inloop": "error"},
                                   {"inloop": "no-code"}]
    assert verdicts[0][0].independent is False and "in-loop" in judge.protocols()[0].label
    assert verdicts[2][0].message == "semgrep: timed out"


def test_inloop_judge_on_the_real_ensemble() -> None:
    pytest.importorskip("safegen.analyzers.ensemble")
    judge = create_judge("inloop", Settings())
    verdicts = judge.judge(_items(PICKLE, SAFE))
    assert _outcomes(verdicts) == [{"inloop": "vulnerable"}, {"inloop": "secure"}]


def test_functional_judge_runs_hidden_tests_in_the_sandbox() -> None:
    pytest.importorskip("safegen.sandbox.tests")
    tests = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n"
    data = JudgeData(task_id="t", tests=tests, entry_point="add")
    items = [JudgeItem("a", "t", SAFE, data), JudgeItem("b", "t", "def add(a, b):\n    return a - b\n", data),
             JudgeItem("c", "t", "import os\ndef add(a, b):\n    os._exit(0)\n", data),
             JudgeItem("d", "t", None, data), JudgeItem("e", "u", SAFE, None)]
    judge = create_judge("functional", Settings())
    try:
        verdicts = judge.judge(items)
    finally:
        judge.close()
    assert [v[0].outcome for v in verdicts] == ["pass", "fail", "fail", "no-code", "n/a"]


def test_functional_judge_passes_humaneval_canonical_solutions(data_dir: Any) -> None:
    pytest.importorskip("safegen.sandbox.tests")
    from safegen.bench.datasets import load_dataset

    loaded = load_dataset("humaneval", data_dir=data_dir).limited(6)
    items = []
    for task in loaded.tasks:
        data = loaded.judge_data[task.task_id]
        items.append(JudgeItem(task.task_id, task.task_id, task.requirement + (data.canonical_solution or ""), data))
        items.append(JudgeItem(task.task_id + "-wrong", task.task_id,
                               task.requirement + "    return None\n", data))
    judge = create_judge("functional", Settings())
    try:
        outcomes = [v[0].outcome for v in judge.judge(items)]
    finally:
        judge.close()
    assert outcomes == ["pass", "fail"] * 6
