"""Write (and read back) a PEFT LoRA adapter as a llama.cpp GGUF adapter file, for the local backend's ``--lora``.

llama.cpp pairs ``blk.{i}.attn_q.weight.lora_a`` / ``.lora_b`` with the base tensor ``blk.{i}.attn_q.weight``
and adds ``scale * B @ (A @ x)`` to its output, with ``scale = alpha / rank`` (rank = A's row count).
PEFT's ``lora_A.weight`` ([r, in]) and ``lora_B.weight`` ([out, r]) already have the layout llama.cpp
wants: GGUF lists dimensions in reverse (ne[0] = in), so neither matrix is transposed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from safegen.errors import ModelError
from safegen.finetune import INSTALL_HINT
from safegen.finetune.gguf_header import read_header

__all__ = ["MODULE_NAMES", "LoraFile", "base_architecture", "base_tensor_shapes", "llama_cpp_name", "read_lora_gguf",
           "write_lora_gguf"]


# Hugging Face (Qwen2 / Llama style) module -> llama.cpp tensor name inside a block.
MODULE_NAMES: dict[str, str] = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}

_MODULE_RE = re.compile(r"^(?:base_model\.model\.)?model\.layers\.(\d+)\.(\w+\.\w+)$")

FloatArray = npt.NDArray[np.float32]


class LoraFile(NamedTuple):
    """A GGUF LoRA adapter read back: the base architecture, alpha, and llama.cpp tensor name -> array."""

    architecture: str
    alpha: float
    tensors: dict[str, FloatArray]


def import_gguf() -> Any:
    """The gguf package, or a ModelError that says how to install it."""
    try:
        import gguf
    except ImportError as exc:
        raise ModelError(f"writing a llama.cpp LoRA adapter needs the gguf package ({exc})",
                         hint=INSTALL_HINT) from None
    return gguf


def llama_cpp_name(module: str) -> str:
    """The llama.cpp base tensor for a PEFT module name, e.g. model.layers.3.mlp.down_proj -> blk.3.ffn_down.weight."""
    match = _MODULE_RE.match(module)
    if match is None or match.group(2) not in MODULE_NAMES:
        raise ValueError(f"cannot map LoRA module {module!r} to a llama.cpp tensor; expected "
                         f"'model.layers.<i>.<{'|'.join(MODULE_NAMES)}>' (Qwen2/Llama-style models)")
    return f"blk.{int(match.group(1))}.{MODULE_NAMES[match.group(2)]}.weight"


def _matrix(module: str, which: str, value: Any) -> FloatArray:
    array = np.asarray(value)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{module}: {which} must be a 2-D float array, got shape {array.shape} dtype {array.dtype}")
    out: FloatArray = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{module}: {which} holds NaN or infinite values")
    return out


def _check_fit(module: str, base: str, a: FloatArray, b: FloatArray, shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Raise unless B @ A has the base tensor's numpy shape [out, in] (llama.cpp's own check, but earlier)."""
    if base not in shapes:
        raise ValueError(f"{module}: the base model has no tensor {base}")
    if (b.shape[0], a.shape[1]) != tuple(shapes[base]):
        raise ValueError(f"{module}: lora_B @ lora_A is {[b.shape[0], a.shape[1]]} but the base tensor {base} is "
                         f"{list(shapes[base])} ([out, in]); is this adapter for another model?")


