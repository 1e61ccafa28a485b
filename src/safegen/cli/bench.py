"""`safegen bench`: run strategies on benchmark datasets, judge them independently, report side by side."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.cli.common import (
    add_model_options,
    add_sandbox_options,
    add_strategy_option,
    settings_from_args,
    strategy_options,
    write_output,
)
from safegen.config import Settings
from safegen.errors import InputError

DEFAULT_SAMPLING_TEMPERATURE = 0.8


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help="no progress output on stderr")
    group.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr")


def _add_executor_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("judging")
    group.add_argument("--judges", help="comma-separated judges (default: bandit,icd,inloop,functional)")
    group.add_argument("--workers", type=int, default=1,
                       help="judging worker processes (0: judge in the main process; default 1)")
    group.add_argument("--executor", choices=("local", "ray"), default="local",
                       help="where judging runs: local worker processes, or a Ray cluster")
    group.add_argument("--ray-address", dest="ray_address",
                       help="Ray cluster address for --executor ray (default: start a local instance)")
    group.add_argument("--batch-size", dest="batch_size", type=int, default=16, help="items per judging job")
    group.add_argument("--data-dir", dest="data_dir",
                       help="folder holding the datasets (default: SAFEGEN_DATA_DIR, ../shared/datasets, "
                            "else downloaded and hash-checked into the user cache)")


def _add_run_options(parser: argparse.ArgumentParser, *, strategy_required: bool = True) -> None:
    parser.add_argument("--dataset", required=True, help="benchmark dataset (see `safegen bench datasets`)")
    parser.add_argument("--strategy", required=strategy_required, help="strategy to run")
    parser.add_argument("--split", help="only the tasks of this split (seccodeplt: test, for claims; dev, for tuning)")
    parser.add_argument("--limit", type=int, help="only the first N tasks")
    parser.add_argument("--task", dest="task_ids", action="append", metavar="ID",
                        help="only this task (repeat for more), e.g. --task HumanEval/33")
    parser.add_argument("--part", type=_part, metavar="K/N",
                        help="only the K-th of N consecutive parts of the tasks, to run one run as N side by side "
                             "(one --out folder each), e.g. --part 1/2")
    parser.add_argument("--samples", dest="bench_samples", type=int, default=1,
                        help="independent generations per task, for pass@k (default 1)")
    parser.add_argument("--out", required=True, help="run folder: records are appended here; rerun to resume")
    add_strategy_option(parser)
    parser.add_argument("--max-rounds", dest="max_rounds", type=int, help="repair rounds per loop")
    add_model_options(parser)
    add_sandbox_options(parser)
    _add_executor_options(parser)
    _add_verbosity(parser)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench", help="benchmark strategies with independent judges",
        description="Run strategies on SecCodePLT, SecurityEval, LLMSecEval, HumanEval and CyberSecEval; judge "
                    "the code with independent judges (SecCodePLT's capability and safety tests and HumanEval's "
                    "hidden tests in the sandbox; bandit 1.7 and Meta's Insecure Code Detector) and report the "
                    "strategies side by side.")
    parser.set_defaults(handler=lambda args: _help(parser))
    actions = parser.add_subparsers(dest="bench_command", metavar="ACTION")

    run_parser = actions.add_parser("run", help="generate and judge a dataset with one strategy (resumable)")
    _add_run_options(run_parser)
    run_parser.set_defaults(handler=run_command)

    judge_parser = actions.add_parser("judge", help="(re-)judge a run folder without the model")
    judge_parser.add_argument("folder", help="a run folder written by `safegen bench run`")
    judge_parser.add_argument("--force", action="store_true",
                              help="judge everything again (the old results are kept aside)")
    _add_executor_options(judge_parser)
    _add_verbosity(judge_parser)
    judge_parser.set_defaults(handler=judge_command)

    report_parser = actions.add_parser("report", help="strategies side by side: markdown, JSON or HTML")
    report_parser.add_argument("folders", nargs="+", help="run folders")
    report_parser.add_argument("--format", choices=("markdown", "json", "html"), default="markdown")
    report_parser.add_argument("-o", "--output", help="write the report to this file instead of stdout")
    report_parser.add_argument("--out-dir", dest="out_dir", help="write report.md, report.json and report.html here")
    report_parser.set_defaults(handler=report_command)

    merge_parser = actions.add_parser("merge", help="one run folder from the parts of a run (--part K/N)")
    merge_parser.add_argument("parts", nargs="+", help="the part folders, in order")
    merge_parser.add_argument("--out", required=True, help="the new run folder")
    merge_parser.add_argument("--data-dir", dest="data_dir",
                              help="folder holding the datasets, to count the tasks of parts whose run.json does "
                                   "not list them (default: SAFEGEN_DATA_DIR or ../shared/datasets)")
    merge_parser.set_defaults(handler=merge_command)

    ablate_parser = actions.add_parser("ablate", help="a strategy with one part switched off at a time")
    _add_run_options(ablate_parser)
    ablate_parser.add_argument("--parts", help="comma-separated parts to switch off (default: every part)")
    ablate_parser.set_defaults(handler=ablate_command)

    setup_parser = actions.add_parser("setup", help="create the judges' own environments (once; cached)")
    _add_verbosity(setup_parser)
    setup_parser.set_defaults(handler=setup_command)

    list_parser = actions.add_parser("datasets", help="list the benchmark datasets and where they are found")
    list_parser.add_argument("--data-dir", dest="data_dir", help="folder holding the datasets")
    list_parser.set_defaults(handler=datasets_command)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _settings(args: argparse.Namespace) -> Settings:
    progress.set_quiet(bool(getattr(args, "quiet", False)))
    settings = settings_from_args(args)
    samples = getattr(args, "bench_samples", 1) or 1
    if samples > 1 and settings.temperature == 0:
        progress.note(f"--samples {samples} with temperature 0 would repeat one answer; "
                      f"sampling at temperature {DEFAULT_SAMPLING_TEMPERATURE}")
        settings = settings.replace(temperature=DEFAULT_SAMPLING_TEMPERATURE)
    return settings


def _judges(args: argparse.Namespace) -> tuple[str, ...] | None:
    if not getattr(args, "judges", None):
        return None
    names = tuple(n.strip() for n in args.judges.split(",") if n.strip())
    from safegen.bench.judges import judge_names

    unknown = [n for n in names if n not in judge_names()]
    if unknown:
        raise InputError(f"unknown judge(s): {', '.join(unknown)}", hint=f"choose from: {', '.join(judge_names())}")
    return names


def _part(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N, as --part takes it."""
    k, slash, n = text.partition("/")
    if not (slash and k.strip().isdigit() and n.strip().isdigit() and 1 <= int(k) <= int(n)):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, e.g. 1/2, not {text!r}")
    return int(k), int(n)


