"""The embedded backend: llama-cpp-python on a GGUF file, one shared model instance per process.

The prompt is rendered with the model's own chat template (from the GGUF metadata) and tokenized
here, so that we know exactly which tokens llama.cpp can reuse from its KV cache: consecutive
calls on the same instance share the longest common token prefix (a system prompt, the
requirement, the sample being repaired) and only the new tokens are evaluated.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import random
import threading
import time
from collections.abc import Iterator, Sequence
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
    lora: Path | None = None


_instances: dict[tuple[str, int, int, str], _Loaded] = {}
_instances_lock = threading.Lock()

_LORA_HINT = ("pass a LoRA adapter in llama.cpp's GGUF format made for this very base model "
              "(safegen.finetune.gguf_lora.write_lora_gguf), or drop --lora / SAFEGEN_LORA")


def _check_adapter(lora: Path) -> None:
    if not lora.is_file():
        raise ModelError(f"LoRA adapter not found: {lora}", hint=_LORA_HINT)


@contextlib.contextmanager
def _llama_log(llama_cpp: Any) -> Iterator[list[str]]:
    """Collect llama.cpp's log lines (still shown as llama-cpp-python shows them), to explain a rejected adapter."""
    lines: list[str] = []
    try:
        from llama_cpp import _logger
    except ImportError:  # another llama-cpp-python layout: no reason in the message, the check still holds
        yield lines
        return
    original = _logger.llama_log_callback

    def collect(level: int, text: bytes, user_data: Any) -> None:
        lines.append(text.decode("utf-8", errors="replace"))
        original(level, text, user_data)

    callback = llama_cpp.llama_log_callback(collect)
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
    try:
        yield lines
    finally:
        llama_cpp.llama_log_set(original, ctypes.c_void_p(0))


def _adapter_error(lora: Path, detail: str, log: list[str]) -> ModelError:
    """A ModelError for an adapter llama.cpp refused, with llama.cpp's own reason when it logged one."""
    marker = "failed to apply lora adapter:"
    reasons = [line.split(marker, 1)[1].strip() for line in log if marker in line.lower()]
    reason = reasons[-1] if reasons else detail
    return ModelError(f"llama.cpp rejected the LoRA adapter {lora}: {reason}", hint=_LORA_HINT)


def _new_llama(llama_cpp: Any, path: Path, n_ctx: int, threads: int, lora: Path | None) -> Any:
    """A ``llama_cpp.Llama`` for the model, with the LoRA adapter applied at scale alpha / rank when given."""
    kwargs: dict[str, Any] = {"model_path": str(path), "n_ctx": n_ctx, "n_threads": threads,
                              "n_threads_batch": threads, "verbose": False}
    if lora is None:
        return llama_cpp.Llama(**kwargs)
    _check_adapter(lora)
    with _llama_log(llama_cpp) as log:
        try:
            llama = llama_cpp.Llama(**kwargs, lora_path=str(lora))
        except (ValueError, RuntimeError) as exc:
            if "lora" not in str(exc).lower():
                raise
            raise _adapter_error(lora, str(exc), log) from None
    # llama-cpp-python 0.3.x tests the adapter pointer with `is None`, but a refused adapter comes back as a
    # NULL ctypes pointer: the model then loads and segfaults at the first decode. Catch it here.
    if not getattr(llama, "_lora_adapter", None):
        llama._lora_adapter = None  # nothing to free
        llama.close()
        raise _adapter_error(lora, "llama_adapter_lora_init returned NULL", log)
    return llama


def _load(path: Path, n_ctx: int, threads: int, lora: Path | None = None) -> _Loaded:
    """The process-wide instance for (path, n_ctx, threads, lora), loading it on first use."""
    key = (str(path), n_ctx, threads, str(lora or ""))
    with _instances_lock:
        loaded = _instances.get(key)
        if loaded is not None:
            return loaded
        llama_cpp = _import_llama_cpp()
        adapter = f" + LoRA {lora.name}" if lora else ""
        with progress.step(f"loading model {path.name}{adapter} ({threads} threads)"):
            try:
                llama = _new_llama(llama_cpp, path, n_ctx, threads, lora)
            except (ValueError, RuntimeError, OSError) as exc:
                raise ModelError(f"llama.cpp cannot load {path}: {exc}",
                                 hint="check that the file is a complete GGUF model supported by your "
                                      "llama-cpp-python version") from None
        loaded = _Loaded(llama=llama, formatter=_formatter(llama_cpp, llama), lock=threading.Lock(),
                         path=path, n_ctx=n_ctx, threads=threads, lora=lora)
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
    """A GGUF model (plus an optional LoRA adapter) run in-process by llama.cpp; one instance per (file, adapter)."""

    name = "local"
    continues_answers = True

    def __init__(self, model_path: str | os.PathLike[str], *, n_ctx: int = 4096, threads: int | None = None,
                 model_name: str | None = None, lora_path: str | os.PathLike[str] | None = None) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads or available_threads()
        self._model_name = model_name
        self.lora_path = Path(lora_path) if lora_path else None

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBackend:
        """Resolve (and if needed assemble) the model the settings name; loading happens on first use."""
        name = settings.model or DEFAULT_MODEL
        path = resolve_model(name, settings.cache_dir)
        if settings.lora:
            _check_adapter(Path(settings.lora))
        return cls(path, n_ctx=settings.context_size, threads=settings.threads,
                   model_name=name if name in KNOWN_MODELS else None, lora_path=settings.lora)

    @property
    def model_id(self) -> str:
        base = f"{self._model_name} ({self.model_path.name})" if self._model_name else self.model_path.name
        return f"{base} + LoRA {self.lora_path.name}" if self.lora_path else base

    def load(self) -> Any:
        """Load the model now (otherwise the first call does); returns the shared ``llama_cpp.Llama``."""
        return _load(self.model_path, self.n_ctx, self.threads, self.lora_path).llama

    def render(self, messages: Sequence[ChatMessage]) -> tuple[list[int], list[str]]:
        """The prompt tokens and stop strings for a conversation, through the model's chat template."""
        loaded = _load(self.model_path, self.n_ctx, self.threads, self.lora_path)
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
        loaded = _load(self.model_path, self.n_ctx, self.threads, self.lora_path)
        with loaded.lock:
            tokens, template_stop = self._render(loaded, messages)
            if params.prefix:  # the answer so far, after the template's opening of the assistant turn
                tokens += loaded.llama.tokenize(params.prefix.encode("utf-8"), add_bos=False, special=False)
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
        return Completion(text=params.prefix + choice["text"], prompt_tokens=len(tokens) - cached,
                          completion_tokens=int(usage.get("completion_tokens", 0)), seconds=seconds,
                          finish_reason="loop" if loop_stop.reason else choice.get("finish_reason") or "stop",
                          cached_prompt_tokens=cached)

    def close(self) -> None:
        """The instance stays loaded for the process (other backends may share it); see unload_all()."""
