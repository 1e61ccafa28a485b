"""The mutable working state of one strategy run, turned into a frozen RunRecord at the end."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from safegen import astutil, progress
from safegen.backends.interface import (
    ChatMessage,
    Completion,
    GenerationParams,
    LLMBackend,
)
from safegen.prompts import templates
from safegen.serde import Record
from safegen.strategies import codecheck
from safegen.strategies.interface import StrategyContext
from safegen.strategies.postprocess import AnswerStep
from safegen.strategies.verify_options import OFF, VerifyOptions
if TYPE_CHECKING:
    from safegen.verify import TrustedTests
from safegen.types import (
    Candidate,
    LLMCall,
    RepairRound,
    RunObservations,
    RunRecord,
    Task,
)


class RecordingBackend(LLMBackend):
    """Wraps the shared backend so that every call, also those made by helpers, lands in the run's log."""

    def __init__(self, inner: LLMBackend, calls: list[LLMCall], purpose: str = "generate",
                 max_tokens: int | None = None) -> None:
        self.inner = inner
        self.calls = calls
        self.purpose = purpose
        self.max_tokens = max_tokens  # the run's cap, also for helpers that choose their own budget
        self.name = inner.name
        self.continues_answers = inner.continues_answers

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def for_purpose(self, purpose: str) -> RecordingBackend:
        return RecordingBackend(self.inner, self.calls, purpose, self.max_tokens)

    def complete(self, messages: Sequence[ChatMessage], params: GenerationParams) -> list[Completion]:
        if self.max_tokens is not None and params.max_tokens > self.max_tokens:
            params = dataclasses.replace(params, max_tokens=self.max_tokens)
        start = time.perf_counter()
        with progress.step(f"LLM call: {self.purpose} ({params.n} sample{'s' if params.n > 1 else ''})"):
            completions = self.inner.complete(messages, params)
        seconds = sum(c.seconds for c in completions) or (time.perf_counter() - start)
        self.calls.append(LLMCall(purpose=self.purpose, n=params.n,
                                  prompt_tokens=sum(c.prompt_tokens for c in completions),
                                  completion_tokens=sum(c.completion_tokens for c in completions),
                                  seconds=round(seconds, 4),
                                  finish_reasons=tuple(c.finish_reason for c in completions)))
        return completions


class RunState:
    """Candidates, repair rounds, LLM calls and errors of one run, plus the facts stages share."""

    def __init__(self, task: Task, ctx: StrategyContext, strategy: str, options: Record,
                 answer_steps: Sequence[AnswerStep] = ()) -> None:
        self.task = task
        self.ctx = ctx
        self.settings = ctx.settings
        self.strategy = strategy
        self.options = options
        self.answer_steps = tuple(answer_steps)  # post-processing of every answer (strategies/postprocess.py)
        self.candidates: dict[str, Candidate] = {}
        self.rejected: dict[str, str] = {}
        self.rounds: list[RepairRound] = []
        self.calls: list[LLMCall] = []
        self.errors: list[str] = []
        self.backend = RecordingBackend(ctx.backend, self.calls, max_tokens=ctx.settings.max_tokens)
        self.code_prompt = templates.is_code_prompt(task.requirement)
        self.entry_point: str | None = task.entry_point
        self.reference_signature: str | None = None
        if self.entry_point and self.code_prompt:
            self.reference_signature = codecheck.signature(task.requirement, self.entry_point)
        self.seeds: list[Any] | None = None
        self.observations = RunObservations()  # what the run found out on the way (not a knob)
        verify = getattr(options, "verify", OFF)
        self.verify: VerifyOptions = verify if isinstance(verify, VerifyOptions) else OFF
        self.trusted: TrustedTests | None = None  # the derived tests the candidates agreed with, once derived
        self.derive_on_analyze = False  # derive the tests when the first answers are analyzed (strategies/verified.py)
        self._start = time.perf_counter()
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")

    # --- candidates -------------------------------------------------------------------------
    def new_id(self) -> str:
        return f"c{len(self.candidates)}"

    def add(self, candidate: Candidate) -> Candidate:
        self.candidates[candidate.candidate_id] = candidate
        if candidate.code and self.entry_point is None:  # prose: the first code defines the entry point
            self.entry_point = codecheck.guess_entry_point(candidate.code)
        if candidate.code and self.entry_point and self.reference_signature is None:
            self.reference_signature = codecheck.signature(candidate.code, self.entry_point)
        return candidate

    def update(self, candidate: Candidate, **changes: Any) -> Candidate:
        updated = dataclasses.replace(candidate, **changes)
        self.candidates[updated.candidate_id] = updated
        return updated

    def get(self, candidate_id: str) -> Candidate:
        return self.candidates[candidate_id]

    def reject(self, candidate: Candidate, reason: str) -> Candidate:
        """Mark a candidate as not eligible for the final answer."""
        self.rejected[candidate.candidate_id] = reason
        return self.update(candidate, error=f"rejected: {reason}")

    def with_code(self) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.code]

    def eligible(self) -> list[Candidate]:
        return [c for c in self.with_code() if c.candidate_id not in self.rejected]

    def signature_ok(self, candidate: Candidate) -> bool:
        """The candidate defines the entry point with the reference signature (when one is known);
        without a known entry point, that it defines some function or class at all."""
        if not self.entry_point:
            return codecheck.defines_something(candidate.code)
        found = codecheck.signature(candidate.code, self.entry_point)
        if found is None:
            return False
        return self.reference_signature is None or found == self.reference_signature

    # --- running code -----------------------------------------------------------------------
    def as_run(self, code: str) -> str:
        """The module a candidate runs as: appended to the task's setup (``Task.context``), as it will be used."""
        return astutil.with_context(self.task.context, code)

    def lines_before(self, code: str) -> int:
        """How many lines :meth:`as_run` puts before the candidate's own first line (0 without a setup)."""
        return astutil.context_lines(self.task.context, code)

    def running(self, candidate: Candidate) -> Candidate:
        """``candidate`` with the code it runs as, for checks that take candidates (its id unchanged)."""
        return dataclasses.replace(candidate, code=self.as_run(candidate.code)) if self.task.context else candidate

    # --- record -----------------------------------------------------------------------------
    def note_error(self, message: str) -> None:
        self.errors.append(message)

    def record(self, final: Candidate | None) -> RunRecord:
        versions: dict[str, str] = {}
        probe = getattr(self.ctx.analyzer, "versions", None)  # optional: not every analyzer can say
        if probe is not None:
            try:
                versions.update(probe())
            except Exception as exc:  # noqa: BLE001 - a version probe must never lose the run
                self.errors.append(f"analyzer versions: {exc}")
        config = {"settings": self.settings.public_dict(), "strategy_options": self.options.to_dict(),
                  "entry_point": self.entry_point, "scorer": self.ctx.scorer is not None,
                  "sandbox": self.ctx.sandbox is not None}
        return RunRecord(
            task=self.task, strategy=self.strategy, backend=self.ctx.backend.name,
            model=self.ctx.backend.model_id, final=final,
            candidates=tuple(self.candidates.values()), rounds=tuple(self.rounds),
            llm_calls=tuple(self.calls), wall_seconds=round(time.perf_counter() - self._start, 3),
            config=config, tool_versions=versions, errors=tuple(self.errors),
            started_at=self.started_at, observations=self.observations)