def _check_counts(args: argparse.Namespace) -> None:
    if getattr(args, "limit", None) is not None and args.limit < 1:
        raise InputError("--limit must be at least 1")
    if getattr(args, "bench_samples", 1) < 1:
        raise InputError("--samples must be at least 1")
    if args.workers < 0:
        raise InputError("--workers must be 0 or more")
    if args.batch_size < 1:
        raise InputError("--batch-size must be at least 1")


def _spec(args: argparse.Namespace, out: Path, variant: str | None = None,
          options: dict[str, Any] | None = None) -> Any:
    from safegen.bench.judges import default_judges
    from safegen.bench.runner import RunSpec

    return RunSpec(dataset=args.dataset, strategy=args.strategy, out=out, limit=args.limit,
                   task_ids=tuple(args.task_ids or ()), split=args.split, part=getattr(args, "part", None),
                   samples=args.bench_samples, judges=_judges(args) or default_judges(args.dataset), variant=variant,
                   strategy_options=options or {}, workers=args.workers, executor=args.executor,
                   ray_address=args.ray_address, batch_size=args.batch_size)


def run_command(args: argparse.Namespace) -> int:
    from safegen.bench.report import build_report, render
    from safegen.bench.runner import run_benchmark
    from safegen.registry import STRATEGIES

    _check_counts(args)
    STRATEGIES.get(args.strategy)  # unknown names fail before anything is loaded
    settings = _settings(args)
    out = Path(args.out)
    manifest = run_benchmark(_spec(args, out, options=strategy_options(args.strategy_options)), settings)
    progress.note(f"{manifest['judged']}/{manifest['expected']} outputs judged; records in {out}")
    write_output(render(build_report([out]), "markdown"), None)
    return 0


