"""The embedded backend: llama-cpp-python on a GGUF file, one shared model instance per process.

The prompt is rendered with the model's own chat template (from the GGUF metadata) and tokenized
here, so that we know exactly which tokens llama.cpp can reuse from its KV cache: consecutive
calls on the same instance share the longest common token prefix (a system prompt, the
requirement, the sample being repaired) and only the new tokens are evaluated.
"""

from __future__ import annotations

import atexit
import os
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.backends.interface import (
    ChatMessage,
    Completion,
    GenerationParams,
    LLMBackend,
)
from safegen.backends.models import DEFAULT_MODEL, KNOWN_MODELS, resolve_model
from safegen.backends.repetition import LoopStop
from safegen.config import Settings
from safegen.errors import BackendError, ModelError

__all__ = ["LocalBackend", "available_threads", "unload_all"]

_INSTALL_HINT = ('install the local backend: CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON '
                 '-DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF '
                 '-DGGML_AMX_BF16=OFF" pip install "llama-cpp-python>=0.3.9" (or use --backend openai)')

# ChatML, for GGUF files that carry no chat template of their own.
_FALLBACK_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def available_threads() -> int:
    """The number of CPU cores this process may run on (affinity and cgroup cpusets respected)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _import_llama_cpp() -> Any:
    # llama.cpp's OpenMP threads spin-wait at every barrier by default. When another process takes one
    # of the cores, a spinning thread waits for a descheduled one and generation slows down 3-7x
    # (measured here, 2 cores, 1.5B: 19-54 s instead of 7.4 s); sleeping waits cost nothing on an idle
    # machine (7.3 s). libgomp reads this when the library loads, so it must be set before the import.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelError(f"the local backend needs llama-cpp-python, which cannot be imported ({exc})",
                         hint=_INSTALL_HINT) from None
    return llama_cpp


@dataclass
class _Loaded:
    """A loaded model with its chat formatter; ``lock`` serializes every use of the instance."""

    llama: Any
    formatter: Any
    lock: threading.Lock
    path: Path
    n_ctx: int
    threads: int


_instances: dict[tuple[str, int, int], _Loaded] = {}
_instances_lock = threading.Lock()


def _load(path: Path, n_ctx: int, threads: int) -> _Loaded:
    """The process-wide instance for (path, n_ctx, threads), loading it on first use."""
    key = (str(path), n_ctx, threads)
    with _instances_lock:
        loaded = _instances.get(key)
        if loaded is not None:
            return loaded
        llama_cpp = _import_llama_cpp()
        with progress.step(f"loading model {path.name} ({threads} threads)"):
            try:
                llama = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads,
                                        n_threads_batch=threads, verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                raise ModelError(f"llama.cpp cannot load {path}: {exc}",
                                 hint="check that the file is a complete GGUF model supported by your "
                                      "llama-cpp-python version") from None
        loaded = _Loaded(llama=llama, formatter=_formatter(llama_cpp, llama), lock=threading.Lock(),
                         path=path, n_ctx=n_ctx, threads=threads)
        _instances[key] = loaded
        return loaded


def _formatter(llama_cpp: Any, llama: Any) -> Any:
    """A Jinja2 chat formatter from the model's own template (as llama-cpp-python's default handler builds it)."""
    from llama_cpp import llama_chat_format

    def token_text(token_id: int) -> str:
        if token_id < 0:
            return ""
        return bytes(llama.detokenize([token_id], special=True)).decode("utf-8", errors="replace")

    template = llama.metadata.get("tokenizer.chat_template") or _FALLBACK_TEMPLATE
    eos = llama.token_eos()
    return llama_chat_format.Jinja2ChatFormatter(template=template, eos_token=token_text(eos),
                                                 bos_token=token_text(llama.token_bos()),
                                                 stop_token_ids=[eos] if eos >= 0 else None)


def unload_all() -> None:
    """Drop every loaded model (tests and benchmarks; normal runs keep the model for the process)."""
    with _instances_lock:
        for loaded in _instances.values():
            with loaded.lock:
                closer = getattr(loaded.llama, "close", None)
                if callable(closer):
                    closer()
        _instances.clear()


# Free models before interpreter shutdown: llama-cpp-python's own __del__ fails once modules are torn down.
atexit.register(unload_all)


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _reusable_tokens(llama: Any, tokens: list[int]) -> int:
    """How many prompt tokens llama-cpp-python will take from the KV cache (mirrors Llama.generate)."""
    n_past = int(llama.n_tokens)
    if n_past == 0:
        return 0
    prefix = _common_prefix(llama.input_ids[:n_past].tolist(), tokens)
    if prefix == len(tokens):
        if n_past == len(tokens) and not getattr(llama, "_requires_eval", True):
            return len(tokens)
        return prefix - 1  # the last prompt token is replayed to refresh the logits
    return prefix


class LocalBackend(LLMBackend):
    """A GGUF model run in-process by llama.cpp; all backends on the same file share one instance."""

    name = "local"

    def __init__(self, model_path: str | os.PathLike[str], *, n_ctx: int = 4096, threads: int | None = None,
                 model_name: str | None = None) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads or available_threads()
        self._model_name = model_name

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBackend:
        """Resolve (and if needed assemble) the model the settings name; loading happens on first use."""
        name = settings.model or DEFAULT_MODEL
        path = resolve_model(name, settings.cache_dir)
        return cls(path, n_ctx=settings.context_size, threads=settings.threads,
                   model_name=name if name in KNOWN_MODELS else None)

    @property
    def model_id(self) -> str:
        if self._model_name:
            return f"{self._model_name} ({self.model_path.name})"
        return self.model_path.name

    def load(self) -> Any:
        """Load the model now (otherwise the first call does); returns the shared ``llama_cpp.Llama``."""
        return _load(self.model_path, self.n_ctx, self.threads).llama

    def render(self, messages: Sequence[ChatMessage]) -> tuple[list[int], list[str]]:
        """The prompt tokens and stop strings for a conversation, through the model's chat template."""
        loaded = _load(self.model_path, self.n_ctx, self.threads)
        return self._render(loaded, messages)

    @staticmethod
    def _render(loaded: _Loaded, messages: Sequence[ChatMessage]) -> tuple[list[int], list[str]]:
        try:
            result = loaded.formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
        except Exception as exc:  # noqa: BLE001 - a template error (e.g. bad roles) becomes a clear message
            raise BackendError(f"the model's chat template rejected the conversation: {exc}",
                               hint="use the roles system, user and assistant") from None
        tokens = loaded.llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special,
                                       special=True)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return list(tokens), [s for s in stop if s]

    def complete(self, messages: Sequence[ChatMessage], params: GenerationParams) -> list[Completion]:
        if not messages:
            raise BackendError("no messages to send to the model", hint="this is a bug in the caller")
        loaded = _load(self.model_path, self.n_ctx, self.threads)
        with loaded.lock:
            tokens, template_stop = self._render(loaded, messages)
            if len(tokens) >= loaded.n_ctx:
                raise BackendError(
                    f"the prompt has {len(tokens)} tokens, more than the model's context of {loaded.n_ctx}",
                    hint="shorten the requirement or raise context_size (SAFEGEN_CONTEXT_SIZE)")
            stop = list(dict.fromkeys([*template_stop, *params.stop]))
            if params.temperature <= 0 and params.n > 1:
                first = self._generate(loaded, tokens, stop, params, params.seed)
                copy = Completion(text=first.text, prompt_tokens=0, completion_tokens=first.completion_tokens,
                                  seconds=0.0, finish_reason=first.finish_reason,
                                  cached_prompt_tokens=len(tokens))
                return [first] + [copy] * (params.n - 1)  # greedy decoding: every sample would be identical
            out = []
            for i in range(params.n):
                seed = params.seed + i if params.seed is not None else random.SystemRandom().randrange(2**31)
                out.append(self._generate(loaded, tokens, stop, params, seed))
            return out

    @staticmethod
    def _generate(loaded: _Loaded, tokens: list[int], stop: list[str], params: GenerationParams,
                  seed: int | None) -> Completion:
        llama = loaded.llama
        cached = _reusable_tokens(llama, tokens)
        max_tokens = max(1, min(params.max_tokens, loaded.n_ctx - len(tokens)))
        loop_stop = LoopStop(llama.detokenize, len(tokens))
        start = time.perf_counter()
        try:
            response = llama.create_completion(prompt=tokens, max_tokens=max_tokens,
                                               temperature=max(params.temperature, 0.0), top_p=params.top_p,
                                               stop=stop, seed=seed, stopping_criteria=loop_stop)
        except (RuntimeError, ValueError) as exc:
            llama.reset()  # a failed decode leaves the KV cache in an unknown state
            raise BackendError(f"llama.cpp failed while generating: {exc}",
                               hint="retry; if it persists, lower context_size or max_tokens") from None
        seconds = time.perf_counter() - start
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(text=choice["text"], prompt_tokens=len(tokens) - cached,
                          completion_tokens=int(usage.get("completion_tokens", 0)), seconds=seconds,
                          finish_reason="loop" if loop_stop.reason else choice.get("finish_reason") or "stop",
                          cached_prompt_tokens=cached)

    def close(self) -> None:
        """The instance stays loaded for the process (other backends may share it); see unload_all()."""
