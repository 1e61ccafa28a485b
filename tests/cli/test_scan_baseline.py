"""`safegen scan --baseline / --write-baseline / --honour-inline` through the real entry point."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from safegen.analyzers.baseline import (
    Baseline,
    inline_suppressed,
    line_hash,
    normalized,
)
from safegen.types import Finding, Severity
from tests.cli.test_scan import safegen_command

APP = """import hashlib
import subprocess


def digest(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def archive(folder):
    subprocess.call("tar czf backup.tgz " + folder, shell=True)
"""


def scan(cwd: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = subprocess.run([*safegen_command(), "scan", "app.py", "--format", "json", *args], cwd=cwd,
                            capture_output=True, text=True, timeout=300, check=False)
    findings = json.loads(result.stdout)["findings"] if result.stdout.strip() else []
    return result.returncode, findings, result.stderr


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


def test_write_baseline_then_only_new_findings_are_reported(project: Path) -> None:
    code, before, _ = scan(project)
    assert code == 1 and {f["line"] for f in before} == {6, 10}
    code, _, err = scan(project, "--write-baseline", "base.json")
    assert code == 0 and "wrote 2 finding(s)" in err
    data = json.loads((project / "base.json").read_text())
    assert data["safegen_baseline"] == 1
    assert {(e["rule_id"], e["path"], e["line"]) for e in data["findings"]} == {(f["rule_id"], "app.py", f["line"])
                                                                                  for f in before}
    assert scan(project, "--baseline", "base.json")[0] == 0
    # moved down (lines added above), re-spaced, a comment added: still the same accepted findings
    moved = APP.replace("import subprocess\n", "import subprocess\n\nLIMIT = 10\n\n\ndef noop():\n    pass\n")
    moved = moved.replace("hashlib.md5(data).hexdigest()", "hashlib.md5( data ).hexdigest()  # legacy ids")
    (project / "app.py").write_text(moved, encoding="utf-8")
    code, findings, err = scan(project, "--baseline", "base.json")
    assert code == 0 and findings == [] and "suppressed 2 finding(s) by the baseline" in err
    # a new weak hash is reported, and so is the old line once its code changes
    grown = moved + "\n\ndef token(s: bytes) -> str:\n    return hashlib.md5(s).hexdigest()\n"
    (project / "app.py").write_text(grown, encoding="utf-8")
    code, findings, _ = scan(project, "--baseline", "base.json")
    assert code == 1 and [f["line"] for f in findings] == [grown.splitlines().index(
        "    return hashlib.md5(s).hexdigest()") + 1]
    (project / "app.py").write_text(moved.replace("md5( data )", "md5(data + b'salt')"), encoding="utf-8")
    code, findings, _ = scan(project, "--baseline", "base.json")
    assert code == 1 and [f["cwe"] for f in findings] == [328]


def test_suppressed_findings_are_in_the_sarif_only(project: Path) -> None:
    """SARIF keeps them, marked as suppressed; text output and the exit code leave them out."""
    assert scan(project, "--write-baseline", "base.json")[0] == 0
    marked = APP.replace("import subprocess\n", "import subprocess\nimport pickle\n\n\n"
                         "def load(blob):\n    return pickle.loads(blob)  # nosec\n")
    (project / "app.py").write_text(marked, encoding="utf-8")
    args = ("--baseline", "base.json", "--honour-inline")
    text = subprocess.run([*safegen_command(), "scan", "app.py", *args], cwd=project, capture_output=True,
                          text=True, timeout=300, check=False)
    assert text.returncode == 0 and "app.py:" not in text.stdout and "CWE-" not in text.stdout
    sarif = subprocess.run([*safegen_command(), "scan", "app.py", *args, "--format", "sarif"], cwd=project,
                           capture_output=True, text=True, timeout=300, check=False)
    assert sarif.returncode == 0
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    kinds = sorted((r["locations"][0]["physicalLocation"]["region"]["startLine"], r["suppressions"][0]["kind"])
                   for r in results)
    number = {text.strip().split("(")[0]: n for n, text in enumerate(marked.splitlines(), 1)}
    assert (number["return hashlib.md5"], "external") in kinds and (number["subprocess.call"], "external") in kinds
    assert (number["return pickle.loads"], "inSource") in kinds


def test_an_entry_accepts_one_finding_only(project: Path) -> None:
    assert scan(project, "--write-baseline", "base.json")[0] == 0
    twice = APP + "\n\ndef digest2(data: bytes) -> str:\n    return hashlib.md5(data).hexdigest()\n"
    (project / "app.py").write_text(twice, encoding="utf-8")
    code, findings, _ = scan(project, "--baseline", "base.json")
    assert code == 1 and len(findings) == 1 and findings[0]["cwe"] == 328


def test_inline_nosec_only_with_honour_inline(project: Path) -> None:
    marked = APP.replace("hexdigest()\n", "hexdigest()  # nosec B324\n").replace(
        "shell=True)\n", "shell=True)  # nosec B602 - reviewed\n")
    (project / "app.py").write_text(marked, encoding="utf-8")
    code, findings, _ = scan(project)
    assert code == 1 and len(findings) == 2  # generated code cannot silence the analyzers
    code, findings, err = scan(project, "--honour-inline")
    assert code == 0 and findings == [] and "2 by inline comments" in err
    other = APP.replace("hexdigest()\n", "hexdigest()  # nosec B101\n")
    (project / "app.py").write_text(other, encoding="utf-8")
    code, findings, _ = scan(project, "--honour-inline")
    assert code == 1 and {f["line"] for f in findings} == {6, 10}  # a comment naming another rule


def test_a_broken_baseline_is_an_input_error(project: Path) -> None:
    (project / "base.json").write_text("{not json", encoding="utf-8")
    code, _, err = scan(project, "--baseline", "base.json")
    assert code == 2 and "not valid" in err
    code, _, err = scan(project, "--baseline", "missing.json")
    assert code == 2 and "cannot read the baseline" in err


@pytest.mark.parametrize(("a", "b", "same"), [
    ("    x = eval(s)", "x  =  eval( s )", True),
    ("x = eval(s)  # nosec", "x = eval(s)", True),
    ("x = eval(s)", "x = eval(t)", False),
    ('x = "a  #  b"', 'x = "a # b"', False),  # inside a string, spaces and # are code
    ("call(a,", "call(a,  ", True),  # a line of a multi-line statement
])
def test_line_hash_ignores_layout_and_comments(a: str, b: str, same: bool) -> None:
    assert (line_hash(a) == line_hash(b)) is same, (normalized(a), normalized(b))


def finding(rule: str, tool: str, others: tuple[str, ...] = ()) -> Finding:
    return Finding(tool=tool, rule_id=rule, cwe=78, severity=Severity.HIGH, line=1, message="m",
                   also_reported_by=others)


@pytest.mark.parametrize(("comment", "item", "suppressed"), [
    ("# nosec", finding("B602", "bandit"), True),
    ("# nosec: B602", finding("B602", "bandit"), True),
    ("# nosec S602", finding("B602", "bandit"), False),
    ("# nosec B602", finding("S602", "ruff"), True),
    ("# nosec B101", finding("B602", "bandit"), False),
    ("# nosec B602", finding("safegen.command-injection", "semgrep", ("bandit",)), True),
    ("# nosec B602", finding("safegen.command-injection", "semgrep"), False),
    ("# nosemgrep: safegen.command-injection", finding("safegen.command-injection", "semgrep"), True),
    ("# nosec because it is reviewed", finding("B602", "bandit"), True),
    ("# no security issue", finding("B602", "bandit"), False),
])
def test_inline_comments(comment: str, item: Finding, suppressed: bool) -> None:
    assert inline_suppressed(item, [f"os.system(cmd)  {comment}"]) is suppressed


def test_baseline_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    Baseline().save(str(path))
    assert Baseline.load(str(path)) == Baseline()
