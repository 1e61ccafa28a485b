"""ruff's S rules as one process per batch: CWEs via the bandit twin, noqa ignored, syntax errors reported."""

from __future__ import annotations

from safegen.analyzers.interface import SourceFile
from safegen.analyzers.ruff import RuffAnalyzer


def test_batch_findings_with_cwe() -> None:
    reports = RuffAnalyzer().analyze([
        SourceFile("a.py", "import subprocess\ndef f(c):\n    subprocess.call(c, shell=True)\n"),
        SourceFile("b.py", "x = 1\n"),
        SourceFile("c.py", "import yaml\ndef f(s):\n    return yaml.load(s)  # noqa: S506\n"),
    ])
    assert [r.path for r in reports] == ["a.py", "b.py", "c.py"]
    assert not any(r.errors for r in reports)
    a = {f.rule_id: f for f in reports[0].findings}
    assert a["S602"].cwe == 78 and a["S602"].line == 3 and a["S602"].tool == "ruff"
    assert reports[1].findings == ()
    assert [(f.rule_id, f.cwe) for f in reports[2].findings] == [("S506", 502)]  # the noqa comment was ignored


def test_syntax_error_is_an_error() -> None:
    report = RuffAnalyzer().analyze([SourceFile("bad.py", "def f(:\n")])[0]
    assert report.errors and report.errors[0].tool == "ruff"


def test_missing_binary_is_an_error() -> None:
    report = RuffAnalyzer(binary="/nonexistent/ruff").analyze([SourceFile("a.py", "x = 1\n")])[0]
    assert report.errors and "could not start" in report.errors[0].message


def test_version() -> None:
    assert RuffAnalyzer().version()[0].isdigit()
