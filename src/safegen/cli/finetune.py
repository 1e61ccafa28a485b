"""`safegen finetune`: HexaCoder's pipeline: synthesize vulnerable/fixed pairs per CWE, then train a LoRA adapter."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.cli.common import add_model_options, settings_from_args, write_output
from safegen.errors import InputError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "finetune", help="synthesize vulnerable/fixed pairs and train a LoRA adapter (HexaCoder)",
        description="HexaCoder's pipeline for the embedded model. `synthesize` asks the model for code on "
                    "security-prone scenarios, repairs every vulnerable sample with the analyzers' report and "
                    "keeps (vulnerable, fixed) pairs the analyzers approve; `train` fits a LoRA adapter on them "
                    "with a loss masked to the changed tokens and writes a llama.cpp adapter for --lora.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    scenarios = actions.add_parser("scenarios", help="list the synthesis scenarios, one line each")
    scenarios.add_argument("--cwe", help="only these CWEs, comma-separated (e.g. 78,89)")
    scenarios.set_defaults(handler=run_scenarios)

    synth = actions.add_parser("synthesize", help="generate, judge and repair code; write runs.jsonl and pairs.jsonl")
    synth.add_argument("--out", required=True, help="folder for runs.jsonl and pairs.jsonl (resumes what is there)")
    synth.add_argument("--cwe", help="only these CWEs, comma-separated (default: every scenario)")
    synth.add_argument("--limit", type=int, help="at most this many scenarios")
    synth.add_argument("--samples", type=int, default=3, help="plain samples per scenario (default 3)")
    synth.add_argument("--rounds", type=int, default=3, help="repair rounds per vulnerable sample (default 3)")
    synth.add_argument("-q", "--quiet", action="store_true", help="no progress output on stderr")
    add_model_options(synth)
    synth.set_defaults(handler=run_synthesize)

    train = actions.add_parser("train", help="train a LoRA adapter on pairs.jsonl; write adapter.gguf")
    train.add_argument("--pairs", required=True, help="a pairs.jsonl written by `safegen finetune synthesize`")
    train.add_argument("--out", required=True, help="folder for adapter.gguf, peft/ and training.json")
    train.add_argument("--model", help="the GGUF base model (default: the embedded model)")
    train.add_argument("--epochs", type=int, default=2)
    train.add_argument("--rank", type=int, default=16)
    train.add_argument("--alpha", type=float, default=32.0)
    train.add_argument("--learning-rate", dest="learning_rate", type=float, default=2e-4)
    train.add_argument("--max-length", dest="max_length", type=int, default=1024, help="longest example in tokens")
    train.add_argument("--context-weight", dest="context_weight", type=float, default=0.0,
                       help="loss weight of tokens the fix did not change (HexaCoder: 0)")
    train.add_argument("--no-imports-step", dest="imports_examples", action="store_false",
                       help="train only the code turn, not the imports turn")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("-q", "--quiet", action="store_true", help="no progress output on stderr")
    train.set_defaults(handler=run_train)


def _cwes(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part.strip().upper().removeprefix("CWE-")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--cwe expects comma-separated CWE numbers, got {text!r}", hint="for example --cwe 78,89") from None


def run_scenarios(args: argparse.Namespace) -> int:
    from safegen.finetune.scenarios import select

    lines = [f"{s.scenario_id}  {s.entry_point}: {s.requirement}" for s in select(_cwes(args.cwe))]
    write_output("\n".join(lines), None)
    return 0


def run_synthesize(args: argparse.Namespace) -> int:
    from safegen.finetune.scenarios import select
    from safegen.finetune.synthesize import OracleRepair, synthesize
    from safegen.session import Session

    progress.set_quiet(bool(args.quiet))
    if args.samples < 1 or args.rounds < 1:
        raise InputError("--samples and --rounds must be at least 1")
    settings = settings_from_args(args)
    scenarios = select(_cwes(args.cwe), limit=args.limit)
    strategy = OracleRepair(samples=args.samples, rounds=args.rounds)
    with Session(settings) as session:
        summary = synthesize(lambda s: session.run(s.task(), strategy), scenarios, Path(args.out))
    write_output(json.dumps(summary.to_dict(), indent=2), None)
    return 0 if not summary.failed else 1


def run_train(args: argparse.Namespace) -> int:
    from safegen.backends.models import DEFAULT_MODEL, resolve_model
    from safegen.config import load_settings
    from safegen.finetune.lora import TrainingConfig, train
    from safegen.finetune.synthesize import load_pairs

    progress.set_quiet(bool(args.quiet))
    pairs = load_pairs(Path(args.pairs))
    settings = load_settings({"model": args.model} if args.model else {})
    base = resolve_model(settings.model or DEFAULT_MODEL, settings.cache_dir)
    config = TrainingConfig(rank=args.rank, alpha=args.alpha, epochs=args.epochs, learning_rate=args.learning_rate,
                            max_length=args.max_length, context_weight=args.context_weight,
                            imports_examples=args.imports_examples, seed=args.seed)
    report = train(pairs, base, Path(args.out), config)
    write_output(json.dumps(report.to_dict(), indent=2), None)
    progress.note(f"adapter written: {report.adapter}; use it with --lora {report.adapter}")
    return 0
