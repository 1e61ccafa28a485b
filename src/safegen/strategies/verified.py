"""verified: any strategy with the execution-grounded checks around it, each a flag (so an ablation).

The inner strategy runs as published, but every candidate it analyzes is also attacked in the sandbox and
checked against the tests derived from the requirement (trusted where its first answers agree); its repairs
must not lose either (never worse), and with ``evidence_first`` its ranking puts executed evidence before the
static verdict. After it, optional repairs of code that cannot run as written (``completion``), the host-list
fix (``host_lists``), the verified rule fixes and repair rounds fed with confirmed exploits run on the best
version; with ``legitimate_callers`` an answer that refuses the administrator, a record's owner or the genuine
signature as it refuses an outsider gets a repair round first, then fresh answers if it still does. With
``answers`` above 1 more answers to the plain prompt join the first: with derived tests they vote, and one
replaces the first only where the trusted tests prefer it (with ``most_tests``, also where it passes more of
the derived tests, trusted or not, than the others). ``--strategy verified --option inner=autosafecoder``
measures any method with and without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safegen.backends.interface import ChatMessage
from safegen.config import Settings
from safegen.errors import InputError
from safegen.prompts import templates
from safegen.serde import Record
from safegen.strategies import completeness, legitimate, repair, stages, url_hosts, verification
from safegen.strategies.base import StagedStrategy
from safegen.strategies.interface import StrategyContext
from safegen.strategies.postprocess import AnswerStep
from safegen.strategies.state import RunState
from safegen.strategies.verify_options import VerifyOptions
from safegen.types import Candidate, Task


@dataclass(frozen=True)
class VerifiedOptions(Record):
    """The inner strategy and its options, the checks used, and the repair rounds fed with confirmed exploits."""

    inner: str
    verify: VerifyOptions
    attack_rounds: int
    inner_options: dict[str, Any] = field(default_factory=dict)
    fixes_first: bool = False  # the mechanical exploit fixes before the model's attack repairs (not only after)
    answers: int = 1  # independent answers to the plain prompt: the inner strategy's, then more at ANSWER_TEMPERATURE


ANSWER_TEMPERATURE = 0.7  # the extra answers' temperature when the run's own is greedy (the dev runs used 0.7)


def more_answers(state: RunState, base: list[ChatMessage], count: int) -> list[Candidate]:
    """``count`` more answers to the plain prompt, sampled with seeds after the run's own (distinct answers)."""
    temperature = state.settings.temperature if state.settings.temperature > 0 else ANSWER_TEMPERATURE
    return stages.generate(state, base, n=count, temperature=temperature, seed=state.settings.seed + 1,
                           origin=verification.MORE_ANSWER)


