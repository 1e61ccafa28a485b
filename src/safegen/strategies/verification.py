"""Execution-grounded verification: attacks an oracle confirms, tests derived from the requirement that the
candidates agree with, and rule fixes verified by running the code. Each part is a flag of ``VerifyOptions``.

A confirmed attack or a failed trusted test is evidence; a model's opinion never is. With ``evidence_first``
the ranking (stages.selection_key) puts executed evidence before the static verdict: entry point intact,
the examples and trusted derived tests pass, the attacks fail, then the verdict, then the learned score.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safegen import astutil
from safegen.errors import SafegenError
from safegen.prompts import templates
from safegen.strategies.state import RunState
from safegen.strategies.verify_options import OFF, VerifyOptions
from safegen.types import AttackSummary, Candidate, ConfirmedAttack, TestOutcome

__all__ = ["ATTACKS", "OFF", "ConfirmedAttacks", "VerifyOptions", "attack", "derive", "evidence_key", "examine",
           "newly_fails_derived", "rule_fix"]

ATTACK_BUDGET = 20.0  # seconds of probing per candidate; what is left undecided counts as not survived
MAX_EXPLOITS_SHOWN = 3


# --- attacks ------------------------------------------------------------------------------------
def attack(state: RunState, candidate: Candidate) -> Candidate:
    """The attack stage's summary on ``candidate`` (once); a stage that failed leaves it undecided."""
    sandbox = state.ctx.sandbox
    if not state.verify.attacks or sandbox is None or not candidate.code or candidate.attacks is not None:
        return candidate
    from safegen.attack import attack as run_attack

    backend = state.backend.for_purpose("attack-agent") if state.verify.attack_agent else None
    offset = state.lines_before(candidate.code)  # exploit lines in the answer's own terms
    try:
        report = run_attack(state.as_run(candidate.code), state.task,
                            sandbox=sandbox,  # type: ignore[arg-type]
                            backend=backend, budget=ATTACK_BUDGET,
                            name=state.entry_point if state.task.context else None,  # not the setup's own functions
                            callers=False)  # its notes are not kept; legitimate.py checks callers under its flag
        summary = AttackSummary(
            confirmed=tuple(ConfirmedAttack(e.probe, e.cwe, e.target, e.input, e.evidence,
                                            e.line - offset if e.line > offset else 0) for e in report.exploits),
            probes=tuple(report.probes), errors=tuple(report.errors))
    except Exception as exc:  # noqa: BLE001 - any failure leaves the candidate undecided, never lost or "survived"
        what = str(exc) if isinstance(exc, SafegenError) else f"{type(exc).__name__}: {exc}"
        summary = AttackSummary(errors=(f"the attack stage failed: {what}",))
    return state.update(candidate, attacks=summary)


def attack_rank(candidate: Candidate) -> int:
    """0 survived, 1 undecided (or not attacked), 2 exploited."""
    return 1 if candidate.attacks is None else candidate.attacks.rank


def confirmed_count(candidate: Candidate) -> int:
    return len(candidate.attacks.confirmed) if candidate.attacks else 0


def describe_exploits(summary: AttackSummary) -> str:
    """The confirmed exploits as repair feedback: what was sent, what the oracle saw, where."""
    lines = []
    for exploit in summary.confirmed[:MAX_EXPLOITS_SHOWN]:
        where = f" (line {exploit.line})" if exploit.line else ""
        cwe = f"CWE-{exploit.cwe} " if exploit.cwe else ""
        lines.append(f"- {cwe}{exploit.probe} on {exploit.target}{where}: the input {exploit.input[:300]} "
                     f"led to: {exploit.evidence[:300]}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ConfirmedAttacks:
    """Exploits confirmed in the sandbox, with their reproducers; a repair must keep everything (trusted
    derived tests included, as every repair) and leave fewer confirmed exploits."""

    kind: str = "attack"
    repairs_best: bool = False

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        if candidate.attacks is None or not candidate.attacks.confirmed:
            return None
        from safegen.strategies.repair import required_signature

        keep = templates.keep_entry(state.entry_point, required_signature(state, candidate))
        ordinary = "".join(f"\n- {call} {outcome}" for call, outcome in ordinary_behaviour(state, candidate))
        if ordinary:
            ordinary = "\n\nOrdinary input must keep giving the same results, as it does now:" + ordinary
        return ("Running your code in a sandbox with an attacker's inputs confirmed these exploits:\n\n"
                f"{describe_exploits(candidate.attacks)}{ordinary}\n\n"
                "Fix the code so that these inputs are handled safely, without changing what it does for "
                "ordinary valid input." + keep + " Answer with the complete corrected code in one ```python block.")

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        return attack(state, candidate)

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        from safegen.strategies.repair import judge_kept

        reason = judge_kept(state, parent, child) or singles_out_the_attack(parent, child)
        if reason is None and confirmed_count(child) >= confirmed_count(parent):
            return f"confirmed exploits not reduced ({confirmed_count(child)} >= {confirmed_count(parent)})"
        return reason or breaks_ordinary_input(state, parent, child)


PAYLOAD_MARKER = "sgx"  # every generic payload carries it (attack/probes.py); no ordinary code does


def _strings(code: str) -> set[str]:
    tree = astutil.parse(code)
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)} if tree \
        else set()


