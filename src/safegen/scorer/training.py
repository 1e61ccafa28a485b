"""Train the scorer on vulnerable/fixed pairs, and bootstrap it on pairs from repair runs."""

from __future__ import annotations

import copy
import random
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from safegen.errors import InputError
from safegen.scorer.model import (
    TokenNet,
    VulnerabilityScorer,
    base_vocabulary,
    file_logits,
    new_scorer,
)
from safegen.scorer.pairs import Pair, changed_lines
from safegen.scorer.tokens import STRUCTURAL, tokenize_code, vocabulary_keys

MAX_LEN = 512
UNK_ID = base_vocabulary().index("<UNK>")
POS_WEIGHT = 1.0  # weight of the positive line bags against the negative tokens
VULN_CONTEXT_WEIGHT = 0.3  # unchanged lines of a vulnerable file: probably, not surely, benign


@dataclass(frozen=True)
class TrainConfig:
    """Knobs of one training run; the defaults train the shipped model."""

    seed: int = 0
    epochs: int = 5
    pairs_per_batch: int = 16
    benign_per_batch: int = 4
    lr: float = 3e-3
    weight_decay: float = 0.01
    min_df: int = 3
    max_vocab: int = 4000
    word_dropout: float = 0.1
    bags: bool = True
    kernel: int = 3
    wide: int = 2
    hidden: int = 64


@dataclass(frozen=True)
class Example:
    """One encoded sequence: per-token negative weights and positive line groups.

    ``groups`` holds, for each token, the index of the vulnerable line it sits on (-1 when
    none); each such line is one positive bag: at least one of its tokens should score high
    (multiple-instance learning), which spares the harmless tokens on that line.
    """

    ids: list[int]
    neg_weights: list[float]
    groups: list[int]
    label: float


@contextmanager
def single_thread() -> Iterator[None]:
    """Train on one thread: the machine is shared and the model is small."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def build_vocabulary(codes: Iterable[str], min_df: int = 3, max_size: int = 4000) -> list[str]:
    """Base symbols plus names/literals seen in at least ``min_df`` of the given files."""
    df: Counter[str] = Counter()
    for code in codes:
        keys: set[str] = set()
        for tok in tokenize_code(code, None):
            keys.update(vocabulary_keys(tok))
        df.update(keys)
    base = base_vocabulary()
    chosen = [k for k, c in sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))
              if c >= min_df and k not in base]
    return base + chosen[: max(0, max_size - len(base))]


def encode_pair(scorer: VulnerabilityScorer, pair: Pair) -> tuple[Example, Example]:
    """Encode both halves of a pair with token labels from the diff."""
    vuln_lines = sorted(pair.vulnerable_lines())
    fixed_lines = changed_lines(pair.fixed, pair.vulnerable)
    vt = scorer.tokens(pair.vulnerable)
    ft = scorer.tokens(pair.fixed)
    line_group = {line: g for g, line in enumerate(vuln_lines)}
    v_groups = [-1 if t.symbol in STRUCTURAL else line_group.get(t.line, -1) for t in vt]
    v_neg = [0.0 if t.symbol in STRUCTURAL or t.line in line_group else VULN_CONTEXT_WEIGHT
             for t in vt]
    f_neg = [0.0 if t.symbol in STRUCTURAL else (1.0 if t.line in fixed_lines else 0.5) for t in ft]
    vids, fids = scorer.encode(vt), scorer.encode(ft)
    start = _window_start(v_groups)
    end = start + MAX_LEN
    vex = Example(vids[start:end], v_neg[start:end], v_groups[start:end], 1.0)
    fstart = min(start, max(0, len(fids) - MAX_LEN))
    fex = Example(fids[fstart:fstart + MAX_LEN], f_neg[fstart:fstart + MAX_LEN],
                  [-1] * len(fids[fstart:fstart + MAX_LEN]), 0.0)
    return vex, fex


def encode_benign(scorer: VulnerabilityScorer, code: str) -> Example:
    """A file with no weakness: every token negative."""
    toks = scorer.tokens(code)[:MAX_LEN]
    return Example(scorer.encode(toks), [0.0 if t.symbol in STRUCTURAL else 0.5 for t in toks],
                   [-1] * len(toks), 0.0)


def _window_start(groups: list[int]) -> int:
    """Start of a MAX_LEN window that keeps the first vulnerable token."""
    if len(groups) <= MAX_LEN:
        return 0
    first = next((i for i, g in enumerate(groups) if g >= 0), 0)
    return max(0, min(first - MAX_LEN // 4, len(groups) - MAX_LEN))


def _collate(examples: Sequence[Example]) -> tuple[torch.Tensor, ...]:
    """Padded ids, mask, negative weights, global group ids (-1: none) and file labels."""
    width = max(1, max(len(e.ids) for e in examples))
    ids = torch.zeros((len(examples), width), dtype=torch.long)
    neg = torch.zeros((len(examples), width))
    groups = torch.full((len(examples), width), -1, dtype=torch.long)
    offset = 0
    for row, ex in enumerate(examples):
        n = len(ex.ids)
        if n:
            ids[row, :n] = torch.tensor(ex.ids)
            neg[row, :n] = torch.tensor(ex.neg_weights)
            g = torch.tensor(ex.groups)
            groups[row, :n] = torch.where(g >= 0, g + offset, g)
            offset += max(ex.groups, default=-1) + 1
    labels = torch.tensor([e.label for e in examples])
    return ids, ids != 0, neg, groups, labels


def _group_logsumexp(values: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Log-sum-exp of ``values`` within each group id (ids 0..max)."""
    count = int(groups.max()) + 1
    peak = torch.full((count,), -1e4).scatter_reduce(0, groups, values.detach(), "amax")
    total = torch.zeros(count).scatter_add(0, groups, torch.exp(values - peak[groups]))
    return peak + torch.log(total.clamp(min=1e-12))


