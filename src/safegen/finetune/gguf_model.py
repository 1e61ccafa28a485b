"""The embedded GGUF model as a trainable PyTorch model: weights dequantized to float32 into transformers' Qwen2.

transformers can read GGUF itself, but it parses the whole vocabulary several times: 9 minutes for the
0.5B model on this 2-core machine (a benchmark sharing the CPU), against 26 s for this loader then. We
read the tensor table ourselves, dequantize each tensor with the gguf package and fill a Qwen2 model built
from the file's metadata. A LoRA adapter trained on these weights fits the quantized file llama.cpp runs:
both see the same dequantized values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from safegen import progress
from safegen.errors import ModelError
from safegen.finetune import INSTALL_HINT
from safegen.finetune.gguf_header import GGUFHeader, TensorInfo, read_header
from safegen.finetune.gguf_lora import MODULE_NAMES, import_gguf

# llama.cpp tensor name inside a block -> Hugging Face module name inside model.layers.<i>.
_BLOCK_NAMES = {llama: hf for hf, llama in MODULE_NAMES.items()}
_BLOCK_NAMES.update({"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"})
_TOP_NAMES = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
              "output.weight": "lm_head.weight"}
SUPPORTED_ARCHITECTURES = ("qwen2",)


def hf_name(gguf_name: str) -> str:
    """The transformers parameter for a llama.cpp tensor, e.g. blk.3.attn_q.bias -> model.layers.3.self_attn.q_proj.bias."""
    if gguf_name in _TOP_NAMES:
        return _TOP_NAMES[gguf_name]
    parts = gguf_name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[2] in _BLOCK_NAMES:
        return f"model.layers.{int(parts[1])}.{_BLOCK_NAMES[parts[2]]}.{parts[3]}"
    raise ModelError(f"unexpected tensor {gguf_name!r} in the GGUF model",
                     hint=f"only {', '.join(SUPPORTED_ARCHITECTURES)} models can be fine-tuned")


def qwen2_config(header: GGUFHeader) -> Any:
    """A transformers Qwen2Config from the GGUF metadata."""
    from transformers import Qwen2Config

    meta = header.metadata
    arch = meta.get("general.architecture")
    if arch not in SUPPORTED_ARCHITECTURES:
        raise ModelError(f"fine-tuning supports {', '.join(SUPPORTED_ARCHITECTURES)} models, not {arch!r}",
                         hint="use the embedded Qwen2.5-Coder model")

    def key(name: str) -> Any:
        value = meta.get(f"{arch}.{name}")
        if value is None:
            raise ModelError(f"the GGUF model has no {arch}.{name} metadata", hint="is it a complete llama.cpp model?")
        return value

    embed = header.tensors.get("token_embd.weight")
    if embed is None:
        raise ModelError("the GGUF model has no token_embd.weight", hint="is it a complete llama.cpp model?")
    theta = float(meta.get(f"{arch}.rope.freq_base") or 10000.0)
    return Qwen2Config(
        vocab_size=embed.shape[0], hidden_size=int(key("embedding_length")),
        intermediate_size=int(key("feed_forward_length")), num_hidden_layers=int(key("block_count")),
        num_attention_heads=int(key("attention.head_count")),
        num_key_value_heads=int(key("attention.head_count_kv")),
        max_position_embeddings=int(key("context_length")),
        rms_norm_eps=float(key("attention.layer_norm_rms_epsilon")),
        rope_parameters={"rope_type": "default", "rope_theta": theta},
        tie_word_embeddings="output.weight" not in header.tensors, use_sliding_window=False)


def dequantize(path: str | os.PathLike[str], info: TensorInfo) -> np.ndarray:
    """One tensor as float32 in numpy order, read through a memory map."""
    gguf = import_gguf()
    from gguf.quants import dequantize as gguf_dequantize
    qtype = gguf.GGMLQuantizationType(info.ggml_type)
    block, type_size = gguf.GGML_QUANT_SIZES[qtype]
    rows = int(np.prod(info.shape[:-1])) if len(info.shape) > 1 else 1
    row_bytes = info.shape[-1] // block * type_size
    raw: np.ndarray = np.memmap(path, dtype=np.uint8, mode="r", offset=info.offset, shape=(rows, row_bytes))
    if qtype in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16, gguf.GGMLQuantizationType.BF16):
        raw = raw.view({gguf.GGMLQuantizationType.F32: np.float32, gguf.GGMLQuantizationType.F16: np.float16,
                        gguf.GGMLQuantizationType.BF16: np.uint16}[qtype])
    values = gguf_dequantize(raw, qtype)
    return np.array(values, dtype=np.float32).reshape(info.shape)  # a writable copy, never the map itself


def load_model(path: str | os.PathLike[str]) -> Any:
    """The GGUF model as a float32 ``Qwen2ForCausalLM`` in eval mode (no tokenizer: llama.cpp tokenizes)."""
    try:
        import torch
        from transformers import Qwen2ForCausalLM
    except ImportError as exc:
        raise ModelError(f"fine-tuning needs torch and transformers ({exc})", hint=INSTALL_HINT) from None
    path = Path(path)
    header = read_header(path)
    config = qwen2_config(header)
    with progress.step(f"loading {path.name} for training (dequantizing to float32)"):
        state = {hf_name(name): torch.from_numpy(dequantize(path, info)) for name, info in header.tensors.items()}
        if config.tie_word_embeddings:
            state.setdefault("lm_head.weight", state["model.embed_tokens.weight"])
        with torch.device("meta"):
            model = Qwen2ForCausalLM(config)
        missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
        missing = [m for m in missing if not (config.tie_word_embeddings and m == "lm_head.weight")]
        if missing or unexpected:
            raise ModelError(f"the GGUF model does not fit Qwen2: missing {missing[:4]}, unexpected {unexpected[:4]}",
                             hint="only complete Qwen2 GGUF models can be fine-tuned")
        if config.tie_word_embeddings:
            model.tie_weights()
        _rebuild_buffers(model, config)
    model.eval()  # type: ignore[no-untyped-call]
    return model


def _rebuild_buffers(model: Any, config: Any) -> None:
    """Non-persistent buffers (rotary frequencies) were created on the meta device; make real ones."""
    import torch

    for name, module in model.named_modules():
        if any(b.is_meta for b in module.buffers(recurse=False)):
            fresh = type(module)(config=config) if "rotary" in name else None
            if fresh is None:
                raise ModelError(f"cannot rebuild buffers of {name}", hint="unsupported transformers version")
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, fresh.to(torch.float32))