def write_lora_gguf(path: str | os.PathLike[str], weights: Mapping[str, tuple[Any, Any]], *, alpha: float,
                    architecture: str, base_shapes: Mapping[str, tuple[int, ...]] | None = None) -> Path:
    """Write ``{module: (lora_A [r, in], lora_B [out, r])}`` as a llama.cpp LoRA GGUF; returns the path.

    ``architecture`` must be the base GGUF's ``general.architecture`` (see :func:`base_architecture`):
    llama.cpp refuses an adapter whose architecture differs from the model's. With ``base_shapes``
    (see :func:`base_tensor_shapes`) a matrix that does not fit the base model is refused here.
    """
    if not weights:
        raise ValueError("no LoRA weights to write")
    if not alpha > 0:  # llama.cpp reads alpha == 0 as "scale 1, do not divide by the rank"
        raise ValueError(f"LoRA alpha must be positive, got {alpha!r}")
    tensors: dict[str, tuple[FloatArray, FloatArray]] = {}
    for module, (lora_a, lora_b) in weights.items():
        base = llama_cpp_name(module)
        a, b = _matrix(module, "lora_A", lora_a), _matrix(module, "lora_B", lora_b)
        if a.shape[0] != b.shape[1]:
            raise ValueError(f"{module}: lora_A has rank {a.shape[0]} but lora_B has rank {b.shape[1]} "
                             f"(expected lora_A [r, in] and lora_B [out, r], as PEFT stores them)")
        if base in tensors:
            raise ValueError(f"{module}: two modules map to the same llama.cpp tensor {base}")
        if base_shapes is not None:
            _check_fit(module, base, a, b, base_shapes)
        tensors[base] = (a, b)

    gguf = import_gguf()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    writer = gguf.GGUFWriter(partial, architecture)  # writes general.architecture itself
    try:
        _write(gguf, writer, tensors, alpha)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target


def _write(gguf: Any, writer: Any, tensors: Mapping[str, tuple[FloatArray, FloatArray]], alpha: float) -> None:
    try:
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))  # llama.cpp aborts on any other type
        # float32, not float16: adapters are small (tens of MB for a 0.5B model at rank 16), the weights stay
        # exactly as trained (B starts at zero and its first updates are tiny), and it reads back exactly.
        for base, (a, b) in sorted(tensors.items()):
            writer.add_tensor(f"{base}.lora_a", a)
            writer.add_tensor(f"{base}.lora_b", b)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()


def _reader(path: str | os.PathLike[str]) -> Any:
    gguf = import_gguf()
    if not Path(path).is_file():
        raise ModelError(f"GGUF file not found: {path}", hint="check the path")
    try:
        return gguf.GGUFReader(path)
    except (ValueError, OSError) as exc:
        raise ModelError(f"cannot read GGUF file {path}: {exc}", hint="check that it is a complete GGUF file") from None


def _field(reader: Any, key: str, path: str | os.PathLike[str]) -> Any:
    field = reader.fields.get(key)
    if field is None:
        raise ModelError(f"{path} has no {key} metadata", hint="it is not a llama.cpp GGUF model or adapter")
    return field.contents()


def base_architecture(gguf_path: str | os.PathLike[str]) -> str:
    """The ``general.architecture`` of a GGUF model (e.g. "qwen2"), which its adapters must carry."""
    metadata = read_header(gguf_path, stop_at="general.architecture").metadata
    if not isinstance(metadata.get("general.architecture"), str):
        raise ModelError(f"{gguf_path} has no general.architecture metadata",
                         hint="it is not a llama.cpp GGUF model")
    return str(metadata["general.architecture"])


def base_tensor_shapes(gguf_path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    """Each tensor of a GGUF model with its numpy-order shape, e.g. blk.0.attn_k.weight -> (128, 896) = [out, in]."""
    return {name: info.shape for name, info in read_header(gguf_path).tensors.items()}


def read_lora_gguf(path: str | os.PathLike[str]) -> LoraFile:
    """Read a LoRA adapter written by :func:`write_lora_gguf` (or llama.cpp's converter), as float32 arrays."""
    reader = _reader(path)
    kinds = [reader.fields[key].contents() if key in reader.fields else None
             for key in ("general.type", "adapter.type")]
    if kinds != ["adapter", "lora"]:
        raise ModelError(f"{path} is not a LoRA adapter", hint="pass a file written by write_lora_gguf")
    tensors = {t.name: np.array(t.data, dtype=np.float32) for t in reader.tensors}
    return LoraFile(architecture=str(_field(reader, "general.architecture", path)),
                    alpha=float(_field(reader, "adapter.lora.alpha", path)), tensors=tensors)