def _loss(net: TokenNet, batch: Sequence[Example], n_pairs: int,
          word_dropout: float = 0.0, bags: bool = True) -> torch.Tensor:
    """Token negatives + positive line bags + file BCE + pairwise ranking.

    The first 2 * n_pairs rows are (vulnerable, fixed) pairs. ``word_dropout`` replaces that
    share of tokens by <UNK>, so that no single name decides a file.
    """
    ids, mask, neg, groups, labels = _collate(batch)
    if word_dropout:
        drop = (torch.rand(ids.shape) < word_dropout) & mask
        ids = ids.masked_fill(drop, UNK_ID)
    logits = net(ids, mask)
    loss = (F.softplus(logits) * neg).sum() / neg.sum().clamp(min=1.0)
    in_bag = groups >= 0
    if bool(in_bag.any()):
        positive = _group_logsumexp(logits[in_bag], groups[in_bag]) if bags else logits[in_bag]
        loss = loss + POS_WEIGHT * F.softplus(-positive).mean()
    flog = file_logits(logits, mask)
    loss = loss + F.binary_cross_entropy_with_logits(flog, labels)
    if n_pairs:
        vuln, fixed = flog[0: 2 * n_pairs: 2], flog[1: 2 * n_pairs: 2]
        loss = loss + F.softplus(fixed - vuln + 1.0).mean()
    return loss


