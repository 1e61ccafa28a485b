"""Writing PEFT LoRA weights as a llama.cpp GGUF adapter, and reading them back."""

from __future__ import annotations

from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
gguf = pytest.importorskip("gguf")

from safegen.errors import ModelError
from safegen.finetune.gguf_lora import (
    base_architecture,
    base_tensor_shapes,
    llama_cpp_name,
    read_lora_gguf,
    write_lora_gguf,
)


def _pair(rank: int, n_in: int, n_out: int, seed: int = 0) -> tuple[object, object]:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(rank, n_in)).astype(np.float32), rng.normal(size=(n_out, rank)).astype(np.float32))


@pytest.mark.parametrize("module, tensor", [
    ("model.layers.0.self_attn.q_proj", "blk.0.attn_q.weight"),
    ("model.layers.1.self_attn.k_proj", "blk.1.attn_k.weight"),
    ("model.layers.2.self_attn.v_proj", "blk.2.attn_v.weight"),
    ("model.layers.3.self_attn.o_proj", "blk.3.attn_output.weight"),
    ("model.layers.10.mlp.gate_proj", "blk.10.ffn_gate.weight"),
    ("model.layers.11.mlp.up_proj", "blk.11.ffn_up.weight"),
    ("model.layers.23.mlp.down_proj", "blk.23.ffn_down.weight"),
    ("base_model.model.model.layers.4.self_attn.q_proj", "blk.4.attn_q.weight"),  # PEFT's full prefix
])
def test_hugging_face_modules_map_to_llama_cpp_tensors(module: str, tensor: str) -> None:
    assert llama_cpp_name(module) == tensor


def test_round_trip_keeps_names_shapes_values_and_metadata(tmp_path: Path) -> None:
    weights = {"model.layers.0.self_attn.q_proj": _pair(4, 16, 16, seed=1),
               "model.layers.3.mlp.down_proj": _pair(4, 40, 16, seed=2)}
    path = write_lora_gguf(tmp_path / "sub" / "adapter.gguf", weights, alpha=8, architecture="qwen2")
    assert path == tmp_path / "sub" / "adapter.gguf" and path.is_file()
    assert not list(path.parent.glob("*.partial"))

    lora = read_lora_gguf(path)
    assert lora.architecture == "qwen2" and lora.alpha == 8.0
    assert sorted(lora.tensors) == ["blk.0.attn_q.weight.lora_a", "blk.0.attn_q.weight.lora_b",
                                    "blk.3.ffn_down.weight.lora_a", "blk.3.ffn_down.weight.lora_b"]
    a, b = weights["model.layers.3.mlp.down_proj"]
    assert lora.tensors["blk.3.ffn_down.weight.lora_a"].shape == (4, 40)  # numpy [r, in] as PEFT's lora_A
    assert lora.tensors["blk.3.ffn_down.weight.lora_b"].shape == (16, 4)  # numpy [out, r] as PEFT's lora_B
    np.testing.assert_array_equal(lora.tensors["blk.3.ffn_down.weight.lora_a"], a)
    np.testing.assert_array_equal(lora.tensors["blk.3.ffn_down.weight.lora_b"], b)


def test_gguf_layout_is_what_llama_cpp_checks(tmp_path: Path) -> None:
    # llama.cpp: base ne = [in, out]; lora_a ne = [in, r]; lora_b ne = [r, out]; float32 metadata and data.
    path = write_lora_gguf(tmp_path / "a.gguf", {"model.layers.0.mlp.up_proj": _pair(2, 8, 24)},
                           alpha=16, architecture="llama")
    reader = gguf.GGUFReader(path)
    shapes = {t.name: (list(t.shape), t.tensor_type) for t in reader.tensors}
    assert shapes == {"blk.0.ffn_up.weight.lora_a": ([8, 2], gguf.GGMLQuantizationType.F32),
                      "blk.0.ffn_up.weight.lora_b": ([2, 24], gguf.GGMLQuantizationType.F32)}
    alpha = reader.fields["adapter.lora.alpha"]
    assert alpha.types == [gguf.GGUFValueType.FLOAT32] and alpha.contents() == 16.0
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.type"].contents() == "lora"
    assert reader.fields["general.architecture"].contents() == "llama"


@pytest.mark.parametrize("module", ["model.layers.0.self_attn.qkv_proj", "model.layers.0.mlp.fc1",
                                    "lm_head", "model.embed_tokens", "layers.0.self_attn.q_proj"])
def test_unknown_module_is_rejected_by_name(tmp_path: Path, module: str) -> None:
    with pytest.raises(ValueError, match=f"cannot map LoRA module '{module}'"):
        write_lora_gguf(tmp_path / "x.gguf", {module: _pair(2, 4, 4)}, alpha=4, architecture="qwen2")
    assert not (tmp_path / "x.gguf").exists()


