"""safegen-static: the default up to v7, driven by static findings; its knobs are constructor flags for ablations."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from safegen.backends.interface import ChatMessage
from safegen.config import Settings
from safegen.prompts import templates
from safegen.serde import Record
from safegen.strategies import repair, sources, stages, verification
from safegen.strategies.base import StagedStrategy, sampling_temperature
from safegen.strategies.contract import KeepDocstring
from safegen.strategies.postprocess import (
    AnswerStep,
    DropSelfTests,
    FixImports,
    PruneImports,
)
from safegen.strategies.relevance import security_topics
from safegen.strategies.state import RunState
from safegen.strategies.verify_options import OFF, VerifyOptions
from safegen.types import Candidate, Task


@dataclass(frozen=True)
class SafegenStaticOptions(Record):
    """What one safegen run uses: the strategy's flags resolved against the settings."""

    imports_step: bool
    secure_prompt: bool
    samples: int
    temperature: float
    static_rounds: int
    tests_rounds: int
    fuzz_rounds: int
    fix_imports: bool
    prune_imports: bool
    drop_self_tests: bool
    plain_fallback: bool
    prefill: bool
    topic_gate: bool
    plain_vote: bool = False
    attack_rounds: int = 0
    keep_contract: bool = False
    verify: VerifyOptions = OFF


