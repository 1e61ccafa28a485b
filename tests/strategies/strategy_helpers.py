"""Shared test helpers: a fake model that routes replies by request kind, and settings for fast runs."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.config import Settings
from safegen.prompts import templates

SETTINGS = Settings(backend="fake", samples=3, max_rounds=4, fuzz_iterations=40, fuzz_seconds=3.0,
                    max_tokens=256)


def fenced(code: str) -> str:
    return f"Here is the code:\n```python\n{code.strip()}\n```\n"


class Script:
    """A scripted model: one reply queue per request kind (code, static, fuzz, tests, imports, other).

    Each queue's last reply repeats once the others are used up. With ``plain`` replies, requests under the
    plain system prompt alone are served from them (kind "plain") instead of from ``code``.
    """

    def __init__(self, code: Sequence[str] = (), static: Sequence[str] = (), fuzz: Sequence[str] = (),
                 imports: Sequence[str] = (), other: Sequence[str] = ("[]",), tests: Sequence[str] = (),
                 plain: Sequence[str] = ()) -> None:
        self.queues = {"code": deque(code), "static": deque(static), "fuzz": deque(fuzz),
                       "imports": deque(imports), "other": deque(other), "tests": deque(tests),
                       "plain": deque(plain)}
        self.log: list[str] = []

    @staticmethod
    def kind(messages: Sequence[ChatMessage]) -> str:
        last = messages[-1].content
        if last.startswith("A static security analysis"):
            return "static"
        if last.startswith("Fuzzing your code"):
            return "fuzz"
        if last.startswith("Running the examples"):
            return "tests"
        if messages[0].content == templates.IMPORTS_SYSTEM:
            return "imports"
        if messages[0].content.startswith(templates.SYSTEM_PLAIN):
            return "code"
        return "other"

    def __call__(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        kind = self.kind(messages)
        if kind == "code" and self.queues["plain"] and messages[0].content == templates.SYSTEM_PLAIN:
            kind = "plain"
        self.log.append(kind)
        queue = self.queues[kind]
        if not queue:
            raise AssertionError(f"no scripted reply for a {kind} request")
        return queue.popleft() if len(queue) > 1 else queue[0]

    def count(self, kind: str) -> int:
        return self.log.count(kind)
