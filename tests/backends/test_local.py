"""The embedded llama.cpp backend, end to end on the real small model (Qwen2.5-Coder-0.5B)."""

from __future__ import annotations

import importlib.util
import threading

import pytest

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.backends.local import LocalBackend, available_threads
from safegen.config import Settings
from safegen.errors import BackendError, ModelError
from safegen.prompts.extract import extract_code

SYSTEM = ChatMessage("system", "You are a Python programmer. Reply with one Python code block and nothing else.")

needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="llama-cpp-python is not installed (pip install llama-cpp-python)")


@pytest.fixture(scope="module")
def backend() -> LocalBackend:
    try:
        return LocalBackend.from_settings(Settings(model="qwen2.5-coder-0.5b", context_size=2048))
    except ModelError as exc:
        pytest.fail(f"the small model is not installed: {exc}")


@needs_llama
@pytest.mark.model
def test_generates_a_working_function_and_reuses_the_prompt_prefix(backend: LocalBackend) -> None:
    ask = [SYSTEM, ChatMessage("user", "Write a Python function `add(a, b)` that returns a + b.")]
    [first] = backend.complete(ask, GenerationParams(max_tokens=64, temperature=0.0, seed=0))
    code = extract_code(first.text, entry_point="add")
    namespace: dict[str, object] = {}
    exec(compile(code, "<model>", "exec"), namespace)  # noqa: S102 - 0.5B output for `add`, in the test only
    add = namespace["add"]
    assert callable(add) and add(2, 3) == 5
    assert first.completion_tokens > 0 and first.prompt_tokens > 0 and first.seconds > 0

    again = [SYSTEM, ChatMessage("user", "Write a Python function `sub(a, b)` that returns a - b.")]
    [second] = backend.complete(again, GenerationParams(max_tokens=64, temperature=0.0, seed=0))
    assert "def sub" in second.text
    assert second.cached_prompt_tokens >= 15, "the shared system prompt should come from the KV cache"
    assert second.prompt_tokens < first.prompt_tokens

    # Same conversation again: greedy decoding is deterministic and only the last prompt token is replayed.
    [repeat] = backend.complete(ask, GenerationParams(max_tokens=64, temperature=0.0, seed=0))
    assert repeat.text == first.text


@needs_llama
@pytest.mark.model
def test_a_prefix_starts_the_answer_and_the_model_continues_it(backend: LocalBackend) -> None:
    assert backend.continues_answers
    prefix = '```python\ndef add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n'
    ask = [SYSTEM, ChatMessage("user", "Complete the function add(a, b) that returns a + b.")]
    [answer] = backend.complete(ask, GenerationParams(max_tokens=24, temperature=0.0, prefix=prefix))
    assert answer.text.startswith(prefix)
    assert "return" in answer.text[len(prefix):]  # the body, not the signature again
    code = extract_code(answer.text, entry_point="add")
    namespace: dict[str, object] = {}
    exec(compile(code, "<model>", "exec"), namespace)  # noqa: S102 - 0.5B output for `add`, in the test only
    assert namespace["add"](2, 3) == 5  # type: ignore[operator]
    assert code.count("def add") == 1


@needs_llama
@pytest.mark.model
def test_samples_use_distinct_seeds_and_stop_at_max_tokens(backend: LocalBackend) -> None:
    ask = [SYSTEM, ChatMessage("user", "Write a Python function that reverses a string.")]
    samples = backend.complete(ask, GenerationParams(n=2, temperature=1.0, max_tokens=8, seed=123))
    assert len(samples) == 2
    assert all(s.completion_tokens <= 8 for s in samples)
    assert samples[1].cached_prompt_tokens == samples[0].prompt_tokens + samples[0].cached_prompt_tokens - 1
    assert any(s.finish_reason == "length" for s in samples)
    repeat = backend.complete(ask, GenerationParams(n=1, temperature=1.0, max_tokens=8, seed=124))
    assert repeat[0].text == samples[1].text, "sample i uses seed + i"


@needs_llama
@pytest.mark.model
def test_one_instance_per_process_and_concurrent_callers(backend: LocalBackend) -> None:
    other = LocalBackend(backend.model_path, n_ctx=backend.n_ctx, threads=backend.threads)
    assert other.load() is backend.load()
    results: list[str] = []
    errors: list[BaseException] = []

    def call(word: str) -> None:
        try:
            msgs = [SYSTEM, ChatMessage("user", f"Write `def {word}(): return '{word}'` in Python.")]
            results.append(other.complete(msgs, GenerationParams(max_tokens=24))[0].text)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(w,)) for w in ("alpha", "beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert any("alpha" in r for r in results) and any("beta" in r for r in results)


@needs_llama
@pytest.mark.model
def test_prompt_longer_than_the_context_is_a_clear_error(backend: LocalBackend) -> None:
    huge = ChatMessage("user", "word " * 3000)
    with pytest.raises(BackendError, match="context"):
        backend.complete([huge], GenerationParams(max_tokens=4))


def test_threads_default_to_the_available_cores() -> None:
    assert available_threads() >= 1
    local = LocalBackend("/nonexistent.gguf")
    assert local.threads == available_threads()
    assert LocalBackend("/nonexistent.gguf", threads=3).threads == 3


def test_missing_model_file_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="not found"):
        LocalBackend.from_settings(Settings(model="/nonexistent/model.gguf"))


@needs_llama
@pytest.mark.model
def test_a_model_stuck_in_a_loop_is_stopped_early(backend: LocalBackend) -> None:
    ask = [SYSTEM, ChatMessage("user", "Write 100 separate import statements, `import os`, each on its own line, "
                                       "written out one by one without any loop.")]
    [answer] = backend.complete(ask, GenerationParams(max_tokens=500, temperature=0.0, seed=0))
    assert answer.finish_reason == "loop"
    assert answer.completion_tokens < 300  # stopped long before max_tokens
    assert answer.text.startswith("```python\nimport") and answer.text.count("\n") >= 40  # the text is kept
