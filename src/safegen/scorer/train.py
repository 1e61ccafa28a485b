"""Train (or bootstrap) the vulnerability scorer: ``python -m safegen.scorer.train --out PATH``.

From scratch it learns from synthetic pairs (scorer/synth.py), the training half of the
vulnerable/fixed corpus (tests/corpus, when present), synthetic benign code and any repair
pairs from ``--runs``. With ``--base`` it instead fine-tunes an existing model on the repair
pairs only. Benchmark datasets are never read here.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safegen.errors import InputError, SafegenError
from safegen.progress import note, set_quiet
from safegen.scorer.pairs import Pair, is_held_out, load_corpus_pairs, pairs_from_runs

DEFAULT_CORPUS = Path("tests/corpus")
CORPUS_REPEAT = 3  # hand-written pairs are few and realistic: weigh them up
HELD_OUT_FRACTION = 0.5


def training_set(corpus: Path | None, run_pairs: Sequence[tuple[str, str]], seed: int,
                 per_template: int) -> tuple[list[Pair], list[str], dict[str, Any]]:
    """(pairs, benign code, metadata) for a from-scratch training run."""
    from safegen.scorer.synth import generate_benign, generate_pairs

    synth = list(generate_pairs(per_template, seed=seed))
    corpus_pairs = load_corpus_pairs(corpus) if corpus is not None else []
    train_corpus = [p for p in corpus_pairs if not is_held_out(p.name, HELD_OUT_FRACTION)]
    held_out = [p for p in corpus_pairs if is_held_out(p.name, HELD_OUT_FRACTION)]
    runs = [Pair(f"run/{i}", v, f, None, "run") for i, (v, f) in enumerate(run_pairs)]
    pairs = synth + train_corpus * CORPUS_REPEAT + runs * CORPUS_REPEAT
    benign = list(generate_benign(200, seed=seed))
    meta: dict[str, Any] = {
        "synth_pairs": len(synth), "per_template": per_template,
        "corpus_train": sorted(p.name for p in train_corpus),
        "corpus_held_out": sorted(p.name for p in held_out),
        "run_pairs": len(runs), "python": sys.version.split()[0],
    }
    return pairs, benign, meta


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns an exit code and never prints a traceback for bad input."""
    parser = argparse.ArgumentParser(prog="python -m safegen.scorer.train",
                                     description="Train or bootstrap the safegen vulnerability scorer.")
    parser.add_argument("--out", required=True, help="where to write the weights (.pt)")
    parser.add_argument("--runs", nargs="*", default=[], metavar="JSONL",
                        help="RunRecord JSONL files: their accepted repairs become training pairs")
    parser.add_argument("--base", help="fine-tune this model on the --runs pairs instead of training anew")
    parser.add_argument("--corpus", default=None,
                        help=f"vulnerable/fixed corpus directory (default: {DEFAULT_CORPUS} if present)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-template", type=int, default=25)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    set_quiet(args.quiet)
    try:
        return _run(args)
    except SafegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def _run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise InputError("PyTorch is not installed", hint="pip install 'safegen[scorer]'") from None
    from safegen.scorer.model import VulnerabilityScorer
    from safegen.scorer.training import TrainConfig, bootstrap, fit

    run_pairs = pairs_from_runs(args.runs) if args.runs else []
    if args.runs:
        note(f"{len(run_pairs)} before/after-repair pairs from {len(args.runs)} run file(s)")
    start = time.perf_counter()
    if args.base:
        base = VulnerabilityScorer.load(args.base)
        scorer = bootstrap(base, run_pairs, seed=args.seed)
    else:
        corpus = Path(args.corpus) if args.corpus else (DEFAULT_CORPUS if DEFAULT_CORPUS.is_dir() else None)
        if args.corpus and (corpus is None or not corpus.is_dir()):
            raise InputError(f"corpus directory not found: {args.corpus}")
        if corpus is None:
            note("no corpus directory: training on synthetic pairs only")
        pairs, benign, meta = training_set(corpus, run_pairs, args.seed, args.per_template)
        note(f"training on {len(pairs)} pairs and {len(benign)} benign files")
        scorer = fit(pairs, benign, TrainConfig(seed=args.seed, epochs=args.epochs), meta)
    out = scorer.save(args.out)
    note(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB) in {time.perf_counter() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
