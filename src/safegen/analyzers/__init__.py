"""Static analyzers mapped to CWE, run together as one ensemble (bandit, semgrep, ruff)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safegen.analyzers.interface import Analyzer, AnalyzerReport, SourceFile

if TYPE_CHECKING:
    from safegen.analyzers.ensemble import Ensemble

__all__ = ["Analyzer", "AnalyzerReport", "Ensemble", "SourceFile"]


def __getattr__(name: str) -> Any:
    """Import the ensemble only when used, so ``import safegen.analyzers`` stays cheap."""
    if name == "Ensemble":
        from safegen.analyzers.ensemble import Ensemble

        return Ensemble
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
