"""Scanning files and directories from disk (or stdin) with the ensemble: what `safegen scan` does."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from safegen import progress
from safegen.analyzers.ensemble import Ensemble
from safegen.analyzers.interface import SourceFile
from safegen.serde import Record
from safegen.types import AnalyzerFailure, Finding, Severity, VerdictStatus

STDIN = "-"
STDIN_NAME = "<stdin>"
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "venv", "site-packages"})
BATCH_SIZE = 200
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class FileResult(Record):
    """The verdict for one scanned file, after the severity filter."""

    path: str
    status: VerdictStatus
    findings: tuple[Finding, ...] = ()
    errors: tuple[AnalyzerFailure, ...] = ()


@dataclass(frozen=True)
class ScanReport(Record):
    """Everything a scan found, ready for any output format."""

    files: tuple[FileResult, ...]
    analyzers: dict[str, str] = field(default_factory=dict)
    errors: tuple[AnalyzerFailure, ...] = ()  # paths that could not be read
    min_severity: Severity = Severity.LOW

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for result in self.files for f in result.findings)

    @property
    def all_errors(self) -> tuple[AnalyzerFailure, ...]:
        return self.errors + tuple(e for result in self.files for e in result.errors)

    @property
    def exit_code(self) -> int:
        """0: nothing found, 1: findings, 2: something could not be analyzed (that wins: fail closed)."""
        if self.all_errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if self.findings else EXIT_CLEAN


def _python_files(directory: Path) -> Iterator[Path]:
    """.py files under a directory, sorted, skipping hidden, cache and virtualenv folders."""
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        for name in sorted(names):
            if name.endswith(".py"):
                yield Path(root) / name


def collect_sources(paths: Sequence[str], stdin: IO[bytes] | None = None) -> tuple[list[SourceFile],
                                                                                  list[AnalyzerFailure]]:
    """Read every file named or found under the given paths; unreadable ones become errors."""
    sources: list[SourceFile] = []
    errors: list[AnalyzerFailure] = []
    seen: set[str] = set()

    def read(path: Path, shown: str) -> None:
        if shown in seen:
            return
        seen.add(shown)
        try:
            sources.append(SourceFile(shown, path.read_bytes().decode("utf-8")))
        except UnicodeDecodeError as exc:
            errors.append(AnalyzerFailure("safegen", f"not UTF-8 text: {exc.reason} at byte {exc.start}", shown))
        except OSError as exc:
            errors.append(AnalyzerFailure("safegen", f"cannot read: {exc.strerror or exc}", shown))

    for raw in paths:
        if raw == STDIN:
            stream = stdin or sys.stdin.buffer
            try:
                sources.append(SourceFile(STDIN_NAME, stream.read().decode("utf-8")))
            except UnicodeDecodeError as exc:
                errors.append(AnalyzerFailure("safegen", f"not UTF-8 text: {exc.reason}", STDIN_NAME))
            continue
        path = Path(raw)
        if path.is_dir():
            for found in _python_files(path):
                read(found, str(found))
        elif path.exists() or path.is_symlink():
            read(path, raw)
        else:
            errors.append(AnalyzerFailure("safegen", "no such file or directory", raw))
    return sources, errors


def scan_sources(ensemble: Ensemble, sources: Sequence[SourceFile],
                 min_severity: Severity = Severity.LOW) -> tuple[FileResult, ...]:
    """Verdicts for the sources in batches; findings below ``min_severity`` are dropped."""
    results: list[FileResult] = []
    with progress.bar(len(sources), "scanning", unit="file") as bar:
        for start in range(0, len(sources), BATCH_SIZE):
            batch = list(sources[start:start + BATCH_SIZE])
            for source, verdict in zip(batch, ensemble.scan(batch)):
                kept = tuple(f for f in verdict.findings if f.severity.rank >= min_severity.rank)
                if verdict.errors:
                    status = VerdictStatus.UNKNOWN
                else:
                    status = VerdictStatus.VULNERABLE if kept else VerdictStatus.SECURE
                results.append(FileResult(source.path, status, kept, verdict.errors))
            bar.update(len(batch))
    return tuple(results)


def scan_paths(paths: Sequence[str], ensemble: Ensemble, min_severity: Severity = Severity.LOW,
               stdin: IO[bytes] | None = None) -> ScanReport:
    """Read, scan and report: the library form of `safegen scan`."""
    sources, read_errors = collect_sources(paths, stdin)
    files = scan_sources(ensemble, sources, min_severity) if sources else ()
    return ScanReport(files=files, analyzers=ensemble.versions(), errors=tuple(read_errors),
                      min_severity=min_severity)
