"""`safegen generate`: secure code for a requirement (argument, -f FILE, or stdin)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from safegen import progress
from safegen.api import make_task
from safegen.cli.common import (
    add_model_options,
    add_output_options,
    add_sandbox_options,
    add_strategy_option,
    settings_from_args,
    strategy_options,
    write_output,
)
from safegen.errors import ExtractionError, InputError
from safegen.report.run_text import render_run_text
from safegen.session import Session, make_strategy
from safegen.types import RunRecord, Task

MAX_REQUIREMENT_BYTES = 200_000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate", help="generate secure code for a requirement",
        description="Generate Python code for a requirement (prose or a Python prompt with signature and "
                    "docstring) and harden it. Exit code 0: the final code is secure by the analyzers; "
                    "1: still vulnerable or unknown; 2 and up: errors.")
    parser.add_argument("requirement", nargs="?", help="the requirement text, or - to read stdin")
    parser.add_argument("-f", "--file", help="read the requirement from this file (- for stdin)")
    parser.add_argument("--strategy", help="generation strategy (see `safegen strategies`)")
    add_strategy_option(parser)
    parser.add_argument("--samples", type=int, help="candidates to sample (franc, securecoder)")
    parser.add_argument("--max-rounds", dest="max_rounds", type=int, help="repair rounds per loop (default 4)")
    parser.add_argument("--tests", help="a Python file of tests the code must keep passing (run in the sandbox)")
    parser.add_argument("--entry-point", dest="entry_point", help="name of the function to generate")
    parser.add_argument("--context", metavar="FILE",
                        help="code the module already starts with (imports, constants, helpers): shown to the model, "
                             "and the candidates are attacked and run appended to it")
    add_model_options(parser)
    add_sandbox_options(parser)
    add_output_options(parser, ("text", "json", "sarif"))
    parser.add_argument("--code-out", dest="code_out", metavar="FILE",
                        help="also write the final code to FILE (sarif locations then point into it)")
    parser.set_defaults(handler=run)


def _read(path: str, what: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(MAX_REQUIREMENT_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read {what} {path!r}: {reason}", hint="check the path and that it is UTF-8 text") \
            from None


def read_requirement(args: argparse.Namespace) -> str:
    """The requirement from exactly one source; InputError when missing, empty or too large."""
    if args.requirement is not None and args.file is not None:
        raise InputError("give the requirement either as an argument or with -f, not both")
    if args.file is not None:
        text = _read(args.file, "requirement file")
    elif args.requirement == "-":
        text = sys.stdin.read()
    elif args.requirement is not None:
        text = args.requirement
    else:
        raise InputError("no requirement given", hint='pass it as an argument, with -f FILE, or on stdin with "-"')
    if not text.strip():
        raise InputError("the requirement is empty", hint="describe the code to generate")
    if len(text) > MAX_REQUIREMENT_BYTES:
        raise InputError(f"the requirement is longer than {MAX_REQUIREMENT_BYTES} characters",
                         hint="shorten it")
    return text


def build_task(args: argparse.Namespace, requirement: str) -> Task:
    """A Task with the entry point found in a Python prompt (or given) and the user's tests."""
    tests = _read(args.tests, "tests file") if args.tests else None
    context = _read(args.context, "context file") if args.context else ""
    return make_task(requirement, entry_point=args.entry_point, tests=tests,
                     tests_name=f"tests in {args.tests!r}", task_id="cli", context=context)


def _unload_models() -> None:
    """Free an embedded model before interpreter shutdown (llama.cpp's finalizer fails during teardown)."""
    local = sys.modules.get("safegen.backends.local")
    unload = getattr(local, "unload_all", None)
    if callable(unload):
        unload()


def exit_code(record: RunRecord) -> int:
    """0 when the final code is secure, 1 otherwise (like bandit); ExtractionError when there is no code."""
    if record.final is None or not record.final.code:
        errors = "; ".join(c.error for c in record.candidates if c.error) or "no candidate"
        raise ExtractionError(f"the model produced no usable code ({errors})",
                              hint="try another model, a larger --max-tokens, or rephrase the requirement")
    verdict = record.final.verdict
    return 0 if verdict is not None and verdict.is_secure else 1


def run(args: argparse.Namespace) -> int:
    progress.set_quiet(bool(args.quiet))
    requirement = read_requirement(args)
    settings = settings_from_args(args)
    task = build_task(args, requirement)
    try:
        with Session(settings) as session:
            record = session.run(task, make_strategy(settings.strategy, strategy_options(args.strategy_options)))
    finally:
        _unload_models()
    if args.code_out and record.final is not None and record.final.code:
        write_code(record.final.code, args.code_out)
    if args.format == "json":
        text = json.dumps(record.to_dict(), indent=2)
    elif args.format == "sarif":
        from safegen.report import sarif

        text = sarif.render_run(record, args.code_out or GENERATED_PATH)
    else:
        text = render_run_text(record, verbose=bool(args.verbose))
    write_output(text, args.output)  # written even without code: the record shows what the model said
    return exit_code(record)


GENERATED_PATH = "generated.py"  # the artifact SARIF names when the code is not written to a file


def write_code(code: str, path: str) -> None:
    """Write the final code to ``path`` (InputError when that fails)."""
    try:
        Path(path).write_text(code if code.endswith("\n") else code + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the code to {path}: {exc.strerror or exc}",
                         hint="pass a writable --code-out path") from None