def _run_epochs(net: TokenNet, pair_examples: list[tuple[Example, Example]],
                benign: list[Example], config: TrainConfig, lr: float, steps_hint: int | None = None) -> None:
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    per_epoch = max(1, -(-len(pair_examples) // config.pairs_per_batch))
    total = steps_hint or per_epoch * config.epochs
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total, pct_start=0.1)
    net.train()
    step = 0
    while step < total:
        for chosen in _batches(pair_examples, config.pairs_per_batch, rng):
            if step >= total:
                break
            batch: list[Example] = [ex for pair in chosen for ex in pair]
            if benign and config.benign_per_batch:
                batch.extend(rng.sample(benign, min(config.benign_per_batch, len(benign))))
            loss = _loss(net, batch, len(chosen), config.word_dropout, config.bags)
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
    net.eval()


def _batches(items: list[tuple[Example, Example]], size: int,
             rng: random.Random) -> Iterator[list[tuple[Example, Example]]]:
    """Shuffled batches of similar length (sorted within groups of 8 batches) to cut padding."""
    order = list(range(len(items)))
    rng.shuffle(order)
    group = size * 8
    batches: list[list[tuple[Example, Example]]] = []
    for begin in range(0, len(order), group):
        chunk = sorted(order[begin:begin + group], key=lambda i: len(items[i][0].ids))
        batches.extend([items[i] for i in chunk[b:b + size]] for b in range(0, len(chunk), size))
    rng.shuffle(batches)
    yield from batches


def fit(pairs: Sequence[Pair], benign: Sequence[str] = (), config: TrainConfig = TrainConfig(),
        meta: dict[str, object] | None = None) -> VulnerabilityScorer:
    """Train a new scorer from scratch, deterministically for a given ``config.seed``."""
    if not pairs:
        raise InputError("no training pairs", hint="give vulnerable/fixed pairs to train on")
    start = time.perf_counter()
    with single_thread():
        torch.manual_seed(config.seed)
        codes = [c for p in pairs for c in (p.vulnerable, p.fixed)] + list(benign)
        vocab = build_vocabulary(codes, config.min_df, config.max_vocab)
        scorer = new_scorer(vocab, kernel=config.kernel, wide=config.wide, hidden=config.hidden)
        examples = [encode_pair(scorer, p) for p in pairs]
        benign_ex = [encode_benign(scorer, c) for c in benign]
        _run_epochs(scorer.net, examples, benign_ex, config, config.lr)
    info = dict(meta or {})
    info.update({"seed": config.seed, "epochs": config.epochs, "pairs": len(pairs),
                 "benign": len(benign), "vocab": len(vocab),
                 "train_seconds": round(time.perf_counter() - start, 1),
                 "torch": str(torch.__version__)})
    scorer.meta = info
    return scorer


def bootstrap(scorer: VulnerabilityScorer, pairs: Iterable[tuple[str, str]], *, seed: int = 0,
              replay: Sequence[Pair] | None = None, steps: int | None = None,
              lr: float = 1e-3) -> VulnerabilityScorer:
    """Fine-tune a copy of ``scorer`` on (vulnerable, repaired) pairs; the original is untouched.

    New names and literals in the pairs join the vocabulary (initialised from the class they
    used to fall into, so scores do not jump); a replay of synthetic pairs keeps old knowledge.
    """
    from safegen.scorer.synth import generate_pairs

    new_pairs = [Pair(f"bootstrap/{i}", v, f, None, "run") for i, (v, f) in enumerate(pairs)
                 if isinstance(v, str) and isinstance(f, str) and v.strip() and f.strip() and v != f]
    if not new_pairs:
        raise InputError("no usable before/after-repair pairs to bootstrap on",
                         hint="collect them with pairs_from_runs(...) from runs that repaired code")
    rng = random.Random(seed)
    if replay is None:
        pool = list(generate_pairs(per_template=4, seed=seed + 1))
        replay = rng.sample(pool, min(len(pool), max(32, 3 * len(new_pairs))))
    with single_thread():
        torch.manual_seed(seed)
        tuned = _extend_vocabulary(scorer, new_pairs)
        new_ex = [encode_pair(tuned, p) for p in new_pairs]
        replay_ex = [encode_pair(tuned, p) for p in replay]
        # New pairs are repeated so that each batch holds some of them next to the replay.
        mixed = new_ex * max(1, len(replay_ex) // max(1, 2 * len(new_ex))) + replay_ex
        config = TrainConfig(seed=seed, pairs_per_batch=16, benign_per_batch=0)
        total = steps or max(40, min(400, 4 * len(mixed) // config.pairs_per_batch))
        _run_epochs(tuned.net, mixed, [], config, lr, steps_hint=total)
    tuned.meta = dict(scorer.meta)
    tuned.meta["bootstrapped_pairs"] = int(scorer.meta.get("bootstrapped_pairs", 0) or 0) + len(new_pairs)
    return tuned


def _extend_vocabulary(scorer: VulnerabilityScorer, pairs: Sequence[Pair],
                       min_count: int = 2) -> VulnerabilityScorer:
    """A deep copy of ``scorer`` whose vocabulary also holds keys frequent in ``pairs``."""
    counts: Counter[str] = Counter()
    fallback: dict[str, str] = {}
    for pair in pairs:
        for code in (pair.vulnerable, pair.fixed):
            for raw, mapped in zip(tokenize_code(code, None), scorer.tokens(code)):
                for key in vocabulary_keys(raw):
                    if key not in scorer.vocab_set:
                        counts[key] += 1
                        fallback.setdefault(key, mapped.symbol)
    added = sorted(k for k, c in counts.items() if c >= min_count)
    net = copy.deepcopy(scorer.net)
    if added:
        old = net.emb.weight.data
        rows = [old[scorer.index.get(fallback[k], scorer.index["<UNK>"])] for k in added]
        emb = torch.nn.Embedding(old.shape[0] + len(added), old.shape[1], padding_idx=0)
        emb.weight.data = torch.cat([old, torch.stack(rows)])
        net.emb = emb
        net.config["vocab_size"] = old.shape[0] + len(added)
    return VulnerabilityScorer(net, scorer.vocab + added, dict(scorer.meta))
