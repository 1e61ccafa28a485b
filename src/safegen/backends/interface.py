"""The LLM backend interface: chat messages in, N completions out, with token counts and timings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

from safegen.serde import Record


@dataclass(frozen=True)
class ChatMessage(Record):
    """One chat turn; role is "system", "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class GenerationParams(Record):
    """Sampling parameters. temperature 0 means greedy; seed makes sampling repeatable where the backend can.

    ``prefix``: the start of the answer, which the model continues (only for a backend whose
    ``continues_answers`` is true; each completion's text then begins with it).
    """

    n: int = 1
    temperature: float = 0.0
    top_p: float = 0.95
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    seed: int | None = 0
    prefix: str = ""


@dataclass(frozen=True)
class Completion(Record):
    """One completion with its cost. Token counts of the prompt are those actually evaluated (after cache reuse)."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reason: str = "stop"
    cached_prompt_tokens: int = 0


class LLMBackend(ABC):
    """A chat model. Implementations import their heavy dependency lazily and raise BackendError/ModelError."""

    name: str = "backend"
    continues_answers: bool = False  # honours GenerationParams.prefix; callers must not pass one otherwise

    @property
    @abstractmethod
    def model_id(self) -> str:
        """A stable, human-readable identifier of the model (recorded in every run)."""

    @abstractmethod
    def complete(self, messages: Sequence[ChatMessage], params: GenerationParams) -> list[Completion]:
        """Return ``params.n`` completions for the conversation."""

    def close(self) -> None:
        """Release the model or connection. Safe to call twice."""
