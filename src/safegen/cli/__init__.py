"""The `safegen` command: parses arguments, calls the library, maps errors to exit codes. Nothing else."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from safegen import __version__
from safegen.errors import SafegenError

# Each module registers one subcommand with ``register(subparsers)`` and sets ``handler`` to ``run(args) -> int``.
COMMAND_MODULES = (
    "safegen.cli.generate",
    "safegen.cli.strategies",
    "safegen.cli.scan",
    "safegen.cli.fuzz",
    "safegen.cli.attack",
    "safegen.cli.bench",
    "safegen.cli.finetune",
    "safegen.cli.serve",
    "safegen.cli.mcp",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safegen",
        description="Generate Python code with an LLM and harden it: static analysis, sandboxed fuzzing, repair.",
    )
    parser.add_argument("--version", action="version", version=f"safegen {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.handler(args)
        return code
    except SafegenError as exc:
        if args.debug:
            raise
        print(f"safegen: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("safegen: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
