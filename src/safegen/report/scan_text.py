"""`safegen scan --format text`: one line per finding, like bandit and ruff print them."""

from __future__ import annotations

from collections import Counter

from safegen.analyzers.scan import ScanReport
from safegen.types import Finding, Severity


def finding_line(finding: Finding) -> str:
    cwe = f"CWE-{finding.cwe}" if finding.cwe is not None else "CWE-?"
    tools = finding.tool + (f" +{','.join(finding.also_reported_by)}" if finding.also_reported_by else "")
    return (f"{finding.path}:{finding.line}:{finding.column}: {cwe} [{finding.severity.value}] "
            f"{finding.rule_id} ({tools}) {finding.message}")


def render(report: ScanReport, verbose: bool = False) -> str:
    lines: list[str] = []
    for finding in report.findings:
        lines.append(finding_line(finding))
        if verbose and finding.cwe_name:
            lines.append(f"    CWE-{finding.cwe}: {finding.cwe_name}")
    for error in report.all_errors:
        lines.append(f"{error.path or '-'}: error: {error.tool}: {error.message}")
    if verbose:
        lines += [f"{result.path}: {result.status.value}" for result in report.files]
    counts = Counter(f.severity for f in report.findings)
    by_severity = ", ".join(f"{counts[s]} {s.value}" for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)
                            if counts[s])
    tools = ", ".join(f"{name} {version}" for name, version in sorted(report.analyzers.items()))
    total = len(report.findings)
    summary = (f"{total} finding{'s' if total != 1 else ''}" + (f" ({by_severity})" if by_severity else "")
               + f" in {len(report.files)} file{'s' if len(report.files) != 1 else ''}")
    errors = len(report.all_errors)
    if errors:
        summary += f"; {errors} error{'s' if errors != 1 else ''}: results are incomplete"
    lines.append(f"{summary}. [{tools}]")
    return "\n".join(lines)
