"""`safegen attack FILE[::NAME]`: attack existing code's functions and web routes inside the sandbox."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from safegen import __version__, progress
from safegen.attack.report import AttackReport, Exploit
from safegen.cli.common import (
    add_model_options,
    add_output_options,
    add_sandbox_options,
    read_source,
    run_with_exit_code,
    settings_from_args,
    write_output,
)
from safegen.errors import InputError
from safegen.types import AnalyzerFailure, Finding, Severity, VerdictStatus

EXIT_CLEAN, EXIT_EXPLOITS, EXIT_ERROR = 0, 1, 2
TOOL = "safegen-attack"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "attack", help="attack functions and web routes with exploit probes inside the sandbox",
        description="Attack FILE (every public function and Flask/FastAPI/Django route) or FILE::NAME inside a "
                    "bubblewrap sandbox: probes chosen from the code's sinks and the requirement, each confirmed "
                    "only by an oracle (a file read outside, a shell, SQL parsed from input, ...). "
                    "Exit 0: no exploit, 1: an exploit confirmed, 2: error or undecided probes.")
    parser.add_argument("target", metavar="FILE[::NAME]", nargs="?",
                        help="the Python file, optionally one function or handler")
    parser.add_argument("--list-probes", action="store_true",
                        help="list the probes (id, CWE, what they confirm) and exit; --format json for data")
    parser.add_argument("--requirement", default="", help="what the code must do (selects probes, e.g. a role); default: the code's own function "
                             "names and docstrings")
    parser.add_argument("--probe", action="append", default=[], metavar="ID",
                        help="run only this probe (repeatable); default: those the code and requirement select")
    parser.add_argument("--max-executions", type=int, default=None, metavar="N",
                        help="run at most N probe executions in all (default 2000); over it the attack is "
                             "incomplete (exit 2), never a pass")
    parser.add_argument("--agent", action="store_true",
                        help="also ask the configured model for task-specific exploit inputs")
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true",
                        help="apply the mechanical fix of each confirmed exploit to FILE (each kept only if, "
                             "attacked again, the code has fewer exploits and answers ordinary input as before); "
                             "the report and exit code then describe the fixed code")
    fixing.add_argument("--diff", action="store_true", help="print those fixes as a unified diff and write nothing")
    add_sandbox_options(parser)
    add_output_options(parser, ("text", "json", "sarif"))
    add_model_options(parser)
    parser.set_defaults(handler=run)


def parse_target(target: str) -> tuple[Path, str | None]:
    path_text, separator, name = target.rpartition("::")
    if not separator:
        return Path(target), None
    if not path_text or not name.isidentifier():
        raise InputError(f"expected FILE or FILE::NAME, got {target!r}", hint="for example: app.py::get_user")
    return Path(path_text), name


def localize(report: AttackReport, path: Path) -> AttackReport:
    """Locations in terms of the user's file instead of the sandbox's target.py."""
    exploits = tuple(replace(e, location=e.location.replace("target.py:", f"{path}:"))
                     for e in report.exploits)
    return replace(report, exploits=exploits)


def _reproducer(exploit: Exploit, path: Path) -> str:
    from safegen.attack.fixing import function_of

    module = path.stem if path.stem.isidentifier() else None
    function = function_of(exploit)
    head = f"from {module} import {function}\n" if module and " " not in exploit.target else ""
    lines = exploit.reproducer.splitlines(True)
    return lines[0] + head + "".join(lines[1:])


def format_text(report: AttackReport, path: Path, sandboxed: bool) -> str:
    lines = [f"{path}: {len(report.targets)} target(s), probes {', '.join(report.probes) or 'none'}; "
             f"{report.executions} executions in {report.seconds:.1f} s{'' if sandboxed else ' WITHOUT SANDBOX'}"]
    for exploit in report.exploits:
        where = exploit.location or str(path)
        lines.append(f"{where}: CONFIRMED {exploit.probe} (CWE-{exploit.cwe}) in {exploit.target}: {exploit.evidence}")
        lines.append(f"    input: {exploit.input}")
        if exploit.source != "generic":
            lines.append(f"    proposed by: {exploit.source}")
        lines.append("    reproducer:")
        lines.extend(f"      {line}" for line in _reproducer(exploit, path).rstrip().splitlines())
    lines.extend(f"error: {error}" for error in report.errors)
    lines.extend(f"note: {note}" for note in report.notes)
    count = len(report.exploits)
    if count:
        lines.append(f"{count} exploit{'s' if count != 1 else ''} confirmed.")
    else:
        lines.append("No exploit confirmed, but the attack was incomplete (errors above): not a pass."
                     if report.errors else "No exploit confirmed." if report.executions else
                     "No exploit confirmed: no probe applied to these targets (nothing was run; --probe ID chooses one).")
    return "\n".join(lines).encode("utf-8", "backslashreplace").decode("utf-8")


def format_sarif(report: AttackReport, path: Path) -> str:
    from safegen.analyzers.scan import FileResult, ScanReport
    from safegen.report.sarif import render

    findings = tuple(Finding(tool=TOOL, rule_id=e.probe, cwe=e.cwe, severity=Severity.HIGH, line=max(e.line, 1),
                             message=f"{e.title}: {e.evidence} (input: {e.input[:300]})", confidence=Severity.HIGH,
                             path=str(path), cwe_name=e.title) for e in report.exploits)
    errors = tuple(AnalyzerFailure(tool=TOOL, message=error, path=str(path)) for error in report.errors)
    status = (VerdictStatus.VULNERABLE if findings else VerdictStatus.UNKNOWN if errors else VerdictStatus.SECURE)
    result = FileResult(path=str(path), status=status, findings=findings, errors=errors)
    return render(ScanReport(files=(result,), analyzers={TOOL: __version__}))


def run(args: argparse.Namespace) -> int:
    return run_with_exit_code(args, _run, EXIT_ERROR)


def _backend(args: argparse.Namespace, settings: Any) -> Any:
    if not args.agent:
        return None
    from safegen.registry import BACKENDS

    factory = BACKENDS.get(settings.backend)
    return factory.from_settings(settings) if hasattr(factory, "from_settings") else factory(settings)


def _list_probes(args: argparse.Namespace) -> int:
    from safegen.attack.probes import PROBES

    if args.format == "json":
        text = json.dumps([{"id": p.id, "cwe": p.cwe, "title": p.title, "fix": p.fix} for p in PROBES], indent=2)
    else:
        text = "\n".join(f"{p.id:<24} CWE-{p.cwe:<5} {p.title}" for p in PROBES)
    try:
        write_output(text, args.output)
    except OSError as exc:
        raise InputError(f"cannot write {args.output}: {exc}") from None
    return 0


def _run(args: argparse.Namespace) -> int:
    from safegen.attack import attack
    from safegen.attack.engine import TOOL_MAX_PLANS
    from safegen.attack.probes import BY_ID
    from safegen.sandbox import Sandbox

    if args.list_probes:
        return _list_probes(args)
    if not args.target:
        raise InputError("no FILE to attack", hint="safegen attack app.py (or --list-probes)")
    path, name = parse_target(args.target)
    unknown = [p for p in args.probe if p not in BY_ID]
    if unknown:
        raise InputError(f"unknown probe {unknown[0]!r}", hint="one of: " + ", ".join(BY_ID))
    if args.max_executions is not None and args.max_executions < 1:
        raise InputError("--max-executions must be at least 1")
    limit = args.max_executions or TOOL_MAX_PLANS
    settings = settings_from_args(args)
    code = read_source(path)
    backend = _backend(args, settings)
    try:
        with progress.step("starting the sandbox"):
            sandbox = Sandbox.create(settings)
        try:
            with progress.step(f"attacking {args.target}"):
                report = attack(code, args.requirement, sandbox=sandbox, backend=backend, name=name,
                                probes=args.probe, max_plans=limit)
            if (args.fix or args.diff) and report.exploits:
                report = _fix(args, path, code, report, sandbox=sandbox, backend=backend, name=name,
                              max_plans=limit)
        finally:
            sandbox.close()
    finally:
        if backend is not None:
            backend.close()
    report = localize(report, path)
    if args.diff:
        return EXIT_EXPLOITS if report.exploits else EXIT_ERROR if report.errors else EXIT_CLEAN
    if args.format == "json":
        data = report.to_dict()
        data["sandboxed"] = sandbox.isolated
        for item, exploit in zip(data["exploits"], report.exploits):
            item["reproducer"] = _reproducer(exploit, path)
        text = json.dumps(data, indent=2)
    elif args.format == "sarif":
        text = format_sarif(report, path)
    else:
        text = format_text(report, path, sandbox.isolated)
    try:
        write_output(text, args.output)
    except OSError as exc:
        raise InputError(f"cannot write {args.output}: {exc}") from None
    if report.exploits:
        return EXIT_EXPLOITS
    return EXIT_ERROR if report.errors else EXIT_CLEAN


def _fix(args: argparse.Namespace, path: Path, code: str, report: AttackReport, **attack_options: Any) -> AttackReport:
    """--fix / --diff: the verified exploit fixes written to ``path`` or printed as a diff; the fixed code's report."""
    import difflib
    import sys

    from safegen.attack.fixing import fix_exploits

    with progress.step("fixing the confirmed exploits"):
        outcome = fix_exploits(code, args.requirement, report, probes=args.probe, **attack_options)
    if not args.quiet:
        for line in outcome.fixed:
            sys.stderr.write(f"safegen: fixed {line}\n")
        for line in outcome.left:
            sys.stderr.write(f"safegen: left {line}\n")
    if args.diff:
        diff = "".join(difflib.unified_diff(code.splitlines(True), outcome.code.splitlines(True),
                                            f"a/{path}", f"b/{path}"))
        try:
            if diff or args.output:
                write_output(diff, args.output)
        except OSError as exc:
            raise InputError(f"cannot write {args.output}: {exc}") from None
    elif outcome.changed:
        try:
            path.write_text(outcome.code, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the fixed code to {path}: {exc}") from None
    return outcome.report
