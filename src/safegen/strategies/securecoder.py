"""securecoder: sample N, rank by verdict then learned score then findings, refine the vulnerable, re-rank."""

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
class SecureCoderOptions(Record):
    """How many samples are drawn, at which temperature, and whether the vulnerable ones are refined."""

    samples: int
    temperature: float
    refine: bool


class SecureCoderStrategy(StagedStrategy[SecureCoderOptions]):
    """SecureCoder's sample-rank-refine loop with the real ensemble and, when installed, the learned scorer."""

    name = "securecoder"
    summary = ("sample N at temperature > 0, rank by static verdict then learned score then findings, "
               "refine the vulnerable ones with their findings, re-rank, return the top")
    uses_scorer = True

    def options(self, settings: Settings) -> SecureCoderOptions:
        return SecureCoderOptions(samples=settings.samples, temperature=sampling_temperature(settings),
                                  refine=settings.max_rounds > 0)

    def execute(self, state: RunState, opts: SecureCoderOptions) -> Candidate | None:
        base = templates.generation_messages(state.task.requirement, entry_point=state.entry_point)
        progress.note(f"sampling {opts.samples} candidates")
        samples = stages.generate(state, base, n=opts.samples, temperature=opts.temperature)
        samples = stages.analyze(state, samples, scored=True)
        ranked = sorted((c for c in samples if c.code), key=lambda c: stages.securecoder_key(state, c))
        clean = [c for c in ranked if c.verdict is not None and c.verdict.is_secure and state.signature_ok(c)
                 and not stages.fails_tests(c)]
        if opts.refine and not clean:  # with a clean sample on top, refining the rest cannot change the answer
            for candidate in ranked:
                repair.repair_loop(state, candidate, base, sources.STATIC, max_rounds=1, scored=True)
        # the final choice never has more or worse findings than another version seen: the verdict
        # decides first, the learned score breaks its ties
        return stages.best(state, use_score=True)
