"""bandit run in-process through its Python API: one warm manager, code analyzed from memory."""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from safegen.analyzers import cwe_map
from safegen.analyzers.findings import make_finding
from safegen.analyzers.interface import Analyzer, AnalyzerReport, SourceFile
from safegen.errors import AnalyzerError
from safegen.types import AnalyzerFailure, Finding, Severity


class _Capture(logging.Handler):
    """Collects bandit's error log records (a crashing plugin is only logged by bandit)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class BanditAnalyzer(Analyzer):
    """All bandit tests; ``# nosec`` comments are ignored so generated code cannot silence them."""

    name = "bandit"

    def __init__(self, corrected_cwe: bool = True) -> None:
        """``corrected_cwe=False`` keeps bandit's own CWE tags (only to compare with plain bandit)."""
        self.corrected_cwe = corrected_cwe
        self._manager: Any = None
        self._lock = threading.Lock()

    def version(self) -> str:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                import bandit
        except ImportError as exc:
            raise AnalyzerError("bandit is not installed", hint="pip install bandit") from exc
        return str(bandit.__version__)

    def _get_manager(self) -> Any:
        if self._manager is None:
            with warnings.catch_warnings():  # stevedore deprecation noise from bandit's plugin loader
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    from bandit.core import config as b_config
                    from bandit.core import manager as b_manager
                except ImportError as exc:
                    raise AnalyzerError("bandit is not installed", hint="pip install bandit") from exc
                self._manager = b_manager.BanditManager(b_config.BanditConfig(), "file", ignore_nosec=True,
                                                        quiet=True)
        return self._manager

    def warm_up(self) -> None:
        """Load bandit's plugins now rather than on the first file."""
        with self._lock:
            self._get_manager()

    def analyze(self, files: Sequence[SourceFile]) -> list[AnalyzerReport]:
        with self._lock:
            try:
                manager = self._get_manager()
            except Exception as exc:  # noqa: BLE001 - reported per file, never raised
                message = str(exc) or type(exc).__name__
                return [AnalyzerReport(f.path, errors=(AnalyzerFailure(self.name, message, f.path),))
                        for f in files]
            return [self._analyze_one(manager, source) for source in files]

    def _analyze_one(self, manager: Any, source: SourceFile) -> AnalyzerReport:
        from bandit.core import metrics

        logger = logging.getLogger("bandit")
        capture = _Capture()
        logger.addHandler(capture)
        old_propagate = logger.propagate
        logger.propagate = False
        manager.results, manager.skipped, manager.scores = [], [], []
        manager.metrics = metrics.Metrics()
        files_list = [source.path]
        try:
            manager._parse_file(source.path, io.BytesIO(source.code.encode("utf-8", "surrogateescape")),
                                files_list)
        except Exception as exc:  # noqa: BLE001 - bandit must never take the ensemble down
            capture.messages.append(f"bandit crashed: {type(exc).__name__}: {exc}")
        finally:
            logger.removeHandler(capture)
            logger.propagate = old_propagate
        errors = [AnalyzerFailure(self.name, f"skipped: {reason}", source.path) for _, reason in manager.skipped]
        errors += [AnalyzerFailure(self.name, message, source.path) for message in capture.messages]
        findings = tuple(self._finding(issue, source.path) for issue in manager.results)
        return AnalyzerReport(source.path, findings=findings, errors=tuple(errors))

    def _finding(self, issue: Any, path: str) -> Finding:
        tool_cwe = getattr(getattr(issue, "cwe", None), "id", None)
        lines = list(getattr(issue, "linerange", None) or [issue.lineno])
        return make_finding(
            tool=self.name,
            rule_id=str(issue.test_id),
            cwe=cwe_map.bandit_cwe(str(issue.test_id), tool_cwe or None) if self.corrected_cwe else tool_cwe or None,
            severity=Severity.parse(str(issue.severity)),
            confidence=Severity.parse(str(issue.confidence)),
            line=int(issue.lineno or 0),
            column=int(getattr(issue, "col_offset", -1) or 0) + 1,
            end_line=int(max(lines)) if lines else None,
            message=f"{issue.text} ({issue.test})" if getattr(issue, "test", "") else str(issue.text),
            path=path,
        )
