"""The analyzer interface: a batch of source files in, one report per file out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

from safegen.types import AnalyzerFailure, Finding


@dataclass(frozen=True)
class SourceFile:
    """Code to analyze. ``path`` is how findings refer to it (need not exist on disk)."""

    path: str
    code: str


@dataclass(frozen=True)
class AnalyzerReport:
    """One analyzer's output for one file. Any error makes the ensemble's verdict UNKNOWN."""

    path: str
    findings: tuple[Finding, ...] = ()
    errors: tuple[AnalyzerFailure, ...] = ()


class Analyzer(ABC):
    """A static analyzer. Must never raise for a bad file: report it in ``errors`` instead."""

    name: str = "analyzer"

    @abstractmethod
    def version(self) -> str:
        """The tool's version, recorded in reports."""

    @abstractmethod
    def analyze(self, files: Sequence[SourceFile]) -> list[AnalyzerReport]:
        """Analyze a batch; return one report per file, in the same order."""
