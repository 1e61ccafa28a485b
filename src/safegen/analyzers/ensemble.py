"""The analyzer ensemble: every analyzer on a batch at once, findings merged, verdicts that fail closed."""

from __future__ import annotations

import contextlib
import inspect
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Self

from safegen.analyzers import cwe_map
from safegen.analyzers.findings import merge
from safegen.analyzers.interface import Analyzer, AnalyzerReport, SourceFile
from safegen.analyzers.workspace import Pending, SubprocessAnalyzer, Workspace
from safegen.config import Settings
from safegen.errors import AnalyzerError
from safegen.types import AnalyzerFailure, Finding, Severity, Verdict, VerdictStatus

DEFAULT_ANALYZERS = ("bandit", "semgrep", "ruff")
# External tools get at most this many files per process, so one timeout covers a bounded amount of work.
MAX_BATCH = 200
SYNTAX_TOOL = "python"


def syntax_error(source: SourceFile) -> AnalyzerFailure | None:
    """Why the file is not valid Python 3, or None. Analyzers would silently skip such a file."""
    try:
        compile(source.code, source.path or "<candidate>", "exec", flags=0x400, dont_inherit=True)  # PyCF_ONLY_AST
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return AnalyzerFailure(SYNTAX_TOOL, f"syntax error ({where}): {exc.msg}", source.path)
    except (ValueError, RecursionError, MemoryError) as exc:
        return AnalyzerFailure(SYNTAX_TOOL, f"unparsable source: {type(exc).__name__}: {exc}", source.path)
    return None


