"""The strategy interface: a task and the shared tools in, a RunRecord out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from safegen.backends.interface import LLMBackend
from safegen.config import Settings
from safegen.types import RunRecord, Task, Verdict

if TYPE_CHECKING:  # annotations only: a strategy's context does not import the tools' packages
    from safegen.analyzers.interface import SourceFile
    from safegen.sandbox.interface import SandboxLike
    from safegen.scorer.interface import ScorerLike


class AnalyzerLike(Protocol):
    """The static ensemble as strategies use it (``safegen.analyzers.ensemble.Ensemble`` or a test double).

    A ``versions() -> dict[str, str]`` method, where there is one, is recorded in the run record.
    """

    def check(self, code: str, path: str = "candidate.py") -> Verdict:
        """The verdict for one program."""

    def scan(self, files: Sequence[SourceFile]) -> list[Verdict]:
        """One verdict per file, in order (one batch)."""


@dataclass(frozen=True)
class StrategyContext:
    """What a strategy may use. Tools are created once per process and shared across tasks.

    ``sandbox`` is None only for strategies that never execute code; without an ``analyzer`` every verdict
    is UNKNOWN (fail closed); without a ``scorer`` ranking has no learned tie-breaker.
    """

    backend: LLMBackend
    settings: Settings
    analyzer: AnalyzerLike | None = None
    sandbox: SandboxLike | None = None
    scorer: ScorerLike | None = None


class Strategy(ABC):
    """A secure-generation method composed from stages (generate, analyze, fuzz, rank, repair)."""

    name: str = "strategy"
    summary: str = ""
    needs_sandbox: bool = False

    @abstractmethod
    def run(self, task: Task, ctx: StrategyContext) -> RunRecord:
        """Produce code for the task. Must not raise for bad model output: record it and return the best seen."""


if TYPE_CHECKING:  # mypy checks that the real ensemble keeps fitting the protocol
    from safegen.analyzers.ensemble import Ensemble

    def _fits(ensemble: Ensemble) -> AnalyzerLike:
        return ensemble
