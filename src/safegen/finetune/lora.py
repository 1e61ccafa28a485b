"""HexaCoder's fine-tuning: LoRA on the synthesized pairs with a loss masked to the tokens the fix changed.

Each pair gives two chat examples in the shape the ``hexacoder`` strategy asks at run time: step 1,
the imports a secure implementation needs; step 2, the code, given those imports. The prompts go
through the model's own chat template and tokenizer (llama.cpp's, as at inference). The loss counts
the tokens of the fixed answer that differ from the vulnerable one (weight 1; unchanged tokens get
``context_weight``, 0 in HexaCoder) and the end of the turn. The adapter is written as a llama.cpp
GGUF file that ``--lora`` loads, next to PEFT's own files and a ``training.json`` with the figures.
"""

from __future__ import annotations

import difflib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.backends.interface import ChatMessage
from safegen.errors import InputError, ModelError
from safegen.finetune import INSTALL_HINT
from safegen.finetune.gguf_lora import (
    base_architecture,
    base_tensor_shapes,
    write_lora_gguf,
)
from safegen.finetune.synthesize import TrainingPair
from safegen.prompts import templates
from safegen.serde import Record
from safegen.strategies import codecheck

ADAPTER_FILE = "adapter.gguf"
REPORT_FILE = "training.json"


@dataclass(frozen=True)
class TrainingConfig(Record):
    """LoRA and optimiser settings; the defaults suit a few dozen pairs on a CPU."""

    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    epochs: int = 2
    learning_rate: float = 2e-4
    max_length: int = 1024
    context_weight: float = 0.0  # weight of answer tokens the fix left unchanged (HexaCoder's mask: 0)
    imports_examples: bool = True
    seed: int = 0


