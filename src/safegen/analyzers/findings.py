"""Building normalized findings (CWE text filled in) and merging the ones several tools report."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from safegen.analyzers import cwe as cwe_catalog
from safegen.types import Finding, Severity

# When two tools report one issue, the finding kept is the first tool here (its message is the most specific).
TOOL_PRIORITY = ("semgrep", "bandit", "ruff")


def make_finding(
    *,
    tool: str,
    rule_id: str,
    cwe: int | None,
    severity: Severity,
    line: int,
    message: str,
    confidence: Severity = Severity.MEDIUM,
    column: int = 0,
    end_line: int | None = None,
    path: str = "",
) -> Finding:
    """A Finding with the CWE's name, description and mitigation from the catalog."""
    info = cwe_catalog.describe(cwe) if cwe is not None else None
    return Finding(
        tool=tool, rule_id=rule_id, cwe=cwe, severity=severity, confidence=confidence,
        line=max(int(line), 0), column=max(int(column), 0), end_line=end_line, path=path,
        message=" ".join(message.split()),
        cwe_name=info.name if info else "", cwe_description=info.description if info else "",
        mitigation=info.mitigation if info else "",
    )


def _priority(finding: Finding) -> tuple[int, int, int]:
    tool_rank = TOOL_PRIORITY.index(finding.tool) if finding.tool in TOOL_PRIORITY else len(TOOL_PRIORITY)
    return (tool_rank, -finding.severity.rank, -finding.confidence.rank)


def _same_issue(a: Finding, b: Finding) -> bool:
    if a.line != b.line:
        return False
    if a.cwe is None or b.cwe is None:
        return a.cwe is None and b.cwe is None and a.tool == b.tool and a.rule_id == b.rule_id
    return cwe_catalog.related(a.cwe, b.cwe)


def merge(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One finding per issue: same line and same (or parent/child) CWE, from any tools.

    The kept finding is the highest-priority tool's; it takes the highest severity and confidence of
    the group and lists the other tools in ``also_reported_by``.
    """
    groups: list[list[Finding]] = []
    for finding in sorted(findings, key=_priority):
        for group in groups:
            if _same_issue(group[0], finding):
                group.append(finding)
                break
        else:
            groups.append([finding])
    merged = []
    for group in groups:
        head = group[0]
        others = tuple(sorted({f.tool for f in group[1:]} - {head.tool}))
        severity = max((f.severity for f in group), key=lambda s: s.rank)
        confidence = max((f.confidence for f in group), key=lambda s: s.rank)
        merged.append(dataclasses.replace(head, severity=severity, confidence=confidence,
                                          also_reported_by=others))
    merged.sort(key=lambda f: (f.path, f.line, f.column, f.cwe or 0, f.tool, f.rule_id))
    return tuple(merged)
