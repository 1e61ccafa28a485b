"""The learned token-level vulnerability scorer: a small convolutional net over Python tokens.

Each token gets a vulnerability logit; the file score is a smooth maximum of them, squashed to
[0, 1]. Needs PyTorch (the optional extra ``safegen[scorer]``); runs on the CPU.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # torch warns on import when numpy is absent; the scorer needs no numpy
    warnings.filterwarnings("ignore", message=".*NumPy.*")
    import torch
    from torch import nn

from safegen.errors import InputError, ModelError
from safegen.scorer.tokens import (
    SPECIAL_SYMBOLS,
    STRING_CLASSES,
    STRUCTURAL,
    Tok,
    tokenize_code,
)

FORMAT = "safegen-scorer/1"
TAU = 0.5  # temperature of the smooth maximum that turns token logits into a file logit
WINDOW = 512  # tokens scored at once; longer code is scored in windows with context
CONTEXT = 64
MAX_TOKENS = 50_000
NOTHING_TO_JUDGE = 0.5  # score of code with no tokens at all: neither safe nor vulnerable
FAILED = 1.0  # score when scoring itself failed: fail closed


class TokenNet(nn.Module):
    """Embedding -> dilated 1D convolutions -> file-wide context mixed in -> a logit per token.

    The file-wide context (a max over all positions) lets a token's score depend on code far
    away, such as a validation check added elsewhere in the function; it costs far less than
    self-attention on the CPU.
    """

    def __init__(self, vocab_size: int, dim: int = 32, hidden: int = 64, kernel: int = 3,
                 wide: int = 2) -> None:
        super().__init__()
        self.config = {"vocab_size": vocab_size, "dim": dim, "hidden": hidden, "kernel": kernel,
                       "wide": wide}
        pad = kernel // 2
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.conv1 = nn.Conv1d(dim, hidden, kernel_size=kernel, padding=pad)
        self.conv2 = nn.Conv1d(hidden, hidden, kernel_size=kernel, padding=2 * pad, dilation=2)
        self.context = nn.Linear(hidden, hidden)
        self.conv3 = nn.Conv1d(hidden, hidden, kernel_size=3, padding=wide, dilation=wide)
        self.out = nn.Linear(hidden, 1)
        self.act = nn.GELU()
        self.drop = nn.Dropout(0.1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token logits (batch, length) for ids (batch, length); ``mask`` is True on real tokens."""
        keep = mask.unsqueeze(1)
        x = self.drop(self.emb(ids)).transpose(1, 2)
        h = self.act(self.conv1(x)) * keep
        h = (h + self.act(self.conv2(h))) * keep
        pooled = h.masked_fill(~keep, -1e4).amax(dim=2)
        h = h + self.context(pooled).unsqueeze(2)
        h = (h + self.act(self.conv3(self.act(h)))) * keep
        logits: torch.Tensor = self.out(self.drop(h.transpose(1, 2))).squeeze(-1)
        return logits.masked_fill(~mask, -1e4)


