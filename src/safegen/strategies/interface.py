"""The strategy interface: a task and the shared tools in, a RunRecord out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from safegen.backends.interface import LLMBackend
from safegen.config import Settings
from safegen.types import RunRecord, Task


@dataclass(frozen=True)
class StrategyContext:
    """What a strategy may use. Tools are created once per process and shared across tasks.

    ``analyzer`` is a safegen.analyzers.ensemble.Ensemble, ``sandbox`` a safegen.sandbox.Sandbox
    (None only for strategies that never execute code), ``scorer`` a safegen.scorer model or None.
    """

    backend: LLMBackend
    settings: Settings
    analyzer: Any = None
    sandbox: Any = None
    scorer: Any = None


class Strategy(ABC):
    """A secure-generation method composed from stages (generate, analyze, fuzz, rank, repair)."""

    name: str = "strategy"
    summary: str = ""
    needs_sandbox: bool = False

    @abstractmethod
    def run(self, task: Task, ctx: StrategyContext) -> RunRecord:
        """Produce code for the task. Must not raise for bad model output: record it and return the best seen."""
