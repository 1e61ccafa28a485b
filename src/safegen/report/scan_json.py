"""`safegen scan --format json`: findings with an integer CWE, errors, per-file verdicts, tool versions."""

from __future__ import annotations

import json
from typing import Any

from safegen.analyzers.scan import ScanReport
from safegen.types import AnalyzerFailure, Finding

FINDING_KEYS = ("path", "line", "column", "end_line", "cwe", "cwe_name", "rule_id", "tool", "severity",
                "confidence", "message", "mitigation", "also_reported_by")


def finding_dict(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    return {key: data[key] for key in FINDING_KEYS}


def error_dict(error: AnalyzerFailure) -> dict[str, Any]:
    return {"path": error.path, "tool": error.tool, "message": error.message}


def to_data(report: ScanReport) -> dict[str, Any]:
    """The JSON document as plain data."""
    return {
        "findings": [finding_dict(f) for f in report.findings],
        "errors": [error_dict(e) for e in report.all_errors],
        "files": len(report.files),
        "verdicts": [{"path": r.path, "status": r.status.value} for r in report.files],
        "analyzers": dict(sorted(report.analyzers.items())),
        "min_severity": report.min_severity.value,
    }


def render(report: ScanReport) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False)
