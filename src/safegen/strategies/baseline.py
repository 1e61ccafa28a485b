"""baseline: one sample with a plain prompt; nothing is checked or changed (the verdict is only reported)."""

from __future__ import annotations

from safegen.config import Settings
from safegen.prompts import templates
from safegen.strategies import stages
from safegen.strategies.base import NoOptions, StagedStrategy
from safegen.strategies.state import RunState
from safegen.types import Candidate


class BaselineStrategy(StagedStrategy[NoOptions]):
    """One greedy sample from a plain coding prompt."""

    name = "baseline"
    summary = "one sample from a plain coding prompt, no checks (the verdict is only reported)"
    system = templates.SYSTEM_PLAIN

    def options(self, settings: Settings) -> NoOptions:
        return NoOptions()

    def execute(self, state: RunState, opts: NoOptions) -> Candidate | None:
        messages = templates.generation_messages(state.task.requirement, system=self.system,
                                                 entry_point=state.entry_point)
        candidates = stages.generate(state, messages)
        return candidates[0] if candidates[0].code else None
