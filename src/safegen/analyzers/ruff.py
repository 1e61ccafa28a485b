"""ruff's flake8-bandit (S) rules: one ruff process per batch, milliseconds for a hundred files."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from typing import Any

from safegen.analyzers import cwe_map
from safegen.analyzers.findings import make_finding
from safegen.analyzers.interface import AnalyzerReport
from safegen.analyzers.workspace import Pending, SubprocessAnalyzer, Workspace
from safegen.types import AnalyzerFailure, Finding, Severity

# ruff reports no severity; these follow what bandit says for the twin rule in its usual form.
_HIGH = frozenset({"S103", "S201", "S202", "S304", "S323", "S324", "S501", "S502", "S507", "S602", "S605"})
_LOW = frozenset({"S104", "S105", "S106", "S107", "S113", "S311"})


def ruff_binary() -> str:
    """Path of the ruff executable installed with the ruff package (or 'ruff' on PATH)."""
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return "ruff"


class RuffAnalyzer(SubprocessAnalyzer):
    """``ruff check --select S`` with noqa comments ignored (generated code cannot silence it)."""

    name = "ruff"

    def __init__(self, timeout: float = 30.0, binary: str | None = None) -> None:
        self.timeout = timeout
        self.binary = binary or ruff_binary()
        self._version: str | None = None

    def version(self) -> str:
        if self._version is None:
            try:
                out = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=30,
                                     check=False)
                self._version = out.stdout.strip().split()[-1] if out.returncode == 0 and out.stdout.strip() \
                    else "unavailable"
            except (OSError, subprocess.SubprocessError):
                self._version = "unavailable"
        return self._version

    def launch(self, workspace: Workspace) -> Pending:
        argv = [self.binary, "check", "--select", "S", "--output-format", "json", "--no-cache", "--isolated",
                "--ignore-noqa", "--exit-zero", "--target-version", "py311",
                *[str(p) for p in workspace.paths]]
        return self.start(workspace, argv)

    def parse(self, pending: Pending, stdout: bytes, stderr: bytes, returncode: int) -> list[AnalyzerReport]:
        workspace = pending.workspace
        if returncode != 0:
            message = stderr.decode("utf-8", "replace").strip().splitlines()
            return self.fail_all(workspace.files, f"exit {returncode}: {message[-1] if message else ''}")
        diagnostics: list[dict[str, Any]] = json.loads(stdout.decode("utf-8") or "[]")
        findings: dict[int, list[Finding]] = defaultdict(list)
        errors: dict[int, list[AnalyzerFailure]] = defaultdict(list)
        for item in diagnostics:
            index = workspace.index_of(str(item.get("filename", "")))
            if index is None:
                continue
            source = workspace.files[index]
            code = item.get("code")
            row = int((item.get("location") or {}).get("row") or 0)
            if not code or not str(code).startswith("S"):
                errors[index].append(AnalyzerFailure(self.name, f"line {row}: {item.get('message', code)}",
                                                     source.path))
                continue
            code = str(code)
            severity = Severity.HIGH if code in _HIGH else Severity.LOW if code in _LOW else Severity.MEDIUM
            findings[index].append(make_finding(
                tool=self.name, rule_id=code, cwe=cwe_map.ruff_cwe(code), severity=severity,
                confidence=Severity.MEDIUM, line=row,
                column=int((item.get("location") or {}).get("column") or 0),
                end_line=int((item.get("end_location") or {}).get("row") or row),
                message=str(item.get("message", "")), path=source.path))
        return [AnalyzerReport(source.path, findings=tuple(findings[i]), errors=tuple(errors[i]))
                for i, source in enumerate(workspace.files)]
