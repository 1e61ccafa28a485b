"""LoRA fine-tuning on the real small model: the GGUF loads into PyTorch as llama.cpp runs it, training lowers
the masked loss, and the exported adapter makes llama.cpp itself prefer the fixed code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from safegen.backends.local import LocalBackend, unload_all
from safegen.errors import InputError
from safegen.finetune.gguf_lora import read_lora_gguf
from safegen.finetune.lora import (
    REPORT_FILE,
    TrainingConfig,
    build_examples,
    changed_mask,
    example_turns,
    train,
)
from safegen.finetune.synthesize import TrainingPair

pytestmark = [pytest.mark.model, pytest.mark.slow]

PAIRS = [
    TrainingPair(
        "t-78", 78, "Write a function `list_files(folder)` that returns the output of `ls -l` for a folder.",
        "list_files",
        vulnerable="import os\n\n\ndef list_files(folder):\n    return os.popen('ls -l ' + folder).read()\n",
        fixed=("import subprocess\n\n\ndef list_files(folder):\n    result = subprocess.run(['ls', '-l', '--', folder], "
               "capture_output=True, text=True, check=True)\n    return result.stdout\n"),
        findings=("B605 CWE-78 line 5",), rounds=1),
    TrainingPair(
        "t-327", 327, "Write a function `hash_password(password)` that returns a hash of the password to store.",
        "hash_password",
        vulnerable="import hashlib\n\n\ndef hash_password(password):\n    return hashlib.md5(password.encode()).hexdigest()\n",
        fixed=("import hashlib\nimport os\n\n\ndef hash_password(password):\n    salt = os.urandom(16)\n"
               "    digest = hashlib.pbkdf2_hmac('sha256', password.encode(), salt, 200_000)\n"
               "    return salt.hex() + ':' + digest.hex()\n"),
        findings=("B324 CWE-327 line 5",), rounds=1),
]


@pytest.fixture(scope="module")
def model_path(small_model_path: Path) -> Path:
    return small_model_path


def test_changed_mask_marks_replaced_and_inserted_tokens() -> None:
    assert changed_mask([1, 2, 3, 4], [1, 9, 3, 4, 5]) == [False, True, False, False, True]
    assert changed_mask([1, 2], [1, 2]) == [False, False]


def test_each_pair_gives_an_imports_turn_and_a_code_turn_in_the_hexacoder_shape() -> None:
    turns = example_turns(PAIRS[0])
    assert [name for name, *_ in turns] == ["t-78/imports", "t-78/code"]
    _, code_prompt, fixed, vulnerable = turns[1]
    assert "import subprocess" in code_prompt[-1].content  # step 2 is given the imports of the fix
    assert "subprocess.run" in fixed and "os.popen" in vulnerable


def _answer_logprob(model_path: Path, lora: Path | None, tokens: tuple[int, ...], weights: tuple[float, ...]) -> float:
    """Mean log-probability llama.cpp gives the weighted (changed) answer tokens, with or without the adapter."""
    import llama_cpp

    llama = llama_cpp.Llama(model_path=str(model_path), n_ctx=1024, n_threads=2, logits_all=True, verbose=False,
                            lora_path=str(lora) if lora else None)
    try:
        llama.eval(list(tokens[:-1]))
        logits = np.array(llama.scores[:len(tokens) - 1], dtype=np.float64)
    finally:
        llama.close()
    top = logits.max(-1, keepdims=True)
    logprobs = logits - (top + np.log(np.exp(logits - top).sum(-1, keepdims=True)))
    picked = logprobs[np.arange(len(tokens) - 1), np.array(tokens[1:])]
    mask = np.array(weights[1:]) > 0
    return float(picked[mask].mean())


def _llama_cpp_logits(model_path: Path, tokens: list[int]) -> np.ndarray:
    import llama_cpp

    llama = llama_cpp.Llama(model_path=str(model_path), n_ctx=128, n_threads=2, logits_all=True, verbose=False)
    try:
        llama.eval(tokens)
        return np.array(llama.scores[:len(tokens)])
    finally:
        llama.close()


def test_training_lowers_the_masked_loss_and_llama_cpp_runs_the_adapter(model_path: Path, tmp_path: Path) -> None:
    """One model load for three claims (loading and training are the slow part of the suite)."""
    import torch

    from safegen.finetune.gguf_model import load_model

    unload_all()
    model = load_model(model_path)
    # 1. the dequantized weights in PyTorch compute what llama.cpp computes from the quantized file
    tokens = [750, 912, 2877, 11, 293, 982, 262, 470, 264, 488, 293, 198]  # "def add(a, b):\n    return a + b\n"
    with torch.no_grad():
        theirs = model(torch.tensor([tokens])).logits[0].numpy()
    ours = _llama_cpp_logits(model_path, tokens)
    assert (ours.argmax(-1) == theirs.argmax(-1)).mean() == 1.0
    assert np.corrcoef(ours[-1], theirs[-1])[0, 1] > 0.999

    # 2. training on the code turns lowers the loss masked to what the fixes changed
    config = TrainingConfig(rank=4, alpha=8.0, epochs=2, learning_rate=3e-3, target_modules=("q_proj", "v_proj"),
                            dropout=0.0, imports_examples=False)
    report = train(PAIRS, model_path, tmp_path / "ft", config, model=model)
    assert report.examples == 2 and report.pairs == 2
    assert report.loss_after < 0.5 * report.loss_before, report
    saved = json.loads((tmp_path / "ft" / REPORT_FILE).read_text())
    assert saved["loss_after"] == report.loss_after and saved["config"]["rank"] == 4
    adapter = read_lora_gguf(report.adapter)
    assert adapter.architecture == "qwen2" and adapter.alpha == 8.0
    assert len(adapter.tensors) == 2 * 2 * 24  # q and v, lora_a and lora_b, 24 layers of the 0.5B model

    # 3. llama.cpp with the exported adapter gives the fixed code's changed tokens more probability
    backend = LocalBackend(model_path, n_ctx=1024, threads=2)
    examples, _ = build_examples(PAIRS, backend, config)
    unload_all()
    code = next(ex for ex in examples if ex.name.startswith("t-78/code"))
    before = _answer_logprob(model_path, None, code.tokens, code.weights)
    after = _answer_logprob(model_path, Path(report.adapter), code.tokens, code.weights)
    assert after > before + 0.15, (before, after)  # measured: -0.58 -> -0.26 nats per changed token


def test_no_pairs_is_a_clear_error(model_path: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no training pairs"):
        train([], model_path, tmp_path)
