"""The benchmark report as JSON, with the derived rates spelled out for plotting tools."""

from __future__ import annotations

import json
from typing import Any

from safegen.bench.report.markdown import _datasets
from safegen.bench.report.paired import paired, versus_reference
from safegen.bench.report.summary import Report
from safegen.bench.report.tradeoff import exec_changes


def report_dict(report: Report) -> dict[str, Any]:
    data = report.to_dict()
    for run, source in zip(data["runs"], report.runs):
        run["partial"] = source.partial
        for pid, tally in source.security.items():
            run["security"][pid]["vulnerable_rate"] = tally.vulnerable_rate
        for pid, cwes in source.per_cwe.items():
            for cwe, tally in cwes.items():
                run["per_cwe"][pid][cwe]["vulnerable_rate"] = tally.vulnerable_rate
    for protocol, info in zip(data["protocols"], report.protocols):
        protocol["label"] = info.label
    data["paired"], data["versus"], data["executable_changes"] = {}, {}, {}
    for name, runs in _datasets(report).items():
        changes = exec_changes(runs)
        if changes:
            data["executable_changes"][name] = [change.to_dict() for change in changes]
        table = paired(runs, list(report.protocols))
        if table is not None:
            data["paired"][name] = table.to_dict()
        versus = versus_reference(runs, list(report.protocols))
        if versus is not None:
            data["versus"][name] = versus.to_dict()
    return data


def render_json(report: Report) -> str:
    return json.dumps({"schema": "safegen.bench.report/1", **report_dict(report)}, indent=2, sort_keys=True)
