"""semgrep analyzer: batches, both engines, pre-started engine, and failures reported per file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safegen.analyzers.interface import SourceFile
from safegen.analyzers.semgrep import SemgrepAnalyzer, core_binary
from safegen.analyzers.workspace import Pending, Workspace
from safegen.types import Severity

FIXTURES = Path(__file__).parent / "rule_fixtures"
SQL = SourceFile("db.py", "def get(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE n = '%s'\" % name)\n")
CLEAN = SourceFile("ok.py", "def get(cur, name):\n    cur.execute('SELECT * FROM t WHERE n = ?', (name,))\n")


def keys(reports: list) -> list[list[tuple[str, int]]]:
    return [sorted((f.rule_id, f.line) for f in r.findings) for r in reports]


def test_batch_keeps_order_and_normalizes_findings() -> None:
    reports = SemgrepAnalyzer().analyze([SQL, CLEAN, SQL])
    assert [r.path for r in reports] == ["db.py", "ok.py", "db.py"]
    assert keys(reports) == [[("safegen.sql-injection", 2)], [], [("safegen.sql-injection", 2)]]
    finding = reports[0].findings[0]
    assert (finding.tool, finding.cwe, finding.severity, finding.confidence) == \
        ("semgrep", 89, Severity.HIGH, Severity.HIGH)
    assert finding.path == "db.py" and finding.column == 17  # the query argument, 1-based
    assert "SQL Injection" in finding.cwe_name and finding.mitigation
    assert not any(r.errors for r in reports)


NOSEM = SourceFile("nosem.py", "import os, sys\nos.system('cat ' + sys.argv[1])  # nosemgrep\n")


def test_cli_engine_agrees_with_core_engine() -> None:
    """The `semgrep scan` fallback (with --metrics=off --disable-version-check) accepts our rules."""
    files = [SourceFile(str(p), p.read_text()) for p in sorted(FIXTURES.glob("*.py"))[:8]] + [NOSEM]
    core = SemgrepAnalyzer(engine="core").analyze(files)
    cli = SemgrepAnalyzer(engine="cli").analyze(files)
    assert not any(r.errors for r in core + cli), [r.errors for r in cli if r.errors]
    assert keys(cli) == keys(core)
    assert any(keys(core))
    # `# nosemgrep` in generated code must not silence a finding, in either engine
    assert keys(cli)[-1] == keys(core)[-1] == [("safegen.command-injection", 2)]


def test_prestarted_engine_gives_the_same_answers() -> None:
    analyzer = SemgrepAnalyzer(prespawn=True)
    try:
        first = analyzer.analyze([SQL])
        assert analyzer._spare is not None and analyzer._spare.alive  # started for the next call
        second = analyzer.analyze([CLEAN, SQL])
        third = analyzer.analyze([SQL])
    finally:
        analyzer.close()
    assert analyzer._spare is None
    assert keys(first) == keys(third) == [[("safegen.sql-injection", 2)]]
    assert keys(second) == [[], [("safegen.sql-injection", 2)]]


def test_timeout_fails_every_file_of_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that never answers is killed at the batch timeout; every file of the batch fails."""
    monkeypatch.setattr(SemgrepAnalyzer, "_core_argv", lambda self, *args: ["sleep", "600"])
    analyzer = SemgrepAnalyzer(timeout=0.05, engine="core")
    if not analyzer._use_core():
        pytest.skip("semgrep-core is not installed")
    reports = analyzer.analyze([SQL, CLEAN])
    assert all(r.errors and r.errors[0].message == "timed out after 0.05s" for r in reports)
    assert not any(r.findings for r in reports)


def test_rule_timeout_is_passed_to_the_engine() -> None:
    argv = SemgrepAnalyzer(rule_timeout=0.25)._core_argv(Path("rules.json"), Path("targets.json"), 1)
    assert argv[argv.index("-timeout") + 1] == "0.25"


def test_rule_timeout_is_an_error_of_that_file_only() -> None:
    """semgrep-core's report of a rule that timed out on one file (its real shape) fails that file only."""
    analyzer = SemgrepAnalyzer()
    with Workspace([SourceFile("big.py", "x = 1\n"), SourceFile("one.py", "x = 1\n")]) as workspace:
        error = {"error_type": "Timeout", "severity": "warn", "message": "", "rule_id": "safegen.command-injection",
                 "location": {"path": str(workspace.paths[0]), "start": {"line": 1, "col": 1, "offset": 0},
                              "end": {"line": 1, "col": 1, "offset": 0}}}
        output = json.dumps({"errors": [error], "results": []}).encode()
        reports = analyzer.parse(Pending(None, workspace, extra={"engine": "core"}), output, b"", 0)
    assert reports[0].errors and reports[0].errors[0].message.startswith("Timeout in rule safegen.")
    assert reports[1].errors == ()


def test_broken_rule_fails_every_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: broken\n    message: m\n    severity: ERROR\n    languages: [python]\n"
                   "    metadata: {cwe: CWE-95}\n    pattern: eval(\n")
    reports = SemgrepAnalyzer(rules=[bad]).analyze([SQL, CLEAN])
    assert all(r.errors for r in reports)
    assert "broken" in reports[0].errors[0].message or "parse" in reports[0].errors[0].message.lower()


def test_unloadable_rules_are_errors_not_exceptions(tmp_path: Path) -> None:
    missing_cwe = tmp_path / "r.yaml"
    missing_cwe.write_text("rules:\n  - id: x\n    message: m\n    severity: ERROR\n    languages: [python]\n"
                           "    pattern: eval(...)\n")
    reports = SemgrepAnalyzer(rules=[missing_cwe]).analyze([SQL])
    assert reports[0].errors and "metadata.cwe" in reports[0].errors[0].message


def test_missing_engine_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("safegen.analyzers.semgrep.core_binary", lambda: None)
    monkeypatch.setattr("safegen.analyzers.semgrep.cli_binary", lambda: None)
    reports = SemgrepAnalyzer().analyze([SQL])
    assert reports[0].errors and "not installed" in reports[0].errors[0].message


def test_core_binary_is_found() -> None:
    assert core_binary() is not None


def test_forked_child_neither_uses_nor_kills_the_parents_engine() -> None:
    import os

    analyzer = SemgrepAnalyzer(prespawn=True)
    try:
        analyzer.warm_up()
        spare = analyzer._spare
        assert spare is not None
        pid = os.fork()
        if pid == 0:  # the child scans on its own engine and exits through the normal cleanup
            code = 0
            try:
                code = 0 if keys(analyzer.analyze([SQL])) == [[("safegen.sql-injection", 2)]] else 3
                analyzer.close()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert analyzer._spare is spare and spare.alive  # still the parent's, still waiting
        assert keys(analyzer.analyze([SQL])) == [[("safegen.sql-injection", 2)]]
    finally:
        analyzer.close()
