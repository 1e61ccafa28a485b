"""Merging: one finding per issue (same line, same or parent/child CWE) across tools."""

from __future__ import annotations

from safegen.analyzers.findings import make_finding, merge
from safegen.types import Severity


def finding(tool: str, cwe: int | None, line: int, severity: Severity = Severity.MEDIUM, rule: str = "r"):
    return make_finding(tool=tool, rule_id=rule, cwe=cwe, severity=severity, line=line, message=f"{tool} says")


def test_same_issue_from_three_tools_is_one_finding() -> None:
    merged = merge([finding("ruff", 78, 3, Severity.MEDIUM, "S602"), finding("bandit", 78, 3, Severity.HIGH, "B602"),
                    finding("semgrep", 78, 3, Severity.LOW, "safegen.command-injection")])
    assert len(merged) == 1
    kept = merged[0]
    assert kept.tool == "semgrep" and kept.rule_id == "safegen.command-injection"
    assert kept.severity is Severity.HIGH  # the highest of the group
    assert kept.also_reported_by == ("bandit", "ruff")


def test_parent_and_child_cwe_on_one_line_merge() -> None:
    merged = merge([finding("bandit", 259, 5), finding("semgrep", 798, 5)])
    assert len(merged) == 1 and merged[0].cwe == 798 and merged[0].also_reported_by == ("bandit",)


def test_different_lines_or_unrelated_cwes_stay_apart() -> None:
    assert len(merge([finding("bandit", 78, 3), finding("semgrep", 78, 4)])) == 2
    assert len(merge([finding("bandit", 78, 3), finding("semgrep", 89, 3)])) == 2


def test_cwe_text_is_filled() -> None:
    item = finding("bandit", 502, 1)
    assert "Deserialization" in item.cwe_name and item.mitigation
    assert finding("bandit", None, 1).cwe_name == ""
