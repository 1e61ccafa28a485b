"""The repair loop: feedback about the current version goes back to the model, an acceptance rule judges the answer.

Where the feedback comes from is a :class:`FeedbackSource` (strategies/sources.py: static findings, failing
examples, fuzz defects); a new kind of evidence, such as confirmed attacks, is a new source object passed
to the same loop. Every repair must first keep what its parent had (``judge_kept``); the source's rule (or
the one the caller passes) then says what it must improve.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from safegen import progress
from safegen.backends.interface import ChatMessage
from safegen.prompts import templates
from safegen.strategies import stages, verification
from safegen.strategies.state import RunState
from safegen.types import Candidate, RepairRound

Judge = Callable[[RunState, Candidate, Candidate], "str | None"]


class FeedbackSource(Protocol):
    """What one kind of repair round tells the model, what it measures on an answer, and when it accepts one."""

    @property
    def kind(self) -> str:
        """Names the rounds and their LLM calls (``repair-<kind>``): "static", "tests", "fuzz"."""

    @property
    def repairs_best(self) -> bool:
        """True: each round repairs the best version of the lineage so far; False: the last accepted one."""

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        """The repair prompt about ``candidate``, None when there is nothing to act on (the loop stops)."""

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        """The costly evidence this source needs, gathered on the start and on answers that kept everything."""

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        """Why the repair is rejected, or None: the source's acceptance rule."""


def tests_broken(parent: Candidate, child: Candidate) -> bool:
    """The child fails visible tests that the parent passed (or fails more of them)."""
    if child.tests is None or child.tests.passed:
        return False
    if parent.tests is None or parent.tests.passed:
        return True
    return child.tests.failed > parent.tests.failed


def judge_kept(state: RunState, parent: Candidate, child: Candidate) -> str | None:
    """Why a repair must be rejected for losing something, or None: signature kept, tests kept, verdict not worse."""
    if child.code.strip() == parent.code.strip():
        return "the code is unchanged"
    if not state.signature_ok(child) and state.signature_ok(parent):  # a parent already without it may stay so
        return f"entry point `{state.entry_point}` missing or its signature changed"
    if tests_broken(parent, child):
        failed = f" ({child.tests.failed} of {child.tests.total} failed)" if child.tests else ""
        return f"breaks the visible tests{failed}"
    if verification.newly_fails_derived(parent, child):
        return "fails trusted tests derived from the requirement that its parent passed"
    if verification.confirmed_count(child) > verification.confirmed_count(parent):
        return "more confirmed exploits than its parent"
    if stages.verdict_key(child) > stages.verdict_key(parent):
        return f"more or worse findings than its parent ({verdict_brief(child)} vs {verdict_brief(parent)})"
    return None


def verdict_brief(candidate: Candidate) -> str:
    verdict = candidate.verdict
    if verdict is None:
        return "not analyzed"
    return f"{verdict.status.value}, {len(verdict.findings)} finding(s)"


def required_signature(state: RunState, candidate: Candidate) -> str | None:
    """The task's parameters when the candidate lost its entry point (for the repair prompt), else None."""
    if state.reference_signature is None or state.signature_ok(candidate):
        return None
    return state.reference_signature


def repair_loop(state: RunState, start: Candidate, base: Sequence[ChatMessage], source: FeedbackSource, *,
                max_rounds: int, first_round: int = 1, judge: Judge | None = None, scored: bool = False,
                use_score: bool = False) -> Candidate:
    """Send the source's feedback about the current version up to ``max_rounds`` times; ``judge`` (by default
    the source's rule) decides each answer; a rejected one makes the next answer sampled. Returns the version
    the loop ended on."""
    accept = judge or source.judge
    current = source.examine(state, start)
    retry = False
    for number in range(first_round, first_round + max_rounds):
        prompt = source.feedback(state, current)
        if prompt is None:
            break
        child, accepted = _round(state, current, base, prompt, source, accept, number=number, scored=scored,
                                 retry=retry)
        retry = not accepted
        if source.repairs_best:
            current = best_of_lineage(state, start, use_score=use_score)
        elif accepted:
            current = state.get(child.candidate_id)
    return current


def _round(state: RunState, parent: Candidate, base: Sequence[ChatMessage], prompt: str, source: FeedbackSource,
           accept: Judge, *, number: int, scored: bool, retry: bool) -> tuple[Candidate, bool]:
    """Send ``prompt`` about ``parent``; check the answer; record the round. Returns (child, accepted).

    ``retry`` raises the temperature (with a fresh seed) so a repeated prompt gets a different answer.
    """
    kind = source.kind
    messages = templates.repair_messages(base, parent.code, prompt)
    temperature = stages.retry_temperature(state) if retry else None
    seed = state.settings.seed + 1000 + number if retry else None
    completion = stages.ask(state, messages, purpose=f"repair-{kind}", temperature=temperature, seed=seed)[0]
    child_id = state.new_id()
    code, error = stages.answer_code(state, child_id, completion.text, finish=completion.finish_reason)
    child = state.add(Candidate(candidate_id=child_id, code=code, origin=f"repair-{kind}",
                                round=number, parent=parent.candidate_id, error=error,
                                answer=None if code else completion.text[:stages.KEPT_ANSWER]))
    reason: str | None
    if not code:
        state.rejected[child.candidate_id] = "no code in the answer"
        reason = f"no code in the answer: {error}"
    elif code.strip() == parent.code.strip():  # no need to analyze or run it again
        reason = "the code is unchanged"
        child = state.reject(child, reason)
    else:
        child = stages.analyze(state, [child], scored=scored)[0]
        reason = judge_kept(state, parent, child)
        if reason is None:  # the source's costly checks only for otherwise acceptable code
            child = source.examine(state, child)
        reason = reason or accept(state, parent, child)
        if reason:
            child = state.reject(child, reason)
    accepted = reason is None
    state.rounds.append(RepairRound(round=number, kind=kind, prompt=prompt, input_candidate=parent.candidate_id,
                                    output_candidate=child.candidate_id, accepted=accepted, reason=reason or ""))
    progress.note(f"{kind} repair round {number}: " + ("accepted" if accepted else f"rejected ({reason})"))
    return child, accepted


def best_of_lineage(state: RunState, start: Candidate, *, use_score: bool = False) -> Candidate:
    """The best eligible candidate among ``start`` and the repairs derived from it."""
    family = {start.candidate_id}
    for candidate in state.candidates.values():
        if candidate.parent in family:
            family.add(candidate.candidate_id)
    ranked = stages.rank(state, [state.get(i) for i in family], use_score=use_score)
    return ranked[0] if ranked else state.get(start.candidate_id)
