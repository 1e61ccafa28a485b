"""A scripted backend for testing control flow: replies come from a queue, calls are kept in ``history``."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from safegen.backends.interface import ChatMessage, Completion, GenerationParams, LLMBackend
from safegen.config import Settings
from safegen.errors import BackendError

Responder = Callable[[Sequence[ChatMessage], GenerationParams], str]


@dataclass(frozen=True)
class FakeCall:
    messages: tuple[ChatMessage, ...]
    params: GenerationParams


class FakeBackend(LLMBackend):
    """Returns scripted replies in order; a callable reply computes its text from the messages.

    With ``continues_answers`` a reply is the continuation of ``params.prefix``, which the text starts with.
    """

    name = "fake"

    def __init__(self, replies: Iterable[str | Responder] = (), *, repeat_last: bool = False,
                 continues_answers: bool = False) -> None:
        self.continues_answers = continues_answers
        self._replies: deque[str | Responder] = deque(replies)
        self._last: str | Responder | None = None
        self._repeat_last = repeat_last
        self.history: list[FakeCall] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> "FakeBackend":
        return cls(repeat_last=True)

    @property
    def model_id(self) -> str:
        return "fake"

    def queue(self, *replies: str | Responder) -> None:
        self._replies.extend(replies)

    def _next(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        if self._replies:
            self._last = self._replies.popleft()
        elif not (self._repeat_last and self._last is not None):
            raise BackendError("fake backend has no scripted reply left")
        reply = self._last
        assert reply is not None
        return reply(messages, params) if callable(reply) else reply

    def complete(self, messages: Sequence[ChatMessage], params: GenerationParams) -> list[Completion]:
        self.history.append(FakeCall(tuple(messages), params))
        out = []
        for _ in range(params.n):
            if params.prefix and not self.continues_answers:
                raise BackendError("a prefix was passed to a backend that cannot continue answers",
                                   hint="this is a bug in the caller")
            text = params.prefix + self._next(messages, params)
            prompt_tokens = sum(len(m.content.split()) for m in messages)
            out.append(Completion(text=text, prompt_tokens=prompt_tokens,
                                  completion_tokens=len(text.split()), seconds=0.0))
        return out
