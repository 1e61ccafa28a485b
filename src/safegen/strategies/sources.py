"""The feedback sources of the repair loop (strategies/repair.py), each with its prompt and acceptance rule.

A source is a small frozen object: ``kind``, ``repairs_best``, ``feedback`` (the prompt, None when there is
nothing to act on), ``examine`` (costly evidence it needs on an answer) and ``judge`` (its acceptance rule).
"""

from __future__ import annotations

from dataclasses import dataclass

from safegen.errors import SafegenError
from safegen.prompts import feedback as fb
from safegen.prompts import templates
from safegen.strategies import stages
from safegen.strategies.repair import judge_kept, required_signature, verdict_brief
from safegen.strategies.state import RunState
from safegen.types import Candidate


@dataclass(frozen=True)
class StaticFindings:
    """The static ensemble's findings; a repair must keep everything and strictly improve the verdict.
    Each round repairs the best version so far (a rejected answer leaves it in place)."""

    kind: str = "static"
    repairs_best: bool = True

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        verdict = candidate.verdict
        if verdict is None or verdict.is_secure or not verdict.findings:
            return None
        return templates.static_feedback(fb.describe_findings(verdict.findings, candidate.code), state.entry_point,
                                         required_signature(state, candidate))

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        return candidate

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        reason = judge_kept(state, parent, child)
        if reason is None and stages.verdict_key(child) == stages.verdict_key(parent):
            return f"findings not reduced ({verdict_brief(child)})"
        return reason


@dataclass(frozen=True)
class FailingTests:
    """The task's failing examples (call, expected, actual); a repair must keep everything and fail fewer."""

    kind: str = "tests"
    repairs_best: bool = False

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        outcome = candidate.tests
        if outcome is None or outcome.passed or outcome.total == 0 or not outcome.message:
            return None
        return templates.tests_feedback(outcome.message, state.entry_point, required_signature(state, candidate))

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        return candidate

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        reason = judge_kept(state, parent, child)
        if reason:
            return reason
        if child.tests is None or parent.tests is None:
            return "the examples could not be run"
        if not child.tests.passed and child.tests.failed >= parent.tests.failed:
            return f"failing examples not reduced ({child.tests.failed} >= {parent.tests.failed})"
        return None


MAX_REPLAYS = 5  # child defects replayed on the parent per fuzz repair
REPLAY_SECONDS = 5.0


@dataclass(frozen=True)
class FuzzDefects:
    """Triaged defects of fuzzing the entry point in the sandbox; a repair must keep everything, leave fewer
    defects and raise on no input its parent handled."""

    kind: str = "fuzz"
    repairs_best: bool = False

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        from safegen.fuzz.feedback import describe_defects

        if candidate.fuzz is None or not candidate.fuzz.defects:
            return None
        return templates.fuzz_feedback(describe_defects(candidate.fuzz), state.entry_point,
                                       required_signature(state, candidate))

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        return stages.fuzz(state, candidate)

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        reason = judge_kept(state, parent, child)
        if reason:
            return reason
        if child.fuzz is None:
            return "could not be fuzzed"
        if stages.defect_count(child) >= stages.defect_count(parent):
            return f"fuzz defects not reduced ({stages.defect_count(child)} >= {stages.defect_count(parent)})"
        return fuzz_regression(state, parent, child)


def fuzz_regression(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """Why the child is worse where it matters: it raises on an input its parent handled, or None.

    Fewer distinct defects is not enough: a repair that breaks every call (a name left undefined) has
    one defect where its parent had two. Each exception the child shows is replayed on the parent.
    """
    sandbox = state.ctx.sandbox
    if sandbox is None or child.fuzz is None:
        return None
    from safegen.fuzz.triage import TRUNCATED

    replays = [d for d in child.fuzz.defects  # a cut input cannot be replayed as written
               if d.kind == "exception" and d.reproducer and TRUNCATED not in d.reproducer]
    for defect in replays[:MAX_REPLAYS]:
        try:
            result = sandbox.run_script(state.as_run(parent.code) + "\n\n" + defect.reproducer, timeout=REPLAY_SECONDS)
        except SafegenError as exc:
            state.note_error(f"replaying a fuzz input on {parent.candidate_id} failed: {exc}")
            return "could not check the repair against its parent's behaviour"
        if result.ok:
            return f"raises {defect.exception_type or 'an exception'} on {defect.input[:120]}, which its parent handled"
        if result.status == "timeout":  # the parent does not run quickly as a script (a server, a slow input)
            break
    return None


STATIC = StaticFindings()
TESTS = FailingTests()
FUZZ = FuzzDefects()
