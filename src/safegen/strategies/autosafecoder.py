"""autosafecoder: coding agent (few-shot), static-analysis agent (CWE feedback) and fuzzing agent in a loop."""

from __future__ import annotations

from dataclasses import dataclass

from safegen.config import Settings
from safegen.prompts import templates
from safegen.serde import Record
from safegen.strategies import repair, sources, stages
from safegen.strategies.base import StagedStrategy
from safegen.strategies.state import RunState
from safegen.types import Candidate


@dataclass(frozen=True)
class AutoSafeCoderOptions(Record):
    """The rounds of the static and the fuzzing agent, and the fuzzer's budget."""

    static_rounds: int
    fuzz_rounds: int
    fuzz_iterations: int


class AutoSafeCoderStrategy(StagedStrategy[AutoSafeCoderOptions]):
    """AutoSafeCoder with real tools: the ensemble as the static agent, the sandboxed fuzzer as the fuzzing agent."""

    name = "autosafecoder"
    summary = ("coding agent with few-shot prompt, static-analysis agent with CWE feedback (<=4 rounds), "
               "then a sandboxed fuzzing agent whose defects go back to the coder (<=4 rounds)")
    needs_sandbox = True

    def options(self, settings: Settings) -> AutoSafeCoderOptions:
        return AutoSafeCoderOptions(static_rounds=settings.max_rounds, fuzz_rounds=settings.max_rounds,
                                    fuzz_iterations=settings.fuzz_iterations)

    def execute(self, state: RunState, opts: AutoSafeCoderOptions) -> Candidate | None:
        base = templates.generation_messages(state.task.requirement, system=templates.SYSTEM_SECURE,
                                             entry_point=state.entry_point, few_shot=templates.FEW_SHOT)
        first = stages.generate(state, base)[0]
        if not first.code:
            return None
        first = stages.analyze(state, [first])[0]
        current = repair.repair_loop(state, first, base, sources.STATIC, max_rounds=opts.static_rounds)
        next_round = len(state.rounds) + 1
        repair.repair_loop(state, current, base, sources.FUZZ, max_rounds=opts.fuzz_rounds, first_round=next_round)
        return None
