"""franc: sample N, return the first sample the static analyzers pass, else re-prompt once with the findings."""

from __future__ import annotations

from dataclasses import dataclass

from safegen import progress
from safegen.config import Settings
from safegen.prompts import templates
from safegen.serde import Record
from safegen.strategies import repair, sources, stages
from safegen.strategies.base import StagedStrategy, sampling_temperature
from safegen.strategies.state import RunState
from safegen.types import Candidate


@dataclass(frozen=True)
class FrancOptions(Record):
    """How many samples the filter draws, at which temperature, and whether one repair prompt may follow."""

    samples: int
    temperature: float
    repair_rounds: int


class FrancStrategy(StagedStrategy[FrancOptions]):
    """FRANC-style filter: the static ensemble gates N samples; one repair prompt if none passes."""

    name = "franc"
    summary = "sample N, return the first that the static analyzers pass, else re-prompt once with the findings"

    def options(self, settings: Settings) -> FrancOptions:
        return FrancOptions(samples=settings.samples, temperature=sampling_temperature(settings),
                            repair_rounds=min(settings.max_rounds, 1))

    def execute(self, state: RunState, opts: FrancOptions) -> Candidate | None:
        base = templates.generation_messages(state.task.requirement, entry_point=state.entry_point)
        progress.note(f"sampling {opts.samples} candidates")
        samples = stages.generate(state, base, n=opts.samples, temperature=opts.temperature)
        samples = stages.analyze(state, samples)
        for candidate in samples:
            if (candidate.code and candidate.verdict is not None and candidate.verdict.is_secure
                    and state.signature_ok(candidate)):
                return candidate
        ranked = stages.rank(state, samples)
        if ranked:
            repair.repair_loop(state, ranked[0], base, sources.STATIC, max_rounds=opts.repair_rounds)
        return None