@dataclass(frozen=True)
class Example(Record):
    """One tokenized chat turn: prompt and answer tokens, with a loss weight per token (0 for the prompt)."""

    name: str
    tokens: tuple[int, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class TrainingReport(Record):
    """What ``train`` did: data, settings, loss before/after and per epoch, time, where the adapter is."""

    base_model: str
    pairs: int
    examples: int
    skipped: tuple[str, ...]
    config: TrainingConfig
    loss_before: float
    loss_after: float
    epoch_losses: tuple[float, ...]
    seconds: float
    adapter: str


def changed_mask(before: Sequence[int], after: Sequence[int]) -> list[bool]:
    """For each token of ``after``: True where a token-level diff from ``before`` replaced or inserted it."""
    mask = [False] * len(after)
    matcher = difflib.SequenceMatcher(None, list(before), list(after), autojunk=False)
    for op, _, _, j1, j2 in matcher.get_opcodes():
        if op in ("replace", "insert"):
            mask[j1:j2] = [True] * (j2 - j1)
    return mask


def _import_lines(code: str) -> list[str]:
    return [f"import {m}" for m in codecheck.imported_modules(code)]


def example_turns(pair: TrainingPair, *, imports_step: bool = True) -> list[tuple[str, list[ChatMessage], str, str]]:
    """(name, prompt messages, fixed answer, vulnerable answer) for each training turn of one pair."""
    fixed_imports = _import_lines(pair.fixed)
    turns = []
    if imports_step and fixed_imports:
        vulnerable_imports = _import_lines(pair.vulnerable)
        turns.append((f"{pair.scenario_id}/imports", templates.imports_messages(pair.requirement),
                      templates.fenced("\n".join(fixed_imports)), templates.fenced("\n".join(vulnerable_imports))))
    code_prompt = templates.generation_messages(pair.requirement, entry_point=pair.entry_point,
                                                imports=fixed_imports)
    turns.append((f"{pair.scenario_id}/code", code_prompt, templates.fenced(pair.fixed),
                  templates.fenced(pair.vulnerable)))
    return turns


def build_examples(pairs: Sequence[TrainingPair], backend: Any, config: TrainingConfig) -> tuple[list[Example],
                                                                                                 list[str]]:
    """Tokenized examples through the local backend's template and tokenizer; too long or no change: skipped."""
    llama = backend.load()
    eos = llama.token_eos()

    def tokens(text: str) -> list[int]:
        return list(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    examples: list[Example] = []
    skipped: list[str] = []
    seen: set[tuple[int, ...]] = set()
    for number, pair in enumerate(pairs):
        for name, messages, fixed, vulnerable in example_turns(pair, imports_step=config.imports_examples):
            name = f"{name}#{number}"
            prompt, _ = backend.render(messages)
            answer = tokens(fixed)
            mask = changed_mask(tokens(vulnerable), answer)
            if not any(mask):
                skipped.append(f"{name}: the fix changed no token of this turn")
                continue
            weights = [0.0] * len(prompt) + [1.0 if m else config.context_weight for m in mask] + [1.0]
            full = tuple(prompt) + tuple(answer) + (eos,)
            if len(full) > config.max_length:
                skipped.append(f"{name}: {len(full)} tokens, more than max_length {config.max_length}")
                continue
            if full in seen:
                continue
            seen.add(full)
            examples.append(Example(name, full, tuple(weights)))
    return examples, skipped


def _masked_loss(model: Any, example: Example) -> Any:
    import torch
    import torch.nn.functional as F

    ids = torch.tensor([example.tokens], dtype=torch.long)
    weights = torch.tensor(example.weights[1:], dtype=torch.float32)
    logits = model(input_ids=ids[:, :-1]).logits[0]
    losses = F.cross_entropy(logits.float(), ids[0, 1:], reduction="none")
    return (losses * weights).sum() / weights.sum()


def mean_loss(model: Any, examples: Sequence[Example]) -> float:
    """The masked loss averaged over examples, without gradients."""
    import torch

    was_training = model.training
    model.eval()
    with torch.no_grad():
        total = sum(float(_masked_loss(model, ex)) for ex in examples)
    model.train(was_training)
    return total / max(1, len(examples))


def lora_weights(model: Any) -> dict[str, tuple[Any, Any]]:
    """{module name: (lora_A [r, in], lora_B [out, r])} of a PEFT model, as numpy arrays."""
    out = {}
    for name, module in model.named_modules():
        lora_a, lora_b = getattr(module, "lora_A", None), getattr(module, "lora_B", None)
        if lora_a is None or lora_b is None or "default" not in lora_a:
            continue
        out[name] = (lora_a["default"].weight.detach().cpu().float().numpy(),
                     lora_b["default"].weight.detach().cpu().float().numpy())
    return out


def train(pairs: Sequence[TrainingPair], base_model: str | Path, out_dir: Path,
          config: TrainingConfig = TrainingConfig(), *, backend: Any = None, model: Any = None) -> TrainingReport:
    """Train a LoRA adapter for the GGUF ``base_model`` on ``pairs``; writes out_dir/adapter.gguf and training.json.

    ``model``: the base already loaded with ``gguf_model.load_model`` (it gets the LoRA layers in place).
    """
    try:
        import torch
        from peft import LoraConfig, get_peft_model
    except ImportError as exc:
        raise ModelError(f"fine-tuning needs torch and peft ({exc})",
                         hint=INSTALL_HINT) from None
    from safegen.backends.local import LocalBackend
    from safegen.finetune.gguf_model import load_model

    if not pairs:
        raise InputError("no training pairs", hint="synthesize some first: safegen finetune synthesize --out DIR")
    base_model = Path(base_model)
    start = time.perf_counter()
    backend = backend or LocalBackend(base_model, n_ctx=max(config.max_length, 512))
    examples, skipped = build_examples(pairs, backend, config)
    if not examples:
        raise InputError(f"none of the {len(pairs)} pairs gave a training example ({'; '.join(skipped[:3])})",
                         hint="raise --max-length or synthesize more pairs")
    progress.note(f"fine-tuning on {len(examples)} examples from {len(pairs)} pairs"
                  + (f" ({len(skipped)} turns skipped)" if skipped else ""))
    torch.manual_seed(config.seed)
    model = model if model is not None else load_model(base_model)
    model = get_peft_model(model, LoraConfig(r=config.rank, lora_alpha=config.alpha,  # type: ignore[arg-type]
                                             lora_dropout=config.dropout,
                                             target_modules=list(config.target_modules), task_type="CAUSAL_LM"))
    loss_before = mean_loss(model, examples)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate)
    order = random.Random(config.seed)
    epoch_losses = []
    model.train()
    for epoch in range(1, config.epochs + 1):
        batch = list(examples)
        order.shuffle(batch)
        total = 0.0
        with progress.bar(len(batch), f"epoch {epoch}/{config.epochs}", unit="example") as bar:
            for example in batch:
                loss = _masked_loss(model, example)
                loss.backward()
                torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
                optimizer.step()
                optimizer.zero_grad()
                total += float(loss.detach())
                bar.update(1)
        epoch_losses.append(round(total / len(batch), 4))
        progress.note(f"epoch {epoch}: mean masked loss {epoch_losses[-1]}")
    loss_after = mean_loss(model, examples)
    out_dir.mkdir(parents=True, exist_ok=True)
    adapter = write_lora_gguf(out_dir / ADAPTER_FILE, lora_weights(model), alpha=config.alpha,
                              architecture=base_architecture(base_model), base_shapes=base_tensor_shapes(base_model))
    model.save_pretrained(str(out_dir / "peft"))
    report = TrainingReport(base_model=base_model.name, pairs=len(pairs), examples=len(examples),
                            skipped=tuple(skipped), config=config, loss_before=round(loss_before, 4),
                            loss_after=round(loss_after, 4), epoch_losses=tuple(epoch_losses),
                            seconds=round(time.perf_counter() - start, 1), adapter=str(adapter))
    (out_dir / REPORT_FILE).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return report