def file_logits(token_logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Smooth maximum of the token logits of each sequence."""
    masked = token_logits.masked_fill(~mask, -1e4)
    return TAU * torch.logsumexp(masked / TAU, dim=1)


class VulnerabilityScorer:
    """Scores Python code from 0 (looks safe) to 1 (looks vulnerable), per file and per token."""

    def __init__(self, net: TokenNet, vocab: list[str], meta: dict[str, Any] | None = None) -> None:
        self.net = net.eval()
        self.vocab = list(vocab)
        self.index = {sym: i for i, sym in enumerate(self.vocab)}
        self.vocab_set = frozenset(self.vocab)
        self.meta: dict[str, Any] = dict(meta or {})

    # ------------------------------------------------------------------ encoding

    def tokens(self, code: str) -> list[Tok]:
        """The tokens of ``code`` as this scorer's vocabulary sees them."""
        return tokenize_code(code, self.vocab_set)[:MAX_TOKENS]

    def encode(self, toks: list[Tok]) -> list[int]:
        """Vocabulary ids for tokens (unknown symbols map to <UNK>)."""
        unk = self.index["<UNK>"]
        return [self.index.get(t.symbol, unk) for t in toks]

    def _token_logits(self, ids: list[int]) -> torch.Tensor:
        """Logits for every id, scoring long inputs in overlapping windows."""
        starts = list(range(0, len(ids), WINDOW))
        chunks: list[list[int]] = []
        spans: list[tuple[int, int]] = []
        for start in starts:
            lo, hi = max(0, start - CONTEXT), min(len(ids), start + WINDOW + CONTEXT)
            chunks.append(ids[lo:hi])
            spans.append((start - lo, min(WINDOW, len(ids) - start)))
        width = max(len(c) for c in chunks)
        batch = torch.zeros((len(chunks), width), dtype=torch.long)
        for row, chunk in enumerate(chunks):
            batch[row, : len(chunk)] = torch.tensor(chunk, dtype=torch.long)
        mask = batch != 0
        with torch.no_grad():
            logits = self.net(batch, mask)
        parts = [logits[row, off: off + count] for row, (off, count) in enumerate(spans)]
        return torch.cat(parts)

    # ------------------------------------------------------------------ public API

    def score(self, code: str) -> float:
        """File score in [0, 1]; never raises (no tokens: 0.5; not text or internal failure: 1.0)."""
        if not isinstance(code, str):
            return FAILED
        try:
            toks = self.tokens(code)
            if not toks:
                return NOTHING_TO_JUDGE
            logits = self._token_logits(self.encode(toks))
            value = TAU * torch.logsumexp(logits / TAU, dim=0)
            return float(torch.sigmoid(value))
        except Exception:  # noqa: BLE001 - a scorer bug must never break a generation run
            return FAILED

    def score_tokens(self, code: str) -> list[tuple[int, str, float]]:
        """(line, token text, score in [0, 1]) for each non-layout token; [] when none."""
        try:
            toks = self.tokens(code)
            if not toks:
                return []
            probs = torch.sigmoid(self._token_logits(self.encode(toks))).tolist()
            return [(t.line, t.text, float(p)) for t, p in zip(toks, probs)
                    if t.symbol not in STRUCTURAL]
        except Exception:  # noqa: BLE001
            return []

    def line_scores(self, code: str) -> dict[int, float]:
        """Highest token score on each line, to point at the suspicious lines."""
        out: dict[int, float] = {}
        for line, _, value in self.score_tokens(code):
            out[line] = max(value, out.get(line, 0.0))
        return out

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write weights (float16), vocabulary and metadata to one file."""
        target = Path(path)
        state = {k: v.detach().to(torch.float16) if v.is_floating_point() else v
                 for k, v in self.net.state_dict().items()}
        payload = {"format": FORMAT, "config": dict(self.net.config), "vocab": self.vocab,
                   "meta": _plain(self.meta), "state": state}
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            torch.save(payload, tmp)
            tmp.replace(target)
        except OSError as exc:
            raise InputError(f"cannot write scorer to {target}: {exc.strerror or exc}",
                             hint="choose a writable path") from exc
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> VulnerabilityScorer:
        """Read a file written by :meth:`save`; a missing or corrupt file raises ModelError."""
        source = Path(path)
        hint = "retrain it with `python -m safegen.scorer.train --out PATH`"
        if not source.is_file():
            raise ModelError(f"scorer weights not found: {source}", hint=hint)
        try:
            payload = torch.load(source, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise ModelError(f"scorer weights unreadable: {source}: {type(exc).__name__}", hint=hint) from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ModelError(f"not a safegen scorer file: {source}", hint=hint)
        try:
            config = payload["config"]
            vocab = list(payload["vocab"])
            net = TokenNet(int(config["vocab_size"]), int(config["dim"]), int(config["hidden"]),
                           int(config.get("kernel", 3)), int(config.get("wide", 2)))
            net.load_state_dict({k: v.float() if v.is_floating_point() else v
                                 for k, v in payload["state"].items()})
            if len(vocab) != int(config["vocab_size"]) or "<UNK>" not in vocab:
                raise ValueError("vocabulary does not match the weights")
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelError(f"scorer weights inconsistent: {source}: {exc}", hint=hint) from exc
        return cls(net, vocab, payload.get("meta") or {})


def new_scorer(vocab: list[str], meta: dict[str, Any] | None = None,
               **net_options: int) -> VulnerabilityScorer:
    """An untrained scorer over ``vocab`` (which must start with the special symbols)."""
    return VulnerabilityScorer(TokenNet(len(vocab), **net_options), vocab, meta)


def base_vocabulary() -> list[str]:
    """Symbols every vocabulary holds, <PAD> first (id 0)."""
    return list(dict.fromkeys((*SPECIAL_SYMBOLS, *STRING_CLASSES)))


def _plain(value: Any) -> Any:
    """Metadata restricted to types that ``torch.load(weights_only=True)`` accepts."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return str(value)  # plain str: subclasses such as TorchVersion do not unpickle safely
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return str(value)