def _construct(factory: Any, settings: Settings, warm: bool) -> Analyzer:
    """Build an analyzer, passing the scan timeout (and warm start) to those that take them."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        parameters = {}  # type: ignore[assignment]
    kwargs: dict[str, Any] = {}
    if "timeout" in parameters:
        kwargs["timeout"] = settings.scan_timeout
    if "prespawn" in parameters:
        kwargs["prespawn"] = warm
    analyzer = factory(**kwargs)
    if not isinstance(analyzer, Analyzer):
        raise AnalyzerError(f"{factory!r} is not an Analyzer")
    return analyzer


class Ensemble:
    """Runs analyzers together on batches and turns their reports into one Verdict per file.

    Verdicts fail closed: SECURE only when no analyzer found anything and none failed; any
    failure (crash, timeout, unparsable file) makes the verdict UNKNOWN, with the reason in
    ``errors``. Findings of rules listed in ``cwe_map.IGNORED_RULES`` never count.
    """

    def __init__(self, analyzers: Sequence[Analyzer], *, ignored_rules: frozenset[str] | None = None) -> None:
        if not analyzers:
            raise AnalyzerError("an ensemble needs at least one analyzer")
        self.analyzers = tuple(analyzers)
        self.ignored_rules = frozenset(cwe_map.IGNORED_RULES) if ignored_rules is None else ignored_rules
        self._versions: dict[str, str] | None = None

    @classmethod
    def default(cls, settings: Settings | None = None, *, warm: bool = True) -> Ensemble:
        """bandit (in-process), semgrep with safegen's rules, and ruff's S rules.

        ``warm`` keeps a semgrep engine started between scans (about 0.1 s instead of 0.3-0.4 s for
        one file); one-shot callers such as ``safegen scan`` pass False.
        """
        return cls.from_names(DEFAULT_ANALYZERS, settings, warm=warm)

    @classmethod
    def from_names(cls, names: Sequence[str], settings: Settings | None = None, *,
                   warm: bool = True) -> Ensemble:
        """Analyzers looked up in the registry (plugins included) by name."""
        from safegen.registry import ANALYZERS

        settings = settings or Settings()
        return cls([_construct(ANALYZERS.get(name), settings, warm) for name in names])

    def warm_up(self) -> None:
        """Start what can be started before the first scan (semgrep's engine, bandit's plugins)."""
        for analyzer in self.analyzers:
            warm = getattr(analyzer, "warm_up", None)
            if callable(warm):
                with contextlib.suppress(Exception):  # warming up is an optimization only
                    warm()

    def close(self) -> None:
        """Stop helper processes the analyzers keep (also done when the ensemble is collected)."""
        for analyzer in self.analyzers:
            closer = getattr(analyzer, "close", None)
            if callable(closer):
                closer()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.analyzers)

    def versions(self) -> dict[str, str]:
        """Tool versions for reports and run records (an analyzer that cannot say is 'unavailable')."""
        if self._versions is None:
            versions = {}
            for analyzer in self.analyzers:
                try:
                    versions[analyzer.name] = analyzer.version()
                except Exception:  # noqa: BLE001 - a version is informative only
                    versions[analyzer.name] = "unavailable"
            self._versions = versions
        return dict(self._versions)

    def check(self, code: str, path: str = "candidate.py") -> Verdict:
        """Verdict for one piece of code."""
        return self.scan([SourceFile(path=path, code=code)])[0]

    def scan(self, files: Sequence[SourceFile]) -> list[Verdict]:
        """One verdict per file, in order. Each external tool starts once for the whole batch."""
        started = time.perf_counter()
        files = list(files)
        syntax = [syntax_error(f) for f in files]
        parsable = [i for i, error in enumerate(syntax) if error is None]
        batch = [files[i] for i in parsable]
        reports: dict[int, list[AnalyzerReport]] = defaultdict(list)
        for start in range(0, len(batch), MAX_BATCH):
            chunk, positions = batch[start:start + MAX_BATCH], parsable[start:start + MAX_BATCH]
            for analyzer, analyzer_reports in self._run_all(chunk):
                if len(analyzer_reports) != len(chunk):
                    analyzer_reports = _fail(analyzer, chunk, f"returned {len(analyzer_reports)} reports for "
                                                              f"{len(chunk)} files")
                for position, report in zip(positions, analyzer_reports):
                    reports[position].append(report)
        share = (time.perf_counter() - started) / max(len(files), 1)
        return [self._verdict(files[i], syntax[i], reports[i], share) for i in range(len(files))]

    def _run_all(self, batch: list[SourceFile]) -> list[tuple[Analyzer, list[AnalyzerReport]]]:
        """External tools start first and run while the in-process analyzers work."""
        external = [a for a in self.analyzers if isinstance(a, SubprocessAnalyzer)]
        internal = [a for a in self.analyzers if not isinstance(a, SubprocessAnalyzer)]
        results: list[tuple[Analyzer, list[AnalyzerReport]]] = []
        workspace: Workspace | None = None
        try:
            started: list[tuple[SubprocessAnalyzer, Pending | list[AnalyzerReport]]] = []
            if external:
                try:
                    workspace = Workspace(batch)
                except OSError as exc:
                    started = [(tool, _fail(tool, batch, f"cannot write the batch to disk: {exc}"))
                               for tool in external]
            for tool in external if workspace is not None else []:
                started.append((tool, self._guard(tool, batch, lambda t=tool, w=workspace: t.launch(w))))
            for analyzer in internal:
                results.append((analyzer, self._guard(analyzer, batch, lambda a=analyzer: a.analyze(batch))))
            for tool, handle in started:
                if isinstance(handle, Pending):
                    results.append((tool, self._guard(tool, batch, lambda t=tool, h=handle: t.collect(h))))
                else:
                    results.append((tool, handle))
        finally:
            if workspace is not None:
                workspace.close()
        return results

    @staticmethod
    def _guard(analyzer: Analyzer, batch: list[SourceFile], call: Any) -> Any:
        """Run one analyzer step; an exception becomes an error on every file of the batch."""
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - one analyzer failing never stops the others
            return _fail(analyzer, batch, f"crashed: {type(exc).__name__}: {exc}")

    def _verdict(self, source: SourceFile, syntax: AnalyzerFailure | None, reports: list[AnalyzerReport],
                 seconds: float) -> Verdict:
        errors: list[AnalyzerFailure] = [syntax] if syntax else []
        findings: list[Finding] = []
        for report in reports:
            errors.extend(report.errors)
            findings.extend(f for f in report.findings if not self._ignored(f))
        merged = merge(findings)
        if errors:
            status = VerdictStatus.UNKNOWN
        elif merged:
            status = VerdictStatus.VULNERABLE
        else:
            status = VerdictStatus.SECURE
        return Verdict(status=status, findings=merged, errors=tuple(errors), analyzers=self.names,
                       seconds=round(seconds, 6))

    def _ignored(self, finding: Finding) -> bool:
        if finding.tool == "ruff":
            twin = cwe_map.ruff_rule_to_bandit(finding.rule_id)
            return twin is not None and twin in self.ignored_rules
        return finding.rule_id in self.ignored_rules


def _fail(analyzer: Analyzer, batch: Sequence[SourceFile], message: str) -> list[AnalyzerReport]:
    return [AnalyzerReport(f.path, errors=(AnalyzerFailure(analyzer.name, message, f.path),)) for f in batch]


__all__ = ["Ensemble", "Severity", "SourceFile", "Verdict", "syntax_error"]