def judge_command(args: argparse.Namespace) -> int:
    from safegen.bench.report import build_report, render
    from safegen.bench.runner import judge_run

    _check_counts(args)
    settings = _settings(args)
    folder = Path(args.folder)
    manifest = judge_run(folder, settings, judges=_judges(args), force=args.force, workers=args.workers,
                         executor=args.executor, ray_address=args.ray_address, batch_size=args.batch_size)
    progress.note(f"{manifest['judged']} of {manifest['generated']} generated outputs judged")
    write_output(render(build_report([folder]), "markdown"), None)
    return 0


def report_command(args: argparse.Namespace) -> int:
    from safegen.bench.report import build_report, render, write_all

    report = build_report([Path(f) for f in args.folders])
    if args.out_dir:
        for path in write_all(report, Path(args.out_dir)):
            progress.note(f"wrote {path}")
        if not args.output:
            return 0
    write_output(render(report, args.format), args.output)
    return 0


def merge_command(args: argparse.Namespace) -> int:
    from safegen.bench.merge import merge_runs

    settings = settings_from_args(args)
    manifest = merge_runs([Path(p) for p in args.parts], Path(args.out), data_dir=settings.data_dir)
    progress.note(f"merged {len(args.parts)} parts ({manifest['tasks']} tasks) into {args.out}")
    return 0


def ablate_command(args: argparse.Namespace) -> int:
    from safegen.bench.ablate import variants
    from safegen.bench.report import build_report, render, write_all
    from safegen.bench.runner import run_benchmark

    _check_counts(args)
    selected = [p.strip() for p in args.parts.split(",") if p.strip()] if args.parts else None
    chosen = variants(args.strategy, selected)
    settings = _settings(args)
    root = Path(args.out)
    folders = [root / args.strategy]
    base = strategy_options(args.strategy_options)
    run_benchmark(_spec(args, folders[0], options=base), settings)
    for variant in chosen:
        folder = root / f"{args.strategy}-{variant.name}"
        progress.note(f"ablation {args.strategy} ({variant.name}): {variant.options}")
        run_benchmark(_spec(args, folder, variant.name, {**base, **variant.options}), settings)
        folders.append(folder)
    report = build_report(folders)
    write_all(report, root)
    write_output(render(report, "markdown"), None)
    return 0


def setup_command(args: argparse.Namespace) -> int:
    from safegen.bench.judges.envs import ALL_ENVS, ensure_env

    progress.set_quiet(bool(args.quiet))
    settings = settings_from_args(args)
    for env in ALL_ENVS:
        print(f"{env.name}: {ensure_env(env, settings.cache_dir)}")
    return 0


def datasets_command(args: argparse.Namespace) -> int:
    from safegen.bench.datasets import dataset_names, get_dataset
    from safegen.bench.datasets.download import cached_path, find_data_dir

    settings = settings_from_args(args)
    base = Path(settings.data_dir) if settings.data_dir else find_data_dir()
    lines = []
    for name in dataset_names():
        spec = get_dataset(name).spec
        if base is not None and (base / spec.local_path).is_file():
            where = str(base / spec.local_path)
        elif cached_path(spec, settings.cache_dir).is_file():
            where = str(cached_path(spec, settings.cache_dir))
        else:
            where = f"not local (downloaded on first use from {spec.source.repo}@{spec.source.commit[:7]})"
        rows = spec.expected_rows if spec.expected_rows is not None else "?"
        lines.append(f"{name:27} {spec.version:8} {rows!s:>4} rows  sha256 {spec.sha256[:12]}  {where}")
    write_output("\n".join(lines), None)
    return 0