@dataclass(frozen=True, kw_only=True)
class SafegenStaticStrategy(StagedStrategy[SafegenStaticOptions]):
    """The ``safegen`` default up to v7 (chosen on SecurityEval and HumanEval's static judges and examples).

    Security prompt + two-step imports (which, with a Python prompt, open the answer the model continues) +
    N samples ranked + static repair loop + repair of the task's failing examples + a plain-prompt answer when
    they still fail (or when no answer held code) + fuzz repair, never worse; unused imports and the demo the
    model appends after the function are dropped.

    With ``topic_gate`` the security prompt and the imports step are kept for tasks that touch a security
    topic (strategies/relevance.py); pure computation is asked with the plain prompt, which is what the model
    does best, and is analyzed and repaired like everything else.

    Its fields are the flags an ablation switches off (bench/ablate.py): a ``None`` count means the
    setting's (``samples``, ``max_rounds``), a given one is capped by ``max_rounds``."""

    name = "safegen-static"
    summary = ("security prompt with two-step imports for tasks that touch security (opening the answer the model "
               "continues, where the backend can), static repair loop with CWE feedback, repair of the "
               "task's failing examples (then a plain-prompt answer if they still fail), sandboxed fuzz repair; "
               "returns the best version seen")
    needs_sandbox = True
    uses_scorer = True

    imports_step: bool = True
    secure_prompt: bool = True
    samples: int | None = 1
    static_rounds: int | None = None
    tests_rounds: int | None = 2
    fuzz_rounds: int | None = 2
    fix_imports: bool = True
    prune_imports: bool = True
    drop_self_tests: bool = True
    plain_fallback: bool = True
    prefill: bool = True
    topic_gate: bool = True
    # Execution-grounded checks (strategies/verification.py), each on only where the dev sets measured a gain.
    attacks: bool = False  # probe each candidate in the sandbox; repair confirmed exploits
    attack_agent: bool = False  # the model proposes exploit inputs too
    attack_repairs: int | None = 2  # repair rounds fed with confirmed exploits (with ``attacks``)
    derived_tests: bool = False  # tests derived from the requirement, trusted where the answers agree
    plain_vote: bool = False  # on security tasks, also ask the plain prompt: a second program to vote and rank
    # verified rule fixes of the findings the model's repairs left; on (v7): dev gain, no loss
    # (benchmarks/results/rule_fix_effect_*.txt)
    rule_fixes: bool = True
    evidence_first: bool = False  # rank executed evidence (tests, attacks) before the static verdict
    keep_contract: bool = False  # a code prompt's docstring comes back verbatim (strategies/contract.py)

    def options(self, settings: Settings) -> SafegenStaticOptions:
        rounds = settings.max_rounds

        def capped(count: int | None) -> int:
            return rounds if count is None else min(count, rounds)

        return SafegenStaticOptions(
            imports_step=self.imports_step, secure_prompt=self.secure_prompt, samples=self.samples or settings.samples,
            temperature=sampling_temperature(settings), static_rounds=capped(self.static_rounds),
            tests_rounds=capped(self.tests_rounds), fuzz_rounds=capped(self.fuzz_rounds), fix_imports=self.fix_imports,
            prune_imports=self.prune_imports, drop_self_tests=self.drop_self_tests, plain_fallback=self.plain_fallback,
            prefill=self.prefill, topic_gate=self.topic_gate, plain_vote=self.plain_vote,
            keep_contract=self.keep_contract,
            attack_rounds=capped(self.attack_repairs) if self.attacks else 0,
            verify=VerifyOptions(attacks=self.attacks, attack_agent=self.attack_agent, derived_tests=self.derived_tests,
                                 rule_fixes=self.rule_fixes, evidence_first=self.evidence_first))

    def answer_steps(self, options: SafegenStaticOptions) -> tuple[AnswerStep, ...]:
        steps = (FixImports(), DropSelfTests(), PruneImports())  # each named after the option that keeps it
        return tuple(step for step in steps if getattr(options, step.name))

    def task_steps(self, task: Task, options: SafegenStaticOptions) -> tuple[AnswerStep, ...]:
        if options.keep_contract and templates.is_code_prompt(task.requirement):
            return (KeepDocstring(task.requirement),)
        return ()

    def execute(self, state: RunState, opts: SafegenStaticOptions) -> Candidate | None:
        topics = security_topics(state.task.requirement)
        state.observations = dataclasses.replace(state.observations, security_topics=topics)
        relevant = bool(topics) or not opts.topic_gate
        imports = stages.ask_imports(state) if opts.imports_step and relevant else []
        system = templates.SYSTEM_SECURE if opts.secure_prompt and relevant else templates.SYSTEM_PLAIN
        base, prefix = _opening(state, system, imports, prefill=opts.prefill)
        samples = stages.generate(state, base, n=opts.samples, temperature=opts.temperature
                                  if opts.samples > 1 else None, imports=imports, prefix=prefix)
        if not any(c.code for c in samples):  # imports may derail a small model, greedy decoding may loop
            if imports:
                base, prefix = _opening(state, system, prefill=opts.prefill)
            samples = stages.generate(state, base, origin="resample", temperature=stages.retry_temperature(state),
                                      seed=state.settings.seed + 500, prefix=prefix)
        samples = stages.analyze(state, samples, scored=True)
        asked_plain = False
        if opts.plain_vote and relevant and system != templates.SYSTEM_PLAIN:  # a second, independent program
            samples = [*samples, _ask_plain(state)[1]]
            asked_plain = True
        verification.derive(state, samples)
        start = stages.best(state, use_score=True)
        if start is None and opts.plain_fallback and not asked_plain:  # the security prompt may derail it
            _ask_plain(state)
            asked_plain = True
            start = stages.best(state, use_score=True)
        if start is None:
            return None
        verification.derive(state, [start])  # no answer had code before the plain one: it alone decides trust
        current = repair.repair_loop(state, start, base, sources.STATIC, max_rounds=opts.static_rounds,
                                     scored=True, use_score=True)
        fixed = verification.rule_fix(state, stages.best(state, use_score=True) or current)
        if fixed is not None and fixed.candidate_id not in state.rejected:
            current = fixed
        if opts.attack_rounds > 0:
            current = repair.repair_loop(state, stages.best(state, use_score=True) or current, base,
                                         verification.ATTACKS, max_rounds=opts.attack_rounds,
                                         first_round=len(state.rounds) + 1, scored=True)
            current = verification.exploit_fix(state, stages.best(state, use_score=True) or current) or current
        if opts.tests_rounds > 0:
            current = repair.repair_loop(state, current, base, sources.TESTS, max_rounds=opts.tests_rounds,
                                         first_round=len(state.rounds) + 1, scored=True)
        if opts.plain_fallback and not asked_plain and stages.fails_tests(current):
            current = self._plain_answer(state, current, opts)
        if opts.fuzz_rounds > 0:
            repair.repair_loop(state, current, base, sources.FUZZ, max_rounds=opts.fuzz_rounds,
                               first_round=len(state.rounds) + 1)
        return None

    @staticmethod
    def _plain_answer(state: RunState, current: Candidate, opts: SafegenStaticOptions) -> Candidate:
        """The task's examples still fail: ask once with the plain prompt (the security rules and imports can
        steer a small model off the task), repair its findings, and keep whichever version ranks best."""
        plain, answer = _ask_plain(state)
        if not answer.code or stages.fails_tests(answer):
            return current
        repair.repair_loop(state, answer, plain, sources.STATIC, max_rounds=opts.static_rounds,
                           first_round=len(state.rounds) + 1, scored=True, use_score=True)
        return stages.best(state, use_score=True) or current


def _opening(state: RunState, system: str, imports: Sequence[str] = (), *,
             prefill: bool) -> tuple[list[ChatMessage], str]:
    """The conversation asking for the code under ``system``, and the answer's opening (empty without prefill)."""
    messages = templates.generation_messages(state.task.requirement, system=system, entry_point=state.entry_point,
                                             imports=imports)
    prefix = templates.answer_prefix(state.task.requirement, imports) if prefill else ""
    return messages, prefix


def _ask_plain(state: RunState) -> tuple[list[ChatMessage], Candidate]:
    """One greedy answer to the plain prompt (no opening: the model as it is), analyzed and scored."""
    plain = templates.generation_messages(state.task.requirement, system=templates.SYSTEM_PLAIN,
                                          entry_point=state.entry_point)
    return plain, stages.analyze(state, stages.generate(state, plain, origin="plain"), scored=True)[0]