def _reproducer_texts(summary: AttackSummary) -> set[str]:
    """The text arguments of each confirmed exploit's reproducer call (``f('payload')``)."""
    texts: set[str] = set()
    for exploit in summary.confirmed:
        try:
            call = ast.parse(exploit.input, mode="eval")
        except (SyntaxError, ValueError):
            continue  # a request line, not a call
        texts |= {n.value for n in ast.walk(call)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) >= 4}
    return texts


def singles_out_the_attack(parent: Candidate, child: Candidate) -> str | None:
    """Why a repair that special-cases the attacker's literal input (a new text constant equal to a reproducer's
    argument or carrying the payload marker) is no repair: other attack text still gets through. None if not."""
    if parent.attacks is None or not parent.attacks.confirmed or not child.code:
        return None
    reproduced = _reproducer_texts(parent.attacks)
    added = _strings(child.code) - _strings(parent.code or "")
    hit = next((t for t in sorted(added) if t in reproduced or PAYLOAD_MARKER in t.lower()), None)
    return None if hit is None else f"the repair singles out the attacker's literal input {hit[:80]!r}"


def _exploited_probes(candidate: Candidate) -> tuple[str, ...]:
    return tuple(e.probe for e in candidate.attacks.confirmed) if candidate.attacks else ()


def ordinary_behaviour(state: RunState, candidate: Candidate) -> tuple[tuple[str, str], ...]:
    """What ``candidate`` does with the benign inputs of the probes that exploited it (attack.ordinary)."""
    sandbox, probes = state.ctx.sandbox, _exploited_probes(candidate)
    if sandbox is None or not probes or not candidate.code:
        return ()
    from safegen.attack.ordinary import behaviour

    try:
        exploited = tuple(e.input for e in candidate.attacks.confirmed) if candidate.attacks else ()
        return behaviour(sandbox, state.as_run(candidate.code), probes, state.entry_point,  # type: ignore[arg-type]
                         exploited)
    except Exception as exc:  # noqa: BLE001 - without it the repair is judged without the ordinary-input guard
        state.note_error(f"ordinary input on {candidate.candidate_id} failed: {type(exc).__name__}: {exc}")
        return ()


