"""`safegen scan PATH...`: the static-analysis ensemble on files, directories or stdin."""

from __future__ import annotations

import argparse
from typing import Any

from safegen import progress
from safegen.cli.common import add_output_options, settings_from_args, write_output
from safegen.errors import InputError
from safegen.types import Severity

FORMATS = ("text", "json", "sarif")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan", help="scan Python files with the static-analysis ensemble",
        description="Scan Python files with bandit, semgrep (safegen's taint and pattern rules) and ruff's S "
                    "rules, findings mapped to CWE. PATH may be a file, a directory (its .py files) or - for "
                    "stdin. Exit 0: no findings, 1: findings, 2: error (a file could not be read or analyzed; "
                    "such a file is never reported clean).")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, directory or - (stdin)")
    parser.add_argument("--min-severity", dest="min_severity", default="low",
                        choices=[s.value for s in Severity], help="report only findings at or above this severity")
    parser.add_argument("--analyzers", default=None,
                        help="comma-separated analyzers to run (default: bandit,semgrep,ruff)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds an external analyzer may take per batch (default 60)")
    add_output_options(parser, FORMATS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from safegen.analyzers.ensemble import DEFAULT_ANALYZERS, Ensemble
    from safegen.analyzers.scan import scan_paths

    progress.set_quiet(bool(args.quiet))
    settings = settings_from_args(args)
    if args.timeout is not None:
        if args.timeout <= 0:
            raise InputError("--timeout must be positive")
        settings = settings.replace(scan_timeout=args.timeout)
    names = tuple(n.strip() for n in args.analyzers.split(",") if n.strip()) if args.analyzers \
        else DEFAULT_ANALYZERS
    if not names:
        raise InputError("--analyzers names no analyzer", hint="for example: --analyzers bandit,semgrep")
    with Ensemble.from_names(names, settings, warm=False) as ensemble:
        report = scan_paths(args.paths, ensemble, Severity.parse(args.min_severity))
    if args.format == "json":
        from safegen.report import scan_json

        text = scan_json.render(report)
    elif args.format == "sarif":
        from safegen.report import sarif

        text = sarif.render(report)
    else:
        from safegen.report import scan_text

        text = scan_text.render(report, verbose=bool(args.verbose))
    try:
        write_output(text, args.output)
    except OSError as exc:
        raise InputError(f"cannot write {args.output}: {exc}") from None
    return report.exit_code
