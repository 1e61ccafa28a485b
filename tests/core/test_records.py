"""Core records survive a JSON round trip, nested records, enums and tuples included."""

from __future__ import annotations

import json

from safegen.types import (
    AnalyzerFailure,
    Candidate,
    Defect,
    Finding,
    FuzzReport,
    LLMCall,
    RepairRound,
    RunObservations,
    RunRecord,
    Severity,
    Task,
    TestOutcome,
    Verdict,
    VerdictStatus,
)


def _record() -> RunRecord:
    finding = Finding(tool="semgrep", rule_id="safegen.sql-injection", cwe=89, severity=Severity.HIGH,
                      line=4, message="SQL built from input", also_reported_by=("bandit",))
    verdict = Verdict(status=VerdictStatus.VULNERABLE, findings=(finding,),
                      errors=(AnalyzerFailure(tool="ruff", message="timed out"),), analyzers=("bandit",))
    fuzz = FuzzReport(target="f", executions=150, seconds=0.7,
                      defects=(Defect(kind="exception", input="('',)", message="ZeroDivisionError"),))
    first = Candidate(candidate_id="c0", code="def f(x):\n    return 1 / len(x)\n", origin="sample",
                      verdict=verdict, fuzz=fuzz, tests=TestOutcome(passed=False, total=2, failed=1), score=0.8)
    fixed = Candidate(candidate_id="c1", code="def f(x):\n    return 1\n", origin="repair", round=1, parent="c0",
                      verdict=Verdict(status=VerdictStatus.SECURE))
    return RunRecord(task=Task(task_id="t1", requirement="write f", entry_point="f", cwe=89),
                     strategy="safegen", backend="fake", model="fake", final=fixed, candidates=(first, fixed),
                     rounds=(RepairRound(round=1, kind="static", prompt="fix it", input_candidate="c0",
                                         output_candidate="c1", accepted=True),),
                     llm_calls=(LLMCall(purpose="generate", n=1, prompt_tokens=10, completion_tokens=20, seconds=1.5),
                                LLMCall(purpose="repair", n=1, prompt_tokens=5, completion_tokens=7, seconds=0.5)),
                     config={"samples": 1}, tool_versions={"bandit": "1.9.4"},
                     observations=RunObservations(security_topics=("sql",), imports=("import sqlite3",)))


def test_run_record_round_trips_through_json() -> None:
    record = _record()
    text = json.dumps(record.to_dict())
    again = RunRecord.from_dict(json.loads(text))
    assert again == record
    assert again.final is not None and again.final.verdict is not None
    assert again.candidates[0].verdict.findings[0].severity is Severity.HIGH  # type: ignore[union-attr]
    assert (again.prompt_tokens, again.completion_tokens) == (15, 27)


def test_unknown_keys_are_ignored_so_old_readers_accept_new_records() -> None:
    data = _record().to_dict()
    data["added_in_a_later_version"] = 1
    data["task"]["also_new"] = "x"
    assert RunRecord.from_dict(data) == _record()


def test_records_written_before_observations_existed_still_load() -> None:
    data = _record().to_dict()
    del data["observations"]
    assert RunRecord.from_dict(data).observations == RunObservations()


def test_verdict_rank_orders_secure_before_vulnerable_before_unknown() -> None:
    low = Finding(tool="t", rule_id="r", cwe=1, severity=Severity.LOW, line=1, message="")
    high = Finding(tool="t", rule_id="r", cwe=1, severity=Severity.HIGH, line=1, message="")
    secure = Verdict(status=VerdictStatus.SECURE)
    mild = Verdict(status=VerdictStatus.VULNERABLE, findings=(low,))
    bad = Verdict(status=VerdictStatus.VULNERABLE, findings=(high,))
    unknown = Verdict(status=VerdictStatus.UNKNOWN)
    assert sorted([unknown, bad, secure, mild], key=Verdict.rank_key) == [secure, mild, bad, unknown]


def test_severity_parses_tool_spellings() -> None:
    assert Severity.parse("WARNING") is Severity.MEDIUM
    assert Severity.parse("ERROR") is Severity.HIGH
    assert Severity.parse("Low") is Severity.LOW
