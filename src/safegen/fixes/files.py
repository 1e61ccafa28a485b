"""Rule fixes on files: what `safegen scan --fix` and `--diff` do (scan, fix, re-scan, write or show)."""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from safegen.analyzers.scan import (
    STDIN_NAME,
    FileResult,
    ScanReport,
    collect_sources,
    scan_sources,
)
from safegen.errors import InputError
from safegen.fixes.engine import apply_rule_fixes
from safegen.fixes.interface import FixOutcome
from safegen.serde import Record
from safegen.types import Severity, VerdictStatus

if TYPE_CHECKING:
    from safegen.analyzers.ensemble import Ensemble
    from safegen.sandbox.core import Sandbox


@dataclass(frozen=True)
class FileFix(Record):
    """The fixes for one file: the engine's outcome, its diff, and whether the file was rewritten."""

    path: str
    outcome: FixOutcome
    diff: str
    written: bool = False


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


def write_atomically(path: Path, text: str) -> None:
    """Replace a file's text in one step, keeping its permissions."""
    mode = path.stat().st_mode & 0o7777
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".safegen", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _result(path: str, outcome: FixOutcome, min_severity: Severity) -> FileResult:
    verdict = outcome.verdict
    if verdict is None:
        return FileResult(path, VerdictStatus.UNKNOWN, outcome.remaining)
    kept = tuple(f for f in verdict.findings if f.severity.rank >= min_severity.rank)
    status = VerdictStatus.UNKNOWN if verdict.errors else VerdictStatus.VULNERABLE if kept else VerdictStatus.SECURE
    return FileResult(path, status, kept, verdict.errors)


def fix_paths(paths: Sequence[str], ensemble: Ensemble, *, sandbox: Sandbox | None, write: bool,
              min_severity: Severity = Severity.LOW,
              stdin: IO[bytes] | None = None) -> tuple[ScanReport, tuple[FileFix, ...]]:
    """Scan, apply the verified rule fixes to each file with findings, and report the state after them.

    With ``write`` the fixed files are rewritten on disk (stdin never is); the report then describes
    the files as they are after fixing. Without it nothing is written and the report describes them
    as they would be.
    """
    sources, read_errors = collect_sources(paths, stdin)
    results = list(scan_sources(ensemble, sources, min_severity)) if sources else []
    fixes: list[FileFix] = []
    for position, (source, result) in enumerate(zip(sources, results)):
        if not result.findings or result.errors:
            continue
        outcome = apply_rule_fixes(source.code, result.findings, ensemble=ensemble, sandbox=sandbox,
                                   path=source.path)
        written = False
        if outcome.changed:
            if write and source.path != STDIN_NAME:
                try:
                    write_atomically(Path(source.path), outcome.code)
                except OSError as exc:
                    raise InputError(f"cannot write the fixes to {source.path}: {exc}") from None
                written = True
            results[position] = _result(source.path, outcome, min_severity)
        fixes.append(FileFix(source.path, outcome, unified_diff(source.path, source.code, outcome.code), written))
    report = ScanReport(files=tuple(results), analyzers=ensemble.versions(), errors=tuple(read_errors),
                        min_severity=min_severity)
    return report, tuple(fixes)


def summary(fixes: Sequence[FileFix], *, write: bool) -> str:
    """What was fixed and what was not, one line each, for stderr."""
    lines: list[str] = []
    for item in fixes:
        for applied in item.outcome.fixed:
            verb = "fixed" if write and item.written else "fixable"
            lines.append(f"{item.path}:{applied.finding.line}: {verb}: {applied.finding.rule_id} by {applied.fix_id}")
        for rejected in item.outcome.rejected:
            lines.append(f"{item.path}:{rejected.finding.line}: not applied: {rejected.fix_id} for "
                         f"{rejected.finding.rule_id}: {rejected.reason}")
        if item.outcome.fixed and not item.outcome.executed:
            lines.append(f"{item.path}: fixes not checked by running the code ({item.outcome.execution})")
    total = sum(len(item.outcome.fixed) for item in fixes)
    lines.append(f"{total} finding(s) {'fixed' if write else 'fixable'} in "
                 f"{sum(1 for item in fixes if item.outcome.fixed)} file(s)")
    return "\n".join(lines) + "\n"