def breaks_ordinary_input(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """Why an attack repair is rejected for ordinary input its parent answered and it no longer does, or None."""
    before = ordinary_behaviour(state, parent)
    if not before or not child.code or state.ctx.sandbox is None:
        return None
    from safegen.attack.ordinary import broken

    try:
        return broken(state.ctx.sandbox, before, state.as_run(child.code),  # type: ignore[arg-type]
                      _exploited_probes(parent), state.entry_point)
    except Exception as exc:  # noqa: BLE001 - a failed check rejects nothing by itself; it is recorded
        state.note_error(f"ordinary input on {child.candidate_id} failed: {type(exc).__name__}: {exc}")
        return None


ATTACKS = ConfirmedAttacks()


def exploit_fix(state: RunState, candidate: Candidate) -> Candidate | None:
    """A version of ``candidate`` with the mechanical fixes of its confirmed exploits (attack/fixes.py) applied one
    probe after another, each kept only by the attack repairs' rule (fewer exploits, nothing lost, ordinary input
    kept); None when none applies."""
    from safegen.attack.fixes import EXPLOIT_FIXES

    current, tried = candidate, set()
    while True:
        probes = [p for p in _exploited_probes(current) if p in EXPLOIT_FIXES and p not in tried]
        if not probes or not current.code or not state.entry_point:
            return None if current is candidate else current
        tried.add(probes[0])
        current = _fixed_for(state, current, probes[0]) or current


def _fixed_for(state: RunState, candidate: Candidate, probe: str) -> Candidate | None:
    """``candidate`` with the fix of ``probe``'s exploit, if it applies and is kept."""
    from safegen.attack.fixes import apply_exploit_fix

    try:
        fixed = apply_exploit_fix(probe, candidate.code, state.entry_point or "", state.task.context,
                                  state.task.requirement)
    except Exception as exc:  # noqa: BLE001 - a fix that breaks is recorded and leaves the candidate as it was
        state.note_error(f"exploit fix {probe} on {candidate.candidate_id} failed: {type(exc).__name__}: {exc}")
        return None
    if fixed is None:
        return None
    child = new_version(state, candidate, fixed, "exploit-fix")
    reason = ATTACKS.judge(state, candidate, child)
    if reason:
        state.reject(child, reason)
        return None
    state.observations = dataclasses.replace(
        state.observations, rule_fixes=state.observations.rule_fixes + (f"{probe} -> exploit fix",))
    return child


# --- derived tests ------------------------------------------------------------------------------
def _outcome(result: Any) -> TestOutcome | None:
    """A candidate's result on the trusted tests as a TestOutcome; None when no trusted test ran."""
    runs = getattr(result, "runs", ())
    if not runs:
        return None
    failed = [run for run in runs if not run.passed]
    message = "; ".join(f"{run.name}: {run.message[:200]}" for run in failed[:3])
    return TestOutcome(passed=not failed, total=len(runs), failed=len(failed), message=message)


def derive(state: RunState, candidates: Sequence[Candidate]) -> None:
    """Derive tests from the requirement once, let ``candidates`` (independent answers) vote on them, and
    record each candidate's result on the trusted ones."""
    sandbox = state.ctx.sandbox
    if not state.verify.derived_tests or sandbox is None or state.trusted is not None:
        return
    from safegen.verify import DerivedTests, agreement, derive_tests
    from safegen.verify.derive import MORE_TESTS, derive_enough

    pool = [state.get(c.candidate_id) for c in candidates if c.code]
    if not pool:
        return
    try:
        backend = state.backend.for_purpose("derive-tests")
        if state.verify.more_tests:
            tests = derive_enough(state.task, backend, MORE_TESTS, entry_point=state.entry_point)
        else:
            tests = derive_tests(state.task, backend, entry_point=state.entry_point)
    except SafegenError as exc:
        state.note_error(f"deriving tests failed: {exc}")
        tests = DerivedTests(entry_point=state.entry_point, notes=(str(exc),))
    trusted = agreement(tests, [state.running(c) for c in pool], sandbox)
    state.trusted = trusted
    state.observations = dataclasses.replace(state.observations, derived_tests=len(tests.tests),
                                             trusted_tests=len(trusted.tests))
    for candidate in pool:
        agreed = sum(candidate.candidate_id in vote.passed_by for vote in trusted.votes) if state.verify.most_tests \
            else None
        state.update(state.get(candidate.candidate_id), derived=_outcome(trusted.result(candidate.candidate_id)),
                     agreed=agreed)


def check_derived(state: RunState, candidate: Candidate) -> Candidate:
    """The trusted derived tests on a later candidate (a repair, a fix), once."""
    trusted, sandbox = state.trusted, state.ctx.sandbox
    if trusted is None or not trusted.tests or sandbox is None or not candidate.code or candidate.derived:
        return candidate
    from safegen.verify import check

    return state.update(candidate, derived=_outcome(check(trusted, state.running(candidate), sandbox)))


def fails_derived(candidate: Candidate) -> bool:
    return candidate.derived is not None and not candidate.derived.passed


def newly_fails_derived(parent: Candidate, child: Candidate) -> bool:
    """The child fails more trusted derived tests than its parent (or cannot run them where the parent passed)."""
    if parent.derived is None:
        return False
    if child.derived is None:
        return parent.derived.failed < parent.derived.total
    return child.derived.failed > parent.derived.failed


def examine(state: RunState, candidate: Candidate) -> Candidate:
    """Every enabled check on one analyzed candidate: its trusted derived tests, then the attacks."""
    return attack(state, check_derived(state, candidate))


MORE_ANSWER = "answer"  # the origin of the answers asked beyond the first (verified's ``answers`` flag)
FIRST_ANSWERS = ("sample", MORE_ANSWER)  # the origins of the independent answers of a plain-inner run


def is_first_answer(origin: str, round_number: int) -> bool:
    """An independent answer of the first round (the greedy one or one more), not a repair or fix of one."""
    return round_number == 0 and origin in FIRST_ANSWERS


def answer_of(candidates: Mapping[str, Candidate], candidate: Candidate) -> Candidate:
    """The answer ``candidate`` descends from (itself for an answer); ``candidates`` by id."""
    seen: set[str] = set()
    while candidate.parent and candidate.parent not in seen:
        seen.add(candidate.candidate_id)
        parent = candidates.get(candidate.parent)
        if parent is None:
            break
        candidate = parent
    return candidate


def evidence_key(candidates: Mapping[str, Candidate], candidate: Candidate) -> tuple[int, int, int, int]:
    """Smaller is better: passes the trusted derived tests, then (``most_tests``) comes from the answer that
    passed most derived tests, then the first answer's line (more answers are asked for function: one that only
    survives the attacks better than the first answer does not replace it, since the exploit fixes that follow
    make the first answer survive them too), then survives the attacks. ``candidates``: the run's by id."""
    answer = answer_of(candidates, candidate)
    return (1 if fails_derived(candidate) else 0, -(answer.agreed or 0), 1 if answer.origin == MORE_ANSWER else 0,
            attack_rank(candidate))


def new_version(state: RunState, parent: Candidate, code: str, origin: str) -> Candidate:
    """A mechanical fix's version of ``parent`` (same round), analyzed and examined like any repair; the caller
    judges it. It keeps its parent's result on the trusted derived tests: a fix is held to its own guards (the
    examples, the probe's ordinary inputs, never worse), since a model-written test may ask for exactly what an
    attack proved unsafe (a trusted test hashing with SHA-1 vetoed the weak-hash fix on a dev task)."""
    from safegen.strategies import stages

    child = state.add(Candidate(candidate_id=state.new_id(), code=code, origin=origin, round=parent.round,
                                parent=parent.candidate_id, derived=parent.derived))
    return stages.analyze(state, [child], scored=parent.score is not None)[0]


# --- rule fixes ---------------------------------------------------------------------------------
def rule_fix(state: RunState, candidate: Candidate) -> Candidate | None:
    """A version of ``candidate`` with the verified rule fixes of its findings applied, analyzed and examined
    like any repair; None when no fix applied. It is rejected (kept out of ranking) if it lost anything."""
    verdict, sandbox, analyzer = candidate.verdict, state.ctx.sandbox, state.ctx.analyzer
    if not state.verify.rule_fixes or verdict is None or not verdict.findings or analyzer is None:
        return None
    from safegen.fixes import apply_rule_fixes
    from safegen.strategies.repair import judge_kept

    try:
        outcome = apply_rule_fixes(candidate.code, verdict.findings, ensemble=analyzer,  # type: ignore[arg-type]
                                   sandbox=sandbox, tests=state.task.tests,  # type: ignore[arg-type]
                                   entry_point=state.entry_point, context=state.task.context)
    except SafegenError as exc:
        state.note_error(f"rule fixes on {candidate.candidate_id} failed: {exc}")
        return None
    if not outcome.changed or not outcome.fixed:
        return None
    child = new_version(state, candidate, outcome.code, "rule-fix")
    reason = judge_kept(state, candidate, child)
    if reason:
        return state.reject(child, reason)
    applied = tuple(f"{fix.finding.rule_id} -> {fix.fix_id}" for fix in outcome.fixed)
    state.observations = dataclasses.replace(state.observations,
                                             rule_fixes=state.observations.rule_fixes + applied)
    return child
