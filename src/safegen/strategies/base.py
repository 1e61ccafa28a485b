"""The common frame of every built-in strategy: state in, stages composed by ``execute``, RunRecord out."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from safegen import progress
from safegen.config import Settings
from safegen.errors import BackendError
from safegen.strategies import stages
from safegen.strategies.interface import Strategy, StrategyContext
from safegen.strategies.postprocess import AnswerStep
from safegen.strategies.state import RunState
from safegen.types import Candidate, RunRecord, Task

DEFAULT_SAMPLING_TEMPERATURE = 0.8


def sampling_temperature(settings: Settings) -> float:
    """Temperature for drawing several samples: the configured one when above 0, else 0.8."""
    return settings.temperature if settings.temperature > 0 else DEFAULT_SAMPLING_TEMPERATURE


class StagedStrategy(Strategy):
    """Runs ``execute`` over a fresh RunState; the final answer is the best candidate seen (never worse)."""

    uses_scorer = False

    def options(self, settings: Settings) -> dict[str, Any]:
        """The knobs this run used, recorded in the RunRecord's config."""
        return {}

    def answer_steps(self, options: dict[str, Any]) -> tuple[AnswerStep, ...]:
        """The post-processing every answer of the run goes through (strategies/postprocess.py); none by default."""
        return ()

    def new_state(self, task: Task, ctx: StrategyContext) -> RunState:
        """A fresh state for one run of this strategy on ``task``."""
        options = self.options(ctx.settings)
        return RunState(task, ctx, self.name, options, self.answer_steps(options))

    @abstractmethod
    def execute(self, state: RunState) -> Candidate | None:
        """Compose the stages; return the chosen candidate (None: take the best seen)."""

    def run(self, task: Task, ctx: StrategyContext) -> RunRecord:
        state = self.new_state(task, ctx)
        progress.note(f"strategy {self.name}: {task.task_id}")
        chosen: Candidate | None = None
        try:
            chosen = self.execute(state)
        except BackendError as exc:  # keep what was generated before the backend failed
            if not state.with_code():
                raise
            state.note_error(f"backend failed, returning the best so far: {exc}")
        final = self.finalize(state, chosen)
        return state.record(final)

    def finalize(self, state: RunState, chosen: Candidate | None) -> Candidate | None:
        """The chosen candidate if it is still eligible, else the best seen; its verdict always filled in."""
        if chosen is not None and chosen.candidate_id not in state.rejected and chosen.code:
            final: Candidate | None = state.get(chosen.candidate_id)
        else:
            final = stages.best(state, use_score=self.uses_scorer)
        if final is not None and final.verdict is None:
            final = stages.analyze(state, [final])[0]
        return final
