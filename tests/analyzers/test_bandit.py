"""bandit in-process: corrected CWEs, nosec ignored, crashes and syntax errors reported."""

from __future__ import annotations

from typing import Any

from safegen.analyzers.bandit import BanditAnalyzer
from safegen.analyzers.interface import SourceFile
from safegen.types import Severity


def findings(code: str) -> list[tuple[str, int | None, int]]:
    report = BanditAnalyzer().analyze([SourceFile("x.py", code)])[0]
    assert not report.errors, report.errors
    return sorted((f.rule_id, f.cwe, f.line) for f in report.findings)


def test_tool_cwe_tags_are_corrected() -> None:
    code = ("import yaml\nimport xml.etree.ElementTree as ET\n"
            "def f(s, stream):\n    eval(s)\n    exec(s)\n    yaml.load(stream, Loader=yaml.Loader)\n"
            "    return ET.fromstring(s)\n")
    got = {rule: cwe for rule, cwe, _ in findings(code)}
    assert got["B307"] == 95  # bandit says CWE-78
    assert got["B102"] == 95  # bandit says CWE-78
    assert got["B506"] == 502  # bandit says CWE-20
    assert got["B314"] == 776  # bandit says CWE-20


def test_findings_are_normalized() -> None:
    report = BanditAnalyzer().analyze([SourceFile("cmd.py", "import subprocess\ndef f(c):\n"
                                                             "    subprocess.call(c, shell=True)\n")])[0]
    finding = next(f for f in report.findings if f.rule_id == "B602")
    assert (finding.tool, finding.cwe, finding.line, finding.column, finding.path) == ("bandit", 78, 3, 5, "cmd.py")
    assert finding.severity is Severity.HIGH
    assert "OS Command" in finding.cwe_name and finding.cwe_description and finding.mitigation


def test_nosec_comments_are_ignored() -> None:
    assert ("B307", 95, 1) in findings("eval(input())  # nosec\n")


def test_batch_order_and_isolation() -> None:
    reports = BanditAnalyzer().analyze([SourceFile("a.py", "eval(x)\n"), SourceFile("b.py", "x = 1\n"),
                                        SourceFile("c.py", "import pickle\npickle.loads(b)\n")])
    assert [r.path for r in reports] == ["a.py", "b.py", "c.py"]
    assert [sorted(f.rule_id for f in r.findings) for r in reports] == [["B307"], [], ["B301", "B403"]]


def test_syntax_error_is_reported() -> None:
    report = BanditAnalyzer().analyze([SourceFile("bad.py", "def f(:\n")])[0]
    assert report.errors and "syntax" in report.errors[0].message


def test_crashing_plugin_is_reported_not_swallowed() -> None:
    analyzer = BanditAnalyzer()
    manager = analyzer._get_manager()
    tests = manager.b_ts.tests["Call"]
    original = tests[0]

    def broken(context: Any) -> None:
        raise RuntimeError("plugin exploded")

    for attribute in ("_test_id", "_checks", "_takes_config"):
        if hasattr(original, attribute):
            setattr(broken, attribute, getattr(original, attribute))
    broken.__name__ = original.__name__
    tests[0] = broken
    try:
        report = analyzer.analyze([SourceFile("x.py", "print(1)\n")])[0]
    finally:
        tests[0] = original
    assert report.errors and "plugin exploded" in " ".join(e.message for e in report.errors)
    assert not analyzer.analyze([SourceFile("x.py", "print(1)\n")])[0].errors
