"""The local backend with a LoRA adapter we write ourselves, on the real small model (Qwen2.5-Coder-0.5B)."""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.backends.local import LocalBackend, unload_all
from safegen.backends.openai_compat import OpenAICompatBackend
from safegen.cli.common import add_model_options, settings_from_args
from safegen.config import Settings, load_settings
from safegen.errors import ConfigError, ModelError

needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                 reason="llama-cpp-python is not installed (pip install llama-cpp-python)")
needs_gguf = pytest.mark.skipif(importlib.util.find_spec("gguf") is None,
                                reason="gguf is not installed (pip install 'safegen[finetune]')")

ASK = [ChatMessage("system", "You are a Python programmer. Reply with one Python code block and nothing else."),
       ChatMessage("user", "Write a Python function `add(a, b)` that returns a + b.")]
GREEDY = GenerationParams(max_tokens=16, temperature=0.0, seed=0)
MODULES = [f"model.layers.{i}.self_attn.{m}" for i in (0, 1) for m in ("q_proj", "v_proj")]
RANK = 4


@pytest.fixture(scope="module")
def model_path(small_model_path: Path) -> Path:
    return small_model_path


@pytest.fixture(autouse=True)
def one_model_at_a_time() -> Iterator[None]:
    unload_all()
    yield
    unload_all()


def _adapter(model: Path, out: Path, *, b_scale: float, in_delta: int = 0, alpha: float = RANK) -> Path:
    """An adapter on q_proj/v_proj of layers 0-1, shaped from the model's own tensors (B = b_scale * noise)."""
    import numpy as np

    from safegen.finetune.gguf_lora import (
        base_architecture,
        base_tensor_shapes,
        llama_cpp_name,
        write_lora_gguf,
    )

    shapes = base_tensor_shapes(model)  # numpy order [out, in]; gguf.GGUFReader takes 20-40 s on this file
    rng = np.random.default_rng(0)
    weights = {}
    for module in MODULES:
        n_out, n_in = shapes[llama_cpp_name(module)]
        a = rng.normal(size=(RANK, n_in + in_delta)).astype(np.float32)
        b = (b_scale * rng.normal(size=(n_out, RANK))).astype(np.float32)
        weights[module] = (a, b)
    return write_lora_gguf(out, weights, alpha=alpha, architecture=base_architecture(model))


def _greedy(backend: LocalBackend) -> str:
    [answer] = backend.complete(ASK, GREEDY)
    assert answer.completion_tokens > 0
    return answer.text


@pytest.fixture(scope="module")
def base_text(model_path: Path) -> str:
    unload_all()
    try:
        return _greedy(LocalBackend(model_path, n_ctx=512, threads=1))
    finally:
        unload_all()


@needs_llama
@needs_gguf
@pytest.mark.model
def test_zero_b_adapter_changes_nothing_and_is_named_in_the_model_id(model_path: Path, base_text: str,
                                                                     tmp_path: Path) -> None:
    lora = _adapter(model_path, tmp_path / "zero.gguf", b_scale=0.0)
    backend = LocalBackend(model_path, n_ctx=512, threads=1, lora_path=lora)
    assert backend.model_id.endswith(" + LoRA zero.gguf")
    assert getattr(backend.load(), "_lora_adapter", None), "llama.cpp should hold the adapter"
    assert _greedy(backend) == base_text


@needs_llama
@needs_gguf
@pytest.mark.model
def test_large_random_adapter_changes_the_output(model_path: Path, base_text: str, tmp_path: Path) -> None:
    lora = _adapter(model_path, tmp_path / "noise.gguf", b_scale=1.0)
    backend = LocalBackend.from_settings(Settings(model=str(model_path), lora=str(lora), context_size=512,
                                                  threads=1))
    assert backend.lora_path == lora
    assert _greedy(backend) != base_text


@needs_llama
@needs_gguf
@pytest.mark.model
def test_llama_cpp_scales_the_adapter_by_alpha_over_rank(model_path: Path, base_text: str, tmp_path: Path) -> None:
    texts = []
    for name, b_scale, alpha in (("a4.gguf", 0.2, RANK), ("a2.gguf", 0.4, RANK / 2)):  # same alpha/r * B
        unload_all()
        lora = _adapter(model_path, tmp_path / name, b_scale=b_scale, alpha=alpha)
        texts.append(_greedy(LocalBackend(model_path, n_ctx=512, threads=1, lora_path=lora)))
    assert texts[0] == texts[1] != base_text


@needs_llama
@needs_gguf
@pytest.mark.model
def test_adapter_that_does_not_fit_the_model_is_a_clear_model_error(model_path: Path, tmp_path: Path) -> None:
    lora = _adapter(model_path, tmp_path / "wide.gguf", b_scale=0.0, in_delta=1)
    backend = LocalBackend(model_path, n_ctx=512, threads=1, lora_path=lora)
    with pytest.raises(ModelError, match=r"rejected the LoRA adapter .*wide\.gguf.*'blk\.0\.attn_[qv]\.weight' "
                                         r"has incorrect shape") as caught:
        backend.complete(ASK, GREEDY)
    assert "base model" in caught.value.hint


@needs_llama
def test_missing_adapter_is_a_model_error_before_loading(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="LoRA adapter not found"):
        LocalBackend(tmp_path / "model.gguf", lora_path=tmp_path / "missing.gguf").load()


def test_settings_env_and_cli_carry_the_adapter_path(tmp_path: Path) -> None:
    assert load_settings(cwd=tmp_path, environ={"SAFEGEN_LORA": "/x/a.gguf"}).lora == "/x/a.gguf"
    parser = argparse.ArgumentParser()
    add_model_options(parser)
    assert settings_from_args(parser.parse_args(["--lora", "b.gguf"])).lora == "b.gguf"
    assert Settings().lora is None
    assert LocalBackend("/m/base.gguf").model_id == "base.gguf"


def test_openai_backend_refuses_an_adapter() -> None:
    settings = Settings(backend="openai", base_url="http://127.0.0.1:1/v1", model="m", lora="a.gguf")
    with pytest.raises(ConfigError, match="cannot apply the LoRA adapter a.gguf"):
        OpenAICompatBackend.from_settings(settings)