@pytest.mark.parametrize("a_shape, b_shape, alpha, message", [
    ((2, 8), (8, 3), 4, "lora_A has rank 2 but lora_B has rank 3"),
    ((2, 8, 1), (8, 2), 4, "lora_A must be a 2-D float array"),
    ((2, 8), (8, 2), 0, "alpha must be positive"),
])
def test_inconsistent_weights_are_rejected(tmp_path: Path, a_shape: tuple[int, ...], b_shape: tuple[int, ...],
                                           alpha: float, message: str) -> None:
    weights = {"model.layers.0.self_attn.q_proj": (np.zeros(a_shape, np.float32), np.zeros(b_shape, np.float32))}
    with pytest.raises(ValueError, match=message):
        write_lora_gguf(tmp_path / "x.gguf", weights, alpha=alpha, architecture="qwen2")


def test_non_finite_weights_and_empty_adapters_are_rejected(tmp_path: Path) -> None:
    a, b = _pair(2, 4, 4)
    b[0, 0] = np.nan  # type: ignore[index]
    with pytest.raises(ValueError, match="NaN"):
        write_lora_gguf(tmp_path / "x.gguf", {"model.layers.0.self_attn.v_proj": (a, b)}, alpha=4,
                        architecture="qwen2")
    with pytest.raises(ValueError, match="no LoRA weights"):
        write_lora_gguf(tmp_path / "x.gguf", {}, alpha=4, architecture="qwen2")


def test_float16_input_is_stored_as_float32(tmp_path: Path) -> None:
    a, b = _pair(2, 4, 4)
    half = (a.astype(np.float16), b.astype(np.float16))  # type: ignore[attr-defined]
    path = write_lora_gguf(tmp_path / "h.gguf", {"model.layers.0.self_attn.o_proj": half}, alpha=2,
                           architecture="qwen2")
    tensor = read_lora_gguf(path).tensors["blk.0.attn_output.weight.lora_a"]
    assert tensor.dtype == np.float32
    np.testing.assert_array_equal(tensor, half[0].astype(np.float32))


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    """A GGUF "model" with a vocabulary array before its tensors, as real models have."""
    model = tmp_path / "tiny.gguf"
    writer = gguf.GGUFWriter(model, "qwen2")
    writer.add_token_list(["<a>", "b", "ccc"])
    writer.add_array("tokenizer.ggml.token_type", [1, 2, 3])
    writer.add_uint32("qwen2.block_count", 1)
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((6, 6), np.float32))
    writer.add_tensor("blk.0.attn_k.weight", np.zeros((2, 6), np.float32))  # numpy [out, in]
    writer.add_tensor("blk.0.attn_q.bias", np.zeros(6, np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return model


def test_base_architecture_and_shapes_come_from_the_header(tiny_model: Path) -> None:
    assert base_architecture(tiny_model) == "qwen2"
    assert base_tensor_shapes(tiny_model) == {"blk.0.attn_q.weight": (6, 6), "blk.0.attn_k.weight": (2, 6),
                                              "blk.0.attn_q.bias": (6,)}
    with pytest.raises(ModelError, match="not a LoRA adapter"):
        read_lora_gguf(tiny_model)


def test_weights_that_do_not_fit_the_base_model_are_refused_before_writing(tiny_model: Path,
                                                                            tmp_path: Path) -> None:
    shapes = base_tensor_shapes(tiny_model)
    fits = {"model.layers.0.self_attn.k_proj": _pair(2, 6, 2)}
    write_lora_gguf(tmp_path / "ok.gguf", fits, alpha=2, architecture="qwen2", base_shapes=shapes)
    transposed = {"model.layers.0.self_attn.k_proj": _pair(2, 2, 6)}
    with pytest.raises(ValueError, match=r"lora_B @ lora_A is \[6, 2\] but the base tensor "
                                         r"blk.0.attn_k.weight is \[2, 6\]"):
        write_lora_gguf(tmp_path / "bad.gguf", transposed, alpha=2, architecture="qwen2", base_shapes=shapes)
    with pytest.raises(ValueError, match="the base model has no tensor blk.0.ffn_up.weight"):
        write_lora_gguf(tmp_path / "bad.gguf", {"model.layers.0.mlp.up_proj": _pair(2, 6, 6)}, alpha=2,
                        architecture="qwen2", base_shapes=shapes)
    assert not (tmp_path / "bad.gguf").exists()


def test_missing_or_broken_files_are_model_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        base_architecture(tmp_path / "nope.gguf")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf file at all")
    with pytest.raises(ModelError, match="is not a GGUF file"):
        base_tensor_shapes(junk)
    with pytest.raises(ModelError, match="cannot read GGUF file"):
        read_lora_gguf(junk)
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(b"GGUF\x03\x00\x00\x00\x01")
    with pytest.raises(ModelError, match="truncated"):
        base_architecture(truncated)
