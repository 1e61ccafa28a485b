"""Turn analyzer findings and test failures into feedback a model can act on."""

from __future__ import annotations

from collections.abc import Sequence

from safegen.types import Finding, TestOutcome

MAX_FINDINGS = 8
MAX_MITIGATION = 300


def _code_line(code: str, line: int) -> str:
    lines = code.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def describe_finding(finding: Finding, code: str = "") -> str:
    """One finding as 'CWE-89 (name) at line 5: message. Offending line. Mitigation.'."""
    cwe = f"CWE-{finding.cwe}" if finding.cwe is not None else "Unclassified weakness"
    name = f" ({finding.cwe_name})" if finding.cwe_name else ""
    text = (f"- {cwe}{name} at line {finding.line}: {_shorten(finding.message, 240)} "
            f"[{finding.tool} {finding.rule_id}, severity {finding.severity.value}]")
    source = _code_line(code, finding.line)
    if source:
        text += f"\n  Line {finding.line}: `{_shorten(source, 160)}`"
    if finding.mitigation:
        text += f"\n  Mitigation: {_shorten(finding.mitigation, MAX_MITIGATION)}"
    return text


def describe_findings(findings: Sequence[Finding], code: str = "") -> str:
    """A bulleted list of the most severe findings (at most MAX_FINDINGS), most severe first."""
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.line))
    lines = [describe_finding(f, code) for f in ordered[:MAX_FINDINGS]]
    if len(ordered) > MAX_FINDINGS:
        lines.append(f"- ... and {len(ordered) - MAX_FINDINGS} more of lesser severity")
    return "\n".join(lines)


def describe_tests(outcome: TestOutcome) -> str:
    """One line about failing tests."""
    detail = f": {_shorten(outcome.message, 400)}" if outcome.message else ""
    return f"{outcome.failed} of {outcome.total} tests failed{detail}"
