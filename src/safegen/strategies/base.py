"""The common frame of every built-in strategy: state in, stages composed by ``execute``, RunRecord out."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Generic, TypeVar

from safegen import progress
from safegen.config import Settings
from safegen.errors import BackendError
from safegen.serde import Record
from safegen.strategies import stages
from safegen.strategies.interface import Strategy, StrategyContext
from safegen.strategies.postprocess import AnswerStep
from safegen.strategies.state import RunState
from safegen.types import Candidate, RunRecord, Task

DEFAULT_SAMPLING_TEMPERATURE = 0.8


def sampling_temperature(settings: Settings) -> float:
    """Temperature for drawing several samples: the configured one when above 0, else 0.8."""
    return settings.temperature if settings.temperature > 0 else DEFAULT_SAMPLING_TEMPERATURE


@dataclass(frozen=True)
class NoOptions(Record):
    """The options of a strategy without knobs."""


OptionsT = TypeVar("OptionsT", bound=Record)


class StagedStrategy(Strategy, Generic[OptionsT]):
    """Runs ``execute`` over a fresh RunState; the final answer is the best candidate seen (never worse).

    ``OptionsT`` is the strategy's frozen options: its constructor flags resolved against the settings,
    recorded in the RunRecord's config as ``strategy_options``.
    """

    uses_scorer = False

    @abstractmethod
    def options(self, settings: Settings) -> OptionsT:
        """The knobs this run uses."""

    def answer_steps(self, options: OptionsT) -> tuple[AnswerStep, ...]:
        """The post-processing every answer of the run goes through (strategies/postprocess.py); none by default."""
        return ()

    @abstractmethod
    def execute(self, state: RunState, opts: OptionsT) -> Candidate | None:
        """Compose the stages; return the chosen candidate (None: take the best seen)."""

    def task_steps(self, task: Task, options: OptionsT) -> tuple[AnswerStep, ...]:
        """Post-processing that needs the task itself (its code prompt); none by default."""
        return ()

    def new_state(self, task: Task, ctx: StrategyContext) -> tuple[RunState, OptionsT]:
        """A fresh state for one run of this strategy on ``task``, and the run's options."""
        options = self.options(ctx.settings)
        steps = self.answer_steps(options) + self.task_steps(task, options)
        return RunState(task, ctx, self.name, options, steps), options

    def run(self, task: Task, ctx: StrategyContext) -> RunRecord:
        state, opts = self.new_state(task, ctx)
        progress.note(f"strategy {self.name}: {task.task_id}")
        chosen: Candidate | None = None
        try:
            chosen = self.execute(state, opts)
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