class VerifiedStrategy(StagedStrategy[VerifiedOptions]):
    """An inner strategy plus attacks, derived tests, rule fixes and evidence-first ranking (each a flag)."""

    name = "verified"
    summary = ("any strategy (--option inner=NAME, default baseline) with execution-grounded checks: attacks "
               "confirmed in the sandbox, tests derived from the requirement and trusted by agreement, verified "
               "rule fixes, executed evidence ranked before the static verdict")
    needs_sandbox = True

    def __init__(self, *, inner: str = "baseline", attacks: bool = True, derived_tests: bool = True,
                 rule_fixes: bool = True, evidence_first: bool = True, attack_agent: bool = False,
                 attack_repairs: int | None = 2, fixes_first: bool = False, completion: bool = False,
                 host_lists: bool = False, legitimate_callers: bool = False, answers: int = 1,
                 most_tests: bool = False, more_tests: bool = False,
                 legitimate_rank: bool = False) -> None:
        from safegen.registry import STRATEGIES

        if not isinstance(answers, int) or isinstance(answers, bool) or answers < 1:
            raise InputError(f"answers must be a whole number of at least 1, not {answers!r}",
                             hint="--option answers=4 asks for the first answer and three more")

        inner_class = STRATEGIES.get(inner)
        if isinstance(inner_class, type) and issubclass(inner_class, VerifiedStrategy):
            raise TypeError(f"{inner!r} already wraps a strategy in the checks; choose the inner one")
        self.inner_name = inner
        self.inner: StagedStrategy[Any] = inner_class()
        self.uses_scorer = bool(getattr(self.inner, "uses_scorer", False))
        self.verify = VerifyOptions(attacks=attacks, attack_agent=attack_agent, derived_tests=derived_tests,
                                    rule_fixes=rule_fixes, evidence_first=evidence_first, completion=completion,
                                    host_lists=host_lists, legitimate_callers=legitimate_callers,
                                    most_tests=most_tests, more_tests=more_tests,
                                    legitimate_rank=legitimate_rank)
        self.attack_repairs = attack_repairs
        self.fixes_first = fixes_first
        self.answers = answers

    def options(self, settings: Settings) -> VerifiedOptions:
        rounds = settings.max_rounds if self.attack_repairs is None else min(self.attack_repairs, settings.max_rounds)
        return VerifiedOptions(inner=self.inner_name, verify=self.verify,
                               attack_rounds=rounds if self.verify.attacks else 0,
                               inner_options=self.inner.options(settings).to_dict(), fixes_first=self.fixes_first,
                               answers=self.answers)

    def answer_steps(self, options: VerifiedOptions) -> tuple[AnswerStep, ...]:
        return ()

    def new_state(self, task: Task, ctx: StrategyContext) -> tuple[RunState, VerifiedOptions]:
        options = self.options(ctx.settings)
        inner_options = self.inner.options(ctx.settings)
        steps = self.inner.answer_steps(inner_options) + self.inner.task_steps(task, inner_options)
        state = RunState(task, ctx, self.name, options, steps)
        state.derive_on_analyze = True  # the inner strategy's first answers vote on the derived tests
        return state, options

    def execute(self, state: RunState, opts: VerifiedOptions) -> Candidate | None:
        chosen = self.inner.execute(state, self.inner.options(state.settings))
        base = templates.generation_messages(state.task.requirement, system=templates.SYSTEM_PLAIN,
                                             entry_point=state.entry_point)
        if opts.answers > 1:  # more answers to vote on the derived tests and to rank (ties keep the first)
            more_answers(state, base, opts.answers - 1)
        # an inner strategy that only generates (baseline, prompted) leaves its answers unanalyzed: the checks,
        # the rule fixes and the never-worse rule need their verdicts
        stages.analyze(state, [c for c in state.eligible() if c.verdict is None], scored=self.uses_scorer)
        best = stages.best(state, use_score=self.uses_scorer)
        if best is None:
            return chosen
        if opts.verify.completion:  # code that cannot run is completed before it is attacked and fixed
            repair.repair_loop(state, best, base, completeness.MISSING_PARTS, max_rounds=1,
                               first_round=len(state.rounds) + 1, scored=self.uses_scorer)
            best = stages.best(state, use_score=self.uses_scorer) or best
        if opts.verify.legitimate_callers:  # function first: the attacks then judge the version that works
            repair.repair_loop(state, best, base, legitimate.REFUSED_CALLERS, max_rounds=legitimate.ROUNDS,
                               first_round=len(state.rounds) + 1, scored=self.uses_scorer)
            best = legitimate.resample(state, stages.best(state, use_score=self.uses_scorer) or best, base,
                                       scored=self.uses_scorer)
        for fix in (url_hosts.fix, verification.rule_fix):  # each keeps its version only if nothing was lost
            fixed = fix(state, best)
            if fixed is not None and fixed.candidate_id not in state.rejected:
                best = fixed
        if opts.attack_rounds > 0:
            if opts.fixes_first:  # the model is asked only about the exploits no mechanical fix removes
                verification.exploit_fix(state, stages.best(state, use_score=self.uses_scorer) or best)
            repaired = repair.repair_loop(state, stages.best(state, use_score=self.uses_scorer) or best, base,
                                          verification.ATTACKS, max_rounds=opts.attack_rounds,
                                          first_round=len(state.rounds) + 1, scored=self.uses_scorer)
            verification.exploit_fix(state, stages.best(state, use_score=self.uses_scorer) or repaired)
        return None
