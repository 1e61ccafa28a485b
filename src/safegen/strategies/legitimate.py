"""Refused legitimate callers as repair feedback (the ``legitimate_callers`` flag).

An answer that refuses the administrator, the record's owner or the genuine signature exactly as it refuses an
outsider survives every attack and still fails its job; attack/legitimate.py builds such calls from the
requirement's words and the module's own records, attack/legitimate_check.py runs them. The model is shown each
refused call with its outsider twin and asked to let the legitimate caller through while still refusing the others.
A repair is kept only if it keeps everything (as every repair: no more confirmed exploits, since it is attacked),
lets in no outsider twin its parent kept out (the attacks' outsider may not reach the same code) and refuses fewer
legitimate calls; if it still refuses, fresh answers are drawn and ranked. With the embedded model it measured no
gain on the two dev samples (func-sec 28 -> 29 of 72, function +3, safety -2: docs/results/README.md), so the flag
is off by default. ``legitimate_rank`` keeps only the ranking (``refuses``): among several answers (``answers=N``)
one that refuses or lets the twin in ranks below one that does neither, with no repair and no fresh answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from safegen import progress
from safegen.attack.legitimate_check import Checked, check, mistaken
from safegen.backends.interface import ChatMessage
from safegen.prompts import templates
from safegen.strategies import stages, verification
from safegen.strategies.state import RunState
from safegen.types import Candidate

MAX_SHOWN = 3
ROUNDS = 1  # the embedded model mostly sends the code back unchanged; fresh answers follow (resample)
RESAMPLES = 4  # fresh answers drawn for an answer that refuses a legitimate caller
SEED_OFFSET = 2000
_CACHE_SIZE = 256


@dataclass(frozen=True)
class RefusedCallers:
    """Legitimate calls refused as an outsider is; a repair must keep everything and refuse fewer of them."""

    kind: str = "legitimate"
    repairs_best: bool = False
    _seen: dict[tuple[str, str, str], tuple[Checked, ...]] = field(default_factory=dict, compare=False, repr=False)

    def checked(self, state: RunState, candidate: Candidate) -> tuple[Checked, ...]:
        """The candidate's legitimate calls and their outsider twins, run (once per code); () when the check
        cannot run."""
        sandbox = state.ctx.sandbox
        if sandbox is None or not candidate.code or not state.entry_point:
            return ()
        module = state.as_run(candidate.code)
        key = (module, state.task.requirement, state.entry_point)
        if key not in self._seen:
            try:
                found = check(sandbox, module, state.task.requirement, state.entry_point)  # type: ignore[arg-type]
            except Exception as exc:  # noqa: BLE001 - no evidence either way; the answer is kept as it is
                state.note_error(f"legitimate callers on {candidate.candidate_id} failed: {type(exc).__name__}: {exc}")
                found = ()
            if len(self._seen) >= _CACHE_SIZE:
                self._seen.clear()
            self._seen[key] = found
        return self._seen[key]

    def refused(self, state: RunState, candidate: Candidate) -> tuple[str, ...]:
        """The legitimate calls the candidate denies as it denies an outsider, described."""
        return tuple(r.describe() for c in self.checked(state, candidate) if (r := c.refusal) is not None)

    def admitted(self, state: RunState, candidate: Candidate) -> set[str]:
        """The outsider twins the candidate does not deny."""
        return {a for c in self.checked(state, candidate) if (a := c.outsider_admitted) is not None}

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        refused = self.refused(state, candidate)
        if not refused:
            return None
        from safegen.strategies.repair import required_signature

        listed = "\n".join(f"- {line}" for line in refused[:MAX_SHOWN])
        return ("Running your code in a sandbox showed that it refuses legitimate calls:\n\n"
                f"{listed}\n\n"
                "Correct the logic so that these calls succeed as the task describes; callers without the right "
                "must still be refused." + templates.keep_entry(state.entry_point, required_signature(state, candidate))
                + " Answer with the complete corrected code in one ```python block.")

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        return verification.attack(state, candidate)

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        from safegen.strategies.repair import judge_kept

        reason = judge_kept(state, parent, child)  # more confirmed exploits than its parent included
        let_in = sorted(self.admitted(state, child) - self.admitted(state, parent))
        if reason is None and let_in:  # the probes may not reach every outsider; the twin calls are checked here
            return f"lets an outsider in: {let_in[0][:200]}"
        before, after = len(self.refused(state, parent)), len(self.refused(state, child))
        if reason is None and after >= before:
            return f"refused legitimate calls not reduced ({after} >= {before})"
        return reason


REFUSED_CALLERS = RefusedCallers()


def refuses(state: RunState, candidate: Candidate) -> int:
    """A ranking key with the flag on: 1 when the candidate refuses a legitimate caller or lets in an outsider twin
    (its code does not tell the two apart, one way or the other), else 0."""
    if not (state.verify.legitimate_callers or state.verify.legitimate_rank):
        return 0
    return 1 if mistaken(REFUSED_CALLERS.checked(state, candidate)) else 0


def resample(state: RunState, best: Candidate, base: Sequence[ChatMessage], *, scored: bool = False) -> Candidate:
    """When ``best`` refuses a legitimate caller: RESAMPLES fresh answers to the same prompt (sampled), each analyzed
    and attacked, ranked with the rest (``refuses`` before the other evidence); the best of all is returned."""
    if not REFUSED_CALLERS.refused(state, best):
        return best
    for number in range(RESAMPLES):
        for child in stages.generate(state, base, origin="resample-legitimate", purpose="resample-legitimate",
                                     temperature=stages.retry_temperature(state),
                                     seed=state.settings.seed + SEED_OFFSET + number, round=len(state.rounds) + 1,
                                     parent=best.candidate_id):
            if child.code:
                verification.attack(state, stages.analyze(state, [child], scored=scored)[0])
    progress.note(f"legitimate callers: {RESAMPLES} fresh answers drawn")
    return stages.best(state, use_score=scored) or best
