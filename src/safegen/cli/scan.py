"""`safegen scan PATH...`: the static-analysis ensemble on files, directories or stdin."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from safegen import progress
from safegen.cli.common import (
    add_output_options,
    add_sandbox_options,
    settings_from_args,
    write_output,
)
from safegen.errors import InputError
from safegen.types import Severity

if TYPE_CHECKING:
    from safegen.analyzers.baseline import Suppression
    from safegen.analyzers.scan import ScanReport
    from safegen.config import Settings

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
    suppressing = parser.add_argument_group("suppressions (kept out of the code)")
    suppressing.add_argument("--baseline", metavar="FILE",
                             help="do not report the findings this baseline accepts (matched by rule, file and "
                                  "the line's code, so moved lines still match)")
    suppressing.add_argument("--write-baseline", dest="write_baseline", metavar="FILE",
                             help="write every current finding to FILE as the accepted baseline, then report "
                                  "as with --baseline FILE")
    suppressing.add_argument("--honour-inline", "--honor-inline", dest="honour_inline", action="store_true",
                             help="honour inline '# nosec' / '# nosemgrep' comments (ignored by default)")
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true",
                        help="apply the rule fixes to the files (each kept only if the file still parses, the "
                             "analyzers no longer report the finding and the file still imports in the sandbox); "
                             "the report and exit code then describe the fixed files")
    fixing.add_argument("--diff", action="store_true",
                        help="print the rule fixes as a unified diff and write nothing")
    add_sandbox_options(parser)
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
    if args.fix or args.diff:
        return _fix(args, settings, names)
    with Ensemble.from_names(names, settings, warm=False) as ensemble:
        report = scan_paths(args.paths, ensemble, Severity.parse(args.min_severity))
    return _report(args, report)


def _fix(args: argparse.Namespace, settings: Settings, names: tuple[str, ...]) -> int:
    """--fix / --diff: verified rule fixes, written or shown; exit codes describe the code after them."""
    from safegen.analyzers.ensemble import Ensemble
    from safegen.fixes.files import fix_paths, summary
    from safegen.sandbox.core import Sandbox

    with Ensemble.from_names(names, settings, warm=True) as ensemble, Sandbox.create(settings) as sandbox:
        report, fixes = fix_paths(args.paths, ensemble, sandbox=sandbox, write=bool(args.fix),
                                  min_severity=Severity.parse(args.min_severity))
    if not args.quiet:
        sys.stderr.write(summary(fixes, write=bool(args.fix)))
    if args.diff:
        diff = "".join(f.diff for f in fixes)
        if diff or args.output:
            write_output(diff, args.output)
        return report.exit_code
    return _report(args, report)


def _suppressions(args: argparse.Namespace, report: ScanReport) -> tuple[ScanReport, tuple[Suppression, ...]]:
    """--baseline / --write-baseline / --honour-inline applied to the report (safegen.analyzers.baseline); the
    report without the suppressed findings, and those findings (SARIF still lists them, as suppressed)."""
    if not (args.baseline or args.write_baseline or args.honour_inline):
        return report, ()
    from safegen.analyzers import baseline

    accepted = baseline.Baseline.load(args.baseline) if args.baseline else None
    if args.write_baseline:
        current = baseline.suppress(report, honour_inline=True)[0] if args.honour_inline else report
        accepted = baseline.build(current)
        accepted.save(args.write_baseline)
        if not args.quiet:
            sys.stderr.write(f"safegen: wrote {len(accepted.entries)} finding(s) to {args.write_baseline}\n")
    report, counts = baseline.suppress(report, accepted, honour_inline=bool(args.honour_inline),
                                       baseline_file=args.write_baseline or args.baseline or "")
    if not args.quiet and (counts.baseline or counts.inline):
        sys.stderr.write(f"safegen: suppressed {counts.baseline} finding(s) by the baseline, "
                         f"{counts.inline} by inline comments\n")
    return report, counts.findings


def _report(args: argparse.Namespace, report: ScanReport) -> int:
    """The report in the chosen format; the exit code counts only the findings no suppression removed."""
    report, suppressed = _suppressions(args, report)
    if args.format == "json":
        from safegen.report import scan_json

        text = scan_json.render(report)
    elif args.format == "sarif":
        from safegen.report import sarif

        text = sarif.render(report, suppressed=suppressed)
    else:
        from safegen.report import scan_text

        text = scan_text.render(report, verbose=bool(args.verbose))
    try:
        write_output(text, args.output)
    except OSError as exc:
        raise InputError(f"cannot write {args.output}: {exc}") from None
    return report.exit_code
