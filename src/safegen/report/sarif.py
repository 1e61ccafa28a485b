"""`safegen scan|generate --format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

Each rule carries ``properties.tags`` = ["security", "external/cwe/cwe-N"], a numeric
``security-severity`` and a ``precision``, so GitHub files the alerts under security with their CWE.
Findings a baseline or an inline comment suppressed stay in the log with a ``suppressions`` entry
(SARIF 2.1.0 3.27.23; kind "external" or "inSource"), so code scanning shows them as suppressed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from safegen import __version__
from safegen.analyzers.scan import FileResult, ScanReport
from safegen.types import Finding, RunRecord, Severity

if TYPE_CHECKING:
    from safegen.analyzers.baseline import Suppression

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/safegen/safegen"
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}
PRECISION = {Severity.HIGH: "high", Severity.MEDIUM: "medium", Severity.LOW: "low"}


def rule_key(finding: Finding) -> str:
    """SARIF rule id: the tool and its rule, e.g. 'bandit/B602', 'semgrep/safegen.sql-injection'."""
    return f"{finding.tool}/{finding.rule_id}"


def artifact_uri(path: str) -> str:
    """A relative, forward-slash URI (GitHub resolves it against the repository root)."""
    if path in ("-", "<stdin>"):
        return "stdin"
    return PurePath(path).as_posix().removeprefix("./")


def _rule(finding: Finding) -> dict[str, Any]:
    tags = ["security"] + ([f"external/cwe/cwe-{finding.cwe}"] if finding.cwe is not None else [])
    name = f"CWE-{finding.cwe}: {finding.cwe_name}" if finding.cwe is not None and finding.cwe_name else \
        finding.rule_id
    rule: dict[str, Any] = {
        "id": rule_key(finding),
        "name": finding.rule_id,
        "shortDescription": {"text": name},
        "fullDescription": {"text": finding.cwe_description or finding.message},
        "help": {"text": finding.mitigation or finding.message},
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "precision": PRECISION[finding.confidence],
        },
    }
    if finding.cwe is not None:
        rule["helpUri"] = f"https://cwe.mitre.org/data/definitions/{finding.cwe}.html"
    return rule


def _location(path: str, line: int, column: int = 0, end_line: int | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line, 1)}
    if column > 0:
        region["startColumn"] = column
    if end_line and end_line >= region["startLine"]:
        region["endLine"] = end_line
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(path), "uriBaseId": "%SRCROOT%"},
                                 "region": region}}


def _result(finding: Finding, rules: dict[str, dict[str, Any]]) -> dict[str, Any]:
    key = rule_key(finding)
    if key not in rules:
        rules[key] = _rule(finding)
    properties: dict[str, Any] = {"tool": finding.tool, "severity": finding.severity.value}
    if finding.cwe is not None:
        properties["cwe"] = finding.cwe
    if finding.also_reported_by:
        properties["alsoReportedBy"] = list(finding.also_reported_by)
    return {
        "ruleId": key,
        "ruleIndex": list(rules).index(key),
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message or finding.rule_id},
        "locations": [_location(finding.path, finding.line, finding.column, finding.end_line)],
        "properties": properties,
    }


def _suppression(suppression: Suppression) -> dict[str, Any]:
    """A SARIF suppression object: accepted, with its justification and where it is written."""
    data: dict[str, Any] = {"kind": suppression.kind, "status": "accepted"}
    if suppression.justification:
        data["justification"] = suppression.justification
    if suppression.path:
        data["location"] = _location(suppression.path, suppression.line) if suppression.line else \
            {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(suppression.path),
                                                       "uriBaseId": "%SRCROOT%"}}}
    return data


def to_data(report: ScanReport, suppressed: Sequence[Suppression] = ()) -> dict[str, Any]:
    """The SARIF log as plain data; ``suppressed`` findings follow the others, marked as suppressed."""
    rules: dict[str, dict[str, Any]] = {}
    results = [_result(finding, rules) for finding in report.findings]
    results += [{**_result(s.finding, rules), "suppressions": [_suppression(s)]} for s in suppressed]
    notifications = [{
        "level": "error",
        "message": {"text": f"{error.tool}: {error.message}"},
        "locations": [_location(error.path, 1)] if error.path else [],
    } for error in report.all_errors]
    driver = {
        "name": "safegen",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": list(rules.values()),
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": driver,
                "extensions": [{"name": name, "version": version}
                               for name, version in sorted(report.analyzers.items())],
            },
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory safegen scan ran in"}}},
            "results": results,
            "invocations": [{"executionSuccessful": not report.all_errors,
                             "toolExecutionNotifications": notifications}],
            "properties": {"files": len(report.files), "minSeverity": report.min_severity.value},
        }],
    }


def render(report: ScanReport, contents: dict[str, str] | None = None,
           suppressed: Sequence[Suppression] = ()) -> str:
    """The SARIF log as JSON; ``contents`` embeds files' text by path (for generated code not on disk)."""
    data = to_data(report, suppressed)
    if contents:
        data["runs"][0]["artifacts"] = [{"location": {"uri": artifact_uri(path), "uriBaseId": "%SRCROOT%"},
                                         "contents": {"text": text}} for path, text in contents.items()]
    return json.dumps(data, indent=2, ensure_ascii=False)


def render_run(record: RunRecord, path: str) -> str:
    """SARIF for a run's final code, named ``path``: its remaining findings and analyzer errors, its text embedded
    as the artifact (no results when the run gave no analyzed code)."""
    final = record.final
    if final is None or not final.code or final.verdict is None:
        return render(ScanReport(files=(), analyzers=dict(record.tool_versions)))
    verdict = final.verdict
    result = FileResult(path=path, status=verdict.status,
                        findings=tuple(replace(f, path=path) for f in verdict.findings),
                        errors=tuple(replace(e, path=path) for e in verdict.errors))
    return render(ScanReport(files=(result,), analyzers=dict(record.tool_versions)), {path: final.code})
