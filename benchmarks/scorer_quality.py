"""How well the learned vulnerability scorer ranks code: prints figures for benchmarks/results/.

Sections (all on data the shipped weights never saw):
1. held-out corpus pairs (tests/corpus, the half the deterministic split keeps out of training):
   pairwise accuracy (vulnerable scored above its own fix), AUC over all files, and how often
   the top-scored line is one the fix changed;
2. fresh synthetic pairs (a seed never used in training; same templates, so an optimistic bound);
3. optional cross-dataset check, evaluation only: SecurityEval's insecure reference code against
   HumanEval's canonical solutions (--datasets DIR, default ../shared/datasets when present);
4. cost: artifact size, scoring latency, and the training time recorded in the weights
   (``--train`` times a fresh from-scratch training run on this machine instead).

Usage: .venv/bin/python benchmarks/scorer_quality.py [--weights PATH] [--datasets DIR] [--train]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from safegen.scorer import DEFAULT_WEIGHTS
from safegen.scorer.model import VulnerabilityScorer
from safegen.scorer.pairs import Pair, changed_lines, is_held_out, load_corpus_pairs
from safegen.scorer.synth import generate_pairs
from safegen.scorer.train import HELD_OUT_FRACTION


def auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def pair_figures(scorer: VulnerabilityScorer, pairs: list[Pair]) -> dict[str, float]:
    """Pairwise accuracy, AUC, mean scores and top-line hit rate for a list of pairs."""
    vuln = [scorer.score(p.vulnerable) for p in pairs]
    fixed = [scorer.score(p.fixed) for p in pairs]
    hits, judged = 0, 0
    for pair in pairs:
        target = changed_lines(pair.vulnerable, pair.fixed)
        lines = scorer.line_scores(pair.vulnerable)
        if target and lines:
            judged += 1
            hits += max(lines, key=lambda line: lines[line]) in target
    return {"n": len(pairs), "pairwise": sum(v > f for v, f in zip(vuln, fixed)) / len(pairs),
            "auc": auc(vuln, fixed), "mean_vuln": statistics.fmean(vuln),
            "mean_fixed": statistics.fmean(fixed), "line_hit": hits / judged if judged else float("nan"),
            "line_judged": judged}


def show(title: str, fig: dict[str, float]) -> None:
    print(f"{title}: n={fig['n']}  pairwise accuracy={fig['pairwise']:.3f}  AUC={fig['auc']:.3f}  "
          f"mean score vulnerable={fig['mean_vuln']:.3f} fixed={fig['mean_fixed']:.3f}  "
          f"top line is a fixed line: {fig['line_hit']:.3f} (of {fig['line_judged']})")


def cross_dataset(scorer: VulnerabilityScorer, root: Path) -> None:
    """SecurityEval insecure code (positives) against HumanEval canonical solutions (negatives)."""
    sec_path = root / "securityeval" / "dataset.jsonl"
    he_path = root / "humaneval" / "HumanEval.jsonl.gz"
    if not sec_path.is_file() or not he_path.is_file():
        print(f"cross-dataset check skipped: datasets not found under {root}")
        return
    insecure = []
    for line in sec_path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("Insecure_code"), str):
            insecure.append(row["Insecure_code"])
    benign = []
    with gzip.open(he_path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            benign.append(row["prompt"] + row["canonical_solution"])
    pos = [scorer.score(c) for c in insecure]
    neg = [scorer.score(c) for c in benign]
    print(f"cross-dataset (evaluation only, never trained on): SecurityEval insecure n={len(pos)} "
          f"vs HumanEval solutions n={len(neg)}: AUC={auc(pos, neg):.3f}  "
          f"mean score insecure={statistics.fmean(pos):.3f} humaneval={statistics.fmean(neg):.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default=str(DEFAULT_WEIGHTS))
    parser.add_argument("--corpus", default=str(ROOT / "tests" / "corpus"))
    parser.add_argument("--datasets", default=str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--train", action="store_true", help="time a fresh training run (minutes)")
    args = parser.parse_args()

    scorer = VulnerabilityScorer.load(args.weights)
    meta = scorer.meta
    corpus = load_corpus_pairs(Path(args.corpus))
    trained = set(meta.get("corpus_train", []))
    held = [p for p in corpus if is_held_out(p.name, HELD_OUT_FRACTION) and p.name not in trained]
    shown = Path(args.weights).resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    print(f"weights: {shown} ({Path(args.weights).stat().st_size / 1024:.0f} KiB, "
          f"vocabulary {len(scorer.vocab)}, trained on {meta.get('pairs')} pairs + {meta.get('benign')} "
          f"benign files, seed {meta.get('seed')}, torch {meta.get('torch')})")
    if held:
        fig = pair_figures(scorer, held)
        show("held-out corpus pairs", fig)
        by_cwe: dict[int | None, list[bool]] = defaultdict(list)
        for pair in held:
            by_cwe[pair.cwe].append(scorer.score(pair.vulnerable) > scorer.score(pair.fixed))
        print("  by CWE (right/total): " + ", ".join(
            f"CWE-{cwe}:{sum(v)}/{len(v)}" for cwe, v in sorted(by_cwe.items(), key=lambda kv: kv[0] or 0)))
        wrong = [p.name for p in held if scorer.score(p.vulnerable) <= scorer.score(p.fixed)]
        print(f"  ranked wrong: {', '.join(wrong) or 'none'}")
    else:
        print("held-out corpus pairs: none found")
    train_corpus = [p for p in corpus if p.name in trained]
    if train_corpus:
        show("training corpus pairs (seen in training; for contrast)", pair_figures(scorer, train_corpus))
    show("fresh synthetic pairs (unseen seed, known templates)",
         pair_figures(scorer, list(generate_pairs(per_template=5, seed=12345))))
    cross_dataset(scorer, Path(args.datasets))

    files = [p.vulnerable for p in held] + [p.fixed for p in held] or ["import os\nos.system(x)\n"]
    start = time.perf_counter()
    for code in files:
        scorer.score(code)
    per_file = (time.perf_counter() - start) / len(files) * 1000
    print(f"scoring latency: {per_file:.1f} ms per file (mean over {len(files)} files)")
    print(f"training time recorded in the weights: {meta.get('train_seconds')} s "
          f"(one thread, {meta.get('epochs')} epochs)")
    if args.train:
        from safegen.scorer.train import main as train_main

        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            code = train_main(["--out", str(Path(tmp) / "fresh.pt"), "--corpus", args.corpus, "-q"])
            print(f"fresh training run: exit {code}, {time.perf_counter() - start:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
