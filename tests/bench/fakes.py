"""A baseline-like generator over the scripted FakeBackend, for control-flow tests of the runner only."""

from __future__ import annotations

from typing import Callable, Sequence

from safegen.backends.fake import FakeBackend
from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.types import Candidate, LLMCall, RunRecord, Task

VULNERABLE_CODE = "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n"
SAFE_CODE = "import json\n\n\ndef load(data):\n    return json.loads(data)\n"


def reply_by_task(messages: Sequence[ChatMessage], params: GenerationParams) -> str:
    """Vulnerable code for every other task (by the parity of the prompt length), safe code otherwise."""
    return VULNERABLE_CODE if len(messages[-1].content) % 2 else SAFE_CODE


class FakeGenerator:
    """One scripted completion per task; ``stop_after`` raises KeyboardInterrupt like a Ctrl-C mid-run."""

    def __init__(self, reply: Callable[[Sequence[ChatMessage], GenerationParams], str] = reply_by_task,
                 stop_after: int | None = None) -> None:
        self.backend = FakeBackend([reply], repeat_last=True)
        self.stop_after = stop_after
        self.calls: list[str] = []
        self.closed = False

    def generate(self, task: Task, seed: int) -> RunRecord:
        if self.stop_after is not None and len(self.calls) >= self.stop_after:
            raise KeyboardInterrupt
        self.calls.append(task.task_id)
        params = GenerationParams(seed=seed)
        completion = self.backend.complete([ChatMessage("user", task.requirement)], params)[0]
        final = Candidate(candidate_id="c0", code=completion.text, origin="sample")
        call = LLMCall("generate", 1, completion.prompt_tokens, completion.completion_tokens, 0.5)
        return RunRecord(task=task, strategy="fake-baseline", backend="fake", model="fake", final=final,
                         candidates=(final,), llm_calls=(call,), wall_seconds=1.0,
                         config={"strategy_options": {}}, tool_versions={"fake": "0"})

    def close(self) -> None:
        self.closed = True


def slow_judging(batch: list[dict], names: object, settings: object) -> list[dict]:  # type: ignore[type-arg]
    """A judging job that outlasts any test: the pool must be stopped, not waited for."""
    import time

    time.sleep(120)
    return []
