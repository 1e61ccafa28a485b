"""Hardening the Python blocks of an answer: scan each; run the chosen strategy on the vulnerable ones.

The strategy runs as it would for the user's request, except that its first samples are the code the
answer already holds (SeededBackend): no second generation, and repair prompts go to the same model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from safegen.analyzers.interface import SourceFile
from safegen.backends.interface import (
    ChatMessage,
    Completion,
    GenerationParams,
    LLMBackend,
)
from safegen.config import Settings
from safegen.errors import BackendError, SafegenError, SandboxError
from safegen.serve.blocks import CodeBlock, python_blocks, replace_blocks
from safegen.serve.report import BlockReport, HardenReport, notes
from safegen.types import Verdict, VerdictStatus

FALLBACK_REQUIREMENT = "Write the Python code shown in the answer."


# The seeded backend gives every fresh conversation the client's code, so more answers would be copies of it.
SEEDED_OPTIONS = {"answers": 1}


def seeded_strategy(name: str) -> Any:
    """The strategy ``name`` for code the client already has: one answer where the strategy asks for several."""
    import inspect

    from safegen.registry import STRATEGIES
    from safegen.session import make_strategy

    accepted = inspect.signature(STRATEGIES.get(name)).parameters
    return make_strategy(name, {key: value for key, value in SEEDED_OPTIONS.items() if key in accepted})


class SeededBackend(LLMBackend):
    """Answers every fresh conversation with the code the client already got; a conversation that extends
    one of those (a repair prompt) goes to the real model."""

    continues_answers = False

    def __init__(self, inner: LLMBackend, code: str) -> None:
        self.inner = inner
        self.name = inner.name
        self.answer = f"```python\n{code if code.endswith(chr(10)) else code + chr(10)}```"
        self._seeded: list[tuple[ChatMessage, ...]] = []
        self.forwarded = 0  # calls that went to the real model

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def _extends_seeded(self, messages: tuple[ChatMessage, ...]) -> bool:
        return any(len(messages) > len(s) and messages[:len(s)] == s for s in self._seeded)

    def complete(self, messages: Sequence[ChatMessage], params: GenerationParams) -> list[Completion]:
        key = tuple(messages)
        if self._extends_seeded(key):
            self.forwarded += 1
            return self.inner.complete(messages, params)
        self._seeded.append(key)
        return [Completion(text=self.answer, prompt_tokens=0, completion_tokens=0, seconds=0.0)] * params.n


class LockedAnalyzer:
    """The shared ensemble, one scan at a time (requests scan from several threads)."""

    def __init__(self, ensemble: Any) -> None:
        self.ensemble = ensemble
        self._lock = threading.Lock()

    def check(self, code: str, path: str = "candidate.py") -> Verdict:
        with self._lock:
            verdict: Verdict = self.ensemble.check(code, path=path)
            return verdict

    def scan(self, files: Sequence[SourceFile]) -> list[Verdict]:
        with self._lock:
            verdicts: list[Verdict] = self.ensemble.scan(files)
            return verdicts

    def versions(self) -> dict[str, str]:
        versions: dict[str, str] = self.ensemble.versions()
        return versions

    def close(self) -> None:
        self.ensemble.close()


def requirement_of(messages: Sequence[ChatMessage]) -> str:
    """The user's request: the last user message (the conversation's task)."""
    for message in reversed(messages):
        if message.role == "user" and message.content.strip():
            return message.content
    return FALLBACK_REQUIREMENT


class Hardener:
    """Shared tools (analyzer, sandbox, scorer) for every request; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        from safegen.session import Session

        self.settings = settings
        self._tools = Session(settings)
        self._analyzer: LockedAnalyzer | None = None
        self._lock = threading.Lock()

    @property
    def analyzer(self) -> LockedAnalyzer:
        with self._lock:
            if self._analyzer is None:
                self._analyzer = LockedAnalyzer(self._tools.analyzer)
            return self._analyzer

    def _sandbox(self) -> Any:
        with self._lock:
            try:
                return self._tools.sandbox
            except SandboxError:
                return None

    def warm_up(self) -> None:
        """Start the analyzers now, so the first request does not pay for it."""
        self.analyzer.check("x = 1\n", path="warm_up.py")

    def annotate(self, text: str) -> tuple[str, HardenReport]:
        """The answer unchanged, with each block's findings."""
        reports = []
        for block in python_blocks(text):
            verdict = self.analyzer.check(block.code, path=f"block_{block.index}.py")
            reports.append(BlockReport(block.index, verdict.status.value, verdict.status.value, False,
                                       notes(verdict), notes(verdict)))
        return text, HardenReport("annotate", self.settings.strategy, tuple(reports))

    def harden(self, text: str, messages: Sequence[ChatMessage], backend: LLMBackend) -> tuple[str, HardenReport]:
        """The answer with each vulnerable block replaced by the strategy's better version, and the report."""
        replacements: dict[int, str] = {}
        reports = []
        requirement = requirement_of(messages)
        for block in python_blocks(text):
            code, report = self.harden_code(block.code, requirement, backend, index=block.index)
            if code is not None:
                replacements[block.index] = code
            reports.append(report)
        return replace_blocks(text, replacements), HardenReport("harden", self.settings.strategy, tuple(reports))

    def harden_code(self, code: str, requirement: str, backend: LLMBackend, *,
                    index: int = 0) -> tuple[str | None, BlockReport]:
        """Scan ``code``; when vulnerable, the strategy's better version (None: keep it) and the report."""
        verdict = self.analyzer.check(code, path=f"block_{index}.py")
        if verdict.status is not VerdictStatus.VULNERABLE:  # clean: as it is; unknown: nothing to act on
            return None, BlockReport(index, verdict.status.value, verdict.status.value, False, (), notes(verdict))
        return self._repair(CodeBlock(index, "python", code, 0, len(code)), verdict, requirement, backend)

    def _repair(self, block: CodeBlock, verdict: Verdict, requirement: str,
                backend: LLMBackend) -> tuple[str | None, BlockReport]:
        from safegen.api import make_task
        from safegen.prompts.extract import is_python_prompt
        from safegen.session import Session

        before = notes(verdict)
        try:
            task = make_task(requirement or FALLBACK_REQUIREMENT, task_id=f"serve-block-{block.index}")
            strategy = seeded_strategy(self.settings.strategy)
            seeded = SeededBackend(backend, block.code)
            tools: dict[str, Any] = {}  # the shared ones the strategy uses (others stay unloaded)
            if strategy.needs_sandbox or is_python_prompt(task.requirement):
                tools["sandbox"] = self._sandbox()
            if getattr(strategy, "uses_scorer", False):
                tools["scorer"] = self._tools.scorer
            with Session(self.settings, backend=seeded, analyzer=self.analyzer, **tools) as session:
                record = session.run(task, strategy)
        except BackendError:
            raise  # the model failed: the request fails with it (502/401), not a quiet no-op
        except SafegenError as exc:
            return None, BlockReport(block.index, "vulnerable", "vulnerable", False, before, before,
                                     error=str(exc))
        final = record.final
        calls = seeded.forwarded
        if final is None or final.verdict is None or not final.code.strip() \
                or final.code.strip() == block.code.strip() or not _better(final.verdict, verdict):
            errors = "; ".join(record.errors[:2])
            return None, BlockReport(block.index, "vulnerable", "vulnerable", False, before, before, calls,
                                     error=errors if final is None else "")
        return final.code, BlockReport(block.index, "vulnerable", final.verdict.status.value, True, before,
                                       notes(final.verdict), calls)

    def close(self) -> None:
        self._tools.close()
        if self._analyzer is not None:
            self._analyzer.close()


def _better(after: Verdict, before: Verdict) -> bool:
    return after.rank_key() < before.rank_key()

