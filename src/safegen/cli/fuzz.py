"""`safegen fuzz FILE::FUNCTION`: fuzz one function inside the sandbox and report its defects."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.cli.common import (
    add_model_options,
    add_output_options,
    add_sandbox_options,
    read_source,
    run_with_exit_code,
    settings_from_args,
    write_output,
)
from safegen.config import Settings
from safegen.errors import InputError, SafegenError
from safegen.types import FuzzReport

EXIT_CLEAN, EXIT_DEFECTS, EXIT_ERROR = 0, 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fuzz", help="fuzz a function inside the sandbox",
        description="Fuzz FILE::FUNCTION inside a bubblewrap sandbox: boundary values, inputs from type hints "
                    "(hypothesis), mutation of seeds, atheris for str/bytes functions. "
                    "Exit 0: no defects, 1: defects found, 2: error.")
    parser.add_argument("target", metavar="FILE::FUNCTION", help="the Python file and the function to fuzz")
    parser.add_argument("--iterations", type=int, help="sandboxed executions (default 150)")
    parser.add_argument("--seconds", type=float, help="time budget for fuzzing (default 30)")
    parser.add_argument("--requirement", default="", help="what the function must do (\"never raises\" makes "
                                                           "every exception a defect); also used for LLM seeds")
    parser.add_argument("--seed-inputs", dest="seed_inputs", metavar="JSON",
                        help='seed inputs as a JSON list of argument lists, e.g. \'[["a.txt"], ["../x"]]\'')
    parser.add_argument("--llm-seeds", dest="llm_seeds", action="store_true",
                        help="ask the configured model for seed inputs from the requirement")
    add_sandbox_options(parser)
    add_output_options(parser, ("text", "json"))
    add_model_options(parser)
    parser.set_defaults(handler=run)


def parse_target(target: str) -> tuple[Path, str]:
    """Split FILE::FUNCTION and read nothing yet; InputError for a malformed target."""
    path_text, separator, function = target.rpartition("::")
    if not separator or not path_text or not function.isidentifier():
        raise InputError(f"expected FILE::FUNCTION, got {target!r}", hint="for example: app/util.py::parse_header")
    return Path(path_text), function


def _seed_inputs(text: str | None) -> list[Any]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InputError(f"--seed-inputs is not valid JSON: {exc}") from None
    if not isinstance(value, list):
        raise InputError("--seed-inputs must be a JSON list of argument lists")
    return value


def _llm_seeds(settings: Settings, requirement: str, code: str, function: str) -> tuple[list[Any], str]:
    from safegen.fuzz.seeds import propose_seeds
    from safegen.registry import BACKENDS

    backend = None
    try:
        factory = BACKENDS.get(settings.backend)
        backend = factory.from_settings(settings) if hasattr(factory, "from_settings") else factory(settings)
        with progress.step("asking the model for seed inputs"):
            return propose_seeds(backend, requirement, code, function), ""
    except SafegenError as exc:
        return [], f"no LLM seeds: {exc}"
    finally:
        if backend is not None:
            backend.close()


def _localize(report: FuzzReport, path: Path, function: str) -> FuzzReport:
    """Locations and reproducers in terms of the user's file instead of the sandbox's target.py."""
    module = path.stem if path.stem.isidentifier() else None
    defects = []
    for defect in report.defects:
        location = defect.location
        if location.startswith("target.py:"):
            location = f"{path}:{location.split(':', 1)[1]}"
        reproducer = defect.reproducer.replace("target.py:", f"{path}:")
        if module:
            reproducer = reproducer.replace(f"# run after the code that defines {function}\n",
                                            f"from {module} import {function}\n")
        defects.append(replace(defect, location=location, reproducer=reproducer))
    return replace(report, target=f"{path}::{function}", defects=tuple(defects))


def format_text(report: FuzzReport, sandboxed: bool, verbose: bool = False) -> str:
    lines = [f"{report.target}: {report.executions} executions in {report.seconds:.1f} s "
             f"({', '.join(report.engines) or 'no engine'}){'' if sandboxed else ' WITHOUT SANDBOX'}"]
    for defect in report.defects:
        where = defect.location or report.target
        message = defect.message if len(defect.message) <= 300 else defect.message[:300] + "..."
        lines.append(f"{where}: {defect.kind}: {message}")
        lines.append(f"    input: {defect.input}")
        if defect.count > 1:
            lines.append(f"    seen {defect.count} times")
        if verbose and defect.reproducer:
            lines.append("    reproducer:")
            lines.extend(f"      {line}" for line in defect.reproducer.rstrip().splitlines())
    for error in report.errors:
        lines.append(f"error: {error}")
    count = len(report.defects)
    lines.append(f"{count} defect{'s' if count != 1 else ''} found." if count else "No defects found.")
    # Target code can put lone surrogates into messages: keep them printable.
    return "\n".join(lines).encode("utf-8", "backslashreplace").decode("utf-8")


def run(args: argparse.Namespace) -> int:
    return run_with_exit_code(args, _run, EXIT_ERROR)


def _run(args: argparse.Namespace) -> int:
    from safegen.fuzz import IMPORT_ERROR, fuzz_function
    from safegen.sandbox import Sandbox

    path, function = parse_target(args.target)
    settings = settings_from_args(args)
    if settings.fuzz_iterations < 1 or settings.fuzz_seconds <= 0:
        raise InputError("--iterations and --seconds must be positive")
    code = read_source(path)
    seeds = _seed_inputs(args.seed_inputs)
    extra_errors: list[str] = []
    if args.llm_seeds:
        proposed, problem = _llm_seeds(settings, args.requirement, code, function)
        seeds += proposed
        if problem:
            extra_errors.append(problem)
            progress.note(problem)
    with progress.step("starting the sandbox"):
        sandbox = Sandbox.create(settings)
    try:
        with progress.step(f"fuzzing {path}::{function}"):
            report = fuzz_function(sandbox, code, function, seeds=seeds, iterations=settings.fuzz_iterations,
                                   seconds=settings.fuzz_seconds, requirement=args.requirement,
                                   rng_seed=settings.seed, cache_dir=settings.cache_dir)
    finally:
        sandbox.close()
    report = _localize(report, path, function)
    if extra_errors:
        report = replace(report, errors=tuple(extra_errors) + report.errors)
    if args.format == "json":
        data = report.to_dict()
        data["sandboxed"] = sandbox.isolated
        text = json.dumps(data, indent=2)
    else:
        text = format_text(report, sandbox.isolated, verbose=bool(getattr(args, "verbose", False)))
    try:
        write_output(text, args.output)
    except OSError as exc:
        raise InputError(f"cannot write {args.output}: {exc}") from None
    if report.defects:
        return EXIT_DEFECTS
    return EXIT_ERROR if any(e.startswith(IMPORT_ERROR) for e in report.errors) else EXIT_CLEAN
